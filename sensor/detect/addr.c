/* addr.c - address and port expressions of rule headers (see addr.h).
 *
 * Both kinds share one recursive-descent parser over the grammar
 *
 *     expr := '!'* atom          atom := '[' expr (',' expr)* ']' | '$'NAME | any | literal
 *
 * and one set algebra on sorted, merged ranges of 128-bit keys: IPv4, IPv6
 * and ports are kept in separate range lists with their own maximum. A list
 * is (union of positive elements, or everything if it has none) minus the
 * union of its negated elements, which is what Suricata does; a top-level
 * "!x" is the complement of x. Results are then packed into the compact
 * forms of addr.h. Parsing happens at load time only, so clarity wins over
 * speed here; matching (a binary search) is what the packet path uses.
 */
#include "addr.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VAR_MAX_DEPTH 32

/* ---------------------------------------------------------- 128-bit keys */

static int key_cmp(struct v6key a, struct v6key b)
{
    if (a.hi != b.hi)
        return a.hi < b.hi ? -1 : 1;
    if (a.lo != b.lo)
        return a.lo < b.lo ? -1 : 1;
    return 0;
}

static struct v6key key_inc(struct v6key a)
{
    a.lo++;
    if (a.lo == 0)
        a.hi++;
    return a;
}

static struct v6key key_dec(struct v6key a)
{
    if (a.lo == 0)
        a.hi--;
    a.lo--;
    return a;
}

static struct v6key key_u64(uint64_t v)
{
    struct v6key k = {0, v};
    return k;
}

struct v6key v6key_from(const uint8_t b[16])
{
    struct v6key k = {0, 0};
    for (int i = 0; i < 8; i++)
        k.hi = k.hi << 8 | b[i];
    for (int i = 8; i < 16; i++)
        k.lo = k.lo << 8 | b[i];
    return k;
}

/* ---------------------------------------------------------- range lists */

struct rlist {
    struct v6range *r;
    uint32_t n, cap;
    bool oom;
};

static void rl_push(struct rlist *l, struct v6key lo, struct v6key hi)
{
    if (l->n == l->cap) {
        uint32_t cap = l->cap ? l->cap * 2 : 8;
        struct v6range *nr = realloc(l->r, cap * sizeof(*nr));
        if (!nr) {
            l->oom = true;
            return;
        }
        l->r = nr;
        l->cap = cap;
    }
    l->r[l->n].lo = lo;
    l->r[l->n].hi = hi;
    l->n++;
}

static void rl_free(struct rlist *l)
{
    free(l->r);
    memset(l, 0, sizeof(*l));
}

static int range_cmp(const void *a, const void *b)
{
    return key_cmp(((const struct v6range *)a)->lo, ((const struct v6range *)b)->lo);
}

/* Sorts and merges overlapping or adjacent ranges. */
static void rl_normalize(struct rlist *l, struct v6key max)
{
    if (l->n < 2)
        return;
    qsort(l->r, l->n, sizeof(*l->r), range_cmp);
    uint32_t w = 0;
    for (uint32_t i = 1; i < l->n; i++) {
        struct v6range *cur = &l->r[w];
        bool adjacent = key_cmp(cur->hi, max) < 0 && key_cmp(key_inc(cur->hi), l->r[i].lo) >= 0;
        if (adjacent || key_cmp(cur->hi, l->r[i].lo) >= 0) {
            if (key_cmp(l->r[i].hi, cur->hi) > 0)
                cur->hi = l->r[i].hi;
        } else {
            l->r[++w] = l->r[i];
        }
    }
    l->n = w + 1;
}

static void rl_union_into(struct rlist *dst, const struct rlist *src, struct v6key max)
{
    for (uint32_t i = 0; i < src->n; i++)
        rl_push(dst, src->r[i].lo, src->r[i].hi);
    if (src->oom)
        dst->oom = true;
    rl_normalize(dst, max);
}

