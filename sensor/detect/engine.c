/* engine.c - grouping the loaded rules and evaluating them on packets and flows.
 *
 * Build (once per load):
 *  - Rules are put in evaluation order: pass rules first (a matching pass
 *    rule stops evaluation and silences the flow), then rules that set
 *    flowbits, rules that set and read them, rules that read them, others;
 *    file order within each class. A rule's index is its place in that order.
 *  - Packet rules (and IP-only rules) are grouped by protocol class (tcp,
 *    udp, icmp, other), by direction (to_server/to_client, from flow: or
 *    the buffers used) and by port: rules on any port, rules by destination
 *    port, and rules with any destination port but a given source port. A
 *    sweep over the port ranges gives one group per distinct set of rules;
 *    identical groups are shared. A packet looks at three groups at most.
 *  - Each group has one multi-pattern prefilter over the fast patterns of
 *    its payload rules (mpm.c: an Aho-Corasick DFA, or a 4-gram filter for
 *    large sets); only rules whose pattern occurs (or that have no pattern)
 *    are evaluated.
 *  - Rules on app-layer buffers (dns.query, tls.sni, http.*, ja3) are grouped
 *    per buffer, with an automaton per buffer; rules on nDPI results only
 *    (ndpi-protocol, ndpi-risk, app-layer-protocol, an app protocol in the
 *    header) are indexed by the nDPI protocol they need.
 *
 * Evaluation:
 *  - detect_packet(): IP-only rules on the first packet of each direction;
 *    packet rules of the packet's groups; app-layer rules for each field of
 *    flow->app that became known since the last packet; nDPI rules when the
 *    classification or the risks changed; rules left pending (see below).
 *    What changed is read from the flow itself (flow->app->known, flow->dpi)
 *    against what this flow's state recorded, so the DPI_EV_* bits are only
 *    a hint and a reload mid-flow loses nothing.
 *  - App-layer and nDPI rules fire at most once per flow, or once per value
 *    of their field when it changes (each DNS query). When their flow
 *    part (buffers, nDPI results) matches but their packet part does not
 *    (header addresses/ports, direction, flags...), they stay pending and
 *    are tried on the following packets, so a rule "$HOME_NET -> any" sees
 *    the first packet of the right direction after nDPI classified the flow.
 *  - detect_flow_end(): the same for fields that became known at giveup,
 *    without a packet (the flow's orientation stands in for it).
 *  - Encrypted flows (TLS, QUIC, DTLS and TLS-wrapped mail) are not content
 *    inspected once their encrypted records start, like Suricata's default
 *    encryption-handling; detect.encryption-handling = full inspects them.
 *  - Candidates are collected in a bitmap + list sized at load: nothing is
 *    allocated per packet (per-flow state is allocated once per flow).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "engine.h"

#include <pcre2.h>
#include <stdlib.h>
#include <string.h>

#define INSPECT_BUDGET 3000
#define PCRE_MATCH_LIMIT 3500
#define PCRE_DEPTH_LIMIT 1500

/* ------------------------------------------------------------ id lists */

struct idlist {
    uint32_t *v;
    uint32_t n, cap;
};

static int idl_push(struct idlist *l, uint32_t x)
{
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 16;
        uint32_t *nv = realloc(l->v, cap * sizeof(*nv));
        if (!nv)
            return -1;
        l->v = nv;
        l->cap = cap;
    }
    l->v[l->n++] = x;
    return 0;
}

