/* compare.c - the compare verb (see compare.h): read, fold, write. */
#include "compare.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aggread.h"
#include "html.h"
#include "ictwatch/common.h"
#include "keys.h"
#include "share.h"
#include "strmap.h"
#include "table.h"

static void list_free(struct share_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        free(l->v[i].key);
        free(l->v[i].label);
    }
    free(l->v);
    memset(l, 0, sizeof(*l));
}

/* Adds count to key in a list indexed by m. */
static int bump(struct strmap *m, struct share_list *l, const char *key, const char *label, int severity,
                uint64_t count)
{
    bool added;
    uint32_t i = strmap_intern(m, key, strlen(key), &added);
    if (i == UINT32_MAX)
        return -1;
    if (added) {
        if (l->n == l->cap) {
            size_t nc = l->cap ? l->cap * 2 : 32;
            struct share_count *nv = realloc(l->v, nc * sizeof(*nv));
            if (!nv)
                return -1;
            l->v = nv;
            l->cap = nc;
        }
        struct share_count *c = &l->v[l->n++];
        memset(c, 0, sizeof(*c));
        c->key = strdup(key);
        c->label = label ? strdup(label) : NULL;
        c->severity = severity;
        c->distinct = -1;
        if (!c->key)
            return -1;
    }
    l->v[i].count += count;
    return 0;
}

static int cmp_count(const void *pa, const void *pb)
{
    const struct share_count *a = pa, *b = pb;
    if (a->count != b->count)
        return a->count > b->count ? -1 : 1;
    return strcmp(a->key, b->key);
}

static void sort_list(struct share_list *l)
{
    if (l->n > 1)
        qsort(l->v, l->n, sizeof(*l->v), cmp_count);
}

/* Reads one country's stream into doc, keeping windows that start in [since, until]. */
static int read_country(struct rconn *r, const char *key, const char *cc, struct share_doc *doc, uint64_t since,
                        uint64_t until, const struct log_ctx *lg)
{
    char cursor[64] = "-";
    for (int round = 0; round < 100000; round++) {
        redisReply *x = rconn_cmdf(r, "XRANGE %s %s + COUNT 1000", key, cursor);
        if (!x)
            return -1;
        if (!rconn_is_array(x) || x->elements == 0) {
            freeReplyObject(x);
            return 0;
        }
        for (size_t i = 0; i < x->elements; i++) {
            redisReply *e = x->element[i];
            if (!rconn_is_array(e) || e->elements != 2 || !rconn_is_str(e->element[0]) || !rconn_is_array(e->element[1]))
                continue;
            snprintf(cursor, sizeof(cursor), "(%s", e->element[0]->str);
            redisReply *f = e->element[1];
            for (size_t k = 0; k + 1 < f->elements; k += 2) {
                if (!rconn_is_str(f->element[k]) || strcmp(f->element[k]->str, "doc") || !rconn_is_str(f->element[k + 1]))
                    continue;
                char err[256];
                size_t before = doc->n;
                char keep_cc[16];
                ictw_strlcpy(keep_cc, doc->country, sizeof(keep_cc));
                bool bad = false;
                if (sharedoc_parse(f->element[k + 1]->str, f->element[k + 1]->len, doc, err, sizeof(err))) {
                    log_warn(lg, "%s %s: skipped: %s", key, e->element[0]->str, err);
                    bad = true;
                } else if (strcmp(doc->country, cc) != 0) {
                    log_warn(lg, "%s %s: skipped: the document says country %s", key, e->element[0]->str,
                             doc->country);
                    bad = true;
                }
                /* drop what was added but does not belong */
                while (doc->n > before) {
                    struct share_window *w = &doc->w[doc->n - 1];
                    if (!bad && w->start >= since && w->start <= until)
                        break;
                    list_free(&w->categories);
                    list_free(&w->signatures);
                    list_free(&w->prefixes);
                    list_free(&w->sources);
                    doc->n--;
                }
                ictw_strlcpy(doc->country, keep_cc[0] ? keep_cc : cc, sizeof(doc->country));
            }
        }
        freeReplyObject(x);
    }
    return 0;
}

