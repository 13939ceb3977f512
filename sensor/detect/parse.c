/* parse.c - rule text to struct rule, and rule files to rule texts.
 *
 * Follows Suricata's loader and parser (detect-engine-loader.c,
 * detect-parse.c) so that rule files written for Suricata read the same:
 *
 *  - files: one rule per line, a trailing '\' continues the rule on the next
 *    line, lines whose first character is '#' or a blank are skipped (we also
 *    warn when a skipped indented line looks like a rule), 8192 bytes at most;
 *  - header: seven fields split on blanks outside brackets;
 *  - options: `name;` or `name:value;`, ended by the first ';' that is not
 *    preceded by a backslash; the value is trimmed, a leading '!' is taken
 *    off for keywords that handle negation, quotes are required for msg,
 *    content and pcre and optional elsewhere;
 *  - each keyword's setup function (kw_*.c) parses its value into a
 *    sigmatch of the right list; then the rule is finalized: fast pattern,
 *    direction, kind (when it is evaluated), priority, category and the
 *    prebuilt EVE metadata/references.
 *
 * Errors say what is wrong in words a rule author can act on; the loader
 * prefixes them with FILE:LINE.
 */
#include "detect_int.h"
#include "ictwatch/jsonw.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct buf_info detect_buffers[BUF_COUNT] = {
    [BUF_PAYLOAD] = {"pkt_data", 0, RDIR_BOTH, false, false},
    [BUF_DNS_QUERY] = {"dns.query", APP_DNS_QUERY, RDIR_TOSERVER, true, false},
    [BUF_TLS_SNI] = {"tls.sni", APP_TLS_SNI, RDIR_TOSERVER, true, false},
    [BUF_HTTP_HOST] = {"http.host", APP_HTTP_HOST, RDIR_TOSERVER, true, false},
    [BUF_HTTP_URI] = {"http.uri", APP_HTTP_URI, RDIR_TOSERVER, true, false},
    [BUF_HTTP_METHOD] = {"http.method", APP_HTTP_METHOD, RDIR_TOSERVER, true, false},
    [BUF_HTTP_UA] = {"http.user_agent", APP_HTTP_UA, RDIR_TOSERVER, true, false},
    [BUF_JA3] = {"ja3.hash", APP_JA3, RDIR_TOSERVER, true, false},
    [BUF_JA3S] = {"ja3s.hash", APP_JA3S, RDIR_TOCLIENT, true, false},
    [BUF_IP_SRC] = {"ip.src", 0, RDIR_BOTH, false, true},
    [BUF_IP_DST] = {"ip.dst", 0, RDIR_BOTH, false, true},
};

/* ------------------------------------------------------------ errors */

int pc_err(struct parse_ctx *pc, const char *fmt, ...)
{
    if (!pc->err[0]) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(pc->err, sizeof(pc->err), fmt, ap);
        va_end(ap);
    }
    return -1;
}

void pc_warn(struct parse_ctx *pc, const char *fmt, ...)
{
    char text[DETECT_ERRLEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (pc->env && pc->env->diag)
        diag_msg(pc->env->diag, LOG_WARN, pc->file, pc->line, "%s", text);
}

/* ------------------------------------------------------------ sigmatches */

struct sigmatch *pc_add(struct parse_ctx *pc, int list, uint8_t type, const struct kw_def *kw,
                        void *data, sm_match_fn match)
{
    struct sm_list *l = &pc->r->lists[list];
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 4;
        struct sigmatch *nv = realloc(l->v, cap * sizeof(*nv));
        if (!nv) {
            if (kw && kw->free)
                kw->free(data);
            pc_err(pc, "out of memory");
            return NULL;
        }
        l->v = nv;
        l->cap = cap;
    }
    struct sigmatch *sm = &l->v[l->n++];
    sm->type = type;
    sm->kw = kw;
    sm->data = data;
    sm->match = match;
    if (list < BUF_COUNT)
        pc->r->buf_mask |= BUF_BIT(list);
    return sm;
}

struct sigmatch *pc_add_payload(struct parse_ctx *pc, uint8_t type, const struct kw_def *kw,
                                void *data)
{
    struct sigmatch *sm = pc_add(pc, pc->cur_buf, type, kw, data, NULL);
    if (!sm)
        return NULL;
    pc->cur_buf_used = true;
    if (type != SM_DATASET)
        pc->last_payload_list = pc->cur_buf;
    return sm;
}

