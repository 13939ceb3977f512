/* options.c - the table of the sensor's settings (see options.h).
 *
 * Keep rows grouped by module; a module's own file documents what its keys mean,
 * docs/sensor.md documents them for the user.
 */
#include "options.h"

#include <stddef.h>
#include <string.h>

const struct sensor_option sensor_options[] = {
    /* identity */
    {"sensor-id", "sensor-id", 0, true, false, "ID", "sensor id written as EVE \"host\" (default: hostname)"},
    {"country", "country", 0, true, false, "CC", "ISO 3166 country code of this sensor"},
    {"organisation", "org", 0, true, false, "NAME", "organisation operating this sensor"},

    /* capture */
    {"pcap-file", "read", 'r', true, true, "FILE", "read packets from a pcap/pcapng file (repeatable)"},
    {"interface", "interface", 'i', true, false, "IFACE", "capture live on an interface"},
    {"bpf", "filter", 'f', true, false, "EXPR", "BPF filter for live capture and files"},
    {"snaplen", "snaplen", 's', true, false, "BYTES", "live capture snapshot length (default 65535)"},
    {"buffer-size", "buffer-size", 'B', true, false, "SIZE", "live capture kernel buffer (default 64m)"},
    {"promisc", NULL, 0, true, false, "yes|no", "promiscuous mode for live capture (default yes)"},
    {"no-promisc", "no-promisc", 0, false, false, NULL, "do not put the interface in promiscuous mode"},

    /* EVE output */
    {"log-dir", "log-dir", 'l', true, false, "DIR", "write EVE records to DIR/eve.json"},
    {"eve-file", "eve-file", 0, true, false, "FILE", "write EVE records to FILE"},
    {"eve-types", "eve-types", 0, true, false, "LIST", "record types for the EVE file (default alert,flow)"},
    {"stdout", "stdout", 0, false, false, NULL, "write EVE records to stdout"},
    {"stdout-types", "stdout-types", 0, true, false, "LIST", "record types for stdout (default alert,flow)"},

    /* flows */
    {"flow.hash-size", NULL, 0, true, false, "N", "flow hash buckets (default 262144)"},
    {"flow.memcap", NULL, 0, true, false, "SIZE", "flow table memory cap (default 512m)"},
    {"flow.active-timeout", NULL, 0, true, false, "DURATION", "flow record every DURATION of a long flow (default 1800s, 0 = off)"},
    {"flow.timeout.tcp.new", NULL, 0, true, false, "DURATION", "idle timeout (default 60s)"},
    {"flow.timeout.tcp.established", NULL, 0, true, false, "DURATION", "idle timeout (default 600s)"},
    {"flow.timeout.tcp.closed", NULL, 0, true, false, "DURATION", "idle timeout (default 60s)"},
    {"flow.timeout.udp.new", NULL, 0, true, false, "DURATION", "idle timeout (default 30s)"},
    {"flow.timeout.udp.established", NULL, 0, true, false, "DURATION", "idle timeout (default 300s)"},
    {"flow.timeout.icmp.new", NULL, 0, true, false, "DURATION", "idle timeout (default 30s)"},
    {"flow.timeout.icmp.established", NULL, 0, true, false, "DURATION", "idle timeout (default 300s)"},
    {"flow.timeout.other.new", NULL, 0, true, false, "DURATION", "idle timeout (default 30s)"},
    {"flow.timeout.other.established", NULL, 0, true, false, "DURATION", "idle timeout (default 300s)"},

    /* fragments */
    {"defrag.memcap", NULL, 0, true, false, "SIZE", "fragment reassembly memory cap (default 32m)"},
    {"defrag.timeout", NULL, 0, true, false, "DURATION", "drop incomplete datagrams after (default 60s)"},
    {"defrag.max-datagrams", NULL, 0, true, false, "N", "datagrams in reassembly at once (default 65536)"},

    /* nDPI */
    {"dpi.max-tcp-packets", NULL, 0, true, false, "N", "give up classifying a TCP flow after N packets (default 80)"},
    {"dpi.max-udp-packets", NULL, 0, true, false, "N", "give up classifying a UDP flow after N packets (default 24)"},
    {"dpi.ja3-file", NULL, 0, true, false, "FILE", "nDPI list of malicious JA3 hashes"},
    {"dpi.sha1-file", NULL, 0, true, false, "FILE", "nDPI list of malicious certificate SHA-1s"},

    /* Redis output (sensor/output/redis_conf.c, docs/redis.md) */
    {"redis.url", "redis", 0, true, false, "URL", "send EVE records to Redis: redis://[USER@]HOST:PORT[/DB] or unix:///PATH[?db=N]"},
    {"redis.mode", "redis-mode", 0, true, false, "LIST", "any of stream,publish,lpush,rpush (default stream,publish)"},
    {"redis.stream-key", NULL, 0, true, false, "KEY", "stream key (default ictwatch:eve:{SENSOR})"},
    {"redis.stream-maxlen", NULL, 0, true, false, "N", "safety cap: XADD MAXLEN ~ N (default 0 = no trimming)"},
    {"redis.channel", NULL, 0, true, false, "NAME", "pub/sub channel (default ictwatch:alerts)"},
    {"redis.channel-per-severity", NULL, 0, true, false, "yes|no", "also publish to CHANNEL:sevN (default no)"},
    {"redis.list-key", NULL, 0, true, false, "KEY", "list key for lpush/rpush (default ictwatch:eve-list:{SENSOR})"},
    {"redis.types", NULL, 0, true, false, "LIST", "record types sent to Redis (default alert)"},
    {"redis.password-file", NULL, 0, true, false, "FILE", "file holding the Redis password (never on the command line)"},
    {"redis.password-env", NULL, 0, true, false, "VAR", "environment variable holding the Redis password"},
    {"redis.connect-timeout", NULL, 0, true, false, "DURATION", "TCP/unix connect timeout (default 2s; 500ms works)"},
    {"redis.command-timeout", NULL, 0, true, false, "DURATION", "drop the connection after no answer for this long (default 5s)"},
    {"redis.close-timeout", NULL, 0, true, false, "DURATION", "at exit, keep sending for at most this long, then spool (default 10s)"},
    {"redis.keepalive", NULL, 0, true, false, "yes|no", "TCP keepalive on the Redis connection (default yes)"},
    {"redis.batch", NULL, 0, true, false, "N", "records per pipelined round trip (default 256)"},
    {"redis.queue-size", NULL, 0, true, false, "N", "records queued between packets and Redis (default 65536)"},
    {"redis.replay-wait", "replay-wait", 0, true, false, "yes|no", "files: wait for Redis instead of spooling (default yes; live: no)"},
    {"spool.dir", "spool-dir", 0, true, false, "DIR", "keep records here while Redis is away (default: no spool)"},
    {"spool.max-size", NULL, 0, true, false, "SIZE", "spool size cap; the oldest records go first (default 1g)"},
    {"heartbeat.interval", NULL, 0, true, false, "DURATION", "refresh ictwatch:sensor:{SENSOR} this often (default 10s, 0 = off)"},

    /* stats */
    {"stats-interval", "stats-interval", 0, true, false, "DURATION", "print stats every DURATION of wall time (default 0 = only at exit and SIGUSR1)"},
    {"progress", "progress", 0, true, false, "yes|no", "progress line while replaying (default: when stderr is a terminal)"},
};

const unsigned sensor_options_count = sizeof(sensor_options) / sizeof(sensor_options[0]);

const struct sensor_option *sensor_option_find(const char *key)
{
    for (unsigned i = 0; i < sensor_options_count; i++)
        if (strcmp(sensor_options[i].key, key) == 0)
            return &sensor_options[i];
    return NULL;
}

bool sensor_option_known(const char *key)
{
    return sensor_option_find(key) != NULL;
}
