/* test_crypto.c - AES-128, SHA-1, SHA-256 and HMAC-SHA256 against published vectors.
 *
 * AES: FIPS-197 appendix B and C.1. SHA: FIPS 180 examples ("abc", the
 * 448-bit message, one million 'a'), plus lengths around the padding
 * boundary (55/56/63/64/65/119/120 bytes, computed once with Python's
 * hashlib). HMAC: RFC 4231 test cases 1-4, 6 and 7. The incremental APIs
 * are checked by feeding the same message in awkward chunk sizes.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "crypto.h"

static void unhex(const char *hex, uint8_t *out, size_t len)
{
    assert_int_equal(crypto_hex_decode(hex, strlen(hex), out, len), 0);
}

static void assert_hex(const uint8_t *bytes, size_t len, const char *expect)
{
    char buf[2 * 64 + 1];
    assert_true(len <= 64);
    assert_string_equal(crypto_hex_encode(bytes, len, buf), expect);
}

/* ---- AES ---- */

static void check_aes(const char *key_hex, const char *pt_hex, const char *ct_hex)
{
    uint8_t key[16], pt[16], ct[16];
    struct crypto_aes128 aes;
    unhex(key_hex, key, 16);
    unhex(pt_hex, pt, 16);
    crypto_aes128_init(&aes, key);
    crypto_aes128_encrypt(&aes, pt, ct);
    assert_hex(ct, 16, ct_hex);
    /* In place. */
    crypto_aes128_encrypt(&aes, pt, pt);
    assert_hex(pt, 16, ct_hex);
}

static void test_aes_fips197_appendix_c1(void **state)
{
    (void)state;
    check_aes("000102030405060708090a0b0c0d0e0f", "00112233445566778899aabbccddeeff",
              "69c4e0d86a7b0430d8cdb78070b4c55a");
}

static void test_aes_fips197_appendix_b(void **state)
{
    (void)state;
    check_aes("2b7e151628aed2a6abf7158809cf4f3c", "3243f6a8885a308d313198a2e0370734",
              "3925841d02dc09fbdc118597196a0b32");
}

static void test_aes_key_expansion_last_round_key(void **state)
{
    /* FIPS-197 appendix A.1: w[40..43] for the key 2b7e1516... */
    (void)state;
    uint8_t key[16];
    struct crypto_aes128 aes;
    unhex("2b7e151628aed2a6abf7158809cf4f3c", key, 16);
    crypto_aes128_init(&aes, key);
    assert_int_equal(aes.rk[4], 0xa0fafe17u);
    assert_int_equal(aes.rk[40], 0xd014f9a8u);
    assert_int_equal(aes.rk[41], 0xc9ee2589u);
    assert_int_equal(aes.rk[42], 0xe13f0cc8u);
    assert_int_equal(aes.rk[43], 0xb6630ca6u);
}

/* ---- SHA ---- */

static const char msg448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";

static void sha1_hex(const void *data, size_t len, const char *expect)
{
    uint8_t d[CRYPTO_SHA1_LEN];
    crypto_sha1(data, len, d);
    assert_hex(d, sizeof(d), expect);
}

static void sha256_hex(const void *data, size_t len, const char *expect)
{
    uint8_t d[CRYPTO_SHA256_LEN];
    crypto_sha256(data, len, d);
    assert_hex(d, sizeof(d), expect);
}

