/* test_rule_parse.c - the rule parser: every keyword's valid forms, each kind
 * of invalid value with its exact message, round trips of a rule corpus, and
 * the file loader (continuation lines, comments, FILE:LINE messages, duplicate
 * sids, strict mode, the summary). */
#include "rule_testutil.h"

#define R(opts) "alert tcp any any -> any any (" opts ")"
#define RU(opts) "alert udp any any -> any any (" opts ")"
#define RI(opts) "alert icmp any any -> any any (" opts ")"
#define RIP(opts) "alert ip any any -> any any (" opts ")"

struct bad {
    const char *rule;
    const char *error;
};

static void check_errors(const struct bad *cases, size_t n)
{
    struct rt t;
    rt_init(&t);
    for (size_t i = 0; i < n; i++) {
        const char *got = rt_parse(&t, cases[i].rule);
        if (strcmp(got, cases[i].error) != 0) {
            fprintf(stderr, "rule:     %s\nexpected: %s\ngot:      %s\n", cases[i].rule,
                    cases[i].error, got);
            fail();
        }
    }
    rt_free(&t);
}

static void check_valid(const char *const *rules, size_t n)
{
    struct rt t;
    rt_init(&t);
    for (size_t i = 0; i < n; i++) {
        const char *got = rt_parse(&t, rules[i]);
        if (*got) {
            fprintf(stderr, "rule: %s\nerror: %s\n", rules[i], got);
            fail();
        }
        /* keep at most a few parsed rules around */
        rule_free(t.parsed[--t.nparsed]);
    }
    rt_free(&t);
}

/* ------------------------------------------------------------ header */

static void test_header_errors(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        {"alert tcp any any -> any (sid:1;)",
         "the header needs 7 fields (action protocol source port direction destination port), found 6"},
        {"alert tcp any any -> any any any (sid:1;)",
         "the header needs 7 fields (action protocol source port direction destination port), found 8"},
        {"alrt tcp any any -> any any (sid:1;)", "unknown action 'alrt' (use alert, pass, drop or reject)"},
        {"alert tcpx any any -> any any (sid:1;)", "unknown protocol 'tcpx'"},
        {"alert http2 any any -> any any (sid:1;)", "protocol 'http2' is not known to nDPI 4.2"},
        {"alert tcp any any <- any any (sid:1;)",
         "direction '<-' does not exist; swap the addresses and use '->'"},
        {"alert tcp any any => any any (sid:1;)", "direction '=>' (transactional rules) is not supported"},
        {"alert tcp any any >> any any (sid:1;)", "invalid direction '>>' (use -> or <>)"},
        {"alert tcp 1.2.3 any -> any any (sid:1;)", "source address: invalid address '1.2.3'"},
        {"alert tcp $NOPE any -> any any (sid:1;)", "source address: unknown variable '$NOPE'"},
        {"alert tcp !any any -> any any (sid:1;)", "source address: '!any' matches no address"},
        {"alert tcp [10.0.0.0/8,!10.0.0.0/8] any -> any any (sid:1;)",
         "source address: '[10.0.0.0/8,!10.0.0.0/8]' matches no address"},
        {"alert tcp 10.0.0.0/33 any -> any any (sid:1;)",
         "source address: invalid address '10.0.0.0/33': bad prefix length or netmask"},
        {"alert tcp 10.0.0.9-10.0.0.1 any -> any any (sid:1;)",
         "source address: invalid address range '10.0.0.9-10.0.0.1': start is after end"},
        {"alert tcp any 70000 -> any any (sid:1;)", "source port: invalid port '70000'"},
        {"alert tcp any 90:80 -> any any (sid:1;)", "source port: invalid port range '90:80': start is after end"},
        {"alert tcp any any -> any [80,81 (sid:1;)", "destination port: missing ']'"},
        {"alert tcp any any -> any [] (sid:1;)", "destination port: empty list '[]'"},
        {"alert tcp any any -> any !any (sid:1;)", "destination port: '!any' matches no port"},
        {"alert tcp any any -> 1.2.3.4 any", "no options: a rule needs '(' after the header"},
        {"alert tcp any any -> any any (sid:1;", "the options are not closed by ')'"},
        {"alert tcp any any -> any any (sid:1;) x", "unexpected text after the closing ')'"},
    };
    check_errors(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_header_valid(void **state)
{
    (void)state;
    static const char *const rules[] = {
        "alert ip any any -> any any (sid:1;)",
        "alert tcp-pkt any any -> any any (sid:1;)",
        "alert icmpv6 any any -> any any (sid:1;)",
        "alert ipv6 any any -> any any (sid:1;)",
        "alert sctp any any -> any any (sid:1;)",
        "alert http $HOME_NET any -> $EXTERNAL_NET $HTTP_PORTS (sid:1;)",
        "alert tls any any -> any 443 (sid:1;)",
        "alert dnp3 any any -> any any (sid:1;)",
        "alert modbus any any -> any 502 (sid:1;)",
        "alert iec104 any any -> any any (sid:1;)",
        "alert s7comm any any -> any any (sid:1;)",
        "alert enip any any -> any any (sid:1;)",
        "pass tcp [10.0.0.0/8, !10.1.0.0/16] any <> any [80:90,!85] (sid:1;)",
        "drop tcp 2001:db8::/32 any -> ![192.168.0.0/16,[10.0.0.0/8,!10.9.0.0/16]] :1024 (sid:1;)",
        "reject udp 10.0.0.1-10.0.0.9 1024: -> 10.0.0.0/255.255.255.0 [53,5353] (sid:1;)",
        "alert tcp any any -> any any (sid:1;)   ",
    };
    check_valid(rules, sizeof(rules) / sizeof(rules[0]));
}

static void test_option_grammar_errors(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        {R("sid:1"), "option 'sid:1' is not ended by ';'"},
        {R("sid:1;;"), "empty option (two ';' in a row?)"},
        {R("msg:\"x\";"), "rule has no sid"},
        {R("foo; sid:1;"), "unknown keyword 'foo'"},
        {R("content:\"a\"; byte_test:1,=,1,0; sid:1;"), "keyword 'byte_test' is not supported by ictwatch"},
        {R("http.header; content:\"a\"; sid:1;"), "keyword 'http.header' is not supported by ictwatch"},
        {R("nocase:1; sid:1;"), "nocase takes no value"},
        {R("sid; "), "sid needs a value"},
        {R("sid:; "), "sid needs a value"},
        {R("priority:\"1; sid:1;"), "priority: unbalanced double quotes"},
    };
    check_errors(cases, sizeof(cases) / sizeof(cases[0]));
}

