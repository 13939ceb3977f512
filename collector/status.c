/* status.c - the status verb (see status.h). */
#include "status.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "rconn.h"
#include "sensors.h"
#include "table.h"

/* Value of field name in a flat HGETALL / XINFO reply, or NULL. */
static const redisReply *field(const redisReply *x, const char *name)
{
    if (!rconn_is_array(x))
        return NULL;
    for (size_t i = 0; i + 1 < x->elements; i += 2)
        if (rconn_is_str(x->element[i]) && !strcmp(x->element[i]->str, name))
            return x->element[i + 1];
    return NULL;
}

static void field_text(const redisReply *x, const char *name, char *buf, size_t len)
{
    const redisReply *v = field(x, name);
    buf[0] = '\0';
    if (rconn_is_str(v))
        snprintf(buf, len, "%.*s", (int)ICTW_MIN(v->len, 120), v->str);
    else if (v && v->type == REDIS_REPLY_INTEGER)
        snprintf(buf, len, "%lld", v->integer);
}

/* "2025-03-14T09:26:53Z (12s ago)" from a heartbeat time in seconds or EVE format. */
static void heartbeat_age(const char *text, char *buf, size_t len)
{
    if (!text[0]) {
        snprintf(buf, len, "never");
        return;
    }
    uint64_t secs;
    ictw_usec t;
    if (ictw_parse_uint(text, UINT32_MAX * 100ULL, &secs) == 0)
        t = secs * ICTW_USEC_PER_SEC;
    else if (ictw_time_parse(text, &t) != 0) {
        snprintf(buf, len, "%s", text);
        return;
    }
    ictw_usec now = ictw_wallclock();
    long long age = (long long)(now / ICTW_USEC_PER_SEC) - (long long)(t / ICTW_USEC_PER_SEC);
    snprintf(buf, len, "%llds ago", age);
}

static void group_numbers(const redisReply *groups, const char *group, char *lag, char *pending, size_t len)
{
    snprintf(lag, len, "-");
    snprintf(pending, len, "-");
    if (!rconn_is_array(groups))
        return;
    for (size_t i = 0; i < groups->elements; i++) {
        const redisReply *g = groups->element[i];
        const redisReply *name = field(g, "name");
        if (!rconn_is_str(name) || strcmp(name->str, group))
            continue;
        field_text(g, "pending", pending, len);
        const redisReply *l = field(g, "lag");
        if (l && l->type == REDIS_REPLY_INTEGER)
            snprintf(lag, len, "%lld", l->integer);
    }
}

static int sensor_table(struct rconn *r, const struct coll_settings *s, struct sensor_list *sl, struct table *t)
{
    static const char *const cols[] = {"sensor", "country", "organisation", "version", "heartbeat", "stream",
                                       "lag", "pending", "dead", "alerts", "late", "ignored", "lost"};
    static const bool numeric[] = {0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1};
    if (table_init(t, ICTW_ARRAY_LEN(cols)))
        return -1;
    for (size_t i = 0; i < ICTW_ARRAY_LEN(cols); i++)
        table_column(t, i, cols[i], numeric[i]);
    char late_field[32];
    snprintf(late_field, sizeof(late_field), "late:%s", s->windows[0].name);
    for (size_t i = 0; i < sl->n; i++) {
        char hb[128], dk[128], ck[128];
        keys_heartbeat(sl->v[i].id, hb, sizeof(hb));
        keys_dead(sl->v[i].id, dk, sizeof(dk));
        keys_counters(sl->v[i].id, ck, sizeof(ck));
        const char *a1[] = {"HGETALL", hb}, *a2[] = {"XLEN", sl->v[i].stream},
                   *a3[] = {"XINFO", "GROUPS", sl->v[i].stream}, *a4[] = {"XLEN", dk}, *a5[] = {"HGETALL", ck};
        if (rconn_append(r, 2, a1, NULL) || rconn_append(r, 2, a2, NULL) || rconn_append(r, 3, a3, NULL) ||
            rconn_append(r, 2, a4, NULL) || rconn_append(r, 2, a5, NULL))
            return -1;
    }
    for (size_t i = 0; i < sl->n; i++) {
        redisReply *x[5];
        for (int k = 0; k < 5; k++)
            if (!(x[k] = rconn_read(r))) {
                for (int m = 0; m < k; m++)
                    freeReplyObject(x[m]);
                return -1;
            }
        char version[64], last[128], age[160], len[24], lag[24], pending[24], dead[24], alerts[24], late[24],
            ignored[24], lost[24];
        field_text(x[0], "version", version, sizeof(version));
        field_text(x[0], "last_seen", last, sizeof(last));
        heartbeat_age(last, age, sizeof(age));
        snprintf(len, sizeof(len), "%lld", rconn_int(x[1], 0));
        group_numbers(x[2], s->group, lag, pending, sizeof(lag));
        snprintf(dead, sizeof(dead), "%lld", rconn_int(x[3], 0));
        field_text(x[4], "alerts", alerts, sizeof(alerts));
        field_text(x[4], late_field, late, sizeof(late));
        field_text(x[4], "ignored", ignored, sizeof(ignored));
        field_text(x[4], "lost", lost, sizeof(lost));
        const char *cells[] = {sl->v[i].id, sl->v[i].country, sl->v[i].organisation, version, age, len, lag,
                               pending, dead, alerts[0] ? alerts : "0", late[0] ? late : "0",
                               ignored[0] ? ignored : "0", lost[0] ? lost : "0"};
        int rc = table_add_row(t, cells);
        for (int k = 0; k < 5; k++)
            freeReplyObject(x[k]);
        if (rc)
            return -1;
    }
    return 0;
}

