/* aggread.c - reading and grouping stored aggregates (see aggread.h). */
#include "aggread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ictwatch/common.h"

int agg_parse_when(const char *text, uint64_t now, uint64_t *out)
{
    if (!strcmp(text, "all")) {
        *out = 0;
        return 0;
    }
    int64_t d = ictw_parse_duration(text);
    if (d >= 0) {
        *out = (uint64_t)d > now ? 0 : now - (uint64_t)d;
        return 0;
    }
    ictw_usec t;
    char buf[64];
    /* Accept a bare date or a time without seconds fraction/zone as UTC. */
    if (strlen(text) == 10 && text[4] == '-' && text[7] == '-') {
        snprintf(buf, sizeof(buf), "%sT00:00:00Z", text);
        text = buf;
    }
    if (ictw_time_parse(text, &t) == 0) {
        *out = t / ICTW_USEC_PER_SEC;
        return 0;
    }
    return -1;
}

int agg_parse_dims(const char *text, struct agg_query *q, char *err, size_t errlen)
{
    char buf[512];
    ictw_strlcpy(buf, text, sizeof(buf));
    q->ndims = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save)) {
        int d = keys_dim_parse(t);
        if (d < 0) {
            snprintf(err, errlen, "--by: unknown dimension '%s' (sensor, country, organisation, signature, "
                                  "severity, category, tlp, app_proto, proto, dest_port, src_prefix, dst_prefix, window)", t);
            return -1;
        }
        for (size_t i = 0; i < q->ndims; i++)
            if (q->dims[i] == d) {
                snprintf(err, errlen, "--by: '%s' is given twice", t);
                return -1;
            }
        q->dims[q->ndims++] = d;
    }
    if (q->ndims == 0) {
        snprintf(err, errlen, "--by: give at least one dimension");
        return -1;
    }
    return 0;
}

int agg_query_setup(struct agg_query *q, const struct coll_settings *s, const struct config *cfg,
                    const char *default_by, char *err, size_t errlen)
{
    memset(q, 0, sizeof(*q));
    const char *w = config_get(cfg, "window");
    q->w = settings_find_window(s, w ? w : "hour");
    if (!q->w) {
        char where[256];
        settings_where(cfg, "window", where, sizeof(where));
        snprintf(err, errlen, "%s: window '%s' is not one of the configured windows (setting 'windows')", where,
                 w ? w : "hour");
        return -1;
    }
    uint64_t now = ictw_wallclock() / ICTW_USEC_PER_SEC;
    const char *since = config_get(cfg, "since"), *until = config_get(cfg, "until");
    q->until = now;
    if (since && agg_parse_when(since, now, &q->since)) {
        snprintf(err, errlen, "--since %s: expected all, a duration (24h, 7d) or a time (2025-03-14T00:00:00Z)", since);
        return -1;
    }
    if (until && agg_parse_when(until, now, &q->until)) {
        snprintf(err, errlen, "--until %s: expected a duration (1h) or a time (2025-03-14T00:00:00Z)", until);
        return -1;
    }
    if (q->until < q->since) {
        snprintf(err, errlen, "--until is before --since");
        return -1;
    }
    const char *by = config_get(cfg, "by");
    return default_by ? agg_parse_dims(by ? by : default_by, q, err, errlen) : 0;
}

void agg_result_init(struct agg_result *res)
{
    memset(res, 0, sizeof(*res));
    strmap_init(&res->groups);
    strmap_init(&res->hll_keys);
    strmap_init(&res->row_hll);
}

void agg_result_free(struct agg_result *res)
{
    for (size_t i = 0; i < res->n; i++) {
        for (size_t d = 0; d < res->ndims; d++)
            free(res->rows[i].vals[d]);
        free(res->rows[i].vals);
        free(res->rows[i].hll);
    }
    free(res->rows);
    free(res->starts);
    free(res->gfirst);
    free(res->glast);
    strmap_free(&res->groups);
    strmap_free(&res->hll_keys);
    strmap_free(&res->row_hll);
    memset(res, 0, sizeof(*res));
}

void agg_format_time(uint64_t usec, bool micro, char *buf, size_t len)
{
    time_t s = (time_t)(usec / ICTW_USEC_PER_SEC);
    struct tm tm;
    if (!gmtime_r(&s, &tm)) {
        snprintf(buf, len, "?");
        return;
    }
    if (micro)
        snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(usec % ICTW_USEC_PER_SEC));
    else
        snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
                 tm.tm_hour, tm.tm_min, tm.tm_sec);
}

/* The row for a tuple (creating it); NULL on a malformed tuple or out of memory.
 * *grain_len is set to the length of the tuple's grain prefix. */
