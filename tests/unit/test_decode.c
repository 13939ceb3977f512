/* test_decode.c - the packet decoder, path by path, on hand-built packets.
 *
 * Every test builds its packet with pktbuild.h, decodes it whole and checks
 * the fields, then sweeps: the packet is decoded cut at every length from 0
 * to full, from an exactly-sized heap copy (so ASan catches any read past
 * the capture), both as cut by the snap length (wire_len = full) and as a
 * frame really that short on the wire. Each cut must give the reason of the
 * header it falls in (or DECODE_OK with PKT_TRUNCATED when only payload is
 * missing), with that reason's counter at 1.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "defrag.h"
#include "pktbuild.h"

enum { L_NULL = 0, L_EN10MB = 1, L_PPP = 9, L_RAW = 12, L_RAW14 = 14, L_PPP_SERIAL = 50,
       L_RAW101 = 101, L_C_HDLC = 104, L_LOOP = 108, L_SLL = 113, L_IPV4 = 228, L_IPV6 = 229,
       L_PPI = 192, L_SLL2 = 276 };

enum { SNAPPED = 1, SHORT = 2, BOTH = 3 };

#define V4A "192.0.2.1"
#define V4B "198.51.100.2"
#define V6A "2001:db8::1"
#define V6B "2001:db8::2"

/* ---- harness ---- */

static void check_inside(const char *what, uint32_t cut, const uint8_t *buf, uint32_t caplen,
                         const uint8_t *p, uint32_t len)
{
    if (!p) {
        if (len)
            fail_msg("cut %u: %s is NULL with length %u", cut, what, len);
        return;
    }
    if (p < buf || p > buf + caplen || len > (uint32_t)(buf + caplen - p))
        fail_msg("cut %u: %s [%td, +%u) outside the %u captured bytes", cut, what, p - buf, len, caplen);
}

/* Decodes pb cut at every length; see the file comment. */
static void sweep(int dlt, const struct pb *pb, int modes)
{
    for (int m = 0; m < 2; m++) {
        bool snapped = m == 0;
        if (!(modes & (snapped ? SNAPPED : SHORT)))
            continue;
        for (uint32_t c = 0; c <= pb->n; c++) {
            uint8_t *buf = malloc(c);
            if (c)
                memcpy(buf, pb->b, c);
            struct decode_ctx dc;
            memset(&dc, 0, sizeof(dc));
            struct packet pkt;
            memset(&pkt, 0, sizeof(pkt));
            pkt.wire_len = snapped ? pb->n : c;
            enum decode_error err = DECODE_ERR_COUNT;
            enum decode_result r = decode_packet(&dc, dlt, buf, c, &pkt, &err);
            enum decode_error want = pb_expected(pb, c, snapped);
            if (want == DECODE_ERR_NONE) {
                if (r != DECODE_OK)
                    fail_msg("%s cut at %u of %u: result %d (%s), want ok", snapped ? "snapped" : "short",
                             c, pb->n, r, r == DECODE_FAILED ? decode_error_names[err] : "-");
                bool trunc = snapped && c < pb->ip_end;
                if (!!(pkt.flags & PKT_TRUNCATED) != trunc)
                    fail_msg("cut at %u of %u: PKT_TRUNCATED is %d, want %d", c, pb->n,
                             !!(pkt.flags & PKT_TRUNCATED), trunc);
                check_inside("l3", c, buf, c, pkt.l3, pkt.l3_len);
                check_inside("l4", c, buf, c, pkt.l4, pkt.l4_len);
                check_inside("payload", c, buf, c, pkt.payload, pkt.payload_len);
                assert_int_equal(dc.stats.truncated, trunc);
            } else {
                if (r != DECODE_FAILED || err != want)
                    fail_msg("%s cut at %u of %u: result %d reason %s, want %s",
                             snapped ? "snapped" : "short", c, pb->n, r,
                             r == DECODE_FAILED ? decode_error_names[err] : "-", decode_error_names[want]);
                if (dc.stats.errors[want] != 1)
                    fail_msg("cut at %u: counter of %s is %llu", c, decode_error_names[want],
                             (unsigned long long)dc.stats.errors[want]);
            }
            free(buf);
        }
    }
}

static enum decode_result run(struct decode_ctx *dc, int dlt, const struct pb *pb, struct packet *pkt,
                              enum decode_error *err)
{
    memset(pkt, 0xa5, sizeof(*pkt));      /* the decoder must clear what it does not set */
    pkt->ts = 1700000000123456ULL;
    pkt->pcap_cnt = 7;
    pkt->wire_len = pb->n;
    enum decode_result r = decode_packet(dc, dlt, pb->b, pb->n, pkt, err);
    assert_int_equal(pkt->ts, 1700000000123456ULL);
    assert_int_equal(pkt->pcap_cnt, 7);
    assert_int_equal(pkt->wire_len, pb->n);
    assert_int_equal(pkt->cap_len, pb->n);
    assert_int_equal(pkt->datalink, dlt);
    return r;
}

/* Decodes the whole packet, which must be OK; counters go to *dc when given. */
static void decode_ok_ctx(struct decode_ctx *dc, int dlt, const struct pb *pb, struct packet *pkt)
{
    enum decode_error err = DECODE_ERR_COUNT;
    enum decode_result r = run(dc, dlt, pb, pkt, &err);
    if (r != DECODE_OK)
        fail_msg("result %d reason %s, want ok", r, r == DECODE_FAILED ? decode_error_names[err] : "-");
    assert_int_equal(err, DECODE_ERR_NONE);
}

static void decode_ok(int dlt, const struct pb *pb, struct packet *pkt)
{
    struct decode_ctx dc;
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, dlt, pb, pkt);
}

/* The whole packet must fail with `want`, counted once and nowhere else. */
static void decode_fails(int dlt, const struct pb *pb, enum decode_error want)
{
    struct decode_ctx dc;
    memset(&dc, 0, sizeof(dc));
    struct packet pkt;
    enum decode_error err = DECODE_ERR_COUNT;
    enum decode_result r = run(&dc, dlt, pb, &pkt, &err);
    if (r != DECODE_FAILED || err != want)
        fail_msg("result %d reason %s, want %s", r, r == DECODE_FAILED ? decode_error_names[err] : "-",
                 decode_error_names[want]);
    for (int i = 0; i < DECODE_ERR_COUNT; i++)
        assert_int_equal(dc.stats.errors[i], i == (int)want ? 1 : 0);
}

static void assert_addr(const struct ictw_addr *a, const char *text)
{
    struct ictw_addr want;
    pb_addr(text, &want);
    char got[ICTW_ADDR_STRLEN];
    if (!ictw_addr_equal(a, &want))
        fail_msg("address %s, want %s", ictw_addr_format_short(a, got, sizeof(got)), text);
}

static void assert_flow(const struct packet *p, int ipv, uint8_t proto, const char *src, const char *dst,
                        uint16_t sport, uint16_t dport)
{
    assert_int_equal(p->ip_version, ipv);
    assert_int_equal(p->proto, proto);
    assert_addr(&p->src, src);
    assert_addr(&p->dst, dst);
    assert_int_equal(p->sport, sport);
    assert_int_equal(p->dport, dport);
    assert_int_equal(!!(p->flags & PKT_HAS_PORTS), sport || dport);
}

static void assert_payload(const struct packet *p, const char *text)
{
    assert_int_equal(p->payload_len, strlen(text));
    assert_memory_equal(p->payload, text, strlen(text));
}

static void assert_tunnel(const struct packet *p, int type, int depth, int outer_proto, uint32_t id,
                          const char *osrc, const char *odst)
{
    assert_int_equal(p->tunnel.type, type);
    assert_int_equal(p->tunnel.depth, depth);
    assert_int_equal(p->tunnel.outer_proto, outer_proto);
    assert_int_equal(p->tunnel.id, id);
    assert_addr(&p->tunnel.outer_src, osrc);
    assert_addr(&p->tunnel.outer_dst, odst);
}

static void assert_no_tunnel(const struct packet *p)
{
    assert_int_equal(p->tunnel.type, TUNNEL_NONE);
    assert_int_equal(p->tunnel.depth, 0);
    assert_int_equal(p->tunnel.outer_src.family, 0);
}

/* The usual inner packet: IPv4 TCP 10.1.1.1:1234 -> 10.2.2.2:22 "SSH-2.0-x\r\n". */
static void pb_inner_tcp4(struct pb *pb)
{
    pb_ipv4(pb, IPPROTO_NUM_TCP, "10.1.1.1", "10.2.2.2");
    pb_tcp(pb, 1234, 22, TCP_ACK | TCP_PSH, 100, 200, 1000, 0);
    pb_text(pb, "SSH-2.0-x\r\n");
}

static void assert_inner_tcp4(const struct packet *p)
{
    assert_flow(p, 4, IPPROTO_NUM_TCP, "10.1.1.1", "10.2.2.2", 1234, 22);
    assert_payload(p, "SSH-2.0-x\r\n");
}

/* ---- tables ---- */

static void test_names_and_link_table(void **state)
{
    (void)state;
    for (int i = 0; i < DECODE_ERR_COUNT; i++) {
        assert_non_null(decode_error_names[i]);
        for (int j = 0; j < i; j++)
            assert_string_not_equal(decode_error_names[i], decode_error_names[j]);
    }
    int yes[] = { 0, 1, 9, 12, 14, 50, 101, 104, 108, 113, 192, 228, 229, 276 };
    for (size_t i = 0; i < ICTW_ARRAY_LEN(yes); i++)
        assert_true(decode_link_supported(yes[i]));
    int no[] = { 6, 105, 127, 147, 220, -1 };
    for (size_t i = 0; i < ICTW_ARRAY_LEN(no); i++)
        assert_false(decode_link_supported(no[i]));
    assert_string_equal(decode_tunnel_name(TUNNEL_GRE), "gre");
    assert_string_equal(decode_tunnel_name(TUNNEL_VXLAN), "vxlan");
    assert_string_equal(decode_tunnel_name(TUNNEL_GTPU), "gtp-u");
    assert_string_equal(decode_tunnel_name(TUNNEL_IPIP), "ipip");
    assert_string_equal(decode_tunnel_name(TUNNEL_TEREDO), "teredo");
    assert_string_equal(decode_tunnel_name(99), "unknown");
}

static void test_unsupported_link(void **state)
{
    (void)state;
    struct pb pb;
    pb_init(&pb);
    pb_put(&pb, "\x01\x02\x03\x04", 4);
    decode_fails(147, &pb, DECODE_ERR_UNSUPPORTED_LINK);
    pb_init(&pb);
    decode_fails(147, &pb, DECODE_ERR_UNSUPPORTED_LINK);
}

/* ---- link layers ---- */

