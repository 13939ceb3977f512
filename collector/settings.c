/* settings.c - the collector's option table and the checked settings (see settings.h).
 *
 * Keep rows grouped by what they configure; docs/collector.md documents them for users.
 * Defaults live in settings_load() next to the code that checks the value.
 */
#include "settings.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ictwatch/common.h"

#define R VERB_RUN
#define RO (VERB_REPORT | VERB_EXPORT | VERB_SHARE | VERB_COMPARE)

const struct coll_option coll_options[] = {
    /* Redis */
    {"redis.url", "redis", 0, true, false, VERB_ALL, "URL",
     "redis://[USER@]HOST[:PORT][/DB] or unix:///PATH[?db=N] (default redis://127.0.0.1:6379)"},
    {"redis.user", NULL, 0, true, false, VERB_ALL, "USER", "ACL user (also from the URL)"},
    {"redis.password-file", NULL, 0, true, false, VERB_ALL, "FILE", "file holding the Redis password"},
    {"redis.password-env", NULL, 0, true, false, VERB_ALL, "VAR",
     "environment variable holding the password (default ICTWATCH_REDIS_PASSWORD)"},
    {"redis.timeout", NULL, 0, true, false, VERB_ALL, "DURATION", "connect and command timeout (default 10s)"},

    /* consumer group */
    {"group", NULL, 0, true, false, VERB_RUN | VERB_STATUS, "NAME", "consumer group (default ictwatch-collectors)"},
    {"consumer", "consumer", 0, true, false, R, "NAME",
     "consumer name, stable across restarts (default: host name)"},
    {"batch-size", "batch-size", 0, true, false, R, "N", "entries read per stream and batch (default 1000)"},
    {"block", NULL, 0, true, false, R, "MS", "longest wait for new entries, milliseconds (default 1000)"},
    {"claim-idle", "claim-idle", 0, true, false, R, "DURATION",
     "reclaim entries pending this long on another (dead) consumer (default 60s)"},
    {"claim-interval", NULL, 0, true, false, R, "DURATION", "how often to look for such entries (default 10s)"},
    {"discover-interval", NULL, 0, true, false, R, "DURATION", "how often to look for new sensors (default 5s)"},
    {"sensor-refresh", NULL, 0, true, false, R, "DURATION", "how often to re-read sensor heartbeats (default 30s)"},
    {"drain", "drain", 0, false, false, R, NULL, "exit once every stream has been read to its end"},
    {"trim", NULL, 0, true, false, R, "yes|no", "trim acknowledged entries from sensor streams (default yes)"},
    {"trim-interval", NULL, 0, true, false, R, "DURATION", "how often to trim (default 10s)"},

    /* aggregation */
    {"windows", NULL, 0, true, false, VERB_ALL, "LIST",
     "window sizes: SIZE:RETENTION[:counts],... (default 1m:2d:counts,1h:35d,1d:400d)"},
    {"lateness", "lateness", 0, true, false, R, "DURATION",
     "allowed lateness of events behind the sensor's newest (default 10m)"},
    {"prefix.v4", NULL, 0, true, false, VERB_ALL, "BITS", "IPv4 prefix length of the prefix dimensions (default 24)"},
    {"prefix.v6", NULL, 0, true, false, VERB_ALL, "BITS", "IPv6 prefix length of the prefix dimensions (default 48)"},
    {"top-sources.keep", NULL, 0, true, false, R, "N", "sources kept per signature and window (default 1000)"},

    /* validation */
    {"max-entry-size", NULL, 0, true, false, R, "SIZE", "largest accepted EVE record (default 64k)"},
    {"max-future", NULL, 0, true, false, R, "DURATION", "how far an event may be ahead of the clock (default 10m)"},
    {"min-time", NULL, 0, true, false, R, "YEAR", "events before Jan 1 of YEAR are impossible (default 2000)"},
    {"dead.maxlen", NULL, 0, true, false, R, "N", "approximate length cap of each dead-letter stream (default 100000)"},
    {"dead.data-max", NULL, 0, true, false, R, "SIZE", "bytes of the raw record kept in a dead letter (default 4k)"},

    /* sensors */
    {"sensor", NULL, 0, true, true, VERB_ALL, "ID,CC,ORG",
     "country and organisation of a sensor whose heartbeat does not say (repeatable)"},

    /* TLP of what is ingested (docs/sharing.md) */
    {"tlp.default", NULL, 0, true, false, R, "LEVEL", "TLP level of every alert (default green)"},
    {"tlp.sensor", NULL, 0, true, true, R, "ID,LEVEL", "raise the level of one sensor's alerts (repeatable)"},
    {"tlp.signature", NULL, 0, true, true, R, "[GID:]SID,LEVEL", "raise the level of one rule's alerts (repeatable)"},

    /* reading */
    {"since", "since", 0, true, false, RO, "WHEN", "start: DURATION ago (24h), a time (2025-03-14T00:00:00Z) or all (default all)"},
    {"until", "until", 0, true, false, RO, "WHEN", "end: DURATION ago or a time (default now)"},
    {"window", "window", 'w', true, false, RO, "SIZE", "window size to read: minute, hour, day or a size (default hour)"},
    {"by", "by", 0, true, false, VERB_REPORT, "DIMS", "group by these dimensions (default signature)"},
    {"top", "top", 0, true, false, VERB_REPORT | VERB_COMPARE, "N", "only the N largest rows"},
    {"sources", "sources", 0, true, false, VERB_REPORT, "N", "top N sources per row when grouping by signature"},
    {"format", "format", 0, true, false, VERB_REPORT | VERB_STATUS | VERB_COMPARE | VERB_EXPORT, "FMT",
     "table, json or csv (export: stix, misp or json)"},

    /* export and share (docs/sharing.md) */
    {"tlp", "tlp", 0, true, false, VERB_EXPORT | VERB_SHARE, "LEVEL",
     "TLP level of the export (default green; raised to the most restrictive input)"},
    {"anonymize", "anonymize", 0, true, false, VERB_EXPORT | VERB_SHARE, "SPEC",
     "cryptopan, truncate[:V4[:V6]], hmac or none (default truncate)"},
    {"anon.key-file", "key", 0, true, false, VERB_EXPORT | VERB_SHARE, "FILE", "32-byte key for cryptopan and hmac"},
    {"anon.scope", "scope", 0, true, false, VERB_EXPORT | VERB_SHARE, "internal|both",
     "hide only the own constituency's addresses, or all (default both)"},
    {"anon.internal", "internal", 0, true, true, VERB_EXPORT | VERB_SHARE, "NETS",
     "own networks for scope internal, e.g. [10.0.0.0/8,2001:db8::/32] (repeatable)"},
    {"tlp.amber-recipients", NULL, 0, true, true, VERB_EXPORT | VERB_SHARE, "NAMES",
     "recipients that may receive AMBER and AMBER+STRICT (comma-separated, repeatable)"},
    {"recipient", "recipient", 0, true, false, VERB_EXPORT | VERB_SHARE, "NAME",
     "who receives this (default: export / regional)"},
    {"as", "as", 0, true, false, VERB_EXPORT | VERB_SHARE, "CC", "country code the aggregates are shared as"},
    {"producer", "producer", 0, true, false, VERB_EXPORT | VERB_SHARE, "NAME", "name of the exporting CERT"},
    {"threshold", "threshold", 0, true, false, VERB_EXPORT | VERB_SHARE, "N",
     "sources with at least N alerts in a window are listed (default 10)"},
    {"filter.country", "country", 0, true, false, VERB_EXPORT | VERB_SHARE, "CC",
     "only alerts of sensors in this country (a collector serving several)"},
    {"out", "out", 'o', true, false, VERB_EXPORT, "DIR", "directory for the exported files"},
    {"share.to", "to", 0, true, false, VERB_SHARE, "URL", "regional Redis to push to"},
    {"share.every", "every", 0, true, false, VERB_SHARE, "DURATION", "push again every DURATION until stopped"},
    {"compare.from", "from", 0, true, false, VERB_COMPARE, "URL", "regional Redis to read"},
    {"html", "html", 0, true, false, VERB_COMPARE, "FILE", "also write a self-contained HTML page"},
    {"min-countries", "min-countries", 0, true, false, VERB_COMPARE, "N",
     "list source prefixes seen by at least N countries (default 2)"},
    {"regional.password-file", NULL, 0, true, false, VERB_SHARE | VERB_COMPARE, "FILE",
     "password of the regional Redis"},
    {"regional.password-env", NULL, 0, true, false, VERB_SHARE | VERB_COMPARE, "VAR",
     "environment variable with it (default ICTWATCH_REGIONAL_PASSWORD)"},

    /* tail */
    {"filter.severity", "severity", 0, true, false, VERB_TAIL, "N", "only alerts of severity N or more severe (1 = highest)"},
    {"filter.sid", "sid", 0, true, false, VERB_TAIL, "N", "only alerts of this signature id"},
    {"filter.sensor", "sensor", 0, true, false, VERB_TAIL, "ID", "only alerts of this sensor"},
    {"json", "json", 0, false, false, VERB_TAIL, NULL, "print the raw JSON of each alert"},
    {"count", "count", 'n', true, false, VERB_TAIL, "N", "exit after N alerts"},

    /* general */
    {"verbose", "verbose", 'v', false, false, VERB_ALL, NULL, "more messages"},
    {"quiet", "quiet", 'q', false, false, VERB_ALL, NULL, "only errors"},
};

