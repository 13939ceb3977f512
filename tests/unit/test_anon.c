/* test_anon.c - anonymisation policies: parsing, the methods' properties, scope, prefixes.
 *
 * Known answers: Crypto-PAn rows of ../shared/reference/sharing.md 4.1 (as
 * literals), HMAC pseudonyms computed once with Python's hmac module over the
 * documented message (family, bits, address bytes). Properties are checked
 * over a few thousand deterministic pseudo-random addresses.
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
#include "anon.h"

static const char sample_key_hex[] =
    "1522178d33a4cf80130a5b1649907d10d8988f837979652762574c2d2a842202";

static void sample_key(uint8_t key[ANON_KEYLEN])
{
    assert_int_equal(crypto_hex_decode(sample_key_hex, 64, key, ANON_KEYLEN), 0);
}

/* A ready policy: spec, optional key (sample key when key == NULL and needed). */
static void policy(struct anon_policy *p, const char *spec, const uint8_t *key)
{
    char err[256];
    uint8_t k[ANON_KEYLEN];
    anon_policy_init(p);
    if (anon_policy_parse(p, spec, err, sizeof(err)) != 0)
        fail_msg("%s: %s", spec, err);
    if (anon_policy_needs_key(p)) {
        if (!key) {
            sample_key(k);
            key = k;
        }
        assert_int_equal(anon_policy_set_key(p, key, err, sizeof(err)), 0);
    }
    if (anon_policy_check(p, err, sizeof(err)) != 0)
        fail_msg("%s: %s", spec, err);
}

static struct ictw_addr addr(const char *s)
{
    struct ictw_addr a;
    assert_int_equal(ictw_addr_parse(s, &a), 0);
    return a;
}

static void assert_format(const struct anon_policy *p, const char *in, int rc, const char *expect)
{
    char buf[ANON_TEXT_MAX];
    struct ictw_addr a = addr(in);
    int got = anon_format(p, &a, buf, sizeof(buf));
    if (got != rc || strcmp(buf, expect) != 0)
        fail_msg("%s -> %s (rc %d), expected %s (rc %d)", in, buf, got, expect, rc);
}

static void assert_prefix(const struct anon_policy *p, const char *in, unsigned bits, int rc,
                          const char *expect)
{
    char buf[ANON_TEXT_MAX];
    struct ictw_addr a = addr(in);
    int got = anon_prefix(p, &a, bits, buf, sizeof(buf));
    if (got != rc || strcmp(buf, expect) != 0)
        fail_msg("%s/%u -> %s (rc %d), expected %s (rc %d)", in, bits, buf, got, expect, rc);
}

/* ---- parsing ---- */

