/* test_cryptopan.c - Crypto-PAn against its published vectors, its properties,
 * and the key file reader.
 *
 * Vectors: ../shared/reference/sharing.md 4.1 (the original Crypto-PAn
 * sample key and all 18 IPv4 rows listed there, the IPv6 rows from the Go
 * port's tests, and the second key from the yacryptopan README). They are
 * written here as literals; the reference file is not read at run time.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "addr_testutil.h"
#include "crypto.h"
#include "cryptopan.h"
#include "keyfile.h"

static const char sample_key_hex[] =
    "1522178d33a4cf80130a5b1649907d10d8988f837979652762574c2d2a842202";

static void init_sample(struct cryptopan *cp)
{
    uint8_t key[CRYPTOPAN_KEYLEN];
    assert_int_equal(crypto_hex_decode(sample_key_hex, 64, key, sizeof(key)), 0);
    cryptopan_init(cp, key);
}

static void assert_maps(const struct cryptopan *cp, const char *in, const char *expect)
{
    struct ictw_addr a, out, back;
    char buf[ICTW_ADDR_STRLEN];
    assert_int_equal(ictw_addr_parse(in, &a), 0);
    assert_int_equal(cryptopan_anonymize(cp, &a, &out), 0);
    ictw_addr_format_short(&out, buf, sizeof(buf));
    if (strcmp(buf, expect) != 0)
        fail_msg("%s -> %s, expected %s", in, buf, expect);
    assert_int_equal(cryptopan_deanonymize(cp, &out, &back), 0);
    assert_true(ictw_addr_equal(&a, &back));
}

static void test_sample_key_pad(void **state)
{
    (void)state;
    struct cryptopan cp;
    char hex[33];
    init_sample(&cp);
    assert_string_equal(crypto_hex_encode(cp.pad, 16, hex), "8d511496a0446f67a691f2933b1f6735");
    cryptopan_wipe(&cp);
}

static void test_ipv4_published_vectors(void **state)
{
    (void)state;
    static const char *const v[][2] = {
        {"128.11.68.132", "135.242.180.132"},   {"129.118.74.4", "134.136.186.123"},
        {"130.132.252.244", "133.68.164.234"},  {"141.223.7.43", "141.167.8.160"},
        {"152.163.225.39", "151.140.114.167"},  {"192.102.249.13", "252.138.62.131"},
        {"192.215.32.125", "252.43.47.189"},    {"195.205.63.100", "255.186.223.5"},
        {"198.51.77.238", "249.18.186.254"},    {"208.147.89.59", "227.237.98.191"},
        {"209.85.249.6", "226.170.70.6"},       {"212.120.124.31", "228.135.163.231"},
        {"216.148.237.145", "235.84.194.111"},  {"24.0.250.221", "100.15.198.226"},
        {"38.15.67.68", "64.3.66.187"},         {"4.3.88.225", "124.60.155.63"},
        {"64.14.118.196", "0.255.183.58"},      {"10.185.25.118", "117.161.29.118"},
    };
    struct cryptopan cp;
    init_sample(&cp);
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        assert_maps(&cp, v[i][0], v[i][1]);
    cryptopan_wipe(&cp);
}

static void test_ipv6_published_vectors(void **state)
{
    (void)state;
    static const char *const v[][2] = {
        {"::1", "78ff:f001:9fc0:20df:8380:b1f1:704:ed"},
        {"::2", "78ff:f001:9fc0:20df:8380:b1f1:704:ef"},
        {"::ffff", "78ff:f001:9fc0:20df:8380:b1f1:704:f838"},
        {"2001:db8::1", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1e"},
        {"2001:db8::2", "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1c"},
    };
    struct cryptopan cp;
    init_sample(&cp);
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        assert_maps(&cp, v[i][0], v[i][1]);
    cryptopan_wipe(&cp);
}

static void test_second_key_vectors(void **state)
{
    (void)state;
    struct cryptopan cp;
    const char *key = "32-char-str-for-AES-key-and-pad.";
    assert_int_equal(strlen(key), CRYPTOPAN_KEYLEN);
    cryptopan_init(&cp, (const uint8_t *)key);
    assert_maps(&cp, "192.0.2.1", "192.0.125.244");
    assert_maps(&cp, "2001:db8::1", "27fe:8bc7:fee:1e:1e1f:f0fe:f0e1:83fd");
    cryptopan_wipe(&cp);
}

static void test_raw_byte_api_matches_addr_api_in_place(void **state)
{
    (void)state;
    struct cryptopan cp;
    uint8_t v4[4] = {128, 11, 68, 132}, v6[16] = {0};
    init_sample(&cp);
    cryptopan_anonymize_v4(&cp, v4, v4);
    assert_int_equal(v4[0], 135);
    assert_int_equal(v4[1], 242);
    assert_int_equal(v4[2], 180);
    assert_int_equal(v4[3], 132);
    cryptopan_deanonymize_v4(&cp, v4, v4);
    assert_int_equal(v4[0], 128);
    assert_int_equal(v4[3], 132);
    v6[15] = 1;
    cryptopan_anonymize_v6(&cp, v6, v6);
    assert_int_equal(v6[0], 0x78);
    assert_int_equal(v6[15], 0xed);
    cryptopan_deanonymize_v6(&cp, v6, v6);
    for (int i = 0; i < 15; i++)
        assert_int_equal(v6[i], 0);
    assert_int_equal(v6[15], 1);

    struct ictw_addr bad = {0};
    assert_int_equal(cryptopan_anonymize(&cp, &bad, &bad), -1);
    bad.family = 5;
    assert_int_equal(cryptopan_deanonymize(&cp, &bad, &bad), -1);
    cryptopan_wipe(&cp);
}

/* Two addresses with a k-bit common prefix map to two with exactly k. */
static void check_prefix_preservation(int family, int pairs)
{
    struct cryptopan cp;
    uint64_t s = 0x9e3779b97f4a7c15ULL + (uint64_t)family;
    init_sample(&cp);
    for (int i = 0; i < pairs; i++) {
        struct ictw_addr a, b, pa, pb, back;
        unsigned k = (unsigned)(tu_rand(&s) % (tu_family_bits(family) + 1));
        tu_random_addr(&s, family, &a);
        tu_addr_with_prefix(&s, &a, k, &b);
        assert_int_equal(tu_common_prefix(&a, &b), k);
        cryptopan_anonymize(&cp, &a, &pa);
        cryptopan_anonymize(&cp, &b, &pb);
        assert_int_equal(pa.family, family);
        assert_int_equal(tu_common_prefix(&pa, &pb), k);
        cryptopan_deanonymize(&cp, &pa, &back);
        assert_true(ictw_addr_equal(&a, &back));
    }
    cryptopan_wipe(&cp);
}

