/* gram.c - hashed 4-gram prefilter for large pattern sets (see gram.h).
 *
 * Why: an Aho-Corasick DFA over ten thousand patterns has a hundred
 * thousand states; random payload walks it with a cache miss on most bytes.
 * This filter keeps its hot data in a bitmap of a few tens of kilobytes:
 *
 *  - each pattern's first four bytes (lowercased) are hashed into the
 *    bitmap (about 32 bits per pattern: 32 KB, in L1, for 8,000 patterns;
 *    about 3% of the bits are set);
 *  - the scan lowercases each 4-byte window of the buffer with a SWAR trick,
 *    hashes it and tests one bit; only on a set bit does it look the window
 *    up in a table of prefixes and compare the rest of the patterns that
 *    start with it.
 *
 * Like the automaton, it compares at most AC_MAX_PATTERN bytes and folds
 * case: it only makes rules candidates, the rule itself decides.
 */
#include "gram.h"
#include "detect_int.h"
#include "mpm.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define GOLDEN 0x9e3779b1u

struct prefix_slot {
    uint32_t key;              /* the folded 4 bytes */
    uint32_t start, count;     /* patterns in plist; count 0 = empty slot */
};

struct gram {
    uint64_t *bits;
    uint32_t shift;            /* 32 - log2(bitmap bits) */
    struct prefix_slot *slots;
    uint32_t slot_mask;
    uint32_t *plist;           /* pattern indices grouped by prefix */
    uint8_t *pat;              /* folded patterns */
    uint32_t *off, *len;
    uint32_t npat;
    struct mpm_ids ids;
};

static inline uint32_t lower4(uint32_t w)
{
    uint32_t h = w & 0x7f7f7f7fu;
    uint32_t gt_z = h + 0x25252525u;       /* bit 7 set where byte > 'Z' */
    uint32_t ge_a = h + 0x3f3f3f3fu;       /* bit 7 set where byte >= 'A' */
    uint32_t upper = ~w & (ge_a ^ gt_z) & 0x80808080u;
    return w | (upper >> 2);
}

static inline uint64_t lower8(uint64_t w)
{
    uint64_t h = w & 0x7f7f7f7f7f7f7f7fULL;
    uint64_t gt_z = h + 0x2525252525252525ULL;
    uint64_t ge_a = h + 0x3f3f3f3f3f3f3f3fULL;
    uint64_t upper = ~w & (ge_a ^ gt_z) & 0x8080808080808080ULL;
    return w | (upper >> 2);
}

static inline uint32_t gram_hash(uint32_t w, uint32_t shift)
{
    return (w * GOLDEN) >> shift;
}

static uint32_t slot_index(const struct gram *g, uint32_t key)
{
    uint32_t i = (key * GOLDEN) & g->slot_mask;
    while (g->slots[i].count && g->slots[i].key != key)
        i = (i + 1) & g->slot_mask;
    return i;
}

uint32_t gram_pattern_count(const struct gram *g)
{
    return g ? g->npat : 0;
}

size_t gram_memory(const struct gram *g)
{
    if (!g)
        return 0;
    return (((size_t)1 << (32 - g->shift)) / 8) + ((size_t)g->slot_mask + 1) * sizeof(*g->slots) +
           (size_t)g->npat * 12 + (g->npat ? g->off[g->npat - 1] + g->len[g->npat - 1] : 0);
}

void gram_free(struct gram *g)
{
    if (!g)
        return;
    free(g->bits);
    free(g->slots);
    free(g->plist);
    free(g->pat);
    free(g->off);
    free(g->len);
    mpm_ids_free(&g->ids);
    free(g);
}

/* Folds and deduplicates the inputs; fills pat/off/len and pat_of_input. */
static int collect_patterns(struct gram *g, const struct ac_input *in, size_t n, uint32_t *pat_of_input)
{
    struct hashset uniq;
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += in[i].len < AC_MAX_PATTERN ? in[i].len : AC_MAX_PATTERN;
    g->pat = malloc(total ? total : 1);
    g->off = malloc(n * sizeof(*g->off));
    g->len = malloc(n * sizeof(*g->len));
    if (!g->pat || !g->off || !g->len || hashset_init(&uniq, 0, n) < 0)
        return -1;
    uint8_t folded[AC_MAX_PATTERN];
    size_t used = 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t len = in[i].len < AC_MAX_PATTERN ? in[i].len : AC_MAX_PATTERN;
        for (uint32_t j = 0; j < len; j++)
            folded[j] = detect_lower[in[i].p[j]];
        bool existed;
        int64_t ord = hashset_insert(&uniq, folded, len, &existed);
        if (ord < 0) {
            hashset_free(&uniq);
            return -1;
        }
        if (!existed) {
            memcpy(g->pat + used, folded, len);
            g->off[ord] = (uint32_t)used;
            g->len[ord] = len;
            used += len;
            g->npat++;
        }
        pat_of_input[i] = (uint32_t)ord;
    }
    hashset_free(&uniq);
    return 0;
}

