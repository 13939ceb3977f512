/* crypto_sha.c - SHA-1 and SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104).
 *
 * SHA-1 is here only because UUIDv5 (RFC 9562) is defined with it; nothing
 * in the project relies on SHA-1 for security. SHA-256 serves HMAC pseudonyms.
 *
 * Both hashes frame their input the same way (64-byte blocks, a 0x80 byte,
 * zeros, then the message length in bits as a big-endian 64-bit number), so
 * the framing is written once (md_update/md_finish) and each hash supplies
 * only its compression function over one block.
 *
 * HMAC keeps two SHA-256 contexts already fed with key^ipad and key^opad, so
 * that a caller can compute many tags with one key by copying an initialised
 * context instead of re-deriving the pads each time.
 */
#include "crypto.h"
#include "crypto_int.h"

#include <string.h>

typedef void (*md_compress_fn)(uint32_t *h, const uint8_t *block);

static void md_reset(struct crypto_md_block *b)
{
    b->used = 0;
    b->total = 0;
}

static void md_update(struct crypto_md_block *b, uint32_t *h, md_compress_fn compress,
                      const void *data, size_t len)
{
    const uint8_t *p = data;
    b->total += len;
    if (b->used > 0) {
        size_t take = CRYPTO_SHA_BLOCK - b->used;
        if (take > len)
            take = len;
        memcpy(b->buf + b->used, p, take);
        b->used += take;
        p += take;
        len -= take;
        if (b->used < CRYPTO_SHA_BLOCK)
            return;
        compress(h, b->buf);
        b->used = 0;
    }
    for (; len >= CRYPTO_SHA_BLOCK; p += CRYPTO_SHA_BLOCK, len -= CRYPTO_SHA_BLOCK)
        compress(h, p);
    if (len > 0) {
        memcpy(b->buf, p, len);
        b->used = len;
    }
}

/* Pads, appends the bit length and compresses the last block(s). */
static void md_finish(struct crypto_md_block *b, uint32_t *h, md_compress_fn compress)
{
    uint64_t bits = b->total * 8;
    b->buf[b->used++] = 0x80;
    if (b->used > CRYPTO_SHA_BLOCK - 8) {
        memset(b->buf + b->used, 0, CRYPTO_SHA_BLOCK - b->used);
        compress(h, b->buf);
        b->used = 0;
    }
    memset(b->buf + b->used, 0, CRYPTO_SHA_BLOCK - 8 - b->used);
    crypto_put_be32(b->buf + 56, (uint32_t)(bits >> 32));
    crypto_put_be32(b->buf + 60, (uint32_t)bits);
    compress(h, b->buf);
}

static void put_words(uint8_t *out, const uint32_t *h, int n)
{
    for (int i = 0; i < n; i++)
        crypto_put_be32(out + 4 * i, h[i]);
}

/* ---- SHA-1 ---- */

