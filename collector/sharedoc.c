/* sharedoc.c - building, writing and parsing shared window documents (see sharedoc.h). */
#include "sharedoc.h"

#include <ctype.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ictwatch/common.h"
#include "keys.h"
#include "strmap.h"

#define SHARE_SCHEMA "ictwatch-share/1"
#define SHARE_MAX_ITEMS 100000
#define TOP_PER_SIGNATURE "99"

void sharedoc_init(struct share_doc *d)
{
    memset(d, 0, sizeof(*d));
}

static void list_free(struct share_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].key);
        free(l->v[i].label);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

void sharedoc_free(struct share_doc *d)
{
    for (size_t i = 0; i < d->n; i++) {
        list_free(&d->w[i].categories);
        list_free(&d->w[i].signatures);
        list_free(&d->w[i].prefixes);
        list_free(&d->w[i].sources);
    }
    free(d->w);
    memset(d, 0, sizeof(*d));
}

void sharedoc_time(uint64_t seconds, char *buf, size_t len)
{
    time_t t = (time_t)seconds;
    struct tm tm;
    if (!gmtime_r(&t, &tm)) {
        snprintf(buf, len, "1970-01-01T00:00:00Z");
        return;
    }
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static struct share_count *list_add(struct share_list *l, const char *key, size_t klen)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 32;
        struct share_count *nv = realloc(l->v, nc * sizeof(*nv));
        if (!nv)
            return NULL;
        l->v = nv;
        l->cap = nc;
    }
    struct share_count *c = &l->v[l->n];
    memset(c, 0, sizeof(*c));
    c->distinct = -1;
    c->key = strndup(key, klen);
    if (!c->key)
        return NULL;
    l->n++;
    return c;
}

/* A grouping of one window: interned keys -> counters in a list. */
struct group {
    struct strmap m;
    struct share_list *l;
};

static struct share_count *group_get(struct group *g, const char *key, size_t klen)
{
    bool added;
    uint32_t i = strmap_intern(&g->m, key, klen, &added);
    if (i == UINT32_MAX)
        return NULL;
    if (added)
        return list_add(g->l, key, klen);
    return &g->l->v[i];
}

static int cmp_count(const void *pa, const void *pb)
{
    const struct share_count *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    if (a->severity != b->severity)
        return a->severity < b->severity ? -1 : 1;
    return strcmp(a->key, b->key);
}

static void list_sort_cut(struct share_list *l, size_t max)
{
    if (l->n > 1)
        qsort(l->v, l->n, sizeof(*l->v), cmp_count);
    while (max && l->n > max) {
        l->n--;
        free(l->v[l->n].key);
        free(l->v[l->n].label);
    }
}

/* Hides "a.b.c.0/24" with the policy; out = "" when it is not a prefix. */
static void hide_prefix(const struct anon_policy *p, const char *text, char *out, size_t len)
{
    char buf[ICTW_ADDR_STRLEN + 8];
    out[0] = '\0';
    const char *slash = strchr(text, '/');
    if (!slash || (size_t)(slash - text) >= sizeof(buf))
        return;
    memcpy(buf, text, (size_t)(slash - text));
    buf[slash - text] = '\0';
    struct ictw_addr a;
    uint64_t bits;
    if (ictw_addr_parse(buf, &a) || ictw_parse_uint(slash + 1, a.family == 4 ? 32 : 128, &bits))
        return;
    if (anon_prefix(p, &a, (unsigned)bits, out, len) < 0)
        out[0] = '\0';
}

static void hide_address(const struct anon_policy *p, const char *text, size_t n, char *out, size_t len)
{
    char buf[ICTW_ADDR_STRLEN];
    struct ictw_addr a;
    out[0] = '\0';
    if (n >= sizeof(buf))
        return;
    memcpy(buf, text, n);
    buf[n] = '\0';
    if (ictw_addr_parse(buf, &a) == 0 && anon_format(p, &a, out, len) < 0)
        out[0] = '\0';
}

struct build {
    struct rconn *r;
    const struct share_spec *spec;
    struct share_window *win;
    struct group cats, sigs, pfx, srcs;
    struct strmap sig_grains;        /* sig index (4 bytes) + grain */
    char err[256];
};