static int collector_table(struct rconn *r, struct table *t)
{
    static const char *const cols[] = {"collector", "version", "pid", "heartbeat", "entries", "alerts", "dead"};
    static const bool numeric[] = {0, 0, 1, 0, 1, 1, 1};
    if (table_init(t, ICTW_ARRAY_LEN(cols)))
        return -1;
    for (size_t i = 0; i < ICTW_ARRAY_LEN(cols); i++)
        table_column(t, i, cols[i], numeric[i]);
    char cursor[32] = "0";
    do {
        redisReply *x = rconn_cmdf(r, "SCAN %s MATCH %s COUNT 1000", cursor, KEYS_PREFIX "collector:{*}");
        if (!rconn_is_array(x) || x->elements != 2 || !rconn_is_array(x->element[1])) {
            if (x)
                freeReplyObject(x);
            return x ? 0 : -1;
        }
        ictw_strlcpy(cursor, x->element[0]->str ? x->element[0]->str : "0", sizeof(cursor));
        for (size_t i = 0; i < x->element[1]->elements; i++) {
            redisReply *k = x->element[1]->element[i];
            if (!rconn_is_str(k))
                continue;
            redisReply *h = rconn_cmdf(r, "HGETALL %b", k->str, k->len);
            if (!h) {
                freeReplyObject(x);
                return -1;
            }
            char name[128], version[64], pid[24], last[64], age[96], entries[24], alerts[24], dead[24];
            size_t pl = strlen(KEYS_PREFIX "collector:{");
            snprintf(name, sizeof(name), "%.*s", k->len > pl + 1 ? (int)(k->len - pl - 1) : 0, k->str + pl);
            field_text(h, "version", version, sizeof(version));
            field_text(h, "pid", pid, sizeof(pid));
            field_text(h, "last_seen", last, sizeof(last));
            heartbeat_age(last, age, sizeof(age));
            field_text(h, "entries", entries, sizeof(entries));
            field_text(h, "alerts", alerts, sizeof(alerts));
            field_text(h, "dead", dead, sizeof(dead));
            const char *cells[] = {name, version, pid, age, entries, alerts, dead};
            table_add_row(t, cells);
            freeReplyObject(h);
        }
        freeReplyObject(x);
    } while (strcmp(cursor, "0") != 0);
    return 0;
}

int status_run(const struct coll_settings *s, const struct config *cfg, const struct log_ctx *lg)
{
    enum table_format fmt = TABLE_TEXT;
    const char *f = config_get(cfg, "format");
    if (f && table_parse_format(f, &fmt)) {
        log_error(lg, "--format %s: expected table, json or csv", f);
        return 2;
    }
    struct rconn r;
    if (rconn_open(&r, s->redis_url, s->redis_user, s->redis_password, s->redis_timeout_ms)) {
        log_error(lg, "%s", r.err);
        return 1;
    }
    struct sensor_list sl;
    sensors_init(&sl);
    struct table st, ct;
    memset(&st, 0, sizeof(st));
    memset(&ct, 0, sizeof(ct));
    int status = 0;
    if (sensors_discover(&r, &sl, s, false, lg) < 0 || sensors_refresh_meta(&r, &sl, s) ||
        sensor_table(&r, s, &sl, &st) || collector_table(&r, &ct)) {
        log_error(lg, "%s", r.err[0] ? r.err : "out of memory");
        status = 1;
    } else if (fmt == TABLE_JSON) {
        struct jsonw w;
        jsonw_init(&w);
        jsonw_object_begin(&w);
        jsonw_key_str(&w, "group", s->group);
        jsonw_key(&w, "sensors");
        table_write_json(&st, &w);
        jsonw_key(&w, "collectors");
        table_write_json(&ct, &w);
        jsonw_object_end(&w);
        fwrite(w.buf, 1, w.len, stdout);
        fputc('\n', stdout);
        jsonw_free(&w);
    } else if (fmt == TABLE_CSV) {
        table_write(&st, stdout, TABLE_CSV);
    } else {
        printf("%zu sensors, group %s\n\n", sl.n, s->group);
        table_write(&st, stdout, TABLE_TEXT);
        printf("\n%zu collectors\n\n", ct.nrows);
        table_write(&ct, stdout, TABLE_TEXT);
    }
    table_free(&st);
    table_free(&ct);
    sensors_free(&sl);
    rconn_close(&r);
    return status;
}
