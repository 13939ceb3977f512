/* crypto_int.h - byte-order and rotation helpers private to crypto_*.c.
 *
 * Loads use ictw_be32() from common.h; these are the stores and rotations
 * that AES and the SHA family share. Not part of the crypto API.
 */
#ifndef ICTWATCH_CRYPTO_INT_H
#define ICTWATCH_CRYPTO_INT_H

#include <stdint.h>
#include "ictwatch/common.h"

static inline void crypto_put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

static inline uint32_t crypto_rotl32(uint32_t v, unsigned n)
{
    return v << n | v >> ((32 - n) & 31);
}

static inline uint32_t crypto_rotr32(uint32_t v, unsigned n)
{
    return v >> n | v << ((32 - n) & 31);
}

#endif
