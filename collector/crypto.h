/* crypto.h - the few cryptographic primitives the collector needs, written here.
 *
 * The project's dependencies are fixed (libpcap, nDPI, hiredis, jansson, pcre2),
 * so the building blocks of anonymisation and of deterministic ids are our own:
 *
 *   AES-128 encryption only (FIPS-197)     Crypto-PAn (cryptopan.h)
 *   SHA-1 (FIPS 180-4)                     UUIDv5 (uuid.h)
 *   SHA-256, HMAC-SHA256 (RFC 2104)        keyed address pseudonyms (anon.h)
 *
 * Every context is a plain struct of fixed size that the caller owns (on the
 * stack or inside a bigger struct); nothing allocates, nothing keeps global
 * state, so contexts can be used from several threads as long as each thread
 * has its own. Hash contexts follow init / update... / final, and each has a
 * one-shot function for a whole buffer:
 *
 *   uint8_t d[CRYPTO_SHA256_LEN];
 *   crypto_sha256(data, len, d);
 *
 *   struct crypto_hmac_sha256 h;
 *   crypto_hmac_sha256_init(&h, key, keylen);
 *   crypto_hmac_sha256_update(&h, part1, len1);
 *   crypto_hmac_sha256_update(&h, part2, len2);
 *   crypto_hmac_sha256_final(&h, d);          <- h is wiped; init again to reuse
 *
 * Side channels: the AES uses an S-box table, so its timing depends on the
 * cache and on the key and data bytes. That is acceptable for pseudonymising
 * addresses in a batch collector; do not reuse it where an attacker can time
 * single encryptions.
 */
#ifndef ICTWATCH_CRYPTO_H
#define ICTWATCH_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* ---- AES-128, encryption direction only ---- */

#define CRYPTO_AES_BLOCK 16
#define CRYPTO_AES128_KEYLEN 16

struct crypto_aes128 {
    uint32_t rk[44];            /* expanded key: 11 round keys of 4 big-endian words */
};

/* Expands a 16-byte key into the 11 round keys. */
void crypto_aes128_init(struct crypto_aes128 *ctx, const uint8_t key[CRYPTO_AES128_KEYLEN]);
/* Encrypts one 16-byte block (ECB); in and out may be the same buffer. */
void crypto_aes128_encrypt(const struct crypto_aes128 *ctx, const uint8_t in[CRYPTO_AES_BLOCK],
                           uint8_t out[CRYPTO_AES_BLOCK]);

/* ---- SHA-1 and SHA-256 ---- */

#define CRYPTO_SHA_BLOCK 64
#define CRYPTO_SHA1_LEN 20
#define CRYPTO_SHA256_LEN 32

/* The 64-byte block buffer both hashes share (Merkle-Damgard framing). */
struct crypto_md_block {
    uint8_t buf[CRYPTO_SHA_BLOCK];
    size_t used;                /* bytes waiting in buf */
    uint64_t total;             /* bytes hashed so far */
};

struct crypto_sha1 {
    uint32_t h[5];
    struct crypto_md_block blk;
};

struct crypto_sha256 {
    uint32_t h[8];
    struct crypto_md_block blk;
};

void crypto_sha1_init(struct crypto_sha1 *c);
void crypto_sha1_update(struct crypto_sha1 *c, const void *data, size_t len);
/* Writes the digest and wipes the context. */
void crypto_sha1_final(struct crypto_sha1 *c, uint8_t out[CRYPTO_SHA1_LEN]);
void crypto_sha1(const void *data, size_t len, uint8_t out[CRYPTO_SHA1_LEN]);

void crypto_sha256_init(struct crypto_sha256 *c);
void crypto_sha256_update(struct crypto_sha256 *c, const void *data, size_t len);
/* Writes the digest and wipes the context. */
void crypto_sha256_final(struct crypto_sha256 *c, uint8_t out[CRYPTO_SHA256_LEN]);
void crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN]);

/* ---- HMAC-SHA256 (RFC 2104; keys longer than 64 bytes are hashed first) ---- */

struct crypto_hmac_sha256 {
    struct crypto_sha256 inner;     /* already fed with key ^ ipad */
    struct crypto_sha256 outer;     /* already fed with key ^ opad */
};

void crypto_hmac_sha256_init(struct crypto_hmac_sha256 *c, const void *key, size_t keylen);
void crypto_hmac_sha256_update(struct crypto_hmac_sha256 *c, const void *data, size_t len);
/* Writes the 32-byte tag and wipes the context. */
void crypto_hmac_sha256_final(struct crypto_hmac_sha256 *c, uint8_t out[CRYPTO_SHA256_LEN]);
void crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                        uint8_t out[CRYPTO_SHA256_LEN]);

/* ---- helpers ---- */

/* Zeroes memory in a way the compiler may not drop (for keys and contexts). */
void crypto_wipe(void *p, size_t len);
/* Writes 2*len lowercase hex digits and a NUL into out (size >= 2*len + 1). Returns out. */
char *crypto_hex_encode(const void *in, size_t len, char *out);
/* Decodes exactly 2*outlen hex digits (either case) from s into out.
 * Returns 0, or the 1-based position of the first bad character, or -1 when
 * slen != 2*outlen. out is wiped on failure. */
long crypto_hex_decode(const char *s, size_t slen, uint8_t *out, size_t outlen);

#endif
