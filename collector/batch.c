/* batch.c - validation and pre-aggregation of one stream's batch (see batch.h).
 *
 * Layout of the arguments built here (read by the script in apply.c):
 *
 *   KEYS: stream, dead-letter stream, counters hash
 *   ARGV: group consumer sensor lateness_us ts_max_us min_id max_id
 *         n_ids id...
 *         n_dead (id reason detail size data)...
 *         n_sigs (sig msg)...
 *         n_valid n_ignored n_lost top_keep dead_maxlen
 *         n_reasons (reason count)...
 *         n_buckets, per bucket:
 *           window size ttl start mirror
 *           (when mirror is 0:)
 *           n_once tuple...              (tuples counted once)
 *           n_tuples (tuple count)...
 *           n_top_sets (level:sig n_sources (source count)...)...
 *           n_grains (grain first_us last_us n_src src... n_dst dst...)...
 *
 * mirror N > 0: the bucket's tuples, tops and grains are those of bucket N (1-based),
 * which then holds every valid alert of the batch, as this one does.
 *
 * A window that keeps counts only (windows = 1m:2d:counts) gets tuples with empty
 * prefix fields, no top sources and no HyperLogLog members; first/last per grain
 * are kept for every window.
 */
#include "batch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "rconn.h"

void batch_init(struct batch *b, const struct coll_settings *set)
{
    memset(b, 0, sizeof(*b));
    b->set = set;
    strmap_init(&b->buckets);
    strmap_init(&b->texts);
    strmap_init(&b->tuples);
    strmap_init(&b->topsets);
    strmap_init(&b->tops);
    strmap_init(&b->grain_texts);
    strmap_init(&b->grains);
    strmap_init(&b->members);
    strmap_init(&b->sigs);
}

void batch_free(struct batch *b)
{
    strmap_free(&b->buckets);
    strmap_free(&b->texts);
    strmap_free(&b->tuples);
    strmap_free(&b->topsets);
    strmap_free(&b->tops);
    strmap_free(&b->grain_texts);
    strmap_free(&b->grains);
    strmap_free(&b->members);
    strmap_free(&b->sigs);
    free(b->ids);
    free(b->id_lens);
    free(b->dead);
    free(b->tuple_count);
    free(b->grain_first);
    free(b->grain_last);
    free(b->top_count);
    free(b->sig_msg_off);
    free(b->text);
    free(b->argv);
    free(b->argl);
    free(b->arg_off);
    memset(b, 0, sizeof(*b));
}

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t nc = *cap ? *cap : 256;
    while (nc < need)
        nc *= 2;
    void *np = realloc(*p, nc * elem);
    if (!np)
        return false;
    *p = np;
    *cap = nc;
    return true;
}

/* Copies bytes into the text arena; returns the offset (SIZE_MAX on out of memory). */
static size_t text_add(struct batch *b, const char *s, size_t n)
{
    if (!grow((void **)&b->text, &b->tcap, b->tlen + n + 1, 1)) {
        b->oom = true;
        return SIZE_MAX;
    }
    size_t off = b->tlen;
    memcpy(b->text + off, s, n);
    b->text[off + n] = '\0';
    b->tlen += n + 1;
    return off;
}

static size_t text_u64(struct batch *b, uint64_t v)
{
    char t[24];
    return text_add(b, t, (size_t)(ictw_put_dec(t, v) - t));
}