static void test_ppi(void **state)
{
    (void)state;
    struct pb pb;
    struct packet p;

    /* the bare 8-byte header, Ethernet inside */
    pb_init(&pb);
    pb_ppi(&pb, 8, L_EN10MB);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, IPPROTO_NUM_UDP, V4A, V4B);
    pb_udp(&pb, 30490, 30490);
    pb_text(&pb, "someip");
    pb_done(&pb);
    decode_ok(L_PPI, &pb, &p);
    assert_flow(&p, 4, IPPROTO_NUM_UDP, V4A, V4B, 30490, 30490);
    assert_ptr_equal(p.l3, pb.b + 8 + 14);
    assert_payload(&p, "someip");
    sweep(L_PPI, &pb, BOTH);

    /* a header with a field (24 bytes), raw IPv6 inside */
    pb_init(&pb);
    pb_ppi(&pb, 24, L_RAW101);
    pb_layer(&pb, 1, DECODE_ERR_LINK_TRUNCATED);   /* raw IP needs the version nibble */
    pb_ipv6(&pb, IPPROTO_NUM_TCP, V6A, V6B);
    pb_tcp(&pb, 50000, 443, TCP_SYN, 1, 0, 65535, 0);
    pb_done(&pb);
    decode_ok(L_PPI, &pb, &p);
    assert_flow(&p, 6, IPPROTO_NUM_TCP, V6A, V6B, 50000, 443);
    assert_ptr_equal(p.l3, pb.b + 24);
    sweep(L_PPI, &pb, BOTH);

    /* what is refused: another version, PPI in PPI, an inner type we do not
     * decode, a header length below its fields or beyond the frame */
    static const struct { uint8_t version; uint16_t hlen; uint32_t dlt; enum decode_error want; } bad[] = {
        { 1, 8, L_EN10MB, DECODE_ERR_UNSUPPORTED_LINK },
        { 0, 8, L_PPI, DECODE_ERR_UNSUPPORTED_LINK },
        { 0, 8, 105, DECODE_ERR_UNSUPPORTED_LINK },
        { 0, 8, 0x10001, DECODE_ERR_UNSUPPORTED_LINK },
        { 0, 4, L_EN10MB, DECODE_ERR_LINK_TRUNCATED },
        { 0, 200, L_EN10MB, DECODE_ERR_LINK_TRUNCATED },
    };
    for (size_t i = 0; i < ICTW_ARRAY_LEN(bad); i++) {
        pb_init(&pb);
        uint8_t h[8] = { bad[i].version, 0 };
        h[2] = (uint8_t)bad[i].hlen;
        h[3] = (uint8_t)(bad[i].hlen >> 8);
        for (int k = 0; k < 4; k++)
            h[4 + k] = (uint8_t)(bad[i].dlt >> (8 * k));
        pb_put(&pb, h, 8);
        pb_eth(&pb, 0x0800);
        pb_ipv4(&pb, IPPROTO_NUM_UDP, V4A, V4B);
        pb_udp(&pb, 1, 2);
        pb_done(&pb);
        decode_fails(L_PPI, &pb, bad[i].want);
    }
}

static void test_ethernet_tcp(void **state)
{
    (void)state;
    struct pb pb;
    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, IPPROTO_NUM_TCP, V4A, V4B);
    pb_tcp(&pb, 40000, 80, TCP_PSH | TCP_ACK, 1000, 2000, 512, 12);
    pb_text(&pb, "GET / HTTP/1.0\r\n\r\n");
    pb_done(&pb);

    struct decode_ctx dc;
    memset(&dc, 0, sizeof(dc));
    struct packet p;
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_flow(&p, 4, IPPROTO_NUM_TCP, V4A, V4B, 40000, 80);
    assert_int_equal(p.ttl, 64);
    assert_int_equal(p.tcp_flags, TCP_PSH | TCP_ACK);
    assert_int_equal(p.tcp_seq, 1000);
    assert_int_equal(p.tcp_ack, 2000);
    assert_int_equal(p.tcp_win, 512);
    assert_ptr_equal(p.l3, pb.b + 14);
    assert_int_equal(p.l3_len, pb.n - 14);
    assert_ptr_equal(p.l4, pb.b + 34);
    assert_int_equal(p.l4_len, pb.n - 34);
    assert_ptr_equal(p.payload, pb.b + 34 + 32);
    assert_payload(&p, "GET / HTTP/1.0\r\n\r\n");
    assert_int_equal(p.vlan_count, 0);
    assert_int_equal(p.flags, PKT_HAS_PORTS);
    assert_no_tunnel(&p);
    assert_int_equal(dc.stats.ipv4, 1);
    assert_int_equal(dc.stats.tcp, 1);
    assert_int_equal(dc.stats.udp, 0);
    sweep(L_EN10MB, &pb, BOTH);
}

/* A short frame is padded to 60 bytes: l3_len is the IP total length. */
static void test_ethernet_padding(void **state)
{
    (void)state;
    struct pb pb;
    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, IPPROTO_NUM_UDP, V4A, V4B);
    pb_udp(&pb, 1024, 53);
    pb_text(&pb, "abcd");
    pb_done(&pb);
    pb_put(&pb, NULL, 60 - pb.n);

    struct packet p;
    decode_ok(L_EN10MB, &pb, &p);
    assert_flow(&p, 4, IPPROTO_NUM_UDP, V4A, V4B, 1024, 53);
    assert_int_equal(p.l3_len, 32);
    assert_int_equal(p.l4_len, 12);
    assert_payload(&p, "abcd");
    assert_int_equal(p.flags & PKT_TRUNCATED, 0);
    sweep(L_EN10MB, &pb, BOTH);
}

static void test_sll_and_sll2(void **state)
{
    (void)state;
    struct pb pb;
    struct packet p;

    pb_init(&pb);
    pb_sll(&pb, 0x0800);
    pb_ipv4(&pb, IPPROTO_NUM_UDP, V4A, V4B);
    pb_udp(&pb, 5353, 53);
    pb_text(&pb, "query");
    pb_done(&pb);
    decode_ok(L_SLL, &pb, &p);
    assert_flow(&p, 4, IPPROTO_NUM_UDP, V4A, V4B, 5353, 53);
    assert_ptr_equal(p.l3, pb.b + 16);
    assert_payload(&p, "query");
    sweep(L_SLL, &pb, BOTH);

    pb_init(&pb);
    pb_sll2(&pb, 0x86dd);
    pb_ipv6(&pb, IPPROTO_NUM_TCP, V6A, V6B);
    pb_tcp(&pb, 443, 50000, TCP_SYN | TCP_ACK, 1, 2, 65535, 4);
    pb_done(&pb);
    decode_ok(L_SLL2, &pb, &p);
    assert_flow(&p, 6, IPPROTO_NUM_TCP, V6A, V6B, 443, 50000);
    assert_ptr_equal(p.l3, pb.b + 20);
    assert_int_equal(p.ttl, 255);
    assert_int_equal(p.payload_len, 0);
    sweep(L_SLL2, &pb, BOTH);

    /* SLL with a VLAN tag left in, and a netlink capture */
    pb_init(&pb);
    pb_sll(&pb, 0x8100);
    pb_vlan(&pb, 42, 0x0800);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    decode_ok(L_SLL, &pb, &p);
    assert_int_equal(p.vlan_count, 1);
    assert_int_equal(p.vlan[0], 42);
    sweep(L_SLL, &pb, BOTH);

    pb_init(&pb);
    pb_sll(&pb, 0x0010);
    pb.b[2] = 824 >> 8;
    pb.b[3] = 824 & 0xff;
    pb_put(&pb, NULL, 20);
    decode_fails(L_SLL, &pb, DECODE_ERR_NOT_IP);
}

static void test_raw_ip(void **state)
{
    (void)state;
    int dlts[] = { L_RAW, L_RAW14, L_RAW101 };
    for (size_t i = 0; i < ICTW_ARRAY_LEN(dlts); i++) {
        struct pb pb;
        struct packet p;
        pb_init(&pb);
        pb_layer(&pb, 1, DECODE_ERR_LINK_TRUNCATED);   /* raw IP needs the version nibble */
        pb_inner_tcp4(&pb);
        pb_done(&pb);
        decode_ok(dlts[i], &pb, &p);
        assert_inner_tcp4(&p);
        assert_ptr_equal(p.l3, pb.b);
        sweep(dlts[i], &pb, BOTH);

        pb_init(&pb);
        pb_layer(&pb, 1, DECODE_ERR_LINK_TRUNCATED);
        pb_ipv6(&pb, IPPROTO_NUM_UDP, V6A, V6B);
        pb_udp(&pb, 1, 2);
        pb_done(&pb);
        decode_ok(dlts[i], &pb, &p);
        assert_flow(&p, 6, IPPROTO_NUM_UDP, V6A, V6B, 1, 2);
        sweep(dlts[i], &pb, BOTH);
    }
    struct pb pb;
    pb_init(&pb);
    pb_put(&pb, "\x50\x00\x00\x14", 4);
    decode_fails(L_RAW, &pb, DECODE_ERR_IP_UNKNOWN_VERSION);
}

static void test_dlt_ipv4_ipv6(void **state)
{
    (void)state;
    struct pb pb;
    struct packet p;
    pb_init(&pb);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    decode_ok(L_IPV4, &pb, &p);
    assert_inner_tcp4(&p);
    sweep(L_IPV4, &pb, BOTH);
    decode_fails(L_IPV6, &pb, DECODE_ERR_IPV6_BAD_VERSION);

    pb_init(&pb);
    pb_ipv6(&pb, IPPROTO_NUM_UDP, V6A, V6B);
    pb_udp(&pb, 7, 9);
    pb_text(&pb, "x");
    pb_done(&pb);
    decode_ok(L_IPV6, &pb, &p);
    assert_flow(&p, 6, IPPROTO_NUM_UDP, V6A, V6B, 7, 9);
    sweep(L_IPV6, &pb, BOTH);
    decode_fails(L_IPV4, &pb, DECODE_ERR_IPV4_BAD_VERSION);
}

/* BSD loopback: the family in host order (either) for NULL, network order for LOOP. */
static void loopback_case(int dlt, const uint8_t fam[4], int ipv, enum decode_error fail)
{
    struct pb pb;
    struct packet p;
    pb_init(&pb);
    pb_link_raw(&pb, fam, 4, DECODE_ERR_LINK_TRUNCATED);
    if (ipv == 6) {
        pb_ipv6(&pb, IPPROTO_NUM_ICMPV6, V6A, V6B);
        pb_icmp(&pb, 128, 0, DECODE_ERR_ICMPV6_TRUNCATED);
    } else {
        pb_ipv4(&pb, IPPROTO_NUM_ICMP, V4A, V4B);
        pb_icmp(&pb, 8, 0, DECODE_ERR_ICMP_TRUNCATED);
    }
    pb_text(&pb, "ping");
    pb_done(&pb);
    if (fail != DECODE_ERR_NONE) {
        decode_fails(dlt, &pb, fail);
        return;
    }
    decode_ok(dlt, &pb, &p);
    assert_int_equal(p.ip_version, ipv);
    assert_ptr_equal(p.l3, pb.b + 4);
    assert_payload(&p, "ping");
    sweep(dlt, &pb, BOTH);
}

