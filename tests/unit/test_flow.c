/* test_flow.c - the flow table: keys, orientation, TCP state, timeouts,
 * active timeout, TCP port reuse, memory cap with emergency mode and eviction. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "flow.h"

#define SEC ICTW_USEC_PER_SEC

struct ended {
    struct flow copy[64];
    enum flow_end_reason reason[64];
    int n, released;
};

static void on_end(void *arg, struct flow *f, enum flow_end_reason r)
{
    struct ended *e = arg;
    if (e->n < 64) {
        e->copy[e->n] = *f;
        e->reason[e->n] = r;
    }
    e->n++;
}

static void on_release(void *arg, struct flow *f)
{
    (void)f;
    ((struct ended *)arg)->released++;
}

static struct packet pkt(const char *src, uint16_t sport, const char *dst, uint16_t dport,
                         uint8_t proto, uint8_t flags, ictw_usec ts)
{
    struct packet p;
    memset(&p, 0, sizeof(p));
    assert_int_equal(ictw_addr_parse(src, &p.src), 0);
    assert_int_equal(ictw_addr_parse(dst, &p.dst), 0);
    p.ip_version = p.src.family;
    p.sport = sport;
    p.dport = dport;
    p.proto = proto;
    p.tcp_flags = flags;
    p.ts = ts;
    p.wire_len = 100;
    return p;
}

static struct flow_table *table(struct ended *e, void (*tweak)(struct flow_config *))
{
    struct flow_config c;
    flow_config_defaults(&c);
    c.hash_size = 1024;
    if (tweak)
        tweak(&c);
    memset(e, 0, sizeof(*e));
    struct flow_table *t = flow_table_new(&c, on_end, on_release, e);
    assert_non_null(t);
    return t;
}

static struct flow *feed(struct flow_table *t, struct packet p, int *dir)
{
    bool created;
    int d;
    struct flow *f = flow_table_update(t, &p, dir ? dir : &d, &created);
    assert_non_null(f);
    return f;
}

static void test_both_directions_share_one_flow(void **state)
{
    (void)state;
    struct ended e;
    struct flow_table *t = table(&e, NULL);
    int d1, d2;
    struct flow *a = feed(t, pkt("10.0.0.1", 40000, "10.0.0.2", 80, 6, TCP_SYN, 1 * SEC), &d1);
    struct flow *b = feed(t, pkt("10.0.0.2", 80, "10.0.0.1", 40000, 6, TCP_SYN | TCP_ACK, 1 * SEC + 10), &d2);
    assert_ptr_equal(a, b);
    assert_int_equal(d1, FLOW_TOSERVER);
    assert_int_equal(d2, FLOW_TOCLIENT);
    assert_int_equal(a->pkts[FLOW_TOSERVER], 1);
    assert_int_equal(a->pkts[FLOW_TOCLIENT], 1);
    assert_int_equal(a->bytes[FLOW_TOCLIENT], 100);
    assert_int_equal(flow_table_stats(t)->created, 1);
    flow_table_free(t);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.reason[0], FLOW_END_SHUTDOWN);
    assert_int_equal(e.released, 1);
}

static void test_tcp_client_is_syn_sender(void **state)
{
    (void)state;
    struct ended e;
    struct flow_table *t = table(&e, NULL);
    struct flow *f = feed(t, pkt("192.0.2.9", 80, "192.0.2.1", 5555, 6, TCP_SYN | TCP_ACK, SEC), NULL);
    /* A SYN+ACK seen first: its receiver is the client. */
    char buf[64];
    assert_string_equal(ictw_addr_format(&f->cli, buf, sizeof(buf)), "192.0.2.1");
    assert_int_equal(f->cli_port, 5555);
    assert_int_equal(f->srv_port, 80);
    struct flow *g = feed(t, pkt("192.0.2.7", 1234, "192.0.2.8", 22, 6, TCP_SYN, SEC), NULL);
    assert_string_equal(ictw_addr_format(&g->cli, buf, sizeof(buf)), "192.0.2.7");
    /* UDP: the first sender is the client, whatever the ports. */
    struct flow *u = feed(t, pkt("192.0.2.53", 53, "192.0.2.5", 33000, 17, 0, SEC), NULL);
    assert_string_equal(ictw_addr_format(&u->cli, buf, sizeof(buf)), "192.0.2.53");
    flow_table_free(t);
}