/* a - b; both normalized. */
static void rl_subtract(struct rlist *a, const struct rlist *b)
{
    struct rlist out = {0};
    uint32_t j = 0;
    for (uint32_t i = 0; i < a->n; i++) {
        struct v6key lo = a->r[i].lo, hi = a->r[i].hi;
        bool alive = true;
        while (j < b->n && key_cmp(b->r[j].hi, lo) < 0)
            j++;
        for (uint32_t k = j; k < b->n && alive && key_cmp(b->r[k].lo, hi) <= 0; k++) {
            if (key_cmp(b->r[k].lo, lo) > 0)
                rl_push(&out, lo, key_dec(b->r[k].lo));
            if (key_cmp(b->r[k].hi, hi) >= 0)
                alive = false;
            else
                lo = key_inc(b->r[k].hi);
        }
        if (alive)
            rl_push(&out, lo, hi);
    }
    if (a->oom || b->oom)
        out.oom = true;
    rl_free(a);
    *a = out;
}

static void rl_set_all(struct rlist *l, struct v6key max)
{
    l->n = 0;
    rl_push(l, key_u64(0), max);
}

static bool rl_is_all(const struct rlist *l, struct v6key max)
{
    return l->n == 1 && key_cmp(l->r[0].lo, key_u64(0)) == 0 && key_cmp(l->r[0].hi, max) == 0;
}

/* ---------------------------------------------------------- the parser */

enum set_kind { KIND_ADDR, KIND_PORT };

/* A value of an expression: IPv4 and IPv6 lists for addresses, list a for ports. */
struct val {
    struct rlist a;   /* IPv4 or ports */
    struct rlist b;   /* IPv6 */
};

struct parser {
    enum set_kind kind;
    const struct detect_vars *vars;
    char *err;
    size_t errlen;
    bool failed;
};

static const struct v6key MAX4 = {0, 0xffffffffULL};
static const struct v6key MAX6 = {~0ULL, ~0ULL};
static const struct v6key MAXP = {0, 65535};

static int perr(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int perr(struct parser *ps, const char *fmt, ...)
{
    if (!ps->failed) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(ps->err, ps->errlen, fmt, ap);
        va_end(ap);
        ps->failed = true;
    }
    return -1;
}

static void val_free(struct val *v)
{
    rl_free(&v->a);
    rl_free(&v->b);
}

static void val_all(struct parser *ps, struct val *v)
{
    if (ps->kind == KIND_ADDR) {
        rl_set_all(&v->a, MAX4);
        rl_set_all(&v->b, MAX6);
    } else {
        rl_set_all(&v->a, MAXP);
    }
}

static void val_union(struct parser *ps, struct val *dst, const struct val *src)
{
    rl_union_into(&dst->a, &src->a, ps->kind == KIND_ADDR ? MAX4 : MAXP);
    rl_union_into(&dst->b, &src->b, MAX6);
}

static void val_subtract(struct val *dst, const struct val *src)
{
    rl_subtract(&dst->a, &src->a);
    rl_subtract(&dst->b, &src->b);
}

static void val_complement(struct parser *ps, struct val *v)
{
    struct val all = {0};
    val_all(ps, &all);
    val_subtract(&all, v);
    val_free(v);
    *v = all;
}

static void skip_ws(const char **p)
{
    while (**p == ' ' || **p == '\t')
        (*p)++;
}

/* The text of one token: up to ',' or ']' at this level (brackets excluded). */
static size_t token_len(const char *p)
{
    size_t n = 0;
    while (p[n] && p[n] != ',' && p[n] != ']' && p[n] != '[')
        n++;
    while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t'))
        n--;
    return n;
}

static int parse_prefix_len(const char *s, unsigned max, unsigned *out)
{
    if (!*s)
        return -1;
    unsigned v = 0;
    for (; *s; s++) {
        if (!isdigit((unsigned char)*s))
            return -1;
        v = v * 10 + (unsigned)(*s - '0');
        if (v > max)
            return -1;
    }
    *out = v;
    return 0;
}

