/* flow.c - the bidirectional flow table (see flow.h for the model).
 *
 * Layout: a power-of-two array of bucket heads with chaining through
 * flow->hnext, and one doubly linked LRU list per (protocol class, state).
 * Every list has a single idle timeout, so the least recently touched flow of
 * a list is always at its head and expiry is "pop heads while too old": no
 * scan of the table, ever. A packet moves its flow to the tail of its list.
 *
 * The active timeout is checked when a packet arrives (a flow that goes quiet
 * ends by idle timeout anyway), so it costs one comparison per packet.
 *
 * Flow structs are recycled through a free list to keep malloc off the
 * packet path. Memory accounting counts the struct plus whatever the DPI and
 * the rule engine report through flow_table_account().
 */
#include "flow.h"

#include <stdlib.h>
#include <string.h>

struct flow_list {
    struct flow *head, *tail;
};

struct flow_table {
    struct flow_config cfg;
    struct flow **buckets;
    uint32_t mask;
    struct flow_list lists[FLOW_CLASS_COUNT][FLOW_STATE_COUNT];
    flow_end_fn on_end;
    flow_release_fn on_release;
    void *arg;
    struct flow_stats st;
    ictw_usec clock;              /* only moves forward */
    bool emergency;
    uint64_t base_mem;            /* the bucket array: not flows */
    struct flow *free_list;
    uint32_t free_count;
};

#define FLOW_FREE_LIST_MAX 4096
#define FLOW_ID_MASK ((1ULL << 51) - 1)

static const char *const state_names[FLOW_STATE_COUNT] = {"new", "established", "closed"};
static const char *const reason_names[] = {"timeout", "timeout", "forced", "shutdown", "tcp_reuse"};

const char *flow_state_name(int state)
{
    return state >= 0 && state < FLOW_STATE_COUNT ? state_names[state] : "unknown";
}

const char *flow_end_reason_name(int reason)
{
    return reason >= 0 && reason < (int)ICTW_ARRAY_LEN(reason_names) ? reason_names[reason] : "unknown";
}

void flow_config_defaults(struct flow_config *c)
{
    memset(c, 0, sizeof(*c));
    c->hash_size = 262144;
    c->memcap = 512ULL * 1024 * 1024;
    c->active_timeout = 1800;
    c->emergency_recovery = 70;
    /* Suricata's defaults for idle timeouts and their emergency values. */
    static const uint32_t normal[FLOW_CLASS_COUNT][FLOW_STATE_COUNT] = {
        [FLOW_CLASS_TCP] = {60, 600, 60},
        [FLOW_CLASS_UDP] = {30, 300, 30},
        [FLOW_CLASS_ICMP] = {30, 300, 30},
        [FLOW_CLASS_OTHER] = {30, 300, 30},
    };
    static const uint32_t emerg[FLOW_CLASS_COUNT][FLOW_STATE_COUNT] = {
        [FLOW_CLASS_TCP] = {10, 100, 5},
        [FLOW_CLASS_UDP] = {10, 100, 5},
        [FLOW_CLASS_ICMP] = {10, 100, 5},
        [FLOW_CLASS_OTHER] = {10, 100, 5},
    };
    memcpy(c->timeout, normal, sizeof(normal));
    memcpy(c->emergency_timeout, emerg, sizeof(emerg));
}

static uint32_t round_pow2(uint32_t v)
{
    uint32_t p = 1024;
    while (p < v && p < (1u << 30))
        p <<= 1;
    return p;
}

struct flow_table *flow_table_new(const struct flow_config *cfg, flow_end_fn on_end,
                                  flow_release_fn on_release, void *arg)
{
    struct flow_table *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->cfg = *cfg;
    uint32_t n = round_pow2(cfg->hash_size);
    t->buckets = calloc(n, sizeof(*t->buckets));
    if (!t->buckets) {
        free(t);
        return NULL;
    }
    t->mask = n - 1;
    t->on_end = on_end;
    t->on_release = on_release;
    t->arg = arg;
    t->base_mem = (uint64_t)n * sizeof(*t->buckets);
    t->st.memuse = t->base_mem;
    t->st.memuse_peak = t->st.memuse;
    return t;
}