static void test_sha1_fips180_examples(void **state)
{
    (void)state;
    sha1_hex("abc", 3, "a9993e364706816aba3e25717850c26c9cd0d89d");
    sha1_hex(msg448, strlen(msg448), "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
    sha1_hex("", 0, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
}

static void test_sha256_fips180_examples(void **state)
{
    (void)state;
    sha256_hex("abc", 3, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    sha256_hex(msg448, strlen(msg448),
               "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
    sha256_hex("", 0, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

/* One million 'a', fed in chunks of `chunk` bytes through the incremental API. */
static void million_a(size_t chunk, uint8_t d1[CRYPTO_SHA1_LEN], uint8_t d256[CRYPTO_SHA256_LEN])
{
    char buf[1000];
    struct crypto_sha1 s1;
    struct crypto_sha256 s256;
    memset(buf, 'a', sizeof(buf));
    assert_true(chunk <= sizeof(buf));
    crypto_sha1_init(&s1);
    crypto_sha256_init(&s256);
    for (size_t done = 0; done < 1000000;) {
        size_t n = 1000000 - done < chunk ? 1000000 - done : chunk;
        crypto_sha1_update(&s1, buf, n);
        crypto_sha256_update(&s256, buf, n);
        done += n;
    }
    crypto_sha1_final(&s1, d1);
    crypto_sha256_final(&s256, d256);
}

static void test_sha_million_a(void **state)
{
    (void)state;
    static const size_t chunks[] = {1000, 1, 63, 64, 65, 999};
    for (size_t i = 0; i < sizeof(chunks) / sizeof(chunks[0]); i++) {
        uint8_t d1[CRYPTO_SHA1_LEN], d256[CRYPTO_SHA256_LEN];
        million_a(chunks[i], d1, d256);
        assert_hex(d1, sizeof(d1), "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
        assert_hex(d256, sizeof(d256),
                   "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    }
}

static void test_sha_padding_boundaries(void **state)
{
    (void)state;
    static const struct {
        size_t n;
        const char *sha1, *sha256;
    } v[] = {
        {55, "c1c8bbdc22796e28c0e15163d20899b65621d65a",
         "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"},
        {56, "c2db330f6083854c99d4b5bfb6e8f29f201be699",
         "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"},
        {63, "03f09f5b158a7a8cdad920bddc29b81c18a551f5",
         "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"},
        {64, "0098ba824b5c16427bd7a1122a5a442a25ec644d",
         "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"},
        {65, "11655326c708d70319be2610e8a57d9a5b959d3b",
         "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"},
        {119, "ee971065aaa017e0632a8ca6c77bb3bf8b1dfc56",
         "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"},
        {120, "f34c1488385346a55709ba056ddd08280dd4c6d6",
         "2f3d335432c70b580af0e8e1b3674a7c020d683aa5f73aaaedfdc55af904c21c"},
    };
    char a[128];
    memset(a, 'a', sizeof(a));
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        sha1_hex(a, v[i].n, v[i].sha1);
        sha256_hex(a, v[i].n, v[i].sha256);
    }
}

static void test_sha_incremental_equals_oneshot(void **state)
{
    (void)state;
    uint8_t msg[300];
    for (size_t i = 0; i < sizeof(msg); i++)
        msg[i] = (uint8_t)(i * 7 + 3);
    for (size_t len = 0; len <= sizeof(msg); len += 13) {
        for (size_t split = 0; split <= len; split += 29) {
            uint8_t a[CRYPTO_SHA256_LEN], b[CRYPTO_SHA256_LEN];
            struct crypto_sha256 c;
            crypto_sha256(msg, len, a);
            crypto_sha256_init(&c);
            crypto_sha256_update(&c, msg, split);
            crypto_sha256_update(&c, msg + split, len - split);
            crypto_sha256_final(&c, b);
            assert_memory_equal(a, b, sizeof(a));

            uint8_t a1[CRYPTO_SHA1_LEN], b1[CRYPTO_SHA1_LEN];
            struct crypto_sha1 c1;
            crypto_sha1(msg, len, a1);
            crypto_sha1_init(&c1);
            crypto_sha1_update(&c1, msg, split);
            crypto_sha1_update(&c1, msg + split, len - split);
            crypto_sha1_final(&c1, b1);
            assert_memory_equal(a1, b1, sizeof(a1));
        }
    }
}

/* ---- HMAC-SHA256, RFC 4231 ---- */

static void hmac_case(const uint8_t *key, size_t keylen, const void *data, size_t len,
                      const char *expect)
{
    uint8_t tag[CRYPTO_SHA256_LEN];
    crypto_hmac_sha256(key, keylen, data, len, tag);
    assert_hex(tag, sizeof(tag), expect);

    /* Same tag through the incremental API, data split in two. */
    struct crypto_hmac_sha256 h;
    crypto_hmac_sha256_init(&h, key, keylen);
    crypto_hmac_sha256_update(&h, data, len / 3);
    crypto_hmac_sha256_update(&h, (const uint8_t *)data + len / 3, len - len / 3);
    crypto_hmac_sha256_final(&h, tag);
    assert_hex(tag, sizeof(tag), expect);
}

static void test_hmac_rfc4231_case1(void **state)
{
    (void)state;
    uint8_t key[20];
    memset(key, 0x0b, sizeof(key));
    hmac_case(key, sizeof(key), "Hi There", 8,
              "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
}

static void test_hmac_rfc4231_case2(void **state)
{
    (void)state;
    const char *data = "what do ya want for nothing?";
    hmac_case((const uint8_t *)"Jefe", 4, data, strlen(data),
              "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

static void test_hmac_rfc4231_case3(void **state)
{
    (void)state;
    uint8_t key[20], data[50];
    memset(key, 0xaa, sizeof(key));
    memset(data, 0xdd, sizeof(data));
    hmac_case(key, sizeof(key), data, sizeof(data),
              "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe");
}

static void test_hmac_rfc4231_case4(void **state)
{
    (void)state;
    uint8_t key[25], data[50];
    for (size_t i = 0; i < sizeof(key); i++)
        key[i] = (uint8_t)(i + 1);
    memset(data, 0xcd, sizeof(data));
    hmac_case(key, sizeof(key), data, sizeof(data),
              "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b");
}

static void test_hmac_rfc4231_case6(void **state)
{
    (void)state;
    uint8_t key[131];
    const char *data = "Test Using Larger Than Block-Size Key - Hash Key First";
    memset(key, 0xaa, sizeof(key));
    hmac_case(key, sizeof(key), data, strlen(data),
              "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
}

static void test_hmac_rfc4231_case7(void **state)
{
    (void)state;
    uint8_t key[131];
    const char *data = "This is a test using a larger than block-size key and a larger than "
                       "block-size data. The key needs to be hashed before being used by the "
                       "HMAC algorithm.";
    memset(key, 0xaa, sizeof(key));
    hmac_case(key, sizeof(key), data, strlen(data),
              "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

static void test_hmac_block_size_and_empty_key(void **state)
{
    /* Key of exactly one block (not hashed) and the empty key; Python hmac. */
    (void)state;
    uint8_t key[64];
    const char *data = "exactly one block key";
    memset(key, 'k', sizeof(key));
    hmac_case(key, sizeof(key), data, strlen(data),
              "e73e6474ed2f863bbf5500617c3b577e141d3c1543e1563f3630b762d038f14c");
    hmac_case(key, 0, "", 0, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
}

/* ---- helpers ---- */

static void test_hex_roundtrip_and_errors(void **state)
{
    (void)state;
    uint8_t b[4];
    char s[9];
    assert_int_equal(crypto_hex_decode("DEADbeef", 8, b, 4), 0);
    assert_string_equal(crypto_hex_encode(b, 4, s), "deadbeef");
    assert_int_equal(crypto_hex_decode("deadbee", 7, b, 4), -1);
    assert_int_equal(crypto_hex_decode("deadbeef0", 9, b, 4), -1);
    assert_int_equal(crypto_hex_decode("dexdbeef", 8, b, 4), 3);
    assert_int_equal(crypto_hex_decode("deadbeeg", 8, b, 4), 8);
    /* Output is wiped on failure. */
    static const uint8_t zero[4];
    assert_memory_equal(b, zero, 4);
}

static void test_wipe(void **state)
{
    (void)state;
    uint8_t b[33];
    memset(b, 0x5a, sizeof(b));
    crypto_wipe(b, 32);
    for (int i = 0; i < 32; i++)
        assert_int_equal(b[i], 0);
    assert_int_equal(b[32], 0x5a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_aes_fips197_appendix_c1),
        cmocka_unit_test(test_aes_fips197_appendix_b),
        cmocka_unit_test(test_aes_key_expansion_last_round_key),
        cmocka_unit_test(test_sha1_fips180_examples),
        cmocka_unit_test(test_sha256_fips180_examples),
        cmocka_unit_test(test_sha_million_a),
        cmocka_unit_test(test_sha_padding_boundaries),
        cmocka_unit_test(test_sha_incremental_equals_oneshot),
        cmocka_unit_test(test_hmac_rfc4231_case1),
        cmocka_unit_test(test_hmac_rfc4231_case2),
        cmocka_unit_test(test_hmac_rfc4231_case3),
        cmocka_unit_test(test_hmac_rfc4231_case4),
        cmocka_unit_test(test_hmac_rfc4231_case6),
        cmocka_unit_test(test_hmac_rfc4231_case7),
        cmocka_unit_test(test_hmac_block_size_and_empty_key),
        cmocka_unit_test(test_hex_roundtrip_and_errors),
        cmocka_unit_test(test_wipe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