/* Number of leading one bits of a contiguous netmask, or -1. */
static int netmask_bits(const uint8_t m[4])
{
    uint32_t v = (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 | (uint32_t)m[2] << 8 | m[3];
    int bits = 0;
    while (bits < 32 && (v & (0x80000000u >> bits)))
        bits++;
    uint32_t rest = bits == 32 ? 0 : v << bits;
    return rest ? -1 : bits;
}

static int parse_ip(const char *s, int *family, uint8_t b[16])
{
    memset(b, 0, 16);
    if (inet_pton(AF_INET, s, b) == 1) {
        *family = 4;
        return 0;
    }
    if (inet_pton(AF_INET6, s, b) == 1) {
        *family = 6;
        return 0;
    }
    return -1;
}

static struct v6key ip_key(int family, const uint8_t b[16])
{
    if (family == 4)
        return key_u64((uint64_t)b[0] << 24 | (uint64_t)b[1] << 16 | (uint64_t)b[2] << 8 | b[3]);
    return v6key_from(b);
}

/* Network [lo,hi] of prefix/bits. */
static void cidr_range(int family, const uint8_t b[16], unsigned bits, struct v6key *lo,
                       struct v6key *hi)
{
    unsigned width = family == 4 ? 32 : 128;
    struct v6key k = ip_key(family, b);
    unsigned host = width - bits;
    struct v6key mask;   /* host bits set */
    if (host == 0) {
        mask.hi = mask.lo = 0;
    } else if (host >= 128) {
        mask.hi = mask.lo = ~0ULL;
    } else if (host >= 64) {
        mask.lo = ~0ULL;
        mask.hi = host == 64 ? 0 : (~0ULL >> (128 - host));
    } else {
        mask.hi = 0;
        mask.lo = (~0ULL) >> (64 - host);
    }
    lo->hi = k.hi & ~mask.hi;
    lo->lo = k.lo & ~mask.lo;
    hi->hi = lo->hi | mask.hi;
    hi->lo = lo->lo | mask.lo;
    if (family == 4)
        hi->hi = lo->hi = 0;
}

static int parse_addr_literal(struct parser *ps, const char *tok, struct val *v)
{
    char buf[128];
    if (strlen(tok) >= sizeof(buf))
        return perr(ps, "invalid address '%s'", tok);
    strcpy(buf, tok);
    int fam;
    uint8_t b[16];
    char *slash = strchr(buf, '/');
    char *dash = strchr(buf, '-');
    if (slash) {
        *slash = '\0';
        if (parse_ip(buf, &fam, b) < 0)
            return perr(ps, "invalid address '%s'", tok);
        unsigned bits;
        if (parse_prefix_len(slash + 1, fam == 4 ? 32 : 128, &bits) < 0) {
            uint8_t m[16];
            int mf, mb;
            if (fam != 4 || parse_ip(slash + 1, &mf, m) < 0 || mf != 4 || (mb = netmask_bits(m)) < 0)
                return perr(ps, "invalid address '%s': bad prefix length or netmask", tok);
            bits = (unsigned)mb;
        }
        struct v6key lo, hi;
        cidr_range(fam, b, bits, &lo, &hi);
        rl_push(fam == 4 ? &v->a : &v->b, lo, hi);
        return 0;
    }
    if (dash) {
        *dash = '\0';
        int f2;
        uint8_t b2[16];
        if (parse_ip(buf, &fam, b) < 0 || parse_ip(dash + 1, &f2, b2) < 0 || fam != f2)
            return perr(ps, "invalid address range '%s'", tok);
        struct v6key lo = ip_key(fam, b), hi = ip_key(fam, b2);
        if (key_cmp(lo, hi) > 0)
            return perr(ps, "invalid address range '%s': start is after end", tok);
        rl_push(fam == 4 ? &v->a : &v->b, lo, hi);
        return 0;
    }
    if (parse_ip(buf, &fam, b) < 0)
        return perr(ps, "invalid address '%s'", tok);
    struct v6key k = ip_key(fam, b);
    rl_push(fam == 4 ? &v->a : &v->b, k, k);
    return 0;
}

static int parse_port_number(const char *s, size_t n, uint32_t *out)
{
    if (n == 0 || n > 5)
        return -1;
    uint32_t v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isdigit((unsigned char)s[i]))
            return -1;
        v = v * 10 + (uint32_t)(s[i] - '0');
    }
    if (v > 65535)
        return -1;
    *out = v;
    return 0;
}