static int fold_tuple(struct build *b, const char *tuple, size_t len, uint64_t count)
{
    char copy[4096];
    if (len >= sizeof(copy))
        return 0;
    memcpy(copy, tuple, len);
    copy[len] = '\0';
    size_t grain_len = keys_grain_len(tuple, len);
    char *f[DIM_TUPLE_COUNT];
    if (keys_tuple_split(copy, f))
        return 0;
    if (b->spec->only_country && strcmp(f[DIM_COUNTRY], b->spec->only_country) != 0)
        return 0;
    enum tlp_level level;
    char msg[128];
    if (tlp_parse(f[DIM_TLP], &level, msg, sizeof(msg)) < 0)
        level = TLP_RED; /* an unreadable level fails closed */
    level = tlp_max(level, b->spec->base);
    bool added;
    if (!tlp_may_release(level, b->spec->recipient, b->spec->allowed, b->spec->n_allowed, NULL)) {
        b->win->withheld += count;
        return 0;
    }
    b->win->level = tlp_max(b->win->level, level);
    b->win->total += count;

    char key[512];
    int sev = atoi(f[DIM_SEVERITY]);
    int kl = snprintf(key, sizeof(key), "%d|%s", sev, f[DIM_CATEGORY]);
    struct share_count *c = group_get(&b->cats, key, (size_t)ICTW_MIN(kl, (int)sizeof(key) - 1));
    if (!c)
        return -1;
    c->count += count;
    c->severity = sev;

    uint32_t si = strmap_intern(&b->sigs.m, f[DIM_SIGNATURE], strlen(f[DIM_SIGNATURE]), &added);
    if (si == UINT32_MAX || (added && !list_add(b->sigs.l, f[DIM_SIGNATURE], strlen(f[DIM_SIGNATURE]))))
        return -1;
    c = &b->sigs.l->v[si];
    c->count += count;
    c->severity = sev;
    char gk[4096];
    if (grain_len + 4 <= sizeof(gk)) {
        memcpy(gk, &si, 4);
        memcpy(gk + 4, tuple, grain_len);
        strmap_intern(&b->sig_grains, gk, grain_len + 4, &added);
    }

    if (f[DIM_SRC_PREFIX][0]) {
        char hidden[ANON_TEXT_MAX + 8];
        hide_prefix(b->spec->anon, f[DIM_SRC_PREFIX], hidden, sizeof(hidden));
        if (hidden[0]) {
            c = group_get(&b->pfx, hidden, strlen(hidden));
            if (!c)
                return -1;
            c->count += count;
        }
    }
    return 0;
}

/* Distinct sources per signature (released grains only) and the sources above the
 * threshold, from the per-signature top-source sets. */