static void test_prefix_preservation_ipv4(void **state)
{
    (void)state;
    check_prefix_preservation(4, 2000);
}

static void test_prefix_preservation_ipv6(void **state)
{
    (void)state;
    check_prefix_preservation(6, 500);
}

static void test_one_to_one_on_a_slash_20(void **state)
{
    /* All 4096 addresses of 10.1.0.0/20 map to distinct addresses sharing one /20. */
    (void)state;
    struct cryptopan cp;
    static uint8_t seen[1u << 12];
    struct ictw_addr first = {0};
    init_sample(&cp);
    memset(seen, 0, sizeof(seen));
    for (unsigned h = 0; h < 4096; h++) {
        uint8_t in[4] = {10, 1, (uint8_t)(h >> 8), (uint8_t)h}, out[4];
        struct ictw_addr o;
        cryptopan_anonymize_v4(&cp, in, out);
        ictw_addr_from_v4(&o, out);
        if (h == 0)
            first = o;
        assert_true(tu_common_prefix(&first, &o) >= 20);
        unsigned host = (unsigned)(out[2] & 0x0f) << 8 | out[3];
        assert_int_equal(seen[host], 0);
        seen[host] = 1;
    }
    cryptopan_wipe(&cp);
}

static void test_different_keys_differ(void **state)
{
    (void)state;
    struct cryptopan a, b;
    uint8_t key[CRYPTOPAN_KEYLEN];
    init_sample(&a);
    assert_int_equal(crypto_hex_decode(sample_key_hex, 64, key, sizeof(key)), 0);
    key[31] ^= 1;   /* only the pad seed changes */
    cryptopan_init(&b, key);
    uint8_t in[4] = {192, 0, 2, 1}, oa[4], ob[4];
    cryptopan_anonymize_v4(&a, in, oa);
    cryptopan_anonymize_v4(&b, in, ob);
    assert_memory_not_equal(oa, ob, 4);
    cryptopan_wipe(&a);
    cryptopan_wipe(&b);
}

/* ---- key files ---- */

struct keydir {
    char dir[64];
    char path[128];
};

static int keydir_setup(void **state)
{
    struct keydir *k = calloc(1, sizeof(*k));
    if (!k)
        return -1;
    snprintf(k->dir, sizeof(k->dir), "/tmp/ictw-keyfile-XXXXXX");
    if (!mkdtemp(k->dir)) {
        free(k);
        return -1;
    }
    snprintf(k->path, sizeof(k->path), "%s/key", k->dir);
    *state = k;
    return 0;
}

static int keydir_teardown(void **state)
{
    struct keydir *k = *state;
    unlink(k->path);
    rmdir(k->dir);
    free(k);
    return 0;
}

