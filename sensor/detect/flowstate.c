/* flowstate.c - the rule engine's state of one flow (flow->detect).
 *
 * Allocated on the flow's first packet seen by the engine (one allocation
 * per flow, none per packet after that; the lists grow only when a rule
 * fires, stays pending, or sets a flowbit). It outlives engine reloads:
 * rules are recorded by gid:sid, with a rule index cached for the engine
 * generation in `gen`; flowstate_sync() re-resolves the indices after a swap
 * and drops entries of rules that no longer exist. Flowbit ids are stable
 * across reloads (the new engine starts from the old engine's names).
 */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

struct detect_flow_state *flowstate_get(struct flow *f)
{
    if (!f->detect)
        f->detect = calloc(1, sizeof(struct detect_flow_state));
    return f->detect;
}

void flowstate_free(struct detect_flow_state *fs)
{
    if (!fs)
        return;
    free(fs->bits);
    free(fs->fired);
    free(fs->pending);
    free(fs->thr);
    free(fs);
}

void detect_flow_free(struct flow *f)
{
    flowstate_free(f->detect);
    f->detect = NULL;
}

static void remap(const struct detect_engine *e, struct rref *v, uint16_t *n)
{
    uint16_t w = 0;
    for (uint16_t i = 0; i < *n; i++) {
        int32_t idx = engine_rule_index(e, v[i].gid, v[i].sid);
        if (idx < 0)
            continue;
        v[w] = v[i];
        v[w].idx = (uint32_t)idx;
        w++;
    }
    *n = w;
}

void flowstate_sync(const struct detect_engine *e, struct detect_flow_state *fs)
{
    if (fs->gen == e->gen)
        return;
    remap(e, fs->fired, &fs->nfired);
    remap(e, fs->pending, &fs->npending);
    fs->rep_known = 0;   /* the new engine may have other reputation lists */
    fs->dc_known[0] = fs->dc_known[1] = 0;   /* and other rules in the slots */
    fs->gen = e->gen;
}

static bool has(const struct rref *v, uint16_t n, const struct rule *r)
{
    for (uint16_t i = 0; i < n; i++)
        if (v[i].sid == r->sid && v[i].gid == r->gid)
            return true;
    return false;
}

static void push(struct rref **v, uint16_t *n, uint16_t *cap, const struct rule *r)
{
    if (*n == *cap) {
        if (*cap >= 32768)
            return;
        uint16_t nc = *cap ? (uint16_t)(*cap * 2) : 4;
        struct rref *nv = realloc(*v, nc * sizeof(*nv));
        if (!nv)
            return;
        *v = nv;
        *cap = nc;
    }
    (*v)[*n].gid = r->gid;
    (*v)[*n].sid = r->sid;
    (*v)[*n].idx = r->idx;
    (*n)++;
}

bool flowstate_fired(const struct detect_flow_state *fs, const struct rule *r)
{
    return fs && has(fs->fired, fs->nfired, r);
}

void flowstate_mark_fired(struct detect_flow_state *fs, const struct rule *r)
{
    if (fs && !has(fs->fired, fs->nfired, r))
        push(&fs->fired, &fs->nfired, &fs->cap_fired, r);
}

bool flowstate_pending(const struct detect_flow_state *fs, const struct rule *r)
{
    return fs && has(fs->pending, fs->npending, r);
}

void flowstate_add_pending(struct detect_flow_state *fs, const struct rule *r)
{
    if (fs && !has(fs->pending, fs->npending, r))
        push(&fs->pending, &fs->npending, &fs->cap_pending, r);
}

void flowstate_remove_pending(struct detect_flow_state *fs, const struct rule *r)
{
    if (!fs)
        return;
    for (uint16_t i = 0; i < fs->npending; i++) {
        if (fs->pending[i].sid == r->sid && fs->pending[i].gid == r->gid) {
            fs->pending[i] = fs->pending[--fs->npending];
            return;
        }
    }
}

struct flow_thr *flowstate_thr(struct detect_flow_state *fs, const struct rule *r)
{
    for (uint16_t i = 0; i < fs->nthr; i++)
        if (fs->thr[i].sid == r->sid && fs->thr[i].gid == r->gid)
            return &fs->thr[i];
    if (fs->nthr == fs->cap_thr) {
        if (fs->cap_thr >= 1024)
            return NULL;
        uint16_t nc = fs->cap_thr ? (uint16_t)(fs->cap_thr * 2) : 2;
        struct flow_thr *nv = realloc(fs->thr, nc * sizeof(*nv));
        if (!nv)
            return NULL;
        fs->thr = nv;
        fs->cap_thr = nc;
    }
    struct flow_thr *t = &fs->thr[fs->nthr++];
    memset(t, 0, sizeof(*t));
    t->gid = r->gid;
    t->sid = r->sid;
    return t;
}

bool flowstate_bit(const struct detect_flow_state *fs, uint32_t id)
{
    if (!fs || id / 64 >= fs->nwords)
        return false;
    return (fs->bits[id / 64] >> (id % 64)) & 1;
}

int flowstate_set_bit(struct detect_flow_state *fs, uint32_t id, bool on)
{
    if (!fs)
        return -1;
    uint32_t w = id / 64;
    if (w >= fs->nwords) {
        if (!on)
            return 0;
        uint32_t nw = w + 1;
        uint64_t *nb = realloc(fs->bits, nw * sizeof(*nb));
        if (!nb)
            return -1;
        memset(nb + fs->nwords, 0, (nw - fs->nwords) * sizeof(*nb));
        fs->bits = nb;
        fs->nwords = nw;
    }
    if (on)
        fs->bits[w] |= 1ULL << (id % 64);
    else
        fs->bits[w] &= ~(1ULL << (id % 64));
    return 0;
}

bool flowstate_rep_get(const struct detect_flow_state *fs, int side, uint32_t *head)
{
    if (!(fs->rep_known & (1u << side)))
        return false;
    *head = fs->rep_head[side];
    return true;
}

void flowstate_rep_put(struct detect_flow_state *fs, int side, uint32_t head)
{
    fs->rep_head[side] = head;
    fs->rep_known |= (uint8_t)(1u << side);
}