/* ---- keys and hashing ---------------------------------------------------- */

static enum flow_proto_class proto_class(uint8_t proto)
{
    switch (proto) {
    case IPPROTO_NUM_TCP: return FLOW_CLASS_TCP;
    case IPPROTO_NUM_UDP: return FLOW_CLASS_UDP;
    case IPPROTO_NUM_ICMP:
    case IPPROTO_NUM_ICMPV6: return FLOW_CLASS_ICMP;
    default: return FLOW_CLASS_OTHER;
    }
}

/* True when (a, pa) sorts before (b, pb). */
static bool endpoint_less(const uint8_t *a, uint16_t pa, const uint8_t *b, uint16_t pb)
{
    int c = memcmp(a, b, 16);
    return c < 0 || (c == 0 && pa < pb);
}

void flow_key_from_packet(const struct packet *p, struct flow_key *k)
{
    memset(k, 0, sizeof(*k));
    if (endpoint_less(p->src.b, p->sport, p->dst.b, p->dport)) {
        memcpy(k->addr_a, p->src.b, 16);
        memcpy(k->addr_b, p->dst.b, 16);
        k->port_a = p->sport;
        k->port_b = p->dport;
    } else {
        memcpy(k->addr_a, p->dst.b, 16);
        memcpy(k->addr_b, p->src.b, 16);
        k->port_a = p->dport;
        k->port_b = p->sport;
    }
    k->family = p->ip_version;
    k->proto = p->proto;
    k->tunnel_type = p->tunnel.type;
    k->vlan = p->vlan_count ? p->vlan[p->vlan_count - 1] : 0;
    k->tunnel_id = p->tunnel.id;
}

static uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

static uint32_t key_hash(const struct flow_key *k)
{
    const uint8_t *b = (const uint8_t *)k;
    uint64_t h = 0x243f6a8885a308d3ULL;
    for (size_t i = 0; i < sizeof(*k); i += 8) {
        h ^= load64(b + i);
        h *= 0x9e3779b97f4a7c15ULL;
        h ^= h >> 29;
    }
    h ^= h >> 32;
    return (uint32_t)h;
}

static bool key_equal(const struct flow_key *x, const struct flow_key *y)
{
    const uint8_t *a = (const uint8_t *)x, *b = (const uint8_t *)y;
    uint64_t d = 0;
    for (size_t i = 0; i < sizeof(*x); i += 8)
        d |= load64(a + i) ^ load64(b + i);
    return d == 0;
}

/* ---- lists -------------------------------------------------------------- */

static struct flow_list *list_of(struct flow_table *t, const struct flow *f)
{
    return &t->lists[f->pclass][f->state];
}

static void list_unlink(struct flow_list *l, struct flow *f)
{
    if (f->lprev)
        f->lprev->lnext = f->lnext;
    else
        l->head = f->lnext;
    if (f->lnext)
        f->lnext->lprev = f->lprev;
    else
        l->tail = f->lprev;
    f->lprev = f->lnext = NULL;
}

static void list_append(struct flow_list *l, struct flow *f)
{
    f->lnext = NULL;
    f->lprev = l->tail;
    if (l->tail)
        l->tail->lnext = f;
    else
        l->head = f;
    l->tail = f;
}

static void bucket_unlink(struct flow_table *t, struct flow *f)
{
    struct flow **pp = &t->buckets[f->hash & t->mask];
    while (*pp && *pp != f)
        pp = &(*pp)->hnext;
    if (*pp)
        *pp = f->hnext;
    f->hnext = NULL;
}

/* ---- memory ------------------------------------------------------------- */

static void mem_add(struct flow_table *t, int64_t delta)
{
    if (delta < 0 && (uint64_t)(-delta) > t->st.memuse)
        t->st.memuse = 0;
    else
        t->st.memuse = (uint64_t)((int64_t)t->st.memuse + delta);
    if (t->st.memuse > t->st.memuse_peak)
        t->st.memuse_peak = t->st.memuse;
}

