/* test_rule_reload.c - SIGHUP reloads: the new engine is built by a thread
 * and swapped in between packets; live flows keep their flowbits, fired
 * flow rules and by_flow thresholds, and the threshold table moves over; a
 * reload that fails keeps the old rules; a second reload while one runs is
 * refused; freeing during a build does not leak. */
#include "rule_testutil.h"

#include <time.h>

#define TS FLOW_TOSERVER

static enum detect_reload_status wait_reload(struct detect_thread *th, struct detect_engine **e,
                                             struct detect_load_report *r)
{
    for (int i = 0; i < 20000; i++) {
        enum detect_reload_status st = detect_reload_poll(th, e, r);
        if (st != DETECT_RELOAD_RUNNING)
            return st;
        struct timespec ts = {0, 1000000};
        nanosleep(&ts, NULL);
    }
    fail_msg("reload did not finish");
    return DETECT_RELOAD_IDLE;
}

static const char RULES_A[] =
    "alert tcp any any -> any any (content:\"LOGIN\"; flowbits:set,auth; noalert; sid:1;)\n"
    "alert tcp any any -> any any (content:\"GET\"; flowbits:isset,auth; sid:2;)\n"
    "alert tcp any any -> any any (content:\"ping\"; threshold:type limit, track by_src, count 1, seconds 60; sid:3;)\n"
    "alert ip any any -> any any (ndpi-protocol:HTTP; sid:4;)\n"
    "alert tcp any any -> any any (content:\"tick\"; threshold:type limit, track by_flow, count 1, seconds 60; sid:5;)\n"
    "alert tcp any any -> 203.0.113.0/24 any (flow:to_server; sid:6;)\n";

/* B: same sids in another order, other flowbit names first (new ids), new rules. */
static const char RULES_B[] =
    "alert tcp any any -> any any (content:\"X\"; flowbits:set,zzz; flowbits:set,yyy; noalert; sid:10;)\n"
    "alert tcp any any -> any any (content:\"tick\"; threshold:type limit, track by_flow, count 1, seconds 60; sid:5;)\n"
    "alert ip any any -> any any (ndpi-protocol:HTTP; sid:4;)\n"
    "alert tcp any any -> any any (content:\"ping\"; threshold:type limit, track by_src, count 1, seconds 60; sid:3;)\n"
    "alert tcp any any -> any any (content:\"GET\"; flowbits:isset,auth; sid:2;)\n"
    "alert tcp any any -> any any (content:\"new\"; sid:11;)\n"
    "alert tcp any any -> 198.51.100.0/24 any (flow:to_server; sid:6;)\n";

