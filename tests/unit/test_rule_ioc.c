/* test_rule_ioc.c - IOC sets: Suricata datasets (string, md5, ip, ipv4) on
 * sticky buffers and iprep categories/scores with host entries and CIDR
 * networks; hits, misses, bad list lines and the errors for misuse. */
#include "rule_testutil.h"

#define TS FLOW_TOSERVER
#define TC FLOW_TOCLIENT

static void set_str(char **dst, const char *v)
{
    free(*dst);
    *dst = strdup(v);
}

static int dns_query(struct rt *t, const char *q, uint32_t sid)
{
    struct flow f;
    rt_mkflow(&f, "10.0.0.1", 5353, "10.0.0.53", 53, IPPROTO_NUM_UDP);
    f.dpi.master_proto = (uint16_t)rt_proto(t, "DNS");
    f.dpi.classified = 1;
    set_str(&rt_app(&f)->dns_query, q);
    f.app->known |= APP_DNS_QUERY;
    rt_reset_alerts(t);
    rt_send(t, &f, TS, "q", SEC);
    rt_flow_done(&f);
    return rt_count(t, sid);
}

static int tcp_pkt(struct rt *t, const char *src, const char *dst, uint32_t sid)
{
    struct flow f;
    rt_mkflow(&f, src, 40000, dst, 443, IPPROTO_NUM_TCP);
    rt_reset_alerts(t);
    rt_send(t, &f, TS, "x", SEC);
    rt_flow_done(&f);
    return rt_count(t, sid);
}

static void test_dataset_string(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    /* evil.example, bad.test, a line that is not base64, a comment, a blank line,
     * and "x,y" whose second column is ignored */
    rt_write(&t, "domains.lst", "ZXZpbC5leGFtcGxl\nYmFkLnRlc3Q=\n!!not base64!!\n# comment\n\neA==,extra\n");
    assert_non_null(rt_load_text(&t,
        "alert dns any any -> any any (dns.query; dataset:isset,bad-domains, type string, load domains.lst; sid:1;)\n"
        "alert dns any any -> any any (dns.query; dataset:isnotset,bad-domains; content:\"corp\"; sid:2;)\n"
        "alert tls any any -> any any (tls.sni; dataset:isset,bad-domains; sid:3;)\n"
        "alert dns any any -> any any (dns.query; dataset:isset,bad-domains, type md5; sid:4;)\n"
        "alert dns any any -> any any (dns.query; dataset:isset,bad-domains, type string, load other.lst; sid:5;)\n"));
    assert_int_equal(t.rep.loaded, 3);
    char want[1024];
    snprintf(want, sizeof(want), "%s:3: not a valid string value for dataset 'bad-domains' (strings must "
             "be base64-encoded); line skipped", rt_path(&t, "domains.lst"));
    assert_non_null(strstr(t.errout, want));
    snprintf(want, sizeof(want), "test.rules:4: dataset 'bad-domains' is already loaded with type string");
    assert_non_null(strstr(t.errout, want));
    snprintf(want, sizeof(want), "test.rules:5: dataset 'bad-domains' is already loaded from '%s'",
             rt_path(&t, "domains.lst"));
    assert_non_null(strstr(t.errout, want));
    assert_non_null(strstr(t.errout, "(1 rule files, 3 dataset values"));

    assert_int_equal(dns_query(&t, "evil.example", 1), 1);
    assert_int_equal(dns_query(&t, "bad.test", 1), 1);
    assert_int_equal(dns_query(&t, "x", 1), 1);
    assert_int_equal(dns_query(&t, "evil.example.", 1), 0);   /* exact match only */
    assert_int_equal(dns_query(&t, "EVIL.example", 1), 0);
    assert_int_equal(dns_query(&t, "www.evil.example", 1), 0);
    assert_int_equal(dns_query(&t, "corp.example", 2), 1);
    assert_int_equal(dns_query(&t, "corp.evil", 2), 1);

    struct flow f;
    rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.9", 443, IPPROTO_NUM_TCP);
    f.dpi.master_proto = (uint16_t)rt_proto(&t, "TLS");
    f.dpi.classified = 1;
    set_str(&rt_app(&f)->tls_sni, "bad.test");
    f.app->known |= APP_TLS_SNI;
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "hello", SEC);
    assert_int_equal(rt_count(&t, 3), 1);
    rt_flow_done(&f);

    /* printed back with its type and the load path as written */
    char *s = rule_format(t.e->rules[0]);
    assert_non_null(strstr(s, "dns.query; dataset:isset,bad-domains, type string, load domains.lst;"));
    free(s);
    rt_free(&t);
}