/* ------------------------------------------------------------ meta */

static void test_meta_errors(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        {R("msg:x; sid:1;"), "msg: the value must be in double quotes"},
        {R("msg:\"a\"; msg:\"b\"; sid:1;"), "msg given twice"},
        {R("sid:0;"), "sid: '0' is not a number from 1 to 4294967295"},
        {R("sid:abc;"), "sid: 'abc' is not a number from 1 to 4294967295"},
        {R("sid:4294967296;"), "sid: '4294967296' is not a number from 1 to 4294967295"},
        {R("sid:1; sid:2;"), "sid given twice"},
        {R("sid:1; rev:-1;"), "rev: '-1' is not a number from 0 to 4294967295"},
        {R("sid:1; rev:1; rev:2;"), "rev given twice"},
        {R("sid:1; gid:x;"), "gid: 'x' is not a number from 0 to 4294967295"},
        {R("sid:1; priority:0;"), "priority: '0' is not a number from 1 to 255"},
        {R("sid:1; priority:256;"), "priority: '256' is not a number from 1 to 255"},
        {R("sid:1; priority:1; priority:2;"), "priority given twice"},
        {R("sid:1; classtype:bad name;"), "classtype: 'bad name' is not a valid classtype name"},
        {R("sid:1; reference:foo;"), "reference: expected 'type,value', got 'foo'"},
        {R("sid:1; reference:nope,1;"), "reference: unknown type 'nope' (not in reference.config)"},
        {R("sid:1; reference:url,;"), "reference: 'url' has no value"},
        {R("sid:1; metadata:foo;"), "metadata: 'foo' has no value (write 'key value')"},
        {R("sid:1; metadata:a b,,c d;"), "metadata: empty entry (two ',' in a row?)"},
    };
    check_errors(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_meta_values(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    assert_string_equal(rt_parse(&t, R("msg:\"a\\;b\\\"c\\\\d\\:e\"; sid:7; rev:3; gid:2;")), "");
    struct rule *r = rt_last(&t);
    assert_string_equal(r->msg, "a;b\"c\\d:e");
    assert_int_equal(r->sig.sid, 7);
    assert_int_equal(r->sig.rev, 3);
    assert_int_equal(r->sig.gid, 2);
    assert_int_equal(r->sig.severity, 3);   /* no classtype, no priority */
    assert_string_equal(r->sig.category, "");
    assert_null(r->sig.metadata_json);
    assert_null(r->sig.references_json);

    assert_string_equal(rt_parse(&t, R("classtype:trojan-activity; sid:8;")), "");
    assert_int_equal(rt_last(&t)->sig.severity, 1);
    assert_string_equal(rt_last(&t)->sig.category, "A Network Trojan was detected");

    assert_string_equal(rt_parse(&t, R("classtype:trojan-activity; priority:\"2\"; sid:9;")), "");
    assert_int_equal(rt_last(&t)->sig.severity, 2);   /* priority wins */

    /* several classtypes: the highest priority gives category and severity */
    assert_string_equal(rt_parse(&t, R("classtype:misc-activity; classtype:attempted-recon; sid:10;")), "");
    assert_int_equal(rt_last(&t)->sig.severity, 2);
    assert_string_equal(rt_last(&t)->sig.category, "Attempted Information Leak");

    /* unknown classtype: a warning, empty category, priority 3 */
    assert_string_equal(rt_parse(&t, R("classtype:no-such-class; sid:11;")), "");
    assert_int_equal(rt_last(&t)->sig.severity, 3);
    assert_string_equal(rt_last(&t)->sig.category, "");

    assert_string_equal(rt_parse(&t, R("metadata:zeta 1, alpha x, zeta 2,alpha   x, created_at 2025_01_01; sid:12;")), "");
    assert_string_equal(rt_last(&t)->sig.metadata_json,
                        "{\"alpha\":[\"x\"],\"created_at\":[\"2025_01_01\"],\"zeta\":[\"1\",\"2\"]}");

    assert_string_equal(rt_parse(&t, R("reference:cve,2021-44228; reference:url,example.com/a\"b; sid:13;")), "");
    assert_string_equal(rt_last(&t)->sig.references_json,
                        "[\"http://cve.mitre.org/cgi-bin/cvename.cgi?name=2021-44228\",\"http://example.com/a\\\"b\"]");
    rt_free(&t);
}

/* ------------------------------------------------------------ packet keywords */

static void test_packet_keyword_errors(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        {R("flow:to_server,to_client; sid:1;"), "flow: to_server and to_client cannot be combined"},
        {R("flow:established,not_established; sid:1;"),
         "flow: established and not_established cannot be combined"},
        {R("flow:only_frag,no_frag; sid:1;"), "flow: only_frag and no_frag cannot be combined"},
        {R("flow:bogus; sid:1;"), "flow: unknown option 'bogus'"},
        {R("flow:only_stream; sid:1;"), "flow: only_stream is not supported (no TCP stream reassembly)"},
        {R("flow:established; flow:to_server; sid:1;"), "flow given twice"},
        {R("flags:X; sid:1;"), "flags: unknown flag 'X' (use F S R P A U C E or 0)"},
        {R("flags:+*S; sid:1;"), "flags: only one modifier (+, * or !) is allowed"},
        {R("flags:0S; sid:1;"), "flags: 0 (no flags) cannot be combined with other flags"},
        {R("flags:S,; sid:1;"), "flags: nothing after ','"},
        {R("flags:+; sid:1;"), "flags: no flags given"},
        {R("flags:S; flags:A; sid:1;"), "flags given twice"},
        {RU("flags:S; sid:1;"), "flags needs a tcp (or ip) rule"},
        {R("dsize:abc; sid:1;"), "dsize: 'abc' is not a number from 0 to 65535"},
        {R("dsize:70000; sid:1;"), "dsize: '70000' is not a number from 0 to 65535"},
        {R("dsize:5-3; sid:1;"), "dsize: '5-3': the range start must be lower than its end"},
        {R("dsize:<0; sid:1;"), "dsize: '<0' can never match"},
        {R("dsize:>65535; sid:1;"), "dsize: '>65535' can never match"},
        {R("dsize:5x; sid:1;"), "dsize: '5x': unexpected 'x'"},
        {R("dsize:1; dsize:2; sid:1;"), "dsize given twice"},
        {R("dsize:>1; tls.sni; content:\"a\"; sid:1;"), "dsize cannot be combined with app-layer buffers"},
        {R("ttl:300; sid:1;"), "ttl: '300' is not a number from 0 to 255"},
        {RI("itype:256; sid:1;"), "itype: '256' is not a number from 0 to 255"},
        {RI("icode:-1; sid:1;"), "icode: '-1' is not a number from 0 to 255"},
        {R("itype:8; sid:1;"), "itype needs an icmp (or ip) rule"},
        {R("ip_proto:bogus; sid:1;"), "ip_proto: 'bogus' is not a protocol number (0-255) or known name"},
        {R("ip_proto:<0; sid:1;"), "ip_proto: '<0' can never match"},
        {R("ip_proto:256; sid:1;"), "ip_proto: '256' is not a protocol number (0-255) or known name"},
    };
    check_errors(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_packet_keyword_valid(void **state)
{
    (void)state;
    static const char *const rules[] = {
        R("flow:to_server,established; sid:1;"),
        R("flow:from_client; sid:1;"),
        R("flow:to_client,not_established,no_frag,no_stream; sid:1;"),
        R("flow:stateless,only_frag; sid:1;"),
        R("flags:S,CE; sid:1;"),
        R("flags:SA+; sid:1;"),
        R("flags:*FRU; sid:1;"),
        R("flags:!A; sid:1;"),
        R("flags:0; sid:1;"),
        R("flags:S12; sid:1;"),
        RIP("flags:S; sid:1;"),
        R("dsize:0; sid:1;"),
        R("dsize:=10; sid:1;"),
        R("dsize:!10; sid:1;"),
        R("dsize:!=10; sid:1;"),
        R("dsize:<=10; sid:1;"),
        R("dsize:>=0x10; sid:1;"),
        R("dsize:100<>200; sid:1;"),
        R("dsize:100-200; sid:1;"),
        R("dsize:!100-200; sid:1;"),
        R("ttl:<5; sid:1;"),
        R("ttl:64; sid:1;"),
        RI("itype:8; icode:0; sid:1;"),
        RI("itype:>10; sid:1;"),
        RIP("itype:3; sid:1;"),
        R("ip_proto:6; sid:1;"),
        RIP("ip_proto:gre; sid:1;"),
        RIP("ip_proto:!tcp; sid:1;"),
        RIP("ip_proto:>100; sid:1;"),
        R("tcp.flags:S; sid:1;"),
    };
    check_valid(rules, sizeof(rules) / sizeof(rules[0]));
}

/* ------------------------------------------------------------ content family */

static void test_content_errors(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        {R("content:abc; sid:1;"), "content: the value must be in double quotes"},
        {R("content:\"\"; sid:1;"), "content is empty"},
        {R("content:\"||\"; sid:1;"), "content is empty"},
        {R("content:\"|4|\"; sid:1;"), "content: odd number of hex digits in '|4|'"},
        {R("content:\"|GG|\"; sid:1;"), "content: invalid hex character 'G' in '|GG|'"},
        {R("content:\"|41\"; sid:1;"), "content: hex part not closed by '|' in '|41'"},
        {R("content:\"a\\x\"; sid:1;"),
         "content: invalid escape '\\x' (only \\; \\\" \\\\ \\: are allowed; write other bytes in hex)"},
        {R("content:\"a\"b\"; sid:1;"), "content: unescaped '\"' inside the string (write \\\" or |22|)"},
        {R("nocase; sid:1;"), "nocase needs a content before it"},
        {R("content:\"a\"; nocase; nocase; sid:1;"), "nocase given twice for one content"},
        {R("content:\"abc\"; depth:0; sid:1;"), "depth: '0' is not a number from 1 to 1048576"},
        {R("content:\"abc\"; depth:2; sid:1;"), "depth 2 is smaller than the content length 3"},
        {R("content:\"abc\"; depth:5; depth:6; sid:1;"), "depth given twice for one content"},
        {R("content:\"abc\"; offset:-1; sid:1;"), "offset: '-1' is not a number from 0 to 1048576"},
        {R("content:\"abc\"; offset:1; offset:2; sid:1;"), "offset given twice for one content"},
        {R("content:\"abc\"; distance:2000000; sid:1;"),
         "distance: '2000000' is not a number from -1048576 to 1048576"},
        {R("content:\"abc\"; distance:x; sid:1;"), "distance: 'x' is not a number from -1048576 to 1048576"},
        {R("content:\"abc\"; within:0; sid:1;"), "within: '0' is not a number from 1 to 1048576"},
        {R("content:\"abc\"; within:2; sid:1;"), "within 2 is smaller than the content length 3"},
        {R("content:\"abc\"; offset:1; distance:0; sid:1;"),
         "offset/depth and distance/within cannot be mixed on one content"},
        {R("content:\"abc\"; within:5; depth:5; sid:1;"),
         "offset/depth and distance/within cannot be mixed on one content"},
        {R("content:\"a\"; fast_pattern; content:\"b\"; fast_pattern; sid:1;"),
         "only one content of a rule can be fast_pattern"},
        {R("content:!\"a\"; fast_pattern; sid:1;"), "fast_pattern cannot be used on a negated content"},
        {R("content:\"abc\"; fast_pattern:2,5; sid:1;"),
         "fast_pattern: 2,5 goes past the end of the content (length 3)"},
        {R("content:\"abc\"; fast_pattern:x; sid:1;"), "fast_pattern: expected 'only' or 'offset,length', got 'x'"},
        {R("content:\"abc\"; depth:5; startswith; sid:1;"),
         "startswith cannot be combined with offset, depth, distance or within"},
        {R("content:\"abc\"; startswith; within:5; sid:1;"),
         "startswith cannot be combined with offset, depth, distance or within"},
        {R("content:\"abc\"; endswith; endswith; sid:1;"), "endswith given twice for one content"},
        {R("http.host; content:\"Example.com\"; sid:1;"),
         "http.host: content has uppercase letters but the buffer is lowercase; write it in lowercase"},
        {R("http.host; content:\"example.com\"; nocase; sid:1;"),
         "http.host: nocase is not allowed, the buffer is already lowercase"},
        {R("content:\"a\"; http_host; content:\"B\"; http_host; sid:1;"),
         "http.host: content has uppercase letters but the buffer is lowercase; write it in lowercase"},
        {R("http_uri; sid:1;"), "http_uri needs a content of the packet payload just before it"},
        {R("tls.sni; content:\"a\"; http_uri; sid:1;"), "http_uri needs a content of the packet payload just before it"},
        {R("tls.sni; sid:1;"), "sticky buffer 'tls.sni' is not followed by a match (content, pcre, dataset...)"},
        {R("dns.query; tls.sni; content:\"a\"; sid:1;"),
         "sticky buffer 'dns.query' is not followed by a match (content, pcre, dataset...)"},
        {R("ja3.hash; content:\"a\"; ja3s.hash; content:\"b\"; sid:1;"),
         "'ja3.hash' and 'ja3s.hash' are seen in opposite directions and cannot be in one rule"},
        {R("flow:to_client; dns.query; content:\"a\"; sid:1;"),
         "flow direction conflicts with 'dns.query', which is only seen to_server"},
        {R("pcre:\"abc\"; sid:1;"), "pcre: expected \"/regex/flags\", got 'abc'"},
        {R("pcre:/abc/; sid:1;"), "pcre: the value must be in double quotes"},
        {R("pcre:\"/a/q\"; sid:1;"), "pcre: unknown flag 'q'"},
        {R("pcre:\"/a/H\"; sid:1;"), "pcre: flag 'H' selects an HTTP buffer ictwatch does not have"},
        {R("pcre:\"/a/UM\"; sid:1;"), "pcre: only one buffer flag (U, M, W, V) is allowed"},
        {R("pcre:\"/(/\"; sid:1;"), "pcre: cannot compile '/(/': missing closing parenthesis at offset 1"},
        {R("tls.sni; pcre:\"/a/U\"; sid:1;"),
         "pcre: flag for a buffer cannot be used after the sticky buffer 'tls.sni'"},
        {R("isdataat:x; sid:1;"), "isdataat: 'x' is not a number from 0 to 1048576"},
        {R("isdataat:1,foo; sid:1;"), "isdataat: expected 'relative' after ',', got 'foo'"},
    };
    check_errors(cases, sizeof(cases) / sizeof(cases[0]));
}

static void test_content_decoding(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    assert_string_equal(rt_parse(&t, R("content:\"A|42 43|D|0d0a|\\;\\\"\\\\\\:|7C|\"; sid:1;")), "");
    const struct content *c = rt_last(&t)->lists[BUF_PAYLOAD].v[0].data;
    assert_int_equal(c->len, 11);
    assert_memory_equal(c->pat, "ABCD\r\n;\"\\:|", 11);
    /* ja3 contents are lowercased at load */
    assert_string_equal(rt_parse(&t, R("ja3.hash; content:\"E7ECA2BAF4458D095B7F45DA28C16C34\"; sid:2;")), "");
    c = rt_last(&t)->lists[BUF_JA3].v[0].data;
    assert_memory_equal(c->pat, "e7eca2baf4458d095b7f45da28c16c34", 32);
    /* legacy http_uri moves the content into the uri buffer */
    assert_string_equal(rt_parse(&t, R("content:\"/admin\"; http_uri; nocase; sid:3;")), "");
    struct rule *r = rt_last(&t);
    assert_int_equal(r->lists[BUF_PAYLOAD].n, 0);
    assert_int_equal(r->lists[BUF_HTTP_URI].n, 1);
    assert_true(((const struct content *)r->lists[BUF_HTTP_URI].v[0].data)->flags & CT_NOCASE);
    assert_int_equal(r->kind, RK_APP);
    /* fast pattern: explicit, else the longest */
    assert_string_equal(rt_parse(&t, R("content:\"ab\"; content:\"abcdef\"; content:\"xyz\"; fast_pattern; sid:4;")), "");
    assert_memory_equal(rt_last(&t)->fp->pat, "xyz", 3);
    assert_string_equal(rt_parse(&t, R("content:\"ab\"; content:\"abcdef\"; content:!\"longest-but-negated\"; sid:5;")), "");
    assert_memory_equal(rt_last(&t)->fp->pat, "abcdef", 6);
    rt_free(&t);
}

/* ------------------------------------------------------------ other keywords */

static void test_flow_keyword_errors(void **state)
{
    (void)state;
    static const struct bad cases[] = {
        {R("threshold:type limit, track by_src, count 1; sid:1;"), "threshold: missing 'seconds'"},
        {R("threshold:type limit, count 1, seconds 60; sid:1;"), "threshold: missing 'track'"},
        {R("threshold:track by_src, count 1, seconds 60; sid:1;"), "threshold: missing 'type'"},
        {R("threshold:type limit, track by_src, seconds 60; sid:1;"), "threshold: missing 'count'"},
        {R("threshold:type often, track by_src, count 1, seconds 60; sid:1;"),
         "threshold: type must be limit, threshold, both or backoff, not 'often'"},
        {R("threshold:type limit, track by_host, count 1, seconds 60; sid:1;"),
         "threshold: track must be by_src, by_dst, by_rule, by_both or by_flow, not 'by_host'"},
        {R("threshold:type limit, track by_src, count 0, seconds 60; sid:1;"),
         "threshold: count must be a number from 1 to 4294967295, not '0'"},
        {R("threshold:type limit, track by_src, count 1, seconds x; sid:1;"),
         "threshold: seconds must be a number from 1 to 4294967295, not 'x'"},
        {R("threshold:type limit, track by_src, count 1, count 2, seconds 60; sid:1;"),
         "threshold: 'count' given twice"},
        {R("threshold:type limit, track by_src, count 1, seconds 60, colour red; sid:1;"),
         "threshold: unknown option 'colour'"},
        {R("threshold:type limit, track, count 1, seconds 60; sid:1;"), "threshold: 'track' needs a value"},
        {R("threshold:type backoff, track by_src, count 1, multiplier 10; sid:1;"),
         "threshold: type backoff needs track by_flow"},
        {R("threshold:type backoff, track by_flow, count 1; sid:1;"),
         "threshold: type backoff needs 'multiplier'"},
        {R("threshold:type backoff, track by_flow, count 1, multiplier 1; sid:1;"),
         "threshold: multiplier must be a number from 2 to 4294967295, not '1'"},
        {R("threshold:type limit, track by_src, count 1, seconds 5, multiplier 2; sid:1;"),
         "threshold: multiplier is only for type backoff"},
        {R("threshold:type limit, track by_src, count 1, seconds 5, unique_on dst_port; sid:1;"),
         "threshold: unique_on is only allowed in detection_filter"},
        {R("detection_filter:type limit, track by_src, count 1, seconds 5; sid:1;"),
         "detection_filter: unknown option 'type'"},
        {R("detection_filter:track by_src, count 1, seconds 5, unique_on dst_mac; sid:1;"),
         "detection_filter: unique_on must be src_port, dst_port, src_ip or dst_ip, not 'dst_mac'"},
        {R("detection_filter:track by_src, count 70000, seconds 5, unique_on dst_port; sid:1;"),
         "detection_filter: with unique_on, count must be at most 65535"},
        {R("detection_filter:track by_src, count 5, seconds 5, unique_on src_ip; sid:1;"),
         "detection_filter: unique_on src_ip with track by_src can only ever see one value"},
        {R("detection_filter:track by_both, count 5, seconds 5, unique_on dst_ip; sid:1;"),
         "detection_filter: unique_on dst_ip with track by_both can only ever see one value"},
        {RIP("detection_filter:track by_src, count 5, seconds 5, unique_on dst_port; sid:1;"),
         "unique_on dst_port needs a tcp, udp or sctp rule"},
        {R("threshold:type limit, track by_src, count 1, seconds 5; "
           "detection_filter:track by_src, count 1, seconds 5; sid:1;"),
         "only one threshold or detection_filter per rule"},
        {R("flowbits:bogus,x; sid:1;"),
         "flowbits: unknown operation 'bogus' (use set, unset, toggle, isset, isnotset or noalert)"},
        {R("flowbits:set; sid:1;"), "flowbits: set needs a name"},
        {R("flowbits:isset,; sid:1;"), "flowbits: isset needs a name"},
        {R("flowbits:set,a|b; sid:1;"), "flowbits: '|' is only allowed with isset and isnotset"},
        {R("flowbits:isset,a|b&c; sid:1;"), "flowbits: '|' and '&' cannot be mixed"},
        {R("flowbits:noalert,x; sid:1;"), "flowbits: noalert takes no name"},
        {R("flowbits:set,a b; sid:1;"), "flowbits: invalid name 'a b'"},
        {R("app-layer-protocol:nosuch; sid:1;"), "app-layer-protocol: unknown protocol 'nosuch'"},
        {R("app-layer-protocol:!unknown; sid:1;"), "app-layer-protocol: 'unknown' cannot be negated"},
        {R("app-layer-protocol:http,sideways; sid:1;"), "app-layer-protocol: unknown mode 'sideways'"},
        {R("app-layer-protocol:http2; sid:1;"), "app-layer-protocol: 'http2' is not known to nDPI 4.2"},
        {R("ndpi-protocol:NoSuchProto; sid:1;"), "ndpi-protocol: unknown nDPI protocol 'NoSuchProto'"},
        {R("ndpi-protocol:TLS.NoSuchApp; sid:1;"), "ndpi-protocol: unknown nDPI protocol 'TLS.NoSuchApp'"},
        {R("ndpi-risk:NDPI_NOPE; sid:1;"), "ndpi-risk: unknown risk 'NDPI_NOPE'"},
        {R("ndpi-risk:NDPI_TLS_WEAK_CIPHER,NOPE; sid:1;"), "ndpi-risk: unknown risk 'NOPE'"},
        {R("ndpi-risk:0; sid:1;"), "ndpi-risk: the mask must not be 0"},
        {R("iprep:src,bad,>,10; sid:1;"),
         "iprep: no reputation categories are loaded (set reputation-categories-file and reputation-files)"},
        {R("dataset:isset,x, type string, load x.lst; sid:1;"),
         "dataset needs a sticky buffer before it (dns.query, tls.sni, http.host, ja3.hash, ip.src, ...)"},
        {R("dns.query; dataset:set,x, type string, load x.lst; sid:1;"),
         "dataset: 'set' is not supported: sets are read-only (loaded from files)"},
        {R("dns.query; dataset:isset,x; sid:1;"), "dataset 'x' needs a type where it is first used"},
        {R("dns.query; dataset:isset,x, type string; sid:1;"),
         "dataset 'x' needs a load file where it is first used"},
        {R("dns.query; dataset:isset,x, type blob, load x.lst; sid:1;"),
         "dataset: unknown type 'blob' (use string, md5, sha256, ipv4 or ip)"},
        {R("dns.query; dataset:isset,x, type ip, load x.lst; sid:1;"),
         "dataset: type ip needs the ip.src or ip.dst buffer, not dns.query"},
        {R("ip.src; dataset:isset,x, type string, load x.lst; sid:1;"),
         "dataset: type string cannot be used on ip.src"},
        {R("dns.query; dataset:isset,x, type string, load x.lst, save y; sid:1;"),
         "dataset: 'save' is not supported: sets are read-only"},
        {R("dns.query; dataset:isset,x, type string, format json, load x.lst; sid:1;"),
         "dataset: format 'json' is not supported (only csv)"},
        {R("dns.query; dataset:isset; sid:1;"), "dataset: expected 'isset,NAME' or 'isnotset,NAME'"},
    };
    check_errors(cases, sizeof(cases) / sizeof(cases[0]));
}

/* ------------------------------------------------------------ round trips */

static const char *const corpus[] = {
    "alert tcp $HOME_NET any -> $EXTERNAL_NET 80 (msg:\"HTTP GET\"; flow:to_server,established; "
    "content:\"GET \"; depth:4; content:\"/admin\"; distance:0; within:64; nocase; sid:1000001; rev:2;)",
    "alert tcp any any -> any any (msg:\"hex and escapes\"; content:\"|00 01|a\\;b|7C|\\\"\"; offset:2; "
    "content:!\"zz\"; distance:-1; classtype:trojan-activity; sid:1000002; rev:1;)",
    "alert udp any any -> any 53 (msg:\"pcre\"; content:\"abc\"; pcre:\"/^a.c/smi\"; "
    "pcre:!\"/x{2,}/R\"; isdataat:!10,relative; sid:1000003;)",
    "alert dns any any -> any any (msg:\"dns\"; dns.query; content:\"evil\"; nocase; endswith; "
    "metadata:created_at 2025_01_01, mitre T1071; reference:url,example.com/x; sid:1000004; rev:1;)",
    "alert tls any any -> any any (tls.sni; content:\"bad.example\"; startswith; fast_pattern; "
    "ja3.hash; content:\"e7eca2baf4458d095b7f45da28c16c34\"; sid:1000005;)",
    "alert http any any -> any any (http.host; content:\"example.com\"; http.uri; content:\"/x\"; "
    "http.method; content:\"POST\"; http.user_agent; content:\"curl\"; nocase; sid:1000006;)",
    "alert tcp any any -> any any (content:\"/cgi-bin/\"; http_uri; content:\"GET\"; http_method; "
    "content:\"x\"; http_user_agent; content:\"h.example\"; http_host; sid:1000007;)",
    "alert tcp any any -> any 22 (msg:\"scan\"; flags:S,CE; flow:to_server,not_established; "
    "detection_filter:track by_src, count 20, seconds 60, unique_on dst_port; classtype:attempted-recon; "
    "sid:1000008; rev:3;)",
    "alert ip any any -> $HOME_NET any (msg:\"sweep\"; detection_filter:track by_src, count 50, "
    "seconds 10, unique_on dst_ip; sid:1000009;)",
    "alert icmp any any -> any any (itype:8; icode:0; dsize:>100; ttl:<64; threshold:type limit, "
    "track by_dst, count 1, seconds 60; priority:2; sid:1000010;)",
    "alert tcp any any -> any any (flowbits:set,login; flowbits:noalert; content:\"USER \"; sid:1000011;)",
    "alert tcp any any -> any any (flowbits:isset,login|admin; flowbits:unset,login; "
    "flowbits:toggle,x&y; content:\"RETR\"; fast_pattern:only; sid:1000012;)",
    "alert ip any any -> any any (ndpi-protocol:TLS.YouTube; ndpi-risk:!NDPI_TLS_SELFSIGNED_CERTIFICATE; "
    "sid:1000013;)",
    "alert ip any any -> any any (ndpi-protocol:!HTTP; ndpi-risk:96; app-layer-protocol:failed; sid:1000014;)",
    "alert tcp any any -> any any (app-layer-protocol:!tls,to_server; app-layer-protocol:unknown; "
    "sid:1000015;)",
    "alert tcp any any -> any any (threshold:type backoff, track by_flow, count 1, multiplier 10; "
    "content:\"ping\"; fast_pattern:1,2; sid:1000016; gid:3;)",
    "alert ip [10.0.0.0/8,!10.1.0.0/16] any <> [2001:db8::/32,192.0.2.1] [80:90,!85] "
    "(ip_proto:!tcp; sid:1000017;)",
    "pass tcp any any -> any any (flags:*FRU,12; flow:stateless,only_frag; sid:1000018;)",
    "alert tcp any any -> any any (content:\"a\"; pkt_data; content:\"b\"; ja3s.hash; content:\"c\"; "
    "sid:1000019;)",
    "drop tcp any any -> any any (tcp.flags:!A; sid:1000020;)",
    "reject tcp any any -> any any (flags:0; sid:1000022;)",
    "alert tcp any any -> any any (pcre:\"/admin/U\"; pcre:\"/^post$/Mi\"; sid:1000021;)",
};

static void test_round_trip(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    for (size_t i = 0; i < sizeof(corpus) / sizeof(corpus[0]); i++) {
        const char *e = rt_parse(&t, corpus[i]);
        if (*e) {
            fprintf(stderr, "rule %zu: %s\n  %s\n", i, corpus[i], e);
            fail();
        }
        char *s1 = rule_format(rt_last(&t));
        assert_non_null(s1);
        e = rt_parse(&t, s1);
        if (*e) {
            fprintf(stderr, "formatted rule %zu does not parse: %s\n  %s\n", i, s1, e);
            fail();
        }
        char *s2 = rule_format(rt_last(&t));
        if (strcmp(s1, s2) != 0) {
            fprintf(stderr, "round trip %zu differs:\n  %s\n  %s\n", i, s1, s2);
            fail();
        }
        free(s1);
        free(s2);
        rule_free(t.parsed[--t.nparsed]);
        rule_free(t.parsed[--t.nparsed]);
    }
    /* one exact canonical form */
    assert_string_equal(rt_parse(&t, "alert tcp any any -> any 80 (sid:5; content:\"ab|00|\"; nocase; "
                                     "msg:\"m\"; flow:established,to_server; rev:2;)"), "");
    char *s = rule_format(rt_last(&t));
    assert_string_equal(s, "alert tcp any any -> any 80 (msg:\"m\"; flow:to_server,established; "
                           "content:\"ab|00|\"; nocase; sid:5; rev:2;)");
    free(s);
    rt_free(&t);
}

/* ------------------------------------------------------------ rule files */

static void test_file_loading(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    const char *rules =
        "# comment\n"
        "\n"
        "alert tcp any any -> any 80 (msg:\"one\"; \\\n"
        "    content:\"GET\"; sid:1;)\n"
        "alert tcp any any -> any any (msg:\"bad\"; foo; sid:2;)\n"
        "   alert tcp any any -> any any (msg:\"indented\"; sid:3;)\n"
        "alert tcp any any -> any any (msg:\"dup\"; sid:1;)\n"
        "alert tcp any any -> any any (msg:\"same sid other gid\"; sid:1; gid:2;)\n"
        "drop tcp any any -> any any (msg:\"drop\"; sid:4;)\n"
        "alert tcp any any -> any any (msg:\"continued \\\n"
        "error\"; content:\"|4|\"; sid:5;)\n"
        "alert tcp any any -> any any (msg:\"unknown class\"; classtype:nope; sid:6;)\r\n";
    assert_non_null(rt_load_text(&t, rules));
    const char *f = rt_path(&t, "test.rules");
    char want[1024];
    snprintf(want, sizeof(want), "%s:5: unknown keyword 'foo'", f);
    assert_non_null(strstr(t.errout, want));
    snprintf(want, sizeof(want), "%s:6: line starts with a blank and is ignored, as Suricata does; "
             "remove the leading blanks to load the rule", f);
    assert_non_null(strstr(t.errout, want));
    snprintf(want, sizeof(want), "%s:7: duplicate sid 1 (gid 1), first defined at %s:3", f, f);
    assert_non_null(strstr(t.errout, want));
    snprintf(want, sizeof(want), "%s:9: action 'drop' loads as 'alert': the sensor is passive and cannot block", f);
    assert_non_null(strstr(t.errout, want));
    snprintf(want, sizeof(want), "%s:10: content: odd number of hex digits in '|4|'", f);
    assert_non_null(strstr(t.errout, want));
    snprintf(want, sizeof(want), "%s:12: unknown classtype 'nope' (not in classification.config): "
             "category left empty, priority 3", f);
    assert_non_null(strstr(t.errout, want));
    assert_non_null(strstr(t.errout, "4 rules loaded, 3 failed"));
    assert_int_equal(t.rep.loaded, 4);
    assert_int_equal(t.rep.failed, 3);
    assert_int_equal(t.rep.files, 1);
    assert_int_equal(t.rep.warnings, 3);
    assert_int_equal(detect_engine_rule_count(t.e), 4);
    rt_free(&t);
}

static void test_file_limits_and_strict(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    /* a rule just over 8192 bytes, split over continuation lines */
    char *big = malloc(20000);
    strcpy(big, "alert tcp any any -> any any (msg:\"");
    for (int i = 0; i < 100; i++)
        strcat(big, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\\\n");
    strcat(big, "\"; sid:1;)\nalert tcp any any -> any any (sid:2;)\n");
    assert_non_null(rt_load_text(&t, big));
    char want[600];
    snprintf(want, sizeof(want), "%s:1: rule is longer than 8192 bytes", rt_path(&t, "test.rules"));
    assert_non_null(strstr(t.errout, want));
    assert_int_equal(t.rep.loaded, 1);
    free(big);

    /* strict mode: any failure makes the load fail */
    config_add(&t.cfg, "strict-rules", "yes", "test", 3);
    assert_null(rt_load_text(&t, "alert tcp any any -> any any (sid:1; foo;)\nalert tcp any any -> any any (sid:2;)\n"));
    assert_non_null(strstr(t.errout, "1 rules loaded, 1 failed: strict-rules refuses to continue"));
    /* strict: an unknown classtype is an error too */
    assert_null(rt_load_text(&t, "alert tcp any any -> any any (classtype:nope; sid:1;)\n"));
    assert_non_null(strstr(t.errout, "unknown classtype 'nope' (not in classification.config)"));
    assert_non_null(rt_load_text(&t, "alert tcp any any -> any any (sid:1;)\n"));
    rt_free(&t);
}

static void test_unreadable_and_variables(void **state)
{
    (void)state;
    struct rt t;
    rt_init(&t);
    config_add(&t.cfg, "rule-files", "does-not-exist.rules", "test", 4);
    assert_null(rt_load_text(&t, "alert tcp any any -> any any (sid:1;)\n"));
    char want[600];
    snprintf(want, sizeof(want), "%s: cannot read the rule file: No such file or directory",
             rt_path(&t, "does-not-exist.rules"));
    assert_non_null(strstr(t.errout, want));
    rt_free(&t);

    rt_init(&t);
    config_add(&t.cfg, "HOME_NET", "[192.0.2.0/24]", "test", 5);
    config_add(&t.cfg, "MY_PORTS", "[$HTTP_PORTS,8080]", "test", 6);
    config_add(&t.cfg, "LOOP", "[$LOOP]", "test", 7);
    assert_string_equal(rt_parse(&t, "alert tcp $HOME_NET any -> $EXTERNAL_NET $MY_PORTS (sid:1;)"), "");
    struct rule *r = rt_last(&t);
    struct ictw_addr a;
    ictw_addr_parse("192.0.2.7", &a);
    assert_true(addr_set_match(&r->h.src, &a));
    assert_false(addr_set_match(&r->h.dst, &a));
    ictw_addr_parse("10.0.0.1", &a);   /* default HOME_NET replaced */
    assert_false(addr_set_match(&r->h.src, &a));
    assert_true(addr_set_match(&r->h.dst, &a));
    assert_true(port_set_match(&r->h.dp, 80));
    assert_true(port_set_match(&r->h.dp, 8080));
    assert_false(port_set_match(&r->h.dp, 443));
    assert_string_equal(rt_parse(&t, "alert tcp $LOOP any -> any any (sid:2;)"),
                        "source address: variable '$LOOP' is nested too deep (does it refer to itself?)");
    rt_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_header_errors),
        cmocka_unit_test(test_header_valid),
        cmocka_unit_test(test_option_grammar_errors),
        cmocka_unit_test(test_meta_errors),
        cmocka_unit_test(test_meta_values),
        cmocka_unit_test(test_packet_keyword_errors),
        cmocka_unit_test(test_packet_keyword_valid),
        cmocka_unit_test(test_content_errors),
        cmocka_unit_test(test_content_decoding),
        cmocka_unit_test(test_flow_keyword_errors),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_file_loading),
        cmocka_unit_test(test_file_limits_and_strict),
        cmocka_unit_test(test_unreadable_and_variables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