static void test_null_and_loop(void **state)
{
    (void)state;
    const uint8_t le2[4] = { 2, 0, 0, 0 }, be2[4] = { 0, 0, 0, 2 };
    const uint8_t le24[4] = { 24, 0, 0, 0 }, be28[4] = { 0, 0, 0, 28 }, le30[4] = { 30, 0, 0, 0 };
    const uint8_t be30[4] = { 0, 0, 0, 30 }, le7[4] = { 7, 0, 0, 0 };
    loopback_case(L_NULL, le2, 4, DECODE_ERR_NONE);
    loopback_case(L_NULL, be2, 4, DECODE_ERR_NONE);
    loopback_case(L_NULL, le24, 6, DECODE_ERR_NONE);
    loopback_case(L_NULL, be28, 6, DECODE_ERR_NONE);
    loopback_case(L_NULL, le30, 6, DECODE_ERR_NONE);
    loopback_case(L_NULL, be30, 6, DECODE_ERR_NONE);
    loopback_case(L_NULL, le7, 4, DECODE_ERR_NOT_IP);
    loopback_case(L_LOOP, be2, 4, DECODE_ERR_NONE);
    loopback_case(L_LOOP, be30, 6, DECODE_ERR_NONE);
    loopback_case(L_LOOP, le2, 4, DECODE_ERR_NOT_IP);   /* LOOP is always network order */
}

static void ppp_case(int dlt, bool ac, uint16_t proto, bool pfc, int ipv)
{
    struct pb pb;
    struct packet p;
    pb_init(&pb);
    pb_ppp(&pb, ac, proto, pfc);
    if (ipv == 6) {
        pb_ipv6(&pb, IPPROTO_NUM_TCP, V6A, V6B);
        pb_tcp(&pb, 1, 2, TCP_SYN, 0, 0, 0, 0);
    } else {
        pb_inner_tcp4(&pb);
    }
    pb_done(&pb);
    decode_ok(dlt, &pb, &p);
    assert_int_equal(p.ip_version, ipv);
    assert_int_equal(p.proto, IPPROTO_NUM_TCP);
    sweep(dlt, &pb, BOTH);
}

static void test_ppp(void **state)
{
    (void)state;
    ppp_case(L_PPP, true, 0x0021, false, 4);
    ppp_case(L_PPP, false, 0x0021, false, 4);
    ppp_case(L_PPP, false, 0x0021, true, 4);
    ppp_case(L_PPP, true, 0x0021, true, 4);
    ppp_case(L_PPP, true, 0x0057, false, 6);
    ppp_case(L_PPP, false, 0x0057, true, 6);
    ppp_case(L_PPP_SERIAL, true, 0x0021, false, 4);

    /* Cisco HDLC framing seen on DLT_PPP */
    struct pb pb;
    struct packet p;
    pb_init(&pb);
    pb_link_raw(&pb, "\x0f\x00\x08\x00", 4, DECODE_ERR_PPP_TRUNCATED);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    decode_ok(L_PPP, &pb, &p);
    assert_inner_tcp4(&p);
    sweep(L_PPP, &pb, BOTH);

    /* LCP, and a bad control byte: not IP */
    pb_init(&pb);
    pb_ppp(&pb, true, 0xc021, false);
    pb_put(&pb, "\x01\x01\x00\x04", 4);
    decode_fails(L_PPP, &pb, DECODE_ERR_NOT_IP);
    pb_init(&pb);
    pb_put(&pb, "\xff\x05\x00\x21", 4);
    pb_inner_tcp4(&pb);
    decode_fails(L_PPP, &pb, DECODE_ERR_NOT_IP);
}

static void test_cisco_hdlc(void **state)
{
    (void)state;
    struct pb pb;
    struct packet p;
    pb_init(&pb);
    pb_link_raw(&pb, "\x0f\x00\x08\x00", 4, DECODE_ERR_LINK_TRUNCATED);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    decode_ok(L_C_HDLC, &pb, &p);
    assert_inner_tcp4(&p);
    sweep(L_C_HDLC, &pb, BOTH);

    pb_init(&pb);
    pb_link_raw(&pb, "\x8f\x00\x86\xdd", 4, DECODE_ERR_LINK_TRUNCATED);
    pb_ipv6(&pb, IPPROTO_NUM_UDP, V6A, V6B);
    pb_udp(&pb, 123, 123);
    pb_done(&pb);
    decode_ok(L_C_HDLC, &pb, &p);
    assert_flow(&p, 6, IPPROTO_NUM_UDP, V6A, V6B, 123, 123);
    sweep(L_C_HDLC, &pb, BOTH);

    /* SLARP keepalive and CDP */
    pb_init(&pb);
    pb_put(&pb, "\x8f\x00\x80\x35\x00\x00\x00\x02\x00\x00\x00\x01\x00\x00\x00\x00\xff\xff", 18);
    decode_fails(L_C_HDLC, &pb, DECODE_ERR_NOT_IP);
    pb_init(&pb);
    pb_put(&pb, "\x8f\x00\x20\x00\x02\xb4\x00\x00", 8);
    decode_fails(L_C_HDLC, &pb, DECODE_ERR_NOT_IP);
}

/* ---- below IP ---- */

static void test_vlan(void **state)
{
    (void)state;
    struct pb pb;
    struct packet p;
    struct decode_ctx dc;

    pb_init(&pb);
    pb_eth(&pb, 0x8100);
    pb_vlan(&pb, 0xa000 | 100, 0x0800);      /* priority 5, id 100 */
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_inner_tcp4(&p);
    assert_int_equal(p.vlan_count, 1);
    assert_int_equal(p.vlan[0], 100);
    assert_int_equal(dc.stats.vlan, 1);
    sweep(L_EN10MB, &pb, BOTH);

    pb_init(&pb);
    pb_eth(&pb, 0x88a8);
    pb_vlan(&pb, 10, 0x8100);
    pb_vlan(&pb, 20, 0x86dd);
    pb_ipv6(&pb, IPPROTO_NUM_UDP, V6A, V6B);
    pb_udp(&pb, 1000, 2000);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_int_equal(p.vlan_count, 2);
    assert_int_equal(p.vlan[0], 10);
    assert_int_equal(p.vlan[1], 20);
    sweep(L_EN10MB, &pb, BOTH);

    pb_init(&pb);
    pb_eth(&pb, 0x9100);
    pb_vlan(&pb, 1, 0x88a8);
    pb_vlan(&pb, 2, 0x8100);
    pb_vlan(&pb, 4095, 0x0800);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_int_equal(p.vlan_count, 3);
    assert_int_equal(p.vlan[2], 4095);
    sweep(L_EN10MB, &pb, BOTH);

    /* a fourth tag is one too many, whatever follows */
    pb_init(&pb);
    pb_eth(&pb, 0x8100);
    pb_vlan(&pb, 1, 0x8100);
    pb_vlan(&pb, 2, 0x8100);
    pb_vlan(&pb, 3, 0x8100);
    pb_put(&pb, "\x00\x04\x08\x00", 4);
    pb_inner_tcp4(&pb);
    pb.nl = 4;
    pb_done(&pb);
    decode_fails(L_EN10MB, &pb, DECODE_ERR_VLAN_TOO_DEEP);
    pb.final = DECODE_ERR_VLAN_TOO_DEEP;
    sweep(L_EN10MB, &pb, BOTH);
}

static void test_pppoe(void **state)
{
    (void)state;
    struct pb pb;
    struct packet p;
    struct decode_ctx dc;

    pb_init(&pb);
    pb_eth(&pb, 0x8864);
    pb_pppoe(&pb, 0x0021);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_inner_tcp4(&p);
    assert_ptr_equal(p.l3, pb.b + 22);
    assert_int_equal(dc.stats.pppoe, 1);
    sweep(L_EN10MB, &pb, BOTH);

    pb_init(&pb);
    pb_eth(&pb, 0x8100);
    pb_vlan(&pb, 7, 0x8864);
    pb_pppoe(&pb, 0x0057);
    pb_ipv6(&pb, IPPROTO_NUM_UDP, V6A, V6B);
    pb_udp(&pb, 546, 547);
    pb_done(&pb);
    pb_put(&pb, NULL, 4);                   /* trailer after the PPPoE payload */
    decode_ok(L_EN10MB, &pb, &p);
    assert_flow(&p, 6, IPPROTO_NUM_UDP, V6A, V6B, 546, 547);
    assert_int_equal(p.vlan[0], 7);
    sweep(L_EN10MB, &pb, BOTH);

    /* LCP inside the session: not IP */
    pb_init(&pb);
    pb_eth(&pb, 0x8864);
    pb_pppoe(&pb, 0xc021);
    pb_put(&pb, "\x09\x01\x00\x08\x01\x02\x03\x04", 8);
    pb_done(&pb);
    decode_fails(L_EN10MB, &pb, DECODE_ERR_NOT_IP);

    /* bad version/type, bad code, length beyond the frame, length < 2 */
    uint8_t bad[][2] = { { 0x12, 0x00 }, { 0x11, 0x09 } };
    for (size_t i = 0; i < ICTW_ARRAY_LEN(bad); i++) {
        pb_init(&pb);
        pb_eth(&pb, 0x8864);
        pb_pppoe(&pb, 0x0021);
        pb_inner_tcp4(&pb);
        pb_done(&pb);
        pb.b[14] = bad[i][0];
        pb.b[15] = bad[i][1];
        decode_fails(L_EN10MB, &pb, DECODE_ERR_PPPOE_MALFORMED);
    }
    pb_init(&pb);
    pb_eth(&pb, 0x8864);
    pb_pppoe(&pb, 0x0021);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    pb_w16(pb.b + 18, pb.n - 20 + 1);
    decode_fails(L_EN10MB, &pb, DECODE_ERR_PPPOE_MALFORMED);
    pb_w16(pb.b + 18, 1);
    decode_fails(L_EN10MB, &pb, DECODE_ERR_PPPOE_MALFORMED);

    /* discovery stage */
    pb_init(&pb);
    pb_eth(&pb, 0x8863);
    pb_put(&pb, "\x11\x09\x00\x00\x00\x04\x01\x01\x00\x00", 10);
    decode_fails(L_EN10MB, &pb, DECODE_ERR_NOT_IP);
}