static struct agg_row *row_for(struct agg_result *res, const struct agg_query *q, const char *tuple,
                               size_t len, uint64_t start, uint32_t *row_index)
{
    char copy[4096], key[4096];
    if (len >= sizeof(copy))
        return NULL;
    memcpy(copy, tuple, len);
    copy[len] = '\0';
    char *f[DIM_TUPLE_COUNT];
    if (keys_tuple_split(copy, f))
        return NULL;
    char startbuf[24];
    snprintf(startbuf, sizeof(startbuf), "%llu", (unsigned long long)start);
    size_t kl = 0;
    const char *vals[DIM_COUNT];
    for (size_t i = 0; i < q->ndims; i++) {
        vals[i] = q->dims[i] == DIM_WINDOW ? startbuf : f[q->dims[i]];
        size_t n = strlen(vals[i]);
        if (kl + n + 2 >= sizeof(key))
            return NULL;
        memcpy(key + kl, vals[i], n);
        kl += n;
        key[kl++] = '\x1f';
    }
    bool added;
    uint32_t ri = strmap_intern(&res->groups, key, kl, &added);
    if (ri == UINT32_MAX)
        return NULL;
    if (added) {
        if (res->n == res->cap) {
            size_t nc = res->cap ? res->cap * 2 : 256;
            struct agg_row *nr = realloc(res->rows, nc * sizeof(*nr));
            if (!nr)
                return NULL;
            res->rows = nr;
            res->cap = nc;
        }
        struct agg_row *row = &res->rows[res->n++];
        memset(row, 0, sizeof(*row));
        row->distinct_src = row->distinct_dst = -1;
        row->vals = calloc(q->ndims ? q->ndims : 1, sizeof(char *));
        if (!row->vals)
            return NULL;
        for (size_t i = 0; i < q->ndims; i++)
            if (!(row->vals[i] = strdup(vals[i])))
                return NULL;
    }
    *row_index = ri;
    return &res->rows[ri];
}

static bool dims_allow_distinct(const struct agg_query *q)
{
    if (!q->w->detail)
        return false;
    for (size_t i = 0; i < q->ndims; i++)
        if (q->dims[i] >= KEYS_GRAIN_DIMS && q->dims[i] != DIM_WINDOW)
            return false;
    return true;
}

/* Index of the grain key "start|grain" (interned), UINT32_MAX on out of memory. */
static uint32_t grain_key(struct agg_result *res, uint64_t start, const char *grain, size_t gl)
{
    char key[4096];
    int n = snprintf(key, sizeof(key), "%llu|", (unsigned long long)start);
    if ((size_t)n + gl >= sizeof(key))
        return UINT32_MAX;
    memcpy(key + n, grain, gl);
    bool added;
    uint32_t hi = strmap_intern(&res->hll_keys, key, (size_t)n + gl, &added);
    if (hi == UINT32_MAX)
        return hi;
    if (hi >= res->gcap) {
        size_t nc = res->gcap ? res->gcap * 2 : 1024;
        while (nc <= hi)
            nc *= 2;
        uint64_t *f = realloc(res->gfirst, nc * sizeof(*f));
        if (f)
            res->gfirst = f;
        uint64_t *l = f ? realloc(res->glast, nc * sizeof(*l)) : NULL;
        if (l)
            res->glast = l;
        if (!f || !l)
            return UINT32_MAX;
        res->gcap = nc;
    }
    if (added)
        res->gfirst[hi] = res->glast[hi] = 0;
    return hi;
}

static int add_grain(struct agg_result *res, struct agg_row *row, uint32_t ri, const char *tuple, size_t len,
                     uint64_t start)
{
    uint32_t hi = grain_key(res, start, tuple, keys_grain_len(tuple, len));
    if (hi == UINT32_MAX)
        return -1;
    uint32_t pair[2] = {ri, hi};
    bool added;
    if (strmap_intern(&res->row_hll, pair, sizeof(pair), &added) == UINT32_MAX)
        return -1;
    if (!added)
        return 0;
    if (row->nhll == row->hll_cap) {
        size_t nc = row->hll_cap ? row->hll_cap * 2 : 8;
        uint32_t *nh = realloc(row->hll, nc * sizeof(*nh));
        if (!nh)
            return -1;
        row->hll = nh;
        row->hll_cap = nc;
    }
    row->hll[row->nhll++] = hi;
    return 0;
}

