/* jsonw.c - the streaming JSON writer (see jsonw.h for the design).
 *
 * String escaping is the hot part: plain ASCII is recognised eight bytes at
 * a time (one 64-bit word tested for control bytes, quotes, backslashes and
 * bytes >= 0x80) and copied as it is; control characters, quotes and
 * backslashes are escaped; UTF-8 is validated sequence by sequence and any
 * byte that is not part of a valid sequence is written as \u00XX so the
 * output is always valid JSON text. The buffer check is inlined: growing is
 * the rare case.
 */
#include "ictwatch/jsonw.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void jsonw_init(struct jsonw *w)
{
    memset(w, 0, sizeof(*w));
}

void jsonw_reset(struct jsonw *w)
{
    w->len = 0;
    w->depth = 0;
    w->after_key = false;
    w->failed = false;
    w->need_comma[0] = false;
    if (w->buf)
        w->buf[0] = '\0';
}

void jsonw_free(struct jsonw *w)
{
    free(w->buf);
    memset(w, 0, sizeof(*w));
}

bool jsonw_grow(struct jsonw *w, size_t extra)
{
    size_t cap = w->cap ? w->cap : 1024;
    while (cap < w->len + extra + 1) {
        if (cap > SIZE_MAX / 2) {
            w->failed = true;
            return false;
        }
        cap *= 2;
    }
    char *nb = realloc(w->buf, cap);
    if (!nb) {
        w->failed = true;
        return false;
    }
    w->buf = nb;
    w->cap = cap;
    return true;
}

static inline bool reserve(struct jsonw *w, size_t extra)
{
    if (w->failed)
        return false;
    if (w->len + extra + 1 <= w->cap)
        return true;
    return jsonw_grow(w, extra);
}