static int fold(struct compare_model *m, struct share_doc *docs, size_t nd, const struct config *cfg)
{
    struct strmap pfx, allcat;
    strmap_init(&pfx);
    strmap_init(&allcat);
    struct compare_prefix *all = NULL;
    size_t nall = 0, capall = 0;
    int rc = 0;
    uint64_t top = 10, minc = 2;
    char err[256];
    config_get_uint(cfg, "top", 10000, &top, err, sizeof(err));
    config_get_uint(cfg, "min-countries", 1000, &minc, err, sizeof(err));
    m->min_countries = (unsigned)(minc ? minc : 1);
    /* days covered */
    uint64_t lo = UINT64_MAX, hi = 0;
    for (size_t i = 0; i < nd; i++)
        for (size_t k = 0; k < docs[i].n; k++) {
            lo = ICTW_MIN(lo, docs[i].w[k].start / 86400);
            hi = ICTW_MAX(hi, docs[i].w[k].start / 86400);
        }
    m->first_day = lo == UINT64_MAX ? m->since / 86400 : lo;
    m->ndays = lo == UINT64_MAX ? 0 : hi - lo + 1;
    if (m->ndays > 3660)
        m->ndays = 3660;
    m->c = calloc(nd ? nd : 1, sizeof(*m->c));
    if (!m->c)
        return -1;
    m->nc = nd;
    for (size_t i = 0; i < nd && rc == 0; i++) {
        struct compare_country *c = &m->c[i];
        struct strmap cats, sigs;
        strmap_init(&cats);
        strmap_init(&sigs);
        ictw_strlcpy(c->cc, docs[i].country, sizeof(c->cc));
        ictw_strlcpy(c->producer, docs[i].producer, sizeof(c->producer));
        c->days = calloc(m->ndays ? m->ndays : 1, sizeof(*c->days));
        if (!c->days)
            rc = -1;
        m->level = tlp_max(m->level, docs[i].level);
        for (size_t k = 0; k < docs[i].n && rc == 0; k++) {
            const struct share_window *w = &docs[i].w[k];
            c->total += w->total;
            c->windows++;
            uint64_t day = w->start / 86400;
            if (day >= m->first_day && day - m->first_day < m->ndays)
                c->days[day - m->first_day] += w->total;
            for (size_t j = 0; j < w->categories.n && rc == 0; j++) {
                const struct share_count *x = &w->categories.v[j];
                const char *bar = strchr(x->key, '|');
                const char *name = bar ? bar + 1 : x->key;
                c->by_severity[x->severity >= 1 && x->severity <= 3 ? x->severity : 0] += x->count;
                rc = bump(&cats, &c->categories, name, NULL, 0, x->count) ||
                     bump(&allcat, &m->all_categories, name, NULL, 0, x->count);
            }
            for (size_t j = 0; j < w->signatures.n && rc == 0; j++)
                rc = bump(&sigs, &c->signatures, w->signatures.v[j].key, w->signatures.v[j].label,
                          w->signatures.v[j].severity, w->signatures.v[j].count);
            for (size_t j = 0; j < w->prefixes.n && rc == 0; j++) {
                bool added;
                const char *key = w->prefixes.v[j].key;
                uint32_t pi = strmap_intern(&pfx, key, strlen(key), &added);
                if (pi == UINT32_MAX) {
                    rc = -1;
                    break;
                }
                if (added) {
                    if (nall == capall) {
                        size_t ncap = capall ? capall * 2 : 256;
                        struct compare_prefix *np = realloc(all, ncap * sizeof(*np));
                        if (!np) {
                            rc = -1;
                            break;
                        }
                        all = np;
                        capall = ncap;
                    }
                    memset(&all[nall], 0, sizeof(all[nall]));
                    all[nall].prefix = strdup(key);
                    all[nall].counts = calloc(nd, sizeof(uint64_t));
                    nall++;
                    if (!all[pi].prefix || !all[pi].counts) {
                        rc = -1;
                        break;
                    }
                }
                if (all[pi].counts[i] == 0)
                    all[pi].ncountries++;
                all[pi].counts[i] += w->prefixes.v[j].count;
                all[pi].total += w->prefixes.v[j].count;
            }
        }
        sort_list(&c->categories);
        sort_list(&c->signatures);
        while (c->signatures.n > top) {
            c->signatures.n--;
            free(c->signatures.v[c->signatures.n].key);
            free(c->signatures.v[c->signatures.n].label);
        }
        strmap_free(&cats);
        strmap_free(&sigs);
    }
    sort_list(&m->all_categories);
    /* keep the prefixes shared by enough countries */
    for (size_t i = 0; i < nall; i++) {
        if (rc == 0 && all[i].ncountries >= m->min_countries) {
            m->p = m->p ? m->p : calloc(nall, sizeof(*m->p));
            if (!m->p) {
                rc = -1;
            } else {
                m->p[m->np++] = all[i];
                continue;
            }
        }
        free(all[i].prefix);
        free(all[i].counts);
    }
    free(all);
    for (size_t i = 1; i < m->np; i++) /* insertion sort: countries desc, total desc, prefix */
        for (size_t k = i; k > 0; k--) {
            struct compare_prefix *a = &m->p[k - 1], *b = &m->p[k];
            int swap = a->ncountries < b->ncountries ||
                       (a->ncountries == b->ncountries &&
                        (a->total < b->total || (a->total == b->total && strcmp(a->prefix, b->prefix) > 0)));
            if (!swap)
                break;
            struct compare_prefix t = *a;
            *a = *b;
            *b = t;
        }
    strmap_free(&pfx);
    strmap_free(&allcat);
    return rc;
}

