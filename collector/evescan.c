/* evescan.c - allocation-free validating scan of an EVE record (see evescan.h).
 *
 * A recursive descent over the bytes, depth-limited, with no allocation: object
 * keys are remembered as (pointer, length) on a fixed stack for the duplicate-key
 * check, and the values of interest are recorded by where they sit (a key of the
 * top-level object, of the `alert` object, of `alert.metadata`). Strings are
 * skipped eight bytes at a time until a quote, a backslash, a control byte or a
 * non-ASCII byte shows up; non-ASCII bytes must form well-formed UTF-8 (the same
 * rules as validate_utf8: no overlongs, no surrogates, nothing above U+10FFFF).
 *
 * The grammar is RFC 8259's, which is also jansson's: whitespace is space, tab, CR
 * and LF; numbers have no leading zeros, no lone '-', no '.' without digits; the
 * record is one value followed only by whitespace.
 */
#include "evescan.h"

#include <stdint.h>
#include <string.h>

enum ctx { CTX_OTHER, CTX_TOP, CTX_ALERT, CTX_META, CTX_TLP };

struct scan {
    const unsigned char *p, *end;
    struct evescan *out;
    const unsigned char *key[EVESCAN_MAX_KEYS];
    uint32_t keylen[EVESCAN_MAX_KEYS];
    unsigned nkeys;
};

struct field_name {
    const char *name;
    unsigned char len;
    signed char field;      /* enum evescan_field, or -1 for alert.metadata.tlp */
};

static const struct field_name top_fields[] = {
    {"event_type", 10, EVF_EVENT_TYPE}, {"timestamp", 9, EVF_TIMESTAMP}, {"src_ip", 6, EVF_SRC_IP},
    {"dest_ip", 7, EVF_DEST_IP},        {"proto", 5, EVF_PROTO},         {"app_proto", 9, EVF_APP_PROTO},
    {"src_port", 8, EVF_SRC_PORT},      {"dest_port", 9, EVF_DEST_PORT}, {"alert", 5, EVF_ALERT},
    {NULL, 0, 0},
};
static const struct field_name alert_fields[] = {
    {"signature_id", 12, EVF_SIGNATURE_ID}, {"gid", 3, EVF_GID},           {"rev", 3, EVF_REV},
    {"severity", 8, EVF_SEVERITY},          {"signature", 9, EVF_SIGNATURE}, {"category", 8, EVF_CATEGORY},
    {"metadata", 8, EVF_METADATA},          {NULL, 0, 0},
};
static const struct field_name meta_fields[] = {{"tlp", 3, -1}, {NULL, 0, 0}};

static bool value(struct scan *s, unsigned depth, enum ctx child, struct evescan_value *slot);

static void skip_ws(struct scan *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\n' || *s->p == '\r' || *s->p == '\t'))
        s->p++;
}

/* Nonzero when one of the 8 bytes is below 0x20, '"', '\\' or 0x80 and above. */
static uint64_t special_bytes(uint64_t x)
{
    const uint64_t ones = 0x0101010101010101ULL, high = 0x8080808080808080ULL;
    uint64_t q = x ^ (ones * '"'), b = x ^ (ones * '\\');
    /* (v - ones * n) & ~v has the high bit of some byte set iff a byte of v is below n */
    return (((x - ones * 0x20) & ~x) | ((q - ones) & ~q) | ((b - ones) & ~b) | x) & high;
}