static void idl_free(struct idlist *l)
{
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static uint32_t *copy_ids(const uint32_t *v, uint32_t n)
{
    uint32_t *c = malloc((n ? n : 1) * sizeof(*c));
    if (c && n)
        memcpy(c, v, n * sizeof(*c));
    return c;
}

/* ------------------------------------------------------------ ordering */

static int fb_class(const struct rule *r)
{
    bool set = r->flags & RF_FB_SET, read = r->flags & RF_FB_READ;
    if (set && !read)
        return 0;
    if (set && read)
        return 1;
    if (read)
        return 2;
    return 3;
}

static int rule_order_cmp(const void *a, const void *b)
{
    const struct rule *x = *(const struct rule *const *)a, *y = *(const struct rule *const *)b;
    int px = x->action == ACT_PASS ? 0 : 1, py = y->action == ACT_PASS ? 0 : 1;
    if (px != py)
        return px - py;
    int fx = fb_class(x), fy = fb_class(y);
    if (fx != fy)
        return fx - fy;
    return x->file_order < y->file_order ? -1 : x->file_order > y->file_order;
}

/* ------------------------------------------------------------ groups */

static const uint8_t *fp_bytes(const struct content *c, uint32_t *len)
{
    if (c->flags & CT_FP_CHUNK) {
        *len = c->fp_len;
        return c->pat + c->fp_off;
    }
    *len = c->len;
    return c->pat;
}

/* Which plain list a rule without payload keywords goes to (PLAIN_BY_FLAG = none). */
static int plain_bucket(const struct rule *r)
{
    if (r->tcp_need & TCP_SYN)
        return PLAIN_SYN;
    if (r->tcp_need & TCP_FIN)
        return PLAIN_FIN;
    if (r->tcp_need & TCP_RST)
        return PLAIN_RST;
    if (r->tcp_none && r->h.pclass == PCLS_TCP)
        return PLAIN_NOFLAGS;
    return PLAIN_BY_FLAG;
}

static uint64_t list_hash(const uint32_t *v, uint32_t n, int mode)
{
    uint64_t h = detect_hash(v, (size_t)n * sizeof(*v), 0x67726f7570ULL);
    return h ^ ((uint64_t)(mode + 2) * 0x9e3779b97f4a7c15ULL);
}

static int add_group(struct detect_engine *e, struct pf_group *g)
{
    if (e->ngroups == e->groups_cap) {
        uint32_t cap = e->groups_cap ? e->groups_cap * 2 : 32;
        struct pf_group **ng = realloc(e->groups, cap * sizeof(*ng));
        if (!ng)
            return -1;
        e->groups = ng;
        e->groups_cap = cap;
    }
    e->groups[e->ngroups++] = g;
    return 0;
}

static void group_free(struct pf_group *g)
{
    if (!g)
        return;
    mpm_free(g->mpm);
    free(g->nopf);
    free(g->plain);
    for (int k = 0; k < PLAIN_BY_FLAG; k++)
        free(g->plain_flag[k]);
    free(g->iponly);
    free(g->all);
    free(g);
}

/* Returns index + 1 of the group of these rules (sorted indices); mode is
 * -1 for a packet group, else the buffer. 0 on out of memory. */
static uint32_t group_get(struct detect_engine *e, const uint32_t *ids, uint32_t n, int mode)
{
    uint64_t h = list_hash(ids, n, mode);
    for (uint32_t i = 0; i < e->ngroups; i++) {
        struct pf_group *g = e->groups[i];
        if (g->hash == h && g->n_all == n && memcmp(g->all, ids, n * sizeof(*ids)) == 0)
            return i + 1;
    }
    struct pf_group *g = calloc(1, sizeof(*g));
    struct idlist nopf = {0}, plain = {0}, iponly = {0}, pflag[PLAIN_BY_FLAG];
    memset(pflag, 0, sizeof(pflag));
    struct ac_input *in = malloc((n ? n : 1) * sizeof(*in));
    uint32_t nin = 0;
    if (!g || !in)
        goto oom;
    g->hash = h;
    for (uint32_t i = 0; i < n; i++) {
        const struct rule *r = e->rules[ids[i]];
        int fpbuf = mode < 0 ? BUF_PAYLOAD : mode;
        int rc = 0;
        if (mode < 0 && r->kind == RK_IPONLY) {
            rc = idl_push(&iponly, ids[i]);
        } else if (mode < 0 && !(r->flags & RF_HAS_PAYLOAD)) {
            int b = plain_bucket(r);
            rc = idl_push(b < PLAIN_BY_FLAG ? &pflag[b] : &plain, ids[i]);
        } else if (r->fp && r->fp_buf == fpbuf) {
            in[nin].p = fp_bytes(r->fp, &in[nin].len);
            in[nin].id = ids[i];
            nin++;
        } else {
            rc = idl_push(&nopf, ids[i]);
        }
        if (rc < 0)
            goto oom;
    }
    if (nin) {
        g->mpm = mpm_build(in, nin);
        if (!g->mpm)
            goto oom;
        if (mpm_pattern_count(g->mpm) > e->ac_max)
            e->ac_max = mpm_pattern_count(g->mpm);
    }
    free(in);
    g->nopf = nopf.v;
    g->n_nopf = nopf.n;
    g->plain = plain.v;
    g->n_plain = plain.n;
    g->iponly = iponly.v;
    g->n_iponly = iponly.n;
    for (int k = 0; k < PLAIN_BY_FLAG; k++) {
        g->plain_flag[k] = pflag[k].v;
        g->n_plain_flag[k] = pflag[k].n;
    }
    g->all = copy_ids(ids, n);
    g->n_all = n;
    if (!g->all || add_group(e, g) < 0) {
        group_free(g);
        return 0;
    }
    return e->ngroups;
oom:
    free(in);
    idl_free(&nopf);
    idl_free(&plain);
    idl_free(&iponly);
    for (int k = 0; k < PLAIN_BY_FLAG; k++)
        idl_free(&pflag[k]);
    group_free(g);
    return 0;
}

struct port_ev {
    uint32_t port;             /* up to 65536 (end + 1) */
    uint32_t local;
    int delta;
};

static int port_ev_cmp(const void *a, const void *b)
{
    const struct port_ev *x = a, *y = b;
    return x->port < y->port ? -1 : x->port > y->port;
}

/* Fills map[port] with the group of the rules whose destination (or source)
 * ports contain the port, sweeping over the ranges' boundaries. */
static int sweep_ports(struct detect_engine *e, const struct idlist *rl, bool dp, uint32_t *map)
{
    uint32_t nev = 0;
    for (uint32_t i = 0; i < rl->n; i++) {
        const struct rule *r = e->rules[rl->v[i]];
        nev += 2 * (dp ? r->h.dp.n : r->h.sp.n);
    }
    struct port_ev *ev = malloc((nev ? nev : 1) * sizeof(*ev));
    uint64_t *active = calloc((rl->n + 63) / 64 + 1, sizeof(*active));
    uint32_t *cur = malloc((rl->n ? rl->n : 1) * sizeof(*cur));
    if (!ev || !active || !cur) {
        free(ev);
        free(active);
        free(cur);
        return -1;
    }
    uint32_t k = 0;
    for (uint32_t i = 0; i < rl->n; i++) {
        const struct rule *r = e->rules[rl->v[i]];
        const struct port_set *ps = dp ? &r->h.dp : &r->h.sp;
        for (uint32_t j = 0; j < ps->n; j++) {
            ev[k++] = (struct port_ev){ps->r[j].lo, i, +1};
            ev[k++] = (struct port_ev){(uint32_t)ps->r[j].hi + 1, i, -1};
        }
    }
    qsort(ev, nev, sizeof(*ev), port_ev_cmp);
    int rc = 0;
    uint32_t i = 0;
    while (i < nev && ev[i].port < 65536) {
        uint32_t port = ev[i].port;
        while (i < nev && ev[i].port == port) {
            uint32_t l = ev[i].local;
            if (ev[i].delta > 0)
                active[l / 64] |= 1ULL << (l % 64);
            else
                active[l / 64] &= ~(1ULL << (l % 64));
            i++;
        }
        uint32_t end = i < nev ? ev[i].port : 65536;
        uint32_t n = 0;
        for (uint32_t w = 0; w < (rl->n + 63) / 64; w++)
            for (uint64_t bits = active[w]; bits; bits &= bits - 1)
                cur[n++] = rl->v[w * 64 + (uint32_t)__builtin_ctzll(bits)];
        uint32_t gid = 0;
        if (n) {
            gid = group_get(e, cur, n, -1);
            if (!gid) {
                rc = -1;
                break;
            }
        }
        for (uint32_t p = port; p < end && p < 65536; p++)
            map[p] = gid;
    }
    free(ev);
    free(active);
    free(cur);
    return rc;
}

static uint64_t *port_bits(const uint32_t *map)
{
    uint64_t *bits = calloc(65536 / 64, sizeof(*bits));
    if (bits)
        for (uint32_t p = 0; p < 65536; p++)
            if (map[p])
                bits[p >> 6] |= 1ull << (p & 63);
    return bits;
}

static inline uint32_t port_group(const uint32_t *map, const uint64_t *bits, uint16_t port)
{
    return bits && (bits[port >> 6] >> (port & 63) & 1) ? map[port] : 0;
}

static int build_packet_groups(struct detect_engine *e)
{
    struct idlist any[FLOW_CLASS_COUNT][2], dpl[FLOW_CLASS_COUNT][2], spl[FLOW_CLASS_COUNT][2];
    memset(any, 0, sizeof(any));
    memset(dpl, 0, sizeof(dpl));
    memset(spl, 0, sizeof(spl));
    int rc = 0;
    for (uint32_t i = 0; i < e->nrules && rc == 0; i++) {
        const struct rule *r = e->rules[i];
        if (r->kind != RK_PACKET && r->kind != RK_IPONLY)
            continue;
        bool port_restr = !r->h.sp.any || !r->h.dp.any;
        for (int c = 0; c < FLOW_CLASS_COUNT; c++) {
            if (!(r->h.pclass & (1 << c)))
                continue;
            if (c == FLOW_CLASS_ICMP && port_restr)
                continue;   /* ICMP has no ports: such a rule cannot match it */
            bool ported = c == FLOW_CLASS_TCP || c == FLOW_CLASS_UDP;
            for (int d = 0; d < 2; d++) {
                if (!(r->rdir & (d == FLOW_TOSERVER ? RDIR_TOSERVER : RDIR_TOCLIENT)))
                    continue;
                struct idlist *l = &any[c][d];
                if (ported && !r->h.bidir && !r->h.dp.any)
                    l = &dpl[c][d];
                else if (ported && !r->h.bidir && !r->h.sp.any)
                    l = &spl[c][d];
                rc |= idl_push(l, i);
            }
        }
    }
    for (int c = 0; c < FLOW_CLASS_COUNT && rc == 0; c++) {
        for (int d = 0; d < 2 && rc == 0; d++) {
            struct port_map *pm = &e->pm[c][d];
            if (any[c][d].n && !(pm->any = group_get(e, any[c][d].v, any[c][d].n, -1)))
                rc = -1;
            if (rc == 0 && dpl[c][d].n) {
                pm->dp = calloc(65536, sizeof(*pm->dp));
                rc = pm->dp ? sweep_ports(e, &dpl[c][d], true, pm->dp) : -1;
                if (rc == 0 && !(pm->dp_bits = port_bits(pm->dp)))
                    rc = -1;
            }
            if (rc == 0 && spl[c][d].n) {
                pm->sp = calloc(65536, sizeof(*pm->sp));
                rc = pm->sp ? sweep_ports(e, &spl[c][d], false, pm->sp) : -1;
                if (rc == 0 && !(pm->sp_bits = port_bits(pm->sp)))
                    rc = -1;
            }
        }
    }
    for (int c = 0; c < FLOW_CLASS_COUNT; c++)
        for (int d = 0; d < 2; d++) {
            idl_free(&any[c][d]);
            idl_free(&dpl[c][d]);
            idl_free(&spl[c][d]);
        }
    return rc;
}

static int build_flow_lists(struct detect_engine *e, const struct dpi_ctx *dpi)
{
    struct idlist buf[BUF_COUNT], generic = {0}, app_dpi = {0};
    memset(buf, 0, sizeof(buf));
    int rc = 0;
    uint32_t maxid = 0;
    for (uint32_t i = 0; i < e->nrules; i++) {
        const struct rule *r = e->rules[i];
        if (r->kind == RK_DPI && r->need_proto)
            for (uint8_t k = 0; k < r->need_proto->n; k++)
                if (r->need_proto->ids[k] >= maxid)
                    maxid = r->need_proto->ids[k] + 1u;
    }
    (void)dpi;
    e->nprotos = maxid;
    if (maxid) {
        e->dpi_by_proto = calloc(maxid, sizeof(*e->dpi_by_proto));
        e->n_dpi_by_proto = calloc(maxid, sizeof(*e->n_dpi_by_proto));
        if (!e->dpi_by_proto || !e->n_dpi_by_proto)
            return -1;
    }
    struct idlist *byp = calloc(maxid ? maxid : 1, sizeof(*byp));
    if (!byp)
        return -1;
    for (uint32_t i = 0; i < e->nrules && rc == 0; i++) {
        const struct rule *r = e->rules[i];
        if (r->kind == RK_APP) {
            for (int b = 0; b < BUF_COUNT; b++)
                if ((r->buf_mask & BUF_APP_MASK) & BUF_BIT(b))
                    rc |= idl_push(&buf[b], i);
            if (r->lists[SML_FLOW].n)
                rc |= idl_push(&app_dpi, i);
        } else if (r->kind == RK_DPI) {
            if (r->need_proto) {
                for (uint8_t k = 0; k < r->need_proto->n; k++)
                    rc |= idl_push(&byp[r->need_proto->ids[k]], i);
            } else {
                rc |= idl_push(&generic, i);
            }
        }
    }
    for (int b = 0; b < BUF_COUNT && rc == 0; b++)
        if (buf[b].n && !(e->buf_group[b] = group_get(e, buf[b].v, buf[b].n, b)))
            rc = -1;
    for (uint32_t p = 0; p < maxid; p++) {
        e->dpi_by_proto[p] = byp[p].v;
        e->n_dpi_by_proto[p] = byp[p].n;
    }
    free(byp);
    e->dpi_generic = generic.v;
    e->n_dpi_generic = generic.n;
    e->app_dpi = app_dpi.v;
    e->n_app_dpi = app_dpi.n;
    for (int b = 0; b < BUF_COUNT; b++)
        idl_free(&buf[b]);
    return rc;
}

static int read_config(struct detect_engine *e, const struct config *cfg, const struct dpi_ctx *dpi,
                       char *err, size_t errlen)
{
    const struct config_entry *ce = cfg ? config_find(cfg, "detect.encryption-handling") : NULL;
    if (ce) {
        if (strcmp(ce->value, "full") == 0) {
            e->inspect_encrypted = true;
        } else if (strcmp(ce->value, "default") != 0 && strcmp(ce->value, "bypass") != 0) {
            snprintf(err, errlen, "%s:%d: detect.encryption-handling: '%s' is not default or full",
                     ce->origin, ce->line, ce->value);
            return -1;
        }
    }
    static const char *const encrypted[] = {"TLS", "QUIC", "DTLS", "SMTPS", "IMAPS", "POP3S"};
    for (size_t i = 0; dpi && i < ICTW_ARRAY_LEN(encrypted); i++) {
        int id = dpi_proto_by_name(dpi, encrypted[i]);
        if (id > 0 && e->n_encrypted < ICTW_ARRAY_LEN(e->encrypted_ids))
            e->encrypted_ids[e->n_encrypted++] = (uint16_t)id;
    }
    int quic = dpi ? dpi_proto_by_name(dpi, "QUIC") : -1;
    e->quic_id = quic > 0 ? (uint16_t)quic : 0;
    uint64_t max_entries = 262144;
    char cerr[256];
    if (cfg && config_get_uint(cfg, "detect.thresholds.max-entries", UINT32_MAX, &max_entries, cerr,
                               sizeof(cerr)) < 0) {
        snprintf(err, errlen, "%s", cerr);
        return -1;
    }
    e->thr = thr_table_new((uint32_t)max_entries);
    if (!e->thr) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

/* A packet rule whose verdict is the same for every packet of one direction
 * of a flow: header, iprep, a direction-only flow, datasets on ip.src/ip.dst.
 * Such rules (iprep by direction, floods counted per packet with a threshold)
 * run on every packet in Suricata, so they do here, but their keywords are
 * evaluated once per direction and the verdict is reused; thresholds and
 * flowbits still see every packet. */
static bool direction_constant(const struct rule *r)
{
    if (r->kind != RK_PACKET || r->h.has_app || r->lists[SML_FLOW].n ||
        (r->buf_mask & ~BUF_IP_MASK))
        return false;
    const struct sm_list *l = &r->lists[SML_PACKET];
    for (uint32_t i = 0; i < l->n; i++) {
        const struct kw_def *kw = l->v[i].kw;
        if (kw && strcmp(kw->name, "iprep") == 0)
            continue;
        if (kw && strcmp(kw->name, "flow") == 0 && kw_flow_direction_only(l->v[i].data))
            continue;
        return false;
    }
    return true;
}

static void assign_dc_slots(struct detect_engine *e)
{
    int next = 0;
    for (uint32_t i = 0; i < e->nrules; i++) {
        struct rule *r = e->rules[i];
        r->dc_slot = -1;
        if (next < 64 && direction_constant(r))
            r->dc_slot = (int8_t)next++;
    }
}

int engine_build(struct detect_engine *e, const struct config *cfg, const struct dpi_ctx *dpi,
                 char *err, size_t errlen)
{
    if (read_config(e, cfg, dpi, err, errlen) < 0)
        return -1;
    qsort(e->rules, e->nrules, sizeof(*e->rules), rule_order_cmp);
    if (hashset_init(&e->sid_index, 8, e->nrules) < 0)
        goto oom;
    for (uint32_t i = 0; i < e->nrules; i++) {
        struct rule *r = e->rules[i];
        r->idx = i;
        uint32_t key[2] = {r->gid, r->sid};
        if (hashset_insert(&e->sid_index, key, sizeof(key), NULL) != (int64_t)i)
            goto oom;   /* duplicates were refused while loading */
    }
    assign_dc_slots(e);
    if (build_packet_groups(e) < 0 || build_flow_lists(e, dpi) < 0)
        goto oom;
    uint32_t n = e->nrules ? e->nrules : 1;
    e->cand_bits = calloc((n + 7) / 8, 1);
    e->cand = malloc(n * sizeof(*e->cand));
    e->ac_seen = calloc(e->ac_max ? e->ac_max : 1, 1);
    e->ac_out = malloc((e->ac_max ? e->ac_max : 1) * sizeof(*e->ac_out));
    e->pcre_md = pcre2_match_data_create(1, NULL);
    pcre2_match_context *mc = pcre2_match_context_create(NULL);
    e->pcre_mctx = mc;
    if (!e->cand_bits || !e->cand || !e->ac_seen || !e->ac_out || !e->pcre_md || !mc)
        goto oom;
    pcre2_set_match_limit(mc, PCRE_MATCH_LIMIT);
    pcre2_set_depth_limit(mc, PCRE_DEPTH_LIMIT);
    return 0;
oom:
    snprintf(err, errlen, "out of memory while building the rule groups");
    return -1;
}

void engine_free_parts(struct detect_engine *e)
{
    for (uint32_t i = 0; i < e->nrules; i++)
        rule_free(e->rules[i]);
    free(e->rules);
    hashset_free(&e->sid_index);
    for (uint32_t i = 0; i < e->ngroups; i++)
        group_free(e->groups[i]);
    free(e->groups);
    for (int c = 0; c < FLOW_CLASS_COUNT; c++)
        for (int d = 0; d < 2; d++) {
            free(e->pm[c][d].dp);
            free(e->pm[c][d].sp);
            free(e->pm[c][d].dp_bits);
            free(e->pm[c][d].sp_bits);
        }
    free(e->dpi_generic);
    free(e->app_dpi);
    for (uint32_t p = 0; p < e->nprotos; p++)
        free(e->dpi_by_proto[p]);
    free(e->dpi_by_proto);
    free(e->n_dpi_by_proto);
    classification_free(&e->cls);
    refconf_free(&e->refs);
    iprep_free(&e->iprep);
    dataset_registry_free(&e->datasets);
    flowbit_names_free(&e->fbnames);
    for (uint32_t i = 0; i < e->nfiles; i++)
        free(e->files[i]);
    free(e->files);
    thr_table_free(e->thr);
    free(e->cand_bits);
    free(e->cand);
    free(e->ac_seen);
    free(e->ac_out);
    pcre2_match_data_free(e->pcre_md);
    pcre2_match_context_free(e->pcre_mctx);
}

void detect_engine_free(struct detect_engine *e)
{
    if (!e)
        return;
    engine_free_parts(e);
    free(e);
}

int32_t engine_rule_index(const struct detect_engine *e, uint32_t gid, uint32_t sid)
{
    uint32_t key[2] = {gid, sid};
    int64_t o = hashset_find(&e->sid_index, key, sizeof(key));
    return o < 0 ? -1 : (int32_t)o;
}

const struct detect_stats *detect_engine_stats(const struct detect_engine *e)
{
    return &e->st;
}

unsigned detect_engine_rule_count(const struct detect_engine *e)
{
    return e ? e->nrules : 0;
}

/* ------------------------------------------------------------ matching */

static int class_of(uint8_t proto)
{
    switch (proto) {
    case IPPROTO_NUM_TCP: return FLOW_CLASS_TCP;
    case IPPROTO_NUM_UDP: return FLOW_CLASS_UDP;
    case IPPROTO_NUM_ICMP:
    case IPPROTO_NUM_ICMPV6: return FLOW_CLASS_ICMP;
    default: return FLOW_CLASS_OTHER;
    }
}

static bool has_ports(uint8_t proto)
{
    return proto == IPPROTO_NUM_TCP || proto == IPPROTO_NUM_UDP || proto == IPPROTO_NUM_SCTP;
}

static void view_packet(struct pkt_view *v, const struct packet *p, int dir)
{
    v->src = &p->src;
    v->dst = &p->dst;
    v->sp = p->sport;
    v->dp = p->dport;
    v->proto = p->proto;
    v->ipver = p->ip_version;
    v->has_ports = (p->flags & PKT_HAS_PORTS) != 0;
    v->dir = dir;
    v->ts = p->ts;
}

/* The flow in the orientation of direction dir (for flow end). */
static void view_flow(struct pkt_view *v, const struct flow *f, int dir)
{
    bool ts = dir == FLOW_TOSERVER;
    v->src = ts ? &f->cli : &f->srv;
    v->dst = ts ? &f->srv : &f->cli;
    v->sp = ts ? f->cli_port : f->srv_port;
    v->dp = ts ? f->srv_port : f->cli_port;
    v->proto = f->key.proto;
    v->ipver = f->ip_version;
    v->has_ports = has_ports(f->key.proto);
    v->dir = dir;
    v->ts = f->last_seen;
}

static bool ports_side(const struct rule_header *h, uint16_t sp, uint16_t dp)
{
    return port_set_match(&h->dp, dp) && port_set_match(&h->sp, sp);
}

static bool addrs_side(const struct rule_header *h, const struct ictw_addr *s, const struct ictw_addr *d)
{
    return addr_set_match(&h->src, s) && addr_set_match(&h->dst, d);
}

/* Protocol and ports: cheap, checked before the rule's packet keywords. */
static bool header_proto_ports(const struct rule *r, const struct pkt_view *v)
{
    const struct rule_header *h = &r->h;
    if (h->ipver && v->ipver != h->ipver)
        return false;
    if (h->proto && v->proto != h->proto)
        return false;
    if (h->icmp_any && v->proto != IPPROTO_NUM_ICMP && v->proto != IPPROTO_NUM_ICMPV6)
        return false;
    if (!(h->pclass & (1 << class_of(v->proto))))
        return false;
    if (h->sp.any && h->dp.any)
        return true;
    if (!v->has_ports)
        return false;
    return ports_side(h, v->sp, v->dp) || (h->bidir && ports_side(h, v->dp, v->sp));
}

/* Addresses (with ports again for "<>", where the two must agree). */
static bool header_addrs(const struct rule *r, const struct pkt_view *v)
{
    const struct rule_header *h = &r->h;
    if (ports_side(h, v->sp, v->dp) && addrs_side(h, v->src, v->dst))
        return true;
    return h->bidir && ports_side(h, v->dp, v->sp) && addrs_side(h, v->dst, v->src);
}

static bool app_field(const struct flow *f, int b, const uint8_t **d, uint32_t *len)
{
    const struct flow_app *a = f ? f->app : NULL;
    if (!a || !(a->known & detect_buffers[b].app_bit))
        return false;
    const char *s = NULL;
    switch (b) {
    case BUF_DNS_QUERY: s = a->dns_query; break;
    case BUF_TLS_SNI: s = a->tls_sni; break;
    case BUF_HTTP_HOST: s = a->http_host; break;
    case BUF_HTTP_URI: s = a->http_uri; break;
    case BUF_HTTP_METHOD: s = a->http_method; break;
    case BUF_HTTP_UA: s = a->http_user_agent; break;
    case BUF_JA3: s = a->ja3; break;
    case BUF_JA3S: s = a->ja3s; break;
    }
    if (!s || !*s)
        return false;
    *d = (const uint8_t *)s;
    *len = (uint32_t)strlen(s);
    return true;
}

static bool buffer_data(const struct match_ctx *m, int b, const uint8_t **d, uint32_t *len)
{
    switch (b) {
    case BUF_PAYLOAD:
        if (!m->p || !m->p->payload_len || m->skip_payload)
            return false;
        *d = m->p->payload;
        *len = m->p->payload_len;
        return true;
    case BUF_IP_SRC:
    case BUF_IP_DST: {
        const struct ictw_addr *a = b == BUF_IP_SRC ? m->v.src : m->v.dst;
        *d = a->b;
        *len = a->family == 4 ? 4 : 16;
        return a->family == 4 || a->family == 6;
    }
    default:
        return app_field(m->f, b, d, len);
    }
}

static bool eval_buffers(const struct match_ctx *m, const struct rule *r, uint32_t mask)
{
    for (uint32_t bits = mask; bits; bits &= bits - 1) {
        int b = __builtin_ctz(bits);
        const uint8_t *d;
        uint32_t len;
        if (!buffer_data(m, b, &d, &len) || !inspect_buffer(m, &r->lists[b], d, len))
            return false;
    }
    return true;
}

static bool eval_list(const struct match_ctx *m, const struct sm_list *l)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (!l->v[i].match(m, l->v[i].data))
            return false;
    return true;
}

/* What depends on the flow's app-layer fields and nDPI results. */
static bool eval_flow_part(const struct match_ctx *m, const struct rule *r)
{
    if (r->h.has_app && !app_proto_match(&r->h.app, m->f))
        return false;
    return eval_list(m, &r->lists[SML_FLOW]) && eval_buffers(m, r, r->buf_mask & BUF_APP_MASK);
}

/* Whether the rule's header fits the flow in a direction the rule allows: a
 * flow rule whose addresses or ports can never match the flow's packets is
 * not worth its buffers' pcre. */
static bool header_fits_flow(const struct match_ctx *m, const struct rule *r)
{
    const struct rule_header *h = &r->h;
    if (r->kind != RK_APP || (h->src.any && h->dst.any && h->sp.any && h->dp.any))
        return true;   /* nDPI rules' own checks are cheaper than this */
    static const int dirs[2] = {FLOW_TOSERVER, FLOW_TOCLIENT};
    for (int i = 0; i < 2; i++) {
        if (!(r->rdir & (dirs[i] == FLOW_TOSERVER ? RDIR_TOSERVER : RDIR_TOCLIENT)))
            continue;
        struct pkt_view v;
        view_flow(&v, m->f, dirs[i]);
        if (header_proto_ports(r, &v) && header_addrs(r, &v))
            return true;
    }
    return false;
}

/* What depends on the packet: direction, header, packet checks, payload. */
static bool eval_packet_part(const struct match_ctx *m, const struct rule *r)
{
    if (!(r->rdir & (m->v.dir == FLOW_TOSERVER ? RDIR_TOSERVER : RDIR_TOCLIENT)))
        return false;
    /* Cheapest first: protocol and ports, the packet keywords (flags, dsize,
     * flow...), then the address sets, then the payload. */
    return header_proto_ports(r, &m->v) && eval_list(m, &r->lists[SML_PACKET]) &&
           header_addrs(r, &m->v) && eval_buffers(m, r, r->buf_mask & ~BUF_APP_MASK);
}

/* ------------------------------------------------------------ candidates */

static void cand_add(struct detect_engine *e, uint32_t idx)
{
    uint8_t bit = (uint8_t)(1u << (idx & 7));
    if (e->cand_bits[idx >> 3] & bit)
        return;
    e->cand_bits[idx >> 3] |= bit;
    e->cand[e->ncand++] = idx;
}

static void cand_add_list(struct detect_engine *e, const uint32_t *v, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++)
        cand_add(e, v[i]);
}