static void test_tcp_state_machine(void **state)
{
    (void)state;
    struct ended e;
    struct flow_table *t = table(&e, NULL);
    struct flow *f = feed(t, pkt("10.1.1.1", 1000, "10.1.1.2", 443, 6, TCP_SYN, SEC), NULL);
    assert_int_equal(f->state, FLOW_STATE_NEW);
    feed(t, pkt("10.1.1.2", 443, "10.1.1.1", 1000, 6, TCP_SYN | TCP_ACK, SEC), NULL);
    assert_int_equal(f->state, FLOW_STATE_NEW);
    feed(t, pkt("10.1.1.1", 1000, "10.1.1.2", 443, 6, TCP_ACK, SEC), NULL);
    assert_int_equal(f->state, FLOW_STATE_ESTABLISHED);
    feed(t, pkt("10.1.1.1", 1000, "10.1.1.2", 443, 6, TCP_FIN | TCP_ACK, SEC), NULL);
    assert_int_equal(f->state, FLOW_STATE_ESTABLISHED);
    feed(t, pkt("10.1.1.2", 443, "10.1.1.1", 1000, 6, TCP_FIN | TCP_ACK, SEC), NULL);
    assert_int_equal(f->state, FLOW_STATE_CLOSED);
    assert_int_equal(f->tcp_flags[FLOW_TOSERVER], TCP_SYN | TCP_ACK | TCP_FIN);

    struct flow *r = feed(t, pkt("10.1.1.3", 1000, "10.1.1.4", 443, 6, TCP_SYN, SEC), NULL);
    feed(t, pkt("10.1.1.4", 443, "10.1.1.3", 1000, 6, TCP_RST | TCP_ACK, SEC), NULL);
    assert_int_equal(r->state, FLOW_STATE_CLOSED);

    /* Mid-stream pickup: data both ways without a handshake. */
    struct flow *m = feed(t, pkt("10.1.1.5", 2000, "10.1.1.6", 80, 6, TCP_ACK | TCP_PSH, SEC), NULL);
    assert_int_equal(m->state, FLOW_STATE_NEW);
    feed(t, pkt("10.1.1.6", 80, "10.1.1.5", 2000, 6, TCP_ACK, SEC), NULL);
    assert_int_equal(m->state, FLOW_STATE_ESTABLISHED);
    assert_true(m->flags & FLOW_F_MIDSTREAM);

    /* UDP is established once both sides spoke. */
    struct flow *u = feed(t, pkt("10.1.1.7", 5000, "10.1.1.8", 53, 17, 0, SEC), NULL);
    assert_int_equal(u->state, FLOW_STATE_NEW);
    feed(t, pkt("10.1.1.8", 53, "10.1.1.7", 5000, 17, 0, SEC), NULL);
    assert_int_equal(u->state, FLOW_STATE_ESTABLISHED);
    flow_table_free(t);
}

static void test_key_separates_vlan_and_tunnel(void **state)
{
    (void)state;
    struct ended e;
    struct flow_table *t = table(&e, NULL);
    struct packet p = pkt("10.0.0.1", 1, "10.0.0.2", 2, 17, 0, SEC);
    struct flow *a = feed(t, p, NULL);
    p.vlan[0] = 100;
    p.vlan_count = 1;
    struct flow *b = feed(t, p, NULL);
    p.vlan_count = 0;
    p.tunnel.type = TUNNEL_VXLAN;
    p.tunnel.id = 42;
    struct flow *c = feed(t, p, NULL);
    p.tunnel.id = 43;
    struct flow *d = feed(t, p, NULL);
    assert_true(a != b && a != c && b != c && c != d);
    assert_int_equal(flow_table_stats(t)->created, 4);
    assert_int_equal(c->tunnel.id, 42);
    flow_table_free(t);
}

