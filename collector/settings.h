/* settings.h - the collector's settings: one table for the config file and the command line.
 *
 * Like the sensor, every setting has a config-file key and most have a command-line
 * option; main.c turns the command line into config entries ("command line" as origin)
 * so that every module reads one struct config and a bad value is reported with where
 * it came from ("collector.conf:7: lateness: ..."). settings_load() then checks the
 * values once and fills struct coll_settings, which the verbs read; nothing else parses
 * the config afterwards.
 *
 * The Redis password never comes from the command line or the URL (it would show in
 * `ps` and shell history): only from redis.password-file or the environment variable
 * named by redis.password-env (default ICTWATCH_REDIS_PASSWORD).
 */
#ifndef ICTWATCH_COLL_SETTINGS_H
#define ICTWATCH_COLL_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ictwatch/config.h"
#include "tlp.h"

/* Which verbs an option applies to (for --help and for rejecting misplaced options). */
enum {
    VERB_RUN = 1 << 0,
    VERB_REPORT = 1 << 1,
    VERB_STATUS = 1 << 2,
    VERB_TAIL = 1 << 3,
    VERB_EXPORT = 1 << 4,
    VERB_SHARE = 1 << 5,
    VERB_COMPARE = 1 << 6,
    VERB_ALL = 0xff,
};

struct coll_option {
    const char *key;        /* config key, e.g. "redis.url" */
    const char *long_opt;   /* command-line option without "--", or NULL (config only) */
    char short_opt;         /* or 0 */
    bool has_arg;           /* false: a flag, stored as "yes" */
    bool repeatable;        /* all values are kept */
    unsigned verbs;         /* VERB_* bits */
    const char *arg_name;
    const char *help;
};

extern const struct coll_option coll_options[];
extern const unsigned coll_options_count;

bool settings_option_known(const char *key);

#define COLL_MAX_WINDOWS 8
#define COLL_MAX_SENSOR_ID 64

/* One window size: events are counted in buckets [start, start + size). */
struct coll_window {
    char name[16];          /* canonical label used in key names: "1m", "1h", "1d", "15m" */
    uint64_t size;          /* seconds */
    uint64_t ttl;           /* retention of a bucket's keys, seconds after the last write */
    bool detail;            /* prefixes, distinct counts, top sources; false = counts only */
};

/* A row of the collector's sensor table (sensor = ID, COUNTRY, ORGANISATION). */
struct coll_sensor_info {
    char *id, *country, *organisation;
};

/* A TLP level raised for one sensor or one signature (tlp.sensor, tlp.signature). */
struct coll_tlp_rule {
    char key[COLL_MAX_SENSOR_ID + 1];  /* sensor id, or "SID" / "GID:SID" */
    uint32_t gid, sid;                 /* for signatures; gid 0 = any */
    enum tlp_level level;
};

struct coll_settings {
    /* Redis */
    const char *redis_url;
    const char *redis_user;
    char *redis_password;          /* owned; NULL when none */
    uint64_t redis_timeout_ms;

    /* consumer group */
    const char *group;
    char consumer[128];
    uint64_t batch;                /* entries per stream per read */
    uint64_t block_ms;             /* XREADGROUP BLOCK */
    uint64_t claim_idle_ms;        /* XAUTOCLAIM min-idle */
    uint64_t claim_interval;       /* seconds between XAUTOCLAIM passes */
    uint64_t discover_interval;    /* seconds between sensor discoveries */
    uint64_t sensor_refresh;       /* seconds between heartbeat reads */
    bool trim;
    uint64_t trim_interval;

    /* aggregation */
    struct coll_window windows[COLL_MAX_WINDOWS];
    unsigned nwindows;
    uint64_t lateness;             /* seconds */
    unsigned prefix_v4, prefix_v6; /* source/destination prefix lengths */
    uint64_t top_keep;             /* sources kept per signature and window */

    /* validation */
    uint64_t max_entry;            /* bytes of one EVE record */
    uint64_t max_future;           /* seconds an event may be ahead of the wall clock */
    uint64_t min_time;             /* earliest plausible event time, seconds */
    uint64_t dead_maxlen;          /* approximate cap of each dead-letter stream */
    uint64_t dead_data_max;        /* bytes of the raw record kept in a dead letter */

    struct coll_sensor_info *sensors;
    size_t nsensors;

    /* TLP levels of the alerts at ingest */
    enum tlp_level tlp_default;
    struct coll_tlp_rule *tlp_sensors, *tlp_sigs;
    size_t n_tlp_sensors, n_tlp_sigs;
};

/* Checks every key against the table and fills s from c. Returns 0, or -1 with
 * "FILE:LINE: key: what is wrong" in err. */
int settings_load(struct coll_settings *s, const struct config *c, char *err, size_t errlen);
void settings_free(struct coll_settings *s);

/* The window whose name or size matches text ("hour", "1h", "3600", "minute", "day"), or NULL. */
const struct coll_window *settings_find_window(const struct coll_settings *s, const char *text);
/* Canonical window label of a size in seconds ("1m", "1h", "1d", "90s"). */
void settings_window_name(uint64_t size, char *buf, size_t len);
/* The table's entry for a sensor id, or NULL. */
const struct coll_sensor_info *settings_sensor_info(const struct coll_settings *s, const char *id);

/* The TLP level configured for a sensor (tlp.sensor), else the default. */
enum tlp_level settings_sensor_tlp(const struct coll_settings *s, const char *sensor);
/* The TLP level configured for a signature (tlp.signature), or TLP_CLEAR. */
enum tlp_level settings_signature_tlp(const struct coll_settings *s, uint32_t gid, uint32_t sid);

/* "FILE:LINE" (or "command line") of the entry that set key, for messages. */
void settings_where(const struct config *c, const char *key, char *buf, size_t len);

/* True for a sensor id the collector accepts in key names: 1..64 of [A-Za-z0-9._-]. */
bool settings_valid_sensor_id(const char *id);

#endif
