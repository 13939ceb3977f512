/* defrag.c - IPv4 and IPv6 fragment reassembly (interface and policy in defrag.h).
 *
 * Datagrams in progress live in a hash table (chained, seeded hash of the
 * full key) for the lookup of every fragment, and on one list in creation
 * order, so that timeouts and evictions only ever look at the list head:
 * no per-fragment work grows with the number of datagrams held.
 *
 * A datagram keeps its fragment data in a buffer indexed by fragment offset
 * (grown by doubling, at most 65535 bytes) and the byte ranges it holds as a
 * sorted list of merged [start, end) ranges. A new fragment is compared with
 * the ranges it overlaps (overlap / conflicting-overlap counters) and only the
 * bytes nobody held before are copied: the first fragment to cover a byte
 * wins. The header comes from the fragment at offset 0 (the first of them).
 *
 * When the last fragment is known and one range covers [0, end), the IP
 * packet is rebuilt into a buffer owned by the defragmenter: IPv4 gets its
 * total length, cleared MF/offset and a recomputed checksum; IPv6 loses its
 * fragment header, the header before it points to the fragment's next
 * header, and the payload length is fixed. The completed datagram is freed
 * at once, so a fragment that itself points into the output buffer (a
 * fragmented packet inside a reassembled tunnel) is safe: its bytes are
 * copied before the buffer is written again.
 *
 * Memory (datagram structs, data buffers, headers, range lists) is counted
 * against the memcap; making room evicts the oldest datagrams. Zero values in
 * the configuration mean the defaults.
 */
#include "defrag.h"

#include <stdlib.h>
#include <string.h>

#define DEFRAG_MAX_PAYLOAD 65535u       /* IPv4 total length / IPv6 payload length */
#define DEFRAG_OUT_SIZE (40u + DEFRAG_MAX_PAYLOAD)
#define DEFRAG_MAX_RANGES 256u          /* holes a datagram may have at once */
#define DEFRAG_MIN_BUCKETS 64u
#define DEFRAG_MAX_BUCKETS (1u << 20)

struct frag_range {
    uint32_t start, end;
};

struct dgram {
    struct dgram *hnext, **hprev;       /* hash chain */
    struct dgram *older, *newer;        /* creation-order list */
    uint32_t hash;

    uint8_t family, proto;              /* key */
    uint16_t vlan;
    uint32_t id, tunnel_key;
    uint8_t src[16], dst[16];

    ictw_usec created;
    uint8_t *data;                      /* fragment data at its offset */
    uint32_t data_cap;
    uint8_t *hdr;                       /* from the offset-0 fragment */
    uint32_t hdr_len;
    uint32_t nh_pos;                    /* IPv6: byte that names the fragment header */
    struct frag_range *ranges;
    uint32_t nranges, ranges_cap;
    uint32_t end;                       /* data length, once the last fragment is seen */
    bool have_last;
    uint64_t mem;                       /* bytes counted against the memcap */
};

struct defrag {
    struct defrag_config cfg;
    struct defrag_stats stats;
    struct dgram **buckets;
    uint32_t mask;
    uint32_t seed;
    uint32_t count;
    struct dgram *oldest, *newest;
    uint8_t *out;                       /* rebuilt datagram, valid until the next call */
};

void defrag_config_defaults(struct defrag_config *cfg)
{
    cfg->memcap = 32u << 20;
    cfg->timeout = 60;
    cfg->max_datagrams = 65536;
}

struct defrag *defrag_new(const struct defrag_config *cfg)
{
    struct defrag *d = calloc(1, sizeof(*d));
    if (!d)
        return NULL;
    defrag_config_defaults(&d->cfg);
    if (cfg) {
        if (cfg->memcap)
            d->cfg.memcap = cfg->memcap;
        if (cfg->timeout)
            d->cfg.timeout = cfg->timeout;
        if (cfg->max_datagrams)
            d->cfg.max_datagrams = cfg->max_datagrams;
    }
    uint32_t n = DEFRAG_MIN_BUCKETS;
    while (n < d->cfg.max_datagrams && n < DEFRAG_MAX_BUCKETS)
        n <<= 1;
    d->buckets = calloc(n, sizeof(*d->buckets));
    d->out = malloc(DEFRAG_OUT_SIZE);
    if (!d->buckets || !d->out) {
        free(d->buckets);
        free(d->out);
        free(d);
        return NULL;
    }
    d->mask = n - 1;
    /* Not predictable from outside (ASLR), and it never changes any output. */
    uintptr_t a = (uintptr_t)d;
    d->seed = (uint32_t)(a ^ (a >> 32)) * 0x9e3779b1u;
    return d;
}

