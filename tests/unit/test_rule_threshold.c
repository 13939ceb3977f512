/* test_rule_threshold.c - threshold and detection_filter at their boundaries:
 * count-1, count, count+1, the last instant of a window and the first after
 * it, every type and track, unique_on ports and addresses (port scan, host
 * sweep, reflection), side effects of suppressed matches, and the cap on
 * tracked keys. Time is packet time. */
#include "rule_testutil.h"

#include <malloc.h>

#define TS FLOW_TOSERVER
#define TC FLOW_TOCLIENT

static void load(struct rt *t, const char *rules)
{
    if (!rt_load_text(t, rules) || t->rep.failed) {
        fprintf(stderr, "%s", t->errout);
        fail();
    }
}

/* One packet with payload "hit" from src to dst:dport at time sec; returns alerts of sid. */
static int hit(struct rt *t, const char *src, const char *dst, uint16_t sport, uint16_t dport,
               double sec, uint32_t sid)
{
    struct flow f;
    rt_mkflow(&f, src, sport, dst, dport, IPPROTO_NUM_TCP);
    rt_reset_alerts(t);
    rt_send(t, &f, TS, "hit", (ictw_usec)(sec * SEC));
    rt_flow_done(&f);
    return rt_count(t, sid);
}

static int h(struct rt *t, const char *src, double sec, uint32_t sid)
{
    return hit(t, src, "10.9.9.9", 40000, 80, sec, sid);
}

static void test_limit(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t, "alert tcp any any -> any any (content:\"hit\"; threshold:type limit, track by_src, "
             "count 2, seconds 10; sid:1;)\n");
    assert_int_equal(h(&t, "10.0.0.1", 0, 1), 1);    /* count-1 */
    assert_int_equal(h(&t, "10.0.0.1", 1, 1), 1);    /* count */
    assert_int_equal(h(&t, "10.0.0.1", 2, 1), 0);    /* count+1 */
    assert_int_equal(h(&t, "10.0.0.2", 3, 1), 1);    /* another source has its own window */
    assert_int_equal(h(&t, "10.0.0.1", 10, 1), 0);   /* start + seconds is still inside */
    assert_int_equal(h(&t, "10.0.0.1", 10.000001, 1), 1);   /* a new window */
    assert_int_equal(h(&t, "10.0.0.1", 11, 1), 1);
    assert_int_equal(h(&t, "10.0.0.1", 12, 1), 0);
    assert_int_equal(detect_engine_stats(t.e)->suppressed, 3);
    rt_free(&t);
}

static void test_threshold_type(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t, "alert tcp any any -> any any (content:\"hit\"; threshold:type threshold, track by_dst, "
             "count 3, seconds 60; sid:1;)\n"
             "alert tcp any any -> any any (content:\"hit\"; threshold:type threshold, track by_dst, "
             "count 1, seconds 60; sid:2;)\n");
    int want[] = {0, 0, 1, 0, 0, 1, 0};
    for (int i = 0; i < 7; i++)
        assert_int_equal(h(&t, "10.0.0.1", i, 1), want[i]);
    /* window expiry: counting restarts from 1 */
    assert_int_equal(h(&t, "10.0.0.1", 100, 1), 0);
    assert_int_equal(h(&t, "10.0.0.1", 101, 1), 0);
    assert_int_equal(h(&t, "10.0.0.1", 102, 1), 1);
    /* count 1: every hit, including after a window */
    rt_reset_alerts(&t);
    for (int i = 0; i < 3; i++)
        assert_int_equal(h(&t, "10.0.0.1", 200 + i * 100, 2), 1);
    rt_free(&t);
}

static void test_both(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t, "alert tcp any any -> any any (content:\"hit\"; threshold:type both, track by_src, "
             "count 2, seconds 30; sid:1;)\n");
    int want[] = {0, 1, 0, 0, 0};
    for (int i = 0; i < 5; i++)
        assert_int_equal(h(&t, "10.0.0.1", i, 1), want[i]);
    assert_int_equal(h(&t, "10.0.0.1", 31, 1), 0);   /* new window: first hit */
    assert_int_equal(h(&t, "10.0.0.1", 32, 1), 1);   /* second hit alerts again */
    rt_free(&t);
}