void batch_begin(struct batch *b, const char *sensor, const char *country, const char *organisation,
                 enum tlp_level sensor_tlp, uint64_t now_usec)
{
    b->sensor_tlp = sensor_tlp;
    ictw_strlcpy(b->sensor, sensor, sizeof(b->sensor));
    b->lim.max_entry = b->set->max_entry;
    b->lim.min_time = b->set->min_time * ICTW_USEC_PER_SEC;
    b->lim.max_time = now_usec + b->set->max_future * ICTW_USEC_PER_SEC;
    size_t p = 0;
    /* Country and organisation come from a heartbeat (hostile): bounded before escaping. */
    keys_escape_append(b->tuple_head, sizeof(b->tuple_head), &p, sensor, strlen(sensor));
    b->tuple_head[p++] = '|';
    keys_escape_append(b->tuple_head, sizeof(b->tuple_head), &p, country, ICTW_MIN(strlen(country), 64));
    b->tuple_head[p++] = '|';
    keys_escape_append(b->tuple_head, sizeof(b->tuple_head), &p, organisation,
                       ICTW_MIN(strlen(organisation), 128));
    b->tuple_head[p++] = '|';
    b->tuple_head[p] = '\0';
    b->tuple_head_len = p;
    b->any_counts_only = false;
    for (unsigned w = 0; w < b->set->nwindows; w++)
        b->any_counts_only = b->any_counts_only || !b->set->windows[w].detail;

    b->nids = 0;
    b->min_id = b->max_id = NULL;
    b->ndead = 0;
    b->n_valid = b->n_ignored = b->n_lost = 0;
    memset(b->dead_by_reason, 0, sizeof(b->dead_by_reason));
    b->ts_max = 0;
    strmap_clear(&b->buckets);
    strmap_clear(&b->texts);
    strmap_clear(&b->tuples);
    strmap_clear(&b->topsets);
    strmap_clear(&b->tops);
    strmap_clear(&b->grain_texts);
    strmap_clear(&b->grains);
    strmap_clear(&b->members);
    strmap_clear(&b->sigs);
    b->tlen = 0;
    b->argc = 0;
    b->oom = false;
}

static void note_id(struct batch *b, const char *id, size_t id_len)
{
    if (b->nids == b->ids_cap) {
        size_t nc = b->ids_cap ? b->ids_cap * 2 : 1024;
        const char **ni = realloc(b->ids, nc * sizeof(*ni));
        if (ni)
            b->ids = ni;
        size_t *nl = ni ? realloc(b->id_lens, nc * sizeof(*nl)) : NULL;
        if (nl)
            b->id_lens = nl;
        if (!ni || !nl) {
            b->oom = true;
            return;
        }
        b->ids_cap = nc;
    }
    b->ids[b->nids] = id;
    b->id_lens[b->nids] = id_len;
    b->nids++;
    struct rconn_sid s;
    char tmp[64];
    if (id_len >= sizeof(tmp))
        return;
    memcpy(tmp, id, id_len);
    tmp[id_len] = '\0';
    if (rconn_parse_sid(tmp, &s))
        return;
    if (!b->min_id || rconn_sid_cmp(s, b->min_sid) < 0) {
        b->min_id = id;
        b->min_id_len = id_len;
        b->min_sid = s;
    }
    if (!b->max_id || rconn_sid_cmp(s, b->max_sid) > 0) {
        b->max_id = id;
        b->max_id_len = id_len;
        b->max_sid = s;
    }
}

void batch_add_lost(struct batch *b, const char *id, size_t id_len)
{
    note_id(b, id, id_len);
    b->n_lost++;
}

static void add_dead(struct batch *b, const char *id, size_t id_len, enum validate_result r,
                     const char *detail, const char *data, size_t len)
{
    if (!grow((void **)&b->dead, &b->dead_cap, b->ndead + 1, sizeof(*b->dead))) {
        b->oom = true;
        return;
    }
    struct batch_dead *d = &b->dead[b->ndead++];
    d->id = id;
    d->id_len = id_len;
    d->reason = r;
    d->detail_off = text_add(b, detail, strlen(detail));
    d->data = data;
    d->orig_len = data ? len : 0;
    d->data_len = data ? ICTW_MIN(len, b->set->dead_data_max) : 0;
    b->dead_by_reason[r]++;
}

static bool ensure_tuple(struct batch *b, uint32_t i)
{
    return grow((void **)&b->tuple_count, &b->tuple_cap, i + 1, sizeof(uint64_t));
}

