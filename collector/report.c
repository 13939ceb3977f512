/* report.c - the report verb (see report.h). */
#include "report.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ictwatch/common.h"
#include "aggread.h"
#include "rconn.h"
#include "table.h"
#include "tlp.h"

struct report_opts {
    uint64_t top, sources;
    enum table_format fmt;
};

static int read_opts(const struct config *cfg, struct report_opts *o, char *err, size_t errlen)
{
    memset(o, 0, sizeof(*o));
    if (config_get_uint(cfg, "top", 1000000000, &o->top, err, errlen) ||
        config_get_uint(cfg, "sources", 1000, &o->sources, err, errlen))
        return -1;
    const char *f = config_get(cfg, "format");
    if (f && table_parse_format(f, &o->fmt)) {
        snprintf(err, errlen, "--format %s: expected table, json or csv", f);
        return -1;
    }
    return 0;
}

static int dim_index(const struct agg_query *q, int dim)
{
    for (size_t i = 0; i < q->ndims; i++)
        if (q->dims[i] == dim)
            return (int)i;
    return -1;
}

/* Messages of the signatures in the rows (HMGET); msgs[i] for row i, owned. */
static char **signature_messages(struct rconn *r, const struct agg_result *res, int sig_col)
{
    char **msgs = calloc(res->n ? res->n : 1, sizeof(*msgs));
    if (!msgs || sig_col < 0 || res->n == 0)
        return msgs;
    const char **argv = malloc((res->n + 2) * sizeof(*argv));
    if (!argv)
        return msgs;
    argv[0] = "HMGET";
    argv[1] = KEYS_SIGNATURES;
    for (size_t i = 0; i < res->n; i++)
        argv[i + 2] = res->rows[i].vals[sig_col];
    redisReply *x = rconn_cmd(r, (int)res->n + 2, argv, NULL);
    free(argv);
    if (rconn_is_array(x) && x->elements == res->n)
        for (size_t i = 0; i < res->n; i++)
            if (rconn_is_str(x->element[i]))
                msgs[i] = strndup(x->element[i]->str, x->element[i]->len);
    if (x)
        freeReplyObject(x);
    return msgs;
}

/* "1.2.3.4 (120), 5.6.7.8 (99)" for a signature over the buckets read. */
static char *top_sources(struct rconn *r, const struct agg_query *q, const struct agg_result *res,
                         const char *sig, uint64_t n)
{
    size_t nk = res->nstarts * TLP_LEVELS;
    if (nk == 0 || n == 0)
        return strdup("");
    const char **argv = malloc((nk + 8) * sizeof(*argv));
    char **keys = calloc(nk, sizeof(*keys));
    char nks[24];
    char *out = NULL;
    if (!argv || !keys)
        goto done;
    snprintf(nks, sizeof(nks), "%zu", nk);
    size_t a = 0;
    argv[a++] = "ZUNION";
    argv[a++] = nks;
    for (size_t i = 0; i < nk; i++) {
        char part[128];
        snprintf(part, sizeof(part), "top:%s:%s", tlp_value((enum tlp_level)(i % TLP_LEVELS)), sig);
        keys[i] = malloc(256 + strlen(sig));
        if (!keys[i])
            goto done;
        keys_bucket(q->w->name, res->starts[i / TLP_LEVELS], part, keys[i], 256 + strlen(sig));
        argv[a++] = keys[i];
    }
    argv[a++] = "WITHSCORES";
    redisReply *x = rconn_cmd(r, (int)a, argv, NULL);
    if (rconn_is_array(x)) {
        /* ZUNION returns ascending scores: walk from the end. */
        size_t cap = 64 * (size_t)n + 1, len = 0;
        out = calloc(1, cap);
        for (size_t k = 0; out && k < n && 2 * k + 1 < x->elements; k++) {
            redisReply *m = x->element[x->elements - 2 - 2 * k], *sc = x->element[x->elements - 1 - 2 * k];
            if (!rconn_is_str(m) || !rconn_is_str(sc))
                continue;
            len += (size_t)snprintf(out + len, cap - len, "%s%.*s (%lld)", k ? ", " : "", (int)ICTW_MIN(m->len, 45),
                                    m->str, (long long)strtod(sc->str, NULL));
            if (len >= cap)
                break;
        }
    }
    if (x)
        freeReplyObject(x);
done:
    if (keys)
        for (size_t i = 0; i < nk; i++)
            free(keys[i]);
    free(keys);
    free(argv);
    return out ? out : strdup("");
}