static int add_signature_details(struct build *b)
{
    struct share_list *sl = b->sigs.l;
    const struct coll_window *w = b->spec->window;
    if (!w->detail)
        return 0;
    for (size_t i = 0; i < sl->n; i++) {
        char key[512];
        const char **argv = malloc((b->sig_grains.n + 1) * sizeof(*argv));
        char **keys = calloc(b->sig_grains.n + 1, sizeof(*keys));
        size_t nk = 0;
        int rc = argv && keys ? 0 : -1;
        for (uint32_t g = 0; rc == 0 && g < b->sig_grains.n; g++) {
            size_t gl;
            const char *gkey = strmap_key(&b->sig_grains, g, &gl);
            uint32_t si;
            memcpy(&si, gkey, 4);
            if (si != i)
                continue;
            size_t need = gl + 128;
            keys[nk] = malloc(need);
            if (!keys[nk]) {
                rc = -1;
                break;
            }
            snprintf(keys[nk], need, KEYS_AGG "%s:%llu:src:%.*s", w->name, (unsigned long long)b->win->start,
                     (int)(gl - 4), gkey + 4);
            argv[nk + 1] = keys[nk];
            nk++;
        }
        if (rc == 0 && nk) {
            argv[0] = "PFCOUNT";
            redisReply *x = rconn_cmd(b->r, (int)nk + 1, argv, NULL);
            if (x && x->type == REDIS_REPLY_INTEGER)
                sl->v[i].distinct = x->integer;
            if (x)
                freeReplyObject(x);
        }
        for (size_t k = 0; k < nk; k++)
            free(keys[k]);
        free(keys);
        free(argv);
        if (rc)
            return -1;
        /* sources are kept per level: take those of every level that may go */
        for (int l = 0; l < TLP_LEVELS; l++) {
            enum tlp_level lvl = tlp_max((enum tlp_level)l, b->spec->base);
            if (!tlp_may_release(lvl, b->spec->recipient, b->spec->allowed, b->spec->n_allowed, NULL))
                continue;
            keys_bucket(w->name, b->win->start, "top:", key, sizeof(key));
            size_t kl = strlen(key);
            snprintf(key + kl, sizeof(key) - kl, "%s:%s", tlp_value((enum tlp_level)l), sl->v[i].key);
            redisReply *x = rconn_cmdf(b->r, "ZREVRANGE %s 0 " TOP_PER_SIGNATURE " WITHSCORES", key);
            if (!x)
                return -1;
            if (rconn_is_array(x) && x->elements)
                b->win->level = tlp_max(b->win->level, lvl);
            if (rconn_is_array(x))
                for (size_t k = 0; k + 1 < x->elements; k += 2) {
                    redisReply *m = x->element[k], *s = x->element[k + 1];
                    if (!rconn_is_str(m) || !rconn_is_str(s))
                        continue;
                    char hidden[ANON_TEXT_MAX];
                    hide_address(b->spec->anon, m->str, m->len, hidden, sizeof(hidden));
                    struct share_count *c = hidden[0] ? group_get(&b->srcs, hidden, strlen(hidden)) : NULL;
                    if (c)
                        c->count += (uint64_t)strtod(s->str, NULL);
                }
            freeReplyObject(x);
        }
    }
    return 0;
}

static int add_messages(struct build *b)
{
    struct share_list *sl = b->sigs.l;
    if (!sl->n)
        return 0;
    const char **argv = malloc((sl->n + 2) * sizeof(*argv));
    if (!argv)
        return -1;
    argv[0] = "HMGET";
    argv[1] = KEYS_SIGNATURES;
    for (size_t i = 0; i < sl->n; i++)
        argv[i + 2] = sl->v[i].key;
    redisReply *x = rconn_cmd(b->r, (int)sl->n + 2, argv, NULL);
    free(argv);
    if (!x)
        return -1;
    if (rconn_is_array(x) && x->elements == sl->n)
        for (size_t i = 0; i < sl->n; i++)
            if (rconn_is_str(x->element[i]))
                sl->v[i].label = strndup(x->element[i]->str, ICTW_MIN(x->element[i]->len, 1024));
    freeReplyObject(x);
    return 0;
}

static void drop_sources_below(struct share_list *l, uint64_t threshold)
{
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (l->v[i].count >= threshold) {
            l->v[k++] = l->v[i];
        } else {
            free(l->v[i].key);
            free(l->v[i].label);
        }
    }
    l->n = k;
}

static int build_window(struct build *b, uint64_t start, redisReply *count)
{
    struct share_window *win = b->win;
    memset(win, 0, sizeof(*win));
    win->start = start;
    win->length = b->spec->window->size;
    win->level = b->spec->base;
    b->cats.l = &win->categories;
    b->sigs.l = &win->signatures;
    b->pfx.l = &win->prefixes;
    b->srcs.l = &win->sources;
    strmap_clear(&b->cats.m);
    strmap_clear(&b->sigs.m);
    strmap_clear(&b->pfx.m);
    strmap_clear(&b->srcs.m);
    strmap_clear(&b->sig_grains);
    if (rconn_is_array(count))
        for (size_t i = 0; i + 1 < count->elements; i += 2)
            if (rconn_is_str(count->element[i]) &&
                fold_tuple(b, count->element[i]->str, count->element[i]->len,
                           (uint64_t)rconn_int(count->element[i + 1], 0)))
                return -1;
    if (add_signature_details(b) || add_messages(b))
        return -1;
    drop_sources_below(&win->sources, b->spec->threshold ? b->spec->threshold : 1);
    list_sort_cut(&win->categories, 0);
    list_sort_cut(&win->signatures, b->spec->max_signatures);
    list_sort_cut(&win->prefixes, b->spec->max_prefixes);
    list_sort_cut(&win->sources, b->spec->max_prefixes);
    return 0;
}

