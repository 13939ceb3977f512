/* kw_flowbits.c - flowbits and noalert: named bits per flow, set by one rule
 * and tested by another, e.g. "login seen" then "download after login".
 *
 *   flowbits:set,name;  flowbits:unset,name;  flowbits:toggle,name;
 *   flowbits:isset,a|b;  (any)   flowbits:isnotset,a&b;  (all)   flowbits:noalert;
 *
 * set/unset/toggle take effect after the rule fully matched (a post-match
 * action, also when a threshold suppresses the alert); isset/isnotset are
 * tested with the rule's packet checks. Rules that set bits are evaluated
 * before rules that read them on the same packet (engine order). Names are
 * case-sensitive; their ids are shared by all rules of the engine and kept
 * across reloads.
 */
#include "kw.h"

#include <stdlib.h>
#include <string.h>

enum fb_op { FB_SET = 0, FB_UNSET, FB_TOGGLE, FB_ISSET, FB_ISNOTSET };
enum fb_join { FBJ_ONE = 0, FBJ_ANY, FBJ_ALL };

struct flowbits_sm {
    uint8_t op, join;
    uint32_t n;
    uint32_t *ids;
    char **names;
};

static const char *const op_names[] = {"set", "unset", "toggle", "isset", "isnotset"};

static void fb_free(struct flowbits_sm *s)
{
    if (!s)
        return;
    for (uint32_t i = 0; i < s->n; i++)
        free(s->names[i]);
    free(s->names);
    free(s->ids);
    free(s);
}

void kw_flowbits_free(void *p)
{
    fb_free(p);
}

static bool fb_test(const struct match_ctx *m, const void *data)
{
    const struct flowbits_sm *s = data;
    bool want = s->op == FB_ISSET;
    uint32_t hits = 0;
    for (uint32_t i = 0; i < s->n; i++)
        if (flowstate_bit(m->fs, s->ids[i]) == want)
            hits++;
    return s->join == FBJ_ALL || s->join == FBJ_ONE ? hits == s->n : hits > 0;
}

static bool fb_apply(const struct match_ctx *m, const void *data)
{
    const struct flowbits_sm *s = data;
    if (!m->fs)
        return true;
    for (uint32_t i = 0; i < s->n; i++) {
        bool on = s->op == FB_SET ? true
                  : s->op == FB_UNSET ? false
                                      : !flowstate_bit(m->fs, s->ids[i]);
        flowstate_set_bit(m->fs, s->ids[i], on);
    }
    return true;
}

static bool valid_name(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (*s == ' ' || *s == '\t' || *s == ',' || *s == '|' || *s == '&' || *s == ';' || *s == '"')
            return false;
    return true;
}

static int add_name(struct parse_ctx *pc, struct flowbits_sm *s, const char *name)
{
    if (!valid_name(name))
        return pc_err(pc, "flowbits: invalid name '%s'", name);
    int id = flowbit_id(pc->env->fbnames, name);
    uint32_t *ni = realloc(s->ids, (s->n + 1) * sizeof(*ni));
    if (ni)
        s->ids = ni;
    char **nn = realloc(s->names, (s->n + 1) * sizeof(*nn));
    if (nn)
        s->names = nn;
    if (id < 0 || !ni || !nn || !(s->names[s->n] = strdup(name)))
        return pc_err(pc, "out of memory");
    s->ids[s->n++] = (uint32_t)id;
    return 0;
}

int kw_flowbits_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)neg;
    char buf[512];
    if (strlen(v) >= sizeof(buf))
        return pc_err(pc, "flowbits: value too long");
    strcpy(buf, v);
    char *comma = strchr(buf, ',');
    if (comma)
        *comma = '\0';
    char *op = detect_trim(buf);
    if (strcmp(op, "noalert") == 0) {
        if (comma)
            return pc_err(pc, "flowbits: noalert takes no name");
        pc->r->flags |= RF_NOALERT;
        return 0;
    }
    int opi = -1;
    for (int i = 0; i < 5; i++)
        if (strcmp(op, op_names[i]) == 0)
            opi = i;
    if (opi < 0)
        return pc_err(pc, "flowbits: unknown operation '%s' (use set, unset, toggle, isset, "
                          "isnotset or noalert)", op);
    if (!comma || !*detect_trim(comma + 1))
        return pc_err(pc, "flowbits: %s needs a name", op);
    char *names = detect_trim(comma + 1);
    struct flowbits_sm *s = calloc(1, sizeof(*s));
    if (!s)
        return pc_err(pc, "out of memory");
    s->op = (uint8_t)opi;
    bool has_or = strchr(names, '|') != NULL, has_and = strchr(names, '&') != NULL;
    if (has_or && has_and) {
        fb_free(s);
        return pc_err(pc, "flowbits: '|' and '&' cannot be mixed");
    }
    if (has_or && opi < FB_ISSET) {
        fb_free(s);
        return pc_err(pc, "flowbits: '|' is only allowed with isset and isnotset");
    }
    s->join = has_or ? FBJ_ANY : has_and ? FBJ_ALL : FBJ_ONE;
    char *save = NULL;
    for (char *t = strtok_r(names, "|&", &save); t; t = strtok_r(NULL, "|&", &save)) {
        if (add_name(pc, s, detect_trim(t)) < 0) {
            fb_free(s);
            return -1;
        }
    }
    if (s->n == 0) {
        fb_free(s);
        return pc_err(pc, "flowbits: %s needs a name", op);
    }
    bool test = opi >= FB_ISSET;
    return pc_add(pc, test ? SML_PACKET : SML_POST, SM_GENERIC, kw_by_name("flowbits"), s,
                  test ? fb_test : fb_apply) ? 0 : -1;
}

void kw_flowbits_print(const struct sigmatch *sm, struct sbuf *out)
{
    const struct flowbits_sm *s = sm->data;
    sbuf_printf(out, "flowbits:%s,", op_names[s->op]);
    for (uint32_t i = 0; i < s->n; i++)
        sbuf_printf(out, "%s%s", i ? (s->join == FBJ_ANY ? "|" : "&") : "", s->names[i]);
    sbuf_puts(out, "; ");
}

int kw_noalert_setup(struct parse_ctx *pc, const char *v, bool neg)
{
    (void)v;
    (void)neg;
    pc->r->flags |= RF_NOALERT;
    return 0;
}
