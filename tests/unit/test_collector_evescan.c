/* test_collector_evescan.c - the fast EVE scan accepts only what jansson accepts, and
 * validation through it gives exactly what the jansson path gives (result, detail,
 * every extracted fact), for hand-picked edge cases and hundreds of thousands of
 * mutated records. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "evescan.h"
#include "validate.h"

static const struct validate_limits lim = {
    .max_entry = 8192,
    .min_time = 946684800ULL * 1000000ULL,          /* 2000-01-01 */
    .max_time = 1893456000ULL * 1000000ULL,         /* 2030-01-01 */
};

/* A record as the sensor writes it, and smaller ones with the awkward parts. */
static const char *const bases[] = {
    "{\"timestamp\":\"2026-03-02T08:05:00.010000+0000\",\"flow_id\":1168851242980833,\"pcap_cnt\":21,"
    "\"event_type\":\"alert\",\"src_ip\":\"141.30.101.221\",\"src_port\":40020,\"dest_ip\":\"10.11.0.10\","
    "\"dest_port\":3344,\"proto\":\"TCP\",\"ip_v\":4,\"pkt_src\":\"wire/pcap\",\"alert\":{\"action\":\"allowed\","
    "\"gid\":1,\"signature_id\":9102000,\"rev\":1,\"signature\":\"ICTWATCH SCAN TCP SYN port scan\","
    "\"category\":\"Host Or Port Sweep Against The Protected Network\",\"severity\":2,\"references\":"
    "[\"https://attack.mitre.org/techniques/T1046\"],\"metadata\":{\"confidence\":[\"High\"],\"tlp\":[\"amber\"],"
    "\"mitre_tactic_id\":[\"TA0007\"]}},\"direction\":\"to_server\",\"flow\":{\"pkts_toserver\":1,"
    "\"bytes_toserver\":54,\"start\":\"2026-03-02T08:05:00.010000+0000\",\"src_ip\":\"141.30.101.221\"},"
    "\"ndpi\":{\"protocol\":\"Unknown\",\"confidence\":\"unknown\"},\"host\":\"s1\"}",
    "{\"timestamp\":\"2025-03-14T09:26:53.589793+0000\",\"event_type\":\"alert\",\"src_ip\":\"2001:db8::7\","
    "\"dest_ip\":\"fd00::1\",\"proto\":\"IPv6-ICMP\",\"app_proto\":\"fail\\\"ed\",\"alert\":{\"signature_id\":1,"
    "\"severity\":3,\"signature\":\"caf\xc3\xa9 \\/ \\\\ \\n \xe2\x82\xac \xf0\x9f\x98\x80\",\"category\":\"\","
    "\"metadata\":{\"tlp\":\"RED\"}},\"x\":[1.5e3,-0,0.25,true,false,null,{},[],[[{\"a\":{}}]]],\"y\":-12}",
    "{\"event_type\":\"flow\",\"flow\":{\"age\":3}}",
    "  {\"event_type\" : \"alert\" , \"timestamp\":\"2025-03-14T09:26:53Z\",\"src_ip\":\"10.0.0.1\","
    "\"dest_ip\":\"10.0.0.2\",\"proto\":\"UDP\",\"dest_port\":53,\"alert\":{\"signature_id\":7,\"severity\":1,"
    "\"signature\":\"s\",\"metadata\":{\"tlp\":[[\"clear\"],\"x\"]}}}\n",
};

