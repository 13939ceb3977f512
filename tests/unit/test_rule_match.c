/* test_rule_match.c - rule matching on synthetic packets and flows: header
 * direction and ports, flow state, content position modifiers (with
 * backtracking), pcre, packet keywords, sticky buffers, nDPI keywords,
 * app-layer-protocol, flowbits, pass rules, pending flow rules, encrypted
 * flows, flow end, IP-only rules. Each case has positive and negative
 * packets, so a broken keyword fails. */
#include "rule_testutil.h"

#define TS FLOW_TOSERVER
#define TC FLOW_TOCLIENT

static void tcp_flow(struct flow *f)
{
    rt_mkflow(f, "10.0.0.1", 40000, "203.0.113.5", 80, IPPROTO_NUM_TCP);
}

/* Loads rules; each later send counts alerts by sid. */
static void load(struct rt *t, const char *rules)
{
    if (!rt_load_text(t, rules)) {
        fprintf(stderr, "%s", t->errout);
        fail();
    }
    if (t->rep.failed) {
        fprintf(stderr, "%s", t->errout);
        fail();
    }
}

/* Number of alerts of sid for one packet. */
static int one(struct rt *t, struct flow *f, int dir, const char *payload, uint32_t sid)
{
    rt_reset_alerts(t);
    rt_send(t, f, dir, payload, 1 * SEC);
    return rt_count(t, sid);
}

static void classify(struct rt *t, struct flow *f, const char *master, const char *app)
{
    f->dpi.master_proto = master ? (uint16_t)rt_proto(t, master) : 0;
    f->dpi.app_proto = app ? (uint16_t)rt_proto(t, app) : 0;
    f->dpi.classified = 1;
}

/* ------------------------------------------------------------ header */

static void test_direction_and_header(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t, "alert tcp $HOME_NET any -> $EXTERNAL_NET 80 (msg:\"out\"; content:\"x\"; sid:1;)\n"
             "alert tcp any 80 -> any any (msg:\"from 80\"; content:\"x\"; sid:2;)\n"
             "alert tcp any any -> any any (flow:to_server; content:\"x\"; sid:3;)\n"
             "alert tcp any any -> any any (flow:from_server; content:\"x\"; sid:4;)\n"
             "alert tcp 203.0.113.5 any <> 10.0.0.0/8 any (content:\"x\"; sid:5;)\n"
             "alert tcp any any -> any [81:90,!85] (content:\"x\"; sid:6;)\n"
             "alert udp any any -> any any (content:\"x\"; sid:7;)\n"
             "alert ip any any -> any 80 (content:\"x\"; sid:8;)\n"
             "alert tcp any any -> 2001:db8::/32 any (content:\"x\"; sid:9;)\n");
    struct flow f;
    tcp_flow(&f);
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "x", SEC);
    assert_int_equal(rt_count(&t, 1), 1);
    assert_int_equal(rt_count(&t, 2), 0);
    assert_int_equal(rt_count(&t, 3), 1);
    assert_int_equal(rt_count(&t, 4), 0);
    assert_int_equal(rt_count(&t, 5), 1);   /* <> matches both orientations */
    assert_int_equal(rt_count(&t, 7), 0);
    assert_int_equal(rt_count(&t, 8), 1);
    rt_reset_alerts(&t);
    rt_send(&t, &f, TC, "x", SEC);
    assert_int_equal(rt_count(&t, 1), 0);
    assert_int_equal(rt_count(&t, 2), 1);
    assert_int_equal(rt_count(&t, 3), 0);
    assert_int_equal(rt_count(&t, 4), 1);
    assert_int_equal(rt_count(&t, 5), 1);
    assert_int_equal(rt_count(&t, 8), 0);
    rt_flow_done(&f);

    /* ports: 81-90 except 85 */
    int want[] = {0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 0};
    for (uint16_t p = 80; p <= 91; p++) {
        rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.5", p, IPPROTO_NUM_TCP);
        assert_int_equal(one(&t, &f, TS, "x", 6), want[p - 80]);
        rt_flow_done(&f);
    }
    rt_mkflow(&f, "2001:dbf::1", 40000, "2001:db8::1", 22, IPPROTO_NUM_TCP);
    assert_int_equal(one(&t, &f, TS, "x", 9), 1);
    assert_int_equal(one(&t, &f, TC, "x", 9), 0);
    rt_flow_done(&f);
    rt_mkflow(&f, "10.0.0.1", 5000, "10.0.0.2", 80, IPPROTO_NUM_UDP);
    assert_int_equal(one(&t, &f, TS, "x", 7), 1);
    assert_int_equal(one(&t, &f, TS, "x", 8), 1);
    assert_int_equal(one(&t, &f, TS, "x", 1), 0);
    rt_flow_done(&f);
    rt_free(&t);
}