static void mem_add(struct defrag *d, struct dgram *dg, uint64_t n)
{
    dg->mem += n;
    d->stats.memuse += n;
    if (d->stats.memuse > d->stats.memuse_peak)
        d->stats.memuse_peak = d->stats.memuse;
}

static void dgram_free(struct defrag *d, struct dgram *dg)
{
    *dg->hprev = dg->hnext;
    if (dg->hnext)
        dg->hnext->hprev = dg->hprev;
    if (dg->older)
        dg->older->newer = dg->newer;
    else
        d->oldest = dg->newer;
    if (dg->newer)
        dg->newer->older = dg->older;
    else
        d->newest = dg->older;
    d->count--;
    d->stats.memuse -= dg->mem;
    free(dg->data);
    free(dg->hdr);
    free(dg->ranges);
    free(dg);
}

void defrag_free(struct defrag *d)
{
    if (!d)
        return;
    while (d->oldest)
        dgram_free(d, d->oldest);
    free(d->buckets);
    free(d->out);
    free(d);
}

void defrag_expire(struct defrag *d, ictw_usec now)
{
    ictw_usec timeout = (ictw_usec)d->cfg.timeout * ICTW_USEC_PER_SEC;
    while (d->oldest && now > d->oldest->created + timeout) {
        d->stats.timeouts++;
        dgram_free(d, d->oldest);
    }
}

const struct defrag_stats *defrag_stats(const struct defrag *d)
{
    return &d->stats;
}

/* Evicts the oldest datagrams other than `keep` until `need` more bytes fit. */
static bool make_room(struct defrag *d, uint64_t need, const struct dgram *keep)
{
    while (d->stats.memuse + need > d->cfg.memcap) {
        struct dgram *victim = d->oldest;
        if (victim == keep)
            victim = victim->newer;
        if (!victim)
            return false;
        d->stats.evicted++;
        dgram_free(d, victim);
    }
    return true;
}

static uint32_t mix32(uint32_t h, uint32_t v)
{
    h ^= v;
    h *= 0x9e3779b1u;
    return h ^ (h >> 15);
}

static uint32_t key_hash(const struct defrag *d, const struct defrag_frag *f)
{
    uint32_t h = mix32(d->seed, (uint32_t)f->family << 24 | (uint32_t)f->proto << 16 | f->vlan);
    h = mix32(h, f->id);
    h = mix32(h, f->tunnel_key);
    for (unsigned i = 0; i < 16; i += 4)
        h = mix32(mix32(h, ictw_be32(f->src.b + i)), ictw_be32(f->dst.b + i));
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    return h ^ (h >> 13);
}

static bool key_equal(const struct dgram *dg, const struct defrag_frag *f)
{
    return dg->family == f->family && dg->proto == f->proto && dg->vlan == f->vlan &&
           dg->id == f->id && dg->tunnel_key == f->tunnel_key &&
           memcmp(dg->src, f->src.b, 16) == 0 && memcmp(dg->dst, f->dst.b, 16) == 0;
}

static struct dgram *dgram_find(struct defrag *d, const struct defrag_frag *f, uint32_t hash)
{
    for (struct dgram *dg = d->buckets[hash & d->mask]; dg; dg = dg->hnext)
        if (dg->hash == hash && key_equal(dg, f))
            return dg;
    return NULL;
}