static void assert_same_facts(const struct eve_alert *a, const struct eve_alert *b)
{
    assert_int_equal(a->ts, b->ts);
    assert_int_equal(a->gid, b->gid);
    assert_int_equal(a->sid, b->sid);
    assert_int_equal(a->rev, b->rev);
    assert_int_equal(a->severity, b->severity);
    assert_int_equal(a->dest_port, b->dest_port);
    assert_memory_equal(&a->src, &b->src, sizeof(a->src));
    assert_memory_equal(&a->dst, &b->dst, sizeof(a->dst));
#define SAME(f)                                                                                                \
    do {                                                                                                       \
        assert_int_equal(a->f##_len, b->f##_len);                                                              \
        assert_memory_equal(a->f, b->f, a->f##_len);                                                           \
    } while (0)
    SAME(msg);
    SAME(category);
    SAME(app_proto);
    SAME(proto);
    SAME(tlp);
#undef SAME
}

static unsigned n_fast_accepted;

/* Both paths on one record: same result, same detail, same facts; and a record the
 * scan accepts must be one jansson accepts. */
static void compare(const char *s, size_t n)
{
    struct evescan f;
    if (evescan_record(s, n, &f)) {
        n_fast_accepted++;
        json_error_t e;
        json_t *j = json_loadb(s, n, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &e);
        if (!j || !json_is_object(j)) {
            fprintf(stderr, "scan accepted what jansson refuses (%s): %.*s\n", j ? "no object" : e.text, (int)n, s);
            fail();
        }
        json_decref(j);
    }
    struct eve_alert a, b;
    char da[256], db[256];
    enum validate_result ra = validate_entry(s, n, &lim, &a, da, sizeof(da));
    enum validate_result rb = validate_entry_jansson(s, n, &lim, &b, db, sizeof(db));
    if (ra != rb || strcmp(da, db) != 0) {
        fprintf(stderr, "fast %s (%s) / jansson %s (%s): %.*s\n", validate_reason_name(ra), da,
                validate_reason_name(rb), db, (int)n, s);
        fail();
    }
    if (ra == VALID_ALERT) {
        assert_same_facts(&a, &b);
        validate_release(&a);
        validate_release(&b);
    }
}

static void test_bases(void **state)
{
    (void)state;
    struct evescan f;
    for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++) {
        assert_true(evescan_record(bases[i], strlen(bases[i]), &f));
        compare(bases[i], strlen(bases[i]));
    }
    struct eve_alert a;
    assert_int_equal(validate_entry(bases[0], strlen(bases[0]), &lim, &a, NULL, 0), VALID_ALERT);
    assert_int_equal(a.tlp_len, 5);
    assert_memory_equal(a.tlp, "amber", 5);
    assert_null(a.json);                            /* no jansson tree: the fast path did it */
    validate_release(&a);
    /* escaped strings that the checks need go through jansson, decoded */
    assert_int_equal(validate_entry(bases[1], strlen(bases[1]), &lim, &a, NULL, 0), VALID_ALERT);
    assert_non_null(a.json);
    assert_int_equal(a.app_proto_len, 7);
    assert_memory_equal(a.app_proto, "fail\"ed", 7);
    validate_release(&a);
}

static void test_grammar(void **state)
{
    (void)state;
    /* what the scan must refuse (jansson refuses these too, or it is unsure) */
    static const char *const refused[] = {
        "", " ", "[]", "\"x\"", "1", "{", "}", "{\"a\"}", "{\"a\":}", "{\"a\":1,}", "{,}", "{\"a\":1 \"b\":2}",
        "{\"a\":01}", "{\"a\":-}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":1e}", "{\"a\":1e+}", "{\"a\":+1}",
        "{\"a\":tru}", "{\"a\":nul}", "{\"a\":True}", "{\"a\":[1,]}", "{\"a\":[,1]}", "{\"a\":\"\\x\"}",
        "{\"a\":\"\\u0041\"}", "{\"a\":\"\t\"}", "{\"a\":1}x", "{\"a\":1}{}", "{\"a\":1,\"a\":2}",
        "{\"o\":{\"k\":1,\"k\":[]}}", "{\"a\\n\":1}", "{\"a\":\"\xc0\xaf\"}", "{\"a\":\"\xed\xa0\x80\"}",
        "{\"a\":\"\xe2\x82\"}", "{\"a\":1234567890123456789}", "{\"a\":1e400}", "{\"a\":1e-999}",
        "{'a':1}", "\xef\xbb\xbf{}",
    };
    struct evescan f;
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        size_t n = strlen(refused[i]);
        if (evescan_record(refused[i], n, &f)) {
            fprintf(stderr, "accepted: %s\n", refused[i]);
            fail();
        }
        compare(refused[i], n);
    }
    static const char nul[] = "{\"a\":1}\0 ", nul_key[] = "{\"a\0\":1}";
    assert_false(evescan_record(nul, sizeof(nul) - 1, &f));
    compare(nul, sizeof(nul) - 1);
    assert_false(evescan_record(nul_key, sizeof(nul_key) - 1, &f));
    compare(nul_key, sizeof(nul_key) - 1);
    /* and some it must accept */
    static const char *const accepted[] = {
        "{}", " {\"a\":[]} \r\n\t", "{\"a\":-0,\"b\":0.0,\"c\":1E5,\"d\":-1.25e-10,\"e\":123456789012345678}",
        "{\"a\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"}", "{\"\":1}", "{\"a\":{\"a\":{\"a\":1}}}",
        "{\"a\":1,\"b\":{\"a\":2}}", "{\"a\":\"\xf4\x8f\xbf\xbf\"}",
    };
    for (size_t i = 0; i < sizeof(accepted) / sizeof(accepted[0]); i++) {
        assert_true(evescan_record(accepted[i], strlen(accepted[i]), &f));
        compare(accepted[i], strlen(accepted[i]));
    }
    /* values of the fields, by path */
    const char *r = "{\"alert\":{\"gid\":-3,\"metadata\":{\"tlp\":[\"green\",\"red\"]}},\"gid\":9,"
                    "\"x\":{\"alert\":{\"gid\":5}},\"src_port\":65535}";
    assert_true(evescan_record(r, strlen(r), &f));
    assert_int_equal(f.f[EVF_GID].type, EVS_INTEGER);
    assert_int_equal(f.f[EVF_GID].i, -3);
    assert_int_equal(f.f[EVF_SRC_PORT].i, 65535);
    assert_int_equal(f.f[EVF_TLP].type, EVS_STRING);
    assert_int_equal(f.f[EVF_TLP].n, 5);
    assert_int_equal(f.f[EVF_EVENT_TYPE].type, EVS_ABSENT);
}