static void test_mpls(void **state)
{
    (void)state;
    struct pb pb;
    struct packet p;
    struct decode_ctx dc;

    pb_init(&pb);
    pb_eth(&pb, 0x8847);
    pb_mpls(&pb, 100, true);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_inner_tcp4(&p);
    assert_int_equal(dc.stats.mpls, 1);
    sweep(L_EN10MB, &pb, BOTH);

    /* two labels, IPv6 by its nibble; multicast ethertype */
    pb_init(&pb);
    pb_eth(&pb, 0x8848);
    pb_mpls(&pb, 17, false);
    pb_mpls(&pb, 18, true);
    pb_ipv6(&pb, IPPROTO_NUM_UDP, V6A, V6B);
    pb_udp(&pb, 5, 6);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_flow(&p, 6, IPPROTO_NUM_UDP, V6A, V6B, 5, 6);
    sweep(L_EN10MB, &pb, BOTH);

    /* explicit null labels name the protocol */
    pb_init(&pb);
    pb_eth(&pb, 0x8847);
    pb_mpls(&pb, 0, true);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_inner_tcp4(&p);
    pb_init(&pb);
    pb_eth(&pb, 0x8847);
    pb_mpls(&pb, 2, true);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    decode_fails(L_EN10MB, &pb, DECODE_ERR_IPV6_BAD_VERSION);   /* label 2 says IPv6 */

    /* Ethernet pseudowire with a control word, VLAN inside */
    pb_init(&pb);
    pb_eth(&pb, 0x8847);
    pb_mpls(&pb, 300, true);
    pb_layer(&pb, 4, DECODE_ERR_MPLS_TRUNCATED);
    pb_put(&pb, NULL, 4);
    pb_eth(&pb, 0x8100);
    pb_vlan(&pb, 55, 0x0800);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_inner_tcp4(&p);
    assert_int_equal(p.vlan_count, 1);
    assert_int_equal(p.vlan[0], 55);
    sweep(L_EN10MB, &pb, BOTH);

    /* MPLS over PPP */
    pb_init(&pb);
    pb_ppp(&pb, true, 0x0281, false);
    pb_mpls(&pb, 16, true);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    decode_ok(L_PPP, &pb, &p);
    assert_inner_tcp4(&p);
    sweep(L_PPP, &pb, BOTH);

    /* too many labels; an unknown payload */
    pb_init(&pb);
    pb_eth(&pb, 0x8847);
    for (int i = 0; i < 9; i++)
        pb_mpls(&pb, 1000 + i, i == 8);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    decode_fails(L_EN10MB, &pb, DECODE_ERR_MPLS_TOO_DEEP);
    pb_init(&pb);
    pb_eth(&pb, 0x8847);
    pb_mpls(&pb, 1000, true);
    pb_put(&pb, "\x5a\x00\x00\x00\x00\x00", 6);
    decode_fails(L_EN10MB, &pb, DECODE_ERR_NOT_IP);
}

static void test_not_ip(void **state)
{
    (void)state;
    struct { uint16_t type; const char *body; uint32_t len; } cases[] = {
        { 0x0806, "\x00\x01\x08\x00\x06\x04\x00\x01", 8 },      /* ARP */
        { 0x88cc, "\x02\x07\x04\x00\x11\x22\x33\x44\x55", 9 },  /* LLDP */
        { 0x0026, "\x42\x42\x03\x00\x00\x00\x00\x00", 8 },      /* 802.3 length + LLC: STP */
        { 0x8035, "\x00\x01\x08\x00\x06\x04\x00\x03", 8 },      /* RARP */
        { 0x888e, "\x01\x01\x00\x00", 4 },                      /* EAPOL */
    };
    for (size_t i = 0; i < ICTW_ARRAY_LEN(cases); i++) {
        struct pb pb;
        pb_init(&pb);
        pb_eth(&pb, cases[i].type);
        pb_put(&pb, cases[i].body, cases[i].len);
        decode_fails(L_EN10MB, &pb, DECODE_ERR_NOT_IP);
        pb.final = DECODE_ERR_NOT_IP;
        sweep(L_EN10MB, &pb, BOTH);
    }
}

/* ---- IPv4 ---- */

static void test_ipv4_options(void **state)
{
    (void)state;
    struct pb pb;
    struct packet p;
    const uint8_t opts[12] = { 1, 1, 7, 7, 4, 10, 0, 0, 1, 0, 0, 0 };   /* NOP NOP RR EOL */
    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4_ex(&pb, IPPROTO_NUM_TCP, V4A, V4B, opts, sizeof(opts), 0, 1);
    pb_tcp(&pb, 1, 2, TCP_SYN, 0, 0, 0, 0);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_int_equal(p.flags & PKT_IPV4_OPTIONS, PKT_IPV4_OPTIONS);
    assert_ptr_equal(p.l4, pb.b + 14 + 32);
    assert_int_equal(p.sport, 1);
    sweep(L_EN10MB, &pb, BOTH);

    /* an option whose length is 1, and one running past the header */
    const uint8_t bad1[4] = { 0x44, 1, 0, 0 }, bad2[4] = { 1, 7, 12, 4 };
    const uint8_t *bads[] = { bad1, bad2 };
    for (int i = 0; i < 2; i++) {
        pb_init(&pb);
        pb_eth(&pb, 0x0800);
        pb_ipv4_ex(&pb, IPPROTO_NUM_TCP, V4A, V4B, bads[i], 4, 0, 1);
        pb_tcp(&pb, 1, 2, TCP_SYN, 0, 0, 0, 0);
        pb.nl = 2;
        pb_done(&pb);
        decode_fails(L_EN10MB, &pb, DECODE_ERR_IPV4_BAD_OPTIONS);
        pb.final = DECODE_ERR_IPV4_BAD_OPTIONS;   /* judged once the header is whole */
        sweep(L_EN10MB, &pb, BOTH);
    }
}

static void test_ipv4_malformed(void **state)
{
    (void)state;
    struct pb pb;
    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    struct pb bad = pb;
    bad.b[14] = 0x44;                           /* IHL 4 */
    decode_fails(L_EN10MB, &bad, DECODE_ERR_IPV4_BAD_HLEN);
    bad = pb;
    pb_w16(bad.b + 16, 19);                     /* total length below the header */
    decode_fails(L_EN10MB, &bad, DECODE_ERR_IPV4_BAD_LEN);
    bad = pb;
    pb_w16(bad.b + 16, pb.n - 14 + 1);          /* one byte more than the wire carried */
    decode_fails(L_EN10MB, &bad, DECODE_ERR_IPV4_BAD_LEN);
    bad = pb;
    bad.b[14] = 0x65;                           /* version 6 under ethertype IPv4 */
    decode_fails(L_EN10MB, &bad, DECODE_ERR_IPV4_BAD_VERSION);
    bad = pb;
    bad.b[14] = 0x4f;                           /* IHL 15: header runs into the TCP bytes */
    pb_w16(bad.b + 16, 60 + 4);
    bad.n = 14 + 64;
    decode_fails(L_EN10MB, &bad, DECODE_ERR_IPV4_BAD_OPTIONS);
    /* each malformed header, cut anywhere, never reads out of bounds */
    bad = pb;
    bad.b[14] = 0x44;
    bad.nl = 2;
    bad.layers[1].len_end = 0;
    bad.final = DECODE_ERR_IPV4_BAD_HLEN;
    sweep(L_EN10MB, &bad, SNAPPED);
}

/* ---- IPv6 ---- */

static void test_ipv6_exthdrs(void **state)
{
    (void)state;
    struct pb pb;
    struct packet p;
    struct decode_ctx dc;

    pb_init(&pb);
    pb_eth(&pb, 0x86dd);
    pb_ipv6(&pb, 0, V6A, V6B);
    pb_ip6ext(&pb, 60, 0);          /* hop-by-hop */
    pb_ip6ext(&pb, 43, 1);          /* destination options, 16 bytes */
    pb_ip6ext(&pb, 51, 0);          /* routing */
    pb_ip6ah(&pb, 6, 4);            /* AH, 24 bytes */
    pb_tcp(&pb, 22, 60000, TCP_ACK, 5, 6, 7, 0);
    pb_text(&pb, "data");
    pb_done(&pb);
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_flow(&p, 6, IPPROTO_NUM_TCP, V6A, V6B, 22, 60000);
    assert_int_equal(p.flags & PKT_IPV6_EXTHDRS, PKT_IPV6_EXTHDRS);
    assert_ptr_equal(p.l4, pb.b + 14 + 40 + 8 + 16 + 8 + 24);
    assert_payload(&p, "data");
    assert_int_equal(dc.stats.ipv6, 1);
    sweep(L_EN10MB, &pb, BOTH);

    /* ESP ends the walk */
    pb_init(&pb);
    pb_eth(&pb, 0x86dd);
    pb_ipv6(&pb, 0, V6A, V6B);
    pb_ip6ext(&pb, 50, 0);
    pb_put(&pb, "\x00\x00\x01\x00\x00\x00\x00\x01encrypted", 17);
    pb_done(&pb);
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_flow(&p, 6, 50, V6A, V6B, 0, 0);
    assert_ptr_equal(p.payload, pb.b + 14 + 48);
    assert_int_equal(p.payload_len, 17);
    assert_int_equal(dc.stats.other_ip, 1);
    sweep(L_EN10MB, &pb, BOTH);

    /* no next header; an atomic fragment is only a header */
    pb_init(&pb);
    pb_eth(&pb, 0x86dd);
    pb_ipv6(&pb, 59, V6A, V6B);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_int_equal(p.proto, 59);
    assert_int_equal(p.payload_len, 0);
    sweep(L_EN10MB, &pb, BOTH);

    pb_init(&pb);
    pb_eth(&pb, 0x86dd);
    pb_ipv6(&pb, 44, V6A, V6B);
    pb_ip6frag(&pb, IPPROTO_NUM_UDP, 0, false, 99);
    pb_udp(&pb, 53, 53);
    pb_done(&pb);
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_flow(&p, 6, IPPROTO_NUM_UDP, V6A, V6B, 53, 53);
    assert_int_equal(dc.stats.fragments, 0);
    sweep(L_EN10MB, &pb, BOTH);
}

