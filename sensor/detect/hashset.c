/* hashset.c - open-addressing hash set of byte strings (see hashset.h).
 *
 * Linear probing over a power-of-two table kept at most half full. A slot
 * holds 32 bits of the key's hash next to the ordinal, so almost every probe
 * that is not the key is rejected without touching the arena. Variable
 * length keys are stored as a 2-byte length and the bytes.
 */
#include "hashset.h"
#include "detect_int.h"

#include <stdlib.h>
#include <string.h>

#define HS_SEED 0x6b43a9b5f1d2c3e7ULL

static uint32_t table_size_for(size_t expected)
{
    size_t want = expected < 8 ? 16 : expected * 2;
    uint32_t size = 16;
    while (size < want && size < (1u << 31))
        size <<= 1;
    return size;
}

int hashset_init(struct hashset *h, uint32_t keylen, size_t expected)
{
    memset(h, 0, sizeof(*h));
    h->keylen = keylen;
    uint32_t size = table_size_for(expected);
    h->slots = calloc(size, sizeof(*h->slots));
    if (!h->slots)
        return -1;
    h->mask = size - 1;
    return 0;
}

void hashset_free(struct hashset *h)
{
    free(h->slots);
    free(h->arena);
    free(h->offsets);
    memset(h, 0, sizeof(*h));
}

size_t hashset_memory(const struct hashset *h)
{
    return ((size_t)h->mask + 1) * sizeof(*h->slots) + h->arena_cap +
           (size_t)h->offsets_cap * sizeof(*h->offsets);
}

static const uint8_t *key_at(const struct hashset *h, uint32_t ord, uint32_t *len)
{
    if (h->keylen) {
        *len = h->keylen;
        return h->arena + (size_t)ord * h->keylen;
    }
    const uint8_t *p = h->arena + h->offsets[ord];
    *len = (uint32_t)p[0] << 8 | p[1];
    return p + 2;
}

static int arena_reserve(struct hashset *h, size_t more);

int hashset_reserve(struct hashset *h, size_t keys, size_t bytes)
{
    if (!h->keylen && h->count + keys > h->offsets_cap) {
        size_t cap = h->count + keys;
        if (cap > 0x7fffffffu)
            return -1;
        uint64_t *no = realloc(h->offsets, cap * sizeof(*no));
        if (!no)
            return -1;
        h->offsets = no;
        h->offsets_cap = (uint32_t)cap;
    }
    return arena_reserve(h, h->keylen ? bytes : bytes + 2 * keys);
}

static int64_t probe(const struct hashset *h, const void *key, uint32_t len, uint64_t hash,
                     uint32_t *slot_out)
{
    uint32_t tag = (uint32_t)(hash >> 32);
    uint32_t i = (uint32_t)hash & h->mask;
    for (;;) {
        uint64_t s = h->slots[i];
        if (s == 0) {
            *slot_out = i;
            return -1;
        }
        if ((uint32_t)(s >> 32) == tag) {
            uint32_t ord = (uint32_t)s - 1, klen;
            const uint8_t *k = key_at(h, ord, &klen);
            if (klen == len && memcmp(k, key, len) == 0) {
                *slot_out = i;
                return ord;
            }
        }
        i = (i + 1) & h->mask;
    }
}

int64_t hashset_find(const struct hashset *h, const void *key, uint32_t len)
{
    if (!h->slots || (h->keylen && len != h->keylen))
        return -1;
    uint32_t slot;
    return probe(h, key, len, detect_hash(key, len, HS_SEED), &slot);
}

static int grow(struct hashset *h)
{
    uint32_t size = (h->mask + 1) * 2;
    if (size == 0)
        return -1;
    uint64_t *ns = calloc(size, sizeof(*ns));
    if (!ns)
        return -1;
    uint32_t mask = size - 1;
    for (uint32_t i = 0; i <= h->mask; i++) {
        uint64_t s = h->slots[i];
        if (!s)
            continue;
        uint32_t klen;
        const uint8_t *k = key_at(h, (uint32_t)s - 1, &klen);
        uint32_t j = (uint32_t)detect_hash(k, klen, HS_SEED) & mask;
        while (ns[j])
            j = (j + 1) & mask;
        ns[j] = s;
    }
    free(h->slots);
    h->slots = ns;
    h->mask = mask;
    return 0;
}