static void cand_add_scan(struct detect_engine *e, const struct mpm *mpm, const uint8_t *d, uint32_t len)
{
    uint32_t n = mpm_scan(mpm, d, len, e->ac_seen, e->ac_out);
    for (uint32_t i = 0; i < n; i++) {
        uint32_t k;
        const uint32_t *ids = mpm_pattern_ids(mpm, e->ac_out[i], &k);
        cand_add_list(e, ids, k);
    }
}

static int u32_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void cand_sort(struct detect_engine *e)
{
    uint32_t *v = e->cand, n = e->ncand;
    if (n > 32) {
        qsort(v, n, sizeof(*v), u32_cmp);
        return;
    }
    for (uint32_t i = 1; i < n; i++) {
        uint32_t x = v[i], j = i;
        while (j > 0 && v[j - 1] > x) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = x;
    }
}

static void cand_clear(struct detect_engine *e)
{
    for (uint32_t i = 0; i < e->ncand; i++)
        e->cand_bits[e->cand[i] >> 3] = 0;
    e->ncand = 0;
}

static void collect_group(struct detect_engine *e, uint32_t gi, const struct packet *p,
                          bool iponly_now, bool payload_ok)
{
    const struct pf_group *g = e->groups[gi - 1];
    cand_add_list(e, g->plain, g->n_plain);
    if (p->proto == IPPROTO_NUM_TCP) {
        uint8_t fl = p->tcp_flags;
        if (fl & TCP_SYN)
            cand_add_list(e, g->plain_flag[PLAIN_SYN], g->n_plain_flag[PLAIN_SYN]);
        if (fl & TCP_FIN)
            cand_add_list(e, g->plain_flag[PLAIN_FIN], g->n_plain_flag[PLAIN_FIN]);
        if (fl & TCP_RST)
            cand_add_list(e, g->plain_flag[PLAIN_RST], g->n_plain_flag[PLAIN_RST]);
        if (!(fl & (uint8_t)~(TCP_CWR | TCP_ECE)))
            cand_add_list(e, g->plain_flag[PLAIN_NOFLAGS], g->n_plain_flag[PLAIN_NOFLAGS]);
    }
    if (iponly_now)
        cand_add_list(e, g->iponly, g->n_iponly);
    if (payload_ok) {
        cand_add_list(e, g->nopf, g->n_nopf);
        if (g->mpm)
            cand_add_scan(e, g->mpm, p->payload, p->payload_len);
    }
}