static void write_key(const struct keydir *k, const void *data, size_t len, mode_t mode)
{
    unlink(k->path);
    FILE *f = fopen(k->path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    assert_int_equal(chmod(k->path, mode), 0);
}

static void expect_key_ok(const struct keydir *k, const char *content, size_t len, mode_t mode)
{
    uint8_t key[CRYPTOPAN_KEYLEN], want[CRYPTOPAN_KEYLEN];
    char err[256] = "";
    write_key(k, content, len, mode);
    assert_int_equal(crypto_hex_decode(sample_key_hex, 64, want, sizeof(want)), 0);
    if (keyfile_read(k->path, key, sizeof(key), err, sizeof(err)) != 0)
        fail_msg("unexpected error: %s", err);
    assert_memory_equal(key, want, sizeof(key));
}

static void expect_key_error(const struct keydir *k, const void *content, size_t len, mode_t mode,
                             const char *needle)
{
    uint8_t key[CRYPTOPAN_KEYLEN];
    char err[512] = "";
    static const uint8_t zero[CRYPTOPAN_KEYLEN];
    write_key(k, content, len, mode);
    memset(key, 0x77, sizeof(key));
    assert_int_equal(keyfile_read(k->path, key, sizeof(key), err, sizeof(err)), -1);
    if (!strstr(err, needle) || !strstr(err, k->path))
        fail_msg("error '%s' lacks '%s' or the path", err, needle);
    assert_memory_equal(key, zero, sizeof(key));
}

static void test_keyfile_accepted_forms(void **state)
{
    struct keydir *k = *state;
    uint8_t raw[CRYPTOPAN_KEYLEN];
    char text[80];
    assert_int_equal(crypto_hex_decode(sample_key_hex, 64, raw, sizeof(raw)), 0);
    expect_key_ok(k, (const char *)raw, sizeof(raw), 0600);
    expect_key_ok(k, sample_key_hex, 64, 0600);
    snprintf(text, sizeof(text), "%s\n", sample_key_hex);
    expect_key_ok(k, text, 65, 0400);
    snprintf(text, sizeof(text), "%s\r\n", sample_key_hex);
    expect_key_ok(k, text, 66, 0640);   /* group-readable is allowed */
    for (char *p = text; *p; p++)
        if (*p >= 'a' && *p <= 'f')
            *p = (char)(*p - 'a' + 'A');
    expect_key_ok(k, text, 66, 0600);
}

static void test_keyfile_refused_forms(void **state)
{
    struct keydir *k = *state;
    char text[140];
    static const uint8_t zero[CRYPTOPAN_KEYLEN];
    expect_key_error(k, sample_key_hex, 31, 0600, "31 bytes");
    expect_key_error(k, sample_key_hex, 33, 0600, "33 bytes");
    expect_key_error(k, sample_key_hex, 63, 0600, "hex digits");
    snprintf(text, sizeof(text), "%s\n\n", sample_key_hex);
    expect_key_error(k, text, 66, 0600, "66 bytes");
    snprintf(text, sizeof(text), "%sz", sample_key_hex);
    expect_key_error(k, text, 65, 0600, "65 bytes");
    memcpy(text, sample_key_hex, 64);
    text[10] = 'g';
    expect_key_error(k, text, 64, 0600, "character 11");
    expect_key_error(k, "", 0, 0600, "0 bytes");
    memset(text, 'a', sizeof(text));
    expect_key_error(k, text, sizeof(text), 0600, "too long");
    expect_key_error(k, zero, sizeof(zero), 0600, "all zeros");
    expect_key_error(k, sample_key_hex, 64, 0644, "chmod 600");
    expect_key_error(k, sample_key_hex, 64, 0602, "readable or writable by all users");
}

static void test_keyfile_missing_and_not_regular(void **state)
{
    struct keydir *k = *state;
    uint8_t key[CRYPTOPAN_KEYLEN];
    char err[256] = "";
    unlink(k->path);
    assert_int_equal(keyfile_read(k->path, key, sizeof(key), err, sizeof(err)), -1);
    assert_non_null(strstr(err, "cannot open"));
    assert_int_equal(keyfile_read(k->dir, key, sizeof(key), err, sizeof(err)), -1);
    assert_non_null(strstr(err, "not a regular file"));
    assert_int_equal(keyfile_read(k->path, key, 0, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "unsupported key length"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sample_key_pad),
        cmocka_unit_test(test_ipv4_published_vectors),
        cmocka_unit_test(test_ipv6_published_vectors),
        cmocka_unit_test(test_second_key_vectors),
        cmocka_unit_test(test_raw_byte_api_matches_addr_api_in_place),
        cmocka_unit_test(test_prefix_preservation_ipv4),
        cmocka_unit_test(test_prefix_preservation_ipv6),
        cmocka_unit_test(test_one_to_one_on_a_slash_20),
        cmocka_unit_test(test_different_keys_differ),
        cmocka_unit_test_setup_teardown(test_keyfile_accepted_forms, keydir_setup,
                                        keydir_teardown),
        cmocka_unit_test_setup_teardown(test_keyfile_refused_forms, keydir_setup,
                                        keydir_teardown),
        cmocka_unit_test_setup_teardown(test_keyfile_missing_and_not_regular, keydir_setup,
                                        keydir_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
