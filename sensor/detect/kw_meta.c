/* kw_meta.c - the keywords that describe a rule rather than match traffic:
 * msg, sid, rev, gid, classtype, priority, reference, metadata.
 *
 * They fill struct rule directly; finalize() in parse.c turns them into the
 * alert's eve_alert_sig (severity from priority or the classtype, category
 * from classification.config, metadata and references as prebuilt JSON).
 */
#include "kw.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

int kw_msg_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    if (pc->seen_msg)
        return pc_err(pc, "msg given twice");
    pc->seen_msg = true;
    char *m = malloc(strlen(v) + 1);
    if (!m)
        return pc_err(pc, "out of memory");
    size_t n = 0;
    for (const char *p = v; *p; p++) {
        if (*p == '\\' && p[1])
            p++;   /* a backslash makes the next character literal */
        m[n++] = *p;
    }
    m[n] = '\0';
    pc->r->msg = m;
    return 0;
}

static int parse_u32(const char *v, uint64_t min, uint64_t max, uint32_t *out)
{
    uint64_t x;
    if (ictw_parse_uint(v, max, &x) < 0 || x < min)
        return -1;
    *out = (uint32_t)x;
    return 0;
}

int kw_sid_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    if (pc->seen_sid)
        return pc_err(pc, "sid given twice");
    pc->seen_sid = true;
    if (parse_u32(v, 1, UINT32_MAX, &pc->r->sid) < 0)
        return pc_err(pc, "sid: '%s' is not a number from 1 to 4294967295", v);
    return 0;
}

int kw_rev_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    if (pc->seen_rev)
        return pc_err(pc, "rev given twice");
    pc->seen_rev = true;
    if (parse_u32(v, 0, UINT32_MAX, &pc->r->rev) < 0)
        return pc_err(pc, "rev: '%s' is not a number from 0 to 4294967295", v);
    return 0;
}

int kw_gid_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    if (pc->seen_gid)
        return pc_err(pc, "gid given twice");
    pc->seen_gid = true;
    if (parse_u32(v, 0, UINT32_MAX, &pc->r->gid) < 0)
        return pc_err(pc, "gid: '%s' is not a number from 0 to 4294967295", v);
    return 0;
}

/* Several classtypes may be given: the one with the highest priority (lowest
 * number) gives the category and the default priority, as in Suricata. */
int kw_classtype_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    if (!classification_valid_name(v))
        return pc_err(pc, "classtype: '%s' is not a valid classtype name", v);
    struct rule *r = pc->r;
    if (r->classtype) {
        const struct class_entry *cur = classification_find(pc->env->cls, r->classtype);
        const struct class_entry *nw = classification_find(pc->env->cls, v);
        if (!nw || (cur && cur->prio <= nw->prio))
            return 0;
        free(r->classtype);
        r->classtype = NULL;
    }
    r->classtype = strdup(v);
    return r->classtype ? 0 : pc_err(pc, "out of memory");
}

int kw_priority_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    if (pc->seen_prio)
        return pc_err(pc, "priority given twice");
    pc->seen_prio = true;
    uint32_t p;
    if (parse_u32(v, 1, 255, &p) < 0)
        return pc_err(pc, "priority: '%s' is not a number from 1 to 255", v);
    pc->r->prio_explicit = (int)p;
    pc->r->flags |= RF_PRIO_SET;
    return 0;
}

static int push_text(struct parse_ctx *pc, char ***arr, uint32_t *n, const char *text, size_t len)
{
    char **na = realloc(*arr, (*n + 1) * sizeof(*na));
    if (!na)
        return pc_err(pc, "out of memory");
    *arr = na;
    na[*n] = detect_strndup(text, len);
    if (!na[*n])
        return pc_err(pc, "out of memory");
    (*n)++;
    return 0;
}

int kw_reference_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    const char *comma = strchr(v, ',');
    if (!comma || comma == v)
        return pc_err(pc, "reference: expected 'type,value', got '%s'", v);
    char type[64];
    size_t tl = (size_t)(comma - v);
    while (tl > 0 && isspace((unsigned char)v[tl - 1]))
        tl--;
    if (tl >= sizeof(type))
        return pc_err(pc, "reference: type is too long");
    memcpy(type, v, tl);
    type[tl] = '\0';
    const char *val = comma + 1;
    while (isspace((unsigned char)*val))
        val++;
    if (!*val)
        return pc_err(pc, "reference: '%s' has no value", type);
    if (pc->env->refs && pc->env->refs->n && !refconf_find(pc->env->refs, type))
        return pc_err(pc, "reference: unknown type '%s' (not in reference.config)", type);
    char buf[DETECT_MAX_RULE_LEN + 80];
    int n = snprintf(buf, sizeof(buf), "%s,%s", type, val);
    return push_text(pc, &pc->r->refs, &pc->r->nrefs, buf, (size_t)n);
}

/* metadata: key value, key value, ... */
int kw_metadata_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    const char *p = v;
    while (*p) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        while (n > 0 && isspace((unsigned char)*p)) {
            p++;
            n--;
        }
        while (n > 0 && isspace((unsigned char)p[n - 1]))
            n--;
        if (n == 0)
            return pc_err(pc, "metadata: empty entry (two ',' in a row?)");
        size_t k = 0;
        while (k < n && !isspace((unsigned char)p[k]))
            k++;
        if (k == n)
            return pc_err(pc, "metadata: '%.*s' has no value (write 'key value')", (int)n, p);
        /* Normalise the blanks between key and value to one space. */
        size_t vstart = k;
        while (vstart < n && isspace((unsigned char)p[vstart]))
            vstart++;
        char buf[DETECT_MAX_RULE_LEN + 2];
        int len = snprintf(buf, sizeof(buf), "%.*s %.*s", (int)k, p, (int)(n - vstart), p + vstart);
        if (push_text(pc, &pc->r->meta, &pc->r->nmeta, buf, (size_t)len) < 0)
            return -1;
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}