static void test_detection_filter(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t, "alert tcp any any -> any any (content:\"hit\"; detection_filter:track by_src, "
             "count 3, seconds 60; sid:1;)\n");
    assert_int_equal(h(&t, "10.0.0.1", 0, 1), 0);
    assert_int_equal(h(&t, "10.0.0.1", 1, 1), 0);    /* count-1 */
    assert_int_equal(h(&t, "10.0.0.1", 2, 1), 0);    /* count */
    assert_int_equal(h(&t, "10.0.0.1", 3, 1), 1);    /* count+1 */
    assert_int_equal(h(&t, "10.0.0.1", 60, 1), 1);   /* every hit after, to the window's end */
    assert_int_equal(h(&t, "10.0.0.1", 61, 1), 0);   /* expired: counting from 1 */
    assert_int_equal(h(&t, "10.0.0.2", 61, 1), 0);
    rt_free(&t);
}

static void test_tracks(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t, "alert tcp any any -> any any (content:\"hit\"; threshold:type limit, track by_rule, "
             "count 2, seconds 60; sid:1;)\n"
             "alert tcp any any -> any any (content:\"hit\"; threshold:type limit, track by_both, "
             "count 1, seconds 60; sid:2;)\n"
             "alert tcp any any -> any any (content:\"hit\"; threshold:type limit, track by_flow, "
             "count 1, seconds 60; sid:3;)\n"
             "alert tcp any any -> any any (content:\"hit\"; threshold:type backoff, track by_flow, "
             "count 1, multiplier 10; sid:4;)\n");
    /* by_rule: all sources share one counter */
    assert_int_equal(h(&t, "10.0.0.1", 0, 1), 1);
    assert_int_equal(h(&t, "10.0.0.2", 1, 1), 1);
    assert_int_equal(h(&t, "10.0.0.3", 2, 1), 0);
    /* by_both: the pair, in either direction */
    assert_int_equal(hit(&t, "10.1.0.1", "10.1.0.2", 1, 2, 0, 2), 1);
    assert_int_equal(hit(&t, "10.1.0.2", "10.1.0.1", 2, 1, 1, 2), 0);
    assert_int_equal(hit(&t, "10.1.0.1", "10.1.0.3", 1, 2, 1, 2), 1);
    /* by_flow: per flow; backoff: hits 1, 10, 100 */
    struct flow f, g;
    rt_mkflow(&f, "10.2.0.1", 1, "10.2.0.2", 2, IPPROTO_NUM_TCP);
    rt_mkflow(&g, "10.2.0.1", 1, "10.2.0.2", 2, IPPROTO_NUM_TCP);
    int alerts3 = 0, alerts4 = 0, first4[3] = {0}, k = 0;
    for (int i = 1; i <= 120; i++) {
        rt_reset_alerts(&t);
        rt_send(&t, &f, TS, "hit", (ictw_usec)i * SEC / 100);
        alerts3 += rt_count(&t, 3);
        if (rt_count(&t, 4)) {
            alerts4++;
            if (k < 3)
                first4[k++] = i;
        }
    }
    assert_int_equal(alerts3, 1);
    assert_int_equal(alerts4, 3);
    assert_int_equal(first4[0], 1);
    assert_int_equal(first4[1], 10);
    assert_int_equal(first4[2], 100);
    rt_reset_alerts(&t);
    rt_send(&t, &g, TS, "hit", SEC);   /* another flow, same addresses: its own counters */
    assert_int_equal(rt_count(&t, 3), 1);
    assert_int_equal(rt_count(&t, 4), 1);
    rt_flow_done(&f);
    rt_flow_done(&g);
    rt_free(&t);
}