/* Folds one bucket's replies into the rows. */
static int fold_bucket(struct agg_result *res, const struct agg_query *q, uint64_t start, redisReply *count,
                       redisReply *late, redisReply *first, redisReply *last)
{
    uint32_t ri;
    struct agg_row *row;
    for (int pass = 0; pass < 2; pass++) {
        redisReply *z = pass ? last : first;
        if (!rconn_is_array(z))
            continue;
        for (size_t i = 0; i + 1 < z->elements; i += 2) {
            redisReply *t = z->element[i];
            if (!rconn_is_str(t) || !rconn_is_str(z->element[i + 1]))
                continue;
            uint32_t gi = grain_key(res, start, t->str, t->len);
            if (gi == UINT32_MAX)
                return -1;
            uint64_t v = strtoull(z->element[i + 1]->str, NULL, 10);
            if (pass == 0)
                res->gfirst[gi] = v;
            else
                res->glast[gi] = v;
        }
    }
    if (rconn_is_array(count))
        for (size_t i = 0; i + 1 < count->elements; i += 2) {
            redisReply *t = count->element[i];
            if (!rconn_is_str(t) || !(row = row_for(res, q, t->str, t->len, start, &ri)))
                continue;
            row->count += (uint64_t)rconn_int(count->element[i + 1], 0);
            if (row->bucket_lo == 0 || start < row->bucket_lo)
                row->bucket_lo = start;
            if (start > row->bucket_hi)
                row->bucket_hi = start;
            if (add_grain(res, row, ri, t->str, t->len, start))
                return -1;
        }
    if (rconn_is_array(late))
        for (size_t i = 0; i + 1 < late->elements; i += 2) {
            redisReply *t = late->element[i];
            if (rconn_is_str(t) && (row = row_for(res, q, t->str, t->len, start, &ri)))
                row->late += (uint64_t)rconn_int(late->element[i + 1], 0);
        }
    return 0;
}

/* First and last seen of each row: exact from its grains when the grouping is by grain
 * dimensions, otherwise the grains' times clipped to the row's own buckets. */
static void finish_times(struct agg_result *res, const struct agg_query *q)
{
    for (size_t i = 0; i < res->n; i++) {
        struct agg_row *row = &res->rows[i];
        uint64_t f = 0, l = 0;
        for (size_t k = 0; k < row->nhll; k++) {
            uint64_t gf = res->gfirst[row->hll[k]], gl = res->glast[row->hll[k]];
            if (gf && (!f || gf < f))
                f = gf;
            if (gl > l)
                l = gl;
        }
        if (!res->distinct_ok && row->count) {
            uint64_t lo = row->bucket_lo * ICTW_USEC_PER_SEC, hi = (row->bucket_hi + q->w->size) * ICTW_USEC_PER_SEC - 1;
            f = f > lo ? f : lo;
            l = l && l < hi ? l : hi;
        }
        row->first = f;
        row->last = l;
    }
}

int agg_read(struct rconn *r, const struct agg_query *q, struct agg_result *res, char *err, size_t errlen)
{
    res->ndims = q->ndims;
    res->distinct_ok = dims_allow_distinct(q);
    char key[256], lo[24], hi[24];
    uint64_t from = q->since / q->w->size * q->w->size;
    snprintf(lo, sizeof(lo), "%llu", (unsigned long long)from);
    snprintf(hi, sizeof(hi), "%llu", (unsigned long long)q->until);
    keys_windows(q->w->name, key, sizeof(key));
    redisReply *starts = rconn_cmdf(r, "ZRANGEBYSCORE %s %s %s", key, lo, hi);
    if (!rconn_is_array(starts)) {
        snprintf(err, errlen, "reading %s: %s", key, rconn_errstr(r, starts));
        if (starts)
            freeReplyObject(starts);
        return -1;
    }
    int rc = 0;
    res->starts = calloc(starts->elements ? starts->elements : 1, sizeof(*res->starts));
    if (!res->starts)
        rc = -1;
    /* Pipelined in chunks: four replies per bucket. */
    size_t chunk = 64;
    for (size_t base = 0; base < starts->elements && rc == 0; base += chunk) {
        size_t end = ICTW_MIN(base + chunk, starts->elements);
        for (size_t i = base; i < end; i++) {
            uint64_t st = strtoull(starts->element[i]->str ? starts->element[i]->str : "0", NULL, 10);
            char kc[256], kl[256], kf[256], ks[256];
            keys_bucket(q->w->name, st, "count", kc, sizeof(kc));
            keys_bucket(q->w->name, st, "late", kl, sizeof(kl));
            keys_bucket(q->w->name, st, "first", kf, sizeof(kf));
            keys_bucket(q->w->name, st, "last", ks, sizeof(ks));
            const char *a1[] = {"HGETALL", kc}, *a2[] = {"HGETALL", kl};
            const char *a3[] = {"ZRANGE", kf, "0", "-1", "WITHSCORES"}, *a4[] = {"ZRANGE", ks, "0", "-1", "WITHSCORES"};
            if (rconn_append(r, 2, a1, NULL) || rconn_append(r, 2, a2, NULL) || rconn_append(r, 5, a3, NULL) ||
                rconn_append(r, 5, a4, NULL)) {
                rc = -1;
                break;
            }
        }
        for (size_t i = base; i < end && rc == 0; i++) {
            redisReply *x[4] = {0};
            for (int k = 0; k < 4; k++)
                if (!(x[k] = rconn_read(r)))
                    rc = -1;
            uint64_t st = strtoull(starts->element[i]->str ? starts->element[i]->str : "0", NULL, 10);
            if (rc == 0 && fold_bucket(res, q, st, x[0], x[1], x[2], x[3]))
                rc = -1;
            for (int k = 0; k < 4; k++)
                if (x[k])
                    freeReplyObject(x[k]);
            res->starts[res->nstarts++] = st;
        }
    }
    freeReplyObject(starts);
    if (rc == 0)
        finish_times(res, q);
    if (rc)
        snprintf(err, errlen, "reading aggregates: %s", r->err[0] ? r->err : "out of memory");
    return rc;
}

