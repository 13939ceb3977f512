/* strmap.c - interning hash map for batch pre-aggregation (see strmap.h). */
#include "strmap.h"

#include <stdlib.h>
#include <string.h>

void strmap_init(struct strmap *m)
{
    memset(m, 0, sizeof(*m));
}

void strmap_free(struct strmap *m)
{
    free(m->slots);
    free(m->hashes);
    free(m->offs);
    free(m->lens);
    free(m->arena);
    memset(m, 0, sizeof(*m));
}

void strmap_clear(struct strmap *m)
{
    if (m->slots)
        memset(m->slots, 0, m->nslots * sizeof(*m->slots));
    m->n = 0;
    m->alen = 0;
}

static uint64_t fnv1a(const unsigned char *p, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 1099511628211ULL;
    }
    return h ^ (h >> 29);
}

static int grow_slots(struct strmap *m)
{
    size_t ns = m->nslots ? m->nslots * 2 : 1024;
    uint32_t *s = calloc(ns, sizeof(*s));
    if (!s)
        return -1;
    for (size_t i = 0; i < m->n; i++) {
        size_t j = m->hashes[i] & (ns - 1);
        while (s[j])
            j = (j + 1) & (ns - 1);
        s[j] = (uint32_t)i + 1;
    }
    free(m->slots);
    m->slots = s;
    m->nslots = ns;
    return 0;
}

static int grow_entries(struct strmap *m)
{
    size_t nc = m->cap ? m->cap * 2 : 512;
    uint64_t *h = realloc(m->hashes, nc * sizeof(*h));
    if (!h)
        return -1;
    m->hashes = h;
    size_t *o = realloc(m->offs, nc * sizeof(*o));
    if (!o)
        return -1;
    m->offs = o;
    size_t *l = realloc(m->lens, nc * sizeof(*l));
    if (!l)
        return -1;
    m->lens = l;
    m->cap = nc;
    return 0;
}

static int arena_reserve(struct strmap *m, size_t more)
{
    if (m->alen + more <= m->acap)
        return 0;
    size_t nc = m->acap ? m->acap : 65536;
    while (nc < m->alen + more)
        nc *= 2;
    char *a = realloc(m->arena, nc);
    if (!a)
        return -1;
    m->arena = a;
    m->acap = nc;
    return 0;
}

uint32_t strmap_intern(struct strmap *m, const void *key, size_t len, bool *added)
{
    *added = false;
    if ((m->n + 1) * 2 > m->nslots && grow_slots(m))
        return UINT32_MAX;
    uint64_t h = fnv1a(key, len);
    size_t j = h & (m->nslots - 1);
    while (m->slots[j]) {
        uint32_t i = m->slots[j] - 1;
        if (m->hashes[i] == h && m->lens[i] == len && memcmp(m->arena + m->offs[i], key, len) == 0)
            return i;
        j = (j + 1) & (m->nslots - 1);
    }
    if (m->n == m->cap && grow_entries(m))
        return UINT32_MAX;
    if (arena_reserve(m, len + 1))
        return UINT32_MAX;
    uint32_t i = (uint32_t)m->n++;
    m->hashes[i] = h;
    m->offs[i] = m->alen;
    m->lens[i] = len;
    memcpy(m->arena + m->alen, key, len);
    m->arena[m->alen + len] = '\0';
    m->alen += len + 1;
    m->slots[j] = i + 1;
    *added = true;
    return i;
}

uint32_t strmap_find(const struct strmap *m, const void *key, size_t len)
{
    if (!m->nslots)
        return UINT32_MAX;
    uint64_t h = fnv1a(key, len);
    size_t j = h & (m->nslots - 1);
    while (m->slots[j]) {
        uint32_t i = m->slots[j] - 1;
        if (m->hashes[i] == h && m->lens[i] == len && memcmp(m->arena + m->offs[i], key, len) == 0)
            return i;
        j = (j + 1) & (m->nslots - 1);
    }
    return UINT32_MAX;
}

const char *strmap_key(const struct strmap *m, uint32_t i, size_t *len)
{
    if (len)
        *len = m->lens[i];
    return m->arena + m->offs[i];
}