static void collect_buffer(struct detect_engine *e, const struct flow *f, int b)
{
    const uint8_t *d;
    uint32_t len;
    if (!e->buf_group[b] || !app_field(f, b, &d, &len))
        return;
    const struct pf_group *g = e->groups[e->buf_group[b] - 1];
    cand_add_list(e, g->nopf, g->n_nopf);
    if (g->mpm)
        cand_add_scan(e, g->mpm, d, len);
}

static uint32_t app_bits_of_buffers(void)
{
    uint32_t bits = 0;
    for (int b = 0; b < BUF_COUNT; b++)
        bits |= detect_buffers[b].app_bit;
    return bits;
}

/* A field that changed value (each DNS query of a flow is a new transaction)
 * lets the app-layer rules that read it fire again, as Suricata's rules fire
 * once per transaction. */
static void refire_changed(const struct detect_engine *e, struct detect_flow_state *fs, uint32_t changed)
{
    for (uint16_t i = 0; i < fs->nfired;) {
        uint32_t idx = fs->fired[i].idx;
        if (idx < e->nrules && (e->rules[idx]->app_need & changed))
            fs->fired[i] = fs->fired[--fs->nfired];
        else
            i++;
    }
}

/* App-layer fields that became known or changed value, nDPI results that
 * changed, pending rules. App-layer rules run when their field becomes known
 * or changes (each DNS query of a flow is a new dns.query); when the
 * classification changes all of them get another chance (their header names
 * an application protocol); when only the risks change, just those that test
 * nDPI results in their options (ndpi-risk, ndpi-protocol...). */