static struct dgram *dgram_create(struct defrag *d, const struct defrag_frag *f, uint32_t hash,
                                  ictw_usec now)
{
    if (d->count >= d->cfg.max_datagrams && d->oldest) {
        d->stats.evicted++;
        dgram_free(d, d->oldest);
    }
    if (!make_room(d, sizeof(struct dgram), NULL))
        return NULL;
    struct dgram *dg = calloc(1, sizeof(*dg));
    if (!dg)
        return NULL;
    dg->hash = hash;
    dg->family = f->family;
    dg->proto = f->proto;
    dg->vlan = f->vlan;
    dg->id = f->id;
    dg->tunnel_key = f->tunnel_key;
    memcpy(dg->src, f->src.b, 16);
    memcpy(dg->dst, f->dst.b, 16);
    dg->created = now;

    struct dgram **head = &d->buckets[hash & d->mask];
    dg->hnext = *head;
    if (*head)
        (*head)->hprev = &dg->hnext;
    dg->hprev = head;
    *head = dg;
    dg->older = d->newest;
    if (d->newest)
        d->newest->newer = dg;
    else
        d->oldest = dg;
    d->newest = dg;
    d->count++;
    mem_add(d, dg, sizeof(*dg));
    return dg;
}

/* IPv6 unfragmentable part: IPv6 header plus extension headers whose chain
 * ends at the fragment header. Returns the offset of the next-header byte
 * that names the fragment header, or 0 when the chain is broken. */
static uint32_t ipv6_frag_nh_pos(const uint8_t *h, uint32_t len)
{
    uint32_t pos = 6, off = 40;
    uint8_t nh = h[6];
    while (off < len) {
        switch (nh) {
        case 0: case 43: case 51: case 60: case 135: case 139: case 140:
            break;
        default:
            return 0;
        }
        if (len - off < 8)
            return 0;
        uint32_t elen = nh == 51 ? ((uint32_t)h[off + 1] + 2) * 4 : ((uint32_t)h[off + 1] + 1) * 8;
        if (elen > len - off)
            return 0;
        pos = off;
        nh = h[off];
        off += elen;
    }
    return nh == 44 ? pos : 0;
}

/* The header checks and size limit every fragment must pass before it is held. */
static bool fragment_valid(const struct defrag_frag *f)
{
    uint32_t limit;
    if (!f->hdr || (f->data_len && !f->data))
        return false;
    if (f->family == 4) {
        if (f->hdr_len < 20 || f->hdr_len > 60 || (f->hdr[0] >> 4) != 4 ||
            (uint32_t)(f->hdr[0] & 0x0f) * 4 != f->hdr_len)
            return false;
        limit = DEFRAG_MAX_PAYLOAD - f->hdr_len;            /* total length fits 16 bits */
    } else if (f->family == 6) {
        if (f->hdr_len < 40 || f->hdr_len - 40 > DEFRAG_MAX_PAYLOAD || (f->hdr[0] >> 4) != 6)
            return false;
        if (f->offset == 0 && ipv6_frag_nh_pos(f->hdr, f->hdr_len) == 0)
            return false;                                   /* its header is the one we keep */
        limit = DEFRAG_MAX_PAYLOAD - (f->hdr_len - 40);     /* payload length fits 16 bits */
    } else {
        return false;
    }
    if (f->offset % 8 != 0 || f->offset > limit || f->data_len > limit - f->offset)
        return false;
    if (f->more && (f->data_len == 0 || f->data_len % 8 != 0))
        return false;
    return true;
}

static bool grow_data(struct defrag *d, struct dgram *dg, uint32_t need)
{
    if (need <= dg->data_cap)
        return true;
    uint32_t cap = dg->data_cap ? dg->data_cap * 2 : 512;
    while (cap < need)
        cap *= 2;
    if (cap > DEFRAG_MAX_PAYLOAD)
        cap = DEFRAG_MAX_PAYLOAD;
    if (!make_room(d, cap - dg->data_cap, dg))
        return false;
    uint8_t *p = realloc(dg->data, cap);
    if (!p)
        return false;
    mem_add(d, dg, cap - dg->data_cap);
    dg->data = p;
    dg->data_cap = cap;
    return true;
}

