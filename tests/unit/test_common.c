/* test_common.c - shared helpers: time and address formatting and parsing,
 * number parsing, the JSON writer's escaping, the config store. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ictwatch/common.h"
#include "ictwatch/config.h"
#include "ictwatch/jsonw.h"

#include <arpa/inet.h>

static void test_time_format_matches_gmtime(void **state)
{
    (void)state;
    /* Every day boundary across leap years and a spread of instants. */
    for (uint64_t s = 0; s < 4102444800ULL; s += 86400 * 7 + 3607) {
        char ours[ICTW_TIME_STRLEN], ref[64];
        time_t t = (time_t)s;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(ref, sizeof(ref), "%Y-%m-%dT%H:%M:%S", &tm);
        strcat(ref, ".000042+0000");
        ictw_time_format(s * ICTW_USEC_PER_SEC + 42, ours, sizeof(ours));
        assert_string_equal(ours, ref);
    }
    char buf[ICTW_TIME_STRLEN];
    assert_string_equal(ictw_time_format(951782400ULL * ICTW_USEC_PER_SEC + 999999, buf, sizeof(buf)),
                        "2000-02-29T00:00:00.999999+0000");
}

static void test_time_parse_roundtrip_and_offsets(void **state)
{
    (void)state;
    ictw_usec t;
    assert_int_equal(ictw_time_parse("2025-03-14T09:26:53.589793+0000", &t), 0);
    char buf[ICTW_TIME_STRLEN];
    assert_string_equal(ictw_time_format(t, buf, sizeof(buf)), "2025-03-14T09:26:53.589793+0000");
    ictw_usec t2;
    assert_int_equal(ictw_time_parse("2025-03-14T10:26:53.589793+0100", &t2), 0);
    assert_int_equal(t, t2);
    assert_int_equal(ictw_time_parse("2025-03-14T01:26:53.589793-0800", &t2), 0);
    assert_int_equal(t, t2);
    assert_int_equal(ictw_time_parse("2025-03-14T09:26:53.5+00:00", &t2), 0);
    assert_int_equal(t2 % ICTW_USEC_PER_SEC, 500000);
    const char *bad[] = {"", "2025-13-01T00:00:00.0+0000", "2025-03-14 09:26:53", "x025-03-14T09:26:53.1+0000",
                         "2025-03-14T09:26:53.+0000", "2025-03-14T09:26:53.1+0000junk", "1969-12-31T23:59:59.0+0000"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(ictw_time_parse(bad[i], &t2), -1);
}

static void test_addr_format_parse_mask(void **state)
{
    (void)state;
    struct ictw_addr a;
    char buf[ICTW_ADDR_STRLEN];
    assert_int_equal(ictw_addr_parse("192.0.2.255", &a), 0);
    assert_int_equal(a.family, 4);
    assert_string_equal(ictw_addr_format(&a, buf, sizeof(buf)), "192.0.2.255");
    assert_int_equal(ictw_addr_parse("2001:db8::1", &a), 0);
    assert_string_equal(ictw_addr_format(&a, buf, sizeof(buf)), "2001:0db8:0000:0000:0000:0000:0000:0001");
    assert_string_equal(ictw_addr_format_short(&a, buf, sizeof(buf)), "2001:db8::1");
    ictw_addr_mask(&a, 48);
    assert_string_equal(ictw_addr_format_short(&a, buf, sizeof(buf)), "2001:db8::");
    assert_int_equal(ictw_addr_parse("10.1.2.3", &a), 0);
    ictw_addr_mask(&a, 20);
    assert_string_equal(ictw_addr_format(&a, buf, sizeof(buf)), "10.1.0.0");
    assert_int_equal(ictw_addr_parse("10.1.2.300", &a), -1);
    assert_int_equal(ictw_addr_parse("hello", &a), -1);
    /* A short buffer is truncated, never overrun. */
    assert_int_equal(ictw_addr_parse("255.255.255.255", &a), 0);
    char small[6];
    ictw_addr_format(&a, small, sizeof(small));
    assert_string_equal(small, "255.2");
    /* Every byte value in every place, against inet_ntop. */
    for (unsigned v = 0; v < 256; v++) {
        const uint8_t b[4] = {(uint8_t)v, (uint8_t)(255 - v), (uint8_t)(v / 3), (uint8_t)(v % 10 * 11)};
        char want[INET_ADDRSTRLEN];
        ictw_addr_from_v4(&a, b);
        assert_non_null(inet_ntop(AF_INET, b, want, sizeof(want)));
        assert_string_equal(ictw_addr_format(&a, buf, sizeof(buf)), want);
    }
}

static void test_number_parsers(void **state)
{
    (void)state;
    assert_int_equal(ictw_parse_duration("30"), 30);
    assert_int_equal(ictw_parse_duration("5m"), 300);
    assert_int_equal(ictw_parse_duration("2h"), 7200);
    assert_int_equal(ictw_parse_duration("7d"), 604800);
    assert_int_equal(ictw_parse_duration("5x"), -1);
    assert_int_equal(ictw_parse_duration("-5"), -1);
    assert_int_equal(ictw_parse_duration("5mm"), -1);
    assert_int_equal(ictw_parse_size("64k"), 65536);
    assert_int_equal(ictw_parse_size("2g"), 2147483648LL);
    assert_int_equal(ictw_parse_size("99999999999999999999g"), -1);
    uint64_t v;
    assert_int_equal(ictw_parse_uint("65535", 65535, &v), 0);
    assert_int_equal(v, 65535);
    assert_int_equal(ictw_parse_uint("65536", 65535, &v), -1);
    assert_int_equal(ictw_parse_uint("12a", 100, &v), -1);
}

static void test_jsonw_structure_and_escaping(void **state)
{
    (void)state;
    struct jsonw w;
    jsonw_init(&w);
    jsonw_object_begin(&w);
    jsonw_key_str(&w, "a", "x\"y\\z\n\t\x01");
    jsonw_key(&w, "arr");
    jsonw_array_begin(&w);
    jsonw_int(&w, -5);
    jsonw_uint(&w, 18446744073709551615ULL);
    jsonw_bool(&w, true);
    jsonw_null(&w);
    jsonw_array_end(&w);
    jsonw_key(&w, "o");
    jsonw_object_begin(&w);
    jsonw_object_end(&w);
    jsonw_object_end(&w);
    assert_false(w.failed);
    assert_string_equal(w.buf, "{\"a\":\"x\\\"y\\\\z\\n\\t\\u0001\",\"arr\":[-5,18446744073709551615,true,null],\"o\":{}}");
    jsonw_reset(&w);
    /* Valid UTF-8 passes, invalid bytes become \u00XX, overlongs and surrogates are refused. */
    jsonw_str(&w, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xff \xc0\xaf \xed\xa0\x80 \xc3");
    assert_string_equal(w.buf, "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \\u00ff \\u00c0\\u00af "
                               "\\u00ed\\u00a0\\u0080 \\u00c3\"");
    jsonw_reset(&w);
    char nul[] = {'a', 0, 'b'};
    jsonw_strn(&w, nul, 3);
    assert_string_equal(w.buf, "\"a\\u0000b\"");
    jsonw_free(&w);
}

/* The escaper tests eight bytes at a time: every byte value at every place
 * of a word (and in the tail) must come out as the byte-by-byte rules say. */
static void expect_one_byte_escape(unsigned char c, char *want, size_t cap)
{
    static const char hex[] = "0123456789abcdef";
    if (c == '"' || c == '\\')
        snprintf(want, cap, "\\%c", c);
    else if (c == '\n')
        snprintf(want, cap, "\\n");
    else if (c == '\r')
        snprintf(want, cap, "\\r");
    else if (c == '\t')
        snprintf(want, cap, "\\t");
    else if (c == '\b')
        snprintf(want, cap, "\\b");
    else if (c == '\f')
        snprintf(want, cap, "\\f");
    else if (c < 0x20 || c >= 0x80)   /* alone between ASCII: never valid UTF-8 */
        snprintf(want, cap, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
    else
        snprintf(want, cap, "%c", c);
}

static void test_jsonw_word_scan_matches_bytewise(void **state)
{
    (void)state;
    struct jsonw w;
    jsonw_init(&w);
    for (unsigned c = 1; c < 256; c++) {
        for (size_t len = 1; len <= 19; len++) {
            for (size_t at = 0; at < len; at++) {
                char in[32], want[200], esc[8];
                memset(in, 'a' + (int)(len % 26), len);
                in[at] = (char)c;
                expect_one_byte_escape((unsigned char)c, esc, sizeof(esc));
                snprintf(want, sizeof(want), "\"%.*s%s%.*s\"", (int)at, in, esc, (int)(len - at - 1), in + at + 1);
                jsonw_reset(&w);
                jsonw_strn(&w, in, len);
                if (strcmp(w.buf, want) != 0)
                    fail_msg("byte 0x%02x at %zu of %zu: got %s, want %s", c, at, len, w.buf, want);
            }
        }
    }
    jsonw_free(&w);
}

/* Literal keys and plain values write what the escaping forms write. */
static void test_jsonw_literal_key_and_plain_value(void **state)
{
    (void)state;
    struct jsonw a, b;
    jsonw_init(&a);
    jsonw_init(&b);
    jsonw_object_begin(&a);
    jsonw_object_begin(&b);
    for (int i = 0; i < 3; i++) {
        jsonw_key_str(&a, "timestamp", "2016-08-02T02:19:33.127416+0000");
        JSONW_KEY(&b, "timestamp");
        jsonw_plain(&b, "2016-08-02T02:19:33.127416+0000", 31);
        jsonw_key(&a, "flow");
        JSONW_KEY(&b, "flow");
        jsonw_object_begin(&a);
        jsonw_object_begin(&b);
        jsonw_key_uint(&a, "n", (uint64_t)i * 1000000007u);
        JSONW_KEY(&b, "n");
        jsonw_uint(&b, (uint64_t)i * 1000000007u);
        jsonw_object_end(&a);
        jsonw_object_end(&b);
    }
    jsonw_object_end(&a);
    jsonw_object_end(&b);
    assert_false(a.failed || b.failed);
    assert_string_equal(a.buf, b.buf);
    jsonw_free(&a);
    jsonw_free(&b);
}

static void test_jsonw_depth_limit_fails_cleanly(void **state)
{
    (void)state;
    struct jsonw w;
    jsonw_init(&w);
    for (int i = 0; i < JSONW_MAX_DEPTH + 5; i++)
        jsonw_array_begin(&w);
    assert_true(w.failed);
    jsonw_free(&w);
}

static void test_config_file_and_overrides(void **state)
{
    (void)state;
    char path[] = "/tmp/ictw-config-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "# comment\n\nsensor-id = kz-01\nrule-files = a.rules\nrule-files=\"b.rules\"\n"
                       "HOME_NET = [10.0.0.0/8]\nflow.memcap = 64m\nbad value line\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    struct config c;
    config_init(&c);
    char err[256];
    assert_int_equal(config_load_file(&c, path, err, sizeof(err)), -1);
    char want[300];
    snprintf(want, sizeof(want), "%s:8: expected 'key = value'", path);
    assert_string_equal(err, want);
    assert_string_equal(config_get(&c, "sensor-id"), "kz-01");
    size_t pos = 0;
    assert_string_equal(config_next(&c, "rule-files", &pos)->value, "a.rules");
    assert_string_equal(config_next(&c, "rule-files", &pos)->value, "b.rules");
    assert_null(config_next(&c, "rule-files", &pos));
    assert_int_equal(config_set_arg(&c, "sensor-id=kz-02", err, sizeof(err)), 0);
    assert_string_equal(config_get(&c, "sensor-id"), "kz-02");
    uint64_t v = 0;
    assert_int_equal(config_get_size(&c, "flow.memcap", &v, err, sizeof(err)), 0);
    assert_int_equal(v, 64 << 20);
    assert_int_equal(config_set_arg(&c, "flow.memcap=lots", err, sizeof(err)), 0);
    assert_int_equal(config_get_size(&c, "flow.memcap", &v, err, sizeof(err)), -1);
    assert_string_equal(err, "command line: flow.memcap: 'lots' is not a size (e.g. 4096, 64k, 512m, 2g)");
    assert_true(config_is_variable("HOME_NET"));
    assert_false(config_is_variable("home-net"));
    assert_int_equal(config_set_arg(&c, "novalue", err, sizeof(err)), -1);
    config_free(&c);
    unlink(path);
}

static bool only_sensor_id(const char *k) { return strcmp(k, "sensor-id") == 0; }

static void test_config_unknown_key_names_place(void **state)
{
    (void)state;
    struct config c;
    config_init(&c);
    config_add(&c, "sensor-id", "x", "a.conf", 1);
    config_add(&c, "HOME_NET", "any", "a.conf", 2);
    config_add(&c, "sensr-id", "x", "a.conf", 3);
    char err[256];
    assert_int_equal(config_check_keys(&c, only_sensor_id, err, sizeof(err)), -1);
    assert_string_equal(err, "a.conf:3: unknown setting 'sensr-id'");
    config_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_time_format_matches_gmtime),
        cmocka_unit_test(test_time_parse_roundtrip_and_offsets),
        cmocka_unit_test(test_addr_format_parse_mask),
        cmocka_unit_test(test_number_parsers),
        cmocka_unit_test(test_jsonw_structure_and_escaping),
        cmocka_unit_test(test_jsonw_depth_limit_fails_cleanly),
        cmocka_unit_test(test_jsonw_word_scan_matches_bytewise),
        cmocka_unit_test(test_jsonw_literal_key_and_plain_value),
        cmocka_unit_test(test_config_file_and_overrides),
        cmocka_unit_test(test_config_unknown_key_names_place),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