static void test_ipv6_malformed(void **state)
{
    (void)state;
    struct pb pb;
    /* nine extension headers */
    pb_init(&pb);
    pb_eth(&pb, 0x86dd);
    pb_ipv6(&pb, 60, V6A, V6B);
    for (int i = 0; i < 8; i++)
        pb_ip6ext(&pb, 60, 0);
    pb_put(&pb, "\x06\x00\x00\x00\x00\x00\x00\x00", 8);
    pb_done(&pb);
    decode_fails(L_EN10MB, &pb, DECODE_ERR_IPV6_TOO_MANY_EXTHDRS);
    pb.final = DECODE_ERR_IPV6_TOO_MANY_EXTHDRS;
    sweep(L_EN10MB, &pb, BOTH);

    /* an extension header longer than the payload */
    pb_init(&pb);
    pb_eth(&pb, 0x86dd);
    pb_ipv6(&pb, 0, V6A, V6B);
    pb_ip6ext(&pb, 6, 0);
    pb_put(&pb, NULL, 20);
    pb_done(&pb);
    pb.b[14 + 40 + 1] = 10;
    decode_fails(L_EN10MB, &pb, DECODE_ERR_IPV6_EXTHDR_TRUNCATED);

    pb_init(&pb);
    pb_eth(&pb, 0x86dd);
    pb_ipv6(&pb, IPPROTO_NUM_UDP, V6A, V6B);
    pb_udp(&pb, 1, 2);
    pb_done(&pb);
    struct pb bad = pb;
    pb_w16(bad.b + 18, 9);                      /* payload length beyond the frame */
    decode_fails(L_EN10MB, &bad, DECODE_ERR_IPV6_BAD_LEN);
    bad = pb;
    bad.b[14] = 0x40;
    decode_fails(L_EN10MB, &bad, DECODE_ERR_IPV6_BAD_VERSION);
}

/* ---- transport ---- */

static void test_udp(void **state)
{
    (void)state;
    struct pb pb;
    struct packet p;
    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, IPPROTO_NUM_UDP, V4A, V4B);
    pb_udp(&pb, 33000, 53);
    pb_text(&pb, "dns!");
    pb_done(&pb);
    struct pb bad = pb;
    pb_w16(bad.b + 38, 7);
    decode_fails(L_EN10MB, &bad, DECODE_ERR_UDP_BAD_LEN);
    pb_w16(bad.b + 38, 13);                     /* beyond the IP payload */
    decode_fails(L_EN10MB, &bad, DECODE_ERR_UDP_BAD_LEN);
    pb_w16(bad.b + 38, 10);                     /* shorter: the rest is not UDP payload */
    decode_ok(L_EN10MB, &bad, &p);
    assert_int_equal(p.l4_len, 10);
    assert_int_equal(p.payload_len, 2);
    assert_int_equal(p.l3_len, 32);
    sweep(L_EN10MB, &bad, BOTH);
}

static void test_tcp_malformed(void **state)
{
    (void)state;
    struct pb pb;
    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, IPPROTO_NUM_TCP, V4A, V4B);
    pb_tcp(&pb, 1, 2, TCP_SYN, 0, 0, 0, 0);
    pb_text(&pb, "abcd");
    pb_done(&pb);
    struct pb bad = pb;
    bad.b[46] = 0x40;                           /* data offset 4 */
    decode_fails(L_EN10MB, &bad, DECODE_ERR_TCP_BAD_HLEN);
    bad.b[46] = 0xf0;                           /* 60 bytes in a 24-byte segment */
    decode_fails(L_EN10MB, &bad, DECODE_ERR_TCP_BAD_HLEN);
    bad.layers[2].end = 34 + 20;
    bad.final = DECODE_ERR_TCP_BAD_HLEN;
    sweep(L_EN10MB, &bad, SNAPPED);
    bad = pb;
    bad.n = 14 + 20 + 12;                       /* IP says 12 bytes of TCP */
    pb_w16(bad.b + 16, 32);
    decode_fails(L_EN10MB, &bad, DECODE_ERR_TCP_TRUNCATED);
}

static void test_icmp_sctp_other(void **state)
{
    (void)state;
    struct pb pb;
    struct packet p;
    struct decode_ctx dc;

    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, IPPROTO_NUM_ICMP, V4A, V4B);
    pb_icmp(&pb, 8, 0, DECODE_ERR_ICMP_TRUNCATED);
    pb_text(&pb, "abcdefgh");
    pb_done(&pb);
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_flow(&p, 4, IPPROTO_NUM_ICMP, V4A, V4B, 0, 0);
    assert_int_equal(p.icmp_type, 8);
    assert_int_equal(p.icmp_code, 0);
    assert_payload(&p, "abcdefgh");
    assert_int_equal(dc.stats.icmp, 1);
    sweep(L_EN10MB, &pb, BOTH);

    pb_init(&pb);
    pb_eth(&pb, 0x86dd);
    pb_ipv6(&pb, IPPROTO_NUM_ICMPV6, V6A, V6B);
    pb_icmp(&pb, 1, 4, DECODE_ERR_ICMPV6_TRUNCATED);  /* port unreachable */
    pb_put(&pb, NULL, 48);
    pb_done(&pb);
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_int_equal(p.proto, IPPROTO_NUM_ICMPV6);
    assert_int_equal(p.icmp_type, 1);
    assert_int_equal(p.icmp_code, 4);
    assert_int_equal(dc.stats.icmpv6, 1);
    sweep(L_EN10MB, &pb, BOTH);

    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, IPPROTO_NUM_SCTP, V4A, V4B);
    pb_sctp(&pb, 36412, 36412);
    pb_put(&pb, "\x00\x03\x00\x10\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x12", 16);
    pb_done(&pb);
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_flow(&p, 4, IPPROTO_NUM_SCTP, V4A, V4B, 36412, 36412);
    assert_int_equal(p.payload_len, 16);
    assert_int_equal(dc.stats.sctp, 1);
    sweep(L_EN10MB, &pb, BOTH);

    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, 89, V4A, "224.0.0.5");        /* OSPF */
    pb_put(&pb, "\x02\x01\x00\x2c", 4);
    pb_done(&pb);
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_flow(&p, 4, 89, V4A, "224.0.0.5", 0, 0);
    assert_ptr_equal(p.l4, pb.b + 34);
    assert_ptr_equal(p.payload, pb.b + 34);
    assert_int_equal(p.payload_len, 4);
    assert_int_equal(dc.stats.other_ip, 1);
    sweep(L_EN10MB, &pb, BOTH);

    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, IPPROTO_NUM_ICMP, V4A, V4B);
    pb_put(&pb, "\x08\x00\x00\x00\x00\x01", 6);
    pb_done(&pb);
    decode_fails(L_EN10MB, &pb, DECODE_ERR_ICMP_TRUNCATED);
    pb.final = DECODE_ERR_ICMP_TRUNCATED;
    sweep(L_EN10MB, &pb, BOTH);
}

/* ---- tunnels ---- */

static void test_gre(void **state)
{
    (void)state;
    struct pb pb;
    struct packet p;
    struct decode_ctx dc;

    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, 47, "203.0.113.1", "203.0.113.2");
    pb_gre(&pb, 0, 0x0800, 0, 0);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_inner_tcp4(&p);
    assert_tunnel(&p, TUNNEL_GRE, 1, 47, 0, "203.0.113.1", "203.0.113.2");
    assert_ptr_equal(p.l3, pb.b + 14 + 20 + 4);
    assert_int_equal(dc.stats.tunnels[TUNNEL_GRE], 1);
    assert_int_equal(dc.stats.ipv4, 2);
    sweep(L_EN10MB, &pb, BOTH);

    /* checksum, key and sequence; IPv6 inside */
    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, 47, "203.0.113.1", "203.0.113.2");
    pb_gre(&pb, 0xb000, 0x86dd, 0xabcdef01, 77);
    pb_ipv6(&pb, IPPROTO_NUM_UDP, V6A, V6B);
    pb_udp(&pb, 4000, 5000);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_flow(&p, 6, IPPROTO_NUM_UDP, V6A, V6B, 4000, 5000);
    assert_tunnel(&p, TUNNEL_GRE, 1, 47, 0xabcdef01, "203.0.113.1", "203.0.113.2");
    sweep(L_EN10MB, &pb, BOTH);

    /* transparent Ethernet bridging, VLAN inside; over IPv6 */
    pb_init(&pb);
    pb_eth(&pb, 0x86dd);
    pb_ipv6(&pb, 47, "2001:db8:ffff::1", "2001:db8:ffff::2");
    pb_gre(&pb, 0x2000, 0x6558, 5, 0);
    pb_eth(&pb, 0x8100);
    pb_vlan(&pb, 300, 0x0800);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_inner_tcp4(&p);
    assert_tunnel(&p, TUNNEL_GRE, 1, 47, 5, "2001:db8:ffff::1", "2001:db8:ffff::2");
    assert_int_equal(p.vlan_count, 1);
    assert_int_equal(p.vlan[0], 300);
    sweep(L_EN10MB, &pb, BOTH);

    /* MPLS over GRE */
    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, 47, "203.0.113.1", "203.0.113.2");
    pb_gre(&pb, 0, 0x8847, 0, 0);
    pb_mpls(&pb, 16, true);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_inner_tcp4(&p);
    assert_int_equal(p.tunnel.type, TUNNEL_GRE);
    sweep(L_EN10MB, &pb, BOTH);

    /* an unknown protocol: the GRE packet itself */
    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, 47, "203.0.113.1", "203.0.113.2");
    pb_gre(&pb, 0, 0x883e, 0, 0);
    pb_put(&pb, "wccp-redirect", 13);
    pb_done(&pb);
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_flow(&p, 4, 47, "203.0.113.1", "203.0.113.2", 0, 0);
    assert_no_tunnel(&p);
    assert_ptr_equal(p.payload, pb.b + 34);
    assert_int_equal(p.payload_len, 17);
    assert_int_equal(dc.stats.tunnels[TUNNEL_GRE], 0);
    sweep(L_EN10MB, &pb, BOTH);

    /* routing present; version 2; inner IPv4 malformed */
    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, 47, "203.0.113.1", "203.0.113.2");
    pb_gre(&pb, 0x4000, 0x0800, 0, 0);
    pb_inner_tcp4(&pb);
    pb.nl = 3;
    pb_done(&pb);
    decode_fails(L_EN10MB, &pb, DECODE_ERR_GRE_BAD_HEADER);
    pb.b[34 + 0] = 0;
    pb.b[34 + 1] = 2;
    decode_fails(L_EN10MB, &pb, DECODE_ERR_GRE_BAD_VERSION);
    pb.final = DECODE_ERR_GRE_BAD_VERSION;
    sweep(L_EN10MB, &pb, BOTH);
    pb.b[34 + 1] = 0;
    pb.b[38] = 0x43;
    decode_fails(L_EN10MB, &pb, DECODE_ERR_IPV4_BAD_HLEN);
}