static bool ensure_grain(struct batch *b, uint32_t i)
{
    size_t c1 = b->grain_cap, c2 = b->grain_cap;
    if (!grow((void **)&b->grain_first, &c1, i + 1, sizeof(uint64_t)) ||
        !grow((void **)&b->grain_last, &c2, i + 1, sizeof(uint64_t)))
        return false;
    b->grain_cap = c1;
    return true;
}

/* Decimal text of v at p; returns its length. */
static size_t put_u32(char *p, uint32_t v)
{
    return (size_t)(ictw_put_dec(p, v) - p);
}

/* "198.51.100.0/24" at p; returns its length. */
static size_t put_prefix(char *p, const struct ictw_addr *a, unsigned v4, unsigned v6)
{
    struct ictw_addr m = *a;
    unsigned bits = a->family == 4 ? v4 : v6;
    ictw_addr_mask(&m, bits);
    size_t n = keys_addr_text(&m, p);
    p[n++] = '/';
    return n + put_u32(p + n, bits);
}

static uint32_t intern_with_bucket(struct batch *b, struct strmap *m, uint32_t bucket, const void *s,
                                   size_t n, bool *added)
{
    char key[4096];
    if (n + 4 > sizeof(key))
        return UINT32_MAX;
    memcpy(key, &bucket, 4);
    memcpy(key + 4, s, n);
    uint32_t i = strmap_intern(m, key, n + 4, added);
    if (i == UINT32_MAX)
        b->oom = true;
    return i;
}