void flow_table_account(struct flow_table *t, struct flow *f, int64_t delta)
{
    if (delta < 0 && (uint64_t)(-delta) > f->mem)
        delta = -(int64_t)f->mem;
    f->mem = (uint32_t)((int64_t)f->mem + delta);
    mem_add(t, delta);
}

/* Ends a flow: the callback writes its record, then its memory goes. */
static void flow_end(struct flow_table *t, struct flow *f, enum flow_end_reason reason)
{
    if (t->on_end)
        t->on_end(t->arg, f, reason);
    list_unlink(list_of(t, f), f);
    bucket_unlink(t, f);
    if (t->on_release)
        t->on_release(t->arg, f);
    mem_add(t, -(int64_t)f->mem);
    t->st.active--;
    t->st.ended++;
    if (t->free_count < FLOW_FREE_LIST_MAX) {
        f->hnext = t->free_list;
        t->free_list = f;
        t->free_count++;
    } else {
        free(f);
    }
}

static struct flow *flow_alloc(struct flow_table *t)
{
    struct flow *f = t->free_list;
    if (f) {
        t->free_list = f->hnext;
        t->free_count--;
    } else {
        f = malloc(sizeof(*f));
        if (!f)
            return NULL;
    }
    memset(f, 0, sizeof(*f));
    return f;
}

/* The flow that was touched least recently across all lists. */
static struct flow *oldest_flow(struct flow_table *t)
{
    struct flow *best = NULL;
    for (int c = 0; c < FLOW_CLASS_COUNT; c++)
        for (int s = 0; s < FLOW_STATE_COUNT; s++) {
            struct flow *h = t->lists[c][s].head;
            if (h && (!best || h->touched < best->touched))
                best = h;
        }
    return best;
}

static void expire_lists(struct flow_table *t, ictw_usec now)
{
    const uint32_t (*tmo)[FLOW_STATE_COUNT] = t->emergency ? t->cfg.emergency_timeout : t->cfg.timeout;
    for (int c = 0; c < FLOW_CLASS_COUNT; c++)
        for (int s = 0; s < FLOW_STATE_COUNT; s++) {
            ictw_usec limit = (ictw_usec)tmo[c][s] * ICTW_USEC_PER_SEC;
            struct flow *h;
            while ((h = t->lists[c][s].head) && h->touched + limit <= now) {
                t->st.timeouts++;
                flow_end(t, h, FLOW_END_TIMEOUT);
            }
        }
}

/* Makes room for one more flow under the memory cap: emergency timeouts
 * first, then eviction of the least recently seen flows. */
static bool make_room(struct flow_table *t, uint64_t need)
{
    if (t->st.memuse + need <= t->cfg.memcap)
        return true;
    if (!t->emergency) {
        t->emergency = true;
        t->st.emergency_entered++;
        expire_lists(t, t->clock);
    }
    while (t->st.memuse + need > t->cfg.memcap) {
        struct flow *victim = oldest_flow(t);
        if (!victim)
            return false;
        t->st.evicted++;
        flow_end(t, victim, FLOW_END_FORCED);
    }
    return true;
}

void flow_table_expire(struct flow_table *t, ictw_usec now)
{
    if (now > t->clock)
        t->clock = now;
    expire_lists(t, t->clock);
    /* Leave emergency mode once flows use less than emergency_recovery % of
     * what the cap leaves them. */
    uint64_t room = t->cfg.memcap > t->base_mem ? t->cfg.memcap - t->base_mem : 0;
    if (t->emergency &&
        t->st.memuse - t->base_mem < room / 100 * (uint64_t)t->cfg.emergency_recovery)
        t->emergency = false;
}

/* ---- per packet ---------------------------------------------------------- */

static struct flow *lookup(struct flow_table *t, const struct flow_key *k, uint32_t h)
{
    for (struct flow *f = t->buckets[h & t->mask]; f; f = f->hnext)
        if (f->hash == h && key_equal(&f->key, k))
            return f;
    return NULL;
}