struct sigmatch *pc_prev_payload(struct parse_ctx *pc, int list)
{
    struct sm_list *l = &pc->r->lists[list];
    if (l->n < 2)
        return NULL;
    /* The keyword before the last one that takes part in positions. */
    for (uint32_t i = l->n - 1; i-- > 0;) {
        uint8_t t = l->v[i].type;
        if (t == SM_CONTENT || t == SM_PCRE || t == SM_ISDATAAT)
            return &l->v[i];
    }
    return NULL;
}

void sigmatch_free(struct sigmatch *sm)
{
    if (sm->kw && sm->kw->free)
        sm->kw->free(sm->data);
    sm->data = NULL;
}

void rule_free(struct rule *r)
{
    if (!r)
        return;
    for (int l = 0; l < SML_COUNT; l++) {
        for (uint32_t i = 0; i < r->lists[l].n; i++)
            sigmatch_free(&r->lists[l].v[i]);
        free(r->lists[l].v);
    }
    addr_set_free(&r->h.src);
    addr_set_free(&r->h.dst);
    port_set_free(&r->h.sp);
    port_set_free(&r->h.dp);
    free(r->h.src_text);
    free(r->h.dst_text);
    free(r->h.sp_text);
    free(r->h.dp_text);
    free(r->thr);
    free(r->msg);
    free(r->classtype);
    for (uint32_t i = 0; i < r->nrefs; i++)
        free(r->refs[i]);
    free(r->refs);
    for (uint32_t i = 0; i < r->nmeta; i++)
        free(r->meta[i]);
    free(r->meta);
    free(r->metadata_json);
    free(r->references_json);
    free(r);
}

/* ------------------------------------------------------------ header */

static const char *const action_names[] = {"alert", "pass", "drop", "reject", "rejectsrc",
                                           "rejectdst", "rejectboth"};

struct proto_def {
    const char *name;
    uint8_t proto, pclass, ipver;
    bool icmp_any;
};

static const struct proto_def proto_defs[] = {
    {"ip", 0, PCLS_ALL, 0, false},
    {"tcp", IPPROTO_NUM_TCP, PCLS_TCP, 0, false},
    {"tcp-pkt", IPPROTO_NUM_TCP, PCLS_TCP, 0, false},
    {"tcp-stream", IPPROTO_NUM_TCP, PCLS_TCP, 0, false},
    {"udp", IPPROTO_NUM_UDP, PCLS_UDP, 0, false},
    {"icmp", 0, PCLS_ICMP, 0, true},
    {"icmpv4", IPPROTO_NUM_ICMP, PCLS_ICMP, 4, false},
    {"icmpv6", IPPROTO_NUM_ICMPV6, PCLS_ICMP, 6, false},
    {"sctp", IPPROTO_NUM_SCTP, PCLS_OTHER, 0, false},
    {"ipv4", 0, PCLS_ALL, 4, false},
    {"ip4", 0, PCLS_ALL, 4, false},
    {"ipv6", 0, PCLS_ALL, 6, false},
    {"ip6", 0, PCLS_ALL, 6, false},
};

/* Splits the header into fields on blanks outside brackets. */
static int split_header(char *h, char **fields, int max)
{
    int n = 0;
    char *p = h;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        if (n == max)
            return max + 1;
        fields[n++] = p;
        int depth = 0;
        while (*p && (depth > 0 || (*p != ' ' && *p != '\t'))) {
            if (*p == '[')
                depth++;
            else if (*p == ']')
                depth--;
            p++;
        }
        if (*p)
            *p++ = '\0';
    }
    return n;
}

static int parse_proto(struct parse_ctx *pc, const char *text)
{
    struct rule_header *h = &pc->r->h;
    for (size_t i = 0; i < sizeof(proto_defs) / sizeof(proto_defs[0]); i++) {
        if (strcasecmp(text, proto_defs[i].name) == 0) {
            h->proto = proto_defs[i].proto;
            h->pclass = proto_defs[i].pclass;
            h->ipver = proto_defs[i].ipver;
            h->icmp_any = proto_defs[i].icmp_any;
            h->proto_text = proto_defs[i].name;
            return 0;
        }
    }
    uint8_t pclass = PCLS_ALL;
    int rc = app_proto_lookup(pc->env->dpi, text, &h->app, &pclass);
    if (rc == 0) {
        h->has_app = true;
        h->pclass = pclass;
        h->proto = 0;
        h->proto_text = NULL;
        return 0;
    }
    if (rc == -2)
        return pc_err(pc, "protocol '%s' is not known to nDPI 4.2", text);
    return pc_err(pc, "unknown protocol '%s'", text);
}

