/* uint_cmp.c - Suricata's generic unsigned integer syntax (integer-keywords).
 *
 *   N  =N   equal            !N  !=N   not equal
 *   <N <=N >N >=N            lo-hi  lo<>hi   strictly between (exclusive)
 *   !lo-hi  outside the range
 *
 * Values are decimal or 0x-prefixed hex, at most `max`. Used by dsize,
 * ttl, itype and icode, which share the setup and print functions below.
 */
#include "detect_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

static const char *skip_blank(const char *s)
{
    while (*s == ' ' || *s == '\t')
        s++;
    return s;
}

/* Parses a number at *s; advances *s. */
static int parse_num(const char **s, uint32_t max, uint32_t *out)
{
    const char *p = skip_blank(*s);
    uint64_t v = 0;
    int digits = 0;
    if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X')) {
        p += 2;
        while (isxdigit((unsigned char)*p)) {
            int d = isdigit((unsigned char)*p) ? *p - '0' : (tolower((unsigned char)*p) - 'a' + 10);
            v = v * 16 + (uint64_t)d;
            if (v > max)
                return -1;
            p++;
            digits++;
        }
    } else {
        while (isdigit((unsigned char)*p)) {
            v = v * 10 + (uint64_t)(*p - '0');
            if (v > max)
                return -1;
            p++;
            digits++;
        }
    }
    if (!digits)
        return -1;
    *out = (uint32_t)v;
    *s = skip_blank(p);
    return 0;
}

int uint_cmp_parse(const char *s, uint32_t max, struct uint_cmp *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    const char *p = skip_blank(s);
    bool neg = false;
    if (*p == '!') {
        neg = true;
        p++;
        if (*p == '=')
            p++;
    }
    p = skip_blank(p);
    uint8_t mode = UM_EQ;
    if (!neg) {
        if (p[0] == '<' && p[1] == '=') {
            mode = UM_LTE;
            p += 2;
        } else if (p[0] == '>' && p[1] == '=') {
            mode = UM_GTE;
            p += 2;
        } else if (p[0] == '<') {
            mode = UM_LT;
            p++;
        } else if (p[0] == '>') {
            mode = UM_GT;
            p++;
        } else if (p[0] == '=') {
            p++;
        }
    }
    uint32_t a, b = 0;
    if (parse_num(&p, max, &a) < 0) {
        snprintf(err, errlen, "'%s' is not a number from 0 to %u", s, max);
        return -1;
    }
    if (mode == UM_EQ && (*p == '-' || (p[0] == '<' && p[1] == '>'))) {
        p += *p == '-' ? 1 : 2;
        if (parse_num(&p, max, &b) < 0) {
            snprintf(err, errlen, "'%s': the range end is not a number from 0 to %u", s, max);
            return -1;
        }
        if (a >= b) {
            snprintf(err, errlen, "'%s': the range start must be lower than its end", s);
            return -1;
        }
        mode = neg ? UM_NRANGE : UM_RANGE;
    } else if (neg) {
        mode = UM_NE;
    }
    if (*p) {
        snprintf(err, errlen, "'%s': unexpected '%s'", s, p);
        return -1;
    }
    if (mode == UM_LT && a == 0) {
        snprintf(err, errlen, "'%s' can never match", s);
        return -1;
    }
    if (mode == UM_GT && a == max) {
        snprintf(err, errlen, "'%s' can never match", s);
        return -1;
    }
    out->mode = mode;
    out->a = a;
    out->b = b;
    return 0;
}

bool uint_cmp_match(const struct uint_cmp *c, uint32_t v)
{
    switch (c->mode) {
    case UM_EQ: return v == c->a;
    case UM_NE: return v != c->a;
    case UM_LT: return v < c->a;
    case UM_LTE: return v <= c->a;
    case UM_GT: return v > c->a;
    case UM_GTE: return v >= c->a;
    case UM_RANGE: return v > c->a && v < c->b;
    case UM_NRANGE: return !(v > c->a && v < c->b);
    }
    return false;
}

void uint_cmp_print(const struct uint_cmp *c, struct sbuf *out)
{
    switch (c->mode) {
    case UM_EQ: sbuf_printf(out, "%u", c->a); break;
    case UM_NE: sbuf_printf(out, "!%u", c->a); break;
    case UM_LT: sbuf_printf(out, "<%u", c->a); break;
    case UM_LTE: sbuf_printf(out, "<=%u", c->a); break;
    case UM_GT: sbuf_printf(out, ">%u", c->a); break;
    case UM_GTE: sbuf_printf(out, ">=%u", c->a); break;
    case UM_RANGE: sbuf_printf(out, "%u-%u", c->a, c->b); break;
    case UM_NRANGE: sbuf_printf(out, "!%u-%u", c->a, c->b); break;
    }
}

int kw_uint_setup(struct parse_ctx *pc, const char *v, const char *name, uint32_t max, sm_match_fn fn)
{
    struct uint_cmp *c = malloc(sizeof(*c));
    if (!c)
        return pc_err(pc, "out of memory");
    char e[200];
    if (uint_cmp_parse(v, max, c, e, sizeof(e)) < 0) {
        free(c);
        return pc_err(pc, "%s: %s", name, e);
    }
    pc->r->flags |= RF_NEEDS_PACKET;
    return pc_add(pc, SML_PACKET, SM_GENERIC, kw_by_name(name), c, fn) ? 0 : -1;
}

void kw_uint_print(const char *name, const struct sigmatch *sm, struct sbuf *out)
{
    sbuf_printf(out, "%s:", name);
    uint_cmp_print(sm->data, out);
    sbuf_puts(out, "; ");
}