static void test_unique_ports(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t, "alert tcp any any -> any any (msg:\"port scan\"; content:\"hit\"; detection_filter:track by_src, "
             "count 3, seconds 60, unique_on dst_port; sid:1;)\n"
             "alert tcp any any -> any any (content:\"hit\"; detection_filter:track by_dst, "
             "count 2, seconds 60, unique_on src_port; sid:2;)\n");
    const char *s = "10.0.0.1", *d = "10.9.9.9";
    /* the same port many times is one value */
    for (int i = 0; i < 10; i++)
        assert_int_equal(hit(&t, s, d, 40000, 22, i * 0.1, 1), 0);
    assert_int_equal(hit(&t, s, d, 40000, 23, 2, 1), 0);
    assert_int_equal(hit(&t, s, d, 40000, 25, 3, 1), 0);   /* 3 distinct: count */
    assert_int_equal(hit(&t, s, d, 40000, 80, 4, 1), 1);   /* 4 distinct: count+1 */
    assert_int_equal(hit(&t, s, d, 40000, 22, 5, 1), 1);   /* over: every hit alerts */
    assert_int_equal(hit(&t, "10.0.0.2", d, 40000, 80, 5, 1), 0);
    /* new window: the current port is the first distinct value */
    assert_int_equal(hit(&t, s, d, 40000, 443, 61, 1), 0);
    assert_int_equal(hit(&t, s, d, 40000, 22, 62, 1), 0);
    assert_int_equal(hit(&t, s, d, 40000, 23, 63, 1), 0);
    assert_int_equal(hit(&t, s, d, 40000, 24, 64, 1), 1);
    /* port 0 is a value like any other */
    assert_int_equal(hit(&t, "10.0.0.3", d, 40000, 0, 100, 1), 0);
    assert_int_equal(hit(&t, "10.0.0.3", d, 40000, 0, 101, 1), 0);
    assert_int_equal(hit(&t, "10.0.0.3", d, 40000, 1, 102, 1), 0);
    assert_int_equal(hit(&t, "10.0.0.3", d, 40000, 2, 103, 1), 0);
    assert_int_equal(hit(&t, "10.0.0.3", d, 40000, 3, 104, 1), 1);
    /* by destination, distinct source ports */
    assert_int_equal(hit(&t, "10.0.1.1", "10.8.8.8", 1000, 80, 0, 2), 0);
    assert_int_equal(hit(&t, "10.0.1.2", "10.8.8.8", 1000, 80, 0, 2), 0);   /* same port */
    assert_int_equal(hit(&t, "10.0.1.3", "10.8.8.8", 1001, 80, 0, 2), 0);
    assert_int_equal(hit(&t, "10.0.1.3", "10.8.8.8", 1002, 80, 0, 2), 1);
    rt_free(&t);
}

static void test_unique_hosts(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t, "alert ip any any -> any any (msg:\"host sweep\"; content:\"hit\"; detection_filter:track by_src, "
             "count 2, seconds 10, unique_on dst_ip; sid:1;)\n"
             "alert ip any any -> any any (msg:\"reflection\"; content:\"hit\"; detection_filter:track by_dst, "
             "count 2, seconds 10, unique_on src_ip; sid:2;)\n");
    const char *s = "10.0.0.1";
    assert_int_equal(hit(&t, s, "10.9.0.1", 1, 80, 0, 1), 0);
    assert_int_equal(hit(&t, s, "10.9.0.2", 1, 80, 1, 1), 0);
    assert_int_equal(hit(&t, s, "10.9.0.1", 1, 80, 2, 1), 0);
    assert_int_equal(hit(&t, s, "10.9.0.3", 1, 80, 3, 1), 1);
    /* an IPv6 host is a distinct value too, even with the same leading bytes */
    assert_int_equal(hit(&t, "2001:db8::1", "2001:db8::10", 1, 80, 0, 1), 0);
    assert_int_equal(hit(&t, "2001:db8::1", "2001:db8::11", 1, 80, 0, 1), 0);
    assert_int_equal(hit(&t, "2001:db8::1", "2001:db8::10", 1, 80, 0, 1), 0);
    assert_int_equal(hit(&t, "2001:db8::1", "2001:db8::12", 1, 80, 0, 1), 1);
    /* many reflectors answering one victim */
    assert_int_equal(hit(&t, "192.0.2.1", "10.7.7.7", 53, 4444, 0, 2), 0);
    assert_int_equal(hit(&t, "192.0.2.2", "10.7.7.7", 53, 4444, 0, 2), 0);
    assert_int_equal(hit(&t, "192.0.2.3", "10.7.7.7", 53, 4444, 0, 2), 1);
    assert_int_equal(hit(&t, "192.0.2.3", "10.7.7.7", 53, 4444, 11, 2), 0);   /* new window */
    rt_free(&t);
}

/* A rule with only a header, a flow direction and a threshold (a flood) runs
 * on every packet, as in Suricata: the threshold counts packets, also within
 * one flow, and only of the rule's direction. Its keywords are evaluated once
 * per flow direction (the verdict is kept), which must not change that. */
