/* test_collector_keys.c - key names, escaped tuples, dimension names, settings parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "keys.h"
#include "rconn.h"
#include "settings.h"
#include "strmap.h"

static void test_tuple_roundtrip(void **state)
{
    (void)state;
    char buf[512];
    size_t p = 0;
    const char *vals[DIM_TUPLE_COUNT] = {"s-1", "KZ", "Org | with 100% pipes\n", "1:2:3", "2", "Cat|x",
                                         "amber", "tls", "TCP", "443", "10.0.0.0/24", "2001:db8::/48"};
    for (int i = 0; i < DIM_TUPLE_COUNT; i++) {
        if (i)
            buf[p++] = '|';
        assert_true(keys_escape_append(buf, sizeof(buf), &p, vals[i], strlen(vals[i])));
    }
    assert_non_null(strstr(buf, "Org %7C with 100%25 pipes%0A"));
    assert_int_equal(keys_grain_len(buf, p), strstr(buf, "|tls|") - buf);
    char *f[DIM_TUPLE_COUNT];
    assert_int_equal(keys_tuple_split(buf, f), 0);
    for (int i = 0; i < DIM_TUPLE_COUNT; i++)
        assert_string_equal(f[i], vals[i]);
    char bad[] = "a|b|c";
    assert_int_equal(keys_tuple_split(bad, f), -1);
    char small[8];
    p = 0;
    assert_false(keys_escape_append(small, sizeof(small), &p, "||||", 4));
}

static void test_names(void **state)
{
    (void)state;
    char buf[128], id[80];
    assert_string_equal(keys_stream("kz-1", buf, sizeof(buf)), "ictwatch:eve:{kz-1}");
    assert_string_equal(keys_dead("kz-1", buf, sizeof(buf)), "ictwatch:dead:{kz-1}");
    assert_string_equal(keys_bucket("1h", 3600, "count", buf, sizeof(buf)), "ictwatch:agg:1h:3600:count");
    const char *k = "ictwatch:eve:{kz-ala-01}";
    assert_int_equal(keys_stream_sensor(k, strlen(k), id, sizeof(id)), 0);
    assert_string_equal(id, "kz-ala-01");
    k = "ictwatch:eve:{a}b}";
    assert_int_equal(keys_stream_sensor(k, strlen(k), id, sizeof(id)), -1);
    k = "ictwatch:eve:{}";
    assert_int_equal(keys_stream_sensor(k, strlen(k), id, sizeof(id)), -1);
    assert_int_equal(keys_dim_parse("org"), DIM_ORGANISATION);
    assert_int_equal(keys_dim_parse("src"), DIM_SRC_PREFIX);
    assert_int_equal(keys_dim_parse("window"), DIM_WINDOW);
    assert_int_equal(keys_dim_parse("bogus"), -1);
    assert_true(settings_valid_sensor_id("kz.ala_01-x"));
    assert_false(settings_valid_sensor_id("kz ala"));
    assert_false(settings_valid_sensor_id("a{b}"));
}

static void test_settings(void **state)
{
    (void)state;
    struct config c;
    struct coll_settings s;
    char err[512];
    config_init(&c);
    assert_int_equal(settings_load(&s, &c, err, sizeof(err)), 0);
    assert_int_equal(s.nwindows, 3);
    assert_string_equal(s.windows[0].name, "1m");
    assert_false(s.windows[0].detail);
    assert_true(s.windows[1].detail);
    assert_int_equal(s.windows[2].ttl, 400 * 86400);
    assert_ptr_equal(settings_find_window(&s, "hour"), &s.windows[1]);
    assert_int_equal(s.min_time, 946684800);
    settings_free(&s);

    config_add(&c, "windows", "15m:1d, 1d:30d:counts", "t.conf", 4);
    config_add(&c, "sensor", "kz-1, KZ, CERT, with comma", "t.conf", 5);
    assert_int_equal(settings_load(&s, &c, err, sizeof(err)), 0);
    assert_string_equal(s.windows[0].name, "15m");
    assert_false(s.windows[1].detail);
    assert_string_equal(settings_sensor_info(&s, "kz-1")->organisation, "CERT, with comma");
    settings_free(&s);

    config_add(&c, "windows", "7m:1d", "t.conf", 6);
    assert_int_equal(settings_load(&s, &c, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "t.conf:6: windows"));
    settings_free(&s);
    config_free(&c);
}

static void test_url_and_ids(void **state)
{
    (void)state;
    struct rconn_url u;
    char err[256];
    assert_int_equal(rconn_parse_url("redis://ops@10.0.0.5:6380/2", &u, err, sizeof(err)), 0);
    assert_string_equal(u.host, "10.0.0.5");
    assert_int_equal(u.port, 6380);
    assert_int_equal(u.db, 2);
    assert_string_equal(u.user, "ops");
    assert_int_equal(rconn_parse_url("redis://[::1]:7000", &u, err, sizeof(err)), 0);
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 7000);
    assert_int_equal(rconn_parse_url("unix:///run/redis.sock?db=3", &u, err, sizeof(err)), 0);
    assert_string_equal(u.path, "/run/redis.sock");
    assert_int_equal(u.db, 3);
    assert_int_equal(rconn_parse_url("redis://u:pw@h", &u, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "no password in the URL"));
    assert_int_equal(rconn_parse_url("http://h", &u, err, sizeof(err)), -1);
    assert_int_equal(rconn_parse_url("redis://h:0", &u, err, sizeof(err)), -1);

    struct rconn_sid a, b;
    assert_int_equal(rconn_parse_sid("1700000000000-10", &a), 0);
    assert_int_equal(rconn_parse_sid("1700000000000-9", &b), 0);
    assert_int_equal(rconn_sid_cmp(a, b), 1);   /* numeric, not string order */
    assert_int_equal(rconn_parse_sid("12-x", &a), -1);
}

static void test_strmap(void **state)
{
    (void)state;
    struct strmap m;
    strmap_init(&m);
    bool added;
    char key[32];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof(key), "k%d", i);
        assert_int_equal(strmap_intern(&m, key, (size_t)n, &added), (uint32_t)i);
        assert_true(added);
    }
    assert_int_equal(strmap_intern(&m, "k4321", 5, &added), 4321);
    assert_false(added);
    size_t len;
    assert_string_equal(strmap_key(&m, 77, &len), "k77");
    strmap_clear(&m);
    assert_int_equal(strmap_intern(&m, "k4321", 5, &added), 0);
    assert_true(added);
    strmap_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tuple_roundtrip), cmocka_unit_test(test_names), cmocka_unit_test(test_settings),
        cmocka_unit_test(test_url_and_ids), cmocka_unit_test(test_strmap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
