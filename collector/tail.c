/* tail.c - the tail verb (see tail.h).
 *
 * hiredis 0.14's synchronous API cannot wait with a timeout without losing the
 * connection, so the loop polls the socket itself (200 ms) to notice a stop
 * request, and feeds the reader with redisBufferRead().
 */
#include "tail.h"

#include <jansson.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "keys.h"
#include "rconn.h"

struct tail_filter {
    uint64_t severity, sid, count;
    bool has_severity, has_sid, json;
    const char *sensor;
};

static const char *jstr(json_t *o, const char *k)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) ? json_string_value(v) : "";
}

static long long jint(json_t *o, const char *k, long long def)
{
    json_t *v = json_object_get(o, k);
    return json_is_integer(v) ? json_integer_value(v) : def;
}

/* Prints s without control characters, at most max bytes. */
static void put_clean(const char *s, size_t max)
{
    for (size_t i = 0; s[i] && i < max; i++)
        putchar((unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i]);
}

/* Returns true when the message was printed. */
static bool show(const struct tail_filter *f, const char *msg, size_t len)
{
    json_error_t e;
    json_t *rec = json_loadb(msg, len, 0, &e);
    if (!json_is_object(rec) || strcmp(jstr(rec, "event_type"), "alert") != 0) {
        json_decref(rec);
        return false;
    }
    json_t *al = json_object_get(rec, "alert");
    long long sev = jint(al, "severity", 3), sid = jint(al, "signature_id", -1);
    bool pass = (!f->has_severity || (sev >= 1 && (uint64_t)sev <= f->severity)) &&
                (!f->has_sid || (sid >= 0 && (uint64_t)sid == f->sid)) &&
                (!f->sensor || strcmp(jstr(rec, "host"), f->sensor) == 0);
    if (pass && f->json) {
        fwrite(msg, 1, len, stdout);
        putchar('\n');
    } else if (pass) {
        put_clean(jstr(rec, "timestamp"), 40);
        putchar(' ');
        put_clean(*jstr(rec, "host") ? jstr(rec, "host") : "-", 64);
        printf(" [%lld:%lld:%lld] ", jint(al, "gid", 1), sid, jint(al, "rev", 0));
        put_clean(jstr(al, "signature"), 200);
        if (*jstr(al, "category")) {
            printf(" (");
            put_clean(jstr(al, "category"), 100);
            putchar(')');
        }
        printf(" sev %lld ", sev);
        put_clean(jstr(rec, "proto"), 16);
        putchar(' ');
        put_clean(jstr(rec, "src_ip"), 48);
        if (jint(rec, "src_port", -1) >= 0)
            printf(":%lld", jint(rec, "src_port", 0));
        printf(" -> ");
        put_clean(jstr(rec, "dest_ip"), 48);
        if (jint(rec, "dest_port", -1) >= 0)
            printf(":%lld", jint(rec, "dest_port", 0));
        if (*jstr(rec, "app_proto")) {
            putchar(' ');
            put_clean(jstr(rec, "app_proto"), 32);
        }
        putchar('\n');
    }
    fflush(stdout);
    json_decref(rec);
    return pass;
}

static int read_filter(const struct config *cfg, struct tail_filter *f, char *err, size_t errlen)
{
    memset(f, 0, sizeof(*f));
    f->has_severity = config_get(cfg, "filter.severity") != NULL;
    f->has_sid = config_get(cfg, "filter.sid") != NULL;
    f->sensor = config_get(cfg, "filter.sensor");
    f->json = config_get(cfg, "json") != NULL;
    return config_get_uint(cfg, "filter.severity", 255, &f->severity, err, errlen) ||
                   config_get_uint(cfg, "filter.sid", UINT32_MAX, &f->sid, err, errlen) ||
                   config_get_uint(cfg, "count", UINT64_MAX >> 1, &f->count, err, errlen)
               ? -1
               : 0;
}

int tail_run(const struct coll_settings *s, const struct config *cfg, const struct log_ctx *lg,
             volatile sig_atomic_t *stop)
{
    struct tail_filter f;
    char err[512];
    if (read_filter(cfg, &f, err, sizeof(err))) {
        log_error(lg, "%s", err);
        return 2;
    }
    struct rconn r;
    if (rconn_open(&r, s->redis_url, s->redis_user, s->redis_password, s->redis_timeout_ms)) {
        log_error(lg, "%s", r.err);
        return 1;
    }
    redisReply *x = rconn_cmdf(&r, "SUBSCRIBE %s", KEYS_ALERTS_CHANNEL);
    if (!rconn_is_array(x)) {
        log_error(lg, "SUBSCRIBE %s: %s", KEYS_ALERTS_CHANNEL, rconn_errstr(&r, x));
        if (x)
            freeReplyObject(x);
        rconn_close(&r);
        return 1;
    }
    freeReplyObject(x);
    /* Tests and scripts wait for this line before publishing. */
    log_info(lg, "listening on %s", KEYS_ALERTS_CHANNEL);
    uint64_t shown = 0;
    int status = 0;
    while (!*stop && (!f.count || shown < f.count)) {
        void *reply = NULL;
        if (redisReaderGetReply(r.c->reader, &reply) != REDIS_OK) {
            log_error(lg, "Redis protocol error");
            status = 1;
            break;
        }
        if (reply) {
            redisReply *m = reply;
            if (rconn_is_array(m) && m->elements == 3 && rconn_is_str(m->element[0]) &&
                !strcmp(m->element[0]->str, "message") && rconn_is_str(m->element[2]))
                shown += show(&f, m->element[2]->str, m->element[2]->len);
            freeReplyObject(m);
            continue;
        }
        struct pollfd p = {r.c->fd, POLLIN, 0};
        int n = poll(&p, 1, 200);
        if (n > 0 && redisBufferRead(r.c) != REDIS_OK) {
            log_error(lg, "Redis connection lost: %s", r.c->errstr);
            status = 1;
            break;
        }
    }
    rconn_close(&r);
    return status;
}
