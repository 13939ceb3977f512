/* kw_content.c - content and its modifiers: nocase, depth, offset, distance,
 * within, fast_pattern, startswith, endswith.
 *
 *   content:"GET "; depth:4; content:!"|0d 0a|Host"; distance:0; within:64; nocase;
 *
 * The string: bytes between '|' pairs are hex (two digits each, blanks
 * between bytes ignored); outside hex only \; \" \\ \: are valid escapes and
 * an unescaped '"' is an error, as in Suricata. A modifier applies to the
 * last content of the rule. offset/depth (absolute) and distance/within
 * (relative to the end of the previous match in the same buffer) cannot be
 * mixed on one content; depth and within may not be smaller than the
 * content; |distance| and within are at most 1 MiB.
 *
 * Matching is in inspect.c; content_find() below is the single-pattern
 * search it uses (memmem, or a case-folding scan for nocase).
 */
#include "kw.h"

#include <stdlib.h>
#include <string.h>

void content_free(void *p)
{
    struct content *c = p;
    if (!c)
        return;
    free(c->pat);
    free(c->lc);
    free(c);
}

/* Decodes a content string; returns the length or -1 with an error set. */
static int decode_content(struct parse_ctx *pc, const char *s, uint8_t *out)
{
    size_t n = 0;
    bool in_hex = false;
    int nibble = -1;
    for (const char *p = s; *p; p++) {
        char c = *p;
        if (c == '|') {
            if (in_hex && nibble >= 0)
                return pc_err(pc, "content: odd number of hex digits in '%s'", s);
            in_hex = !in_hex;
            continue;
        }
        if (in_hex) {
            if (c == ' ' || c == '\t' || c == ',')
                continue;
            int v = detect_hexval(c);
            if (v < 0)
                return pc_err(pc, "content: invalid hex character '%c' in '%s'", c, s);
            if (nibble < 0) {
                nibble = v;
            } else {
                out[n++] = (uint8_t)(nibble << 4 | v);
                nibble = -1;
            }
            continue;
        }
        if (c == '\\') {
            char e = p[1];
            if (e != ';' && e != '"' && e != '\\' && e != ':')
                return pc_err(pc, "content: invalid escape '\\%c' (only \\; \\\" \\\\ \\: are "
                                  "allowed; write other bytes in hex)", e ? e : ' ');
            out[n++] = (uint8_t)e;
            p++;
            continue;
        }
        if (c == '"')
            return pc_err(pc, "content: unescaped '\"' inside the string (write \\\" or |22|)");
        out[n++] = (uint8_t)c;
    }
    if (in_hex)
        return pc_err(pc, "content: hex part not closed by '|' in '%s'", s);
    return (int)n;
}

int kw_content_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    size_t slen = strlen(v);
    struct content *c = calloc(1, sizeof(*c));
    uint8_t *bytes = malloc(slen + 1);
    if (!c || !bytes) {
        free(c);
        free(bytes);
        return pc_err(pc, "out of memory");
    }
    int n = decode_content(pc, v, bytes);
    if (n < 0) {
        free(c);
        free(bytes);
        return -1;
    }
    if (n == 0) {
        free(c);
        free(bytes);
        return pc_err(pc, "content is empty");
    }
    c->pat = bytes;
    c->len = (uint32_t)n;
    c->lc = malloc((size_t)n);
    if (!c->lc) {
        content_free(c);
        return pc_err(pc, "out of memory");
    }
    for (int i = 0; i < n; i++)
        c->lc[i] = detect_lower[bytes[i]];
    if (neg)
        c->flags |= CT_NEGATED;
    if (!pc_add_payload(pc, SM_CONTENT, kw_by_name("content"), c))
        return -1;
    pc->last_content = c;
    pc->last_content_list = pc->cur_buf;
    return 0;
}

/* The last content, for a modifier; error when there is none. */
static struct content *last_content(struct parse_ctx *pc, const char *kw)
{
    if (!pc->last_content)
        pc_err(pc, "%s needs a content before it", kw);
    return pc->last_content;
}