static void test_idle_timeouts_per_protocol_and_state(void **state)
{
    (void)state;
    struct ended e;
    struct flow_table *t = table(&e, NULL);
    feed(t, pkt("10.0.0.1", 1000, "10.0.0.2", 53, 17, 0, 100 * SEC), NULL);   /* udp new: 30 s */
    feed(t, pkt("10.0.0.3", 1000, "10.0.0.4", 80, 6, TCP_SYN, 100 * SEC), NULL); /* tcp new: 60 s */
    flow_table_expire(t, 129 * SEC);
    assert_int_equal(e.n, 0);
    flow_table_expire(t, 130 * SEC);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.copy[0].key.proto, 17);
    assert_int_equal(e.reason[0], FLOW_END_TIMEOUT);
    flow_table_expire(t, 159 * SEC);
    assert_int_equal(e.n, 1);
    flow_table_expire(t, 160 * SEC);
    assert_int_equal(e.n, 2);
    assert_int_equal(flow_table_stats(t)->timeouts, 2);
    assert_int_equal(flow_table_stats(t)->active, 0);
    flow_table_free(t);
}

static void test_recent_packet_keeps_flow_alive(void **state)
{
    (void)state;
    struct ended e;
    struct flow_table *t = table(&e, NULL);
    feed(t, pkt("10.0.0.1", 1000, "10.0.0.2", 53, 17, 0, 100 * SEC), NULL);
    feed(t, pkt("10.0.0.2", 53, "10.0.0.1", 1000, 17, 0, 120 * SEC), NULL); /* now established: 300 s */
    flow_table_expire(t, 410 * SEC);
    assert_int_equal(e.n, 0);
    flow_table_expire(t, 420 * SEC);
    assert_int_equal(e.n, 1);
    flow_table_free(t);
}

static void time_goes_back_is_harmless_tweak(struct flow_config *c) { c->active_timeout = 0; }

static void test_clock_never_goes_back(void **state)
{
    (void)state;
    struct ended e;
    struct flow_table *t = table(&e, time_goes_back_is_harmless_tweak);
    feed(t, pkt("10.0.0.1", 1, "10.0.0.2", 2, 17, 0, 1000 * SEC), NULL);
    /* A second file from an earlier time: its flow must not expire the first early. */
    feed(t, pkt("10.0.0.3", 1, "10.0.0.4", 2, 17, 0, 10 * SEC), NULL);
    flow_table_expire(t, 20 * SEC);
    assert_int_equal(e.n, 0);
    flow_table_expire(t, 1030 * SEC);
    assert_int_equal(e.n, 2);
    flow_table_free(t);
}

static void short_active(struct flow_config *c) { c->active_timeout = 60; }

static void test_active_timeout_writes_and_restarts_counters(void **state)
{
    (void)state;
    struct ended e;
    struct flow_table *t = table(&e, short_active);
    for (int i = 0; i < 70; i++)
        feed(t, pkt("10.0.0.1", 1000, "10.0.0.2", 80, 6, TCP_ACK, (ictw_usec)(100 + i) * SEC), NULL);
    /* Packets at 100..169 s: the one at 160 s crossed the 60 s active timeout. */
    assert_int_equal(e.n, 1);
    assert_int_equal(e.reason[0], FLOW_END_ACTIVE_TIMEOUT);
    assert_int_equal(e.copy[0].pkts[FLOW_TOSERVER], 60);
    assert_int_equal(flow_table_stats(t)->active, 1);
    flow_table_free(t);
    assert_int_equal(e.n, 2);
    assert_int_equal(e.copy[1].pkts[FLOW_TOSERVER], 10);
}

static void test_tcp_port_reuse_starts_new_flow(void **state)
{
    (void)state;
    struct ended e;
    struct flow_table *t = table(&e, NULL);
    feed(t, pkt("10.0.0.1", 1000, "10.0.0.2", 80, 6, TCP_SYN, SEC), NULL);
    feed(t, pkt("10.0.0.2", 80, "10.0.0.1", 1000, 6, TCP_RST | TCP_ACK, SEC), NULL);
    feed(t, pkt("10.0.0.1", 1000, "10.0.0.2", 80, 6, TCP_SYN, 2 * SEC), NULL);
    assert_int_equal(e.n, 1);
    assert_int_equal(e.reason[0], FLOW_END_TCP_REUSE);
    assert_int_equal(flow_table_stats(t)->created, 2);
    flow_table_free(t);
}

static void tiny_memcap(struct flow_config *c)
{
    /* Room for the bucket array plus exactly 10 flows. */
    c->memcap = 1024 * sizeof(struct flow *) + 10 * sizeof(struct flow);
}