static void test_reload_swaps_and_keeps_flow_state(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    assert_non_null(rt_load_text(&t, RULES_A));
    struct flow f;
    rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.5", 80, IPPROTO_NUM_TCP);
    f.dpi.master_proto = (uint16_t)rt_proto(&t, "HTTP");
    f.dpi.classified = 1;
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "LOGIN bob", SEC);
    rt_send(&t, &f, TS, "ping", SEC);
    rt_send(&t, &f, TS, "tick", SEC);
    assert_int_equal(rt_count(&t, 4), 1);
    assert_int_equal(rt_count(&t, 3), 1);
    assert_int_equal(rt_count(&t, 5), 1);
    assert_int_equal(rt_count(&t, 6), 3);   /* every packet (its verdict is kept per direction) */
    uint64_t alerts_before = detect_engine_stats(t.e)->alerts;

    rt_write(&t, "test.rules", RULES_B);
    struct detect_thread *th = detect_reload_new(&t.lg);
    assert_non_null(th);
    struct detect_engine *old = t.e;
    struct detect_load_opts o = {&t.cfg, &t.lg, t.dpi, false};
    assert_int_equal(detect_reload_start(th, &o, t.e), 0);
    /* a second request before the first was swapped in is refused */
    assert_int_equal(detect_reload_start(th, &o, t.e), -1);
    /* packets keep flowing on the old engine meanwhile */
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "GET /", SEC);
    assert_int_equal(rt_count(&t, 2), 1);
    struct detect_load_report rep;
    assert_int_equal(wait_reload(th, &t.e, &rep), DETECT_RELOAD_SWAPPED);
    assert_ptr_not_equal(t.e, old);
    assert_int_equal(rep.loaded, 7);
    assert_int_equal(detect_engine_rule_count(t.e), 7);
    assert_true(detect_engine_stats(t.e)->alerts >= alerts_before);
    assert_int_equal(detect_reload_poll(th, &t.e, NULL), DETECT_RELOAD_IDLE);

    /* flowbit "auth" set under the old engine still reads as set */
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "GET /again", 2 * SEC);
    assert_int_equal(rt_count(&t, 2), 1);
    assert_int_equal(rt_count(&t, 6), 0);   /* the kept verdict went with the old rules */
    /* sid 4 already fired on this flow: it does not fire again */
    f.dpi.risk = 1;   /* a change that makes nDPI rules run again */
    rt_send(&t, &f, TS, "x", 2 * SEC);
    assert_int_equal(rt_count(&t, 4), 0);
    /* thresholds: the by_src window and the by_flow counter carried over */
    rt_send(&t, &f, TS, "ping", 3 * SEC);
    rt_send(&t, &f, TS, "tick", 3 * SEC);
    assert_int_equal(rt_count(&t, 3), 0);
    assert_int_equal(rt_count(&t, 5), 0);
    rt_send(&t, &f, TS, "new", 3 * SEC);
    assert_int_equal(rt_count(&t, 11), 1);
    rt_flow_done(&f);

    /* a new flow on the new engine behaves normally */
    rt_mkflow(&f, "10.0.0.2", 40000, "203.0.113.5", 80, IPPROTO_NUM_TCP);
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "GET /", SEC);
    assert_int_equal(rt_count(&t, 2), 0);
    rt_send(&t, &f, TS, "LOGIN", SEC);
    assert_int_equal(t.nalerts, 0);   /* no rule sets auth any more */
    rt_send(&t, &f, TS, "X", SEC);
    rt_flow_done(&f);
    detect_reload_free(th);
    rt_free(&t);
}

static void test_failed_reload_keeps_rules(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    config_add(&t.cfg, "strict-rules", "yes", "test", 3);
    assert_non_null(rt_load_text(&t, RULES_A));
    struct detect_engine *before = t.e;
    rt_write(&t, "test.rules", "alert tcp any any -> any any (sid:1; bogus;)\n");
    struct detect_thread *th = detect_reload_new(&t.lg);
    struct detect_load_opts o = {&t.cfg, &t.lg, t.dpi, false};
    struct detect_load_report rep;

    fflush(stderr);
    int saved = dup(2);
    int fd = open(rt_path(&t, "err.txt"), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    assert_int_equal(detect_reload_start(th, &o, t.e), 0);
    enum detect_reload_status st = wait_reload(th, &t.e, &rep);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    assert_int_equal(st, DETECT_RELOAD_FAILED);
    assert_ptr_equal(t.e, before);
    assert_int_equal(rep.failed, 1);
    FILE *f = fopen(rt_path(&t, "err.txt"), "r");
    char buf[4096];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    assert_non_null(strstr(buf, "test.rules:1: unknown keyword 'bogus'"));
    assert_non_null(strstr(buf, "rule reload failed: keeping the 6 rules loaded before"));

    /* the old rules still work */
    struct flow fl;
    rt_mkflow(&fl, "10.0.0.1", 40000, "203.0.113.5", 80, IPPROTO_NUM_TCP);
    rt_reset_alerts(&t);
    rt_send(&t, &fl, TS, "ping", SEC);
    assert_int_equal(rt_count(&t, 3), 1);
    rt_flow_done(&fl);

    /* free while a build is running: the built engine is discarded */
    rt_write(&t, "test.rules", RULES_B);
    assert_int_equal(detect_reload_start(th, &o, t.e), 0);
    detect_reload_free(th);
    assert_ptr_equal(t.e, before);
    rt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reload_swaps_and_keeps_flow_state),
        cmocka_unit_test(test_failed_reload_keeps_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
