/* cryptopan.h - Crypto-PAn prefix-preserving address pseudonymisation.
 *
 * Crypto-PAn (Xu, Fan, Ammar, Moon, ICNP 2002) maps an address to another of
 * the same family such that two inputs sharing a k-bit prefix give outputs
 * sharing exactly a k-bit prefix. The map is one-to-one, the same for
 * everyone holding the same 32-byte key, and reversible by every key holder:
 * it is pseudonymisation, not anonymisation.
 *
 * Key: 32 bytes. Bytes 0..15 are the AES-128 key; bytes 16..31, encrypted
 * once with it, are the pad. IPv4 uses 32 bit positions, IPv6 all 128, with
 * the address bits left-aligned in the AES block (the extension used by the
 * Go, Rust and Python ports; not nfdump's). Results reproduce the published
 * vectors (tests/unit/test_cryptopan.c).
 *
 *   struct cryptopan cp;
 *   uint8_t key[CRYPTOPAN_KEYLEN];
 *   if (keyfile_read(path, key, sizeof(key), err, sizeof(err)) != 0) ...
 *   cryptopan_init(&cp, key);
 *   crypto_wipe(key, sizeof(key));
 *   cryptopan_anonymize(&cp, &addr, &pseudo);
 *   ...
 *   cryptopan_wipe(&cp);
 *
 * The context is read-only after init, so threads may share one.
 * Cost: 24 AES blocks per IPv4 address and 120 per IPv6 (the first 8 bits
 * come from a table filled at init); cache results when an address recurs.
 */
#ifndef ICTWATCH_CRYPTOPAN_H
#define ICTWATCH_CRYPTOPAN_H

#include <stdint.h>
#include "crypto.h"
#include "ictwatch/common.h"

#define CRYPTOPAN_KEYLEN 32

struct cryptopan {
    struct crypto_aes128 aes;   /* AES-128 with key bytes 0..15 */
    uint8_t pad[16];            /* AES(key bytes 16..31) */
    uint8_t first_otp[256];     /* pad bits for bits 0..7, by the address's first byte */
};

/* Sets up the context from a 32-byte key (the caller may wipe key afterwards). */
void cryptopan_init(struct cryptopan *cp, const uint8_t key[CRYPTOPAN_KEYLEN]);
/* Zeroes the context (it holds the expanded key). */
void cryptopan_wipe(struct cryptopan *cp);

/* Pseudonymises in into out (4 or 16 bytes, network order); in == out is allowed. */
void cryptopan_anonymize_v4(const struct cryptopan *cp, const uint8_t in[4], uint8_t out[4]);
void cryptopan_anonymize_v6(const struct cryptopan *cp, const uint8_t in[16], uint8_t out[16]);
/* The inverse maps: recover the original address from a pseudonym. */
void cryptopan_deanonymize_v4(const struct cryptopan *cp, const uint8_t in[4], uint8_t out[4]);
void cryptopan_deanonymize_v6(const struct cryptopan *cp, const uint8_t in[16], uint8_t out[16]);

/* Same on a struct ictw_addr of either family. Returns 0, or -1 (out
 * unset) when the family is neither 4 nor 6. in == out is allowed. */
int cryptopan_anonymize(const struct cryptopan *cp, const struct ictw_addr *in,
                        struct ictw_addr *out);
int cryptopan_deanonymize(const struct cryptopan *cp, const struct ictw_addr *in,
                          struct ictw_addr *out);

#endif