static bool grow_ranges(struct defrag *d, struct dgram *dg)
{
    if (dg->nranges < dg->ranges_cap)
        return true;
    uint32_t cap = dg->ranges_cap ? dg->ranges_cap * 2 : 4;
    if (cap > DEFRAG_MAX_RANGES)
        return false;
    uint64_t more = (uint64_t)(cap - dg->ranges_cap) * sizeof(struct frag_range);
    if (!make_room(d, more, dg))
        return false;
    struct frag_range *r = realloc(dg->ranges, cap * sizeof(*r));
    if (!r)
        return false;
    mem_add(d, dg, more);
    dg->ranges = r;
    dg->ranges_cap = cap;
    return true;
}

/* The header was checked by fragment_valid(). */
static bool store_header(struct defrag *d, struct dgram *dg, const struct defrag_frag *f)
{
    uint32_t nh_pos = f->family == 6 ? ipv6_frag_nh_pos(f->hdr, f->hdr_len) : 0;
    if (!make_room(d, f->hdr_len, dg) || !(dg->hdr = malloc(f->hdr_len)))
        return false;
    memcpy(dg->hdr, f->hdr, f->hdr_len);
    dg->hdr_len = f->hdr_len;
    dg->nh_pos = nh_pos;
    mem_add(d, dg, f->hdr_len);
    return true;
}

/* Where the fragment [s, e) meets the held ranges: ranges[*first .. *last) overlap or touch it. */
static void ranges_touching(const struct dgram *dg, uint32_t s, uint32_t e, uint32_t *first, uint32_t *last)
{
    uint32_t i = 0;
    while (i < dg->nranges && dg->ranges[i].end < s)
        i++;
    uint32_t j = i;
    while (j < dg->nranges && dg->ranges[j].start <= e)
        j++;
    *first = i;
    *last = j;
}

/* Copies the bytes of [s, e) nobody held yet; counts overlaps and conflicts. */
static void copy_first_wins(struct defrag *d, struct dgram *dg, uint32_t i, uint32_t j,
                            uint32_t s, uint32_t e, const uint8_t *src)
{
    bool overlap = false, conflict = false;
    uint32_t cursor = s;
    for (uint32_t k = i; k < j; k++) {
        const struct frag_range *r = &dg->ranges[k];
        uint32_t os = ICTW_MAX(s, r->start), oe = ICTW_MIN(e, r->end);
        if (os < oe) {
            overlap = true;
            if (memcmp(dg->data + os, src + (os - s), oe - os) != 0)
                conflict = true;
        }
        if (r->start > cursor)
            memcpy(dg->data + cursor, src + (cursor - s), ICTW_MIN(r->start, e) - cursor);
        if (r->end > cursor)
            cursor = r->end;
    }
    if (cursor < e)
        memcpy(dg->data + cursor, src + (cursor - s), e - cursor);
    d->stats.overlaps += overlap;
    d->stats.overlap_conflicts += conflict;
}

/* Adds [s, e) to the ranges, merging with ranges[i .. j). */
static void ranges_merge(struct dgram *dg, uint32_t i, uint32_t j, uint32_t s, uint32_t e)
{
    if (i == j) {
        memmove(&dg->ranges[i + 1], &dg->ranges[i], (dg->nranges - i) * sizeof(dg->ranges[0]));
        dg->ranges[i] = (struct frag_range){ s, e };
        dg->nranges++;
        return;
    }
    struct frag_range m = { ICTW_MIN(s, dg->ranges[i].start), ICTW_MAX(e, dg->ranges[j - 1].end) };
    dg->ranges[i] = m;
    memmove(&dg->ranges[i + 1], &dg->ranges[j], (dg->nranges - j) * sizeof(dg->ranges[0]));
    dg->nranges -= j - i - 1;
}

enum insert_result { INSERT_OK, INSERT_INVALID, INSERT_NO_MEMORY };

static enum insert_result dgram_insert(struct defrag *d, struct dgram *dg, const struct defrag_frag *f)
{
    uint32_t s = f->offset, e = f->offset + f->data_len;
    uint32_t held_end = dg->nranges ? dg->ranges[dg->nranges - 1].end : 0;