static void sha1_compress(uint32_t *h, const uint8_t *block)
{
    uint32_t w[80];
    for (int t = 0; t < 16; t++)
        w[t] = ictw_be32(block + 4 * t);
    for (int t = 16; t < 80; t++)
        w[t] = crypto_rotl32(w[t - 3] ^ w[t - 8] ^ w[t - 14] ^ w[t - 16], 1);

    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    for (int t = 0; t < 80; t++) {
        uint32_t f, k;
        if (t < 20) {
            f = (b & c) | (~b & d);
            k = 0x5a827999u;
        } else if (t < 40) {
            f = b ^ c ^ d;
            k = 0x6ed9eba1u;
        } else if (t < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8f1bbcdcu;
        } else {
            f = b ^ c ^ d;
            k = 0xca62c1d6u;
        }
        uint32_t tmp = crypto_rotl32(a, 5) + f + e + k + w[t];
        e = d;
        d = c;
        c = crypto_rotl32(b, 30);
        b = a;
        a = tmp;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

void crypto_sha1_init(struct crypto_sha1 *c)
{
    static const uint32_t iv[5] = {0x67452301u, 0xefcdab89u, 0x98badcfeu, 0x10325476u,
                                   0xc3d2e1f0u};
    memcpy(c->h, iv, sizeof(iv));
    md_reset(&c->blk);
}

void crypto_sha1_update(struct crypto_sha1 *c, const void *data, size_t len)
{
    md_update(&c->blk, c->h, sha1_compress, data, len);
}

void crypto_sha1_final(struct crypto_sha1 *c, uint8_t out[CRYPTO_SHA1_LEN])
{
    md_finish(&c->blk, c->h, sha1_compress);
    put_words(out, c->h, 5);
    crypto_wipe(c, sizeof(*c));
}

void crypto_sha1(const void *data, size_t len, uint8_t out[CRYPTO_SHA1_LEN])
{
    struct crypto_sha1 c;
    crypto_sha1_init(&c);
    crypto_sha1_update(&c, data, len);
    crypto_sha1_final(&c, out);
}

/* ---- SHA-256 ---- */

/* First 32 bits of the fractional parts of the cube roots of the first 64 primes. */
static const uint32_t sha256_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5,
    0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
    0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc,
    0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7,
    0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
    0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3,
    0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
    0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
    0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

static void sha256_compress(uint32_t *h, const uint8_t *block)
{
    uint32_t w[64];
    for (int t = 0; t < 16; t++)
        w[t] = ictw_be32(block + 4 * t);
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = crypto_rotr32(w[t - 15], 7) ^ crypto_rotr32(w[t - 15], 18) ^ (w[t - 15] >> 3);
        uint32_t s1 = crypto_rotr32(w[t - 2], 17) ^ crypto_rotr32(w[t - 2], 19) ^ (w[t - 2] >> 10);
        w[t] = s1 + w[t - 7] + s0 + w[t - 16];
    }

    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
    for (int t = 0; t < 64; t++) {
        uint32_t big1 = crypto_rotr32(e, 6) ^ crypto_rotr32(e, 11) ^ crypto_rotr32(e, 25);
        uint32_t ch = (e & f) ^ (~e & g);
        uint32_t t1 = hh + big1 + ch + sha256_k[t] + w[t];
        uint32_t big0 = crypto_rotr32(a, 2) ^ crypto_rotr32(a, 13) ^ crypto_rotr32(a, 22);
        uint32_t maj = (a & b) ^ (a & c) ^ (b & c);
        uint32_t t2 = big0 + maj;
        hh = g;
        g = f;
        f = e;
        e = d + t1;
        d = c;
        c = b;
        b = a;
        a = t1 + t2;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
    h[5] += f;
    h[6] += g;
    h[7] += hh;
}

void crypto_sha256_init(struct crypto_sha256 *c)
{
    /* First 32 bits of the fractional parts of the square roots of the first 8 primes. */
    static const uint32_t iv[8] = {0x6a09e667u, 0xbb67ae85u, 0x3c6ef372u, 0xa54ff53au,
                                   0x510e527fu, 0x9b05688cu, 0x1f83d9abu, 0x5be0cd19u};
    memcpy(c->h, iv, sizeof(iv));
    md_reset(&c->blk);
}

void crypto_sha256_update(struct crypto_sha256 *c, const void *data, size_t len)
{
    md_update(&c->blk, c->h, sha256_compress, data, len);
}

void crypto_sha256_final(struct crypto_sha256 *c, uint8_t out[CRYPTO_SHA256_LEN])
{
    md_finish(&c->blk, c->h, sha256_compress);
    put_words(out, c->h, 8);
    crypto_wipe(c, sizeof(*c));
}

void crypto_sha256(const void *data, size_t len, uint8_t out[CRYPTO_SHA256_LEN])
{
    struct crypto_sha256 c;
    crypto_sha256_init(&c);
    crypto_sha256_update(&c, data, len);
    crypto_sha256_final(&c, out);
}

/* ---- HMAC-SHA256 ---- */

void crypto_hmac_sha256_init(struct crypto_hmac_sha256 *c, const void *key, size_t keylen)
{
    uint8_t k0[CRYPTO_SHA_BLOCK] = {0}, pad[CRYPTO_SHA_BLOCK];
    if (keylen > CRYPTO_SHA_BLOCK)
        crypto_sha256(key, keylen, k0);
    else if (keylen > 0)
        memcpy(k0, key, keylen);

    for (int i = 0; i < CRYPTO_SHA_BLOCK; i++)
        pad[i] = k0[i] ^ 0x36;
    crypto_sha256_init(&c->inner);
    crypto_sha256_update(&c->inner, pad, sizeof(pad));
    for (int i = 0; i < CRYPTO_SHA_BLOCK; i++)
        pad[i] = k0[i] ^ 0x5c;
    crypto_sha256_init(&c->outer);
    crypto_sha256_update(&c->outer, pad, sizeof(pad));

    crypto_wipe(k0, sizeof(k0));
    crypto_wipe(pad, sizeof(pad));
}

void crypto_hmac_sha256_update(struct crypto_hmac_sha256 *c, const void *data, size_t len)
{
    crypto_sha256_update(&c->inner, data, len);
}

void crypto_hmac_sha256_final(struct crypto_hmac_sha256 *c, uint8_t out[CRYPTO_SHA256_LEN])
{
    uint8_t inner[CRYPTO_SHA256_LEN];
    crypto_sha256_final(&c->inner, inner);
    crypto_sha256_update(&c->outer, inner, sizeof(inner));
    crypto_sha256_final(&c->outer, out);
    crypto_wipe(inner, sizeof(inner));
}

void crypto_hmac_sha256(const void *key, size_t keylen, const void *data, size_t len,
                        uint8_t out[CRYPTO_SHA256_LEN])
{
    struct crypto_hmac_sha256 c;
    crypto_hmac_sha256_init(&c, key, keylen);
    crypto_hmac_sha256_update(&c, data, len);
    crypto_hmac_sha256_final(&c, out);
}