static void fmt_u64(char *buf, size_t len, uint64_t v)
{
    snprintf(buf, len, "%llu", (unsigned long long)v);
}

static int build_table(struct rconn *r, const struct agg_query *q, const struct agg_result *res,
                       const struct report_opts *o, size_t nrows, struct table *t)
{
    int sig_col = dim_index(q, DIM_SIGNATURE);
    size_t ncols = q->ndims + (sig_col >= 0) + 6 + (o->sources && sig_col >= 0);
    if (table_init(t, ncols))
        return -1;
    size_t c = 0;
    for (size_t i = 0; i < q->ndims; i++) {
        table_column(t, c++, keys_dim_name(q->dims[i]), q->dims[i] == DIM_SEVERITY || q->dims[i] == DIM_DEST_PORT);
        if (q->dims[i] == DIM_SIGNATURE)
            table_column(t, c++, "msg", false);
    }
    table_column(t, c++, "count", true);
    table_column(t, c++, "late", true);
    table_column(t, c++, "src", true);
    table_column(t, c++, "dst", true);
    table_column(t, c++, "first_seen", false);
    table_column(t, c++, "last_seen", false);
    if (o->sources && sig_col >= 0)
        table_column(t, c++, "top_sources", false);
    bool micro = o->fmt != TABLE_TEXT;
    char **msgs = signature_messages(r, res, sig_col);
    int rc = 0;
    const char **cells = calloc(ncols, sizeof(*cells));
    char (*num)[48] = calloc(ncols, sizeof(*num));
    if (!cells || !num || !msgs)
        rc = -1;
    for (size_t i = 0; i < nrows && rc == 0; i++) {
        const struct agg_row *row = &res->rows[i];
        char *tops = NULL;
        c = 0;
        for (size_t d = 0; d < q->ndims; d++) {
            if (q->dims[d] == DIM_WINDOW) {
                agg_format_time(strtoull(row->vals[d], NULL, 10) * 1000000ULL, false, num[c], sizeof(num[c]));
                cells[c] = num[c];
                c++;
            } else {
                cells[c++] = row->vals[d][0] ? row->vals[d] : (o->fmt == TABLE_TEXT ? "-" : "");
            }
            if (q->dims[d] == DIM_SIGNATURE)
                cells[c++] = msgs[i] ? msgs[i] : "";
        }
        fmt_u64(num[c], sizeof(num[c]), row->count), cells[c] = num[c], c++;
        fmt_u64(num[c], sizeof(num[c]), row->late), cells[c] = num[c], c++;
        for (int k = 0; k < 2; k++) {
            long long v = k ? row->distinct_dst : row->distinct_src;
            if (v >= 0)
                snprintf(num[c], sizeof(num[c]), "%lld", v);
            else
                snprintf(num[c], sizeof(num[c]), "%s", o->fmt == TABLE_TEXT ? "-" : "");
            cells[c] = num[c];
            c++;
        }
        if (row->first)
            agg_format_time(row->first, micro, num[c], sizeof(num[c]));
        else
            num[c][0] = '\0';
        cells[c] = num[c], c++;
        if (row->last)
            agg_format_time(row->last, micro, num[c], sizeof(num[c]));
        else
            num[c][0] = '\0';
        cells[c] = num[c], c++;
        if (o->sources && sig_col >= 0) {
            tops = top_sources(r, q, res, row->vals[sig_col], o->sources);
            cells[c++] = tops ? tops : "";
        }
        if (table_add_row(t, cells))
            rc = -1;
        free(tops);
    }
    if (msgs)
        for (size_t i = 0; i < res->n; i++)
            free(msgs[i]);
    free(msgs);
    free(cells);
    free(num);
    if (o->sources && sig_col >= 0)
        t->max_width = 100;
    return rc;
}