static int build_tables(struct gram *g)
{
    uint32_t nslots = 16;
    while (nslots < g->npat * 2)
        nslots <<= 1;
    g->slot_mask = nslots - 1;
    g->slots = calloc(nslots, sizeof(*g->slots));
    g->plist = malloc(g->npat * sizeof(*g->plist));
    uint32_t nbits = 1u << 12;
    while (nbits < g->npat * 64u && nbits < (1u << 23))
        nbits <<= 1;
    uint32_t log2 = 0;
    while ((1u << log2) < nbits)
        log2++;
    g->shift = 32 - log2;
    g->bits = calloc(nbits / 64, sizeof(*g->bits));
    if (!g->slots || !g->plist || !g->bits)
        return -1;
    uint32_t *key = malloc(g->npat * sizeof(*key));
    if (!key)
        return -1;
    for (uint32_t p = 0; p < g->npat; p++) {
        memcpy(&key[p], g->pat + g->off[p], 4);
        struct prefix_slot *s = &g->slots[slot_index(g, key[p])];
        s->key = key[p];
        s->count++;
        uint32_t h = gram_hash(key[p], g->shift);
        g->bits[h >> 6] |= 1ULL << (h & 63);
    }
    uint32_t start = 0;
    for (uint32_t i = 0; i < nslots; i++) {
        g->slots[i].start = start;
        start += g->slots[i].count;
    }
    uint32_t *fill = calloc(nslots, sizeof(*fill));
    if (!fill) {
        free(key);
        return -1;
    }
    for (uint32_t p = 0; p < g->npat; p++) {
        uint32_t i = slot_index(g, key[p]);
        g->plist[g->slots[i].start + fill[i]++] = p;
    }
    free(fill);
    free(key);
    return 0;
}

struct gram *gram_build(const struct ac_input *in, size_t n)
{
    if (n == 0)
        return NULL;
    for (size_t i = 0; i < n; i++)
        if (in[i].len < GRAM_MIN_LEN)
            return NULL;
    struct gram *g = calloc(1, sizeof(*g));
    uint32_t *pat_of_input = malloc(n * sizeof(*pat_of_input));
    if (!g || !pat_of_input || collect_patterns(g, in, n, pat_of_input) < 0 || build_tables(g) < 0 ||
        mpm_ids_build(&g->ids, in, n, pat_of_input, g->npat) < 0) {
        free(pat_of_input);
        gram_free(g);
        return NULL;
    }
    free(pat_of_input);
    return g;
}

static bool rest_matches(const uint8_t *text, const uint8_t *pat, uint32_t n)
{
    for (uint32_t j = 0; j < n; j++)
        if (detect_lower[text[j]] != pat[j])
            return false;
    return true;
}

static inline bool bit_set(const uint64_t *bits, uint32_t h)
{
    return (bits[h >> 6] >> (h & 63)) & 1;
}

/* Compares the patterns that start with the 4-byte window w at position i. */
static uint32_t check_window(const struct gram *g, const uint8_t *buf, size_t len, size_t i, uint32_t w,
                             uint8_t *seen, uint32_t *out, uint32_t nout)
{
    const struct prefix_slot *s = &g->slots[slot_index(g, w)];
    for (uint32_t k = 0; k < s->count; k++) {
        uint32_t p = g->plist[s->start + k];
        uint32_t plen = g->len[p];
        if (seen[p] || i + plen > len)
            continue;
        if (rest_matches(buf + i + 4, g->pat + g->off[p] + 4, plen - 4)) {
            seen[p] = 1;
            out[nout++] = p;
        }
    }
    return nout;
}

/* The hot loop: one 8-byte load, lowered with SWAR, gives the five 4-byte
 * windows at i..i+4; the five bitmap tests are or-ed, and only a hit (a few
 * percent of the time) looks at the windows one by one. */
uint32_t gram_scan(const struct gram *g, const uint8_t *buf, size_t len, uint8_t *seen, uint32_t *out)
{
    if (!g || len < GRAM_MIN_LEN)
        return 0;
    const uint64_t *bits = g->bits;
    const uint32_t shift = g->shift;
    uint32_t nout = 0;
    size_t i = 0;
    for (; i + 8 <= len; i += 5) {
        uint64_t w8;
        memcpy(&w8, buf + i, 8);
        w8 = lower8(w8);
        uint32_t w[5];
        bool any = false;
        for (int k = 0; k < 5; k++) {
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
            w[k] = (uint32_t)(w8 >> (8 * (4 - k)));   /* bytes i+k..i+k+3, as memcpy reads them */
#else
            w[k] = (uint32_t)(w8 >> (8 * k));
#endif
            any |= bit_set(bits, gram_hash(w[k], shift));
        }
        if (!any)
            continue;
        for (int k = 0; k < 5; k++)
            if (bit_set(bits, gram_hash(w[k], shift)))
                nout = check_window(g, buf, len, i + (size_t)k, w[k], seen, out, nout);
    }
    for (; i + GRAM_MIN_LEN <= len; i++) {
        uint32_t w;
        memcpy(&w, buf + i, 4);
        w = lower4(w);
        if (bit_set(bits, gram_hash(w, shift)))
            nout = check_window(g, buf, len, i, w, seen, out, nout);
    }
    for (uint32_t k = 0; k < nout; k++)
        seen[out[k]] = 0;
    return nout;
}

const uint32_t *gram_pattern_ids(const struct gram *g, uint32_t pat, uint32_t *n)
{
    return mpm_ids_of(&g->ids, pat, n);
}