static void collect_flow_events(struct detect_engine *e, const struct flow *f,
                                struct detect_flow_state *fs)
{
    if (f->app && (f->app->changed & fs->app_seen))
        refire_changed(e, fs, f->app->changed & fs->app_seen);
    uint32_t known = f->app ? f->app->known & app_bits_of_buffers() : 0;
    uint32_t scan = (known & ~fs->app_seen) | (f->app ? known & f->app->changed : 0);
    if (flow_dpi_known(f)) {
        bool class_changed = !fs->dpi_seen || fs->seen_master != f->dpi.master_proto ||
                             fs->seen_app != f->dpi.app_proto;
        if (class_changed || fs->risk_seen != f->dpi.risk) {
            cand_add_list(e, e->dpi_generic, e->n_dpi_generic);
            uint16_t ids[2] = {f->dpi.master_proto, f->dpi.app_proto};
            for (int i = 0; i < 2; i++)
                if (ids[i] < e->nprotos)
                    cand_add_list(e, e->dpi_by_proto[ids[i]], e->n_dpi_by_proto[ids[i]]);
            if (class_changed)
                scan = known;
            else
                cand_add_list(e, e->app_dpi, e->n_app_dpi);
            fs->dpi_seen = 1;
            fs->risk_seen = f->dpi.risk;
            fs->seen_master = f->dpi.master_proto;
            fs->seen_app = f->dpi.app_proto;
        }
    }
    for (int b = 0; scan && b < BUF_COUNT; b++)
        if (detect_buffers[b].app_bit & scan)
            collect_buffer(e, f, b);
    fs->app_seen |= known;
    for (uint16_t i = 0; i < fs->npending; i++)
        cand_add(e, fs->pending[i].idx);
}

