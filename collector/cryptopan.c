/* cryptopan.c - Crypto-PAn for IPv4 and IPv6 (design and use in cryptopan.h).
 *
 * For bit i of an n-bit address a (bit 0 = most significant), the block
 *     first i bits of a, followed by bits i..127 of the pad
 * is encrypted and the top bit of the result, f_i, is the one-time-pad bit:
 * out bit i = a bit i XOR f_i. Since f_i depends only on bits 0..i-1 of a,
 * equal prefixes give equal pads and so equal output prefixes.
 *
 * The same loop runs both ways. Going forward the plain address is the
 * input; going backward (deanonymise) the plain bits are recovered from the
 * top, each from the pseudonym bit and the f_i of the plain bits already
 * known. The block is updated in place as the plain prefix grows, so no bit
 * is shuffled twice.
 *
 * Bits 0..7 take their f_i from cp->first_otp, filled at init: for each of
 * the 255 prefixes of length 0..7 one AES call, then the eight pad bits of
 * every first byte assembled from them. That removes 8 AES calls per
 * address in either family.
 */
#include "cryptopan.h"

#include <stdbool.h>
#include <string.h>

/* f_i for the block "prefix bits of plain, then pad", top bit of AES. */
static unsigned prefix_bit(const struct cryptopan *cp, const uint8_t block[16])
{
    uint8_t enc[16];
    crypto_aes128_encrypt(&cp->aes, block, enc);
    return enc[0] >> 7;
}

/* Fills first_otp: bit (7 - i) of first_otp[b] is f_i for the first i bits of b. */
static void fill_first_byte_table(struct cryptopan *cp)
{
    uint8_t f[256];          /* f[(1 << len) | prefix] for len = 0..7 */
    uint8_t block[16];
    memcpy(block, cp->pad, 16);
    for (unsigned len = 0; len < 8; len++) {
        for (unsigned prefix = 0; prefix < (1u << len); prefix++) {
            uint8_t keep = (uint8_t)(0xff00u >> len);   /* top len bits */
            uint8_t from_addr = (uint8_t)(len ? prefix << (8 - len) : 0);
            block[0] = (uint8_t)((from_addr & keep) | (cp->pad[0] & ~keep));
            f[(1u << len) | prefix] = (uint8_t)prefix_bit(cp, block);
        }
    }
    for (unsigned b = 0; b < 256; b++) {
        uint8_t otp = 0;
        for (unsigned len = 0; len < 8; len++)
            otp |= (uint8_t)(f[(1u << len) | (b >> (8 - len))] << (7 - len));
        cp->first_otp[b] = otp;
    }
    crypto_wipe(f, sizeof(f));
    crypto_wipe(block, sizeof(block));
}

void cryptopan_init(struct cryptopan *cp, const uint8_t key[CRYPTOPAN_KEYLEN])
{
    crypto_aes128_init(&cp->aes, key);
    crypto_aes128_encrypt(&cp->aes, key + 16, cp->pad);
    fill_first_byte_table(cp);
}

void cryptopan_wipe(struct cryptopan *cp)
{
    crypto_wipe(cp, sizeof(*cp));
}

/* Maps nbytes from src to dst, forward (pseudonymise) or backward. */
static void pan_map(const struct cryptopan *cp, const uint8_t *src, uint8_t *dst, unsigned nbytes,
                    bool backward)
{
    uint8_t block[16];
    memcpy(block, cp->pad, 16);
    for (unsigned byte = 0; byte < nbytes; byte++) {
        uint8_t p = backward ? 0 : src[byte], otp = 0;
        for (unsigned bit = 0; bit < 8; bit++) {
            uint8_t mask = (uint8_t)(0x80u >> bit);
            unsigned f;
            if (byte == 0) {
                f = (cp->first_otp[p] & mask) != 0;   /* bit of p's prefix only */
            } else {
                uint8_t keep = (uint8_t)(0xff00u >> bit);
                block[byte] = (uint8_t)((p & keep) | (cp->pad[byte] & ~keep));
                f = prefix_bit(cp, block);
            }
            if (f)
                otp |= mask;
            if (backward && ((src[byte] & mask) != 0) != (f != 0))
                p |= mask;
        }
        block[byte] = p;
        dst[byte] = backward ? p : (uint8_t)(p ^ otp);
    }
}

void cryptopan_anonymize_v4(const struct cryptopan *cp, const uint8_t in[4], uint8_t out[4])
{
    pan_map(cp, in, out, 4, false);
}

void cryptopan_anonymize_v6(const struct cryptopan *cp, const uint8_t in[16], uint8_t out[16])
{
    pan_map(cp, in, out, 16, false);
}

void cryptopan_deanonymize_v4(const struct cryptopan *cp, const uint8_t in[4], uint8_t out[4])
{
    pan_map(cp, in, out, 4, true);
}

void cryptopan_deanonymize_v6(const struct cryptopan *cp, const uint8_t in[16], uint8_t out[16])
{
    pan_map(cp, in, out, 16, true);
}

static int map_addr(const struct cryptopan *cp, const struct ictw_addr *in, struct ictw_addr *out,
                    bool backward)
{
    uint8_t res[16];
    if (in->family != 4 && in->family != 6)
        return -1;
    unsigned n = in->family == 4 ? 4 : 16;
    pan_map(cp, in->b, res, n, backward);
    if (n == 4)
        ictw_addr_from_v4(out, res);
    else
        ictw_addr_from_v6(out, res);
    return 0;
}

int cryptopan_anonymize(const struct cryptopan *cp, const struct ictw_addr *in,
                        struct ictw_addr *out)
{
    return map_addr(cp, in, out, false);
}

int cryptopan_deanonymize(const struct cryptopan *cp, const struct ictw_addr *in,
                          struct ictw_addr *out)
{
    return map_addr(cp, in, out, true);
}
