/* hashset.h - an open-addressing hash set of byte strings, for IOC lists.
 *
 * Keys live in one arena (no allocation per key); each key gets an ordinal
 * (0, 1, 2, ... in insertion order) so that a caller can keep values in a
 * plain array beside the set (iprep scores). Sized from the expected count
 * at load time; grows by rehashing if the estimate was short. Read-only
 * after loading, so lookups from the packet thread need no lock.
 */
#ifndef ICTWATCH_DETECT_HASHSET_H
#define ICTWATCH_DETECT_HASHSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct hashset {
    uint64_t *slots;           /* (hash tag << 32) | (ordinal + 1); 0 = empty */
    uint32_t mask;
    uint32_t count;
    uint32_t keylen;           /* fixed key length, or 0 for variable */
    uint8_t *arena;
    size_t arena_len, arena_cap;
    uint64_t *offsets;         /* variable keys: arena offset of each ordinal */
    uint32_t offsets_cap;
};

int hashset_init(struct hashset *h, uint32_t keylen, size_t expected);
/* Reserves room for `keys` more keys of `bytes` bytes in all, so that a bulk
 * load does not move the arena while it grows. -1 on OOM. */
int hashset_reserve(struct hashset *h, size_t keys, size_t bytes);
void hashset_free(struct hashset *h);
/* Returns the ordinal of key (new or existing); -1 on out of memory or a key
 * longer than 65535 bytes. *existed says which. */
int64_t hashset_insert(struct hashset *h, const void *key, uint32_t len, bool *existed);
/* Inserts n keys at once (n <= HASHSET_BATCH); ords[i] gets the ordinal of
 * keys[i], or -1 for a key that could not be inserted. Hashes are computed
 * first and table slots prefetched a few keys ahead, so the cache misses of
 * a large table overlap instead of following one another. 0, or -1 on OOM. */
#define HASHSET_BATCH 64
int hashset_insert_batch(struct hashset *h, const uint8_t *const *keys, const uint32_t *lens,
                         uint32_t n, int64_t *ords);
/* Ordinal of key, or -1. */
int64_t hashset_find(const struct hashset *h, const void *key, uint32_t len);
size_t hashset_memory(const struct hashset *h);

#endif