static void test_flow_state(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t, "alert tcp any any -> any any (flow:established,to_server; content:\"x\"; sid:1;)\n"
             "alert tcp any any -> any any (flow:not_established; content:\"x\"; sid:2;)\n"
             "alert tcp any any -> any any (flow:stateless; content:\"x\"; sid:3;)\n"
             "alert tcp any any -> any any (flow:only_frag; content:\"x\"; sid:4;)\n"
             "alert udp any any -> any any (flow:established; content:\"y\"; sid:5;)\n");
    struct flow f;
    tcp_flow(&f);
    f.state = FLOW_STATE_NEW;
    assert_int_equal(one(&t, &f, TS, "x", 1), 0);
    assert_int_equal(one(&t, &f, TS, "x", 2), 1);
    assert_int_equal(one(&t, &f, TS, "x", 3), 1);
    f.state = FLOW_STATE_ESTABLISHED;
    assert_int_equal(one(&t, &f, TS, "x", 1), 1);
    assert_int_equal(one(&t, &f, TC, "x", 1), 0);
    assert_int_equal(one(&t, &f, TS, "x", 2), 0);
    /* closing after a real handshake is still established; a RST on a half-open flow is not */
    f.state = FLOW_STATE_CLOSED;
    f.flags = FLOW_F_SYN_SEEN | FLOW_F_SYNACK_SEEN | FLOW_F_WAS_ESTABLISHED;
    assert_int_equal(one(&t, &f, TS, "x", 1), 1);
    f.flags = FLOW_F_SYN_SEEN | FLOW_F_SYNACK_SEEN | FLOW_F_RST;   /* SYN, SYN/ACK, RST */
    assert_int_equal(one(&t, &f, TS, "x", 1), 0);
    f.flags = FLOW_F_SYN_SEEN | FLOW_F_RST;
    assert_int_equal(one(&t, &f, TS, "x", 1), 0);
    assert_int_equal(one(&t, &f, TS, "x", 2), 1);
    assert_int_equal(one(&t, &f, TS, "x", 4), 0);
    struct rt_pkt tp;
    rt_mkpkt(&tp, "10.0.0.1", 40000, "203.0.113.5", 80, IPPROTO_NUM_TCP, "x", 1, SEC);
    tp.p.flags |= PKT_REASSEMBLED;
    rt_reset_alerts(&t);
    detect_packet(t.e, &f, &tp.p, TS, 0, rt_alert, &t);
    assert_int_equal(rt_count(&t, 4), 1);
    rt_flow_done(&f);
    rt_mkflow(&f, "10.0.0.1", 5000, "10.0.0.2", 53, IPPROTO_NUM_UDP);
    f.state = FLOW_STATE_NEW;
    assert_int_equal(one(&t, &f, TS, "y", 5), 0);
    f.state = FLOW_STATE_ESTABLISHED;
    assert_int_equal(one(&t, &f, TS, "y", 5), 1);
    rt_flow_done(&f);
    rt_free(&t);
}

/* ------------------------------------------------------------ content */

static void test_content_positions(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t,
         "alert tcp any any -> any any (content:\"GET\"; depth:3; sid:1;)\n"
         "alert tcp any any -> any any (content:\"b\"; offset:2; sid:2;)\n"
         "alert tcp any any -> any any (content:\"a\"; content:\"b\"; distance:0; within:1; sid:3;)\n"
         "alert tcp any any -> any any (content:\"a\"; content:!\"b\"; within:1; sid:4;)\n"
         "alert tcp any any -> any any (content:\"abc\"; nocase; sid:5;)\n"
         "alert tcp any any -> any any (content:\"abc\"; sid:6;)\n"
         "alert tcp any any -> any any (content:\"x\"; content:\"y\"; distance:2; sid:7;)\n"
         "alert tcp any any -> any any (content:\"c\"; content:\"b\"; distance:-2; within:1; sid:8;)\n"
         "alert tcp any any -> any any (content:\"START\"; startswith; sid:9;)\n"
         "alert tcp any any -> any any (content:\"END\"; endswith; sid:10;)\n"
         "alert tcp any any -> any any (content:\"|de ad be ef|\"; sid:11;)\n"
         "alert tcp any any -> any any (content:\"k\"; content:\"l\"; distance:0; within:1; "
         "content:\"m\"; distance:0; within:1; sid:12;)\n"
         "alert tcp any any -> any any (content:\"q\"; isdataat:2,relative; sid:13;)\n"
         "alert tcp any any -> any any (content:\"w\"; isdataat:!1,relative; sid:14;)\n"
         "alert tcp any any -> any any (content:\"ab\"; offset:1; depth:3; sid:15;)\n"
         "alert tcp any any -> any any (content:!\"zz\"; sid:16;)\n");
    struct flow f;
    tcp_flow(&f);
    assert_int_equal(one(&t, &f, TS, "GET /", 1), 1);
    assert_int_equal(one(&t, &f, TS, " GET /", 1), 0);   /* beyond depth */
    assert_int_equal(one(&t, &f, TS, "abab", 2), 1);     /* the second b, at offset 3 */
    assert_int_equal(one(&t, &f, TS, "ab", 2), 0);
    /* backtracking: the first "a" is not followed by "b", the second is */
    assert_int_equal(one(&t, &f, TS, "axxab", 3), 1);
    assert_int_equal(one(&t, &f, TS, "axxa b", 3), 0);
    /* negated relative content retried on the next "a" */
    assert_int_equal(one(&t, &f, TS, "ab ac", 4), 1);
    assert_int_equal(one(&t, &f, TS, "ab ab", 4), 0);
    assert_int_equal(one(&t, &f, TS, "xaBCx", 5), 1);
    assert_int_equal(one(&t, &f, TS, "xaBCx", 6), 0);
    assert_int_equal(one(&t, &f, TS, "xabcx", 6), 1);
    assert_int_equal(one(&t, &f, TS, "x12y", 7), 1);    /* y starts 2 after the end of x */
    assert_int_equal(one(&t, &f, TS, "x1y", 7), 0);
    assert_int_equal(one(&t, &f, TS, "abc", 8), 1);     /* b found 2 back from the end of c */
    assert_int_equal(one(&t, &f, TS, "xbc", 8), 1);
    assert_int_equal(one(&t, &f, TS, "bxc", 8), 0);
    assert_int_equal(one(&t, &f, TS, "START here", 9), 1);
    assert_int_equal(one(&t, &f, TS, " START", 9), 0);
    assert_int_equal(one(&t, &f, TS, "the END", 10), 1);
    assert_int_equal(one(&t, &f, TS, "the END.", 10), 0);
    assert_int_equal(one(&t, &f, TS, "\xde\xad\xbe\xef", 11), 1);
    assert_int_equal(one(&t, &f, TS, "\xde\xad\xbe", 11), 0);
    /* two levels of backtracking: only the last "k" starts "klm" */
    assert_int_equal(one(&t, &f, TS, "kl kx klx klm", 12), 1);
    assert_int_equal(one(&t, &f, TS, "kl kx klx kl", 12), 0);
    assert_int_equal(one(&t, &f, TS, "q12", 13), 1);
    assert_int_equal(one(&t, &f, TS, "q1", 13), 0);
    assert_int_equal(one(&t, &f, TS, "xw", 14), 1);
    assert_int_equal(one(&t, &f, TS, "wx", 14), 0);
    assert_int_equal(one(&t, &f, TS, "xxab", 15), 1);    /* window [1,4) holds "ab" at 2 */
    assert_int_equal(one(&t, &f, TS, "xxxab", 15), 0);   /* "ab" at 3 ends after offset+depth */
    assert_int_equal(one(&t, &f, TS, "abc", 16), 1);
    assert_int_equal(one(&t, &f, TS, "azzc", 16), 0);
    /* an empty payload never matches a payload rule, not even a negated one */
    assert_int_equal(one(&t, &f, TS, "", 16), 0);
    rt_flow_done(&f);
    rt_free(&t);
}