static void model_free(struct compare_model *m)
{
    for (size_t i = 0; i < m->nc; i++) {
        list_free(&m->c[i].categories);
        list_free(&m->c[i].signatures);
        free(m->c[i].days);
    }
    free(m->c);
    for (size_t i = 0; i < m->np; i++) {
        free(m->p[i].prefix);
        free(m->p[i].counts);
    }
    free(m->p);
    list_free(&m->all_categories);
    memset(m, 0, sizeof(*m));
}

static void write_json(const struct compare_model *m, FILE *f)
{
    struct jsonw w;
    char t[32];
    jsonw_init(&w);
    jsonw_object_begin(&w);
    jsonw_key_str(&w, "tlp", tlp_name(m->level));
    sharedoc_time(m->since, t, sizeof(t));
    jsonw_key_str(&w, "since", t);
    sharedoc_time(m->until, t, sizeof(t));
    jsonw_key_str(&w, "until", t);
    jsonw_key(&w, "countries");
    jsonw_array_begin(&w);
    for (size_t i = 0; i < m->nc; i++) {
        const struct compare_country *c = &m->c[i];
        jsonw_object_begin(&w);
        jsonw_key_str(&w, "country", c->cc);
        jsonw_key_str(&w, "producer", c->producer);
        jsonw_key_uint(&w, "total", c->total);
        jsonw_key_uint(&w, "windows", c->windows);
        jsonw_key(&w, "by_severity");
        jsonw_object_begin(&w);
        jsonw_key_uint(&w, "1", c->by_severity[1]);
        jsonw_key_uint(&w, "2", c->by_severity[2]);
        jsonw_key_uint(&w, "3", c->by_severity[3]);
        jsonw_key_uint(&w, "other", c->by_severity[0]);
        jsonw_object_end(&w);
        jsonw_key(&w, "by_category");
        jsonw_array_begin(&w);
        for (size_t k = 0; k < c->categories.n; k++) {
            jsonw_object_begin(&w);
            jsonw_key_str(&w, "category", c->categories.v[k].key);
            jsonw_key_uint(&w, "count", c->categories.v[k].count);
            jsonw_object_end(&w);
        }
        jsonw_array_end(&w);
        jsonw_key(&w, "top_signatures");
        jsonw_array_begin(&w);
        for (size_t k = 0; k < c->signatures.n; k++) {
            jsonw_object_begin(&w);
            jsonw_key_str(&w, "signature", c->signatures.v[k].key);
            jsonw_key_str(&w, "msg", c->signatures.v[k].label ? c->signatures.v[k].label : "");
            jsonw_key_uint(&w, "count", c->signatures.v[k].count);
            jsonw_object_end(&w);
        }
        jsonw_array_end(&w);
        jsonw_key(&w, "trend");
        jsonw_array_begin(&w);
        for (uint64_t d = 0; d < m->ndays; d++) {
            jsonw_object_begin(&w);
            sharedoc_time((m->first_day + d) * 86400, t, sizeof(t));
            t[10] = '\0';
            jsonw_key_str(&w, "day", t);
            jsonw_key_uint(&w, "count", c->days[d]);
            jsonw_object_end(&w);
        }
        jsonw_array_end(&w);
        jsonw_object_end(&w);
    }
    jsonw_array_end(&w);
    jsonw_key_uint(&w, "min_countries", m->min_countries);
    jsonw_key(&w, "shared_prefixes");
    jsonw_array_begin(&w);
    for (size_t i = 0; i < m->np; i++) {
        jsonw_object_begin(&w);
        jsonw_key_str(&w, "prefix", m->p[i].prefix);
        jsonw_key_uint(&w, "total", m->p[i].total);
        jsonw_key(&w, "countries");
        jsonw_object_begin(&w);
        for (size_t k = 0; k < m->nc; k++)
            if (m->p[i].counts[k])
                jsonw_key_uint(&w, m->c[k].cc, m->p[i].counts[k]);
        jsonw_object_end(&w);
        jsonw_object_end(&w);
    }
    jsonw_array_end(&w);
    jsonw_object_end(&w);
    fwrite(w.buf, 1, w.len, f);
    fputc('\n', f);
    jsonw_free(&w);
}