static int parse_header(struct parse_ctx *pc, char *text, char **proto_text_out)
{
    char *f[8];
    int n = split_header(text, f, 7);
    if (n != 7) {
        if (n >= 5 && strcmp(f[4], "=>") == 0)
            return pc_err(pc, "direction '=>' (transactional rules) is not supported");
        return pc_err(pc, "the header needs 7 fields (action protocol source port direction "
                          "destination port), found %d", n > 7 ? 8 : n);
    }
    struct rule *r = pc->r;
    int act = -1;
    for (int i = 0; i < (int)(sizeof(action_names) / sizeof(action_names[0])); i++)
        if (strcmp(f[0], action_names[i]) == 0)
            act = i;
    if (act < 0)
        return pc_err(pc, "unknown action '%s' (use alert, pass, drop or reject)", f[0]);
    r->action = (uint8_t)act;
    if (parse_proto(pc, f[1]) < 0)
        return -1;
    *proto_text_out = f[1];
    if (strcmp(f[4], "->") == 0) {
        r->h.bidir = false;
    } else if (strcmp(f[4], "<>") == 0) {
        r->h.bidir = true;
    } else if (strcmp(f[4], "<-") == 0) {
        return pc_err(pc, "direction '<-' does not exist; swap the addresses and use '->'");
    } else if (strcmp(f[4], "=>") == 0) {
        return pc_err(pc, "direction '=>' (transactional rules) is not supported");
    } else {
        return pc_err(pc, "invalid direction '%s' (use -> or <>)", f[4]);
    }
    struct detect_vars vars = {pc->env->cfg};
    char e[DETECT_ERRLEN - 64];
    if (addr_set_parse(f[2], &vars, &r->h.src, e, sizeof(e)) < 0)
        return pc_err(pc, "source address: %s", e);
    if (port_set_parse(f[3], &vars, &r->h.sp, e, sizeof(e)) < 0)
        return pc_err(pc, "source port: %s", e);
    if (addr_set_parse(f[5], &vars, &r->h.dst, e, sizeof(e)) < 0)
        return pc_err(pc, "destination address: %s", e);
    if (port_set_parse(f[6], &vars, &r->h.dp, e, sizeof(e)) < 0)
        return pc_err(pc, "destination port: %s", e);
    r->h.src_text = strdup(f[2]);
    r->h.sp_text = strdup(f[3]);
    r->h.dst_text = strdup(f[5]);
    r->h.dp_text = strdup(f[6]);
    if (!r->h.src_text || !r->h.sp_text || !r->h.dst_text || !r->h.dp_text)
        return pc_err(pc, "out of memory");
    return 0;
}

/* ------------------------------------------------------------ options */

/* End of an option: the first ';' not preceded by a backslash. */
static char *option_end(char *p)
{
    for (char *q = p; *q; q++)
        if (*q == ';' && (q == p || q[-1] != '\\'))
            return q;
    return NULL;
}

static int strip_quotes(struct parse_ctx *pc, const struct kw_def *kw, char **value)
{
    char *v = *value;
    size_t n = strlen(v);
    if (kw->flags & KW_QUOTES) {
        if (n < 2 || v[0] != '"' || v[n - 1] != '"')
            return pc_err(pc, "%s: the value must be in double quotes", kw->name);
    } else if (kw->flags & KW_RAW) {
        return 0;
    } else if (n == 0 || v[0] != '"') {
        return 0;
    } else if (n < 2 || v[n - 1] != '"') {
        return pc_err(pc, "%s: unbalanced double quotes", kw->name);
    }
    v[n - 1] = '\0';
    *value = v + 1;
    return 0;
}

static int check_sticky_used(struct parse_ctx *pc)
{
    if (pc->cur_buf != BUF_PAYLOAD && !pc->cur_buf_used)
        return pc_err(pc, "sticky buffer '%s' is not followed by a match (content, pcre, dataset...)",
                      pc->cur_buf_kw);
    return 0;
}