static void test_pcre(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t,
         "alert tcp any any -> any any (pcre:\"/^user [a-z]+$/i\"; sid:1;)\n"
         "alert tcp any any -> any any (content:\"id=\"; pcre:\"/^[0-9]{3}\\b/R\"; sid:2;)\n"
         "alert tcp any any -> any any (content:\"x\"; pcre:!\"/evil/\"; sid:3;)\n"
         "alert tcp any any -> any any (pcre:\"/a.b/s\"; sid:4;)\n"
         "alert tcp any any -> any any (pcre:\"/^line2/m\"; sid:5;)\n"
         "alert tcp any any -> any any (content:\"k=\"; pcre:\"/^v/R\"; content:\"!\"; within:2; sid:6;)\n"
         /* x: blanks in the pattern are ignored and # starts a comment up to the pattern's end */
         "alert tcp any any -> any any (pcre:\"/^ GET \\s+ \\/admin [0-9]{2} $   # admin page, two-digit id/x\"; "
         "sid:7;)\n");
    struct flow f;
    tcp_flow(&f);
    assert_int_equal(one(&t, &f, TS, "GET /admin42", 7), 1);
    assert_int_equal(one(&t, &f, TS, "GET \t /admin07", 7), 1);
    assert_int_equal(one(&t, &f, TS, "GET /admin 42", 7), 0);     /* the blank is not in the pattern */
    assert_int_equal(one(&t, &f, TS, "GET /admin420", 7), 0);     /* $ still anchors */
    assert_int_equal(one(&t, &f, TS, "GET /admin42   # admin page, two-digit id", 7), 0);  /* comment is no text */
    assert_int_equal(one(&t, &f, TS, "USER alice", 1), 1);
    assert_int_equal(one(&t, &f, TS, "USER alice1", 1), 0);
    assert_int_equal(one(&t, &f, TS, "a id=12 id=345 x", 2), 1);   /* backtracks to the second id= */
    assert_int_equal(one(&t, &f, TS, "id=12", 2), 0);
    assert_int_equal(one(&t, &f, TS, "x fine", 3), 1);
    assert_int_equal(one(&t, &f, TS, "x evil", 3), 0);
    assert_int_equal(one(&t, &f, TS, "a\nb", 4), 1);
    assert_int_equal(one(&t, &f, TS, "line1\nline2", 5), 1);
    assert_int_equal(one(&t, &f, TS, "line1 line2", 5), 0);
    assert_int_equal(one(&t, &f, TS, "k=v! ", 6), 1);
    assert_int_equal(one(&t, &f, TS, "k=w!", 6), 0);
    rt_flow_done(&f);
    rt_free(&t);
}

