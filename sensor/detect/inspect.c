/* inspect.c - matches the payload keywords of one buffer (content, pcre,
 * isdataat, dataset) in order, with Suricata's position semantics.
 *
 * Each keyword either sets "the end of the previous match" (content, pcre)
 * or tests something relative to it. When a later relative keyword fails,
 * the earlier one is retried at its next occurrence (backtracking, as in
 * detect-engine-content-inspection.c): "a" then "b" within 3 finds "a..b"
 * even when the first "a" in the buffer is not followed by a "b". A
 * per-rule budget bounds the retries so that a hostile payload cannot make
 * inspection exponential (Suricata's inspection-recursion-limit, 3000).
 *
 * A negated content or pcre succeeds when the pattern is absent from its
 * window and leaves the previous match end where it was.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "detect_int.h"

#include <pcre2.h>

struct insp {
    const struct match_ctx *m;
    const uint8_t *buf;
    uint32_t len;
};

static bool inspect_from(struct insp *in, const struct sm_list *l, uint32_t i, uint32_t prev_end);

static bool take_budget(const struct insp *in)
{
    if (!in->m->budget)
        return true;
    if (*in->m->budget == 0)
        return false;
    (*in->m->budget)--;
    return true;
}

/* Window [start, end) in which the whole content must lie. false if empty. */
static bool content_window(const struct content *c, uint32_t len, uint32_t prev_end,
                           uint32_t *start, uint32_t *end)
{
    int64_t s, e;
    if (c->flags & CT_STARTSWITH) {
        s = 0;
        e = c->len;
    } else if (c->flags & CT_RELATIVE) {
        s = (int64_t)prev_end + ((c->flags & CT_DISTANCE) ? c->distance : 0);
        e = (c->flags & CT_WITHIN) ? s + c->within : (int64_t)len;
        if (s < 0)
            s = 0;
    } else {
        s = (c->flags & CT_OFFSET) ? c->offset : 0;
        e = (c->flags & CT_DEPTH) ? s + c->depth : (int64_t)len;
    }
    if (e > (int64_t)len)
        e = len;
    if (s >= e || e - s < (int64_t)c->len)
        return false;
    *start = (uint32_t)s;
    *end = (uint32_t)e;
    return true;
}

/* Next occurrence of c at or after pos inside [pos, end); -1 if none. */
static int64_t find_in(const struct content *c, const uint8_t *buf, uint32_t pos, uint32_t end)
{
    if (c->flags & CT_ENDSWITH) {
        if (end < c->len)
            return -1;
        uint32_t at = end - c->len;
        if (at < pos)
            return -1;
        /* endswith means the end of the buffer, which the window must reach. */
        return content_find(c, buf + at, c->len) == 0 ? (int64_t)at : -1;
    }
    int64_t off = content_find(c, buf + pos, end - pos);
    return off < 0 ? -1 : pos + off;
}

static bool inspect_content(struct insp *in, const struct sm_list *l, uint32_t i, uint32_t prev_end)
{
    const struct content *c = l->v[i].data;
    uint32_t start, end;
    bool have_window = content_window(c, in->len, prev_end, &start, &end);
    if ((c->flags & CT_ENDSWITH) && have_window && end != in->len)
        have_window = false;
    if (c->flags & CT_NEGATED) {
        if (have_window && find_in(c, in->buf, start, end) >= 0)
            return false;
        return inspect_from(in, l, i + 1, prev_end);
    }
    if (!have_window)
        return false;
    uint32_t pos = start;
    for (;;) {
        int64_t at = find_in(c, in->buf, pos, end);
        if (at < 0)
            return false;
        if (inspect_from(in, l, i + 1, (uint32_t)at + c->len))
            return true;
        if (!(c->flags & CT_RELATIVE_NEXT) || !take_budget(in))
            return false;
        pos = (uint32_t)at + 1;
        if (pos >= end)
            return false;
    }
}