static void test_gre_pptp(void **state)
{
    (void)state;
    struct pb pb;
    struct packet p;
    struct decode_ctx dc;

    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, 47, "203.0.113.1", "203.0.113.2");
    pb_gre_pptp(&pb, 0x77);
    pb_ppp(&pb, true, 0x0021, false);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_inner_tcp4(&p);
    assert_tunnel(&p, TUNNEL_GRE, 1, 47, 0x77, "203.0.113.1", "203.0.113.2");
    sweep(L_EN10MB, &pb, BOTH);

    /* compressed PPP header */
    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, 47, "203.0.113.1", "203.0.113.2");
    pb_gre_pptp(&pb, 0x78);
    pb_ppp(&pb, false, 0x21, true);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_inner_tcp4(&p);
    sweep(L_EN10MB, &pb, BOTH);

    /* acknowledgment only; LCP inside: both the outer GRE packet */
    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, 47, "203.0.113.1", "203.0.113.2");
    pb_gre_pptp(&pb, 0x79);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_int_equal(p.proto, 47);
    assert_no_tunnel(&p);
    sweep(L_EN10MB, &pb, BOTH);

    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, 47, "203.0.113.1", "203.0.113.2");
    pb_gre_pptp(&pb, 0x7a);
    pb_ppp(&pb, true, 0xc021, false);
    pb_put(&pb, "\x09\x01\x00\x08\x00\x00\x00\x00", 8);
    pb_done(&pb);
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_int_equal(p.proto, 47);
    assert_no_tunnel(&p);
    assert_int_equal(dc.stats.tunnels[TUNNEL_GRE], 0);
    assert_int_equal(dc.stats.errors[DECODE_ERR_NOT_IP], 0);
    sweep(L_EN10MB, &pb, BOTH);

    /* no key bit; payload length past the packet */
    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, 47, "203.0.113.1", "203.0.113.2");
    pb_gre_pptp(&pb, 0x7b);
    pb_ppp(&pb, true, 0x0021, false);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    struct pb bad = pb;
    bad.b[34] = 0x10;
    decode_fails(L_EN10MB, &bad, DECODE_ERR_GRE_BAD_HEADER);
    bad = pb;
    pb_w16(bad.b + 38, pb.n - 50 + 1);
    decode_fails(L_EN10MB, &bad, DECODE_ERR_GRE_BAD_HEADER);
}

static void test_erspan(void **state)
{
    (void)state;
    struct pb pb;
    struct packet p;
    for (int type = 1; type <= 3; type++) {
        pb_init(&pb);
        pb_eth(&pb, 0x0800);
        pb_ipv4(&pb, 47, "203.0.113.1", "203.0.113.2");
        if (type == 1) {
            pb_gre(&pb, 0, 0x88be, 0, 0);
        } else if (type == 2) {
            pb_gre(&pb, 0x1000, 0x88be, 0, 9);
            pb_layer(&pb, 8, DECODE_ERR_GRE_TRUNCATED);
            pb_put(&pb, "\x10\x64\x00\x00\x00\x00\x00\x01", 8);
        } else {
            pb_gre(&pb, 0x1000, 0x22eb, 0, 9);
            pb_layer(&pb, 12, DECODE_ERR_GRE_TRUNCATED);
            pb_put(&pb, "\x20\x64\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00", 12);
        }
        pb_eth(&pb, 0x0800);
        pb_inner_tcp4(&pb);
        pb_done(&pb);
        decode_ok(L_EN10MB, &pb, &p);
        assert_inner_tcp4(&p);
        assert_int_equal(p.tunnel.type, TUNNEL_GRE);
        sweep(L_EN10MB, &pb, BOTH);
    }
}

static void test_vxlan(void **state)
{
    (void)state;
    struct pb pb;
    struct packet p;
    struct decode_ctx dc;

    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, IPPROTO_NUM_UDP, "172.16.0.1", "172.16.0.2");
    pb_udp(&pb, 55555, 4789);
    pb_vxlan(&pb, 0x08, 4242);
    pb_eth(&pb, 0x8100);
    pb_vlan(&pb, 7, 0x0800);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_inner_tcp4(&p);
    assert_tunnel(&p, TUNNEL_VXLAN, 1, IPPROTO_NUM_UDP, 4242, "172.16.0.1", "172.16.0.2");
    assert_int_equal(p.vlan_count, 1);
    assert_int_equal(p.vlan[0], 7);
    assert_int_equal(dc.stats.tunnels[TUNNEL_VXLAN], 1);
    assert_int_equal(dc.stats.udp, 1);
    assert_int_equal(dc.stats.tcp, 1);
    sweep(L_EN10MB, &pb, BOTH);

    /* no I flag: a UDP packet on port 4789 */
    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, IPPROTO_NUM_UDP, "172.16.0.1", "172.16.0.2");
    pb_udp(&pb, 55555, 4789);
    pb_vxlan(&pb, 0x00, 4242);
    pb_put(&pb, NULL, 40);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_flow(&p, 4, IPPROTO_NUM_UDP, "172.16.0.1", "172.16.0.2", 55555, 4789);
    assert_int_equal(p.payload_len, 48);
    assert_no_tunnel(&p);
    sweep(L_EN10MB, &pb, BOTH);

    /* ARP inside, behind a VLAN tag: the outer UDP packet, tags undone */
    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, IPPROTO_NUM_UDP, "172.16.0.1", "172.16.0.2");
    pb_udp(&pb, 55555, 4789);
    pb_vxlan(&pb, 0x08, 9);
    pb_eth(&pb, 0x8100);
    pb_vlan(&pb, 5, 0x0806);
    pb_put(&pb, "\x00\x01\x08\x00\x06\x04\x00\x01", 8);
    pb_done(&pb);
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_flow(&p, 4, IPPROTO_NUM_UDP, "172.16.0.1", "172.16.0.2", 55555, 4789);
    assert_no_tunnel(&p);
    assert_int_equal(p.vlan_count, 0);
    assert_int_equal(p.vlan[0], 0);
    assert_int_equal(dc.stats.tunnels[TUNNEL_VXLAN], 0);
    sweep(L_EN10MB, &pb, BOTH);

    /* too short to hold a frame: plain UDP */
    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, IPPROTO_NUM_UDP, "172.16.0.1", "172.16.0.2");
    pb_udp(&pb, 55555, 4789);
    pb_put(&pb, "\x08\x00\x00\x00\x00\x00\x01\x00", 8);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_no_tunnel(&p);
    sweep(L_EN10MB, &pb, BOTH);
}

static void gtpu_outer(struct pb *pb, uint16_t sport, uint16_t dport)
{
    pb_init(pb);
    pb_eth(pb, 0x0800);
    pb_ipv4(pb, IPPROTO_NUM_UDP, "10.0.0.1", "10.0.0.2");
    pb_udp(pb, sport, dport);
}

static void test_gtpu(void **state)
{
    (void)state;
    struct pb pb;
    struct packet p;
    struct decode_ctx dc;

    gtpu_outer(&pb, 2152, 2152);
    pb_gtpu(&pb, 0xff, false, NULL, 0, true);
    pb_ipv4(&pb, IPPROTO_NUM_UDP, "10.45.0.2", "8.8.8.8");
    pb_udp(&pb, 40000, 53);
    pb_text(&pb, "q");
    pb_done(&pb);
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_flow(&p, 4, IPPROTO_NUM_UDP, "10.45.0.2", "8.8.8.8", 40000, 53);
    assert_tunnel(&p, TUNNEL_GTPU, 1, IPPROTO_NUM_UDP, 0, "10.0.0.1", "10.0.0.2");
    assert_int_equal(dc.stats.tunnels[TUNNEL_GTPU], 1);
    sweep(L_EN10MB, &pb, BOTH);

    /* sequence number; IPv6 inside; only one side on 2152 */
    gtpu_outer(&pb, 33333, 2152);
    pb_gtpu(&pb, 0xff, true, NULL, 0, true);
    pb_ipv6(&pb, IPPROTO_NUM_TCP, V6A, V6B);
    pb_tcp(&pb, 5, 6, TCP_SYN, 0, 0, 0, 0);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_flow(&p, 6, IPPROTO_NUM_TCP, V6A, V6B, 5, 6);
    assert_int_equal(p.tunnel.type, TUNNEL_GTPU);
    sweep(L_EN10MB, &pb, BOTH);

    /* a chain of two extension headers */
    const uint8_t exts[2] = { 1, 2 };
    gtpu_outer(&pb, 2152, 2152);
    pb_gtpu(&pb, 0xff, false, exts, 2, true);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_inner_tcp4(&p);
    assert_ptr_equal(p.l3, pb.b + 42 + 12 + 4 + 8);
    sweep(L_EN10MB, &pb, BOTH);

    /* echo request, empty G-PDU, non-IP PDU: the outer UDP packet */
    gtpu_outer(&pb, 2152, 2152);
    pb_gtpu(&pb, 0x01, true, NULL, 0, false);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_flow(&p, 4, IPPROTO_NUM_UDP, "10.0.0.1", "10.0.0.2", 2152, 2152);
    assert_no_tunnel(&p);
    sweep(L_EN10MB, &pb, BOTH);
    gtpu_outer(&pb, 2152, 2152);
    pb_gtpu(&pb, 0xff, false, NULL, 0, false);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_no_tunnel(&p);
    gtpu_outer(&pb, 2152, 2152);
    pb_gtpu(&pb, 0xff, false, NULL, 0, true);
    pb_put(&pb, "\x00\x11\x22\x33", 4);
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_no_tunnel(&p);
    sweep(L_EN10MB, &pb, BOTH);

    /* extension header of length 0; GTP length past the UDP payload */
    const uint8_t one[1] = { 1 };
    gtpu_outer(&pb, 2152, 2152);
    pb_gtpu(&pb, 0xff, false, one, 1, true);
    pb_inner_tcp4(&pb);
    pb.nl = 4;
    pb_done(&pb);
    pb.b[42 + 12] = 0;
    decode_fails(L_EN10MB, &pb, DECODE_ERR_GTP_BAD_HEADER);
    pb.layers[3].end = 42 + 13;
    pb.final = DECODE_ERR_GTP_BAD_HEADER;
    sweep(L_EN10MB, &pb, BOTH);
    gtpu_outer(&pb, 2152, 2152);
    pb_gtpu(&pb, 0xff, false, NULL, 0, true);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    pb_w16(pb.b + 44, pb.n - 50 + 1);
    decode_fails(L_EN10MB, &pb, DECODE_ERR_GTP_BAD_HEADER);
}