static void test_depth(void **state)
{
    (void)state;
    char buf[4096];
    for (int depth = 1; depth < 100; depth += 7) {
        size_t p = 0;
        buf[p++] = '{';
        buf[p++] = '"';
        buf[p++] = 'a';
        buf[p++] = '"';
        buf[p++] = ':';
        for (int i = 0; i < depth; i++)
            buf[p++] = '[';
        for (int i = 0; i < depth; i++)
            buf[p++] = ']';
        buf[p++] = '}';
        struct evescan f;
        assert_int_equal(evescan_record(buf, p, &f), depth + 1 <= EVESCAN_MAX_DEPTH);
        compare(buf, p);
    }
}

static uint64_t rng_next(uint64_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 7;
    *s ^= *s << 17;
    return *s;
}

/* Every record of bases with every single-byte change from a set of interesting
 * bytes, every deletion and doubling, then random multi-byte mutations. */
static void test_mutations(void **state)
{
    (void)state;
    static const char interesting[] = "\"\\{}[],:0129-+.eEtfnu xa\n\t\x01\x7f\x80\xbf\xc3\xe2\xed\xf0\xff";
    char buf[4096];
    uint64_t seed = 0x9e3779b97f4a7c15ULL;
    unsigned total = 0;
    for (size_t bi = 0; bi < sizeof(bases) / sizeof(bases[0]); bi++) {
        const char *b = bases[bi];
        size_t n = strlen(b);
        for (size_t i = 0; i < n; i++) {
            for (size_t k = 0; k < sizeof(interesting) - 1; k++) {
                memcpy(buf, b, n);
                buf[i] = interesting[k];
                compare(buf, n);
                total++;
            }
            memcpy(buf, b, i);
            memcpy(buf + i, b + i + 1, n - i - 1);
            compare(buf, n - 1);
            memcpy(buf, b, i + 1);
            memcpy(buf + i + 1, b + i, n - i);
            compare(buf, n + 1);
            total += 2;
        }
        for (int round = 0; round < 20000; round++) {
            memcpy(buf, b, n);
            size_t len = n;
            int edits = 1 + (int)(rng_next(&seed) % 4);
            for (int e = 0; e < edits; e++) {
                size_t at = (size_t)(rng_next(&seed) % len);
                uint64_t what = rng_next(&seed);
                if (what % 3 == 0)
                    buf[at] = interesting[(what >> 8) % (sizeof(interesting) - 1)];
                else if (what % 3 == 1)
                    buf[at] = (char)(what >> 16);
                else if (len + 8 < sizeof(buf)) {
                    /* copy a random slice somewhere (duplicate keys, nested values) */
                    size_t from = (size_t)((what >> 8) % len), cnt = (size_t)((what >> 24) % 24);
                    cnt = cnt > len - from ? len - from : cnt;
                    if (len + cnt < sizeof(buf)) {
                        char tmp[32];
                        memcpy(tmp, buf + from, cnt);
                        memmove(buf + at + cnt, buf + at, len - at);
                        memcpy(buf + at, tmp, cnt);
                        len += cnt;
                    }
                }
            }
            compare(buf, len);
            total++;
        }
    }
    fprintf(stderr, "# %u mutated records compared, %u accepted by the scan\n", total, n_fast_accepted);
    assert_true(n_fast_accepted > 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bases),
        cmocka_unit_test(test_grammar),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