/* ------------------------------------------------------------ running rules */

struct run {
    struct detect_engine *e;
    struct match_ctx *m;
    detect_alert_fn alert;
    void *arg;
};

/* A rule matched: its actions, then pass/threshold/alert. true = stop (pass). */
static bool on_match(struct run *rn, const struct rule *r)
{
    struct match_ctx *m = rn->m;
    struct detect_engine *e = rn->e;
    for (uint32_t i = 0; i < r->lists[SML_POST].n; i++)
        r->lists[SML_POST].v[i].match(m, r->lists[SML_POST].v[i].data);
    if (r->action == ACT_PASS) {
        m->f->flags |= FLOW_F_PASS;
        e->st.passed_flows++;
        return true;
    }
    if (r->flags & RF_NOALERT) {
        e->st.noalert++;
        return false;
    }
    if (r->thr && !thr_check(e->thr, r, &m->v, m->v.ts, m->f, m->fs, &e->st)) {
        e->st.suppressed++;
        return false;
    }
    m->f->flags |= FLOW_F_ALERTED;
    e->st.alerts++;
    if (rn->alert)
        rn->alert(rn->arg, &r->sig, m->f, m->p, m->v.dir);
    return false;
}

static bool fire_flow_rule(struct run *rn, const struct rule *r)
{
    flowstate_mark_fired(rn->m->fs, r);
    flowstate_remove_pending(rn->m->fs, r);
    return on_match(rn, r);
}