static void aggregate(struct batch *b, const struct eve_alert *a)
{
    char tuple[4096], sig[40], src[ICTW_ADDR_STRLEN], dst[ICTW_ADDR_STRLEN];
    /* Everything below is bounded (escaped fields at most 3x their checked maximum),
     * far below the buffer's size. */
    size_t sl = put_u32(sig, a->gid);
    sig[sl++] = ':';
    sl += put_u32(sig + sl, a->sid);
    sig[sl++] = ':';
    sl += put_u32(sig + sl, a->rev);
    memcpy(tuple, b->tuple_head, b->tuple_head_len);
    size_t p = b->tuple_head_len;
    memcpy(tuple + p, sig, sl);
    p += sl;
    tuple[p++] = '|';
    p += put_u32(tuple + p, a->severity);
    tuple[p++] = '|';
    keys_escape_append(tuple, sizeof(tuple), &p, a->category, a->category_len);
    enum tlp_level level = tlp_max(b->sensor_tlp, settings_signature_tlp(b->set, a->gid, a->sid));
    enum tlp_level rule_level;
    char rl[32], msg[128];
    if (a->tlp_len && a->tlp_len < sizeof(rl)) {
        memcpy(rl, a->tlp, a->tlp_len);
        rl[a->tlp_len] = '\0';
        if (tlp_parse(rl, &rule_level, msg, sizeof(msg)) >= 0)
            level = tlp_max(level, rule_level);
    }
    const char *lv = tlp_value(level);
    size_t lvl = strlen(lv);
    tuple[p++] = '|';
    memcpy(tuple + p, lv, lvl);
    p += lvl;
    size_t grain_len = p;
    tuple[p++] = '|';
    keys_escape_append(tuple, sizeof(tuple), &p, a->app_proto, a->app_proto_len);
    tuple[p++] = '|';
    keys_escape_append(tuple, sizeof(tuple), &p, a->proto, a->proto_len);
    tuple[p++] = '|';
    if (a->dest_port >= 0)
        p += put_u32(tuple + p, (uint32_t)a->dest_port);
    /* The counts-only form ends here with two empty prefix fields. */
    char core[4096];
    size_t core_len = p;
    memcpy(core, tuple, p);
    memcpy(core + p, "||", 3);
    core_len += 2;
    tuple[p++] = '|';
    p += put_prefix(tuple + p, &a->src, b->set->prefix_v4, b->set->prefix_v6);
    tuple[p++] = '|';
    p += put_prefix(tuple + p, &a->dst, b->set->prefix_v4, b->set->prefix_v6);
    tuple[p] = '\0';
    size_t srcl = keys_addr_text(&a->src, src), dstl = keys_addr_text(&a->dst, dst);
    /* top sources per TLP level, so that sources can be released exactly like the tuples */
    char topset[64];
    size_t tl = 0;
    memcpy(topset, lv, lvl);
    tl += lvl;
    topset[tl++] = ':';
    memcpy(topset + tl, sig, sl);
    tl += sl;

    bool added;
    uint32_t si = strmap_intern(&b->sigs, sig, sl, &added);
    if (si == UINT32_MAX) {
        b->oom = true;
        return;
    }
    if (added) {
        if (!grow((void **)&b->sig_msg_off, &b->sig_cap, si + 1, sizeof(size_t))) {
            b->oom = true;
            return;
        }
        b->sig_msg_off[si] = text_add(b, a->msg, a->msg_len);
    }

    /* The long texts are interned once per alert; per window only (bucket, text id). */
    uint32_t full_id = strmap_intern(&b->texts, tuple, p, &added);
    uint32_t core_id = b->any_counts_only ? strmap_intern(&b->texts, core, core_len, &added) : 0;
    uint32_t grain_id = strmap_intern(&b->grain_texts, tuple, grain_len, &added);
    if (full_id == UINT32_MAX || core_id == UINT32_MAX || grain_id == UINT32_MAX) {
        b->oom = true;
        return;
    }

    uint64_t ts_sec = a->ts / ICTW_USEC_PER_SEC;
    for (unsigned w = 0; w < b->set->nwindows; w++) {
        uint64_t size = b->set->windows[w].size;
        uint64_t start = ts_sec / size * size;
        char bk[12];
        bk[0] = (char)w;
        memcpy(bk + 1, &start, 8);
        uint32_t bi = strmap_intern(&b->buckets, bk, 9, &added);
        bool detail = b->set->windows[w].detail;
        uint32_t text = detail ? full_id : core_id;
        uint32_t ti = intern_with_bucket(b, &b->tuples, bi, &text, 4, &added);
        if (bi == UINT32_MAX || ti == UINT32_MAX || !ensure_tuple(b, ti)) {
            b->oom = true;
            return;
        }
        if (added)
            b->tuple_count[ti] = 0;
        b->tuple_count[ti]++;

        uint32_t gi = intern_with_bucket(b, &b->grains, bi, &grain_id, 4, &added);
        if (gi == UINT32_MAX || !ensure_grain(b, gi))
            return;
        if (added) {
            b->grain_first[gi] = a->ts;
            b->grain_last[gi] = a->ts;
        }
        b->grain_first[gi] = ICTW_MIN(b->grain_first[gi], a->ts);
        b->grain_last[gi] = ICTW_MAX(b->grain_last[gi], a->ts);
        if (!detail)
            continue;

        uint32_t ts = intern_with_bucket(b, &b->topsets, bi, topset, tl, &added);
        uint32_t oi = ts == UINT32_MAX ? ts : intern_with_bucket(b, &b->tops, ts, src, srcl, &added);
        if (oi == UINT32_MAX)
            return;
        if (oi >= b->top_cap && !grow((void **)&b->top_count, &b->top_cap, oi + 1, sizeof(uint64_t))) {
            b->oom = true;
            return;
        }
        if (added)
            b->top_count[oi] = 0;
        b->top_count[oi]++;

        char mk[4 + 1 + ICTW_ADDR_STRLEN];
        memcpy(mk, &gi, 4);
        mk[4] = 's';
        memcpy(mk + 5, src, srcl);
        strmap_intern(&b->members, mk, 5 + srcl, &added);
        mk[4] = 'd';
        memcpy(mk + 5, dst, dstl);
        if (strmap_intern(&b->members, mk, 5 + dstl, &added) == UINT32_MAX)
            b->oom = true;
    }
    b->n_valid++;
    b->ts_max = ICTW_MAX(b->ts_max, a->ts);
}