static void test_flood_counts_packets(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t, "alert udp any any -> 10.0.0.0/8 any (flow:to_server; threshold:type threshold, "
             "track by_dst, count 3, seconds 10; sid:1;)\n"
             "alert udp 10.0.0.0/8 any -> any any (flow:to_server; threshold:type threshold, "
             "track by_src, count 3, seconds 10; sid:2;)\n");
    struct flow f;
    rt_mkflow(&f, "203.0.113.1", 5000, "10.0.0.9", 53, IPPROTO_NUM_UDP);
    rt_reset_alerts(&t);
    for (int i = 0; i < 7; i++) {
        rt_send(&t, &f, TS, "q", SEC);
        rt_send(&t, &f, TC, "r", SEC);   /* the other direction does not count */
    }
    assert_int_equal(rt_count(&t, 1), 2);   /* packets 3 and 6 */
    assert_int_equal(rt_count(&t, 2), 0);   /* the client is not in 10/8 */
    rt_flow_done(&f);
    /* the verdict belongs to the flow: a flow the other way round */
    rt_mkflow(&f, "10.0.0.9", 5000, "203.0.113.1", 53, IPPROTO_NUM_UDP);
    rt_reset_alerts(&t);
    for (int i = 0; i < 3; i++)
        rt_send(&t, &f, TS, "q", SEC);
    assert_int_equal(rt_count(&t, 1), 0);
    assert_int_equal(rt_count(&t, 2), 1);
    rt_flow_done(&f);
    rt_free(&t);
}

static void test_side_effects_and_cap(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t, "alert tcp any any -> any any (content:\"A\"; flowbits:set,seen; detection_filter:track by_src, "
             "count 5, seconds 60; sid:1;)\n"
             "alert tcp any any -> any any (content:\"B\"; flowbits:isset,seen; sid:2;)\n");
    struct flow f;
    rt_mkflow(&f, "10.0.0.1", 1, "10.0.0.2", 2, IPPROTO_NUM_TCP);
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "A", SEC);
    assert_int_equal(rt_count(&t, 1), 0);   /* suppressed ... */
    rt_send(&t, &f, TS, "B", SEC);
    assert_int_equal(rt_count(&t, 2), 1);   /* ... but the flowbit was set */
    rt_flow_done(&f);

    /* at most 2 keys: a third source is not tracked until a window expires */
    config_add(&t.cfg, "detect.thresholds.max-entries", "2", "test", 9);
    load(&t, "alert tcp any any -> any any (content:\"hit\"; threshold:type limit, track by_src, "
             "count 1, seconds 10; sid:1;)\n");
    assert_int_equal(h(&t, "10.0.0.1", 0, 1), 1);
    assert_int_equal(h(&t, "10.0.0.2", 0, 1), 1);
    assert_int_equal(h(&t, "10.0.0.3", 1, 1), 0);
    assert_int_equal(detect_engine_stats(t.e)->thr_untracked, 1);
    assert_int_equal(h(&t, "10.0.0.3", 11, 1), 1);   /* the old windows expired and were dropped */
    assert_int_equal(h(&t, "10.0.0.3", 12, 1), 0);
    rt_free(&t);
}

/* The table grows (its slots by realloc, its buckets by rehashing) while keys are
 * added. A rehash must never see a fresh slot's garbage: the heap is dirtied first
 * so that realloc hands back old bytes, as in a long-running sensor. Every key must
 * be found again afterwards. */
static void test_growth(void **state)
{
    (void)state;
    mallopt(M_MMAP_THRESHOLD, 64 << 20);
    for (size_t size = 64 << 10; size <= (4 << 20); size *= 2) {
        void *junk = malloc(size);
        assert_non_null(junk);
        memset(junk, 0xa5, size);
        free(junk);
    }
    struct rt t;
    rt_init(&t);
    load(&t, "alert tcp any any -> any any (content:\"hit\"; threshold:type limit, track by_src, "
             "count 1, seconds 600; sid:1;)\n");
    char src[32];
    for (int round = 0; round < 2; round++) {
        for (int i = 0; i < 5000; i++) {
            snprintf(src, sizeof(src), "10.%d.%d.1", i / 250, i % 250);
            assert_int_equal(h(&t, src, 1 + round, 1), round == 0);   /* new key alerts, known one not */
        }
    }
    rt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_limit),
        cmocka_unit_test(test_threshold_type),
        cmocka_unit_test(test_both),
        cmocka_unit_test(test_detection_filter),
        cmocka_unit_test(test_tracks),
        cmocka_unit_test(test_unique_ports),
        cmocka_unit_test(test_unique_hosts),
        cmocka_unit_test(test_flood_counts_packets),
        cmocka_unit_test(test_side_effects_and_cap),
        cmocka_unit_test(test_growth),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