static int pfcount_append(struct rconn *r, const struct agg_query *q, struct agg_result *res,
                          const struct agg_row *row, const char *part)
{
    const char **argv = malloc((row->nhll + 1) * sizeof(*argv));
    char **keys = calloc(row->nhll ? row->nhll : 1, sizeof(*keys));
    if (!argv || !keys) {
        free(argv);
        free(keys);
        return -1;
    }
    argv[0] = "PFCOUNT";
    int rc = 0;
    for (size_t i = 0; i < row->nhll; i++) {
        size_t kl;
        const char *hk = strmap_key(&res->hll_keys, row->hll[i], &kl);
        const char *bar = memchr(hk, '|', kl);
        size_t need = 64 + kl;
        keys[i] = malloc(need);
        if (!keys[i] || !bar) {
            rc = -1;
            break;
        }
        snprintf(keys[i], need, KEYS_AGG "%s:%.*s:%s%s", q->w->name, (int)(bar - hk), hk, part, bar + 1);
        argv[i + 1] = keys[i];
    }
    if (rc == 0)
        rc = rconn_append(r, (int)row->nhll + 1, argv, NULL);
    for (size_t i = 0; i < row->nhll; i++)
        free(keys[i]);
    free(keys);
    free(argv);
    return rc;
}

int agg_fill_distinct(struct rconn *r, const struct agg_query *q, struct agg_result *res, char *err,
                      size_t errlen)
{
    if (!res->distinct_ok)
        return 0;
    size_t chunk = 256;
    for (size_t base = 0; base < res->n; base += chunk) {
        size_t end = ICTW_MIN(base + chunk, res->n);
        size_t sent = 0;
        for (size_t i = base; i < end; i++) {
            if (res->rows[i].nhll == 0)
                continue;
            if (pfcount_append(r, q, res, &res->rows[i], "src:") ||
                pfcount_append(r, q, res, &res->rows[i], "dst:")) {
                snprintf(err, errlen, "PFCOUNT: %s", r->err[0] ? r->err : "out of memory");
                return -1;
            }
            sent++;
        }
        for (size_t i = base; i < end; i++) {
            if (res->rows[i].nhll == 0)
                continue;
            redisReply *a = rconn_read(r), *b = a ? rconn_read(r) : NULL;
            if (!a || !b) {
                if (a)
                    freeReplyObject(a);
                snprintf(err, errlen, "PFCOUNT: %s", r->err);
                return -1;
            }
            res->rows[i].distinct_src = rconn_int(a, -1);
            res->rows[i].distinct_dst = rconn_int(b, -1);
            freeReplyObject(a);
            freeReplyObject(b);
        }
        (void)sent;
    }
    return 0;
}

static int row_cmp(const void *pa, const void *pb, void *arg)
{
    const struct agg_query *q = arg;
    const struct agg_row *a = pa, *b = pb;
    for (size_t i = 0; i < q->ndims; i++)
        if (q->dims[i] == DIM_WINDOW) {
            unsigned long long x = strtoull(a->vals[i], NULL, 10), y = strtoull(b->vals[i], NULL, 10);
            if (x != y)
                return x < y ? -1 : 1;
        }
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    if (a->late != b->late)
        return a->late > b->late ? -1 : 1;
    for (size_t i = 0; i < q->ndims; i++) {
        int c = strcmp(a->vals[i], b->vals[i]);
        if (c)
            return c;
    }
    return 0;
}

void agg_sort(const struct agg_query *q, struct agg_result *res)
{
    if (res->n > 1)
        qsort_r(res->rows, res->n, sizeof(*res->rows), row_cmp, (void *)q);
}
