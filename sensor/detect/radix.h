/* radix.h - a path-compressed binary radix (patricia) tree of IP prefixes.
 *
 * Longest-prefix match for IPv4 and IPv6 networks, used for the CIDR part of
 * IP reputation lists. Nodes live in one array (indices, not pointers), so
 * the tree is a few allocations however many prefixes it holds.
 */
#ifndef ICTWATCH_DETECT_RADIX_H
#define ICTWATCH_DETECT_RADIX_H

#include <stdbool.h>
#include <stdint.h>

#include "ictwatch/common.h"

struct radix_node;

struct radix {
    struct radix_node *n;      /* n[0] is unused: index 0 means "none" */
    uint32_t count, cap;
    uint32_t root[2];          /* IPv4, IPv6 */
};

void radix_init(struct radix *r);
void radix_free(struct radix *r);
/* Stores value for prefix/bits (host bits of prefix are ignored). If the
 * prefix was there, *old gets its value and it is replaced. 0 or -1 (OOM). */
int radix_insert(struct radix *r, const struct ictw_addr *prefix, unsigned bits, uint32_t value,
                 bool *existed, uint32_t *old);
/* Value of the longest prefix containing a; false if none. */
bool radix_lookup(const struct radix *r, const struct ictw_addr *a, uint32_t *value);

#endif