static int parse_port_literal(struct parser *ps, const char *tok, struct val *v)
{
    const char *colon = strchr(tok, ':');
    uint32_t lo, hi;
    if (!colon) {
        if (parse_port_number(tok, strlen(tok), &lo) < 0)
            return perr(ps, "invalid port '%s'", tok);
        hi = lo;
    } else {
        size_t n1 = (size_t)(colon - tok), n2 = strlen(colon + 1);
        if (n1 == 0 && n2 == 0)
            return perr(ps, "invalid port range '%s'", tok);
        lo = 0;
        hi = 65535;
        if (n1 && parse_port_number(tok, n1, &lo) < 0)
            return perr(ps, "invalid port range '%s'", tok);
        if (n2 && parse_port_number(colon + 1, n2, &hi) < 0)
            return perr(ps, "invalid port range '%s'", tok);
        if (lo > hi)
            return perr(ps, "invalid port range '%s': start is after end", tok);
    }
    rl_push(&v->a, key_u64(lo), key_u64(hi));
    return 0;
}

static int parse_expr(struct parser *ps, const char **p, int depth, struct val *out);

static int parse_text(struct parser *ps, const char *text, int depth, struct val *out)
{
    const char *p = text;
    skip_ws(&p);
    if (parse_expr(ps, &p, depth, out) < 0)
        return -1;
    skip_ws(&p);
    if (*p)
        return perr(ps, "unexpected '%c' in '%s'", *p, text);
    return 0;
}

static int parse_var(struct parser *ps, const char **p, int depth, struct val *out)
{
    const char *s = *p + 1;
    size_t n = 0;
    while (isalnum((unsigned char)s[n]) || s[n] == '_')
        n++;
    if (n == 0)
        return perr(ps, "'$' without a variable name");
    char name[128];
    if (n >= sizeof(name))
        return perr(ps, "variable name too long");
    memcpy(name, s, n);
    name[n] = '\0';
    *p = s + n;
    if (depth >= VAR_MAX_DEPTH)
        return perr(ps, "variable '$%s' is nested too deep (does it refer to itself?)", name);
    const char *value = vars_lookup(ps->vars, name);
    if (!value)
        return perr(ps, "unknown variable '$%s'", name);
    return parse_text(ps, value, depth + 1, out);
}

static int parse_list(struct parser *ps, const char **p, int depth, struct val *out)
{
    struct val pos = {0}, neg = {0};
    bool any_pos = false;
    (*p)++;   /* '[' */
    for (;;) {
        skip_ws(p);
        if (**p == ']')
            break;
        int nots = 0;
        while (**p == '!') {
            nots++;
            (*p)++;
            skip_ws(p);
        }
        struct val e = {0};
        if (parse_expr(ps, p, depth, &e) < 0) {
            val_free(&e);
            goto fail;
        }
        if (nots % 2) {
            val_union(ps, &neg, &e);
        } else {
            val_union(ps, &pos, &e);
            any_pos = true;
        }
        val_free(&e);
        skip_ws(p);
        if (**p == ',') {
            (*p)++;
            continue;
        }
        if (**p == ']')
            break;
        if (**p == '\0')
            perr(ps, "missing ']'");
        else
            perr(ps, "unexpected '%c' in list", **p);
        goto fail;
    }
    (*p)++;   /* ']' */
    if (!any_pos && neg.a.n == 0 && neg.b.n == 0) {
        perr(ps, "empty list '[]'");
        goto fail;
    }
    if (!any_pos)
        val_all(ps, &pos);
    val_subtract(&pos, &neg);
    val_free(&neg);
    *out = pos;
    return 0;
fail:
    val_free(&pos);
    val_free(&neg);
    return -1;
}

static int parse_expr(struct parser *ps, const char **p, int depth, struct val *out)
{
    int nots = 0;
    skip_ws(p);
    while (**p == '!') {
        nots++;
        (*p)++;
        skip_ws(p);
    }
    int rc;
    if (**p == '[') {
        rc = parse_list(ps, p, depth, out);
    } else if (**p == '$') {
        rc = parse_var(ps, p, depth, out);
    } else {
        size_t n = token_len(*p);
        if (n == 0)
            return perr(ps, **p ? "unexpected '%c'" : "missing value", **p);
        char tok[160];
        if (n >= sizeof(tok))
            return perr(ps, "value too long");
        memcpy(tok, *p, n);
        tok[n] = '\0';
        *p += n;
        if (strcmp(tok, "any") == 0) {
            val_all(ps, out);
            rc = 0;
        } else if (ps->kind == KIND_ADDR) {
            rc = parse_addr_literal(ps, tok, out);
        } else {
            rc = parse_port_literal(ps, tok, out);
        }
        if (rc == 0) {
            rl_normalize(&out->a, ps->kind == KIND_ADDR ? MAX4 : MAXP);
            rl_normalize(&out->b, MAX6);
        }
    }
    if (rc < 0)
        return -1;
    if (nots % 2)
        val_complement(ps, out);
    if (out->a.oom || out->b.oom)
        return perr(ps, "out of memory");
    return 0;
}