static int parse_int(const char *v, int64_t min, int64_t max, int64_t *out)
{
    const char *p = v;
    bool neg = false;
    if (*p == '-') {
        neg = true;
        p++;
    }
    uint64_t x;
    if (ictw_parse_uint(p, (uint64_t)max + 1, &x) < 0)
        return -1;
    int64_t s = neg ? -(int64_t)x : (int64_t)x;
    if (s < min || s > max)
        return -1;
    *out = s;
    return 0;
}

static int check_mix(struct parse_ctx *pc, const struct content *c, uint32_t adding)
{
    bool abs_now = c->flags & (CT_DEPTH | CT_OFFSET);
    bool rel_now = c->flags & (CT_DISTANCE | CT_WITHIN);
    bool adding_abs = adding & (CT_DEPTH | CT_OFFSET);
    if ((abs_now && !adding_abs) || (rel_now && adding_abs))
        return pc_err(pc, "offset/depth and distance/within cannot be mixed on one content");
    if (c->flags & CT_STARTSWITH)
        return pc_err(pc, "startswith cannot be combined with offset, depth, distance or within");
    return 0;
}

int kw_nocase_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)v;
    (void)neg;
    struct content *c = last_content(pc, "nocase");
    if (!c)
        return -1;
    if (c->flags & CT_NOCASE)
        return pc_err(pc, "nocase given twice for one content");
    c->flags |= CT_NOCASE;
    return 0;
}

int kw_depth_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    struct content *c = last_content(pc, "depth");
    if (!c || check_mix(pc, c, CT_DEPTH) < 0)
        return -1;
    if (c->flags & CT_DEPTH)
        return pc_err(pc, "depth given twice for one content");
    int64_t x;
    if (parse_int(v, 1, CONTENT_MAX_RELATIVE, &x) < 0)
        return pc_err(pc, "depth: '%s' is not a number from 1 to %d", v, CONTENT_MAX_RELATIVE);
    if ((uint32_t)x < c->len)
        return pc_err(pc, "depth %u is smaller than the content length %u", (unsigned)x, c->len);
    c->depth = (uint32_t)x;
    c->flags |= CT_DEPTH;
    return 0;
}

int kw_offset_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    struct content *c = last_content(pc, "offset");
    if (!c || check_mix(pc, c, CT_OFFSET) < 0)
        return -1;
    if (c->flags & CT_OFFSET)
        return pc_err(pc, "offset given twice for one content");
    int64_t x;
    if (parse_int(v, 0, CONTENT_MAX_RELATIVE, &x) < 0)
        return pc_err(pc, "offset: '%s' is not a number from 0 to %d", v, CONTENT_MAX_RELATIVE);
    c->offset = (uint32_t)x;
    c->flags |= CT_OFFSET;
    return 0;
}

int kw_distance_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    struct content *c = last_content(pc, "distance");
    if (!c || check_mix(pc, c, CT_DISTANCE) < 0)
        return -1;
    if (c->flags & CT_DISTANCE)
        return pc_err(pc, "distance given twice for one content");
    int64_t x;
    if (parse_int(v, -CONTENT_MAX_RELATIVE, CONTENT_MAX_RELATIVE, &x) < 0)
        return pc_err(pc, "distance: '%s' is not a number from %d to %d", v, -CONTENT_MAX_RELATIVE,
                      CONTENT_MAX_RELATIVE);
    c->distance = (int32_t)x;
    c->flags |= CT_DISTANCE;
    return 0;
}

int kw_within_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    struct content *c = last_content(pc, "within");
    if (!c || check_mix(pc, c, CT_WITHIN) < 0)
        return -1;
    if (c->flags & CT_WITHIN)
        return pc_err(pc, "within given twice for one content");
    int64_t x;
    if (parse_int(v, 1, CONTENT_MAX_RELATIVE, &x) < 0)
        return pc_err(pc, "within: '%s' is not a number from 1 to %d", v, CONTENT_MAX_RELATIVE);
    if ((uint32_t)x < c->len)
        return pc_err(pc, "within %u is smaller than the content length %u", (unsigned)x, c->len);
    c->within = (uint32_t)x;
    c->flags |= CT_WITHIN;
    return 0;
}