/* A flow rule at flow end: no packet, so each direction the rule allows is
 * tried in the flow's own orientation. */
static bool run_flow_rule_at_end(struct run *rn, const struct rule *r)
{
    struct match_ctx *m = rn->m;
    static const int dirs[2] = {FLOW_TOSERVER, FLOW_TOCLIENT};
    for (int i = 0; i < 2; i++) {
        if (!(r->rdir & (dirs[i] == FLOW_TOSERVER ? RDIR_TOSERVER : RDIR_TOCLIENT)))
            continue;
        view_flow(&m->v, m->f, dirs[i]);
        if (eval_flow_part(m, r) && eval_packet_part(m, r))
            return fire_flow_rule(rn, r);
    }
    return false;
}

static bool run_rule(struct run *rn, const struct rule *r)
{
    struct match_ctx *m = rn->m;
    uint32_t budget = INSPECT_BUDGET;
    m->budget = &budget;
    if (r->dc_slot >= 0 && m->p) {
        int d = m->v.dir == FLOW_TOCLIENT;
        uint64_t bit = 1ull << r->dc_slot;
        if (!(m->fs->dc_known[d] & bit)) {
            m->fs->dc_known[d] |= bit;
            if (eval_packet_part(m, r) && eval_flow_part(m, r))
                m->fs->dc_match[d] |= bit;
            else
                m->fs->dc_match[d] &= ~bit;
        }
        return (m->fs->dc_match[d] & bit) && on_match(rn, r);
    }
    if (r->kind == RK_PACKET || r->kind == RK_IPONLY) {
        if (!eval_packet_part(m, r) || !eval_flow_part(m, r))
            return false;
        return on_match(rn, r);
    }
    if (flowstate_fired(m->fs, r))
        return false;
    if (!m->p)
        return run_flow_rule_at_end(rn, r);
    if (m->fs->npending && flowstate_pending(m->fs, r)) {
        /* Its flow part matched before and waits for a packet: the cheap
         * packet part first, so that a buffer's pcre is not run again on
         * every packet; the flow part is still checked again (flowbits or
         * nDPI results may have changed). */
        if (!eval_packet_part(m, r) || !eval_flow_part(m, r))
            return false;
        return fire_flow_rule(rn, r);
    }
    if (!header_fits_flow(m, r) || !eval_flow_part(m, r))
        return false;
    if (!eval_packet_part(m, r)) {
        flowstate_add_pending(m->fs, r);
        return false;
    }
    return fire_flow_rule(rn, r);
}