const unsigned coll_options_count = sizeof(coll_options) / sizeof(coll_options[0]);

bool settings_option_known(const char *key)
{
    for (unsigned i = 0; i < coll_options_count; i++)
        if (strcmp(coll_options[i].key, key) == 0)
            return true;
    return false;
}

void settings_where(const struct config *c, const char *key, char *buf, size_t len)
{
    const struct config_entry *e = config_find(c, key);
    if (!e)
        snprintf(buf, len, "default");
    else if (e->line > 0)
        snprintf(buf, len, "%s:%d", e->origin, e->line);
    else
        snprintf(buf, len, "%s", e->origin);
}

bool settings_valid_sensor_id(const char *id)
{
    size_t n = strlen(id);
    if (n == 0 || n > COLL_MAX_SENSOR_ID)
        return false;
    for (const char *p = id; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '.' && *p != '_' && *p != '-')
            return false;
    return true;
}

void settings_window_name(uint64_t size, char *buf, size_t len)
{
    if (size % 86400 == 0)
        snprintf(buf, len, "%llud", (unsigned long long)(size / 86400));
    else if (size % 3600 == 0)
        snprintf(buf, len, "%lluh", (unsigned long long)(size / 3600));
    else if (size % 60 == 0)
        snprintf(buf, len, "%llum", (unsigned long long)(size / 60));
    else
        snprintf(buf, len, "%llus", (unsigned long long)size);
}

