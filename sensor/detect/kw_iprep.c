/* kw_iprep.c - iprep: the reputation score of the packet's addresses.
 *
 *   iprep:src,BadHosts,>,30;   iprep:any,CnC,isset;   iprep:dst,Spam,isnotset;
 *
 * side: src, dst, any (either address), both (both addresses). Operators
 * < <= > >= = compare the score of that category; an address without a
 * score for it never satisfies a comparison. A rule made only of addresses,
 * ports and iprep is an "IP-only" rule: it is checked on the first packet of
 * each direction of a flow, not on every packet. Other rules look scores up
 * once per flow: they are cached in the flow's state.
 */
#include "kw.h"
#include "iprep.h"

#include <stdlib.h>
#include <string.h>

enum { SIDE_SRC = 0, SIDE_DST, SIDE_ANY, SIDE_BOTH };
enum { OP_LT = 0, OP_LE, OP_GT, OP_GE, OP_EQ, OP_ISSET, OP_ISNOTSET };

static const char *const side_names[] = {"src", "dst", "any", "both"};
static const char *const op_names[] = {"<", "<=", ">", ">=", "=", "isset", "isnotset"};

struct iprep_sm {
    const struct iprep *rep;
    uint8_t side, op, cat, value;
    char cat_name[64];
};

/* The score of a for the rule's category. The entry chain of the flow's two
 * addresses is looked up once and kept in the flow's state. */
static int score_of(const struct match_ctx *m, const struct iprep_sm *s, const struct ictw_addr *a)
{
    if (!m->fs || !m->f)
        return iprep_score(s->rep, a, s->cat);
    int side = a == &m->f->cli ? 0 : a == &m->f->srv ? 1 : -1;
    if (side < 0)
        side = ictw_addr_equal(a, &m->f->cli) ? 0 : ictw_addr_equal(a, &m->f->srv) ? 1 : -1;
    if (side < 0)
        return iprep_score(s->rep, a, s->cat);
    uint32_t head;
    if (!flowstate_rep_get(m->fs, side, &head)) {
        head = iprep_head(s->rep, a);
        flowstate_rep_put(m->fs, side, head);
    }
    return iprep_score_in(s->rep, head, s->cat);
}

static bool test_one(const struct match_ctx *m, const struct iprep_sm *s, const struct ictw_addr *a)
{
    int score = score_of(m, s, a);
    switch (s->op) {
    case OP_ISSET: return score >= 0;
    case OP_ISNOTSET: return score < 0;
    }
    if (score < 0)
        return false;
    switch (s->op) {
    case OP_LT: return score < s->value;
    case OP_LE: return score <= s->value;
    case OP_GT: return score > s->value;
    case OP_GE: return score >= s->value;
    case OP_EQ: return score == s->value;
    }
    return false;
}

static bool iprep_match(const struct match_ctx *m, const void *data)
{
    const struct iprep_sm *s = data;
    switch (s->side) {
    case SIDE_SRC: return test_one(m, s, m->v.src);
    case SIDE_DST: return test_one(m, s, m->v.dst);
    case SIDE_ANY: return test_one(m, s, m->v.src) || test_one(m, s, m->v.dst);
    case SIDE_BOTH: return test_one(m, s, m->v.src) && test_one(m, s, m->v.dst);
    }
    return false;
}

static int find(const char *const *names, int n, const char *v)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], v) == 0)
            return i;
    return -1;
}

int kw_iprep_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    if (!pc->env->iprep || !iprep_loaded(pc->env->iprep))
        return pc_err(pc, "iprep: no reputation categories are loaded (set "
                          "reputation-categories-file and reputation-files)");
    char buf[256];
    if (strlen(v) >= sizeof(buf))
        return pc_err(pc, "iprep: value too long");
    strcpy(buf, v);
    char *f[5];
    int n = 0;
    char *save = NULL;
    for (char *t = strtok_r(buf, ",", &save); t && n < 5; t = strtok_r(NULL, ",", &save))
        f[n++] = detect_trim(t);
    if (n < 3 || n > 4)
        return pc_err(pc, "iprep: expected 'side,category,operator,score' or "
                          "'side,category,isset|isnotset'");
    struct iprep_sm *s = calloc(1, sizeof(*s));
    if (!s)
        return pc_err(pc, "out of memory");
    s->rep = pc->env->iprep;
    int side = find(side_names, 4, f[0]);
    int cat = iprep_category(pc->env->iprep, f[1]);
    int op = find(op_names, 7, f[2]);
    const char *why = NULL;
    uint64_t val = 0;
    if (side < 0)
        why = "side must be src, dst, any or both";
    else if (cat < 0)
        why = "unknown category (not in the categories file)";
    else if (op < 0)
        why = "operator must be <, <=, >, >=, =, isset or isnotset";
    else if (op >= OP_ISSET && n != 3)
        why = "isset and isnotset take no score";
    else if (op < OP_ISSET && (n != 4 || ictw_parse_uint(f[3], 127, &val) < 0))
        why = "the score must be a number from 0 to 127";
    if (why) {
        free(s);
        return pc_err(pc, "iprep: %s", why);
    }
    s->side = (uint8_t)side;
    s->cat = (uint8_t)cat;
    s->op = (uint8_t)op;
    s->value = (uint8_t)val;
    ictw_strlcpy(s->cat_name, f[1], sizeof(s->cat_name));
    return pc_add(pc, SML_PACKET, SM_GENERIC, kw_by_name("iprep"), s, iprep_match) ? 0 : -1;
}

void kw_iprep_print(const struct sigmatch *sm, struct sbuf *out)
{
    const struct iprep_sm *s = sm->data;
    sbuf_printf(out, "iprep:%s,%s,%s", side_names[s->side], s->cat_name, op_names[s->op]);
    if (s->op < OP_ISSET)
        sbuf_printf(out, ",%u", s->value);
    sbuf_puts(out, "; ");
}
