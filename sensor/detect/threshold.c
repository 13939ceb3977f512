/* threshold.c - the counters behind threshold and detection_filter.
 *
 * Semantics are Suricata's (detect-engine-threshold.c), with fixed windows
 * that start at the first hit of a key and last `seconds` (a hit at exactly
 * start + seconds is still inside):
 *
 *   limit      alert on hits 1..count of a window, then stay silent
 *   threshold  alert on every count-th hit of a window (counter back to 0)
 *   both       alert once per window, on the count-th hit
 *   backoff    alert on hit count, count*m, count*m^2, ... (per flow)
 *   detection_filter  alert on every hit once more than count were seen
 *
 * With unique_on, detection_filter counts distinct source/destination ports
 * (Suricata) or addresses (our extension) in the window instead of hits:
 * "more than 20 destination ports from one source in 60 s" is a port scan,
 * "more than 50 destination hosts" a sweep. On a new window the current
 * value is the first one seen. Only count+1 distinct values need to be kept.
 *
 * Keys: source address, destination address, the (unordered) address pair,
 * the rule, or the flow (kept in the flow's own state). Time is packet time.
 * The table keeps at most max_entries keys; expired entries are dropped when
 * it fills (that does not change any result: an expired entry behaves like a
 * new one), and if it is still full new keys are not tracked (counted).
 */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#define KEY_MAX 34

struct uval {
    uint8_t b[17];
};

struct thr_entry {
    uint32_t gid, sid;
    uint8_t track, keylen, used;
    uint8_t key[KEY_MAX];
    ictw_usec start, window;
    uint32_t count;
    uint32_t next;             /* hash chain: entry index + 1 */
    struct uval *uniq;         /* open addressing, capacity ucap */
    uint32_t ucap, un;
};

struct thr_table {
    uint32_t *buckets;
    uint32_t nbuckets;
    struct thr_entry *e;
    uint32_t n, cap, max;
    uint32_t free_head;        /* free list through `next` */
    uint32_t live;
};

struct thr_table *thr_table_new(uint32_t max_entries)
{
    struct thr_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->max = max_entries ? max_entries : 1;
    t->nbuckets = 1024;
    t->buckets = calloc(t->nbuckets, sizeof(*t->buckets));
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    return t;
}

void thr_table_free(struct thr_table *t)
{
    if (!t)
        return;
    for (uint32_t i = 0; i < t->n; i++)
        free(t->e[i].uniq);
    free(t->e);
    free(t->buckets);
    free(t);
}

uint32_t thr_table_entries(const struct thr_table *t)
{
    return t ? t->live : 0;
}

static uint64_t entry_hash(uint32_t gid, uint32_t sid, uint8_t track, const uint8_t *key, uint8_t kl)
{
    uint8_t buf[9 + KEY_MAX];
    if (kl > KEY_MAX)
        kl = KEY_MAX;   /* never past the buffer, whatever the entry holds */
    memcpy(buf, &gid, 4);
    memcpy(buf + 4, &sid, 4);
    buf[8] = track;
    memcpy(buf + 9, key, kl);
    return detect_hash(buf, 9u + kl, 0x7468726573686f6cULL);
}

static void unlink_entry(struct thr_table *t, uint32_t idx)
{
    struct thr_entry *x = &t->e[idx];
    uint32_t b = (uint32_t)entry_hash(x->gid, x->sid, x->track, x->key, x->keylen) & (t->nbuckets - 1);
    uint32_t *link = &t->buckets[b];
    while (*link && *link != idx + 1)
        link = &t->e[*link - 1].next;
    if (*link)
        *link = x->next;
    free(x->uniq);
    memset(x, 0, sizeof(*x));
    x->next = t->free_head;
    t->free_head = idx + 1;
    t->live--;
}

static void drop_expired(struct thr_table *t, ictw_usec now)
{
    for (uint32_t i = 0; i < t->n; i++) {
        struct thr_entry *x = &t->e[i];
        if (x->used && now > x->start + x->window)
            unlink_entry(t, i);
    }
}

