/* test_collector_validate.c - EVE entry validation: reasons, limits, UTF-8, extracted facts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "validate.h"

static const struct validate_limits lim = {
    .max_entry = 4096,
    .min_time = 946684800ULL * 1000000ULL,          /* 2000-01-01 */
    .max_time = 1893456000ULL * 1000000ULL,         /* 2030-01-01 */
};

#define GOOD "{\"timestamp\":\"2025-03-14T09:26:53.589793+0000\",\"event_type\":\"alert\"," \
             "\"src_ip\":\"10.0.0.23\",\"src_port\":51544,\"dest_ip\":\"2001:0db8:0000:0000:0000:0000:0000:0001\"," \
             "\"dest_port\":443,\"proto\":\"TCP\",\"app_proto\":\"tls\",\"alert\":{\"action\":\"allowed\",\"gid\":1," \
             "\"signature_id\":9000101,\"rev\":2,\"signature\":\"SENSOR TLS SNI\",\"category\":\"C2\",\"severity\":1}}"

static enum validate_result check(const char *s)
{
    struct eve_alert a;
    char detail[256];
    enum validate_result r = validate_entry(s, strlen(s), &lim, &a, detail, sizeof(detail));
    if (r == VALID_ALERT)
        validate_release(&a);
    return r;
}

static void test_good_alert(void **state)
{
    (void)state;
    struct eve_alert a;
    char detail[256];
    assert_int_equal(validate_entry(GOOD, strlen(GOOD), &lim, &a, detail, sizeof(detail)), VALID_ALERT);
    assert_int_equal(a.sid, 9000101);
    assert_int_equal(a.gid, 1);
    assert_int_equal(a.rev, 2);
    assert_int_equal(a.severity, 1);
    assert_int_equal(a.dest_port, 443);
    assert_int_equal(a.src.family, 4);
    assert_int_equal(a.dst.family, 6);
    assert_int_equal(a.ts, 1741944413589793ULL);
    assert_string_equal(a.msg, "SENSOR TLS SNI");
    assert_string_equal(a.app_proto, "tls");
    validate_release(&a);
}

static void test_reasons(void **state)
{
    (void)state;
    assert_int_equal(validate_entry(NULL, 0, &lim, &(struct eve_alert){0}, NULL, 0), INVALID_NO_EVE_FIELD);
    assert_int_equal(check("{\"event_type\":"), INVALID_NOT_JSON);
    assert_int_equal(check("\"alert\""), INVALID_NOT_OBJECT);
    assert_int_equal(check("{\"event_type\":\"flow\"}"), VALID_IGNORED);
    assert_int_equal(check("{\"event_type\":7}"), INVALID_WRONG_TYPE);
    assert_int_equal(check("{}"), INVALID_MISSING_FIELD);
    assert_int_equal(check("{\"event_type\":\"alert\",\"event_type\":\"alert\"}"), INVALID_NOT_JSON);
    assert_int_equal(check("{\"event_type\":\"alert\",\"timestamp\":\"now\"}"), INVALID_BAD_TIMESTAMP);
    assert_int_equal(check("{\"event_type\":\"alert\",\"timestamp\":\"2031-01-01T00:00:00.000000+0000\"}"),
                     INVALID_FUTURE_TIMESTAMP);
    assert_int_equal(check("{\"event_type\":\"alert\",\"timestamp\":\"1999-12-31T23:59:59.000000+0000\"}"),
                     INVALID_TOO_OLD);
    char big[5000];
    memset(big, ' ', sizeof(big) - 1);
    big[0] = '{';
    big[sizeof(big) - 2] = '}';
    big[sizeof(big) - 1] = '\0';
    assert_int_equal(check(big), INVALID_OVERSIZED);
}

static void test_field_types(void **state)
{
    (void)state;
    char buf[2048];
    const struct {
        const char *from, *to;
        enum validate_result want;
    } cases[] = {
        {"\"src_ip\":\"10.0.0.23\"", "\"src_ip\":\"10.0.0.256\"", INVALID_BAD_ADDRESS},
        {"\"dest_port\":443", "\"dest_port\":65536", INVALID_OUT_OF_RANGE},
        {"\"dest_port\":443", "\"dest_port\":\"443\"", INVALID_WRONG_TYPE},
        {"\"severity\":1", "\"severity\":true", INVALID_WRONG_TYPE},
        {"\"signature_id\":9000101,", "", INVALID_MISSING_FIELD},
        {"\"proto\":\"TCP\",", "", INVALID_MISSING_FIELD},
        {"\"gid\":1,", "", VALID_ALERT},
        {"\"category\":\"C2\",", "", VALID_ALERT},
        {"\"signature\":\"SENSOR TLS SNI\"", "\"signature\":\"a\\u0000b\"", INVALID_NOT_JSON},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *at = strstr(GOOD, cases[i].from);
        assert_non_null(at);
        size_t pre = (size_t)(at - GOOD);
        snprintf(buf, sizeof(buf), "%.*s%s%s", (int)pre, GOOD, cases[i].to, at + strlen(cases[i].from));
        assert_int_equal(check(buf), cases[i].want);
    }
}

static void test_utf8(void **state)
{
    (void)state;
    size_t bad;
    assert_true(validate_utf8("plain", 5, &bad));
    assert_true(validate_utf8("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9, &bad));
    assert_false(validate_utf8("a\xff", 2, &bad));
    assert_int_equal(bad, 1);
    assert_false(validate_utf8("\xc0\xaf", 2, &bad));           /* overlong '/' */
    assert_false(validate_utf8("\xed\xa0\x80", 3, &bad));       /* surrogate */
    assert_false(validate_utf8("\xf4\x90\x80\x80", 4, &bad));   /* above U+10FFFF */
    assert_false(validate_utf8("\xe2\x82", 2, &bad));           /* truncated */
    assert_string_equal(validate_reason_name(INVALID_NOT_UTF8), "not-utf8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_alert),
        cmocka_unit_test(test_reasons),
        cmocka_unit_test(test_field_types),
        cmocka_unit_test(test_utf8),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