static void write_tables(const struct compare_model *m, FILE *f)
{
    char a[32], b[32], num[8][32];
    sharedoc_time(m->since, a, sizeof(a));
    sharedoc_time(m->until, b, sizeof(b));
    fprintf(f, "%s -- %zu countries, windows starting from %s to %s\n\n", tlp_name(m->level), m->nc, a, b);
    struct table t;
    table_init(&t, 6);
    table_column(&t, 0, "country", false);
    table_column(&t, 1, "alerts", true);
    table_column(&t, 2, "sev 1", true);
    table_column(&t, 3, "sev 2", true);
    table_column(&t, 4, "sev 3", true);
    table_column(&t, 5, "top signature", false);
    for (size_t i = 0; i < m->nc; i++) {
        const struct compare_country *c = &m->c[i];
        snprintf(num[0], sizeof(num[0]), "%llu", (unsigned long long)c->total);
        for (int s = 1; s <= 3; s++)
            snprintf(num[s], sizeof(num[s]), "%llu", (unsigned long long)c->by_severity[s]);
        char top[300] = "";
        if (c->signatures.n)
            snprintf(top, sizeof(top), "%s %s (%llu)", c->signatures.v[0].key,
                     c->signatures.v[0].label ? c->signatures.v[0].label : "",
                     (unsigned long long)c->signatures.v[0].count);
        const char *cells[] = {c->cc, num[0], num[1], num[2], num[3], top};
        table_add_row(&t, cells);
    }
    table_write(&t, f, TABLE_TEXT);
    table_free(&t);

    fprintf(f, "\nalerts by category\n\n");
    table_init(&t, m->nc + 1);
    table_column(&t, 0, "category", false);
    for (size_t i = 0; i < m->nc; i++)
        table_column(&t, i + 1, m->c[i].cc, true);
    for (size_t k = 0; k < m->all_categories.n; k++) {
        const char **cells = calloc(m->nc + 1, sizeof(*cells));
        char (*n)[24] = calloc(m->nc + 1, sizeof(*n));
        if (!cells || !n) {
            free(cells);
            free(n);
            break;
        }
        cells[0] = m->all_categories.v[k].key[0] ? m->all_categories.v[k].key : "(none)";
        for (size_t i = 0; i < m->nc; i++) {
            uint64_t v = 0;
            for (size_t j = 0; j < m->c[i].categories.n; j++)
                if (!strcmp(m->c[i].categories.v[j].key, m->all_categories.v[k].key))
                    v = m->c[i].categories.v[j].count;
            snprintf(n[i], sizeof(n[i]), "%llu", (unsigned long long)v);
            cells[i + 1] = n[i];
        }
        table_add_row(&t, cells);
        free(cells);
        free(n);
    }
    table_write(&t, f, TABLE_TEXT);
    table_free(&t);

    fprintf(f, "\ntrend per day\n\n");
    table_init(&t, m->nc + 1);
    table_column(&t, 0, "day", false);
    for (size_t i = 0; i < m->nc; i++)
        table_column(&t, i + 1, m->c[i].cc, true);
    for (uint64_t d = 0; d < m->ndays; d++) {
        const char **cells = calloc(m->nc + 1, sizeof(*cells));
        char (*n)[24] = calloc(m->nc + 1, sizeof(*n));
        char day[32];
        if (!cells || !n) {
            free(cells);
            free(n);
            break;
        }
        sharedoc_time((m->first_day + d) * 86400, day, sizeof(day));
        day[10] = '\0';
        cells[0] = day;
        for (size_t i = 0; i < m->nc; i++) {
            snprintf(n[i], sizeof(n[i]), "%llu", (unsigned long long)m->c[i].days[d]);
            cells[i + 1] = n[i];
        }
        table_add_row(&t, cells);
        free(cells);
        free(n);
    }
    table_write(&t, f, TABLE_TEXT);
    table_free(&t);

    fprintf(f, "\nsource prefixes seen by %u or more countries (%zu)\n\n", m->min_countries, m->np);
    table_init(&t, 4);
    table_column(&t, 0, "prefix", false);
    table_column(&t, 1, "countries", true);
    table_column(&t, 2, "alerts", true);
    table_column(&t, 3, "per country", false);
    for (size_t i = 0; i < m->np; i++) {
        char per[512] = "", nc[16], tot[24];
        size_t len = 0;
        for (size_t k = 0; k < m->nc && len < sizeof(per) - 40; k++)
            if (m->p[i].counts[k])
                len += (size_t)snprintf(per + len, sizeof(per) - len, "%s%s %llu", len ? ", " : "", m->c[k].cc,
                                        (unsigned long long)m->p[i].counts[k]);
        snprintf(nc, sizeof(nc), "%u", m->p[i].ncountries);
        snprintf(tot, sizeof(tot), "%llu", (unsigned long long)m->p[i].total);
        const char *cells[] = {m->p[i].prefix, nc, tot, per};
        table_add_row(&t, cells);
    }
    table_write(&t, f, TABLE_TEXT);
    table_free(&t);
}