static void run_candidates(struct run *rn)
{
    struct detect_engine *e = rn->e;
    cand_sort(e);
    for (uint32_t i = 0; i < e->ncand; i++)
        if (run_rule(rn, e->rules[e->cand[i]]))
            break;
    cand_clear(e);
}

static bool encrypted_proto(const struct detect_engine *e, const struct flow *f)
{
    for (uint8_t i = 0; i < e->n_encrypted; i++)
        if (f->dpi.master_proto == e->encrypted_ids[i] || f->dpi.app_proto == e->encrypted_ids[i])
            return true;
    return false;
}

/* A TLS or DTLS record header of ChangeCipherSpec (20) or application data
 * (23): what follows it on this flow is encrypted. */
static bool starts_encrypted_record(const struct packet *p)
{
    const uint8_t *d = p->payload;
    if (p->payload_len < 3 || (d[0] != 20 && d[0] != 23))
        return false;
    return (d[1] == 3 && d[2] <= 4) || (d[1] == 0xfe && d[2] >= 0xfd);
}

/* Suricata's default encryption-handling: once a TLS session's encrypted
 * records start, content rules no longer inspect it (they would only see
 * ciphertext). Encrypted means: nDPI finished with the flow, or a record of
 * ChangeCipherSpec or application data was seen, or QUIC (encrypted from
 * the first packet). detect.encryption-handling = full turns this off. */
static bool payload_skipped(const struct detect_engine *e, const struct flow *f,
                            struct detect_flow_state *fs, const struct packet *p)
{
    if (e->inspect_encrypted)
        return false;
    if (fs->encrypted)
        return true;
    if (!encrypted_proto(e, f))
        return false;
    bool quic = e->quic_id && (f->dpi.master_proto == e->quic_id || f->dpi.app_proto == e->quic_id);
    if (quic || (f->flags & FLOW_F_DPI_DONE) || starts_encrypted_record(p))
        fs->encrypted = 1;
    return fs->encrypted;
}

static void init_ctx(struct match_ctx *m, struct detect_engine *e, struct flow *f,
                     struct detect_flow_state *fs)
{
    memset(m, 0, sizeof(*m));
    m->e = e;
    m->f = f;
    m->fs = fs;
    m->pcre_md = e->pcre_md;
    m->pcre_mctx = e->pcre_mctx;
}

void detect_packet(struct detect_engine *e, struct flow *f, const struct packet *p, int dir,
                   unsigned dpi_events, detect_alert_fn alert, void *arg)
{
    (void)dpi_events;   /* what changed is read from the flow (see the top of this file) */
    if (!e || !f || !p || (f->flags & FLOW_F_PASS))
        return;
    struct detect_flow_state *fs = flowstate_get(f);
    if (!fs)
        return;
    flowstate_sync(e, fs);
    e->st.packets++;
    struct match_ctx m;
    init_ctx(&m, e, f, fs);
    m.p = p;
    view_packet(&m.v, p, dir);
    m.skip_payload = payload_skipped(e, f, fs, p);

    const struct port_map *pm = &e->pm[class_of(p->proto)][dir == FLOW_TOCLIENT];
    bool iponly_now = !(fs->iponly_done & (1u << dir));
    fs->iponly_done |= (uint8_t)(1u << dir);
    bool payload_ok = p->payload_len > 0 && !m.skip_payload;
    if (pm->any)
        collect_group(e, pm->any, p, iponly_now, payload_ok);
    if (p->flags & PKT_HAS_PORTS) {
        uint32_t g = port_group(pm->dp, pm->dp_bits, p->dport);
        if (g)
            collect_group(e, g, p, iponly_now, payload_ok);
        g = port_group(pm->sp, pm->sp_bits, p->sport);
        if (g)
            collect_group(e, g, p, iponly_now, payload_ok);
    }
    collect_flow_events(e, f, fs);
    struct run rn = {e, &m, alert, arg};
    run_candidates(&rn);
}

void detect_flow_end(struct detect_engine *e, struct flow *f, unsigned dpi_events,
                     detect_alert_fn alert, void *arg)
{
    (void)dpi_events;
    if (!e || !f || (f->flags & FLOW_F_PASS))
        return;
    struct detect_flow_state *fs = flowstate_get(f);
    if (!fs)
        return;
    flowstate_sync(e, fs);
    struct match_ctx m;
    init_ctx(&m, e, f, fs);
    view_flow(&m.v, f, FLOW_TOSERVER);
    collect_flow_events(e, f, fs);
    struct run rn = {e, &m, alert, arg};
    run_candidates(&rn);
}