static int parse_option(struct parse_ctx *pc, char *opt)
{
    char *colon = strchr(opt, ':');
    char *value = NULL;
    if (colon) {
        *colon = '\0';
        value = detect_trim(colon + 1);
    }
    char *name = detect_trim(opt);
    if (!*name)
        return pc_err(pc, "empty option (two ';' in a row?)");
    const struct kw_def *kw = kw_lookup(name);
    if (!kw)
        return pc_err(pc, "unknown keyword '%s'", name);
    if (kw->flags & KW_UNSUPPORTED)
        return pc_err(pc, "keyword '%s' is not supported by ictwatch", name);
    if (value && (kw->flags & KW_NOVALUE))
        return pc_err(pc, "%s takes no value", kw->name);
    if (!value && (kw->flags & KW_VALUE))
        return pc_err(pc, "%s needs a value", kw->name);
    if (value && !*value && (kw->flags & KW_VALUE))
        return pc_err(pc, "%s needs a value", kw->name);
    bool negated = false;
    if (value && (kw->flags & KW_NEGATE) && value[0] == '!') {
        negated = true;
        value = detect_trim(value + 1);
    }
    if (value && strip_quotes(pc, kw, &value) < 0)
        return -1;
    if (kw->flags & KW_STICKY) {
        if (check_sticky_used(pc) < 0)
            return -1;
    }
    pc->cur_kw = kw;
    return kw->setup(pc, value, negated);
}

static int parse_options(struct parse_ctx *pc, char *p)
{
    for (;;) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            return 0;
        char *end = option_end(p);
        if (!end) {
            char shown[48];
            snprintf(shown, sizeof(shown), "%.40s", p);
            return pc_err(pc, "option '%s' is not ended by ';'", detect_trim(shown));
        }
        *end = '\0';
        if (parse_option(pc, p) < 0)
            return -1;
        p = end + 1;
    }
}

/* ------------------------------------------------------------ finalize */

/* http.host holds the lowercased host: uppercase in a content can never
 * match and nocase is meaningless, so both are load errors (as Suricata).
 * ja3 hashes are lowercase hex: uppercase in a content is lowercased. */
static int check_buffer_contents(struct parse_ctx *pc)
{
    struct rule *r = pc->r;
    struct sm_list *l = &r->lists[BUF_HTTP_HOST];
    for (uint32_t i = 0; i < l->n; i++) {
        if (l->v[i].type != SM_CONTENT)
            continue;
        struct content *c = l->v[i].data;
        if (c->flags & CT_NOCASE)
            return pc_err(pc, "http.host: nocase is not allowed, the buffer is already lowercase");
        for (uint32_t j = 0; j < c->len; j++)
            if (c->pat[j] >= 'A' && c->pat[j] <= 'Z')
                return pc_err(pc, "http.host: content has uppercase letters but the buffer is "
                                  "lowercase; write it in lowercase");
    }
    for (int b = BUF_JA3; b <= BUF_JA3S; b++) {
        l = &r->lists[b];
        for (uint32_t i = 0; i < l->n; i++) {
            if (l->v[i].type != SM_CONTENT)
                continue;
            struct content *c = l->v[i].data;
            for (uint32_t j = 0; j < c->len; j++)
                c->pat[j] = detect_lower[c->pat[j]];
        }
    }
    return 0;
}

static bool prefilter_buffer(int b, bool app)
{
    if (app)
        return (BUF_BIT(b) & BUF_APP_MASK) != 0;
    return b == BUF_PAYLOAD;
}

/* Picks the content the prefilter looks for: the one marked fast_pattern,
 * else the longest non-negated content of the buffers that have a prefilter. */
static void choose_fast_pattern(struct rule *r, bool app)
{
    struct content *best = NULL;
    int best_buf = -1;
    for (int b = 0; b < BUF_COUNT; b++) {
        if (!prefilter_buffer(b, app))
            continue;
        for (uint32_t i = 0; i < r->lists[b].n; i++) {
            if (r->lists[b].v[i].type != SM_CONTENT)
                continue;
            struct content *c = r->lists[b].v[i].data;
            if (c->flags & CT_NEGATED)
                continue;
            if (c->flags & CT_FAST_PATTERN) {
                r->fp = c;
                r->fp_buf = b;
                return;
            }
            if (!best || c->len > best->len) {
                best = c;
                best_buf = b;
            }
        }
    }
    r->fp = best;
    r->fp_buf = best_buf;
}

static bool sm_list_only_kw(const struct sm_list *l, const char *name)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (!l->v[i].kw || strcmp(l->v[i].kw->name, name) != 0)
            return false;
    return true;
}