int compare_run(const struct coll_settings *s, const struct config *cfg, const struct log_ctx *lg)
{
    const char *from = config_get(cfg, "compare.from");
    const char *html = config_get(cfg, "html");
    const char *fmt = config_get(cfg, "format");
    enum table_format tf = TABLE_TEXT;
    if (!from) {
        log_error(lg, "compare needs --from redis://REGIONAL[:PORT]");
        return 2;
    }
    if (fmt && (table_parse_format(fmt, &tf) || tf == TABLE_CSV)) {
        log_error(lg, "--format %s: expected table or json", fmt);
        return 2;
    }
    struct compare_model m;
    memset(&m, 0, sizeof(m));
    uint64_t now = ictw_wallclock() / ICTW_USEC_PER_SEC;
    m.until = now;
    m.since = now > 7 * 86400 ? now - 7 * 86400 : 0;
    const char *since = config_get(cfg, "since"), *until = config_get(cfg, "until");
    if ((since && agg_parse_when(since, now, &m.since)) || (until && agg_parse_when(until, now, &m.until))) {
        log_error(lg, "--since/--until: expected all, a duration (7d) or a time (2025-03-14T00:00:00Z)");
        return 2;
    }
    struct rconn r;
    char *password = NULL;
    memset(&r, 0, sizeof(r));
    struct share_doc *docs = NULL;
    size_t nd = 0;
    int status = 1;
    if (share_open_regional(&r, from, cfg, s, &password, lg))
        goto out;
    char cursor[32] = "0";
    do {
        redisReply *x = rconn_cmdf(&r, "SCAN %s MATCH %s COUNT 1000 TYPE stream", cursor, "ictwatch:share:{*}");
        if (!rconn_is_array(x) || x->elements != 2 || !rconn_is_array(x->element[1])) {
            log_error(lg, "regional Redis: %s", rconn_errstr(&r, x));
            if (x)
                freeReplyObject(x);
            goto out;
        }
        ictw_strlcpy(cursor, rconn_is_str(x->element[0]) ? x->element[0]->str : "0", sizeof(cursor));
        for (size_t i = 0; i < x->element[1]->elements; i++) {
            redisReply *k = x->element[1]->element[i];
            const char *pre = "ictwatch:share:{";
            size_t pl = strlen(pre);
            if (!rconn_is_str(k) || k->len <= pl + 1 || k->len > pl + 16 || strncmp(k->str, pre, pl) ||
                k->str[k->len - 1] != '}')
                continue;
            char cc[16];
            snprintf(cc, sizeof(cc), "%.*s", (int)(k->len - pl - 1), k->str + pl);
            struct share_doc *nd2 = realloc(docs, (nd + 1) * sizeof(*docs));
            if (!nd2) {
                freeReplyObject(x);
                goto out;
            }
            docs = nd2;
            sharedoc_init(&docs[nd]);
            ictw_strlcpy(docs[nd].country, cc, sizeof(docs[nd].country));
            if (read_country(&r, k->str, cc, &docs[nd], m.since, m.until, lg)) {
                nd++;
                freeReplyObject(x);
                log_error(lg, "regional Redis: %s", r.err);
                goto out;
            }
            if (docs[nd].n == 0) /* nothing valid in the period */
                sharedoc_free(&docs[nd]);
            else
                nd++;
        }
        freeReplyObject(x);
    } while (strcmp(cursor, "0") != 0);
    for (size_t i = 1; i < nd; i++) /* countries in code order */
        for (size_t k = i; k > 0 && strcmp(docs[k - 1].country, docs[k].country) > 0; k--) {
            struct share_doc t = docs[k - 1];
            docs[k - 1] = docs[k];
            docs[k] = t;
        }
    if (fold(&m, docs, nd, cfg)) {
        log_error(lg, "out of memory");
        goto out;
    }
    if (tf == TABLE_JSON)
        write_json(&m, stdout);
    else
        write_tables(&m, stdout);
    if (html) {
        char err[512];
        if (html_write_compare(&m, html, err, sizeof(err))) {
            log_error(lg, "%s", err);
            goto out;
        }
        fprintf(tf == TABLE_JSON ? stderr : stdout, "\nHTML report: %s\n", html);
    }
    status = 0;
out:
    for (size_t i = 0; i < nd; i++)
        sharedoc_free(&docs[i]);
    free(docs);
    model_free(&m);
    rconn_close(&r);
    free(password);
    return status;
}
