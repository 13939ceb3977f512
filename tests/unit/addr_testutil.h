/* addr_testutil.h - helpers for the anonymisation unit tests.
 *
 * A small deterministic generator (xorshift64*) so that property tests over
 * "random" addresses are the same on every run, and the common prefix length
 * of two addresses, the quantity prefix preservation is about.
 */
#ifndef ICTWATCH_ADDR_TESTUTIL_H
#define ICTWATCH_ADDR_TESTUTIL_H

#include <stdint.h>
#include "ictwatch/common.h"

static inline uint64_t tu_rand(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 0x2545f4914f6cdd1dULL;
}

static inline unsigned tu_family_bits(int family)
{
    return family == 4 ? 32 : 128;
}

static inline void tu_random_addr(uint64_t *s, int family, struct ictw_addr *a)
{
    uint8_t b[16];
    for (int i = 0; i < 16; i++)
        b[i] = (uint8_t)tu_rand(s);
    if (family == 4)
        ictw_addr_from_v4(a, b);
    else
        ictw_addr_from_v6(a, b);
}

static inline unsigned tu_bit(const struct ictw_addr *a, unsigned i)
{
    return (a->b[i / 8] >> (7 - i % 8)) & 1;
}

/* Number of leading bits two addresses of one family have in common. */
static inline unsigned tu_common_prefix(const struct ictw_addr *x, const struct ictw_addr *y)
{
    unsigned n = tu_family_bits(x->family), i = 0;
    while (i < n && tu_bit(x, i) == tu_bit(y, i))
        i++;
    return i;
}

/* y = x with the same first k bits, bit k flipped (when k < n) and random bits after. */
static inline void tu_addr_with_prefix(uint64_t *s, const struct ictw_addr *x, unsigned k,
                                       struct ictw_addr *y)
{
    unsigned n = tu_family_bits(x->family);
    tu_random_addr(s, x->family, y);
    for (unsigned i = 0; i < n && i <= k; i++) {
        unsigned want = tu_bit(x, i) ^ (i == k);
        uint8_t mask = (uint8_t)(0x80u >> (i % 8));
        y->b[i / 8] = (uint8_t)(want ? y->b[i / 8] | mask : y->b[i / 8] & ~mask);
    }
}

#endif