/* One UTF-8 sequence starting at a byte >= 0x80; advances past it. */
static bool utf8_seq(struct scan *s)
{
    const unsigned char *p = s->p;
    unsigned c = *p, need, min, cp;
    if (c >= 0xc2 && c <= 0xdf)
        need = 1, min = 0x80, cp = c & 0x1f;
    else if (c >= 0xe0 && c <= 0xef)
        need = 2, min = 0x800, cp = c & 0x0f;
    else if (c >= 0xf0 && c <= 0xf4)
        need = 3, min = 0x10000, cp = c & 0x07;
    else
        return false;
    if ((size_t)(s->end - p) <= need)
        return false;
    for (unsigned k = 1; k <= need; k++) {
        if ((p[k] & 0xc0) != 0x80)
            return false;
        cp = cp << 6 | (p[k] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return false;
    s->p = p + need + 1;
    return true;
}

/* A string; s->p is on the opening quote. */
static bool string(struct scan *s, struct evescan_value *v)
{
    const unsigned char *start = ++s->p;
    bool escaped = false;
    for (;;) {
        while (s->end - s->p >= 8) {
            uint64_t w;
            memcpy(&w, s->p, 8);
            if (special_bytes(w))
                break;
            s->p += 8;
        }
        for (;;) {
            if (s->p >= s->end)
                return false;
            unsigned c = *s->p;
            if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
                s->p++;
                continue;
            }
            if (c == '"') {
                if (v) {
                    v->type = EVS_STRING;
                    v->escaped = escaped;
                    v->s = (const char *)start;
                    v->n = (size_t)(s->p - start);
                }
                s->p++;
                return true;
            }
            if (c == '\\') {
                /* \uXXXX may be a NUL or a lone surrogate, which jansson refuses: unsure */
                if (s->end - s->p < 2 || !memchr("\"\\/bfnrt", s->p[1], 8))
                    return false;
                escaped = true;
                s->p += 2;
            } else if (c < 0x20 || !utf8_seq(s)) {
                return false;
            }
            break;
        }
    }
}

static bool number(struct scan *s, struct evescan_value *v)
{
    const unsigned char *p = s->p, *end = s->end;
    bool neg = false, real = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    if (p >= end || *p < '0' || *p > '9')
        return false;
    unsigned long long n = 0;
    unsigned digits = 0;
    if (*p == '0') {
        p++;
        digits = 1;
        if (p < end && *p >= '0' && *p <= '9')
            return false;                     /* leading zero */
    } else {
        while (p < end && *p >= '0' && *p <= '9') {
            if (digits < 19)
                n = n * 10 + (unsigned)(*p - '0');
            digits++;
            p++;
        }
    }
    if (p < end && *p == '.') {
        real = true;
        p++;
        unsigned frac = 0;
        while (p < end && *p >= '0' && *p <= '9')
            frac++, p++;
        if (frac == 0)
            return false;
        digits += frac;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        real = true;
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        unsigned exp = 0;
        while (p < end && *p >= '0' && *p <= '9')
            exp++, p++;
        if (exp == 0 || exp > 2)
            return false;                     /* none, or maybe out of a double's range */
    }
    /* Integers of up to 18 digits fit a long long; longer ones may not (jansson
     * refuses those). Reals of up to 20 digits with a two-digit exponent cannot
     * overflow a double. */
    if (real ? digits > 20 : digits > 18)
        return false;
    if (v) {
        v->type = real ? EVS_REAL : EVS_INTEGER;
        v->i = neg ? -(long long)n : (long long)n;
    }
    s->p = p;
    return true;
}

static bool literal(struct scan *s, const char *word, size_t n, enum evescan_type t, struct evescan_value *v)
{
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
        return false;
    s->p += n;
    if (v)
        v->type = t;
    return true;
}

static const struct field_name *lookup(enum ctx c, const unsigned char *k, size_t n)
{
    const struct field_name *t = c == CTX_TOP ? top_fields : c == CTX_ALERT ? alert_fields
                                 : c == CTX_META ? meta_fields : NULL;
    for (; t && t->name; t++)
        if (t->len == n && memcmp(t->name, k, n) == 0)
            return t;
    return NULL;
}

/* After a member of an object or array: 1 at a ',' (skipped, with the whitespace
 * after it), 0 at the closing character (skipped), -1 on anything else. */
static int after_member(struct scan *s, char close)
{
    skip_ws(s);
    if (s->p >= s->end)
        return -1;
    if (*s->p == close) {
        s->p++;
        return 0;
    }
    if (*s->p != ',')
        return -1;
    s->p++;
    skip_ws(s);
    return 1;
}

static bool object(struct scan *s, unsigned depth, enum ctx c)
{
    unsigned base = s->nkeys;
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == '}') {
        s->p++;
        return true;
    }
    for (;;) {
        if (s->p >= s->end || *s->p != '"')
            return false;
        struct evescan_value k = {0};
        if (!string(s, &k) || k.escaped || s->nkeys == EVESCAN_MAX_KEYS)
            return false;
        for (unsigned i = base; i < s->nkeys; i++)
            if (s->keylen[i] == k.n && memcmp(s->key[i], k.s, k.n) == 0)
                return false;                 /* duplicate key: jansson refuses it */
        s->key[s->nkeys] = (const unsigned char *)k.s;
        s->keylen[s->nkeys++] = (uint32_t)k.n;
        skip_ws(s);
        if (s->p >= s->end || *s->p != ':')
            return false;
        s->p++;
        skip_ws(s);
        const struct field_name *f = lookup(c, (const unsigned char *)k.s, k.n);
        if (!f) {
            if (!value(s, depth + 1, CTX_OTHER, NULL))
                return false;
        } else if (f->field < 0) {
            /* alert.metadata.tlp: an array gives its first element */
            struct evescan_value t = {0};
            if (!value(s, depth + 1, CTX_TLP, &t))
                return false;
            if (t.type != EVS_ARRAY)
                s->out->f[EVF_TLP] = t;
        } else {
            enum ctx child = f->field == EVF_ALERT ? CTX_ALERT : f->field == EVF_METADATA ? CTX_META : CTX_OTHER;
            if (!value(s, depth + 1, child, &s->out->f[f->field]))
                return false;
        }
        int next = after_member(s, '}');
        if (next <= 0) {
            s->nkeys = base;
            return next == 0;
        }
    }
}