static void test_parse_specs_and_describe(void **state)
{
    (void)state;
    static const char *const v[][2] = {
        {"none", "none"},           {"cryptopan", "cryptopan"},     {"hmac", "hmac"},
        {"truncate", "truncate:24:48"}, {"truncate:16", "truncate:16:48"},
        {"truncate:20:56", "truncate:20:56"}, {"CryptoPAn", "cryptopan"},
        {"TRUNCATE:0:0", "truncate:0:0"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        struct anon_policy p;
        char err[256], desc[64];
        anon_policy_init(&p);
        if (anon_policy_parse(&p, v[i][0], err, sizeof(err)) != 0)
            fail_msg("%s: %s", v[i][0], err);
        anon_policy_describe(&p, desc, sizeof(desc));
        assert_string_equal(desc, v[i][1]);
        anon_policy_free(&p);
    }
}

static void test_parse_errors(void **state)
{
    (void)state;
    static const char *const v[][2] = {
        {"", "unknown anonymisation policy ''"},
        {"foo", "unknown anonymisation policy 'foo'; expected cryptopan"},
        {"cryptopan2", "unknown"},
        {"hmac:1", "hmac takes no arguments"},
        {"cryptopan:", "cryptopan takes no arguments"},
        {"truncate:32", "IPv4 length '32'"},
        {"truncate:24:128", "IPv6 length '128'"},
        {"truncate:x", "IPv4 length 'x'"},
        {"truncate:-1", "IPv4 length '-1'"},
        {"truncate::48", "IPv4 length ''"},
        {"truncate:24:48:1", "IPv6 length '48:1'"},
        {"truncate:24:", "IPv6 length ''"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        struct anon_policy p;
        char err[256] = "", desc[64];
        anon_policy_init(&p);
        assert_int_equal(anon_policy_parse(&p, "truncate:20:40", err, sizeof(err)), 0);
        assert_int_equal(anon_policy_parse(&p, v[i][0], err, sizeof(err)), -1);
        if (!strstr(err, v[i][1]))
            fail_msg("'%s': error '%s' lacks '%s'", v[i][0], err, v[i][1]);
        /* A bad spec leaves the previous policy as it was. */
        anon_policy_describe(&p, desc, sizeof(desc));
        assert_string_equal(desc, "truncate:20:40");
        anon_policy_free(&p);
    }
}

static void test_scope_and_check_errors(void **state)
{
    (void)state;
    struct anon_policy p;
    char err[256] = "";
    anon_policy_init(&p);
    assert_int_equal(anon_policy_set_scope(&p, "outside", err, sizeof(err)), -1);
    assert_non_null(strstr(err, "expected internal or both"));

    assert_int_equal(anon_policy_parse(&p, "cryptopan", err, sizeof(err)), 0);
    assert_int_equal(anon_policy_check(&p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "needs a 32-byte key"));
    uint8_t key[ANON_KEYLEN];
    sample_key(key);
    assert_int_equal(anon_policy_set_key(&p, key, err, sizeof(err)), 0);
    assert_int_equal(anon_policy_check(&p, err, sizeof(err)), 0);

    assert_int_equal(anon_policy_set_scope(&p, "internal", err, sizeof(err)), 0);
    assert_int_equal(anon_policy_check(&p, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "needs the own networks"));
    assert_int_equal(anon_policy_add_internal(&p, "10.0.0.0/8", err, sizeof(err)), 0);
    assert_int_equal(anon_policy_check(&p, err, sizeof(err)), 0);

    /* Changing the method drops the key: hmac must not run on a Crypto-PAn key by accident. */
    assert_int_equal(anon_policy_parse(&p, "hmac", err, sizeof(err)), 0);
    assert_int_equal(anon_policy_check(&p, err, sizeof(err)), -1);

    assert_int_equal(anon_policy_parse(&p, "truncate", err, sizeof(err)), 0);
    assert_int_equal(anon_policy_set_key(&p, key, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "truncate takes no key"));
    anon_policy_free(&p);
}

/* ---- methods ---- */

static void test_none_passes_everything(void **state)
{
    (void)state;
    struct anon_policy p;
    policy(&p, "none", NULL);
    assert_format(&p, "192.0.2.77", 0, "192.0.2.77");
    assert_format(&p, "2001:db8:1:2::5", 0, "2001:db8:1:2::5");
    assert_prefix(&p, "192.0.2.77", 0, 0, "192.0.2.0/24");
    assert_prefix(&p, "2001:db8:1:2::5", 0, 0, "2001:db8:1::/48");
    anon_policy_free(&p);
}

static void test_cryptopan_policy_vectors(void **state)
{
    (void)state;
    struct anon_policy p;
    policy(&p, "cryptopan", NULL);
    assert_format(&p, "128.11.68.132", 1, "135.242.180.132");
    assert_format(&p, "10.185.25.118", 1, "117.161.29.118");
    assert_format(&p, "2001:db8::1", 1, "4401:2bc:603f:d91d:27f:ff8e:e6f1:dc1e");
    assert_prefix(&p, "128.11.68.132", 24, 1, "135.242.180.0/24");
    assert_prefix(&p, "128.11.68.1", 24, 1, "135.242.180.0/24");
    anon_policy_free(&p);
}

static void test_cryptopan_prefix_is_prefix_of_anonymised_address(void **state)
{
    (void)state;
    struct anon_policy p;
    uint64_t s = 42;
    policy(&p, "cryptopan", NULL);
    for (int i = 0; i < 1000; i++) {
        int family = i % 2 ? 6 : 4;
        unsigned bits = family == 4 ? 24 : 48;
        struct ictw_addr a, out;
        char via_addr[ANON_TEXT_MAX], via_prefix[ANON_TEXT_MAX], text[ANON_TEXT_MAX];
        tu_random_addr(&s, family, &a);
        assert_int_equal(anon_address(&p, &a, &out), 1);
        ictw_addr_mask(&out, bits);
        snprintf(via_addr, sizeof(via_addr), "%s/%u",
                 ictw_addr_format_short(&out, text, sizeof(text)), bits);
        assert_int_equal(anon_prefix(&p, &a, 0, via_prefix, sizeof(via_prefix)), 1);
        assert_string_equal(via_prefix, via_addr);
    }
    anon_policy_free(&p);
}

static void test_cryptopan_policy_preserves_common_prefix_lengths(void **state)
{
    (void)state;
    struct anon_policy p;
    uint64_t s = 7;
    policy(&p, "cryptopan", NULL);
    for (int i = 0; i < 3000; i++) {
        int family = i % 3 ? 4 : 6;
        struct ictw_addr a, b, pa, pb;
        tu_random_addr(&s, family, &a);
        tu_addr_with_prefix(&s, &a, (unsigned)(tu_rand(&s) % (tu_family_bits(family) + 1)), &b);
        assert_int_equal(anon_address(&p, &a, &pa), 1);
        assert_int_equal(anon_address(&p, &b, &pb), 1);
        assert_int_equal(tu_common_prefix(&pa, &pb), tu_common_prefix(&a, &b));
    }
    anon_policy_free(&p);
}

static void check_truncation(const char *spec, unsigned v4, unsigned v6)
{
    struct anon_policy p;
    uint64_t s = 99;
    policy(&p, spec, NULL);
    for (int i = 0; i < 2000; i++) {
        int family = i % 2 ? 6 : 4;
        unsigned keep = family == 4 ? v4 : v6;
        struct ictw_addr a, t, tt;
        tu_random_addr(&s, family, &a);
        assert_int_equal(anon_address(&p, &a, &t), 1);
        /* The prefix is kept... */
        assert_true(tu_common_prefix(&a, &t) >= keep);
        /* ...every host bit is zero... */
        for (unsigned b = keep; b < tu_family_bits(family); b++)
            assert_int_equal(tu_bit(&t, b), 0);
        /* ...and truncating again changes nothing. */
        assert_int_equal(anon_address(&p, &t, &tt), 1);
        assert_true(ictw_addr_equal(&t, &tt));
    }
    anon_policy_free(&p);
}

static void test_truncate_properties(void **state)
{
    (void)state;
    check_truncation("truncate", 24, 48);
    check_truncation("truncate:16:32", 16, 32);
    check_truncation("truncate:31:127", 31, 127);
}

static void test_truncate_examples(void **state)
{
    (void)state;
    struct anon_policy p;
    policy(&p, "truncate", NULL);
    assert_format(&p, "192.0.2.77", 1, "192.0.2.0");
    assert_format(&p, "2001:db8:1:2::5", 1, "2001:db8:1::");
    /* A prefix finer than the truncation shows only the truncation. */
    assert_prefix(&p, "192.0.2.77", 32, 1, "192.0.2.0/24");
    assert_prefix(&p, "192.0.2.77", 16, 1, "192.0.0.0/16");
    assert_prefix(&p, "2001:db8:1:2::5", 64, 1, "2001:db8:1::/48");
    anon_policy_free(&p);
    policy(&p, "truncate:20", NULL);
    assert_format(&p, "192.0.31.77", 1, "192.0.16.0");
    anon_policy_free(&p);
}

static void test_hmac_known_answers(void **state)
{
    (void)state;
    struct anon_policy p;
    policy(&p, "hmac", NULL);
    assert_format(&p, "192.0.2.1", 1, "h:a158aef9549e7650");
    assert_format(&p, "2001:db8::1", 1, "h:15d7b48676bd8472");
    assert_prefix(&p, "192.0.2.1", 24, 1, "h:814c4b9777ed3ad9/24");
    assert_prefix(&p, "192.0.2.200", 24, 1, "h:814c4b9777ed3ad9/24");
    struct ictw_addr a = addr("192.0.2.1"), out;
    assert_int_equal(anon_address(&p, &a, &out), -1);
    assert_false(anon_policy_keeps_addresses(&p));
    anon_policy_free(&p);
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp((const char *)x, (const char *)y);
}

static void test_hmac_properties(void **state)
{
    (void)state;
    enum { N = 4000 };
    struct anon_policy p1, p1again, p2;
    uint8_t key2[ANON_KEYLEN];
    static char out[N][ANON_TEXT_MAX];
    uint64_t s = 1234;
    sample_key(key2);
    key2[0] ^= 0x80;
    policy(&p1, "hmac", NULL);
    policy(&p1again, "hmac", NULL);
    policy(&p2, "hmac", key2);
    for (int i = 0; i < N; i++) {
        struct ictw_addr a;
        char again[ANON_TEXT_MAX], other[ANON_TEXT_MAX], raw[ICTW_ADDR_STRLEN];
        /* Distinct addresses: random upper bytes, i in the last two; every other
         * IPv4 address in one /16 so that near neighbours are covered too. */
        tu_random_addr(&s, i % 4 == 3 ? 6 : 4, &a);
        unsigned last = a.family == 4 ? 2 : 14;
        a.b[last] = (uint8_t)(i >> 8);
        a.b[last + 1] = (uint8_t)i;
        if (i % 2 == 0 && a.family == 4) {
            a.b[0] = 10;
            a.b[1] = 1;
        }
        assert_int_equal(anon_format(&p1, &a, out[i], sizeof(out[i])), 1);
        assert_int_equal(strlen(out[i]), 18);
        assert_memory_equal(out[i], "h:", 2);
        assert_int_equal(strspn(out[i] + 2, "0123456789abcdef"), 16);
        ictw_addr_format_short(&a, raw, sizeof(raw));
        assert_null(strstr(out[i], raw));
        /* Deterministic for one key... */
        anon_format(&p1again, &a, again, sizeof(again));
        assert_string_equal(out[i], again);
        /* ...and another key gives another pseudonym. */
        anon_format(&p2, &a, other, sizeof(other));
        assert_string_not_equal(out[i], other);
    }
    /* No two (distinct) addresses share a pseudonym. */
    qsort(out, N, sizeof(out[0]), cmp_str);
    for (int i = 1; i < N; i++)
        assert_string_not_equal(out[i - 1], out[i]);
    anon_policy_free(&p1);
    anon_policy_free(&p1again);
    anon_policy_free(&p2);
}

/* ---- scope ---- */

static void test_internal_scope_hides_only_own_networks(void **state)
{
    (void)state;
    static const char *const specs[] = {"cryptopan", "truncate", "hmac"};
    for (size_t i = 0; i < sizeof(specs) / sizeof(specs[0]); i++) {
        struct anon_policy p;
        char err[256], buf[ANON_TEXT_MAX];
        policy(&p, specs[i], NULL);
        assert_int_equal(anon_policy_set_scope(&p, "internal", err, sizeof(err)), 0);
        assert_int_equal(anon_policy_add_internal(&p, "[10.0.0.0/8, 192.0.2.77, 2001:db8::/32]",
                                                  err, sizeof(err)), 0);
        assert_int_equal(anon_policy_check(&p, err, sizeof(err)), 0);

        /* External attackers pass unchanged. */
        assert_format(&p, "203.0.113.45", 0, "203.0.113.45");
        assert_format(&p, "192.0.2.78", 0, "192.0.2.78");
        assert_format(&p, "2001:db9::1", 0, "2001:db9::1");
        assert_prefix(&p, "203.0.113.45", 24, 0, "203.0.113.0/24");

        /* Own addresses are changed. */
        static const char *const own[] = {"10.1.2.3", "10.255.255.254", "192.0.2.77",
                                          "2001:db8:ffff::7"};
        for (size_t j = 0; j < sizeof(own) / sizeof(own[0]); j++) {
            struct ictw_addr a = addr(own[j]);
            assert_true(anon_is_internal(&p, &a));
            assert_int_equal(anon_format(&p, &a, buf, sizeof(buf)), 1);
            assert_string_not_equal(buf, own[j]);
        }
        /* A /24 holding one own host is an own prefix (truncation keeps /24 as it is). */
        struct ictw_addr near = addr("192.0.2.1");
        assert_false(anon_is_internal(&p, &near));
        assert_int_equal(anon_prefix(&p, &near, 24, buf, sizeof(buf)), 1);
        if (strcmp(specs[i], "truncate") == 0)
            assert_string_equal(buf, "192.0.2.0/24");
        else
            assert_string_not_equal(buf, "192.0.2.0/24");
        anon_policy_free(&p);
    }
}

static void test_both_scope_hides_everything(void **state)
{
    (void)state;
    struct anon_policy p;
    char err[256];
    policy(&p, "cryptopan", NULL);
    assert_int_equal(anon_policy_add_internal(&p, "10.0.0.0/8", err, sizeof(err)), 0);
    struct ictw_addr ext = addr("203.0.113.45");
    assert_false(anon_is_internal(&p, &ext));
    assert_true(anon_applies(&p, &ext));
    assert_format(&p, "128.11.68.132", 1, "135.242.180.132");
    anon_policy_free(&p);
}

static void test_internal_network_list_errors(void **state)
{
    (void)state;
    static const char *const v[][2] = {
        {"!10.0.0.0/8", "negated networks are not supported"},
        {"any", "'any' is not a constituency"},
        {"$HOME_NET", "variables are not expanded"},
        {"10.0.0.0/33", "from 0 to 32"},
        {"2001:db8::/129", "from 0 to 128"},
        {"10.0.0.0/x", "from 0 to 32"},
        {"ten.0.0.0/8", "'ten.0.0.0' is not an IPv4 or IPv6 address"},
        {"10.0.0.0/8,,192.0.2.0/24", "empty entry"},
        {"[10.0.0.0/8", "without a closing ']'"},
        {"", "empty entry"},
        {"10.0.0.0/8, 192.0.2.0/24, bogus", "'bogus' is not"},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
        struct anon_policy p;
        char err[256] = "";
        anon_policy_init(&p);
        assert_int_equal(anon_policy_add_internal(&p, v[i][0], err, sizeof(err)), -1);
        if (!strstr(err, v[i][1]))
            fail_msg("'%s': error '%s' lacks '%s'", v[i][0], err, v[i][1]);
        /* All or nothing: no part of a bad list stays. */
        assert_int_equal(p.n_internal, 0);
        anon_policy_free(&p);
    }
}

static void test_internal_networks_host_bits_and_many(void **state)
{
    (void)state;
    struct anon_policy p;
    char err[256], list[64];
    anon_policy_init(&p);
    /* Host bits after the length are ignored, as Suricata does for HOME_NET. */
    assert_int_equal(anon_policy_add_internal(&p, " 172.16.5.9/12 ", err, sizeof(err)), 0);
    struct ictw_addr in = addr("172.31.0.1"), out = addr("172.32.0.1");
    assert_true(anon_is_internal(&p, &in));
    assert_false(anon_is_internal(&p, &out));
    /* Many entries (the list grows). */
    for (int i = 0; i < 100; i++) {
        snprintf(list, sizeof(list), "100.%d.0.0/16", i);
        assert_int_equal(anon_policy_add_internal(&p, list, err, sizeof(err)), 0);
    }
    struct ictw_addr last = addr("100.99.3.4"), v6 = addr("::ffff:172.16.0.1");
    assert_true(anon_is_internal(&p, &last));
    assert_false(anon_is_internal(&p, &v6));   /* families never mix */
    anon_policy_free(&p);
}

/* ---- failures never leak ---- */

static void test_failures_give_no_address(void **state)
{
    (void)state;
    struct anon_policy p;
    char err[256], buf[ANON_TEXT_MAX];
    struct ictw_addr a = addr("192.0.2.1"), bad = {0}, out;

    anon_policy_init(&p);
    assert_int_equal(anon_policy_parse(&p, "cryptopan", err, sizeof(err)), 0);
    /* No key loaded: an error and an empty text, not the raw address. */
    strcpy(buf, "junk");
    assert_int_equal(anon_format(&p, &a, buf, sizeof(buf)), -1);
    assert_string_equal(buf, "");
    assert_int_equal(anon_address(&p, &a, &out), -1);
    assert_int_equal(anon_prefix(&p, &a, 24, buf, sizeof(buf)), -1);
    anon_policy_free(&p);

    policy(&p, "hmac", NULL);
    strcpy(buf, "junk");
    assert_int_equal(anon_format(&p, &bad, buf, sizeof(buf)), -1);
    assert_string_equal(buf, "");
    /* Too small a buffer: error, nothing cut. */
    assert_int_equal(anon_format(&p, &a, buf, 10), -1);
    assert_string_equal(buf, "");
    assert_int_equal(anon_prefix(&p, &a, 33, buf, sizeof(buf)), -1);
    anon_policy_free(&p);

    policy(&p, "truncate", NULL);
    assert_int_equal(anon_address(&p, &bad, &out), -1);
    assert_int_equal(anon_prefix(&p, &bad, 24, buf, sizeof(buf)), -1);
    struct ictw_addr v6 = addr("2001:db8::1");
    assert_int_equal(anon_prefix(&p, &v6, 129, buf, sizeof(buf)), -1);
    anon_policy_free(&p);
}

static void test_load_key_from_file(void **state)
{
    (void)state;
    char dir[] = "/tmp/ictw-anon-XXXXXX", path[64], err[256];
    struct anon_policy p;
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/region.key", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", sample_key_hex);
    fclose(f);
    assert_int_equal(chmod(path, 0600), 0);

    anon_policy_init(&p);
    assert_int_equal(anon_policy_load_key(&p, path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "none takes no key"));
    assert_int_equal(anon_policy_parse(&p, "cryptopan", err, sizeof(err)), 0);
    assert_int_equal(anon_policy_load_key(&p, path, err, sizeof(err)), 0);
    assert_int_equal(anon_policy_check(&p, err, sizeof(err)), 0);
    assert_format(&p, "4.3.88.225", 1, "124.60.155.63");

    assert_int_equal(chmod(path, 0644), 0);
    assert_int_equal(anon_policy_load_key(&p, path, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "chmod 600"));
    anon_policy_free(&p);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_specs_and_describe),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_scope_and_check_errors),
        cmocka_unit_test(test_none_passes_everything),
        cmocka_unit_test(test_cryptopan_policy_vectors),
        cmocka_unit_test(test_cryptopan_prefix_is_prefix_of_anonymised_address),
        cmocka_unit_test(test_cryptopan_policy_preserves_common_prefix_lengths),
        cmocka_unit_test(test_truncate_properties),
        cmocka_unit_test(test_truncate_examples),
        cmocka_unit_test(test_hmac_known_answers),
        cmocka_unit_test(test_hmac_properties),
        cmocka_unit_test(test_internal_scope_hides_only_own_networks),
        cmocka_unit_test(test_both_scope_hides_everything),
        cmocka_unit_test(test_internal_network_list_errors),
        cmocka_unit_test(test_internal_networks_host_bits_and_many),
        cmocka_unit_test(test_failures_give_no_address),
        cmocka_unit_test(test_load_key_from_file),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