static void rehash(struct thr_table *t, uint32_t nb)
{
    uint32_t *nbk = calloc(nb, sizeof(*nbk));
    if (!nbk)
        return;
    for (uint32_t i = 0; i < t->n; i++) {
        struct thr_entry *x = &t->e[i];
        if (!x->used)
            continue;
        uint32_t b = (uint32_t)entry_hash(x->gid, x->sid, x->track, x->key, x->keylen) & (nb - 1);
        x->next = nbk[b];
        nbk[b] = i + 1;
    }
    free(t->buckets);
    t->buckets = nbk;
    t->nbuckets = nb;
}

static struct thr_entry *lookup(struct thr_table *t, const struct rule *r, const uint8_t *key,
                                uint8_t kl, ictw_usec now, bool *created)
{
    uint8_t track = r->thr->track;
    uint32_t b = (uint32_t)entry_hash(r->gid, r->sid, track, key, kl) & (t->nbuckets - 1);
    for (uint32_t i = t->buckets[b]; i; i = t->e[i - 1].next) {
        struct thr_entry *x = &t->e[i - 1];
        if (x->sid == r->sid && x->gid == r->gid && x->track == track && x->keylen == kl &&
            memcmp(x->key, key, kl) == 0) {
            *created = false;
            return x;
        }
    }
    if (t->live >= t->max) {
        drop_expired(t, now);
        if (t->live >= t->max)
            return NULL;
    }
    uint32_t idx;
    if (t->free_head) {
        idx = t->free_head - 1;
        t->free_head = t->e[idx].next;
    } else {
        if (t->n == t->cap) {
            uint32_t cap = t->cap ? t->cap * 2 : 256;
            struct thr_entry *ne = realloc(t->e, (size_t)cap * sizeof(*ne));
            if (!ne)
                return NULL;
            t->e = ne;
            t->cap = cap;
        }
        idx = t->n++;
    }
    /* Cleared before a rehash, which walks every slot below n: a slot fresh from
     * realloc holds garbage (a set `used`, a keylen beyond KEY_MAX). */
    struct thr_entry *x = &t->e[idx];
    memset(x, 0, sizeof(*x));
    if (t->live + 1 > t->nbuckets) {
        rehash(t, t->nbuckets * 2);
        b = (uint32_t)entry_hash(r->gid, r->sid, track, key, kl) & (t->nbuckets - 1);
    }
    x->gid = r->gid;
    x->sid = r->sid;
    x->track = track;
    x->keylen = kl;
    memcpy(x->key, key, kl);
    x->used = 1;
    x->next = t->buckets[b];
    t->buckets[b] = idx + 1;
    t->live++;
    *created = true;
    return x;
}

static uint8_t addr_key(const struct ictw_addr *a, uint8_t *out)
{
    out[0] = a->family;
    memcpy(out + 1, a->b, 16);
    return 17;
}

static uint8_t make_key(const struct rule *r, const struct pkt_view *v, uint8_t *key)
{
    switch (r->thr->track) {
    case TRK_SRC: return addr_key(v->src, key);
    case TRK_DST: return addr_key(v->dst, key);
    case TRK_BOTH: {
        /* Both directions between two hosts are one pair. */
        const struct ictw_addr *a = v->src, *b = v->dst;
        if (ictw_addr_cmp(a, b) > 0) {
            a = v->dst;
            b = v->src;
        }
        addr_key(a, key);
        addr_key(b, key + 17);
        return 34;
    }
    default: return 0;
    }
}

static struct uval unique_value(const struct rule *r, const struct pkt_view *v)
{
    struct uval u;
    memset(&u, 0, sizeof(u));
    switch (r->thr->unique) {
    /* Ports get a marker byte and addresses start with their family, so no
     * value is all zero (all zero marks an empty slot). */
    case UNQ_SRC_PORT: u.b[0] = 0xff; u.b[1] = (uint8_t)(v->sp >> 8); u.b[2] = (uint8_t)v->sp; break;
    case UNQ_DST_PORT: u.b[0] = 0xff; u.b[1] = (uint8_t)(v->dp >> 8); u.b[2] = (uint8_t)v->dp; break;
    case UNQ_SRC_IP: addr_key(v->src, u.b); break;
    case UNQ_DST_IP: addr_key(v->dst, u.b); break;
    }
    return u;
}

/* Adds a value to the entry's distinct set (kept up to count+1 values).
 * Returns the number of distinct values, or 0 on out of memory. */