static void test_memcap_emergency_then_eviction(void **state)
{
    (void)state;
    struct ended e;
    struct flow_table *t = table(&e, tiny_memcap);
    char ip[32];
    for (int i = 0; i < 10; i++) {
        snprintf(ip, sizeof(ip), "10.9.0.%d", i + 1);
        feed(t, pkt(ip, 1000, "10.9.9.9", 80, 6, TCP_SYN, (ictw_usec)(100 + i) * SEC), NULL);
    }
    assert_int_equal(e.n, 0);
    assert_false(flow_table_emergency(t));
    /* The 11th flow, 20 s later: emergency timeouts (tcp new: 10 s) free the
     * flows idle for 10 s or more, no eviction needed. */
    feed(t, pkt("10.9.1.1", 1000, "10.9.9.9", 80, 6, TCP_SYN, 115 * SEC), NULL);
    assert_true(flow_table_emergency(t));
    assert_int_equal(flow_table_stats(t)->emergency_entered, 1);
    assert_int_equal(flow_table_stats(t)->evicted, 0);
    assert_int_equal(e.n, 6); /* flows of 100..105 s */
    /* Fill up again at the same instant: now the oldest must be evicted. */
    for (int i = 0; i < 8; i++) {
        snprintf(ip, sizeof(ip), "10.9.2.%d", i + 1);
        feed(t, pkt(ip, 1000, "10.9.9.9", 80, 6, TCP_SYN, 115 * SEC), NULL);
    }
    assert_true(flow_table_stats(t)->evicted >= 3);
    assert_int_equal(e.reason[e.n - 1], FLOW_END_FORCED);
    /* The evicted flows were the least recently seen: 106..109 s first. */
    assert_int_equal(e.copy[6].first_seen, 106 * SEC);
    assert_true(flow_table_stats(t)->memuse <= 1024 * sizeof(struct flow *) + 10 * sizeof(struct flow));
    /* Once usage drops, emergency mode ends. */
    flow_table_expire(t, 1000 * SEC);
    assert_false(flow_table_emergency(t));
    flow_table_free(t);
}

static void test_accounting_follows_flow(void **state)
{
    (void)state;
    struct ended e;
    struct flow_table *t = table(&e, NULL);
    uint64_t base = flow_table_stats(t)->memuse;
    struct flow *f = feed(t, pkt("10.0.0.1", 1, "10.0.0.2", 2, 17, 0, SEC), NULL);
    flow_table_account(t, f, 1000);
    assert_int_equal(flow_table_stats(t)->memuse, base + sizeof(struct flow) + 1000);
    flow_table_account(t, f, -400);
    assert_int_equal(flow_table_stats(t)->memuse, base + sizeof(struct flow) + 600);
    flow_table_flush(t, FLOW_END_SHUTDOWN);
    assert_int_equal(flow_table_stats(t)->memuse, base);
    flow_table_free(t);
}

static void test_flow_id_stable_and_51_bits(void **state)
{
    (void)state;
    struct ended e;
    struct flow_table *t = table(&e, NULL);
    struct flow *f = feed(t, pkt("2001:db8::1", 5, "2001:db8::2", 6, 17, 0, 1700000000 * SEC + 123456), NULL);
    assert_true(f->flow_id < (1ULL << 51));
    uint64_t id = f->flow_id;
    feed(t, pkt("2001:db8::2", 6, "2001:db8::1", 5, 17, 0, 1700000001 * SEC), NULL);
    assert_int_equal(f->flow_id, id);
    flow_table_free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_directions_share_one_flow),
        cmocka_unit_test(test_tcp_client_is_syn_sender),
        cmocka_unit_test(test_tcp_state_machine),
        cmocka_unit_test(test_key_separates_vlan_and_tunnel),
        cmocka_unit_test(test_idle_timeouts_per_protocol_and_state),
        cmocka_unit_test(test_recent_packet_keeps_flow_alive),
        cmocka_unit_test(test_clock_never_goes_back),
        cmocka_unit_test(test_active_timeout_writes_and_restarts_counters),
        cmocka_unit_test(test_tcp_port_reuse_starts_new_flow),
        cmocka_unit_test(test_memcap_emergency_then_eviction),
        cmocka_unit_test(test_accounting_follows_flow),
        cmocka_unit_test(test_flow_id_stable_and_51_bits),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