static int decide_kind_and_direction(struct parse_ctx *pc)
{
    struct rule *r = pc->r;
    uint8_t bufdir = RDIR_BOTH;
    const char *bufname = NULL;
    for (int b = 0; b < BUF_COUNT; b++) {
        if (!(r->buf_mask & BUF_BIT(b)) || detect_buffers[b].rdir == RDIR_BOTH)
            continue;
        if (bufdir != RDIR_BOTH && bufdir != detect_buffers[b].rdir)
            return pc_err(pc, "'%s' and '%s' are seen in opposite directions and cannot be in "
                              "one rule", bufname, detect_buffers[b].name);
        bufdir = detect_buffers[b].rdir;
        bufname = detect_buffers[b].name;
    }
    r->rdir = RDIR_BOTH;
    if (r->explicit_dir)
        r->rdir = r->explicit_dir;
    if (bufdir != RDIR_BOTH) {
        if (r->explicit_dir && r->explicit_dir != bufdir)
            return pc_err(pc, "flow direction conflicts with '%s', which is only seen %s", bufname,
                          bufdir == RDIR_TOSERVER ? "to_server" : "to_client");
        r->rdir = bufdir;
    }
    if (r->h.bidir && r->explicit_dir)
        r->rdir = RDIR_BOTH;   /* "<>" checks both orientations; flow: still filters per packet */

    bool has_app = (r->buf_mask & BUF_APP_MASK) != 0;
    bool has_payload = r->lists[BUF_PAYLOAD].n > 0;
    bool has_dpi = r->h.has_app || r->lists[SML_FLOW].n > 0;
    if (has_payload)
        r->flags |= RF_HAS_PAYLOAD;
    for (int b = 0; b < BUF_COUNT; b++)
        if (r->buf_mask & BUF_BIT(b))
            r->app_need |= detect_buffers[b].app_bit;
    if (has_app)
        r->kind = RK_APP;
    else if (has_payload)
        r->kind = RK_PACKET;
    else if (has_dpi)
        r->kind = RK_DPI;
    else if (r->lists[SML_POST].n == 0 && sm_list_only_kw(&r->lists[SML_PACKET], "iprep") &&
             !(r->buf_mask & ~BUF_IP_MASK))
        r->kind = RK_IPONLY;
    else
        r->kind = RK_PACKET;
    if (r->kind != RK_PACKET && r->kind != RK_IPONLY) {
        /* Rules that fire once per flow are grouped by the protocol they need. */
        if (r->h.has_app && !r->h.app.failed)
            r->need_proto = &r->h.app;
    }
    choose_fast_pattern(r, r->kind == RK_APP);
    return 0;
}

static int check_keyword_combinations(struct parse_ctx *pc)
{
    struct rule *r = pc->r;
    uint8_t pc_bits = r->h.pclass;
    for (uint32_t i = 0; i < r->lists[SML_PACKET].n; i++) {
        const struct kw_def *kw = r->lists[SML_PACKET].v[i].kw;
        if (!kw)
            continue;
        if (strcmp(kw->name, "flags") == 0 && !(pc_bits & PCLS_TCP))
            return pc_err(pc, "flags needs a tcp (or ip) rule");
        if ((strcmp(kw->name, "itype") == 0 || strcmp(kw->name, "icode") == 0) &&
            !(pc_bits & PCLS_ICMP))
            return pc_err(pc, "%s needs an icmp (or ip) rule", kw->name);
        if (strcmp(kw->name, "dsize") == 0 && (r->buf_mask & BUF_APP_MASK))
            return pc_err(pc, "dsize cannot be combined with app-layer buffers");
    }
    if (r->thr && (r->thr->unique == UNQ_SRC_PORT || r->thr->unique == UNQ_DST_PORT)) {
        if (r->h.proto != IPPROTO_NUM_TCP && r->h.proto != IPPROTO_NUM_UDP &&
            r->h.proto != IPPROTO_NUM_SCTP)
            return pc_err(pc, "unique_on %s needs a tcp, udp or sctp rule",
                          r->thr->unique == UNQ_SRC_PORT ? "src_port" : "dst_port");
    }
    return 0;
}

static void flowbit_flags(struct rule *r)
{
    for (uint32_t i = 0; i < r->lists[SML_POST].n; i++)
        if (r->lists[SML_POST].v[i].kw && strcmp(r->lists[SML_POST].v[i].kw->name, "flowbits") == 0)
            r->flags |= RF_FB_SET;
    for (uint32_t i = 0; i < r->lists[SML_PACKET].n; i++)
        if (r->lists[SML_PACKET].v[i].kw &&
            strcmp(r->lists[SML_PACKET].v[i].kw->name, "flowbits") == 0)
            r->flags |= RF_FB_READ;
}