static bool inspect_pcre(struct insp *in, const struct sm_list *l, uint32_t i, uint32_t prev_end)
{
    const struct pcre_sm *s = l->v[i].data;
    uint32_t base = (s->flags & PM_RELATIVE) ? prev_end : 0;
    bool negated = s->flags & PM_NEGATED;
    if (base > in->len)
        return negated ? inspect_from(in, l, i + 1, prev_end) : false;
    const uint8_t *subject = in->buf + base;
    PCRE2_SIZE slen = in->len - base, off = 0;
    pcre2_match_data *md = in->m->pcre_md;
    for (;;) {
        int rc = pcre2_match(s->code, subject, slen, off, 0, md, in->m->pcre_mctx);
        if (rc < 0 && rc != PCRE2_ERROR_NOMATCH)
            return false;   /* match limit hit or other error: no match, as Suricata */
        if (negated)
            return rc < 0 ? inspect_from(in, l, i + 1, prev_end) : false;
        if (rc < 0)
            return false;
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(md);
        if (inspect_from(in, l, i + 1, base + (uint32_t)ov[1]))
            return true;
        if (!(s->flags & PM_RELATIVE_NEXT) || !take_budget(in))
            return false;
        off = ov[0] + 1;
        if (off > slen)
            return false;
    }
}

static bool inspect_from(struct insp *in, const struct sm_list *l, uint32_t i, uint32_t prev_end)
{
    if (i == l->n)
        return true;
    const struct sigmatch *sm = &l->v[i];
    switch (sm->type) {
    case SM_CONTENT:
        return inspect_content(in, l, i, prev_end);
    case SM_PCRE:
        return inspect_pcre(in, l, i, prev_end);
    case SM_ISDATAAT: {
        /* As Suricata: relative means at least n bytes after the previous
         * match; absolute means there is a byte at offset n. */
        const struct isdataat_sm *s = sm->data;
        bool present = (s->flags & PM_RELATIVE) ? (uint64_t)prev_end + s->n <= in->len
                                                : s->n < in->len;
        if (present == !!(s->flags & PM_NEGATED))
            return false;
        return inspect_from(in, l, i + 1, prev_end);
    }
    case SM_DATASET: {
        const struct dataset_sm *d = sm->data;
        if (dataset_contains(d->set, in->buf, in->len) == d->isnotset)
            return false;
        return inspect_from(in, l, i + 1, prev_end);
    }
    default:
        if (sm->match && !sm->match(in->m, sm->data))
            return false;
        return inspect_from(in, l, i + 1, prev_end);
    }
}

bool inspect_buffer(const struct match_ctx *m, const struct sm_list *l, const uint8_t *buf,
                    uint32_t len)
{
    struct insp in = {m, buf, len};
    return inspect_from(&in, l, 0, 0);
}

static bool sets_position(const struct sigmatch *sm)
{
    if (sm->type == SM_CONTENT)
        return !(((const struct content *)sm->data)->flags & CT_NEGATED);
    if (sm->type == SM_PCRE)
        return !(((const struct pcre_sm *)sm->data)->flags & PM_NEGATED);
    return false;
}

static bool is_relative(const struct sigmatch *sm)
{
    if (sm->type == SM_CONTENT)
        return (((const struct content *)sm->data)->flags & CT_RELATIVE) != 0;
    if (sm->type == SM_PCRE)
        return (((const struct pcre_sm *)sm->data)->flags & PM_RELATIVE) != 0;
    if (sm->type == SM_ISDATAAT)
        return (((const struct isdataat_sm *)sm->data)->flags & PM_RELATIVE) != 0;
    return false;
}

static void set_relative_next(struct sigmatch *sm)
{
    if (sm->type == SM_CONTENT)
        ((struct content *)sm->data)->flags |= CT_RELATIVE_NEXT;
    else if (sm->type == SM_PCRE)
        ((struct pcre_sm *)sm->data)->flags |= PM_RELATIVE_NEXT;
}

/* A keyword that depends on where the previous match ended makes that
 * match worth retrying: flag the nearest earlier keyword that sets it. */
void inspect_prepare_list(struct sm_list *l)
{
    for (uint32_t i = 1; i < l->n; i++) {
        if (!is_relative(&l->v[i]))
            continue;
        for (uint32_t j = i; j-- > 0;) {
            if (sets_position(&l->v[j])) {
                set_relative_next(&l->v[j]);
                break;
            }
        }
    }
}
