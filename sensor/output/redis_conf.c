/* redis_conf.c - parsing and checking of the redis.*, spool.* and heartbeat.*
 * settings (see redis_conf.h).
 *
 * The password never comes from the command line or the URL: only from a
 * file (redis.password-file, which should be readable by the sensor's user
 * alone) or an environment variable (redis.password-env), so it does not end
 * up in `ps`, shell history or a config file under version control.
 */
#include "redis_conf.h"
#include "output.h"
#include "ictwatch/common.h"
#include "ictwatch/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DEFAULT_STREAM_KEY "ictwatch:eve:{SENSOR}"
#define DEFAULT_CHANNEL "ictwatch:alerts"
#define DEFAULT_LIST_KEY "ictwatch:eve-list:{SENSOR}"
#define HEARTBEAT_KEY "ictwatch:sensor:{SENSOR}"
#define MAX_PASSWORD 4096

int redis_modes_parse(const char *s, unsigned *modes)
{
    static const struct { const char *name; unsigned bit; } names[] = {
        {"stream", REDIS_MODE_STREAM}, {"xadd", REDIS_MODE_STREAM},
        {"publish", REDIS_MODE_PUBLISH}, {"channel", REDIS_MODE_PUBLISH},
        {"lpush", REDIS_MODE_LPUSH}, {"list", REDIS_MODE_LPUSH}, {"rpush", REDIS_MODE_RPUSH},
    };
    unsigned m = 0;
    while (*s) {
        size_t n = strcspn(s, ", ");
        if (n) {
            bool found = false;
            for (size_t i = 0; i < ICTW_ARRAY_LEN(names); i++)
                if (n == strlen(names[i].name) && !strncasecmp(s, names[i].name, n)) {
                    m |= names[i].bit;
                    found = true;
                }
            if (!found)
                return -1;
        }
        s += n;
        while (*s == ',' || *s == ' ')
            s++;
    }
    if (!m)
        return -1;
    *modes = m;
    return 0;
}

static int parse_db(const char *s, unsigned *db)
{
    uint64_t v;
    if (ictw_parse_uint(s, 1u << 20, &v))
        return -1;
    *db = (unsigned)v;
    return 0;
}

static int url_unix(const char *s, struct redis_url *u, char *err, size_t errlen)
{
    const char *path = s + strlen("unix://");
    const char *q = strchr(path, '?');
    size_t plen = q ? (size_t)(q - path) : strlen(path);
    if (plen == 0 || path[0] != '/') {
        snprintf(err, errlen, "redis URL '%s': expected unix:///absolute/path[?db=N]", s);
        return -1;
    }
    if (plen >= sizeof(u->path)) {
        snprintf(err, errlen, "redis URL '%s': socket path longer than %zu bytes", s,
                 sizeof(u->path) - 1);
        return -1;
    }
    memcpy(u->path, path, plen);
    u->path[plen] = '\0';
    u->is_unix = true;
    if (q) {
        if (strncmp(q, "?db=", 4) || parse_db(q + 4, &u->db)) {
            snprintf(err, errlen, "redis URL '%s': expected ?db=N after the path", s);
            return -1;
        }
    }
    return 0;
}