int sharedoc_build(struct rconn *r, const struct share_spec *spec, struct share_doc *d, char *err, size_t errlen)
{
    ictw_strlcpy(d->country, spec->country ? spec->country : "", sizeof(d->country));
    ictw_strlcpy(d->producer, spec->producer ? spec->producer : "", sizeof(d->producer));
    anon_policy_describe(spec->anon, d->anonymization, sizeof(d->anonymization));
    ictw_strlcpy(d->scope, spec->anon->scope == ANON_SCOPE_INTERNAL ? "internal" : "both", sizeof(d->scope));
    d->level = spec->base;
    char key[256], lo[24], hi[24];
    keys_windows(spec->window->name, key, sizeof(key));
    snprintf(lo, sizeof(lo), "%llu", (unsigned long long)(spec->since / spec->window->size * spec->window->size));
    snprintf(hi, sizeof(hi), "%llu", (unsigned long long)spec->until);
    redisReply *starts = rconn_cmdf(r, "ZRANGEBYSCORE %s %s %s", key, lo, hi);
    if (!rconn_is_array(starts)) {
        snprintf(err, errlen, "reading %s: %s", key, rconn_errstr(r, starts));
        if (starts)
            freeReplyObject(starts);
        return -1;
    }
    struct build b;
    memset(&b, 0, sizeof(b));
    b.r = r;
    b.spec = spec;
    strmap_init(&b.cats.m);
    strmap_init(&b.sigs.m);
    strmap_init(&b.pfx.m);
    strmap_init(&b.srcs.m);
    strmap_init(&b.sig_grains);
    int rc = 0;
    for (size_t i = 0; i < starts->elements && rc == 0; i++) {
        uint64_t st = strtoull(rconn_is_str(starts->element[i]) ? starts->element[i]->str : "0", NULL, 10);
        char kc[256];
        keys_bucket(spec->window->name, st, "count", kc, sizeof(kc));
        redisReply *count = rconn_cmdf(r, "HGETALL %s", kc);
        if (!count) {
            rc = -1;
            break;
        }
        if (d->n == d->cap) {
            size_t nc = d->cap ? d->cap * 2 : 16;
            struct share_window *nw = realloc(d->w, nc * sizeof(*nw));
            if (!nw) {
                freeReplyObject(count);
                rc = -1;
                break;
            }
            d->w = nw;
            d->cap = nc;
        }
        b.win = &d->w[d->n];
        rc = build_window(&b, st, count);
        freeReplyObject(count);
        d->withheld += b.win->withheld;
        d->n++;
        if (rc == 0 && b.win->total == 0) {
            /* Nothing releasable: the window is not shared at all (not even its existence). */
            d->n--;
            list_free(&b.win->categories);
            list_free(&b.win->signatures);
            list_free(&b.win->prefixes);
            list_free(&b.win->sources);
        } else if (rc == 0) {
            d->level = tlp_max(d->level, b.win->level);
        }
    }
    freeReplyObject(starts);
    strmap_free(&b.cats.m);
    strmap_free(&b.sigs.m);
    strmap_free(&b.pfx.m);
    strmap_free(&b.srcs.m);
    strmap_free(&b.sig_grains);
    if (rc)
        snprintf(err, errlen, "building the shared aggregates: %s", r->err[0] ? r->err : "out of memory");
    return rc;
}

static void list_json(struct jsonw *w, const char *name, const struct share_list *l, const char *keyname,
                      bool severity, bool label)
{
    jsonw_key(w, name);
    jsonw_array_begin(w);
    for (size_t i = 0; i < l->n; i++) {
        jsonw_object_begin(w);
        if (severity && !strcmp(keyname, "category")) {
            const char *bar = strchr(l->v[i].key, '|');
            jsonw_key_str(w, "category", bar ? bar + 1 : l->v[i].key);
        } else {
            jsonw_key_str(w, keyname, l->v[i].key);
        }
        if (label)
            jsonw_key_str(w, "msg", l->v[i].label ? l->v[i].label : "");
        if (severity)
            jsonw_key_int(w, "severity", l->v[i].severity);
        jsonw_key_uint(w, "count", l->v[i].count);
        if (label && l->v[i].distinct >= 0)
            jsonw_key_int(w, "distinct_sources", l->v[i].distinct);
        jsonw_object_end(w);
    }
    jsonw_array_end(w);
}