void jsonw_append(struct jsonw *w, const char *s, size_t n)
{
    if (!reserve(w, n))
        return;
    memcpy(w->buf + w->len, s, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

static inline void put_char(struct jsonw *w, char c)
{
    if (!reserve(w, 1))
        return;
    w->buf[w->len++] = c;
    w->buf[w->len] = '\0';
}

/* Writes the comma a new value or key needs at the current depth. */
static inline void before_value(struct jsonw *w)
{
    if (!reserve(w, 1))
        return;
    char *o = jsonw_put_separator(w, w->buf + w->len);
    w->len = (size_t)(o - w->buf);
    w->buf[w->len] = '\0';
}

/* Length of a valid UTF-8 sequence starting at s (n bytes left), or 0. */
static size_t utf8_seq_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    if (c >= 0xc2 && c <= 0xdf)
        return n >= 2 && (s[1] & 0xc0) == 0x80 ? 2 : 0;
    if (c >= 0xe0 && c <= 0xef) {
        if (n < 3 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
            return 0;
        if (c == 0xe0 && s[1] < 0xa0)
            return 0; /* overlong */
        if (c == 0xed && s[1] >= 0xa0)
            return 0; /* surrogate */
        return 3;
    }
    if (c >= 0xf0 && c <= 0xf4) {
        if (n < 4 || (s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
            return 0;
        if (c == 0xf0 && s[1] < 0x90)
            return 0;
        if (c == 0xf4 && s[1] >= 0x90)
            return 0;
        return 4;
    }
    return 0;
}

/* 1 for bytes that can be copied as they are: printable ASCII but '"' and '\\'. */
static const uint8_t plain[256] = {
#define R16(v) v, v, v, v, v, v, v, v, v, v, v, v, v, v, v, v
    R16(0), R16(0),
    1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,   /* 0x20..0x2f: '"' */
    R16(1), R16(1),
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1,   /* 0x50..0x5f: '\\' */
    R16(1),
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,   /* 0x70..0x7f */
    R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0), R16(0),
#undef R16
};

#define BYTES(v) (0x0101010101010101ULL * (v))

/* True when none of the eight bytes of x needs escaping: each is in
 * 0x20..0x7f and none is '"' or '\\'. A byte >= 0x80 shows in x's own high
 * bits; among bytes < 0x80, subtracting 0x20 from each sets a high bit only
 * when some byte is below 0x20, and subtracting 1 from x ^ '"' (x ^ '\\')
 * only when some byte is a quote (backslash). A borrow can carry into the
 * next byte, but only after such a byte: the answer for the word is exact. */
static inline bool plain8(uint64_t x)
{
    uint64_t q = x ^ BYTES('"'), b = x ^ BYTES('\\');
    return (((x - BYTES(0x20)) | (q - BYTES(1)) | (b - BYTES(1)) | x) & BYTES(0x80)) == 0;
}

void jsonw_append_escaped(struct jsonw *w, const char *str, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *s = (const unsigned char *)str;
    /* Worst case every byte becomes \u00XX (6 bytes). */
    if (n > (SIZE_MAX - 3) / 6 || !reserve(w, n * 6 + 2)) {
        w->failed = true;
        return;
    }
    char *o = w->buf + w->len;
    *o++ = '"';
    size_t i = 0;
    while (i < n) {
        while (i + 8 <= n) {
            uint64_t x;
            memcpy(&x, s + i, 8);
            if (!plain8(x))
                break;
            memcpy(o, &x, 8);
            o += 8;
            i += 8;
        }
        if (i >= n)
            break;
        size_t run = i;
        while (run < n && plain[s[run]])
            run++;
        if (run > i) {
            memcpy(o, s + i, run - i);
            o += run - i;
            i = run;
            if (i >= n)
                break;
        }
        unsigned char c = s[i];
        if (c == '"' || c == '\\') {
            *o++ = '\\';
            *o++ = (char)c;
            i++;
        } else if (c < 0x20) {
            *o++ = '\\';
            switch (c) {
            case '\n': *o++ = 'n'; break;
            case '\r': *o++ = 'r'; break;
            case '\t': *o++ = 't'; break;
            case '\b': *o++ = 'b'; break;
            case '\f': *o++ = 'f'; break;
            default:
                *o++ = 'u'; *o++ = '0'; *o++ = '0';
                *o++ = hex[c >> 4]; *o++ = hex[c & 15];
            }
            i++;
        } else {
            size_t l = utf8_seq_len(s + i, n - i);
            if (l) {
                memcpy(o, s + i, l);
                o += l;
                i += l;
            } else {
                *o++ = '\\'; *o++ = 'u'; *o++ = '0'; *o++ = '0';
                *o++ = hex[c >> 4]; *o++ = hex[c & 15];
                i++;
            }
        }
    }
    *o++ = '"';
    w->len = (size_t)(o - w->buf);
    w->buf[w->len] = '\0';
}

void jsonw_object_begin(struct jsonw *w)
{
    before_value(w);
    put_char(w, '{');
    if (w->depth + 1 >= JSONW_MAX_DEPTH) {
        w->failed = true;
        return;
    }
    w->need_comma[++w->depth] = false;
}

void jsonw_object_end(struct jsonw *w)
{
    put_char(w, '}');
    if (w->depth > 0)
        w->depth--;
}

void jsonw_array_begin(struct jsonw *w)
{
    before_value(w);
    put_char(w, '[');
    if (w->depth + 1 >= JSONW_MAX_DEPTH) {
        w->failed = true;
        return;
    }
    w->need_comma[++w->depth] = false;
}

void jsonw_array_end(struct jsonw *w)
{
    put_char(w, ']');
    if (w->depth > 0)
        w->depth--;
}

void jsonw_plain(struct jsonw *w, const char *s, size_t n)
{
    before_value(w);
    if (!reserve(w, n + 2))
        return;
    char *o = w->buf + w->len;
    *o++ = '"';
    memcpy(o, s, n);
    o += n;
    *o++ = '"';
    w->len = (size_t)(o - w->buf);
    w->buf[w->len] = '\0';
}

void jsonw_key(struct jsonw *w, const char *key)
{
    before_value(w);
    size_t n = 0;
    while (key[n] && plain[(uint8_t)key[n]])
        n++;
    if (key[n] == '\0' && reserve(w, n + 3)) {
        /* The usual case, a plain ASCII key: one copy. */
        char *o = w->buf + w->len;
        *o++ = '"';
        memcpy(o, key, n);
        o += n;
        *o++ = '"';
        *o++ = ':';
        w->len = (size_t)(o - w->buf);
        w->buf[w->len] = '\0';
    } else {
        jsonw_append_escaped(w, key, strlen(key));
        put_char(w, ':');
    }
    w->after_key = true;
}

void jsonw_str(struct jsonw *w, const char *s)
{
    jsonw_strn(w, s ? s : "", s ? strlen(s) : 0);
}

void jsonw_strn(struct jsonw *w, const char *s, size_t n)
{
    before_value(w);
    jsonw_append_escaped(w, s, n);
}

void jsonw_int(struct jsonw *w, int64_t v)
{
    char tmp[24];
    int n = snprintf(tmp, sizeof(tmp), "%" PRId64, v);
    before_value(w);
    jsonw_append(w, tmp, (size_t)n);
}

void jsonw_uint(struct jsonw *w, uint64_t v)
{
    char tmp[24], *p = tmp + sizeof(tmp);
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    size_t n = (size_t)(tmp + sizeof(tmp) - p);
    before_value(w);
    if (!reserve(w, sizeof(tmp)))
        return;
    memcpy(w->buf + w->len, p, n);
    w->len += n;
    w->buf[w->len] = '\0';
}

void jsonw_double(struct jsonw *w, double v)
{
    char tmp[40];
    int n;
    if (v != v || v > 1e300 || v < -1e300)
        n = snprintf(tmp, sizeof(tmp), "0");
    else
        n = snprintf(tmp, sizeof(tmp), "%.6g", v);
    before_value(w);
    jsonw_append(w, tmp, (size_t)n);
}

void jsonw_bool(struct jsonw *w, bool v)
{
    before_value(w);
    if (v)
        jsonw_append(w, "true", 4);
    else
        jsonw_append(w, "false", 5);
}

void jsonw_null(struct jsonw *w)
{
    before_value(w);
    jsonw_append(w, "null", 4);
}

void jsonw_raw(struct jsonw *w, const char *json, size_t n)
{
    before_value(w);
    jsonw_append(w, json, n);
}