static void write_json(const struct agg_query *q, const struct agg_result *res, const struct table *t)
{
    struct jsonw w;
    char a[40], b[40];
    jsonw_init(&w);
    jsonw_object_begin(&w);
    jsonw_key_str(&w, "window", q->w->name);
    agg_format_time(q->since * 1000000ULL, false, a, sizeof(a));
    agg_format_time(q->until * 1000000ULL, false, b, sizeof(b));
    jsonw_key_str(&w, "since", a);
    jsonw_key_str(&w, "until", b);
    jsonw_key(&w, "by");
    jsonw_array_begin(&w);
    for (size_t i = 0; i < q->ndims; i++)
        jsonw_str(&w, keys_dim_name(q->dims[i]));
    jsonw_array_end(&w);
    jsonw_key_uint(&w, "buckets", res->nstarts);
    uint64_t total = 0, late = 0;
    for (size_t i = 0; i < res->n; i++) {
        total += res->rows[i].count;
        late += res->rows[i].late;
    }
    jsonw_key_uint(&w, "total", total);
    jsonw_key_uint(&w, "total_late", late);
    jsonw_key_uint(&w, "groups", res->n);
    jsonw_key(&w, "rows");
    table_write_json(t, &w);
    jsonw_object_end(&w);
    fwrite(w.buf, 1, w.len, stdout);
    fputc('\n', stdout);
    jsonw_free(&w);
}

int report_run(const struct coll_settings *s, const struct config *cfg, const struct log_ctx *lg)
{
    char err[1024];
    struct agg_query q;
    struct report_opts o;
    if (agg_query_setup(&q, s, cfg, "signature", err, sizeof(err)) || read_opts(cfg, &o, err, sizeof(err))) {
        log_error(lg, "%s", err);
        return 2;
    }
    struct rconn r;
    if (rconn_open(&r, s->redis_url, s->redis_user, s->redis_password, s->redis_timeout_ms)) {
        log_error(lg, "%s", r.err);
        return 1;
    }
    struct agg_result res;
    agg_result_init(&res);
    int status = 0;
    if (agg_read(&r, &q, &res, err, sizeof(err)) || agg_fill_distinct(&r, &q, &res, err, sizeof(err))) {
        log_error(lg, "%s", err);
        status = 1;
        goto out;
    }
    agg_sort(&q, &res);
    size_t nrows = o.top && o.top < res.n ? (size_t)o.top : res.n;
    struct table t;
    if (build_table(&r, &q, &res, &o, nrows, &t)) {
        log_error(lg, "out of memory");
        table_free(&t);
        status = 1;
        goto out;
    }
    if (o.fmt == TABLE_JSON) {
        write_json(&q, &res, &t);
    } else if (o.fmt == TABLE_CSV) {
        table_write(&t, stdout, TABLE_CSV);
    } else {
        char a[40], b[40];
        uint64_t total = 0, late = 0;
        for (size_t i = 0; i < res.n; i++) {
            total += res.rows[i].count;
            late += res.rows[i].late;
        }
        agg_format_time(q.since / q.w->size * q.w->size * 1000000ULL, false, a, sizeof(a));
        agg_format_time(q.until * 1000000ULL, false, b, sizeof(b));
        printf("alerts by");
        for (size_t i = 0; i < q.ndims; i++)
            printf("%s%s", i ? ", " : " ", keys_dim_name(q.dims[i]));
        printf(" -- %s windows from %s to %s (%zu with data)\n\n", q.w->name, q.since ? a : "the start", b,
               res.nstarts);
        table_write(&t, stdout, TABLE_TEXT);
        printf("\n%zu of %zu groups; %llu alerts, %llu late\n", nrows, res.n, (unsigned long long)total,
               (unsigned long long)late);
    }
    table_free(&t);
out:
    agg_result_free(&res);
    rconn_close(&r);
    return status;
}
