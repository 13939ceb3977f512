/* sensor.h - the sensor's context and its packet pipeline.
 *
 * struct sensor holds every stage's state; it is created by main.c from the
 * configuration and passed down, so no stage keeps global state. One packet
 * goes through sensor_process_packet(): decode -> flow table -> nDPI ->
 * rules -> outputs. Flow ends (timeouts, eviction, exit) come back through
 * the flow table's callback, which finishes classification, runs end-of-flow
 * rules and writes the flow record.
 */
#ifndef ICTWATCH_SENSOR_H
#define ICTWATCH_SENSOR_H

#include <signal.h>
#include <stdint.h>
#include <stdbool.h>

#include "ictwatch/common.h"
#include "ictwatch/config.h"
#include "ictwatch/jsonw.h"
#include "ictwatch/log.h"
#include "decode.h"
#include "defrag.h"
#include "dpi.h"
#include "flow.h"
#include "output/eve.h"
#include "output/output.h"

struct detect_engine;
struct detect_thread;

struct sensor_stats {
    uint64_t packets;            /* packets read from the capture */
    uint64_t bytes;              /* wire bytes of those packets */
    uint64_t decoded;            /* packets decoded to IP */
    uint64_t untracked;          /* decoded but not given a flow (memcap) */
    uint64_t kernel_packets, kernel_drops, ifdrops; /* live capture (pcap_stats) */
    uint64_t files_ok, files_failed, files_truncated;
    uint64_t alerts;             /* alerts raised */
    uint64_t flow_records;       /* flow records written */
    ictw_usec first_ts, last_ts; /* packet time span */
    ictw_usec wall_start;        /* monotonic clock at start, for pps */
};

/* Flags set by signal handlers (main.c) and polled by the packet loop. */
struct sensor_signals {
    volatile sig_atomic_t stop;
    volatile sig_atomic_t reload;
    volatile sig_atomic_t dump_stats;
};

struct sensor {
    struct log_ctx log;
    struct config cfg;
    struct sensor_signals *sig;

    const char *sensor_id;
    const char *country;
    const char *organisation;

    struct decode_ctx decode;
    struct defrag *defrag;
    struct flow_table *flows;
    struct dpi_ctx *dpi;
    struct detect_engine *detect;    /* NULL when no rules are loaded */
    struct detect_thread *detect_thread;
    struct output_ctx *out;
    struct eve_ctx eve;
    struct jsonw json;               /* reused for every record */

    struct sensor_stats stats;
    ictw_usec now;                   /* packet time of the packet in hand */
    ictw_usec next_expire;           /* when to look for idle flows again */
    bool progress;                   /* progress line on stderr */
    const char *in_file;             /* file being replayed, for messages */
};

/* Builds every stage from s->cfg. Returns 0, or -1 after logging why. */
int sensor_init(struct sensor *s);
/* Ends all flows (writing their records) and flushes the outputs. */
void sensor_finish(struct sensor *s);
/* Frees every stage (after sensor_finish). */
void sensor_free(struct sensor *s);

/* One captured frame of link type dlt. */
void sensor_process_packet(struct sensor *s, int dlt, ictw_usec ts, uint32_t caplen,
                           uint32_t wire_len, const uint8_t *data, uint64_t pcap_cnt);
/* Writes an alert record for a rule that matched (used by the rule engine). */
void sensor_emit_alert(struct sensor *s, const struct eve_alert_sig *sig, struct flow *f,
                       const struct packet *p, int dir);
/* Gives the Redis heartbeat the current numbers (call about once a second). */
void sensor_heartbeat(struct sensor *s);
/* Prints the statistics block on stderr. */
void sensor_print_stats(struct sensor *s);

#endif