void sharedoc_window_json(const struct share_doc *d, const struct share_window *win, struct jsonw *w)
{
    char t[32];
    jsonw_object_begin(w);
    jsonw_key_str(w, "schema", SHARE_SCHEMA);
    jsonw_key_str(w, "country", d->country);
    jsonw_key_str(w, "producer", d->producer);
    jsonw_key(w, "window");
    jsonw_object_begin(w);
    sharedoc_time(win->start, t, sizeof(t));
    jsonw_key_str(w, "start", t);
    jsonw_key_uint(w, "length", win->length);
    jsonw_object_end(w);
    jsonw_key_str(w, "tlp", tlp_name(win->level));
    jsonw_key(w, "anonymization");
    jsonw_object_begin(w);
    jsonw_key_str(w, "method", d->anonymization);
    jsonw_key_str(w, "scope", d->scope);
    jsonw_object_end(w);
    jsonw_key_uint(w, "total", win->total);
    list_json(w, "categories", &win->categories, "category", true, false);
    list_json(w, "signatures", &win->signatures, "signature", true, true);
    list_json(w, "src_prefixes", &win->prefixes, "prefix", false, false);
    list_json(w, "sources", &win->sources, "address", false, false);
    jsonw_object_end(w);
}

/* --- parsing (hostile) --- */

static const char *jstr(json_t *o, const char *k, size_t max)
{
    json_t *v = json_object_get(o, k);
    return json_is_string(v) && json_string_length(v) <= max && !memchr(json_string_value(v), 0, json_string_length(v))
               ? json_string_value(v)
               : NULL;
}

static int parse_list(json_t *o, const char *name, const char *keyname, bool severity, bool label,
                      struct share_list *l)
{
    json_t *a = json_object_get(o, name);
    if (!a)
        return 0;
    if (!json_is_array(a) || json_array_size(a) > SHARE_MAX_ITEMS)
        return -1;
    size_t i;
    json_t *e;
    json_array_foreach(a, i, e) {
        const char *k = jstr(e, keyname, 1024);
        json_t *cnt = json_object_get(e, "count");
        if (!k || !json_is_integer(cnt) || json_integer_value(cnt) < 0)
            return -1;
        char buf[1100];
        int sev = 0;
        if (severity) {
            json_t *s = json_object_get(e, "severity");
            if (!json_is_integer(s) || json_integer_value(s) < 0 || json_integer_value(s) > 255)
                return -1;
            sev = (int)json_integer_value(s);
        }
        if (severity && !strcmp(keyname, "category"))
            snprintf(buf, sizeof(buf), "%d|%s", sev, k);
        else
            snprintf(buf, sizeof(buf), "%s", k);
        struct share_count *c = list_add(l, buf, strlen(buf));
        if (!c)
            return -1;
        c->count = (uint64_t)json_integer_value(cnt);
        c->severity = sev;
        const char *m = label ? jstr(e, "msg", 1024) : NULL;
        if (m)
            c->label = strdup(m);
        json_t *ds = json_object_get(e, "distinct_sources");
        if (json_is_integer(ds))
            c->distinct = json_integer_value(ds);
    }
    return 0;
}

static bool country_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 15)
        return false;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '-' && *s != '_')
            return false;
    return true;
}