/* A dataset whose load file cannot be read fails the whole load, as an unreadable rule file or
 * reputation list does (docs/rules.md): otherwise a SIGHUP while a list is being replaced would
 * silently drop its rules instead of keeping the rules loaded before. */
static void test_dataset_unreadable_fails_the_load(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    assert_null(rt_load_text(&t,
        "alert dns any any -> any any (dns.query; content:\"x\"; sid:1;)\n"
        "alert dns any any -> any any (dns.query; dataset:isset,missing, type string, load nope.lst; sid:6;)\n"));
    char want[1024];
    snprintf(want, sizeof(want), "test.rules:2: dataset 'missing': cannot read '%s': No such file or directory",
             rt_path(&t, "nope.lst"));
    assert_non_null(strstr(t.errout, want));
    /* a readable one loads */
    rt_write(&t, "nope.lst", "eA==\n");
    assert_non_null(rt_load_text(&t,
        "alert dns any any -> any any (dns.query; content:\"x\"; sid:1;)\n"
        "alert dns any any -> any any (dns.query; dataset:isset,missing, type string, load nope.lst; sid:6;)\n"));
    assert_int_equal(t.rep.loaded, 2);
    rt_free(&t);
}

static void test_dataset_hash_and_ip(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    rt_write(&t, "ja3.lst", "e7eca2baf4458d095b7f45da28c16c34\nnot-hex\n");
    rt_write(&t, "ips.lst", "198.51.100.7\n2001:db8::5\n300.1.1.1\n");
    rt_write(&t, "ip4.lst", "192.0.2.44\n2001:db8::1\n");
    assert_non_null(rt_load_text(&t,
        "alert tls any any -> any any (ja3.hash; dataset:isset,bad-ja3, type md5, load ja3.lst; sid:1;)\n"
        "alert ip any any -> any any (ip.dst; dataset:isset,bad-ips, type ip, load ips.lst; sid:2;)\n"
        "alert ip any any -> any any (ip.src; dataset:isset,bad-ips; sid:3;)\n"
        "alert ip any any -> any any (ip.dst; dataset:isset,bad-v4, type ipv4, load ip4.lst; sid:4;)\n"));
    assert_int_equal(t.rep.loaded, 4);
    assert_non_null(strstr(t.errout, "ja3.lst:2: not a valid md5 value for dataset 'bad-ja3'; line skipped"));
    assert_non_null(strstr(t.errout, "ips.lst:3: not a valid ip value for dataset 'bad-ips'; line skipped"));
    assert_non_null(strstr(t.errout, "ip4.lst:2: not a valid ipv4 value for dataset 'bad-v4'; line skipped"));

    struct flow f;
    rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.9", 443, IPPROTO_NUM_TCP);
    f.dpi.master_proto = (uint16_t)rt_proto(&t, "TLS");
    f.dpi.classified = 1;
    snprintf(rt_app(&f)->ja3, 33, "e7eca2baf4458d095b7f45da28c16c34");
    f.app->known |= APP_JA3;
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "hello", SEC);
    assert_int_equal(rt_count(&t, 1), 1);
    rt_flow_done(&f);
    rt_mkflow(&f, "10.0.0.1", 40000, "203.0.113.9", 443, IPPROTO_NUM_TCP);
    snprintf(rt_app(&f)->ja3, 33, "e7eca2baf4458d095b7f45da28c16c35");
    f.app->known |= APP_JA3;
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "hello", SEC);
    assert_int_equal(rt_count(&t, 1), 0);
    rt_flow_done(&f);

    assert_int_equal(tcp_pkt(&t, "10.0.0.1", "198.51.100.7", 2), 1);
    assert_int_equal(tcp_pkt(&t, "10.0.0.1", "198.51.100.8", 2), 0);
    assert_int_equal(tcp_pkt(&t, "2001:db8::99", "2001:db8::5", 2), 1);
    assert_int_equal(tcp_pkt(&t, "198.51.100.7", "10.0.0.1", 3), 1);
    assert_int_equal(tcp_pkt(&t, "198.51.100.7", "10.0.0.1", 2), 0);
    assert_int_equal(tcp_pkt(&t, "10.0.0.1", "192.0.2.44", 4), 1);
    assert_int_equal(tcp_pkt(&t, "10.0.0.1", "192.0.2.45", 4), 0);
    /* address rules are IP-only: one check per flow direction */
    assert_int_equal(t.e->rules[1]->kind, RK_IPONLY);
    rt_free(&t);
}