static void test_ipip(void **state)
{
    (void)state;
    struct { int outer, inner; } combos[] = { { 4, 4 }, { 4, 6 }, { 6, 4 }, { 6, 6 } };
    for (size_t i = 0; i < ICTW_ARRAY_LEN(combos); i++) {
        struct pb pb;
        struct packet p;
        struct decode_ctx dc;
        uint8_t proto = combos[i].inner == 4 ? 4 : 41;
        const char *os = combos[i].outer == 4 ? "203.0.113.9" : "2001:db8:1::9";
        const char *od = combos[i].outer == 4 ? "203.0.113.10" : "2001:db8:1::10";
        pb_init(&pb);
        pb_eth(&pb, combos[i].outer == 4 ? 0x0800 : 0x86dd);
        if (combos[i].outer == 4)
            pb_ipv4(&pb, proto, os, od);
        else
            pb_ipv6(&pb, proto, os, od);
        if (combos[i].inner == 4) {
            pb_inner_tcp4(&pb);
        } else {
            pb_ipv6(&pb, IPPROTO_NUM_TCP, V6A, V6B);
            pb_tcp(&pb, 1234, 22, TCP_ACK | TCP_PSH, 100, 200, 1000, 0);
            pb_text(&pb, "SSH-2.0-x\r\n");
        }
        pb_done(&pb);
        memset(&dc, 0, sizeof(dc));
        decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
        if (combos[i].inner == 4)
            assert_inner_tcp4(&p);
        else
            assert_flow(&p, 6, IPPROTO_NUM_TCP, V6A, V6B, 1234, 22);
        assert_tunnel(&p, TUNNEL_IPIP, 1, proto, 0, os, od);
        assert_int_equal(dc.stats.tunnels[TUNNEL_IPIP], 1);
        sweep(L_EN10MB, &pb, BOTH);
    }
}

static void teredo_outer(struct pb *pb)
{
    pb_init(pb);
    pb_eth(pb, 0x0800);
    pb_ipv4(pb, IPPROTO_NUM_UDP, "192.0.2.45", "198.51.100.7");
    pb_udp(pb, 3544, 50001);
}

static void test_teredo(void **state)
{
    (void)state;
    struct pb pb;
    struct packet p;
    bool hdrs[3][2] = { { false, false }, { false, true }, { true, true } };
    for (int i = 0; i < 3; i++) {
        teredo_outer(&pb);
        pb_teredo(&pb, hdrs[i][0], hdrs[i][1]);
        pb_ipv6(&pb, IPPROTO_NUM_ICMPV6, "2001:0:4136:e378::1", "2001:0:4136:e378::2");
        pb_icmp(&pb, 128, 0, DECODE_ERR_ICMPV6_TRUNCATED);
        pb_done(&pb);
        decode_ok(L_EN10MB, &pb, &p);
        assert_flow(&p, 6, IPPROTO_NUM_ICMPV6, "2001:0:4136:e378::1", "2001:0:4136:e378::2", 0, 0);
        assert_tunnel(&p, TUNNEL_TEREDO, 1, IPPROTO_NUM_UDP, 0, "192.0.2.45", "198.51.100.7");
        sweep(L_EN10MB, &pb, BOTH);
    }

    /* a bubble: IPv6 without payload */
    teredo_outer(&pb);
    pb_teredo(&pb, false, true);
    pb_ipv6(&pb, 59, "2001:0:4136:e378::1", "2001:0:4136:e378::2");
    pb_done(&pb);
    decode_ok(L_EN10MB, &pb, &p);
    assert_int_equal(p.proto, 59);
    assert_int_equal(p.tunnel.type, TUNNEL_TEREDO);

    /* not plausible: not version 6, or a payload length that does not fill the datagram */
    teredo_outer(&pb);
    pb_teredo(&pb, false, false);
    pb_put(&pb, NULL, 60);
    pb_done(&pb);
    pb.b[42] = 0x45;
    decode_ok(L_EN10MB, &pb, &p);
    assert_flow(&p, 4, IPPROTO_NUM_UDP, "192.0.2.45", "198.51.100.7", 3544, 50001);
    assert_no_tunnel(&p);
    sweep(L_EN10MB, &pb, BOTH);
    teredo_outer(&pb);
    pb_teredo(&pb, false, false);
    pb_ipv6(&pb, 59, V6A, V6B);
    pb_put(&pb, NULL, 8);
    pb.nl = 4;
    pb_done(&pb);
    pb_w16(pb.b + 42 + 4, 16);
    decode_ok(L_EN10MB, &pb, &p);
    assert_no_tunnel(&p);
    sweep(L_EN10MB, &pb, BOTH);
}

static void test_tunnel_nesting(void **state)
{
    (void)state;
    struct pb pb;
    struct packet p;
    struct decode_ctx dc;

    /* VXLAN inside GRE inside IP-in-IP: the outermost is recorded, depth 3 */
    pb_init(&pb);
    pb_eth(&pb, 0x0800);
    pb_ipv4(&pb, 4, "198.18.0.1", "198.18.0.2");
    pb_ipv4(&pb, 47, "203.0.113.1", "203.0.113.2");
    pb_gre(&pb, 0, 0x0800, 0, 0);
    pb_ipv4(&pb, IPPROTO_NUM_UDP, "172.16.0.1", "172.16.0.2");
    pb_udp(&pb, 1, 4789);
    pb_vxlan(&pb, 0x08, 77);
    pb_eth(&pb, 0x0800);
    pb_inner_tcp4(&pb);
    pb_done(&pb);
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_inner_tcp4(&p);
    assert_tunnel(&p, TUNNEL_IPIP, 3, 4, 0, "198.18.0.1", "198.18.0.2");
    assert_int_equal(dc.stats.tunnels[TUNNEL_IPIP], 1);
    assert_int_equal(dc.stats.tunnels[TUNNEL_GRE], 1);
    assert_int_equal(dc.stats.tunnels[TUNNEL_VXLAN], 1);
    sweep(L_EN10MB, &pb, BOTH);

    /* four levels are fine, a fifth is refused */
    for (int levels = 4; levels <= 5; levels++) {
        pb_init(&pb);
        pb_eth(&pb, 0x0800);
        for (int i = 0; i < levels; i++)
            pb_ipv4(&pb, 4, "198.18.0.1", "198.18.0.2");
        unsigned nl = pb.nl;
        pb_inner_tcp4(&pb);
        if (levels == 5)
            pb.nl = nl;
        pb_done(&pb);
        if (levels == 4) {
            decode_ok(L_EN10MB, &pb, &p);
            assert_int_equal(p.tunnel.depth, 4);
            assert_inner_tcp4(&p);
        } else {
            decode_fails(L_EN10MB, &pb, DECODE_ERR_TUNNEL_TOO_DEEP);
            pb.final = DECODE_ERR_TUNNEL_TOO_DEEP;
        }
        sweep(L_EN10MB, &pb, BOTH);
    }
}

/* ---- fragments ---- */

/* Ethernet + IPv4 fragment of `l4` bytes [off, off+len). */
static void frag4(struct pb *pb, const struct pb *l4, uint32_t off, uint32_t len, bool more, uint16_t id,
                  uint8_t proto)
{
    pb_init(pb);
    pb_eth(pb, 0x0800);
    pb_ipv4_ex(pb, proto, V4A, V4B, NULL, 0, (uint16_t)((more ? 0x2000 : 0) | off / 8), id);
    pb_put(pb, l4->b + off, len);
    pb_done(pb);
}

static void udp_datagram(struct pb *l4, uint32_t payload)
{
    pb_init(l4);
    pb_udp(l4, 1000, 2000);
    for (uint32_t i = 0; i < payload; i++)
        pb_put(l4, (uint8_t[]){ (uint8_t)('a' + i % 26) }, 1);
    pb_done(l4);
}

static void test_fragments_without_defrag(void **state)
{
    (void)state;
    struct pb l4, pb;
    struct packet p;
    struct decode_ctx dc;
    udp_datagram(&l4, 100);

    frag4(&pb, &l4, 0, 56, true, 9, IPPROTO_NUM_UDP);
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_flow(&p, 4, IPPROTO_NUM_UDP, V4A, V4B, 1000, 2000);
    assert_int_equal(p.payload_len, 48);
    assert_int_equal(p.flags & PKT_REASSEMBLED, 0);
    assert_int_equal(dc.stats.fragments, 1);
    pb.layers[pb.nl++] = (struct pb_layer){ .end = 34 + 8, .reason = DECODE_ERR_UDP_TRUNCATED };
    sweep(L_EN10MB, &pb, BOTH);

    frag4(&pb, &l4, 56, 52, false, 9, IPPROTO_NUM_UDP);
    memset(&dc, 0, sizeof(dc));
    decode_ok_ctx(&dc, L_EN10MB, &pb, &p);
    assert_flow(&p, 4, IPPROTO_NUM_UDP, V4A, V4B, 0, 0);
    assert_null(p.l4);
    assert_ptr_equal(p.payload, pb.b + 34);
    assert_int_equal(p.payload_len, 52);
    assert_int_equal(dc.stats.fragments, 1);
    assert_int_equal(dc.stats.udp, 0);
    sweep(L_EN10MB, &pb, BOTH);

    /* the tiny-fragment trick: 8 bytes of TCP header in the first fragment */
    struct pb tcp;
    pb_init(&tcp);
    pb_tcp(&tcp, 4444, 23, TCP_SYN, 1, 0, 100, 0);
    frag4(&pb, &tcp, 0, 8, true, 10, IPPROTO_NUM_TCP);
    decode_fails(L_EN10MB, &pb, DECODE_ERR_TCP_TRUNCATED);

    /* a tunnel is not opened in a fragment: GRE stays GRE */
    struct pb gre;
    pb_init(&gre);
    pb_gre(&gre, 0, 0x0800, 0, 0);
    pb_inner_tcp4(&gre);
    pb_done(&gre);
    frag4(&pb, &gre, 0, 24, true, 11, 47);
    decode_ok(L_EN10MB, &pb, &p);
    assert_int_equal(p.proto, 47);
    assert_no_tunnel(&p);
}

static struct defrag *new_defrag(void)
{
    struct defrag_config cfg;
    defrag_config_defaults(&cfg);
    struct defrag *d = defrag_new(&cfg);
    assert_non_null(d);
    return d;
}

static enum decode_result decode_in(struct decode_ctx *dc, const struct pb *pb, struct packet *p,
                                    enum decode_error *err)
{
    memset(p, 0, sizeof(*p));
    p->ts = 1000000;
    p->wire_len = pb->n;
    return decode_packet(dc, L_EN10MB, pb->b, pb->n, p, err);
}