void batch_add(struct batch *b, const char *id, size_t id_len, const char *data, size_t len)
{
    note_id(b, id, id_len);
    struct eve_alert a;
    char detail[256];
    enum validate_result r = validate_entry(data, len, &b->lim, &a, detail, sizeof(detail));
    if (r == VALID_ALERT) {
        aggregate(b, &a);
        validate_release(&a);
    } else if (r == VALID_IGNORED) {
        b->n_ignored++;
    } else {
        add_dead(b, id, id_len, r, detail, data, len);
    }
}

/* --- argument building --- */

static void arg_ptr(struct batch *b, const char *s, size_t n)
{
    if (b->argc == b->arg_cap) {
        size_t nc = b->arg_cap ? b->arg_cap * 2 : 4096;
        const char **nv = realloc(b->argv, nc * sizeof(*nv));
        if (nv)
            b->argv = nv;
        size_t *nl = nv ? realloc(b->argl, nc * sizeof(*nl)) : NULL;
        if (nl)
            b->argl = nl;
        size_t *no = nl ? realloc(b->arg_off, nc * sizeof(*no)) : NULL;
        if (no)
            b->arg_off = no;
        if (!no) {
            b->oom = true;
            return;
        }
        b->arg_cap = nc;
    }
    b->argv[b->argc] = s;
    b->argl[b->argc] = n;
    b->arg_off[b->argc] = SIZE_MAX;
    b->argc++;
}

static void arg_text(struct batch *b, size_t off)
{
    if (off == SIZE_MAX) {
        b->oom = true;
        return;
    }
    arg_ptr(b, NULL, strlen(b->text + off));
    if (!b->oom)
        b->arg_off[b->argc - 1] = off;
}

static void arg_u64(struct batch *b, uint64_t v)
{
    arg_text(b, text_u64(b, v));
}

static void arg_str(struct batch *b, const char *s)
{
    arg_text(b, text_add(b, s, strlen(s)));
}

/* Orders the indices 0..n-1 of a strmap by the bucket index in their first 4 key bytes. */
static uint32_t *order_by_bucket(const struct strmap *m, size_t nbuckets, size_t **starts)
{
    uint32_t *ord = malloc((m->n ? m->n : 1) * sizeof(*ord));
    size_t *st = calloc(nbuckets + 1, sizeof(*st));
    if (!ord || !st) {
        free(ord);
        free(st);
        return NULL;
    }
    for (uint32_t i = 0; i < m->n; i++) {
        uint32_t bk;
        memcpy(&bk, strmap_key(m, i, NULL), 4);
        st[bk + 1]++;
    }
    for (size_t k = 0; k < nbuckets; k++)
        st[k + 1] += st[k];
    size_t *fill = malloc((nbuckets + 1) * sizeof(*fill));
    if (!fill) {
        free(ord);
        free(st);
        return NULL;
    }
    memcpy(fill, st, (nbuckets + 1) * sizeof(*fill));
    for (uint32_t i = 0; i < m->n; i++) {
        uint32_t bk;
        memcpy(&bk, strmap_key(m, i, NULL), 4);
        ord[fill[bk]++] = i;
    }
    free(fill);
    *starts = st;
    return ord;
}

