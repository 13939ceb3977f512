/* redis_conf.h - the Redis sink's settings, read from the sensor's config.
 *
 * Everything the sink needs is parsed and checked once, up front, so that a
 * bad value stops the sensor at start with "FILE:LINE: key: what is wrong"
 * instead of surfacing as a connection error later. Keys and defaults are
 * listed in docs/redis.md.
 */
#ifndef ICTWATCH_REDIS_CONF_H
#define ICTWATCH_REDIS_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct config;

enum redis_mode {
    REDIS_MODE_STREAM = 1u << 0,    /* XADD key [MAXLEN ~ N] id eve <json> */
    REDIS_MODE_PUBLISH = 1u << 1,   /* PUBLISH channel <json> */
    REDIS_MODE_LPUSH = 1u << 2,     /* LPUSH key <json> */
    REDIS_MODE_RPUSH = 1u << 3,     /* RPUSH key <json> */
};
#define REDIS_MODES_ALL 0x0fu

struct redis_url {
    bool is_unix;
    char host[256];       /* TCP: name or address ([] stripped from IPv6) */
    int port;
    char path[108];       /* unix socket path */
    char user[128];       /* ACL user, "" = default user */
    unsigned db;
};

struct redis_conf {
    struct redis_url url;
    char *url_text;               /* as given, for messages */
    unsigned modes;               /* REDIS_MODE_* bits */
    char *stream_key, *channel, *list_key, *heartbeat_key;
    char *sensor_id;
    uint64_t stream_maxlen;       /* 0 = no MAXLEN */
    bool channel_per_severity;
    unsigned kinds;               /* EVE_KIND_MASK bits sent to Redis */
    char *password;               /* NULL = no AUTH */
    char *password_from;          /* "file /etc/x" or "environment variable X" */
    uint64_t connect_timeout_ms, command_timeout_ms, close_timeout_ms;
    bool keepalive;
    unsigned batch;               /* records per pipelined round trip */
    unsigned queue_size;          /* records in memory between packets and Redis */
    bool replay_wait;             /* wait for Redis instead of spooling (files) */
    char *spool_dir;              /* NULL = no spool */
    uint64_t spool_max;
    uint64_t heartbeat_s;         /* 0 = no heartbeat */
    char warning[640];            /* a non-fatal remark for the log, or "" */
};

/* Parses redis://[USER@]HOST[:PORT][/DB] or unix:///PATH[?db=N]. A password
 * in the URL is refused (it would show in ps and shell history). */
int redis_url_parse(const char *s, struct redis_url *u, char *err, size_t errlen);
/* Parses "stream,publish,lpush,rpush" into REDIS_MODE_* bits; -1 on an unknown name. */
int redis_modes_parse(const char *s, unsigned *modes);
/* Fills rc from the config. Returns 1 when Redis output is not configured
 * (no redis.url), 0 when configured, -1 with err on a bad setting. live
 * selects the default of redis.replay-wait (no for live capture). */
int redis_conf_load(struct redis_conf *rc, const struct config *cfg, const char *sensor_id,
                    bool live, char *err, size_t errlen);
void redis_conf_free(struct redis_conf *rc);
/* "ictwatch:eve:{SENSOR}" with {SENSOR} replaced by {id}; malloc'd. */
char *redis_key_expand(const char *pattern, const char *sensor_id);

#endif