const struct coll_window *settings_find_window(const struct coll_settings *s, const char *text)
{
    int64_t size = -1;
    if (!strcmp(text, "minute"))
        size = 60;
    else if (!strcmp(text, "hour"))
        size = 3600;
    else if (!strcmp(text, "day"))
        size = 86400;
    else
        size = ictw_parse_duration(text);
    for (unsigned i = 0; i < s->nwindows; i++)
        if ((int64_t)s->windows[i].size == size)
            return &s->windows[i];
    return NULL;
}

const struct coll_sensor_info *settings_sensor_info(const struct coll_settings *s, const char *id)
{
    for (size_t i = 0; i < s->nsensors; i++)
        if (strcmp(s->sensors[i].id, id) == 0)
            return &s->sensors[i];
    return NULL;
}

static int fail(char *err, size_t errlen, const struct config *c, const char *key, const char *what)
{
    char w[512];
    settings_where(c, key, w, sizeof(w));
    snprintf(err, errlen, "%s: %s: %s", w, key, what);
    return -1;
}

/* "1m:2d,1h:35d,1d:400d" */
static int parse_windows(struct coll_settings *s, const struct config *c, char *err, size_t errlen)
{
    const char *v = config_get(c, "windows");
    char buf[512];
    ictw_strlcpy(buf, v ? v : "1m:2d:counts,1h:35d,1d:400d", sizeof(buf));
    s->nwindows = 0;
    char *save = NULL;
    for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        while (isspace((unsigned char)*tok))
            tok++;
        char *colon = strchr(tok, ':');
        if (!colon)
            return fail(err, errlen, c, "windows", "each window is SIZE:RETENTION, e.g. 1h:35d");
        *colon = '\0';
        bool detail = true;
        char *mode = strchr(colon + 1, ':');
        if (mode) {
            *mode++ = '\0';
            while (isspace((unsigned char)*mode))
                mode++;
            size_t ml = strlen(mode);
            while (ml && isspace((unsigned char)mode[ml - 1]))
                mode[--ml] = '\0';
            if (!strcmp(mode, "counts"))
                detail = false;
            else if (strcmp(mode, "full") != 0)
                return fail(err, errlen, c, "windows", "the third part of a window is 'counts' or 'full'");
        }
        char *end = colon + 1 + strlen(colon + 1);
        while (end > colon + 1 && isspace((unsigned char)end[-1]))
            *--end = '\0';
        int64_t size = ictw_parse_duration(tok), ttl = ictw_parse_duration(colon + 1);
        if (size <= 0 || ttl <= 0)
            return fail(err, errlen, c, "windows", "sizes and retentions are durations above 0 (30s, 5m, 1h, 7d)");
        if (86400 % size != 0 && size % 86400 != 0)
            return fail(err, errlen, c, "windows", "a window size must divide a day or be whole days");
        if (s->nwindows == COLL_MAX_WINDOWS)
            return fail(err, errlen, c, "windows", "at most 8 window sizes");
        for (unsigned i = 0; i < s->nwindows; i++)
            if (s->windows[i].size == (uint64_t)size)
                return fail(err, errlen, c, "windows", "a window size is given twice");
        struct coll_window *w = &s->windows[s->nwindows++];
        w->size = (uint64_t)size;
        w->ttl = (uint64_t)ttl;
        w->detail = detail;
        settings_window_name(w->size, w->name, sizeof(w->name));
    }
    if (s->nwindows == 0)
        return fail(err, errlen, c, "windows", "give at least one window size");
    return 0;
}