static void test_iprep(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    rt_write(&t, "categories.txt", "1,BadHosts,Known bad hosts\n2,CnC,Command and control\n# c\nbad line\n61,TooBig,x\n");
    rt_write(&t, "rep.csv",
             "198.51.100.7,1,90\n"
             "198.51.100.0/24,1,40\n"
             "198.51.0.0/16,2,77\n"
             "2001:db8::/32,2,100\n"
             "203.0.113.5,2,10\n"
             "203.0.113.5,1,5\n"
             "bad,1,1\n"
             "10.0.0.1,9,1\n"
             "10.0.0.1,1,200\n"
             "10.0.0.2,1\n");
    config_add(&t.cfg, "reputation-categories-file", rt_path(&t, "categories.txt"), "test", 20);
    config_add(&t.cfg, "default-reputation-path", t.dir, "test", 21);
    config_add(&t.cfg, "reputation-files", "rep.csv", "test", 22);
    assert_non_null(rt_load_text(&t,
        "alert ip any any -> any any (iprep:src,BadHosts,>,50; sid:1;)\n"
        "alert ip any any -> any any (iprep:any,CnC,isset; sid:2;)\n"
        "alert ip any any -> any any (iprep:dst,BadHosts,<,10; sid:3;)\n"
        "alert ip any any -> any any (iprep:both,BadHosts,>=,40; sid:4;)\n"
        "alert ip any any -> any any (iprep:src,BadHosts,isnotset; iprep:dst,BadHosts,=,90; sid:5;)\n"
        "alert ip any any -> any any (iprep:src,Nope,>,1; sid:6;)\n"
        "alert ip any any -> any any (iprep:up,BadHosts,>,1; sid:7;)\n"
        "alert ip any any -> any any (iprep:src,BadHosts,!,1; sid:8;)\n"
        "alert ip any any -> any any (iprep:src,BadHosts,>,128; sid:9;)\n"
        "alert ip any any -> any any (iprep:src,BadHosts,isset,3; sid:10;)\n"
        "alert tcp any any -> any any (flow:to_server; iprep:src,BadHosts,>,50; iprep:dst,CnC,isset; sid:11;)\n"));
    const char *rep = rt_path(&t, "rep.csv"), *cat = rt_path(&t, "categories.txt");
    char want[1024];
    snprintf(want, sizeof(want), "%s:4: expected 'id,shortname,description' with an id from 0 to 60; line skipped", cat);
    assert_non_null(strstr(t.errout, want));
    snprintf(want, sizeof(want), "%s:5: expected 'id,shortname,description'", cat);
    assert_non_null(strstr(t.errout, want));
    snprintf(want, sizeof(want), "%s:7: invalid address or network; line skipped", rep);
    assert_non_null(strstr(t.errout, want));
    snprintf(want, sizeof(want), "%s:8: unknown category id (not in the categories file); line skipped", rep);
    assert_non_null(strstr(t.errout, want));
    snprintf(want, sizeof(want), "%s:9: score must be a number from 0 to 127; line skipped", rep);
    assert_non_null(strstr(t.errout, want));
    snprintf(want, sizeof(want), "%s:10: expected 'address,category,score'; line skipped", rep);
    assert_non_null(strstr(t.errout, want));
    assert_non_null(strstr(t.errout, "test.rules:6: iprep: unknown category (not in the categories file)"));
    assert_non_null(strstr(t.errout, "test.rules:7: iprep: side must be src, dst, any or both"));
    assert_non_null(strstr(t.errout, "test.rules:8: iprep: operator must be <, <=, >, >=, =, isset or isnotset"));
    assert_non_null(strstr(t.errout, "test.rules:9: iprep: the score must be a number from 0 to 127"));
    assert_non_null(strstr(t.errout, "test.rules:10: iprep: isset and isnotset take no score"));
    assert_non_null(strstr(t.errout, "6 reputation entries"));
    assert_int_equal(t.rep.loaded, 6);

    /* a flow direction makes a packet rule (as in Suricata, where IP-only rules
     * have no direction): scores are looked up once per flow, for every packet */
    struct flow f;
    rt_mkflow(&f, "198.51.100.7", 40000, "198.51.7.7", 443, IPPROTO_NUM_TCP);
    rt_reset_alerts(&t);
    for (int i = 0; i < 3; i++) {
        rt_send(&t, &f, TS, "x", SEC);
        rt_send(&t, &f, TC, "y", SEC);
    }
    assert_int_equal(rt_count(&t, 11), 3);
    rt_flow_done(&f);
    rt_mkflow(&f, "198.51.100.8", 40000, "198.51.7.7", 443, IPPROTO_NUM_TCP);   /* src score 40 */
    rt_reset_alerts(&t);
    rt_send(&t, &f, TS, "x", SEC);
    rt_send(&t, &f, TS, "x", SEC);
    assert_int_equal(rt_count(&t, 11), 0);
    rt_flow_done(&f);

    assert_int_equal(tcp_pkt(&t, "198.51.100.7", "10.0.0.9", 1), 1);   /* host entry: 90 */
    assert_int_equal(tcp_pkt(&t, "198.51.100.8", "10.0.0.9", 1), 0);   /* the /24: 40 */
    assert_int_equal(tcp_pkt(&t, "198.51.7.7", "10.0.0.9", 2), 1);     /* the /16 for CnC */
    assert_int_equal(tcp_pkt(&t, "198.51.100.8", "10.0.0.9", 2), 0);   /* longest match: the /24 has no CnC */
    assert_int_equal(tcp_pkt(&t, "2001:db8:2::9", "2001:db8:1::1", 2), 1);
    assert_int_equal(tcp_pkt(&t, "10.0.0.9", "203.0.113.5", 3), 1);    /* 5 < 10 */
    assert_int_equal(tcp_pkt(&t, "10.0.0.9", "198.51.100.8", 3), 0);
    assert_int_equal(tcp_pkt(&t, "198.51.100.7", "198.51.100.9", 4), 1);
    assert_int_equal(tcp_pkt(&t, "198.51.100.7", "10.0.0.9", 4), 0);
    assert_int_equal(tcp_pkt(&t, "10.0.0.9", "198.51.100.7", 5), 1);
    assert_int_equal(tcp_pkt(&t, "198.51.100.9", "198.51.100.7", 5), 0);
    rt_free(&t);

    /* a reputation file without categories cannot be loaded */
    rt_init(&t);
    rt_write(&t, "rep.csv", "198.51.100.7,1,90\n");
    config_add(&t.cfg, "reputation-files", rt_path(&t, "rep.csv"), "cfgfile", 7);
    assert_null(rt_load_text(&t, "alert ip any any -> any any (sid:1;)\n"));
    assert_non_null(strstr(t.errout, "cfgfile:7: reputation-files needs reputation-categories-file"));
    rt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dataset_string),
        cmocka_unit_test(test_dataset_unreadable_fails_the_load),
        cmocka_unit_test(test_dataset_hash_and_ip),
        cmocka_unit_test(test_iprep),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
