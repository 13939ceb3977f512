/* jsonw.h - a small streaming JSON writer into a growable buffer.
 *
 * EVE records must have Suricata's key order and must be cheap to build once
 * per flow or alert, so they are written directly as text rather than built as
 * a tree. The writer tracks nesting and inserts commas itself; strings are
 * escaped to valid JSON and valid UTF-8 whatever bytes they hold (invalid
 * UTF-8 bytes are written as \u00XX, i.e. read as Latin-1), because every
 * string we log may come from the network.
 *
 *   struct jsonw w; jsonw_init(&w);
 *   jsonw_object_begin(&w);
 *   jsonw_key_str(&w, "event_type", "flow");
 *   jsonw_key(&w, "flow"); jsonw_object_begin(&w); ... jsonw_object_end(&w);
 *   jsonw_object_end(&w);
 *   use w.buf, w.len; jsonw_reset(&w) to reuse; jsonw_free(&w) at the end.
 *
 * On allocation failure the writer sets `failed` and drops further output;
 * check it once at the end.
 */
#ifndef ICTWATCH_JSONW_H
#define ICTWATCH_JSONW_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>
#include <string.h>

#define JSONW_MAX_DEPTH 32

struct jsonw {
    char *buf;
    size_t len, cap;
    int depth;
    bool need_comma[JSONW_MAX_DEPTH];
    bool after_key;
    bool failed;
};

void jsonw_init(struct jsonw *w);
void jsonw_reset(struct jsonw *w);
void jsonw_free(struct jsonw *w);

void jsonw_object_begin(struct jsonw *w);
void jsonw_object_end(struct jsonw *w);
void jsonw_array_begin(struct jsonw *w);
void jsonw_array_end(struct jsonw *w);
void jsonw_key(struct jsonw *w, const char *key);

void jsonw_str(struct jsonw *w, const char *s);
void jsonw_strn(struct jsonw *w, const char *s, size_t n);
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_uint(struct jsonw *w, uint64_t v);
void jsonw_double(struct jsonw *w, double v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
/* Inserts already-valid JSON text as one value (e.g. a prebuilt object). */
void jsonw_raw(struct jsonw *w, const char *json, size_t n);

static inline void jsonw_key_str(struct jsonw *w, const char *k, const char *v) { jsonw_key(w, k); jsonw_str(w, v); }
static inline void jsonw_key_int(struct jsonw *w, const char *k, int64_t v) { jsonw_key(w, k); jsonw_int(w, v); }
static inline void jsonw_key_uint(struct jsonw *w, const char *k, uint64_t v) { jsonw_key(w, k); jsonw_uint(w, v); }
static inline void jsonw_key_bool(struct jsonw *w, const char *k, bool v) { jsonw_key(w, k); jsonw_bool(w, v); }

/* Keys and values the program writes itself, without escaping (EVE records
 * are written for every flow; these skip the scan of each byte):
 *   JSONW_KEY(w, "name")  a key that is a string literal of plain ASCII (no
 *                         quote, backslash or control byte); written as the
 *                         one fragment "name": built at compile time;
 *   jsonw_plain(w, s, n)  a string value made of such bytes only (a time, an
 *                         address, hex digits), written between quotes. */
#define JSONW_KEY(w, lit) jsonw_key_fragment((w), "\"" lit "\":", sizeof(lit) + 2)
#define JSONW_KEY_STR(w, lit, v) (JSONW_KEY(w, lit), jsonw_str((w), (v)))
#define JSONW_KEY_INT(w, lit, v) (JSONW_KEY(w, lit), jsonw_int((w), (v)))
#define JSONW_KEY_UINT(w, lit, v) (JSONW_KEY(w, lit), jsonw_uint((w), (v)))
#define JSONW_KEY_BOOL(w, lit, v) (JSONW_KEY(w, lit), jsonw_bool((w), (v)))
void jsonw_plain(struct jsonw *w, const char *s, size_t n);
/* Makes room for extra more bytes (+ the terminator); false on failure. */
bool jsonw_grow(struct jsonw *w, size_t extra);

/* Writes at o the separator a new key or value needs at the current depth (a
 * comma, or nothing after a key or first in its container); the caller has
 * made room for one byte. Returns the position after it. */
static inline char *jsonw_put_separator(struct jsonw *w, char *o)
{
    if (w->after_key) {
        w->after_key = false;
    } else {
        if (w->need_comma[w->depth])
            *o++ = ',';
        w->need_comma[w->depth] = true;
    }
    return o;
}

/* Inline so that the copy of a fragment of known length is a few moves. */
static inline void jsonw_key_fragment(struct jsonw *w, const char *frag, size_t n)
{
    if (w->failed || (w->len + n + 2 > w->cap && !jsonw_grow(w, n + 1)))
        return;
    char *o = jsonw_put_separator(w, w->buf + w->len);
    memcpy(o, frag, n);
    o += n;
    *o = '\0';
    w->len = (size_t)(o - w->buf);
    w->after_key = true;
}

/* Appends the JSON string form of s[0..n) (with quotes) to w, as jsonw_strn
 * does, but with no comma handling: for building fragments. */
void jsonw_append_escaped(struct jsonw *w, const char *s, size_t n);
/* Appends raw bytes, no comma handling. */
void jsonw_append(struct jsonw *w, const char *s, size_t n);

#endif