static int url_tcp(const char *s, struct redis_url *u, char *err, size_t errlen)
{
    const char *p = s + strlen("redis://");
    const char *at = strchr(p, '@');
    const char *slash = strchr(p, '/');
    if (at && (!slash || at < slash)) {
        size_t n = (size_t)(at - p);
        if (memchr(p, ':', n)) {
            snprintf(err, errlen, "redis URL: a password in the URL is not accepted (it would "
                     "show in ps and shell history); give the user only and put the password in "
                     "redis.password-file or redis.password-env");
            return -1;
        }
        if (n == 0 || n >= sizeof(u->user)) {
            snprintf(err, errlen, "redis URL '%s': bad user name before '@'", s);
            return -1;
        }
        memcpy(u->user, p, n);
        u->user[n] = '\0';
        p = at + 1;
    }
    const char *host_end;
    if (*p == '[') {                          /* [IPv6]:port */
        host_end = strchr(p, ']');
        if (!host_end) {
            snprintf(err, errlen, "redis URL '%s': missing ']' after an IPv6 address", s);
            return -1;
        }
        p++;
    } else {
        host_end = p + strcspn(p, ":/");
    }
    size_t hl = (size_t)(host_end - p);
    if (hl == 0 || hl >= sizeof(u->host)) {
        snprintf(err, errlen, "redis URL '%s': missing or too long host name", s);
        return -1;
    }
    memcpy(u->host, p, hl);
    u->host[hl] = '\0';
    p = host_end + (*host_end == ']');
    u->port = 6379;
    if (*p == ':') {
        char port[8];
        size_t n = strcspn(p + 1, "/");
        uint64_t v;
        if (n == 0 || n >= sizeof(port)) {
            snprintf(err, errlen, "redis URL '%s': bad port", s);
            return -1;
        }
        memcpy(port, p + 1, n);
        port[n] = '\0';
        if (ictw_parse_uint(port, 65535, &v) || v == 0) {
            snprintf(err, errlen, "redis URL '%s': port '%s' is not 1..65535", s, port);
            return -1;
        }
        u->port = (int)v;
        p += 1 + n;
    }
    if (*p == '/' && p[1] != '\0') {
        if (parse_db(p + 1, &u->db)) {
            snprintf(err, errlen, "redis URL '%s': database '%s' is not a number", s, p + 1);
            return -1;
        }
    } else if (*p && strcmp(p, "/")) {
        snprintf(err, errlen, "redis URL '%s': unexpected '%s'", s, p);
        return -1;
    }
    return 0;
}

int redis_url_parse(const char *s, struct redis_url *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof(*u));
    if (!strncmp(s, "unix://", 7))
        return url_unix(s, u, err, errlen);
    if (!strncmp(s, "redis://", 8))
        return url_tcp(s, u, err, errlen);
    if (!strncmp(s, "rediss://", 9)) {
        snprintf(err, errlen, "redis URL '%s': TLS is not supported by hiredis 0.14; tunnel "
                 "through stunnel and give the local end as redis:// (see docs/redis.md)", s);
        return -1;
    }
    snprintf(err, errlen, "redis URL '%s': expected redis://[USER@]HOST:PORT[/DB] or "
             "unix:///PATH[?db=N]", s);
    return -1;
}

char *redis_key_expand(const char *pattern, const char *sensor_id)
{
    static const char token[] = "{SENSOR}";
    size_t n = 0, tl = strlen(token), il = strlen(sensor_id);
    for (const char *p = pattern; (p = strstr(p, token)); p += tl)
        n++;
    char *out = malloc(strlen(pattern) + n * (il + 2) + 1), *o = out;
    if (!out)
        return NULL;
    for (const char *p = pattern; *p;) {
        if (!strncmp(p, token, tl)) {
            *o++ = '{';
            memcpy(o, sensor_id, il);
            o += il;
            *o++ = '}';
            p += tl;
        } else {
            *o++ = *p++;
        }
    }
    *o = '\0';
    return out;
}

static void where(const struct config_entry *e, char *buf, size_t len)
{
    if (e->line > 0)
        snprintf(buf, len, "%s:%d: %s", e->origin, e->line, e->key);
    else
        snprintf(buf, len, "%s: %s", e->origin, e->key);
}

/* A duration in milliseconds: "250ms", or anything config_get_duration takes. */
static int get_ms(const struct config *cfg, const char *key, uint64_t *ms, char *err, size_t errlen)
{
    const struct config_entry *e = config_find(cfg, key);
    if (!e)
        return 0;
    size_t n = strlen(e->value);
    if (n > 2 && !strcmp(e->value + n - 2, "ms")) {
        char num[32];
        uint64_t v;
        if (n - 2 < sizeof(num)) {
            memcpy(num, e->value, n - 2);
            num[n - 2] = '\0';
            if (!ictw_parse_uint(num, 86400000, &v)) {
                *ms = v;
                return 0;
            }
        }
        char w[512];
        where(e, w, sizeof(w));
        snprintf(err, errlen, "%s: '%s' is not a duration (e.g. 500ms, 2s, 1m)", w, e->value);
        return -1;
    }
    uint64_t s;
    if (config_get_duration(cfg, key, &s, err, errlen))
        return -1;
    *ms = s * 1000;
    return 0;
}

