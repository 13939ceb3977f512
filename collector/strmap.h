/* strmap.h - byte-string keys to dense indices (0, 1, 2, ... in insertion order).
 *
 * The collector pre-aggregates a batch of alerts before sending it to Redis: many
 * alerts of a batch share a dimension tuple, a (signature, source) pair or a
 * HyperLogLog key. The map interns each distinct key once and hands back a dense
 * index, so callers keep their counters in plain parallel arrays. Keys are copied
 * into the map's own arena; strmap_clear() keeps the memory for the next batch.
 * Open addressing with linear probing, FNV-1a hashes, load factor <= 1/2.
 */
#ifndef ICTWATCH_STRMAP_H
#define ICTWATCH_STRMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct strmap {
    uint32_t *slots;        /* index + 1, 0 = empty */
    size_t nslots;
    uint64_t *hashes;       /* per index */
    size_t *offs, *lens;    /* per index, into arena */
    size_t n, cap;
    char *arena;
    size_t alen, acap;
};

void strmap_init(struct strmap *m);
void strmap_free(struct strmap *m);
void strmap_clear(struct strmap *m);
/* Index of key; added (with *added = true) when new. UINT32_MAX on out of memory. */
uint32_t strmap_intern(struct strmap *m, const void *key, size_t len, bool *added);
/* Index of key, or UINT32_MAX when it is not in the map. */
uint32_t strmap_find(const struct strmap *m, const void *key, size_t len);
/* The key text of index i (NUL-terminated in the arena; valid until the next intern). */
const char *strmap_key(const struct strmap *m, uint32_t i, size_t *len);

#endif