int kw_fast_pattern_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    struct content *c = last_content(pc, "fast_pattern");
    if (!c)
        return -1;
    if (pc->seen_fp)
        return pc_err(pc, "only one content of a rule can be fast_pattern");
    if (c->flags & CT_NEGATED)
        return pc_err(pc, "fast_pattern cannot be used on a negated content");
    pc->seen_fp = true;
    c->flags |= CT_FAST_PATTERN;
    if (!v)
        return 0;
    if (strcmp(v, "only") == 0) {
        c->flags |= CT_FP_ONLY;
        return 0;
    }
    const char *comma = strchr(v, ',');
    uint64_t off, len;
    char a[32];
    if (!comma || (size_t)(comma - v) >= sizeof(a))
        return pc_err(pc, "fast_pattern: expected 'only' or 'offset,length', got '%s'", v);
    memcpy(a, v, (size_t)(comma - v));
    a[comma - v] = '\0';
    if (ictw_parse_uint(detect_trim(a), 65535, &off) < 0 ||
        ictw_parse_uint(comma + 1 + strspn(comma + 1, " "), 65535, &len) < 0 || len == 0)
        return pc_err(pc, "fast_pattern: expected 'only' or 'offset,length', got '%s'", v);
    if (off + len > c->len)
        return pc_err(pc, "fast_pattern: %u,%u goes past the end of the content (length %u)",
                      (unsigned)off, (unsigned)len, c->len);
    c->fp_off = (uint16_t)off;
    c->fp_len = (uint16_t)len;
    c->flags |= CT_FP_CHUNK;
    return 0;
}

int kw_startswith_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)v;
    (void)neg;
    struct content *c = last_content(pc, "startswith");
    if (!c)
        return -1;
    if (c->flags & (CT_DEPTH | CT_OFFSET | CT_DISTANCE | CT_WITHIN))
        return pc_err(pc, "startswith cannot be combined with offset, depth, distance or within");
    if (c->flags & CT_STARTSWITH)
        return pc_err(pc, "startswith given twice for one content");
    c->flags |= CT_STARTSWITH;
    return 0;
}

int kw_endswith_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)v;
    (void)neg;
    struct content *c = last_content(pc, "endswith");
    if (!c)
        return -1;
    if (c->flags & CT_ENDSWITH)
        return pc_err(pc, "endswith given twice for one content");
    c->flags |= CT_ENDSWITH;
    return 0;
}

int64_t content_find(const struct content *c, const uint8_t *hay, uint32_t n)
{
    if (c->len > n)
        return -1;
    if (!(c->flags & CT_NOCASE)) {
        const uint8_t *p = memmem(hay, n, c->pat, c->len);
        return p ? (int64_t)(p - hay) : -1;
    }
    const uint8_t first = c->lc[0];
    uint32_t last = n - c->len;
    for (uint32_t i = 0; i <= last; i++) {
        if (detect_lower[hay[i]] != first)
            continue;
        uint32_t j = 1;
        while (j < c->len && detect_lower[hay[i + j]] == c->lc[j])
            j++;
        if (j == c->len)
            return i;
    }
    return -1;
}

void kw_content_print(const struct sigmatch *sm, struct sbuf *out)
{
    const struct content *c = sm->data;
    sbuf_puts(out, c->flags & CT_NEGATED ? "content:!\"" : "content:\"");
    sbuf_content(out, c->pat, c->len);
    sbuf_puts(out, "\"; ");
    if (c->flags & CT_NOCASE)
        sbuf_puts(out, "nocase; ");
    if (c->flags & CT_OFFSET)
        sbuf_printf(out, "offset:%u; ", c->offset);
    if (c->flags & CT_DEPTH)
        sbuf_printf(out, "depth:%u; ", c->depth);
    if (c->flags & CT_DISTANCE)
        sbuf_printf(out, "distance:%d; ", c->distance);
    if (c->flags & CT_WITHIN)
        sbuf_printf(out, "within:%u; ", c->within);
    if (c->flags & CT_STARTSWITH)
        sbuf_puts(out, "startswith; ");
    if (c->flags & CT_ENDSWITH)
        sbuf_puts(out, "endswith; ");
    if (c->flags & CT_FP_ONLY)
        sbuf_puts(out, "fast_pattern:only; ");
    else if (c->flags & CT_FP_CHUNK)
        sbuf_printf(out, "fast_pattern:%u,%u; ", c->fp_off, c->fp_len);
    else if (c->flags & CT_FAST_PATTERN)
        sbuf_puts(out, "fast_pattern; ");
}