static int read_password_file(struct redis_conf *rc, const struct config_entry *e, char *err,
                              size_t errlen)
{
    char w[512];
    where(e, w, sizeof(w));
    FILE *f = fopen(e->value, "r");
    if (!f) {
        snprintf(err, errlen, "%s: cannot read password file %s: %s", w, e->value, strerror(errno));
        return -1;
    }
    struct stat st;
    bool loose = !fstat(fileno(f), &st) && (st.st_mode & 077);
    char *buf = malloc(MAX_PASSWORD + 2);
    size_t n = buf ? fread(buf, 1, MAX_PASSWORD + 1, f) : 0;
    fclose(f);
    if (!buf)
        return -1;
    buf[n] = '\0';
    while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        buf[--n] = '\0';
    if (n == 0 || n > MAX_PASSWORD || strchr(buf, '\n')) {
        snprintf(err, errlen, "%s: %s must hold the password on one line (1..%d bytes)", w,
                 e->value, MAX_PASSWORD);
        free(buf);
        return -1;
    }
    rc->password = buf;
    size_t fl = strlen(e->value) + 16;
    rc->password_from = malloc(fl);
    if (rc->password_from)
        snprintf(rc->password_from, fl, "file %s", e->value);
    if (loose)
        snprintf(rc->warning, sizeof(rc->warning), "%s: %s can be read by other users; "
                 "chmod 600 it", w, e->value);
    return 0;
}

static int read_password(struct redis_conf *rc, const struct config *cfg, char *err, size_t errlen)
{
    const struct config_entry *e = config_find(cfg, "redis.password-file");
    if (e)
        return read_password_file(rc, e, err, errlen);
    e = config_find(cfg, "redis.password-env");
    if (!e)
        return 0;
    const char *v = getenv(e->value);
    if (!v || !*v) {
        char w[512];
        where(e, w, sizeof(w));
        snprintf(err, errlen, "%s: environment variable %s is not set or empty", w, e->value);
        return -1;
    }
    rc->password = strdup(v);
    size_t fl = strlen(e->value) + 32;
    rc->password_from = malloc(fl);
    if (rc->password_from)
        snprintf(rc->password_from, fl, "environment variable %s", e->value);
    return rc->password ? 0 : -1;
}

static int bad(const struct config *cfg, const char *key, const char *what, char *err, size_t errlen)
{
    const struct config_entry *e = config_find(cfg, key);
    char w[512];
    where(e, w, sizeof(w));
    snprintf(err, errlen, "%s: '%s' %s", w, e->value, what);
    return -1;
}

static int read_keys(struct redis_conf *rc, const struct config *cfg, const char *sensor_id)
{
    const char *v;
    rc->stream_key = redis_key_expand((v = config_get(cfg, "redis.stream-key")) ? v : DEFAULT_STREAM_KEY,
                                      sensor_id);
    rc->channel = redis_key_expand((v = config_get(cfg, "redis.channel")) ? v : DEFAULT_CHANNEL,
                                   sensor_id);
    rc->list_key = redis_key_expand((v = config_get(cfg, "redis.list-key")) ? v : DEFAULT_LIST_KEY,
                                    sensor_id);
    rc->heartbeat_key = redis_key_expand(HEARTBEAT_KEY, sensor_id);
    rc->sensor_id = strdup(sensor_id);
    return rc->stream_key && rc->channel && rc->list_key && rc->heartbeat_key && rc->sensor_id ? 0 : -1;
}