static void set_orientation(struct flow *f, const struct packet *p)
{
    bool reply_first = p->proto == IPPROTO_NUM_TCP && (p->tcp_flags & (TCP_SYN | TCP_ACK)) ==
                                                          (TCP_SYN | TCP_ACK);
    if (reply_first) {
        f->cli = p->dst;
        f->srv = p->src;
        f->cli_port = p->dport;
        f->srv_port = p->sport;
    } else {
        f->cli = p->src;
        f->srv = p->dst;
        f->cli_port = p->sport;
        f->srv_port = p->dport;
    }
}

static struct flow *flow_create(struct flow_table *t, const struct packet *p,
                                const struct flow_key *k, uint32_t h)
{
    if (!make_room(t, sizeof(struct flow))) {
        t->st.memcap_refused++;
        return NULL;
    }
    struct flow *f = flow_alloc(t);
    if (!f) {
        t->st.memcap_refused++;
        return NULL;
    }
    f->key = *k;
    f->hash = h;
    f->pclass = (uint8_t)proto_class(p->proto);
    f->state = FLOW_STATE_NEW;
    f->ip_version = p->ip_version;
    set_orientation(f, p);
    f->vlan_count = p->vlan_count;
    memcpy(f->vlan, p->vlan, sizeof(f->vlan));
    f->tunnel = p->tunnel;
    f->first_seen = f->last_seen = p->ts;
    f->flow_id = (((uint64_t)(p->ts / ICTW_USEC_PER_SEC) & 0xffff) << 48 |
                  ((uint64_t)(p->ts % ICTW_USEC_PER_SEC) & 0xffff) << 32 | h) & FLOW_ID_MASK;
    if (t->emergency)
        f->flags |= FLOW_F_EMERGENCY;
    f->mem = sizeof(struct flow);
    mem_add(t, f->mem);

    f->hnext = t->buckets[h & t->mask];
    t->buckets[h & t->mask] = f;
    f->touched = t->clock;
    list_append(list_of(t, f), f);

    t->st.created++;
    if (++t->st.active > t->st.active_peak)
        t->st.active_peak = t->st.active;
    switch (f->pclass) {
    case FLOW_CLASS_TCP: t->st.tcp++; break;
    case FLOW_CLASS_UDP: t->st.udp++; break;
    case FLOW_CLASS_ICMP: t->st.icmp++; break;
    default: t->st.other++; break;
    }
    return f;
}

static int packet_dir(const struct flow *f, const struct packet *p)
{
    if (p->sport == f->cli_port && memcmp(p->src.b, f->cli.b, 16) == 0)
        return FLOW_TOSERVER;
    return FLOW_TOCLIENT;
}

static void tcp_track(struct flow *f, const struct packet *p, int dir)
{
    uint8_t fl = p->tcp_flags;
    if ((fl & (TCP_SYN | TCP_ACK)) == TCP_SYN && dir == FLOW_TOSERVER)
        f->flags |= FLOW_F_SYN_SEEN;
    if ((fl & (TCP_SYN | TCP_ACK)) == (TCP_SYN | TCP_ACK) && dir == FLOW_TOCLIENT)
        f->flags |= FLOW_F_SYNACK_SEEN;
    if (fl & TCP_RST) {
        f->flags |= FLOW_F_RST;
        f->state = FLOW_STATE_CLOSED;
        return;
    }
    if (fl & TCP_FIN)
        f->flags |= dir == FLOW_TOSERVER ? FLOW_F_FIN_CLIENT : FLOW_F_FIN_SERVER;
    if ((f->flags & (FLOW_F_FIN_CLIENT | FLOW_F_FIN_SERVER)) == (FLOW_F_FIN_CLIENT | FLOW_F_FIN_SERVER)) {
        f->state = FLOW_STATE_CLOSED;
        return;
    }
    if (f->state != FLOW_STATE_NEW)
        return;
    if ((f->flags & (FLOW_F_SYN_SEEN | FLOW_F_SYNACK_SEEN)) == (FLOW_F_SYN_SEEN | FLOW_F_SYNACK_SEEN)) {
        if (dir == FLOW_TOSERVER && (fl & (TCP_SYN | TCP_ACK)) == TCP_ACK)
            f->state = FLOW_STATE_ESTABLISHED;
    } else if (!(f->flags & FLOW_F_SYN_SEEN) && f->pkts[FLOW_TOSERVER] && f->pkts[FLOW_TOCLIENT] &&
               !(fl & TCP_SYN)) {
        /* Picked up mid-stream: both sides talk without a handshake we saw. */
        f->flags |= FLOW_F_MIDSTREAM;
        f->state = FLOW_STATE_ESTABLISHED;
    }
}