    if (dg->have_last && (e > dg->end || (!f->more && e != dg->end)))
        return INSERT_INVALID;
    if (!f->more && held_end > e)
        return INSERT_INVALID;
    if (f->offset == 0 && !dg->hdr && !store_header(d, dg, f))
        return INSERT_NO_MEMORY;
    if (f->data_len) {
        uint32_t i, j;
        ranges_touching(dg, s, e, &i, &j);
        if (i == j && !grow_ranges(d, dg))
            return dg->ranges_cap >= DEFRAG_MAX_RANGES ? INSERT_INVALID : INSERT_NO_MEMORY;
        if (!grow_data(d, dg, e))
            return INSERT_NO_MEMORY;
        copy_first_wins(d, dg, i, j, s, e, f->data);
        ranges_merge(dg, i, j, s, e);
    }
    if (!f->more) {
        dg->have_last = true;
        dg->end = e;
    }
    return INSERT_OK;
}

static bool dgram_complete(const struct dgram *dg)
{
    if (!dg->have_last || !dg->hdr)
        return false;
    if (dg->end == 0)
        return dg->nranges == 0;
    return dg->nranges == 1 && dg->ranges[0].start == 0 && dg->ranges[0].end == dg->end;
}

static uint16_t ipv4_checksum(const uint8_t *h, uint32_t len)
{
    uint32_t sum = 0;
    for (uint32_t i = 0; i + 1 < len; i += 2)
        sum += ictw_be16(h + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

/* Writes the rebuilt IP packet into d->out; returns its length, 0 if it is too large. */
static uint32_t dgram_rebuild(struct defrag *d, const struct dgram *dg)
{
    uint8_t *o = d->out;
    uint32_t h = dg->hdr_len, total = h + dg->end;
    if (dg->family == 4) {
        if (total > DEFRAG_MAX_PAYLOAD)
            return 0;
        memcpy(o, dg->hdr, h);
        o[2] = (uint8_t)(total >> 8);
        o[3] = (uint8_t)total;
        o[6] &= 0xc0;                   /* keep reserved and DF, clear MF and the offset */
        o[7] = 0;
        o[10] = o[11] = 0;
        uint16_t sum = ipv4_checksum(o, h);
        o[10] = (uint8_t)(sum >> 8);
        o[11] = (uint8_t)sum;
    } else {
        uint32_t plen = total - 40;
        if (plen > DEFRAG_MAX_PAYLOAD)
            return 0;
        memcpy(o, dg->hdr, h);
        o[dg->nh_pos] = dg->proto;
        o[4] = (uint8_t)(plen >> 8);
        o[5] = (uint8_t)plen;
    }
    if (dg->end)
        memcpy(o + h, dg->data, dg->end);
    return total;
}

int defrag_add(struct defrag *d, const struct defrag_frag *f, ictw_usec now,
               const uint8_t **out, uint32_t *out_len)
{
    d->stats.fragments++;
    defrag_expire(d, now);
    if (!fragment_valid(f)) {
        d->stats.invalid++;
        return -1;
    }
    uint32_t hash = key_hash(d, f);
    struct dgram *dg = dgram_find(d, f, hash);
    if (!dg && !(dg = dgram_create(d, f, hash, now))) {
        d->stats.evicted++;             /* no room even after evicting everything else */
        return -1;
    }
    switch (dgram_insert(d, dg, f)) {
    case INSERT_OK:
        break;
    case INSERT_INVALID:
        d->stats.invalid++;
        return -1;
    case INSERT_NO_MEMORY:
        d->stats.evicted++;
        dgram_free(d, dg);
        return -1;
    }
    if (!dgram_complete(dg))
        return 0;
    uint32_t len = dgram_rebuild(d, dg);
    dgram_free(d, dg);
    if (len == 0) {
        d->stats.invalid++;
        return -1;
    }
    d->stats.reassembled++;
    *out = d->out;
    *out_len = len;
    return 1;
}