/* ---------------------------------------------------------- public API */

int addr_set_parse(const char *text, const struct detect_vars *vars, struct addr_set *out,
                   char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    struct parser ps = {KIND_ADDR, vars, err, errlen, false};
    struct val v = {0};
    if (parse_text(&ps, text, 0, &v) < 0) {
        val_free(&v);
        return -1;
    }
    if (v.a.n == 0 && v.b.n == 0) {
        val_free(&v);
        return perr(&ps, "'%s' matches no address", text);
    }
    out->any = rl_is_all(&v.a, MAX4) && rl_is_all(&v.b, MAX6);
    out->n4 = v.a.n;
    out->n6 = v.b.n;
    if (v.a.n) {
        out->v4 = malloc(v.a.n * sizeof(*out->v4));
        if (!out->v4)
            goto oom;
        for (uint32_t i = 0; i < v.a.n; i++) {
            out->v4[i].lo = (uint32_t)v.a.r[i].lo.lo;
            out->v4[i].hi = (uint32_t)v.a.r[i].hi.lo;
        }
    }
    if (v.b.n) {
        out->v6 = malloc(v.b.n * sizeof(*out->v6));
        if (!out->v6)
            goto oom;
        memcpy(out->v6, v.b.r, v.b.n * sizeof(*out->v6));
    }
    val_free(&v);
    return 0;
oom:
    val_free(&v);
    addr_set_free(out);
    return perr(&ps, "out of memory");
}

bool addr_set_match(const struct addr_set *s, const struct ictw_addr *a)
{
    if (s->any)
        return true;
    if (a->family == 4) {
        uint32_t x = ictw_be32(a->b);
        uint32_t lo = 0, hi = s->n4;
        while (lo < hi) {   /* first range with lo > x */
            uint32_t mid = (lo + hi) / 2;
            if (s->v4[mid].lo <= x)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo > 0 && x <= s->v4[lo - 1].hi;
    }
    if (a->family == 6) {
        struct v6key x = v6key_from(a->b);
        uint32_t lo = 0, hi = s->n6;
        while (lo < hi) {
            uint32_t mid = (lo + hi) / 2;
            if (key_cmp(s->v6[mid].lo, x) <= 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        return lo > 0 && key_cmp(x, s->v6[lo - 1].hi) <= 0;
    }
    return false;
}

void addr_set_free(struct addr_set *s)
{
    free(s->v4);
    free(s->v6);
    memset(s, 0, sizeof(*s));
}

int port_set_parse(const char *text, const struct detect_vars *vars, struct port_set *out,
                   char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    struct parser ps = {KIND_PORT, vars, err, errlen, false};
    struct val v = {0};
    if (parse_text(&ps, text, 0, &v) < 0) {
        val_free(&v);
        return -1;
    }
    if (v.a.n == 0) {
        val_free(&v);
        return perr(&ps, "'%s' matches no port", text);
    }
    out->any = rl_is_all(&v.a, MAXP);
    out->n = v.a.n;
    out->r = malloc(v.a.n * sizeof(*out->r));
    if (!out->r) {
        val_free(&v);
        return perr(&ps, "out of memory");
    }
    for (uint32_t i = 0; i < v.a.n; i++) {
        out->r[i].lo = (uint16_t)v.a.r[i].lo.lo;
        out->r[i].hi = (uint16_t)v.a.r[i].hi.lo;
    }
    val_free(&v);
    return 0;
}

bool port_set_match(const struct port_set *s, uint16_t port)
{
    if (s->any)
        return true;
    uint32_t lo = 0, hi = s->n;
    while (lo < hi) {
        uint32_t mid = (lo + hi) / 2;
        if (s->r[mid].lo <= port)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo > 0 && port <= s->r[lo - 1].hi;
}

void port_set_free(struct port_set *s)
{
    free(s->r);
    memset(s, 0, sizeof(*s));
}