static bool array(struct scan *s, unsigned depth, enum ctx c)
{
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == ']') {
        s->p++;
        return true;
    }
    for (unsigned i = 0;; i++) {
        struct evescan_value *slot = c == CTX_TLP && i == 0 ? &s->out->f[EVF_TLP] : NULL;
        if (!value(s, depth + 1, CTX_OTHER, slot))
            return false;
        int next = after_member(s, ']');
        if (next <= 0)
            return next == 0;
    }
}

/* A value at s->p (whitespace already skipped). child: what the keys of an object
 * value mean, or CTX_TLP for the tlp array. slot: where to record it (may be NULL). */
static bool value(struct scan *s, unsigned depth, enum ctx child, struct evescan_value *slot)
{
    if (s->p >= s->end || depth > EVESCAN_MAX_DEPTH)
        return false;
    switch (*s->p) {
    case '"':
        return string(s, slot);
    case '{':
        if (slot)
            slot->type = EVS_OBJECT;
        return object(s, depth, child == CTX_TLP ? CTX_OTHER : child);
    case '[':
        if (slot)
            slot->type = EVS_ARRAY;
        return array(s, depth, child);
    case 't':
        return literal(s, "true", 4, EVS_TRUE, slot);
    case 'f':
        return literal(s, "false", 5, EVS_FALSE, slot);
    case 'n':
        return literal(s, "null", 4, EVS_NULL, slot);
    default:
        return number(s, slot);
    }
}

bool evescan_record(const char *data, size_t len, struct evescan *out)
{
    memset(out, 0, sizeof(*out));
    struct scan s;
    s.p = (const unsigned char *)data;
    s.end = s.p + len;
    s.out = out;
    s.nkeys = 0;
    skip_ws(&s);
    if (s.p >= s.end || *s.p != '{' || !object(&s, 1, CTX_TOP))
        return false;
    skip_ws(&s);
    return s.p == s.end;
}