static void test_packet_keywords(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t,
         "alert tcp any any -> any any (flags:S; sid:1;)\n"
         "alert tcp any any -> any any (flags:S,CE; sid:2;)\n"
         "alert tcp any any -> any any (flags:+A; sid:3;)\n"
         "alert tcp any any -> any any (flags:*FR; sid:4;)\n"
         "alert tcp any any -> any any (flags:!SA; sid:5;)\n"
         "alert tcp any any -> any any (flags:0; sid:6;)\n"
         "alert tcp any any -> any any (dsize:>3; sid:7;)\n"
         "alert tcp any any -> any any (dsize:2<>5; sid:8;)\n"
         "alert tcp any any -> any any (ttl:<10; sid:9;)\n"
         "alert icmp any any -> any any (itype:8; icode:0; sid:10;)\n"
         "alert ip any any -> any any (ip_proto:udp; sid:11;)\n"
         "alert ip any any -> any any (itype:3; sid:12;)\n");
    struct flow f;
    tcp_flow(&f);
    struct rt_pkt tp;
    struct {
        uint8_t flags;
        int s1, s2, s3, s4, s5, s6;
    } fl[] = {
        {TCP_SYN, 1, 1, 0, 0, 1, 0},
        {TCP_SYN | TCP_ECE | TCP_CWR, 0, 1, 0, 0, 1, 0},
        {TCP_SYN | TCP_ACK, 0, 0, 1, 0, 0, 0},
        {TCP_ACK | TCP_PSH, 0, 0, 1, 0, 1, 0},
        {TCP_FIN | TCP_ACK, 0, 0, 1, 1, 1, 0},
        {0, 0, 0, 0, 0, 1, 1},
    };
    for (size_t i = 0; i < sizeof(fl) / sizeof(fl[0]); i++) {
        rt_mkpkt(&tp, "10.0.0.1", 40000, "203.0.113.5", 80, IPPROTO_NUM_TCP, NULL, 0, SEC);
        tp.p.tcp_flags = fl[i].flags;
        rt_reset_alerts(&t);
        detect_packet(t.e, &f, &tp.p, TS, 0, rt_alert, &t);
        assert_int_equal(rt_count(&t, 1), fl[i].s1);
        assert_int_equal(rt_count(&t, 2), fl[i].s2);
        assert_int_equal(rt_count(&t, 3), fl[i].s3);
        assert_int_equal(rt_count(&t, 4), fl[i].s4);
        assert_int_equal(rt_count(&t, 5), fl[i].s5);
        assert_int_equal(rt_count(&t, 6), fl[i].s6);
    }
    assert_int_equal(one(&t, &f, TS, "abcd", 7), 1);
    assert_int_equal(one(&t, &f, TS, "abc", 7), 0);
    assert_int_equal(one(&t, &f, TS, "abc", 8), 1);
    assert_int_equal(one(&t, &f, TS, "abcde", 8), 0);   /* exclusive bounds */
    assert_int_equal(one(&t, &f, TS, "ab", 8), 0);
    rt_mkpkt(&tp, "10.0.0.1", 40000, "203.0.113.5", 80, IPPROTO_NUM_TCP, "x", 1, SEC);
    tp.p.ttl = 5;
    rt_reset_alerts(&t);
    detect_packet(t.e, &f, &tp.p, TS, 0, rt_alert, &t);
    assert_int_equal(rt_count(&t, 9), 1);
    tp.p.ttl = 10;
    rt_reset_alerts(&t);
    detect_packet(t.e, &f, &tp.p, TS, 0, rt_alert, &t);
    assert_int_equal(rt_count(&t, 9), 0);
    rt_flow_done(&f);

    rt_mkflow(&f, "10.0.0.1", 0, "10.0.0.2", 0, IPPROTO_NUM_ICMP);
    rt_mkpkt(&tp, "10.0.0.1", 0, "10.0.0.2", 0, IPPROTO_NUM_ICMP, "ping", 4, SEC);
    tp.p.icmp_type = 8;
    rt_reset_alerts(&t);
    detect_packet(t.e, &f, &tp.p, TS, 0, rt_alert, &t);
    assert_int_equal(rt_count(&t, 10), 1);
    assert_int_equal(rt_count(&t, 11), 0);
    assert_int_equal(rt_count(&t, 12), 0);
    tp.p.icmp_type = 3;
    rt_reset_alerts(&t);
    detect_packet(t.e, &f, &tp.p, TS, 0, rt_alert, &t);
    assert_int_equal(rt_count(&t, 10), 0);
    assert_int_equal(rt_count(&t, 12), 1);
    rt_flow_done(&f);
    rt_mkflow(&f, "10.0.0.1", 1, "10.0.0.2", 2, IPPROTO_NUM_UDP);
    assert_int_equal(one(&t, &f, TS, "u", 11), 1);
    rt_flow_done(&f);
    rt_free(&t);
}

/* ------------------------------------------------------------ app layer */

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = strdup(v);
}

static void test_sticky_buffers(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t,
         "alert dns any any -> any any (dns.query; content:\"evil.example\"; endswith; sid:1;)\n"
         "alert udp any any -> any any (dns_query; content:\"EVIL\"; nocase; sid:2;)\n"
         "alert tls any any -> any any (tls.sni; content:\"bad.example\"; sid:3;)\n"
         "alert tcp any any -> any any (tls_sni; content:\"bad\"; startswith; sid:4;)\n"
         "alert tcp any any -> any any (http.host; content:\"h.example\"; http.uri; content:\"/adm\"; "
         "http.method; content:\"POST\"; sid:5;)\n"
         "alert tcp any any -> any any (http.user_agent; content:\"curl/\"; sid:6;)\n"
         "alert tcp any any -> any any (content:\"/adm\"; http_uri; content:\"curl\"; http_user_agent; sid:7;)\n"
         "alert tcp any any -> any any (ja3.hash; content:\"e7eca2baf4458d095b7f45da28c16c34\"; sid:8;)\n"
         "alert tcp any any -> any any (ja3s_hash; content:\"0123456789ABCDEF0123456789abcdef\"; sid:9;)\n"
         "alert tcp any any -> any any (ja3_hash; content:\"ffff\"; sid:10;)\n"
         "alert tcp any any -> any any (http.uri; pcre:\"/^\\/adm(in)?$/\"; sid:11;)\n");
    struct flow f;
    rt_mkflow(&f, "10.0.0.1", 5353, "10.0.0.53", 53, IPPROTO_NUM_UDP);
    rt_send(&t, &f, TS, "q", SEC);
    assert_int_equal(t.nalerts, 0);
    classify(&t, &f, "DNS", NULL);
    set_str(&rt_app(&f)->dns_query, "www.EVIL.example");
    f.app->known |= APP_DNS_QUERY;
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "q", SEC);
    assert_int_equal(rt_count(&t, 1), 0);   /* case differs */
    assert_int_equal(rt_count(&t, 2), 1);
    rt_reset_alerts(&t);
    rt_send(&t, &f, TC, "r", SEC);
    rt_send(&t, &f, TS, "q", SEC);
    assert_int_equal(t.nalerts, 0);         /* once per flow, when the field appears */
    rt_flow_done(&f);

    rt_mkflow(&f, "10.0.0.1", 5353, "10.0.0.53", 53, IPPROTO_NUM_UDP);
    classify(&t, &f, "DNS", NULL);
    set_str(&rt_app(&f)->dns_query, "a.evil.example");
    f.app->known |= APP_DNS_QUERY;
    assert_int_equal(one(&t, &f, TS, "q", 1), 1);
    rt_flow_done(&f);

    rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.9", 443, IPPROTO_NUM_TCP);
    classify(&t, &f, "TLS", NULL);
    set_str(&rt_app(&f)->tls_sni, "bad.example");
    snprintf(f.app->ja3, sizeof(f.app->ja3), "e7eca2baf4458d095b7f45da28c16c34");
    f.app->known |= APP_TLS_SNI | APP_JA3;
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "hello", SEC);
    assert_int_equal(rt_count(&t, 3), 1);
    assert_int_equal(rt_count(&t, 4), 1);
    assert_int_equal(rt_count(&t, 8), 1);
    assert_int_equal(rt_count(&t, 10), 0);
    /* ja3s is seen to the client: known now, fires on the next to_client packet */
    snprintf(f.app->ja3s, sizeof(f.app->ja3s), "0123456789abcdef0123456789abcdef");
    f.app->known |= APP_JA3S;
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "more", SEC);
    assert_int_equal(rt_count(&t, 9), 0);
    rt_send(&t, &f, TC, "server", SEC);
    assert_int_equal(rt_count(&t, 9), 1);
    assert_int_equal(t.dir_of[0], TC);
    rt_flow_done(&f);

    rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.9", 80, IPPROTO_NUM_TCP);
    classify(&t, &f, "HTTP", NULL);
    struct flow_app *a = rt_app(&f);
    set_str(&a->http_host, "h.example");
    set_str(&a->http_uri, "/admin");
    set_str(&a->http_method, "POST");
    set_str(&a->http_user_agent, "curl/8.0");
    a->known |= APP_HTTP_HOST | APP_HTTP_URI | APP_HTTP_METHOD | APP_HTTP_UA;
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "POST /admin", SEC);
    assert_int_equal(rt_count(&t, 5), 1);
    assert_int_equal(rt_count(&t, 6), 1);
    assert_int_equal(rt_count(&t, 7), 1);
    assert_int_equal(rt_count(&t, 11), 1);
    rt_flow_done(&f);

    /* a field seen before the others it needs: the rule waits for all of them */
    rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.9", 80, IPPROTO_NUM_TCP);
    classify(&t, &f, "HTTP", NULL);
    a = rt_app(&f);
    set_str(&a->http_host, "h.example");
    a->known |= APP_HTTP_HOST;
    assert_int_equal(one(&t, &f, TS, "x", 5), 0);
    set_str(&a->http_uri, "/admin/x");
    set_str(&a->http_method, "POST");
    a->known |= APP_HTTP_URI | APP_HTTP_METHOD;
    assert_int_equal(one(&t, &f, TS, "x", 5), 1);
    assert_int_equal(rt_count(&t, 11), 0);   /* pcre anchored at the end */
    rt_flow_done(&f);
    rt_free(&t);
}