static uint32_t unique_add(struct thr_entry *x, const struct uval *u, uint32_t limit)
{
    if (!x->uniq) {
        uint32_t cap = 8;
        while (cap < (limit + 1) * 2)
            cap *= 2;
        x->uniq = calloc(cap, sizeof(*x->uniq));
        if (!x->uniq)
            return 0;
        x->ucap = cap;
        x->un = 0;
    }
    if (x->un > limit)
        return x->un;   /* already over the limit: more values change nothing */
    static const struct uval empty;
    uint32_t i = (uint32_t)detect_hash(u->b, sizeof(u->b), 0x756e69717565ULL) & (x->ucap - 1);
    for (;;) {
        struct uval *s = &x->uniq[i];
        if (memcmp(s->b, empty.b, sizeof(s->b)) == 0) {
            *s = *u;
            x->un++;
            return x->un;
        }
        if (memcmp(s->b, u->b, sizeof(s->b)) == 0)
            return x->un;
        i = (i + 1) & (x->ucap - 1);
    }
}

static void unique_reset(struct thr_entry *x)
{
    if (x->uniq)
        memset(x->uniq, 0, (size_t)x->ucap * sizeof(*x->uniq));
    x->un = 0;
}

/* Applies one hit to a counter that was just found (or created) and says
 * whether it alerts. `fresh`: the key had no entry. */
static bool apply_hit(const struct thr_spec *s, ictw_usec ts, bool fresh, ictw_usec *start,
                      uint32_t *count, uint64_t *next)
{
    ictw_usec window = (ictw_usec)s->seconds * ICTW_USEC_PER_SEC;
    bool inside = !fresh && ts <= *start + window;
    if (s->type == THR_BACKOFF) {
        if (fresh) {
            *count = 1;
            *next = s->count;
        } else {
            (*count)++;
        }
        if (*count == *next) {
            uint64_t n = *next * s->multiplier;
            *next = n > UINT32_MAX ? UINT64_MAX : n;
            return true;
        }
        return false;
    }
    if (!inside) {
        *start = ts;
        *count = 1;
        switch (s->type) {
        case THR_LIMIT: return true;
        case THR_THRESHOLD: return s->count == 1;
        case THR_BOTH: return s->count == 1;
        default: return false;   /* detection_filter: first hit never alerts */
        }
    }
    (*count)++;
    switch (s->type) {
    case THR_LIMIT:
        return *count <= s->count;
    case THR_THRESHOLD:
        if (*count >= s->count) {
            *count = 0;
            return true;
        }
        return false;
    case THR_BOTH:
        return *count == s->count;
    default:
        return *count > s->count;
    }
}

static bool unique_hit(const struct thr_spec *s, struct thr_entry *x, const struct uval *u,
                       ictw_usec ts, bool fresh)
{
    ictw_usec window = (ictw_usec)s->seconds * ICTW_USEC_PER_SEC;
    if (fresh || ts > x->start + window) {
        x->start = ts;
        unique_reset(x);
    }
    uint32_t n = unique_add(x, u, s->count);
    return n > s->count;
}

bool thr_check(struct thr_table *t, const struct rule *r, const struct pkt_view *v, ictw_usec ts,
               const struct flow *f, struct detect_flow_state *fs, struct detect_stats *st)
{
    const struct thr_spec *s = r->thr;
    if (s->track == TRK_FLOW) {
        if (!f || !fs)
            return true;
        struct flow_thr *ft = flowstate_thr(fs, r);
        if (!ft) {
            st->thr_untracked++;
            return false;
        }
        bool fresh = !ft->used;
        ft->used = 1;
        return apply_hit(s, ts, fresh, &ft->start, &ft->count, &ft->next);
    }
    if (!t)
        return true;
    uint8_t key[KEY_MAX];
    uint8_t kl = make_key(r, v, key);
    bool created;
    struct thr_entry *x = lookup(t, r, key, kl, ts, &created);
    if (!x) {
        st->thr_untracked++;
        return false;
    }
    x->window = (ictw_usec)s->seconds * ICTW_USEC_PER_SEC;
    if (s->unique) {
        struct uval u = unique_value(r, v);
        return unique_hit(s, x, &u, ts, created);
    }
    uint64_t next = 0;
    return apply_hit(s, ts, created, &x->start, &x->count, &next);
}