static void test_ipv4_reassembly(void **state)
{
    (void)state;
    struct pb l4, f[3];
    struct packet p;
    struct decode_ctx dc;
    enum decode_error err;
    memset(&dc, 0, sizeof(dc));
    dc.defrag = new_defrag();
    udp_datagram(&l4, 100);
    frag4(&f[0], &l4, 0, 48, true, 77, IPPROTO_NUM_UDP);
    frag4(&f[1], &l4, 48, 48, true, 77, IPPROTO_NUM_UDP);
    frag4(&f[2], &l4, 96, 12, false, 77, IPPROTO_NUM_UDP);

    assert_int_equal(decode_in(&dc, &f[2], &p, &err), DECODE_HELD);
    assert_int_equal(decode_in(&dc, &f[0], &p, &err), DECODE_HELD);
    assert_int_equal(decode_in(&dc, &f[1], &p, &err), DECODE_OK);
    assert_int_equal(p.flags & PKT_REASSEMBLED, PKT_REASSEMBLED);
    assert_flow(&p, 4, IPPROTO_NUM_UDP, V4A, V4B, 1000, 2000);
    assert_int_equal(p.l3_len, 128);
    assert_int_equal(ictw_be16(p.l3 + 2), 128);
    assert_int_equal(ictw_be16(p.l3 + 6) & 0x3fff, 0);
    assert_int_equal(p.payload_len, 100);
    assert_memory_equal(p.payload, l4.b + 8, 100);
    /* the rebuilt header checksums to zero */
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += ictw_be16(p.l3 + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    assert_int_equal(sum, 0xffff);
    assert_int_equal(dc.stats.fragments, 3);
    assert_int_equal(dc.stats.reassembled, 1);
    assert_int_equal(dc.stats.udp, 1);
    assert_int_equal(defrag_stats(dc.defrag)->reassembled, 1);

    /* cut by the snap length: cannot be reassembled */
    p.wire_len = f[0].n;
    memset(&p, 0, sizeof(p));
    p.wire_len = f[0].n;
    assert_int_equal(decode_packet(&dc, L_EN10MB, f[0].b, f[0].n - 1, &p, &err), DECODE_FAILED);
    assert_int_equal(err, DECODE_ERR_FRAG_TRUNCATED);
    assert_int_equal(dc.stats.errors[DECODE_ERR_FRAG_TRUNCATED], 1);

    /* refused by the defragmenter: a non-final fragment of 13 bytes */
    frag4(&f[0], &l4, 0, 13, true, 78, IPPROTO_NUM_UDP);
    assert_int_equal(decode_in(&dc, &f[0], &p, &err), DECODE_FAILED);
    assert_int_equal(err, DECODE_ERR_FRAG_INVALID);
    assert_int_equal(dc.stats.errors[DECODE_ERR_FRAG_INVALID], 1);
    defrag_free(dc.defrag);
}

/* IPv6 + hop-by-hop + fragment header, TCP inside. */
static void frag6(struct pb *pb, const struct pb *l4, uint32_t off, uint32_t len, bool more)
{
    pb_init(pb);
    pb_eth(pb, 0x86dd);
    pb_ipv6(pb, 0, V6A, V6B);
    pb_ip6ext(pb, 44, 0);
    pb_ip6frag(pb, IPPROTO_NUM_TCP, off, more, 0xcafe);
    pb_put(pb, l4->b + off, len);
    pb_done(pb);
}

static void test_ipv6_reassembly(void **state)
{
    (void)state;
    struct pb l4, f[2];
    struct packet p;
    struct decode_ctx dc;
    enum decode_error err;
    memset(&dc, 0, sizeof(dc));
    dc.defrag = new_defrag();
    pb_init(&l4);
    pb_tcp(&l4, 8080, 50000, TCP_ACK | TCP_PSH, 1, 2, 3, 0);
    for (int i = 0; i < 30; i++)
        pb_text(&l4, "0123456789");
    frag6(&f[0], &l4, 0, 160, true);
    frag6(&f[1], &l4, 160, l4.n - 160, false);

    /* without reassembly: the first fragment has the ports, the second has none */
    struct decode_ctx plain;
    memset(&plain, 0, sizeof(plain));
    assert_int_equal(decode_in(&plain, &f[0], &p, &err), DECODE_OK);
    assert_flow(&p, 6, IPPROTO_NUM_TCP, V6A, V6B, 8080, 50000);
    assert_int_equal(decode_in(&plain, &f[1], &p, &err), DECODE_OK);
    assert_flow(&p, 6, IPPROTO_NUM_TCP, V6A, V6B, 0, 0);
    assert_int_equal(plain.stats.fragments, 2);
    f[0].layers[f[0].nl++] = (struct pb_layer){ .end = 14 + 56 + 20, .reason = DECODE_ERR_TCP_TRUNCATED };
    sweep(L_EN10MB, &f[0], BOTH);
    sweep(L_EN10MB, &f[1], BOTH);

    assert_int_equal(decode_in(&dc, &f[1], &p, &err), DECODE_HELD);
    assert_int_equal(decode_in(&dc, &f[0], &p, &err), DECODE_OK);
    assert_int_equal(p.flags & (PKT_REASSEMBLED | PKT_IPV6_EXTHDRS), PKT_REASSEMBLED | PKT_IPV6_EXTHDRS);
    assert_flow(&p, 6, IPPROTO_NUM_TCP, V6A, V6B, 8080, 50000);
    assert_int_equal(p.l3_len, 40 + 8 + l4.n);
    assert_int_equal(p.l3[6], 0);                       /* still hop-by-hop first */
    assert_int_equal(p.l3[40], IPPROTO_NUM_TCP);        /* which now points at TCP */
    assert_int_equal(ictw_be16(p.l3 + 4), 8 + l4.n);
    assert_int_equal(p.payload_len, 300);
    assert_memory_equal(p.payload, l4.b + 20, 300);
    defrag_free(dc.defrag);
}

/* A fragmented GRE packet: reassembled, then the tunnel is opened. */
static void test_fragmented_tunnel(void **state)
{
    (void)state;
    struct pb gre, f[2];
    struct packet p;
    struct decode_ctx dc;
    enum decode_error err;
    memset(&dc, 0, sizeof(dc));
    dc.defrag = new_defrag();
    pb_init(&gre);
    pb_gre(&gre, 0, 0x0800, 0, 0);
    pb_inner_tcp4(&gre);
    pb_done(&gre);
    frag4(&f[0], &gre, 0, 24, true, 5, 47);
    frag4(&f[1], &gre, 24, gre.n - 24, false, 5, 47);
    assert_int_equal(decode_in(&dc, &f[0], &p, &err), DECODE_HELD);
    assert_int_equal(decode_in(&dc, &f[1], &p, &err), DECODE_OK);
    assert_inner_tcp4(&p);
    assert_tunnel(&p, TUNNEL_GRE, 1, 47, 0, V4A, V4B);
    assert_int_equal(p.flags & PKT_REASSEMBLED, PKT_REASSEMBLED);
    defrag_free(dc.defrag);
}

/* Inner fragments in two VXLAN segments with identical inner keys never mix. */
static void vxlan_frag(struct pb *pb, uint32_t vni, const struct pb *l4, uint32_t off, uint32_t len,
                       bool more)
{
    pb_init(pb);
    pb_eth(pb, 0x0800);
    pb_ipv4(pb, IPPROTO_NUM_UDP, "172.16.0.1", "172.16.0.2");
    pb_udp(pb, 1, 4789);
    pb_vxlan(pb, 0x08, vni);
    pb_eth(pb, 0x0800);
    pb_ipv4_ex(pb, IPPROTO_NUM_UDP, "10.0.0.1", "10.0.0.2", NULL, 0,
               (uint16_t)((more ? 0x2000 : 0) | off / 8), 42);
    pb_put(pb, l4->b + off, len);
    pb_done(pb);
}

static void test_fragments_in_tunnels(void **state)
{
    (void)state;
    struct pb a, b, fa[2], fb[2];
    struct packet p;
    struct decode_ctx dc;
    enum decode_error err;
    memset(&dc, 0, sizeof(dc));
    dc.defrag = new_defrag();
    udp_datagram(&a, 40);
    udp_datagram(&b, 40);
    memset(b.b + 8, 'Z', 40);
    vxlan_frag(&fa[0], 100, &a, 0, 24, true);
    vxlan_frag(&fa[1], 100, &a, 24, 24, false);
    vxlan_frag(&fb[0], 200, &b, 0, 24, true);
    vxlan_frag(&fb[1], 200, &b, 24, 24, false);
    assert_int_equal(decode_in(&dc, &fa[0], &p, &err), DECODE_HELD);
    assert_int_equal(decode_in(&dc, &fb[0], &p, &err), DECODE_HELD);
    assert_int_equal(decode_in(&dc, &fb[1], &p, &err), DECODE_OK);
    assert_int_equal(p.tunnel.id, 200);
    assert_memory_equal(p.payload, b.b + 8, 40);
    assert_int_equal(decode_in(&dc, &fa[1], &p, &err), DECODE_OK);
    assert_int_equal(p.tunnel.id, 100);
    assert_int_equal(p.tunnel.type, TUNNEL_VXLAN);
    assert_flow(&p, 4, IPPROTO_NUM_UDP, "10.0.0.1", "10.0.0.2", 1000, 2000);
    assert_memory_equal(p.payload, a.b + 8, 40);
    assert_int_equal(defrag_stats(dc.defrag)->overlaps, 0);
    defrag_free(dc.defrag);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_and_link_table),
        cmocka_unit_test(test_unsupported_link),
        cmocka_unit_test(test_ethernet_tcp),
        cmocka_unit_test(test_ethernet_padding),
        cmocka_unit_test(test_sll_and_sll2),
        cmocka_unit_test(test_ppi),
        cmocka_unit_test(test_raw_ip),
        cmocka_unit_test(test_dlt_ipv4_ipv6),
        cmocka_unit_test(test_null_and_loop),
        cmocka_unit_test(test_ppp),
        cmocka_unit_test(test_cisco_hdlc),
        cmocka_unit_test(test_vlan),
        cmocka_unit_test(test_pppoe),
        cmocka_unit_test(test_mpls),
        cmocka_unit_test(test_not_ip),
        cmocka_unit_test(test_ipv4_options),
        cmocka_unit_test(test_ipv4_malformed),
        cmocka_unit_test(test_ipv6_exthdrs),
        cmocka_unit_test(test_ipv6_malformed),
        cmocka_unit_test(test_udp),
        cmocka_unit_test(test_tcp_malformed),
        cmocka_unit_test(test_icmp_sctp_other),
        cmocka_unit_test(test_gre),
        cmocka_unit_test(test_gre_pptp),
        cmocka_unit_test(test_erspan),
        cmocka_unit_test(test_vxlan),
        cmocka_unit_test(test_gtpu),
        cmocka_unit_test(test_ipip),
        cmocka_unit_test(test_teredo),
        cmocka_unit_test(test_tunnel_nesting),
        cmocka_unit_test(test_fragments_without_defrag),
        cmocka_unit_test(test_ipv4_reassembly),
        cmocka_unit_test(test_ipv6_reassembly),
        cmocka_unit_test(test_fragmented_tunnel),
        cmocka_unit_test(test_fragments_in_tunnels),
    };
    return cmocka_run_group_tests_name("decode", tests, NULL, NULL);
}