static void args_bucket(struct batch *b, uint32_t bi, uint32_t mirror, const uint32_t *tord, const size_t *tst,
                        const uint32_t *tsord, const size_t *tsst, const uint32_t *oord, const size_t *ost, const uint32_t *gord, const size_t *gst,
                        const uint32_t *mord, const size_t *mst)
{
    size_t kl;
    const char *bk = strmap_key(&b->buckets, bi, &kl);
    uint64_t start;
    memcpy(&start, bk + 1, 8);
    const struct coll_window *w = &b->set->windows[(unsigned char)bk[0]];
    arg_str(b, w->name);
    arg_u64(b, w->size);
    arg_u64(b, w->ttl);
    arg_u64(b, start);
    arg_u64(b, mirror);
    if (mirror)
        return;

    /* tuples seen once in the batch (most of a port scan's), then the others with counts */
    for (int once = 1; once >= 0; once--) {
        size_t n = 0;
        for (size_t k = tst[bi]; k < tst[bi + 1]; k++)
            n += (b->tuple_count[tord[k]] == 1) == once;
        arg_u64(b, n);
        for (size_t k = tst[bi]; k < tst[bi + 1]; k++) {
            uint32_t i = tord[k];
            if ((b->tuple_count[i] == 1) != once)
                continue;
            uint32_t text;
            memcpy(&text, strmap_key(&b->tuples, i, NULL) + 4, 4);
            const char *t = strmap_key(&b->texts, text, &kl);
            arg_ptr(b, t, kl);
            if (!once)
                arg_u64(b, b->tuple_count[i]);
        }
    }
    /* top sources, per sorted set (level:gid:sid:rev) */
    arg_u64(b, tsst[bi + 1] - tsst[bi]);
    for (size_t k = tsst[bi]; k < tsst[bi + 1]; k++) {
        uint32_t ts = tsord[k];
        const char *t = strmap_key(&b->topsets, ts, &kl);
        arg_ptr(b, t + 4, kl - 4);
        arg_u64(b, ost[ts + 1] - ost[ts]);
        for (size_t j = ost[ts]; j < ost[ts + 1]; j++) {
            size_t ml;
            const char *m = strmap_key(&b->tops, oord[j], &ml);
            arg_ptr(b, m + 4, ml - 4);
            arg_u64(b, b->top_count[oord[j]]);
        }
    }
    arg_u64(b, gst[bi + 1] - gst[bi]);
    for (size_t k = gst[bi]; k < gst[bi + 1]; k++) {
        uint32_t g = gord[k];
        uint32_t text;
        memcpy(&text, strmap_key(&b->grains, g, NULL) + 4, 4);
        const char *t = strmap_key(&b->grain_texts, text, &kl);
        arg_ptr(b, t, kl);
        arg_u64(b, b->grain_first[g]);
        arg_u64(b, b->grain_last[g]);
        /* members of grain g: sources then destinations */
        for (int pass = 0; pass < 2; pass++) {
            char kind = pass ? 'd' : 's';
            size_t n = 0;
            for (size_t j = mst[g]; j < mst[g + 1]; j++)
                n += strmap_key(&b->members, mord[j], NULL)[4] == kind;
            arg_u64(b, n);
            for (size_t j = mst[g]; j < mst[g + 1]; j++) {
                size_t ml;
                const char *m = strmap_key(&b->members, mord[j], &ml);
                if (m[4] == kind)
                    arg_ptr(b, m + 5, ml - 5);
            }
        }
    }
}