static void test_ndpi_keywords(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t,
         "alert ip any any -> any any (ndpi-protocol:TLS; sid:1;)\n"
         "alert ip any any -> any any (ndpi-protocol:TLS.YouTube; sid:2;)\n"
         "alert ip any any -> any any (ndpi-protocol:!TLS; sid:3;)\n"
         "alert ip any any -> any any (ndpi-protocol:youtube; sid:4;)\n"
         "alert ip any any -> any any (ndpi-risk:NDPI_TLS_SELFSIGNED_CERTIFICATE; sid:5;)\n"
         "alert ip any any -> any any (ndpi-risk:TLS_SELFSIGNED_CERTIFICATE,NDPI_TLS_OBSOLETE_VERSION; sid:6;)\n"
         "alert ip any any -> any any (ndpi-risk:!NDPI_TLS_SELFSIGNED_CERTIFICATE; ndpi-protocol:TLS; sid:7;)\n"
         "alert ip any any -> any any (ndpi-risk:64; sid:8;)\n"
         "alert tls any any -> any any (msg:\"tls seen\"; sid:9;)\n"
         "alert tcp any any -> any any (app-layer-protocol:tls; sid:10;)\n"
         "alert tcp any any -> any any (app-layer-protocol:!http; sid:11;)\n"
         "alert tcp any any -> any any (app-layer-protocol:failed; sid:12;)\n"
         "alert tcp any any -> any any (app-layer-protocol:unknown; flags:S; sid:13;)\n"
         "alert http any any -> any any (content:\"attack\"; sid:14;)\n");
    int selfsigned = dpi_risk_by_code("NDPI_TLS_SELFSIGNED_CERTIFICATE");
    int obsolete = dpi_risk_by_code("NDPI_TLS_OBSOLETE_VERSION");
    assert_int_equal(selfsigned, 6);   /* ndpi-risk:64 is bit 6 */

    struct flow f;
    rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.9", 443, IPPROTO_NUM_TCP);
    struct rt_pkt tp;
    rt_mkpkt(&tp, "10.0.0.1", 40000, "203.0.113.9", 443, IPPROTO_NUM_TCP, NULL, 0, SEC);
    tp.p.tcp_flags = TCP_SYN;
    rt_reset_alerts(&t);
    detect_packet(t.e, &f, &tp.p, TS, 0, rt_alert, &t);
    assert_int_equal(t.nalerts, 1);
    assert_int_equal(rt_count(&t, 13), 1);   /* not classified yet */
    classify(&t, &f, "TLS", "YouTube");
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "hello", SEC);
    assert_int_equal(rt_count(&t, 1), 1);
    assert_int_equal(rt_count(&t, 2), 1);
    assert_int_equal(rt_count(&t, 3), 0);
    assert_int_equal(rt_count(&t, 4), 1);
    assert_int_equal(rt_count(&t, 5), 0);
    assert_int_equal(rt_count(&t, 7), 1);
    assert_int_equal(rt_count(&t, 9), 1);
    assert_int_equal(rt_count(&t, 10), 1);
    assert_int_equal(rt_count(&t, 11), 1);
    assert_int_equal(rt_count(&t, 12), 0);
    assert_int_equal(rt_count(&t, 13), 0);
    /* a risk appears later: only the risk rules fire, the others already did */
    f.dpi.risk |= 1ULL << selfsigned;
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "x", SEC);
    assert_int_equal(t.nalerts, 2);
    assert_int_equal(rt_count(&t, 5), 1);
    assert_int_equal(rt_count(&t, 8), 1);
    assert_int_equal(rt_count(&t, 6), 0);   /* needs both risks */
    f.dpi.risk |= 1ULL << obsolete;
    assert_int_equal(one(&t, &f, TS, "x", 6), 1);
    assert_int_equal(one(&t, &f, TS, "x", 6), 0);
    rt_flow_done(&f);

    /* an HTTP flow: content rules of "alert http" only once classified */
    rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.9", 80, IPPROTO_NUM_TCP);
    assert_int_equal(one(&t, &f, TS, "attack", 14), 0);
    classify(&t, &f, "HTTP", NULL);
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "attack", SEC);
    assert_int_equal(rt_count(&t, 14), 1);
    assert_int_equal(rt_count(&t, 3), 1);
    assert_int_equal(rt_count(&t, 11), 0);
    assert_int_equal(one(&t, &f, TS, "attack", 14), 1);   /* a packet rule: every packet */
    rt_flow_done(&f);

    /* gave up: app-layer-protocol:failed */
    rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.9", 9999, IPPROTO_NUM_TCP);
    f.dpi.gave_up = 1;
    f.flags |= FLOW_F_DPI_DONE;
    assert_int_equal(one(&t, &f, TS, "z", 12), 1);
    rt_flow_done(&f);
    rt_free(&t);
}

