/* sensors.c - sensor discovery, consumer groups, heartbeat metadata (see sensors.h). */
#include "sensors.h"

#include <stdlib.h>
#include <string.h>

#include "keys.h"

void sensors_init(struct sensor_list *l)
{
    memset(l, 0, sizeof(*l));
}

void sensors_free(struct sensor_list *l)
{
    free(l->v);
    memset(l, 0, sizeof(*l));
}

struct sensor_entry *sensors_by_stream(struct sensor_list *l, const char *key, size_t len)
{
    for (size_t i = 0; i < l->n; i++)
        if (strlen(l->v[i].stream) == len && memcmp(l->v[i].stream, key, len) == 0)
            return &l->v[i];
    return NULL;
}

static bool known(const struct sensor_list *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->v[i].id, id))
            return true;
    return false;
}

static int add(struct sensor_list *l, const char *id, const struct coll_settings *s)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        struct sensor_entry *nv = realloc(l->v, nc * sizeof(*nv));
        if (!nv)
            return -1;
        l->v = nv;
        l->cap = nc;
    }
    struct sensor_entry *e = &l->v[l->n++];
    memset(e, 0, sizeof(*e));
    ictw_strlcpy(e->id, id, sizeof(e->id));
    keys_stream(id, e->stream, sizeof(e->stream));
    ictw_strlcpy(e->cursor, "0", sizeof(e->cursor));
    e->tlp = settings_sensor_tlp(s, id);
    const struct coll_sensor_info *si = settings_sensor_info(s, id);
    if (si) {
        ictw_strlcpy(e->country, si->country, sizeof(e->country));
        ictw_strlcpy(e->organisation, si->organisation, sizeof(e->organisation));
    }
    return 0;
}

static void consider(struct sensor_list *l, const char *id, size_t len, const struct coll_settings *s,
                     const struct log_ctx *lg, int *added)
{
    char buf[COLL_MAX_SENSOR_ID + 1];
    if (len == 0 || len >= sizeof(buf) || memchr(id, '\0', len)) {
        log_debug(lg, "ignoring a sensor id of %zu bytes (not 1 to 64 of A-Z a-z 0-9 . _ -)", len);
        return;
    }
    memcpy(buf, id, len);
    buf[len] = '\0';
    if (!settings_valid_sensor_id(buf)) {
        log_debug(lg, "ignoring sensor id '%s': not 1 to 64 of A-Z a-z 0-9 . _ -", buf);
        return;
    }
    if (known(l, buf))
        return;
    if (add(l, buf, s) == 0) {
        (*added)++;
        log_info(lg, "sensor %s: stream %s", buf, l->v[l->n - 1].stream);
    }
}

static int create_group(struct rconn *r, struct sensor_entry *e, const struct coll_settings *s,
                        const struct log_ctx *lg)
{
    redisReply *x = rconn_cmdf(r, "XGROUP CREATE %s %s 0 MKSTREAM", e->stream, s->group);
    if (!x)
        return -1;
    if (x->type == REDIS_REPLY_ERROR && strncmp(x->str, "BUSYGROUP", 9) != 0) {
        log_warn(lg, "sensor %s: cannot create group %s on %s: %s", e->id, s->group, e->stream, x->str);
        freeReplyObject(x);
        return 0;
    }
    freeReplyObject(x);
    e->group_ready = true;
    return 0;
}

int sensors_create_groups(struct rconn *r, struct sensor_list *l, const struct coll_settings *s,
                          const struct log_ctx *lg)
{
    for (size_t i = 0; i < l->n; i++)
        if (create_group(r, &l->v[i], s, lg))
            return -1;
    return 0;
}

int sensors_discover(struct rconn *r, struct sensor_list *l, const struct coll_settings *s,
                     bool create_groups, const struct log_ctx *lg)
{
    int added = 0;
    redisReply *x = rconn_cmdf(r, "SMEMBERS %s", KEYS_SENSORS_SET);
    if (!x)
        return -1;
    if (rconn_is_array(x))
        for (size_t i = 0; i < x->elements; i++)
            if (rconn_is_str(x->element[i]))
                consider(l, x->element[i]->str, x->element[i]->len, s, lg, &added);
    freeReplyObject(x);

    char cursor[32] = "0";
    unsigned rounds = 0;
    do {
        x = rconn_cmdf(r, "SCAN %s MATCH %s COUNT 1000 TYPE stream", cursor, KEYS_PREFIX "eve:{*}");
        if (!x)
            return -1;
        if (!rconn_is_array(x) || x->elements != 2 || !rconn_is_str(x->element[0]) ||
            !rconn_is_array(x->element[1])) {
            freeReplyObject(x);
            break;
        }
        ictw_strlcpy(cursor, x->element[0]->str, sizeof(cursor));
        redisReply *keys = x->element[1];
        for (size_t i = 0; i < keys->elements; i++) {
            char id[COLL_MAX_SENSOR_ID + 2];
            if (rconn_is_str(keys->element[i]) &&
                keys_stream_sensor(keys->element[i]->str, keys->element[i]->len, id, sizeof(id)) == 0)
                consider(l, id, strlen(id), s, lg, &added);
        }
        freeReplyObject(x);
    } while (strcmp(cursor, "0") != 0 && ++rounds < 100000);

    if (create_groups)
        for (size_t i = 0; i < l->n; i++)
            if (!l->v[i].group_ready && create_group(r, &l->v[i], s, lg))
                return -1;
    return added;
}

static void copy_field(char *dst, size_t len, const redisReply *x)
{
    if (rconn_is_str(x) && x->len > 0 && !memchr(x->str, '\0', x->len)) {
        size_t n = ICTW_MIN(x->len, len - 1);
        memcpy(dst, x->str, n);
        dst[n] = '\0';
    }
}

int sensors_refresh_meta(struct rconn *r, struct sensor_list *l, const struct coll_settings *s)
{
    char key[128];
    for (size_t i = 0; i < l->n; i++) {
        keys_heartbeat(l->v[i].id, key, sizeof(key));
        const char *argv[] = {"HMGET", key, "country", "organisation", "org", "tlp"};
        if (rconn_append(r, 6, argv, NULL))
            return -1;
    }
    for (size_t i = 0; i < l->n; i++) {
        redisReply *x = rconn_read(r);
        if (!x)
            return -1;
        struct sensor_entry *e = &l->v[i];
        const struct coll_sensor_info *si = settings_sensor_info(s, e->id);
        ictw_strlcpy(e->country, si ? si->country : "", sizeof(e->country));
        ictw_strlcpy(e->organisation, si ? si->organisation : "", sizeof(e->organisation));
        e->tlp = settings_sensor_tlp(s, e->id);
        if (rconn_is_array(x) && x->elements == 4) {
            copy_field(e->country, sizeof(e->country), x->element[0]);
            copy_field(e->organisation, sizeof(e->organisation), x->element[2]);
            copy_field(e->organisation, sizeof(e->organisation), x->element[1]);
            char t[32] = "", msg[128];
            enum tlp_level hl;
            copy_field(t, sizeof(t), x->element[3]);
            /* A sensor may only raise its level; a bad value raises it to RED (fail closed). */
            if (t[0])
                e->tlp = tlp_max(e->tlp, tlp_parse(t, &hl, msg, sizeof(msg)) < 0 ? TLP_RED : hl);
        }
        freeReplyObject(x);
    }
    return 0;
}