int batch_build_args(struct batch *b, const char *group, const char *consumer, const char ***argv,
                     const size_t **lens)
{
    char key[256];
    b->argc = 0;
    arg_str(b, keys_stream(b->sensor, key, sizeof(key)));
    arg_str(b, keys_dead(b->sensor, key, sizeof(key)));
    arg_str(b, keys_counters(b->sensor, key, sizeof(key)));
    arg_str(b, group);
    arg_str(b, consumer);
    arg_str(b, b->sensor);
    arg_u64(b, b->set->lateness * ICTW_USEC_PER_SEC);
    arg_u64(b, b->ts_max);
    arg_ptr(b, b->min_id ? b->min_id : "-", b->min_id ? b->min_id_len : 1);
    arg_ptr(b, b->max_id ? b->max_id : "+", b->max_id ? b->max_id_len : 1);
    arg_u64(b, b->nids);
    for (size_t i = 0; i < b->nids; i++)
        arg_ptr(b, b->ids[i], b->id_lens[i]);

    arg_u64(b, b->ndead);
    for (size_t i = 0; i < b->ndead; i++) {
        const struct batch_dead *d = &b->dead[i];
        arg_ptr(b, d->id, d->id_len);
        arg_str(b, validate_reason_name(d->reason));
        arg_text(b, d->detail_off);
        arg_u64(b, d->orig_len);
        arg_ptr(b, d->data ? d->data : "", d->data_len);
    }
    arg_u64(b, b->sigs.n);
    for (uint32_t i = 0; i < b->sigs.n; i++) {
        size_t kl;
        const char *s = strmap_key(&b->sigs, i, &kl);
        arg_ptr(b, s, kl);
        arg_text(b, b->sig_msg_off[i]);
    }
    arg_u64(b, b->n_valid);
    arg_u64(b, b->n_ignored);
    arg_u64(b, b->n_lost);
    arg_u64(b, b->set->top_keep);
    arg_u64(b, b->set->dead_maxlen);
    size_t nreasons = 0;
    for (int r = 0; r < VALIDATE_RESULT_COUNT; r++)
        nreasons += b->dead_by_reason[r] != 0;
    arg_u64(b, nreasons);
    for (int r = 0; r < VALIDATE_RESULT_COUNT; r++) {
        if (b->dead_by_reason[r]) {
            arg_str(b, validate_reason_name((enum validate_result)r));
            arg_u64(b, b->dead_by_reason[r]);
        }
    }

    size_t nb = b->buckets.n;
    arg_u64(b, nb);
    size_t *tst = NULL, *tsst = NULL, *ost = NULL, *gst = NULL, *mst = NULL;
    uint32_t *tord = order_by_bucket(&b->tuples, nb, &tst);
    uint32_t *tsord = order_by_bucket(&b->topsets, nb, &tsst);
    /* top sources carry their set's index, members their grain's, instead of a bucket index */
    uint32_t *oord = order_by_bucket(&b->tops, b->topsets.n, &ost);
    uint32_t *gord = order_by_bucket(&b->grains, nb, &gst);
    uint32_t *mord = order_by_bucket(&b->members, b->grains.n, &mst);
    if (!tord || !tsord || !oord || !gord || !mord)
        b->oom = true;
    /* A full window with a single bucket in this batch holds every valid alert of it;
     * so does the next such window, with the same tuples, grains, sources and
     * counts in the same order (the day and the hour of a batch of seconds): the
     * second one names the first instead of repeating a third of the arguments. */
    unsigned per_window[COLL_MAX_WINDOWS] = {0};
    for (uint32_t bi = 0; bi < nb; bi++)
        per_window[(unsigned char)strmap_key(&b->buckets, bi, NULL)[0]]++;
    uint32_t first_single = UINT32_MAX;
    for (uint32_t bi = 0; bi < nb && !b->oom; bi++) {
        unsigned w = (unsigned char)strmap_key(&b->buckets, bi, NULL)[0];
        uint32_t mirror = 0;
        if (per_window[w] == 1 && b->set->windows[w].detail) {
            if (first_single == UINT32_MAX)
                first_single = bi;
            else
                mirror = first_single + 1;
        }
        args_bucket(b, bi, mirror, tord, tst, tsord, tsst, oord, ost, gord, gst, mord, mst);
    }
    free(tord);
    free(tsord);
    free(oord);
    free(gord);
    free(mord);
    free(tst);
    free(tsst);
    free(ost);
    free(gst);
    free(mst);
    if (b->oom)
        return -1;
    /* Text-arena arguments become pointers now that the arena no longer moves. */
    for (size_t i = 0; i < b->argc; i++)
        if (b->arg_off[i] != SIZE_MAX)
            b->argv[i] = b->text + b->arg_off[i];
    *argv = b->argv;
    *lens = b->argl;
    return (int)b->argc;
}