static int read_numbers(struct redis_conf *rc, const struct config *cfg, char *err, size_t errlen)
{
    uint64_t batch = 256, queue = 65536, hb = 10;
    if (config_get_uint(cfg, "redis.stream-maxlen", UINT64_MAX / 2, &rc->stream_maxlen, err, errlen) ||
        config_get_uint(cfg, "redis.batch", 100000, &batch, err, errlen) ||
        config_get_uint(cfg, "redis.queue-size", 1u << 24, &queue, err, errlen) ||
        config_get_size(cfg, "spool.max-size", &rc->spool_max, err, errlen) ||
        config_get_duration(cfg, "heartbeat.interval", &hb, err, errlen) ||
        get_ms(cfg, "redis.connect-timeout", &rc->connect_timeout_ms, err, errlen) ||
        get_ms(cfg, "redis.command-timeout", &rc->command_timeout_ms, err, errlen) ||
        get_ms(cfg, "redis.close-timeout", &rc->close_timeout_ms, err, errlen) ||
        config_get_bool(cfg, "redis.keepalive", &rc->keepalive, err, errlen) ||
        config_get_bool(cfg, "redis.channel-per-severity", &rc->channel_per_severity, err, errlen) ||
        config_get_bool(cfg, "redis.replay-wait", &rc->replay_wait, err, errlen))
        return -1;
    if (batch == 0)
        return bad(cfg, "redis.batch", "must be at least 1", err, errlen);
    if (queue < batch)
        return bad(cfg, "redis.queue-size", "must be at least redis.batch", err, errlen);
    if (rc->spool_max < (64u << 10))
        return bad(cfg, "spool.max-size", "is below the minimum of 64k", err, errlen);
    if (rc->connect_timeout_ms == 0)
        return bad(cfg, "redis.connect-timeout", "must be above 0", err, errlen);
    if (rc->command_timeout_ms == 0)
        return bad(cfg, "redis.command-timeout", "must be above 0", err, errlen);
    rc->batch = (unsigned)batch;
    rc->queue_size = (unsigned)queue;
    rc->heartbeat_s = hb;
    return 0;
}

int redis_conf_load(struct redis_conf *rc, const struct config *cfg, const char *sensor_id,
                    bool live, char *err, size_t errlen)
{
    memset(rc, 0, sizeof(*rc));
    const struct config_entry *e = config_find(cfg, "redis.url");
    if (!e)
        return 1;
    char w[512];
    if (redis_url_parse(e->value, &rc->url, err, errlen)) {
        where(e, w, sizeof(w));
        char tmp[1024];
        snprintf(tmp, sizeof(tmp), "%s: %s", w, err);
        snprintf(err, errlen, "%s", tmp);
        return -1;
    }
    rc->url_text = strdup(e->value);
    rc->modes = REDIS_MODE_STREAM | REDIS_MODE_PUBLISH;
    const char *v = config_get(cfg, "redis.mode");
    if (v && redis_modes_parse(v, &rc->modes))
        return bad(cfg, "redis.mode", "is not a list of stream, publish, lpush, rpush", err, errlen);
    if ((rc->modes & REDIS_MODE_LPUSH) && (rc->modes & REDIS_MODE_RPUSH))
        return bad(cfg, "redis.mode", "has both lpush and rpush to the same list key", err, errlen);
    rc->kinds = EVE_KIND_MASK(EVE_KIND_ALERT);
    v = config_get(cfg, "redis.types");
    if (v && (output_parse_kinds(v, &rc->kinds) || !rc->kinds))
        return bad(cfg, "redis.types", "is not a list of alert, flow, stats", err, errlen);
    rc->connect_timeout_ms = 2000;
    rc->command_timeout_ms = 5000;
    rc->close_timeout_ms = 10000;
    rc->keepalive = true;
    rc->replay_wait = !live;
    rc->spool_max = 1ull << 30;
    if (read_numbers(rc, cfg, err, errlen) || read_password(rc, cfg, err, errlen))
        return -1;
    v = config_get(cfg, "spool.dir");
    if (v && *v && !(rc->spool_dir = strdup(v)))
        return -1;
    if (read_keys(rc, cfg, sensor_id)) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

void redis_conf_free(struct redis_conf *rc)
{
    if (rc->password) {
        /* Do not leave the password in freed memory. */
        volatile char *p = rc->password;
        while (*p)
            *p++ = '\0';
    }
    free(rc->password);
    free(rc->password_from);
    free(rc->url_text);
    free(rc->stream_key);
    free(rc->channel);
    free(rc->list_key);
    free(rc->heartbeat_key);
    free(rc->sensor_id);
    free(rc->spool_dir);
    memset(rc, 0, sizeof(*rc));
}