/* {"key":["v1","v2"],...}: keys sorted, duplicate keys merged, values in rule
 * order without repeats. */
static size_t meta_key_len(const char *m)
{
    return strcspn(m, " \t");
}

static const char *meta_value(const char *m)
{
    m += meta_key_len(m);
    while (*m == ' ' || *m == '\t')
        m++;
    return m;
}

static bool meta_key_before(const char *a, const char *b)
{
    size_t ka = meta_key_len(a), kb = meta_key_len(b);
    int c = memcmp(a, b, ka < kb ? ka : kb);
    return c < 0 || (c == 0 && ka < kb);
}

static bool meta_same_key(const char *a, const char *b)
{
    size_t ka = meta_key_len(a);
    return ka == meta_key_len(b) && memcmp(a, b, ka) == 0;
}

static int build_metadata_json(struct rule *r)
{
    if (r->nmeta == 0)
        return 0;
    char **sorted = malloc(r->nmeta * sizeof(*sorted));
    if (!sorted)
        return -1;
    /* Insertion sort by key only, so values keep their order (lists are short). */
    for (uint32_t i = 0; i < r->nmeta; i++) {
        uint32_t j = i;
        while (j > 0 && meta_key_before(r->meta[i], sorted[j - 1])) {
            sorted[j] = sorted[j - 1];
            j--;
        }
        sorted[j] = r->meta[i];
    }
    struct jsonw w;
    jsonw_init(&w);
    jsonw_append(&w, "{", 1);
    for (uint32_t i = 0; i < r->nmeta;) {
        if (i)
            jsonw_append(&w, ",", 1);
        jsonw_append_escaped(&w, sorted[i], meta_key_len(sorted[i]));
        jsonw_append(&w, ":[", 2);
        uint32_t j = i;
        for (; j < r->nmeta && meta_same_key(sorted[j], sorted[i]); j++) {
            const char *v = meta_value(sorted[j]);
            bool dup = false;
            for (uint32_t k = i; k < j && !dup; k++)
                dup = strcmp(meta_value(sorted[k]), v) == 0;
            if (dup)
                continue;
            if (j > i)
                jsonw_append(&w, ",", 1);
            jsonw_append_escaped(&w, v, strlen(v));
        }
        jsonw_append(&w, "]", 1);
        i = j;
    }
    jsonw_append(&w, "}", 1);
    free(sorted);
    if (!w.failed)
        r->metadata_json = detect_strndup(w.buf, w.len);
    jsonw_free(&w);
    return r->metadata_json ? 0 : -1;
}

/* ["url",...]: the reference.config prefix of the type followed by the value;
 * "type,value" when no reference.config is loaded. */
static int build_references_json(struct parse_ctx *pc)
{
    struct rule *r = pc->r;
    if (r->nrefs == 0)
        return 0;
    struct sbuf b;
    sbuf_init(&b);
    struct jsonw w;
    jsonw_init(&w);
    jsonw_append(&w, "[", 1);
    for (uint32_t i = 0; i < r->nrefs; i++) {
        const char *comma = strchr(r->refs[i], ',');
        char type[64];
        snprintf(type, sizeof(type), "%.*s", (int)(comma - r->refs[i]), r->refs[i]);
        const struct ref_entry *re = refconf_find(pc->env->refs, type);
        const char *val = comma + 1;
        while (*val == ' ')
            val++;
        b.len = 0;
        if (re) {
            sbuf_puts(&b, re->url);
            sbuf_puts(&b, val);
        } else {
            sbuf_puts(&b, r->refs[i]);
        }
        if (i)
            jsonw_append(&w, ",", 1);
        if (b.s)
            jsonw_append_escaped(&w, b.s, b.len);
    }
    jsonw_append(&w, "]", 1);
    if (!w.failed && !b.failed)
        r->references_json = detect_strndup(w.buf, w.len);
    sbuf_free(&b);
    jsonw_free(&w);
    return r->references_json ? 0 : -1;
}