static int arena_reserve(struct hashset *h, size_t more)
{
    if (h->arena_len + more <= h->arena_cap)
        return 0;
    size_t cap = h->arena_cap ? h->arena_cap : 4096;
    while (cap < h->arena_len + more)
        cap *= 2;
    uint8_t *na = realloc(h->arena, cap);
    if (!na)
        return -1;
    h->arena = na;
    h->arena_cap = cap;
    return 0;
}

/* Inserts a key whose hash is known; the table has room. */
static int64_t insert_hashed(struct hashset *h, const void *key, uint32_t len, uint64_t hash,
                             bool *existed)
{
    uint32_t slot;
    int64_t ord = probe(h, key, len, hash, &slot);
    if (ord >= 0) {
        if (existed)
            *existed = true;
        return ord;
    }
    uint32_t n = h->count;
    if (h->keylen) {
        if (arena_reserve(h, len) < 0)
            return -1;
        memcpy(h->arena + h->arena_len, key, len);
        h->arena_len += len;
    } else {
        if (n == h->offsets_cap) {
            uint32_t cap = h->offsets_cap ? h->offsets_cap * 2 : 1024;
            uint64_t *no = realloc(h->offsets, (size_t)cap * sizeof(*no));
            if (!no)
                return -1;
            h->offsets = no;
            h->offsets_cap = cap;
        }
        if (arena_reserve(h, (size_t)len + 2) < 0)
            return -1;
        h->offsets[n] = h->arena_len;
        h->arena[h->arena_len] = (uint8_t)(len >> 8);
        h->arena[h->arena_len + 1] = (uint8_t)len;
        memcpy(h->arena + h->arena_len + 2, key, len);
        h->arena_len += (size_t)len + 2;
    }
    h->slots[slot] = (uint64_t)(uint32_t)(hash >> 32) << 32 | (uint64_t)(n + 1);
    h->count++;
    if (existed)
        *existed = false;
    return n;
}

static int make_room(struct hashset *h, uint32_t more)
{
    while ((uint64_t)(h->count + more) * 2 > (uint64_t)h->mask + 1)
        if (grow(h) < 0)
            return -1;
    return 0;
}

int64_t hashset_insert(struct hashset *h, const void *key, uint32_t len, bool *existed)
{
    if ((h->keylen && len != h->keylen) || len > 65535 || h->count >= 0x7fffffffu)
        return -1;
    if (make_room(h, 1) < 0)
        return -1;
    return insert_hashed(h, key, len, detect_hash(key, len, HS_SEED), existed);
}

int hashset_insert_batch(struct hashset *h, const uint8_t *const *keys, const uint32_t *lens,
                         uint32_t n, int64_t *ords)
{
    enum { AHEAD = 8 };
    uint64_t hash[HASHSET_BATCH];
    if (n > HASHSET_BATCH || h->count >= 0x7fffffffu - n || make_room(h, n) < 0)
        return -1;
    for (uint32_t i = 0; i < n; i++)
        hash[i] = detect_hash(keys[i], lens[i], HS_SEED);
    for (uint32_t i = 0; i < n && i < AHEAD; i++)
        __builtin_prefetch(&h->slots[(uint32_t)hash[i] & h->mask]);
    for (uint32_t i = 0; i < n; i++) {
        if (i + AHEAD < n)
            __builtin_prefetch(&h->slots[(uint32_t)hash[i + AHEAD] & h->mask]);
        bool bad = (h->keylen && lens[i] != h->keylen) || lens[i] > 65535;
        ords[i] = bad ? -1 : insert_hashed(h, keys[i], lens[i], hash[i], NULL);
        if (!bad && ords[i] < 0)
            return -1;
    }
    return 0;
}