int sharedoc_parse(const char *json, size_t len, struct share_doc *d, char *err, size_t errlen)
{
    json_error_t je;
    json_t *o = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(o)) {
        snprintf(err, errlen, "not a JSON object (%s)", o ? "wrong type" : je.text);
        json_decref(o);
        return -1;
    }
    const char *schema = jstr(o, "schema", 64), *country = jstr(o, "country", 15), *producer = jstr(o, "producer", 127);
    const char *tlp = jstr(o, "tlp", 32);
    json_t *win = json_object_get(o, "window");
    const char *start = json_is_object(win) ? jstr(win, "start", 40) : NULL;
    json_t *length = json_is_object(win) ? json_object_get(win, "length") : NULL;
    json_t *total = json_object_get(o, "total");
    enum tlp_level level;
    ictw_usec st;
    char msg[128];
    int rc = -1;
    if (!schema || strcmp(schema, SHARE_SCHEMA) != 0)
        snprintf(err, errlen, "schema is not %s", SHARE_SCHEMA);
    else if (!country || !country_ok(country))
        snprintf(err, errlen, "country missing or not a code");
    else if (!tlp || tlp_parse(tlp, &level, msg, sizeof(msg)) < 0)
        snprintf(err, errlen, "tlp missing or not a TLP level");
    else if (!start || ictw_time_parse(start, &st) || !json_is_integer(length) || json_integer_value(length) <= 0 ||
             json_integer_value(length) > 366 * 86400)
        snprintf(err, errlen, "window start/length missing or wrong");
    else if (!json_is_integer(total) || json_integer_value(total) < 0)
        snprintf(err, errlen, "total missing or wrong");
    else
        rc = 0;
    if (rc == 0 && d->n == d->cap) {
        size_t nc = d->cap ? d->cap * 2 : 16;
        struct share_window *nw = realloc(d->w, nc * sizeof(*nw));
        if (!nw) {
            snprintf(err, errlen, "out of memory");
            rc = -1;
        } else {
            d->w = nw;
            d->cap = nc;
        }
    }
    if (rc == 0) {
        struct share_window *w = &d->w[d->n];
        memset(w, 0, sizeof(*w));
        w->start = st / ICTW_USEC_PER_SEC;
        w->length = (uint64_t)json_integer_value(length);
        w->level = level;
        w->total = (uint64_t)json_integer_value(total);
        d->n++;
        if (parse_list(o, "categories", "category", true, false, &w->categories) ||
            parse_list(o, "signatures", "signature", true, true, &w->signatures) ||
            parse_list(o, "src_prefixes", "prefix", false, false, &w->prefixes) ||
            parse_list(o, "sources", "address", false, false, &w->sources)) {
            snprintf(err, errlen, "a list is malformed");
            rc = -1;
        }
        ictw_strlcpy(d->country, country, sizeof(d->country));
        ictw_strlcpy(d->producer, producer ? producer : "", sizeof(d->producer));
        d->level = tlp_max(d->level, level);
        json_t *an = json_object_get(o, "anonymization");
        const char *m = json_is_object(an) ? jstr(an, "method", 60) : NULL;
        ictw_strlcpy(d->anonymization, m ? m : "", sizeof(d->anonymization));
    }
    json_decref(o);
    return rc;
}

int sharedoc_policy(struct anon_policy *p, const struct config *cfg, char *err, size_t errlen)
{
    anon_policy_init(p);
    char e[512], w[256];
    const char *spec = config_get(cfg, "anonymize");
    if (anon_policy_parse(p, spec ? spec : "truncate", e, sizeof(e))) {
        settings_where(cfg, "anonymize", w, sizeof(w));
        snprintf(err, errlen, "%s: %s", w, e);
        return -1;
    }
    const char *key = config_get(cfg, "anon.key-file");
    if (key && anon_policy_load_key(p, key, e, sizeof(e))) {
        settings_where(cfg, "anon.key-file", w, sizeof(w));
        snprintf(err, errlen, "%s: %s", w, e);
        return -1;
    }
    const char *scope = config_get(cfg, "anon.scope");
    if (scope && anon_policy_set_scope(p, scope, e, sizeof(e))) {
        settings_where(cfg, "anon.scope", w, sizeof(w));
        snprintf(err, errlen, "%s: %s", w, e);
        return -1;
    }
    size_t pos = 0;
    const struct config_entry *ce;
    while ((ce = config_next(cfg, "anon.internal", &pos)))
        if (anon_policy_add_internal(p, ce->value, e, sizeof(e))) {
            snprintf(err, errlen, "%s:%d: anon.internal: %s", ce->origin, ce->line, e);
            return -1;
        }
    if (anon_policy_check(p, e, sizeof(e))) {
        snprintf(err, errlen, "anonymisation: %s", e);
        return -1;
    }
    return 0;
}