static int finalize(struct parse_ctx *pc)
{
    struct rule *r = pc->r;
    if (check_sticky_used(pc) < 0)
        return -1;
    if (!pc->seen_sid)
        return pc_err(pc, "rule has no sid");
    if (check_buffer_contents(pc) < 0)
        return -1;
    for (int b = 0; b < BUF_COUNT; b++)
        inspect_prepare_list(&r->lists[b]);
    if (decide_kind_and_direction(pc) < 0)
        return -1;
    if (check_keyword_combinations(pc) < 0)
        return -1;
    flowbit_flags(r);
    if (!r->msg && !(r->msg = strdup("")))
        return pc_err(pc, "out of memory");
    const struct class_entry *ce = NULL;
    if (r->classtype) {
        ce = classification_find(pc->env->cls, r->classtype);
        if (!ce) {
            if (pc->env->diag && pc->env->diag->strict)
                return pc_err(pc, "unknown classtype '%s' (not in classification.config)", r->classtype);
            pc_warn(pc, "unknown classtype '%s' (not in classification.config): category left "
                        "empty, priority 3", r->classtype);
        }
    }
    r->category = ce ? ce->desc : "";
    r->priority = r->prio_explicit ? r->prio_explicit : ce ? ce->prio : 3;
    if (build_metadata_json(r) < 0 || build_references_json(pc) < 0)
        return pc_err(pc, "out of memory");
    if (r->action >= ACT_DROP)
        pc_warn(pc, "action '%s' loads as 'alert': the sensor is passive and cannot block",
                action_names[r->action]);
    r->sig.gid = r->gid;
    r->sig.sid = r->sid;
    r->sig.rev = r->rev;
    r->sig.severity = r->priority;
    r->sig.msg = r->msg;
    r->sig.category = r->category;
    r->sig.metadata_json = r->metadata_json;
    r->sig.references_json = r->references_json;
    return 0;
}

/* ------------------------------------------------------------ entry point */