/* A protocol nDPI only guessed at giveup: app-layer names say "failed",
 * ndpi-protocol sees the guess. */
static void test_guessed_protocol(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t, "alert ftp any any -> any any (sid:1;)\n"
             "alert tcp any any -> any any (app-layer-protocol:failed; sid:2;)\n"
             "alert tcp any any -> any any (ndpi-protocol:FTP_CONTROL; sid:3;)\n"
             "alert tcp any any -> any any (app-layer-protocol:!ftp; sid:4;)\n");
    struct flow f;
    rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.9", 21, IPPROTO_NUM_TCP);
    f.dpi.master_proto = f.dpi.app_proto = (uint16_t)rt_proto(&t, "FTP_CONTROL");
    f.dpi.gave_up = 1;
    f.flags |= FLOW_F_DPI_DONE;
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "x", SEC);
    assert_int_equal(rt_count(&t, 1), 0);
    assert_int_equal(rt_count(&t, 2), 1);
    assert_int_equal(rt_count(&t, 3), 1);
    assert_int_equal(rt_count(&t, 4), 1);
    rt_flow_done(&f);
    rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.9", 21, IPPROTO_NUM_TCP);
    classify(&t, &f, "FTP_CONTROL", NULL);
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "x", SEC);
    assert_int_equal(rt_count(&t, 1), 1);
    assert_int_equal(rt_count(&t, 2), 0);
    assert_int_equal(rt_count(&t, 4), 0);
    rt_flow_done(&f);
    rt_free(&t);
}

/* App-layer rules get another chance when the classification changes; when
 * only a risk is raised, just the ones with nDPI keywords. A rule whose
 * header cannot fit the flow's addresses never runs its buffers. */
static void test_app_rules_on_dpi_changes(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t, "alert http any any -> any any (ndpi-risk:NDPI_BINARY_APPLICATION_TRANSFER; http.uri; "
             "content:\".png\"; sid:1;)\n"
             "alert http any any -> any any (http.uri; content:\".png\"; sid:2;)\n"
             "alert http any any -> 10.0.0.0/8 any (flow:to_server; http.uri; content:\".png\"; sid:3;)\n");
    int bin = dpi_risk_by_code("NDPI_BINARY_APPLICATION_TRANSFER");
    assert_true(bin >= 0);
    struct flow f;
    rt_mkflow(&f, "203.0.113.9", 40000, "10.0.0.5", 80, IPPROTO_NUM_TCP);
    struct flow_app *a = rt_app(&f);
    set_str(&a->http_uri, "/a.png");
    a->known |= APP_HTTP_URI;
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "GET", SEC);
    assert_int_equal(t.nalerts, 0);          /* the field before the classification */
    classify(&t, &f, "HTTP", NULL);
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "x", SEC);
    assert_int_equal(t.nalerts, 2);
    assert_int_equal(rt_count(&t, 2), 1);
    assert_int_equal(rt_count(&t, 3), 1);
    f.dpi.risk |= 1ULL << bin;               /* then a risk, raised on a packet to the client */
    rt_reset_alerts(&t);
    rt_send(&t, &f, TC, "x", SEC);
    assert_int_equal(t.nalerts, 0);          /* http.uri rules wait for a packet to the server */
    rt_send(&t, &f, TS, "x", SEC);
    assert_int_equal(t.nalerts, 1);
    assert_int_equal(rt_count(&t, 1), 1);
    rt_flow_done(&f);

    /* the other way round: the client is in 10/8, rule 3's server is not */
    rt_mkflow(&f, "10.0.0.5", 40000, "203.0.113.9", 80, IPPROTO_NUM_TCP);
    classify(&t, &f, "HTTP", NULL);
    a = rt_app(&f);
    set_str(&a->http_uri, "/b.png");
    a->known |= APP_HTTP_URI;
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "GET", SEC);
    assert_int_equal(rt_count(&t, 2), 1);
    assert_int_equal(rt_count(&t, 3), 0);
    rt_reset_alerts(&t);
    rt_send(&t, &f, TC, "HTTP/1.1 200", SEC);
    rt_send(&t, &f, TS, "GET", SEC);
    assert_int_equal(t.nalerts, 0);
    assert_int_equal(f.detect != NULL, 1);
    rt_flow_done(&f);
    rt_free(&t);
}

