/* radix.c - path-compressed binary radix tree (see radix.h).
 *
 * Each node holds a prefix (key + length); its two children extend it by at
 * least one bit, chosen by the bit at position `len`. Insertion walks down
 * while the node's prefix is a prefix of the key, and splits a node where
 * the key diverges, so there are at most two nodes per stored prefix.
 * Lookup walks down, remembering the last node with a value whose prefix
 * still matches: the longest match.
 */
#include "radix.h"

#include <stdlib.h>
#include <string.h>

struct radix_node {
    uint8_t key[16];
    uint8_t len;               /* prefix length in bits */
    uint8_t has_value;
    uint32_t value;
    uint32_t child[2];
};

void radix_init(struct radix *r)
{
    memset(r, 0, sizeof(*r));
}

void radix_free(struct radix *r)
{
    free(r->n);
    memset(r, 0, sizeof(*r));
}

static int bit_at(const uint8_t *k, unsigned i)
{
    return (k[i / 8] >> (7 - i % 8)) & 1;
}

/* Number of leading bits k1 and k2 share, at most max. */
static unsigned common_bits(const uint8_t *k1, const uint8_t *k2, unsigned max)
{
    unsigned i = 0;
    while (i + 8 <= max && k1[i / 8] == k2[i / 8])
        i += 8;
    while (i < max && bit_at(k1, i) == bit_at(k2, i))
        i++;
    return i;
}

static void mask_key(uint8_t *k, unsigned bits)
{
    for (unsigned i = bits; i < 128; i++)
        k[i / 8] &= (uint8_t)~(0x80 >> (i % 8));
}

static uint32_t new_node(struct radix *r, const uint8_t *key, unsigned len)
{
    if (r->count + 1 >= r->cap) {
        uint32_t cap = r->cap ? r->cap * 2 : 64;
        struct radix_node *nn = realloc(r->n, (size_t)cap * sizeof(*nn));
        if (!nn)
            return 0;
        r->n = nn;
        r->cap = cap;
        if (r->count == 0)
            r->count = 1;   /* index 0 stays unused */
    }
    uint32_t i = r->count++;
    struct radix_node *n = &r->n[i];
    memset(n, 0, sizeof(*n));
    memcpy(n->key, key, 16);
    mask_key(n->key, len);
    n->len = (uint8_t)len;
    return i;
}

static void set_link(struct radix *r, int fam, uint32_t parent, int side, uint32_t v)
{
    if (parent)
        r->n[parent].child[side] = v;
    else
        r->root[fam] = v;
}

int radix_insert(struct radix *r, const struct ictw_addr *prefix, unsigned bits, uint32_t value,
                 bool *existed, uint32_t *old)
{
    unsigned width = prefix->family == 4 ? 32 : 128;
    if (bits > width)
        bits = width;
    uint8_t key[16];
    memcpy(key, prefix->b, 16);
    mask_key(key, bits);
    *existed = false;
    int fam = prefix->family == 4 ? 0 : 1;
    /* Links are kept as (parent index, side): new_node() may move the array. */
    uint32_t parent = 0, cur = r->root[fam];
    int side = 0;
    for (;;) {
        if (!cur) {
            uint32_t nn = new_node(r, key, bits);
            if (!nn)
                return -1;
            r->n[nn].has_value = 1;
            r->n[nn].value = value;
            set_link(r, fam, parent, side, nn);
            return 0;
        }
        unsigned clen = r->n[cur].len;
        unsigned cb = common_bits(key, r->n[cur].key, clen < bits ? clen : bits);
        if (cb == clen && cb == bits) {
            struct radix_node *n = &r->n[cur];
            if (n->has_value) {
                *existed = true;
                *old = n->value;
            }
            n->has_value = 1;
            n->value = value;
            return 0;
        }
        if (cb == clen) {   /* the node's prefix contains the key: go down */
            parent = cur;
            side = bit_at(key, clen);
            cur = r->n[cur].child[side];
            continue;
        }
        /* The key leaves this node's prefix at bit cb: a new node of length
         * cb takes cur's place, with cur below it. */
        uint32_t split = new_node(r, key, cb);
        if (!split)
            return -1;
        r->n[split].child[bit_at(r->n[cur].key, cb)] = cur;
        if (cb == bits) {
            r->n[split].has_value = 1;
            r->n[split].value = value;
        } else {
            uint32_t leaf = new_node(r, key, bits);
            if (!leaf)
                return -1;
            r->n[leaf].has_value = 1;
            r->n[leaf].value = value;
            r->n[split].child[bit_at(key, cb)] = leaf;
        }
        set_link(r, fam, parent, side, split);
        return 0;
    }
}

bool radix_lookup(const struct radix *r, const struct ictw_addr *a, uint32_t *value)
{
    if (a->family != 4 && a->family != 6)
        return false;
    unsigned width = a->family == 4 ? 32 : 128;
    uint32_t cur = r->root[a->family == 4 ? 0 : 1];
    bool found = false;
    while (cur) {
        const struct radix_node *n = &r->n[cur];
        if (common_bits(a->b, n->key, n->len) < n->len)
            break;
        if (n->has_value) {
            *value = n->value;
            found = true;
        }
        if (n->len >= width)
            break;
        cur = n->child[bit_at(a->b, n->len)];
    }
    return found;
}