struct rule *rule_parse(struct load_env *env, const char *text, const char *file, int line,
                        char *err, size_t errlen)
{
    size_t len = strlen(text);
    if (len > DETECT_MAX_RULE_LEN) {
        snprintf(err, errlen, "rule is longer than %d bytes", DETECT_MAX_RULE_LEN);
        return NULL;
    }
    char *buf = detect_strndup(text, len);
    struct rule *r = calloc(1, sizeof(*r));
    if (!buf || !r) {
        free(buf);
        free(r);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    r->gid = 1;
    r->fp_buf = -1;
    r->file = file;
    r->line = line;
    struct parse_ctx pc;
    memset(&pc, 0, sizeof(pc));
    pc.env = env;
    pc.r = r;
    pc.file = file;
    pc.line = line;
    pc.cur_buf = BUF_PAYLOAD;
    pc.last_content_list = -1;
    pc.last_payload_list = -1;

    char *s = detect_trim(buf);
    char *open = strchr(s, '(');
    char *close = strrchr(s, ')');
    char *proto_text = NULL;
    if (!open) {
        pc_err(&pc, "no options: a rule needs '(' after the header");
        goto fail;
    }
    if (!close || close < open) {
        pc_err(&pc, "the options are not closed by ')'");
        goto fail;
    }
    if (close[1] != '\0') {
        pc_err(&pc, "unexpected text after the closing ')'");
        goto fail;
    }
    *open = '\0';
    *close = '\0';
    if (parse_header(&pc, s, &proto_text) < 0)
        goto fail;
    if (parse_options(&pc, open + 1) < 0)
        goto fail;
    if (finalize(&pc) < 0)
        goto fail;
    (void)proto_text;
    free(buf);
    return r;
fail:
    snprintf(err, errlen, "%s", pc.err[0] ? pc.err : "invalid rule");
    free(buf);
    rule_free(r);
    return NULL;
}

/* ------------------------------------------------------------ formatting */

static void format_list(const struct rule *r, int list, struct sbuf *b)
{
    for (uint32_t i = 0; i < r->lists[list].n; i++) {
        const struct sigmatch *sm = &r->lists[list].v[i];
        if (sm->kw && sm->kw->print)
            sm->kw->print(sm, b);
    }
}

static void format_header(const struct rule *r, struct sbuf *b)
{
    sbuf_puts(b, action_names[r->action]);
    sbuf_puts(b, " ");
    if (r->h.proto_text) {
        sbuf_puts(b, r->h.proto_text);
    } else {
        sbuf_puts(b, app_proto_name(&r->h.app));
    }
    sbuf_printf(b, " %s %s %s %s %s (", r->h.src_text, r->h.sp_text, r->h.bidir ? "<>" : "->",
                r->h.dst_text, r->h.dp_text);
}

static void format_escaped_msg(struct sbuf *b, const char *m)
{
    sbuf_puts(b, "msg:\"");
    for (; *m; m++) {
        if (*m == '"' || *m == ';' || *m == '\\' || *m == ':')
            sbuf_add(b, "\\", 1);
        sbuf_add(b, m, 1);
    }
    sbuf_puts(b, "\"; ");
}

char *rule_format(const struct rule *r)
{
    struct sbuf b;
    sbuf_init(&b);
    format_header(r, &b);
    if (r->msg && *r->msg)
        format_escaped_msg(&b, r->msg);
    format_list(r, SML_PACKET, &b);
    format_list(r, SML_FLOW, &b);
    format_list(r, BUF_PAYLOAD, &b);
    for (int l = 1; l < BUF_COUNT; l++) {
        if (!(r->buf_mask & BUF_BIT(l)))
            continue;
        sbuf_printf(&b, "%s; ", detect_buffers[l].name);
        format_list(r, l, &b);
    }
    format_list(r, SML_POST, &b);
    if (r->flags & RF_NOALERT)
        sbuf_puts(&b, "noalert; ");
    if (r->thr)
        thr_print(r->thr, r->thr->type == THR_DETECTION, &b);
    if (r->classtype)
        sbuf_printf(&b, "classtype:%s; ", r->classtype);
    if (r->prio_explicit)
        sbuf_printf(&b, "priority:%d; ", r->prio_explicit);
    for (uint32_t i = 0; i < r->nrefs; i++)
        sbuf_printf(&b, "reference:%s; ", r->refs[i]);
    if (r->nmeta) {
        sbuf_puts(&b, "metadata:");
        for (uint32_t i = 0; i < r->nmeta; i++)
            sbuf_printf(&b, "%s%s", i ? ", " : "", r->meta[i]);
        sbuf_puts(&b, "; ");
    }
    sbuf_printf(&b, "sid:%u; rev:%u; ", r->sid, r->rev);
    if (r->gid != 1)
        sbuf_printf(&b, "gid:%u; ", r->gid);
    if (b.len && b.s[b.len - 1] == ' ')
        b.len--;
    sbuf_puts(&b, ")");
    if (b.failed) {
        sbuf_free(&b);
        return NULL;
    }
    return b.s;
}

/* ------------------------------------------------------------ rule files */

static bool looks_like_rule(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    for (size_t i = 0; i < sizeof(action_names) / sizeof(action_names[0]); i++) {
        size_t n = strlen(action_names[i]);
        if (strncmp(s, action_names[i], n) == 0 && (s[n] == ' ' || s[n] == '\t'))
            return true;
    }
    return false;
}

int rules_read_file(const char *path, struct load_diag *d,
                    int (*fn)(void *arg, const char *text, int line), void *arg)
{
    size_t len;
    char *buf = detect_read_file(path, &len);
    if (!buf)
        return -1;
    struct sbuf rule;
    sbuf_init(&rule);
    int lineno = 0, start = 0;
    bool too_long = false;
    char *next = NULL;
    for (char *p = buf; p; p = next) {
        if (!*p && !next && p != buf)
            break;
        char *nl = memchr(p, '\n', len - (size_t)(p - buf));
        next = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        if (!nl && !*p)
            break;
        lineno++;
        size_t n = strlen(p);
        while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' ' || p[n - 1] == '\t'))
            p[--n] = '\0';
        if (rule.len == 0 && !too_long) {
            if (n == 0 || p[0] == '#')
                continue;
            if (p[0] == ' ' || p[0] == '\t') {
                if (looks_like_rule(p))
                    diag_msg(d, LOG_WARN, path, lineno, "line starts with a blank and is ignored, "
                             "as Suricata does; remove the leading blanks to load the rule");
                continue;
            }
            start = lineno;
        }
        bool cont = n > 0 && p[n - 1] == '\\';
        if (cont)
            p[--n] = '\0';
        if (!too_long) {
            if (rule.len + n > DETECT_MAX_RULE_LEN) {
                too_long = true;
            } else {
                sbuf_add(&rule, p, n);
            }
        }
        if (cont && next)
            continue;
        if (too_long) {
            diag_msg(d, LOG_ERROR, path, start, "rule is longer than %d bytes", DETECT_MAX_RULE_LEN);
        } else if (rule.failed) {
            diag_msg(d, LOG_ERROR, path, start, "out of memory");
        } else if (fn(arg, rule.s ? rule.s : "", start) < 0) {
            sbuf_free(&rule);
            free(buf);
            return -2;
        }
        rule.len = 0;
        if (rule.s)
            rule.s[0] = '\0';
        too_long = false;
    }
    sbuf_free(&rule);
    free(buf);
    return 0;
}