static char *trim_dup(const char *s, size_t n)
{
    while (n && isspace((unsigned char)*s)) {
        s++;
        n--;
    }
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    return strndup(s, n);
}

/* sensor = ID, CC, ORGANISATION (the organisation may contain commas) */
static int parse_sensor_table(struct coll_settings *s, const struct config *c, char *err, size_t errlen)
{
    size_t pos = 0, n = 0;
    while (config_next(c, "sensor", &pos))
        n++;
    if (n == 0)
        return 0;
    s->sensors = calloc(n, sizeof(*s->sensors));
    if (!s->sensors)
        return fail(err, errlen, c, "sensor", "out of memory");
    pos = 0;
    const struct config_entry *e;
    while ((e = config_next(c, "sensor", &pos))) {
        const char *v = e->value, *c1 = strchr(v, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        char w[512];
        if (e->line > 0)
            snprintf(w, sizeof(w), "%s:%d", e->origin, e->line);
        else
            snprintf(w, sizeof(w), "%s", e->origin);
        if (!c1) {
            snprintf(err, errlen, "%s: sensor: '%s' is not ID, COUNTRY[, ORGANISATION]", w, v);
            return -1;
        }
        struct coll_sensor_info *si = &s->sensors[s->nsensors++];
        si->id = trim_dup(v, (size_t)(c1 - v));
        si->country = trim_dup(c1 + 1, c2 ? (size_t)(c2 - c1 - 1) : strlen(c1 + 1));
        si->organisation = trim_dup(c2 ? c2 + 1 : "", c2 ? strlen(c2 + 1) : 0);
        if (!si->id || !si->country || !si->organisation) {
            snprintf(err, errlen, "%s: out of memory", w);
            return -1;
        }
        if (!settings_valid_sensor_id(si->id)) {
            snprintf(err, errlen, "%s: sensor: '%s' is not a sensor id (1 to 64 of A-Z a-z 0-9 . _ -)", w, si->id);
            return -1;
        }
    }
    return 0;
}

/* tlp.sensor = ID, LEVEL and tlp.signature = [GID:]SID, LEVEL */
static int parse_tlp_rules(const struct config *c, const char *key, bool sig, struct coll_tlp_rule **out,
                           size_t *n, char *err, size_t errlen)
{
    size_t pos = 0, count = 0;
    while (config_next(c, key, &pos))
        count++;
    *n = 0;
    if (!count)
        return 0;
    *out = calloc(count, sizeof(**out));
    if (!*out)
        return fail(err, errlen, c, key, "out of memory");
    pos = 0;
    const struct config_entry *e;
    while ((e = config_next(c, key, &pos))) {
        char w[512], msg[256];
        if (e->line > 0)
            snprintf(w, sizeof(w), "%s:%d", e->origin, e->line);
        else
            snprintf(w, sizeof(w), "%s", e->origin);
        const char *comma = strchr(e->value, ',');
        struct coll_tlp_rule *r = &(*out)[*n];
        char *name = comma ? trim_dup(e->value, (size_t)(comma - e->value)) : NULL;
        char *level = comma ? trim_dup(comma + 1, strlen(comma + 1)) : NULL;
        int bad = !name || !level || !*name || strlen(name) > COLL_MAX_SENSOR_ID ||
                  tlp_parse(level, &r->level, msg, sizeof(msg)) < 0;
        if (!bad) {
            ictw_strlcpy(r->key, name, sizeof(r->key));
            if (sig) {
                unsigned long long g = 0, sd;
                char *end;
                const char *colon = strchr(name, ':');
                if (colon) {
                    g = strtoull(name, &end, 10);
                    bad = end != colon;
                    sd = strtoull(colon + 1, &end, 10);
                } else {
                    sd = strtoull(name, &end, 10);
                }
                bad = bad || *end || g > UINT32_MAX || sd > UINT32_MAX;
                r->gid = (uint32_t)g;
                r->sid = (uint32_t)sd;
            } else {
                bad = !settings_valid_sensor_id(name);
            }
        }
        free(name);
        free(level);
        if (bad) {
            snprintf(err, errlen, "%s: %s: '%s' is not %s, LEVEL (LEVEL: clear, green, amber, amber+strict, red)",
                     w, key, e->value, sig ? "[GID:]SID" : "SENSOR-ID");
            return -1;
        }
        (*n)++;
    }
    return 0;
}

enum tlp_level settings_sensor_tlp(const struct coll_settings *s, const char *sensor)
{
    enum tlp_level l = s->tlp_default;
    for (size_t i = 0; i < s->n_tlp_sensors; i++)
        if (!strcmp(s->tlp_sensors[i].key, sensor))
            l = tlp_max(l, s->tlp_sensors[i].level);
    return l;
}

enum tlp_level settings_signature_tlp(const struct coll_settings *s, uint32_t gid, uint32_t sid)
{
    enum tlp_level l = TLP_CLEAR;
    for (size_t i = 0; i < s->n_tlp_sigs; i++)
        if (s->tlp_sigs[i].sid == sid && (s->tlp_sigs[i].gid == 0 || s->tlp_sigs[i].gid == gid))
            l = tlp_max(l, s->tlp_sigs[i].level);
    return l;
}

static int load_password(struct coll_settings *s, const struct config *c, char *err, size_t errlen)
{
    const char *file = config_get(c, "redis.password-file");
    if (file) {
        FILE *f = fopen(file, "r");
        if (!f) {
            char w[512], m[768];
            settings_where(c, "redis.password-file", w, sizeof(w));
            snprintf(m, sizeof(m), "cannot open '%s': %s", file, strerror(errno));
            return fail(err, errlen, c, "redis.password-file", m);
        }
        char buf[1024];
        size_t n = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[n] = '\0';
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            buf[--n] = '\0';
        if (n == 0)
            return fail(err, errlen, c, "redis.password-file", "the file is empty");
        s->redis_password = strdup(buf);
        explicit_bzero(buf, sizeof(buf));
        return s->redis_password ? 0 : fail(err, errlen, c, "redis.password-file", "out of memory");
    }
    const char *var = config_get(c, "redis.password-env");
    const char *pw = getenv(var ? var : "ICTWATCH_REDIS_PASSWORD");
    if (pw && *pw) {
        s->redis_password = strdup(pw);
        if (!s->redis_password)
            return fail(err, errlen, c, "redis.password-env", "out of memory");
    }
    return 0;
}

static int get_duration_ms(const struct config *c, const char *key, uint64_t *ms, char *err, size_t errlen)
{
    uint64_t sec = *ms / 1000;
    if (config_get_duration(c, key, &sec, err, errlen))
        return -1;
    if (config_find(c, key))
        *ms = sec * 1000;
    return 0;
}

int settings_load(struct coll_settings *s, const struct config *c, char *err, size_t errlen)
{
    memset(s, 0, sizeof(*s));
    if (config_check_keys(c, settings_option_known, err, errlen))
        return -1;

    s->redis_url = config_get(c, "redis.url");
    if (!s->redis_url)
        s->redis_url = "redis://127.0.0.1:6379";
    s->redis_user = config_get(c, "redis.user");
    s->redis_timeout_ms = 10000;
    s->group = config_get(c, "group");
    if (!s->group)
        s->group = "ictwatch-collectors";
    const char *consumer = config_get(c, "consumer");
    if (consumer) {
        ictw_strlcpy(s->consumer, consumer, sizeof(s->consumer));
    } else if (gethostname(s->consumer, sizeof(s->consumer) - 1) != 0 || !s->consumer[0]) {
        ictw_strlcpy(s->consumer, "collector", sizeof(s->consumer));
    }
    s->consumer[sizeof(s->consumer) - 1] = '\0';
    if (!settings_valid_sensor_id(s->consumer))
        return fail(err, errlen, c, "consumer", "a consumer name is 1 to 64 of A-Z a-z 0-9 . _ -");
    if (strlen(s->group) > 64)
        return fail(err, errlen, c, "group", "at most 64 characters");

    s->batch = 1000;
    s->block_ms = 1000;
    s->claim_idle_ms = 60000;
    s->claim_interval = 10;
    s->discover_interval = 5;
    s->sensor_refresh = 30;
    s->trim = true;
    s->trim_interval = 10;
    s->lateness = 600;
    s->top_keep = 1000;
    s->max_entry = 65536;
    s->max_future = 600;
    uint64_t min_year = 2000;
    s->dead_maxlen = 100000;
    s->dead_data_max = 4096;
    uint64_t p4 = 24, p6 = 48;

    if (get_duration_ms(c, "redis.timeout", &s->redis_timeout_ms, err, errlen) ||
        config_get_uint(c, "batch-size", 100000, &s->batch, err, errlen) ||
        config_get_uint(c, "block", 600000, &s->block_ms, err, errlen) ||
        get_duration_ms(c, "claim-idle", &s->claim_idle_ms, err, errlen) ||
        config_get_duration(c, "claim-interval", &s->claim_interval, err, errlen) ||
        config_get_duration(c, "discover-interval", &s->discover_interval, err, errlen) ||
        config_get_duration(c, "sensor-refresh", &s->sensor_refresh, err, errlen) ||
        config_get_bool(c, "trim", &s->trim, err, errlen) ||
        config_get_duration(c, "trim-interval", &s->trim_interval, err, errlen) ||
        config_get_duration(c, "lateness", &s->lateness, err, errlen) ||
        config_get_uint(c, "prefix.v4", 32, &p4, err, errlen) ||
        config_get_uint(c, "prefix.v6", 128, &p6, err, errlen) ||
        config_get_uint(c, "top-sources.keep", 1000000, &s->top_keep, err, errlen) ||
        config_get_size(c, "max-entry-size", &s->max_entry, err, errlen) ||
        config_get_duration(c, "max-future", &s->max_future, err, errlen) ||
        config_get_uint(c, "min-time", 9999, &min_year, err, errlen) ||
        config_get_uint(c, "dead.maxlen", UINT32_MAX, &s->dead_maxlen, err, errlen) ||
        config_get_size(c, "dead.data-max", &s->dead_data_max, err, errlen))
        return -1;
    if (s->batch == 0)
        return fail(err, errlen, c, "batch-size", "must be at least 1");
    if (s->redis_timeout_ms == 0)
        return fail(err, errlen, c, "redis.timeout", "must be above 0");
    if (s->max_entry < 256 || s->max_entry > 512 * 1024 * 1024)
        return fail(err, errlen, c, "max-entry-size", "must be from 256 bytes to 512m");
    if (s->dead_data_max > s->max_entry)
        s->dead_data_max = s->max_entry;
    if (s->top_keep == 0)
        return fail(err, errlen, c, "top-sources.keep", "must be at least 1");
    if (min_year < 1970)
        return fail(err, errlen, c, "min-time", "must be 1970 or later");
    /* Jan 1 of min_year, from the days-since-epoch of the proleptic calendar. */
    {
        int64_t y = (int64_t)min_year - 1;
        int64_t days = y * 365 + y / 4 - y / 100 + y / 400 - 719162;
        s->min_time = (uint64_t)(days * 86400);
    }
    s->prefix_v4 = (unsigned)p4;
    s->prefix_v6 = (unsigned)p6;
    if (parse_windows(s, c, err, errlen) || parse_sensor_table(s, c, err, errlen) ||
        load_password(s, c, err, errlen))
        return -1;
    s->tlp_default = TLP_GREEN;
    const char *td = config_get(c, "tlp.default");
    char msg[256];
    if (td && tlp_parse(td, &s->tlp_default, msg, sizeof(msg)) < 0)
        return fail(err, errlen, c, "tlp.default", msg);
    if (parse_tlp_rules(c, "tlp.sensor", false, &s->tlp_sensors, &s->n_tlp_sensors, err, errlen) ||
        parse_tlp_rules(c, "tlp.signature", true, &s->tlp_sigs, &s->n_tlp_sigs, err, errlen))
        return -1;
    return 0;
}

void settings_free(struct coll_settings *s)
{
    for (size_t i = 0; i < s->nsensors; i++) {
        free(s->sensors[i].id);
        free(s->sensors[i].country);
        free(s->sensors[i].organisation);
    }
    free(s->sensors);
    free(s->tlp_sensors);
    free(s->tlp_sigs);
    if (s->redis_password) {
        explicit_bzero(s->redis_password, strlen(s->redis_password));
        free(s->redis_password);
    }
    memset(s, 0, sizeof(*s));
}