static void update_state(struct flow *f, const struct packet *p, int dir)
{
    if (f->pclass == FLOW_CLASS_TCP) {
        f->tcp_flags[dir] |= p->tcp_flags;
        tcp_track(f, p, dir);
    } else if (f->state == FLOW_STATE_NEW && f->pkts[FLOW_TOSERVER] && f->pkts[FLOW_TOCLIENT]) {
        f->state = FLOW_STATE_ESTABLISHED;
    }
    if (f->state == FLOW_STATE_ESTABLISHED)
        f->flags |= FLOW_F_WAS_ESTABLISHED;
}

/* Active timeout: write a record for a long flow and start its counters again. */
static void check_active_timeout(struct flow_table *t, struct flow *f, const struct packet *p)
{
    if (!t->cfg.active_timeout)
        return;
    if (p->ts < f->first_seen + (ictw_usec)t->cfg.active_timeout * ICTW_USEC_PER_SEC)
        return;
    t->st.active_timeouts++;
    if (t->on_end)
        t->on_end(t->arg, f, FLOW_END_ACTIVE_TIMEOUT);
    f->first_seen = p->ts;
    memset(f->pkts, 0, sizeof(f->pkts));
    memset(f->bytes, 0, sizeof(f->bytes));
}

struct flow *flow_table_update(struct flow_table *t, const struct packet *p, int *dir, bool *created)
{
    struct flow_key k;
    flow_key_from_packet(p, &k);
    uint32_t h = key_hash(&k);
    if (p->ts > t->clock)
        t->clock = p->ts;

    *created = false;
    struct flow *f = lookup(t, &k, h);
    if (f && f->pclass == FLOW_CLASS_TCP && f->state == FLOW_STATE_CLOSED &&
        (p->tcp_flags & (TCP_SYN | TCP_ACK)) == TCP_SYN) {
        /* A new connection on the same ports after the old one closed. */
        flow_end(t, f, FLOW_END_TCP_REUSE);
        f = NULL;
    }
    if (!f) {
        f = flow_create(t, p, &k, h);
        if (!f)
            return NULL;
        *created = true;
    } else {
        check_active_timeout(t, f, p);
    }

    int d = packet_dir(f, p);
    *dir = d;
    f->pkts[d]++;
    f->bytes[d] += p->wire_len;
    if (p->ts > f->last_seen)
        f->last_seen = p->ts;

    struct flow_list *before = list_of(t, f);
    update_state(f, p, d);
    list_unlink(before, f);
    f->touched = t->clock;
    list_append(list_of(t, f), f);
    return f;
}

void flow_table_flush(struct flow_table *t, enum flow_end_reason reason)
{
    for (int c = 0; c < FLOW_CLASS_COUNT; c++)
        for (int s = 0; s < FLOW_STATE_COUNT; s++) {
            struct flow *h;
            while ((h = t->lists[c][s].head))
                flow_end(t, h, reason);
        }
}

void flow_table_free(struct flow_table *t)
{
    if (!t)
        return;
    flow_table_flush(t, FLOW_END_SHUTDOWN);
    while (t->free_list) {
        struct flow *f = t->free_list;
        t->free_list = f->hnext;
        free(f);
    }
    free(t->buckets);
    free(t);
}

const struct flow_stats *flow_table_stats(const struct flow_table *t)
{
    return &t->st;
}

bool flow_table_emergency(const struct flow_table *t)
{
    return t->emergency;
}
