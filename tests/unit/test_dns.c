/* test_dns.c - the DNS question parser: plain names, compression pointers,
 * loops and forward pointers refused, every truncation point refused. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "dns.h"

/* id 0x1234, RD, 1 question: www.example.com A IN */
static const uint8_t query[] = {
    0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    3, 'w', 'w', 'w', 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3, 'c', 'o', 'm', 0,
    0x00, 0x01, 0x00, 0x01,
};

static void test_plain_query(void **state)
{
    (void)state;
    struct dns_question q;
    assert_int_equal(dns_parse_question(query, sizeof(query), &q), 0);
    assert_string_equal(q.name, "www.example.com");
    assert_int_equal(q.name_len, 15);
    assert_int_equal(q.id, 0x1234);
    assert_false(q.response);
    assert_int_equal(q.qtype, 1);
    assert_int_equal(q.qclass, 1);
}

static void test_every_truncation_is_refused(void **state)
{
    (void)state;
    struct dns_question q;
    for (size_t n = 0; n < sizeof(query); n++) {
        uint8_t *copy = malloc(n ? n : 1);   /* exact size: ASan sees any overrun */
        memcpy(copy, query, n);
        assert_int_equal(dns_parse_question(copy, n, &q), -1);
        free(copy);
    }
}

static void test_root_name_and_response_flags(void **state)
{
    (void)state;
    uint8_t m[] = {0, 1, 0x84, 0x03, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0x00, 0xff, 0x00, 0x01};
    struct dns_question q;
    assert_int_equal(dns_parse_question(m, sizeof(m), &q), 0);
    assert_true(q.response);
    assert_int_equal(q.rcode, 3);
    assert_int_equal(q.qtype, 255);
    assert_int_equal(q.name_len, 0);
}

static void test_backward_pointer_followed(void **state)
{
    (void)state;
    /* The question's name points back into a (made up) earlier name at offset 12. */
    uint8_t m[] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
                   2, 'a', 'b', 0xc0, 17, /* "ab" then pointer to offset 17... */
                   3, 'x', 'y', 'z', 0, 0, 1, 0, 1};
    struct dns_question q;
    /* offset 17 is after the pointer itself: a forward pointer, refused. */
    assert_int_equal(dns_parse_question(m, sizeof(m), &q), -1);
    uint8_t ok[] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0,
                    3, 'c', 'o', 'm', 0,              /* offset 12: "com" */
                    3, 'x', 'y', 'z', 0xc0, 12,       /* offset 17: "xyz" + pointer to 12 */
                    0, 28, 0, 1};
    /* The first name (offset 12) is the question here: just "com". */
    assert_int_equal(dns_parse_question(ok, sizeof(ok), &q), 0);
    assert_string_equal(q.name, "com");
}

static void test_self_pointer_and_long_names_refused(void **state)
{
    (void)state;
    uint8_t loop[] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0xc0, 12, 0, 1, 0, 1};
    struct dns_question q;
    assert_int_equal(dns_parse_question(loop, sizeof(loop), &q), -1);
    uint8_t bad_type[] = {0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0x41, 'a', 0, 0, 1, 0, 1};
    assert_int_equal(dns_parse_question(bad_type, sizeof(bad_type), &q), -1);
    /* 5 labels of 63 bytes: 319 characters, over the 253 a name may have. */
    uint8_t big[12 + 5 * 64 + 1 + 4];
    memset(big, 0, sizeof(big));
    big[5] = 1;
    for (int i = 0; i < 5; i++) {
        big[12 + i * 64] = 63;
        memset(big + 12 + i * 64 + 1, 'a', 63);
    }
    assert_int_equal(dns_parse_question(big, sizeof(big), &q), -1);
    uint8_t noq[] = {0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 1};
    assert_int_equal(dns_parse_question(noq, sizeof(noq), &q), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_plain_query),
        cmocka_unit_test(test_every_truncation_is_refused),
        cmocka_unit_test(test_root_name_and_response_flags),
        cmocka_unit_test(test_backward_pointer_followed),
        cmocka_unit_test(test_self_pointer_and_long_names_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