static void test_pending_flow_rules(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t, "alert ip 10.0.0.0/8 any -> any any (ndpi-protocol:SSH; sid:1;)\n"
             "alert tcp any any -> any any (ndpi-protocol:SSH; flow:to_client; sid:2;)\n");
    struct flow f;
    rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.9", 22, IPPROTO_NUM_TCP);
    classify(&t, &f, "SSH", NULL);
    /* classified on a packet from the server: the rules wait for their direction */
    rt_reset_alerts(&t);
    rt_send(&t, &f, TC, "SSH-2.0-server", SEC);
    assert_int_equal(rt_count(&t, 1), 0);
    assert_int_equal(rt_count(&t, 2), 1);
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "SSH-2.0-client", SEC);
    assert_int_equal(rt_count(&t, 1), 1);
    assert_int_equal(t.dir_of[0], TS);
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "more", SEC);
    rt_send(&t, &f, TC, "more", SEC);
    assert_int_equal(t.nalerts, 0);
    rt_flow_done(&f);
    rt_free(&t);
}

static void test_flow_end_and_alerted(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t, "alert dns any any -> any any (dns.query; content:\"late.example\"; sid:1;)\n"
             "alert ip any any -> any any (ndpi-protocol:DNS; flow:to_client; sid:2;)\n"
             "alert ip any any -> any any (ndpi-protocol:DNS; dsize:>0; sid:3;)\n");
    struct flow f;
    rt_mkflow(&f, "10.0.0.1", 5353, "10.0.0.53", 53, IPPROTO_NUM_UDP);
    rt_send(&t, &f, TS, "q", SEC);
    assert_int_equal(t.nalerts, 0);
    assert_false(f.flags & FLOW_F_ALERTED);
    /* classification and the query only known at giveup */
    classify(&t, &f, "DNS", NULL);
    set_str(&rt_app(&f)->dns_query, "late.example");
    f.app->known |= APP_DNS_QUERY;
    f.last_seen = 5 * SEC;
    rt_reset_alerts(&t);
    detect_flow_end(t.e, &f, DPI_EV_CLASSIFIED | DPI_EV_FIELDS, rt_alert, &t);
    assert_int_equal(rt_count(&t, 1), 1);
    assert_int_equal(rt_count(&t, 2), 1);
    assert_int_equal(rt_count(&t, 3), 0);   /* dsize needs a packet */
    assert_false(t.had_packet[0]);
    assert_true(f.flags & FLOW_F_ALERTED);
    rt_flow_done(&f);
    rt_free(&t);
}

/* ------------------------------------------------------------ flowbits, pass */

static void test_flowbits(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t,
         "alert tcp any any -> any any (msg:\"reader\"; flowbits:isset,login; content:\"RETR\"; sid:1;)\n"
         "alert tcp any any -> any any (msg:\"not yet\"; flowbits:isnotset,login; content:\"RETR\"; sid:2;)\n"
         "alert tcp any any -> any any (msg:\"setter\"; content:\"USER\"; flowbits:set,login; flowbits:noalert; sid:3;)\n"
         "alert tcp any any -> any any (content:\"QUIT\"; flowbits:unset,login; noalert; sid:4;)\n"
         "alert tcp any any -> any any (content:\"T\"; flowbits:toggle,t; noalert; sid:5;)\n"
         "alert tcp any any -> any any (flowbits:isset,t|login; content:\"Z\"; sid:6;)\n"
         "alert tcp any any -> any any (flowbits:isset,t&login; content:\"Z\"; sid:7;)\n"
         "alert tcp any any -> any any (flowbits:isset,same; content:\"SAME\"; sid:8;)\n"
         "alert tcp any any -> any any (content:\"SAME\"; flowbits:set,same; noalert; sid:9;)\n");
    struct flow f;
    tcp_flow(&f);
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "RETR a", SEC);
    assert_int_equal(rt_count(&t, 1), 0);
    assert_int_equal(rt_count(&t, 2), 1);
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "USER bob", SEC);
    assert_int_equal(t.nalerts, 0);   /* noalert */
    rt_reset_alerts(&t);
    rt_send(&t, &f, TC, "RETR b", SEC);
    assert_int_equal(rt_count(&t, 1), 1);
    assert_int_equal(rt_count(&t, 2), 0);
    assert_int_equal(one(&t, &f, TS, "Z", 6), 1);
    assert_int_equal(one(&t, &f, TS, "Z", 7), 0);
    one(&t, &f, TS, "T", 5);
    assert_int_equal(one(&t, &f, TS, "Z", 7), 1);
    one(&t, &f, TS, "T", 5);   /* toggled off again */
    assert_int_equal(one(&t, &f, TS, "Z", 7), 0);
    one(&t, &f, TS, "QUIT", 4);
    assert_int_equal(one(&t, &f, TS, "RETR c", 1), 0);
    assert_int_equal(one(&t, &f, TS, "Z", 6), 0);
    /* the setter later in the file runs before the reader on the same packet */
    assert_int_equal(one(&t, &f, TS, "SAME", 8), 1);
    rt_flow_done(&f);
    /* bits are per flow */
    tcp_flow(&f);
    assert_int_equal(one(&t, &f, TS, "RETR", 1), 0);
    rt_flow_done(&f);
    rt_free(&t);
}

static void test_pass_rules(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t,
         "alert tcp any any -> any any (content:\"bad\"; sid:1;)\n"
         "pass tcp 10.0.0.7 any -> any any (content:\"ok\"; sid:2;)\n"
         "alert tcp any any -> any any (content:\"ok\"; sid:3;)\n");
    struct flow f;
    rt_mkflow(&f, "10.0.0.7", 40000, "203.0.113.5", 80, IPPROTO_NUM_TCP);
    assert_int_equal(one(&t, &f, TS, "bad", 1), 1);
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "ok bad", SEC);
    assert_int_equal(t.nalerts, 0);   /* the pass rule silences the packet ... */
    assert_true(f.flags & FLOW_F_PASS);
    assert_int_equal(one(&t, &f, TS, "bad", 1), 0);   /* ... and the rest of the flow */
    assert_int_equal(detect_engine_stats(t.e)->passed_flows, 1);
    rt_flow_done(&f);
    rt_mkflow(&f, "10.0.0.8", 40000, "203.0.113.5", 80, IPPROTO_NUM_TCP);
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "ok bad", SEC);
    assert_int_equal(rt_count(&t, 1), 1);
    assert_int_equal(rt_count(&t, 3), 1);
    rt_flow_done(&f);
    rt_free(&t);
}

/* ------------------------------------------------------------ encrypted, ip-only */

static void test_encrypted_flows(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    const char *rules = "alert ip any any -> any any (content:\"secret\"; sid:1;)\n"
                        "alert tcp any any -> any any (dsize:>3; sid:2;)\n";
    load(&t, rules);
    struct flow f;
    rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.9", 443, IPPROTO_NUM_TCP);
    classify(&t, &f, "TLS", NULL);
    assert_int_equal(one(&t, &f, TS, "secret", 1), 1);   /* handshake still inspected */
    f.flags |= FLOW_F_DPI_DONE;
    assert_int_equal(one(&t, &f, TS, "secret", 1), 0);
    assert_int_equal(one(&t, &f, TS, "secret", 2), 1);   /* non-payload rules still run */
    rt_flow_done(&f);
    /* nDPI still dissecting: the first application-data record stops inspection */
    rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.9", 443, IPPROTO_NUM_TCP);
    classify(&t, &f, "TLS", "Amazon");
    assert_int_equal(one(&t, &f, TS, "\x16\x03\x01 secret", 1), 1);
    assert_int_equal(one(&t, &f, TC, "\x17\x03\x03 secret", 1), 0);
    assert_int_equal(one(&t, &f, TS, "secret", 1), 0);   /* for the rest of the flow */
    rt_flow_done(&f);
    rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.9", 443, IPPROTO_NUM_TCP);
    classify(&t, &f, "TLS", NULL);
    assert_int_equal(one(&t, &f, TS, "\x14\x03\x03 secret", 1), 0);   /* ChangeCipherSpec */
    rt_flow_done(&f);
    /* an unclassified flow with such bytes is inspected */
    rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.9", 9999, IPPROTO_NUM_TCP);
    assert_int_equal(one(&t, &f, TS, "\x17\x03\x03 secret", 1), 1);
    rt_flow_done(&f);
    /* QUIC: encrypted from the start */
    rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.9", 443, IPPROTO_NUM_UDP);
    classify(&t, &f, "QUIC", NULL);
    assert_int_equal(one(&t, &f, TS, "secret", 1), 0);
    rt_flow_done(&f);
    config_add(&t.cfg, "detect.encryption-handling", "full", "test", 9);
    load(&t, rules);
    rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.9", 443, IPPROTO_NUM_TCP);
    classify(&t, &f, "TLS", NULL);
    f.flags |= FLOW_F_DPI_DONE;
    assert_int_equal(one(&t, &f, TS, "secret", 1), 1);
    rt_flow_done(&f);
    config_add(&t.cfg, "detect.encryption-handling", "sometimes", "test", 10);
    assert_null(rt_load_text(&t, rules));
    assert_non_null(strstr(t.errout, "test:10: detect.encryption-handling: 'sometimes' is not default or full"));
    rt_free(&t);
}

static void test_ip_only_rules(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    load(&t, "alert ip 198.51.100.0/24 any -> $HOME_NET any (msg:\"bad net\"; sid:1;)\n"
             "alert tcp any any -> any 23 (msg:\"telnet\"; sid:2;)\n");
    struct flow f;
    rt_mkflow(&f, "198.51.100.7", 40000, "10.0.0.5", 23, IPPROTO_NUM_TCP);
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "", SEC);
    rt_send(&t, &f, TS, "a", SEC);
    rt_send(&t, &f, TC, "b", SEC);
    rt_send(&t, &f, TS, "c", SEC);
    assert_int_equal(rt_count(&t, 1), 1);   /* first packet of the direction only */
    assert_int_equal(rt_count(&t, 2), 1);
    rt_flow_done(&f);
    rt_mkflow(&f, "10.0.0.5", 40000, "198.51.100.7", 23, IPPROTO_NUM_TCP);
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "", SEC);
    rt_send(&t, &f, TC, "", SEC);
    assert_int_equal(rt_count(&t, 1), 1);   /* the reply goes from 198.51.100.7 to home */
    assert_int_equal(t.dir_of[1], TC);
    rt_flow_done(&f);
    rt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direction_and_header),
        cmocka_unit_test(test_flow_state),
        cmocka_unit_test(test_content_positions),
        cmocka_unit_test(test_pcre),
        cmocka_unit_test(test_packet_keywords),
        cmocka_unit_test(test_sticky_buffers),
        cmocka_unit_test(test_ndpi_keywords),
        cmocka_unit_test(test_guessed_protocol),
        cmocka_unit_test(test_app_rules_on_dpi_changes),
        cmocka_unit_test(test_pending_flow_rules),
        cmocka_unit_test(test_flow_end_and_alerted),
        cmocka_unit_test(test_flowbits),
        cmocka_unit_test(test_pass_rules),
        cmocka_unit_test(test_encrypted_flows),
        cmocka_unit_test(test_ip_only_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
