/* test_rule_structs.c - the rule engine's data structures against brute force:
 * the Aho-Corasick prefilter (case folding, overlapping and suffix patterns,
 * shared patterns, truncation), the hash set (growth, variable and fixed
 * keys), the radix tree (longest prefix), and address/port set algebra
 * (nested negated lists, ranges, netmasks). Inputs are pseudo-random with a
 * fixed seed, so every run checks the same cases. */
#include "rule_testutil.h"
#include "detect/radix.h"
#include "detect/mpm.h"
#include "addr_testutil.h"

/* ------------------------------------------------------------ Aho-Corasick */

static bool naive_has(const uint8_t *hay, size_t n, const uint8_t *pat, size_t m)
{
    if (m > AC_MAX_PATTERN)
        m = AC_MAX_PATTERN;
    for (size_t i = 0; i + m <= n; i++) {
        size_t j = 0;
        while (j < m && detect_lower[hay[i + j]] == detect_lower[pat[j]])
            j++;
        if (j == m)
            return true;
    }
    return false;
}

/* nfill more patterns with other first bytes (never in the buffers) make the
 * automaton scan two halves side by side instead of skipping to start bytes. */
static void check_ac_against_naive(int nfill)
{
    uint64_t seed = 0x1234567;
    enum { NPAT0 = 300, NBUF = 200 };
    static uint8_t pats[NPAT0 + 64][48];
    static struct ac_input in[NPAT0 + 64];
    const int NPAT = NPAT0 + nfill;
    for (int i = 0; i < NPAT0; i++) {
        uint32_t len = 1 + (uint32_t)(tu_rand(&seed) % (i % 10 == 0 ? 40 : 6));
        for (uint32_t j = 0; j < len; j++)   /* a small alphabet makes overlaps common */
            pats[i][j] = "abcABC\x00\xff"[tu_rand(&seed) % 8];
        in[i].p = pats[i];
        in[i].len = len;
        in[i].id = (uint32_t)i;
    }
    for (int i = NPAT0; i < NPAT; i++) {
        pats[i][0] = (uint8_t)(0x80 + i - NPAT0);
        pats[i][1] = 'a';
        in[i].p = pats[i];
        in[i].len = 2;
        in[i].id = (uint32_t)i;
    }
    struct ac *a = ac_build(in, (size_t)NPAT);
    assert_non_null(a);
    uint32_t np = ac_pattern_count(a);
    assert_true(np <= (uint32_t)NPAT);
    uint8_t *seen = calloc(np, 1);
    uint32_t *out = malloc(np * sizeof(*out));
    bool *hit = calloc(NPAT, sizeof(*hit));
    for (int b = 0; b < NBUF; b++) {
        uint8_t buf[256];
        size_t n = tu_rand(&seed) % sizeof(buf);
        for (size_t j = 0; j < n; j++)
            buf[j] = "abcABCxyz\x00\xff"[tu_rand(&seed) % 11];
        memset(hit, 0, NPAT * sizeof(*hit));
        uint32_t k = ac_scan(a, buf, n, seen, out);
        for (uint32_t i = 0; i < k; i++) {
            uint32_t nid;
            const uint32_t *ids = ac_pattern_ids(a, out[i], &nid);
            for (uint32_t j = 0; j < nid; j++) {
                assert_false(hit[ids[j]]);   /* each id reported once */
                hit[ids[j]] = true;
            }
        }
        for (uint32_t i = 0; i < np; i++)
            assert_int_equal(seen[i], 0);   /* scratch left clean */
        for (int i = 0; i < NPAT; i++)
            assert_int_equal(hit[i], naive_has(buf, n, pats[i], in[i].len));
    }
    free(seen);
    free(out);
    free(hit);
    ac_free(a);
}

static void test_ac_against_naive(void **state)
{
    (void)state;
    check_ac_against_naive(0);    /* 8 start bytes: skipping */
    check_ac_against_naive(40);   /* 48: two halves */

    /* an empty pattern is refused; nothing to build from nothing */
    struct ac_input e = {(const uint8_t *)"", 0, 1};
    assert_null(ac_build(&e, 1));
    assert_null(ac_build(NULL, 0));
}

static void check_ac_positions(const struct ac_input *in3, int wide);

/* Both scans (skipping to start bytes; two halves side by side for long
 * buffers): a pattern anywhere, in particular across the middle, is found
 * exactly once; a pattern that is only partly in the buffer is not. */
static void test_ac_positions(void **state)
{
    (void)state;
    static const char *const pats[] = {"0123456789abcdefghijklmnopqrstuv", "xyz", "q"};
    struct ac_input in[3];
    for (int i = 0; i < 3; i++) {
        in[i].p = (const uint8_t *)pats[i];
        in[i].len = (uint32_t)strlen(pats[i]);
        in[i].id = (uint32_t)i;
    }
    for (int wide = 0; wide < 2; wide++)
        check_ac_positions(in, wide);
}

static void check_ac_positions(const struct ac_input *in3, int wide)
{
    static const char *const pats[] = {"0123456789abcdefghijklmnopqrstuv", "xyz", "q"};
    struct ac_input in[43];
    uint8_t fill[40][2];
    memcpy(in, in3, 3 * sizeof(*in));
    int npat = 3;
    for (int i = 0; wide && i < 40; i++, npat++) {   /* other first bytes: the two-halves scan */
        fill[i][0] = (uint8_t)(0x80 + i);
        fill[i][1] = '#';
        in[npat].p = fill[i];
        in[npat].len = 2;
        in[npat].id = (uint32_t)npat;
    }
    struct ac *a = ac_build(in, (size_t)npat);
    assert_non_null(a);
    uint8_t seen[43] = {0};
    uint32_t out[43];
    uint8_t buf[260];
    for (size_t n = 90; n <= sizeof(buf); n += 7) {
        for (size_t at = 0; at + 32 <= n + 8; at++) {
            memset(buf, '.', sizeof(buf));
            size_t k = at + 32 <= n ? 32 : n - at;   /* the tail may be cut off */
            memcpy(buf + at, pats[0], k);
            uint32_t m = ac_scan(a, buf, n, seen, out);
            bool whole = at + 32 <= n;
            assert_int_equal(m, whole ? 2 : (at + 27 <= n ? 1 : 0));   /* "q" is byte 26 */
            for (int i = 0; i < npat; i++)
                assert_int_equal(seen[i], 0);
        }
    }
    ac_free(a);
}

/* The engine's prefilter: small sets use the automaton, large ones the 4-gram
 * filter with the short patterns in an automaton beside it. Same contract. */
static void check_mpm_against_naive(size_t npat, uint64_t seed)
{
    uint8_t (*pats)[40] = calloc(npat, 40);
    struct ac_input *in = calloc(npat, sizeof(*in));
    for (size_t i = 0; i < npat; i++) {
        uint32_t len = 1 + (uint32_t)(tu_rand(&seed) % (i % 7 == 0 ? 38 : 9));
        for (uint32_t j = 0; j < len; j++)
            pats[i][j] = (uint8_t)"abcdABCD/.\x00\xff"[tu_rand(&seed) % 12];
        in[i].p = pats[i];
        in[i].len = len;
        in[i].id = (uint32_t)(i % (npat / 2 + 1));   /* ids shared by several patterns */
    }
    struct mpm *m = mpm_build(in, npat);
    assert_non_null(m);
    assert_string_equal(mpm_algorithm(m), npat >= MPM_GRAM_MIN_PATTERNS ? "4-gram filter + Aho-Corasick"
                                                                       : "Aho-Corasick");
    uint32_t np = mpm_pattern_count(m);
    uint8_t *seen = calloc(np, 1);
    uint32_t *out = malloc(np * sizeof(*out));
    bool *want = calloc(npat, sizeof(*want)), *got = calloc(npat, sizeof(*got));
    for (int b = 0; b < 300; b++) {
        uint8_t buf[300];
        size_t n = tu_rand(&seed) % sizeof(buf);
        for (size_t j = 0; j < n; j++)
            buf[j] = (uint8_t)"abcdABCD/.\x00\xffxyz"[tu_rand(&seed) % 15];
        memset(got, 0, npat * sizeof(*got));
        memset(want, 0, npat * sizeof(*want));
        uint32_t k = mpm_scan(m, buf, n, seen, out);
        for (uint32_t i = 0; i < k; i++) {
            uint32_t nid;
            const uint32_t *ids = mpm_pattern_ids(m, out[i], &nid);
            for (uint32_t j = 0; j < nid; j++)
                got[ids[j]] = true;
        }
        for (uint32_t i = 0; i < np; i++)
            assert_int_equal(seen[i], 0);
        for (size_t i = 0; i < npat; i++)
            if (naive_has(buf, n, pats[i], in[i].len))
                want[in[i].id] = true;
        for (size_t i = 0; i < npat; i++)
            if (want[i] != got[i]) {
                fprintf(stderr, "npat %zu buffer %d id %zu: want %d got %d\n", npat, b, i, want[i], got[i]);
                fail();
            }
    }
    free(seen);
    free(out);
    free(want);
    free(got);
    free(pats);
    free(in);
    mpm_free(m);
}

static void test_mpm_against_naive(void **state)
{
    (void)state;
    check_mpm_against_naive(40, 99);
    check_mpm_against_naive(MPM_GRAM_MIN_PATTERNS, 7);
    check_mpm_against_naive(3000, 1234);
    /* all long: the 4-gram filter alone */
    struct ac_input in[300];
    char pats[300][16];
    for (int i = 0; i < 300; i++) {
        snprintf(pats[i], sizeof(pats[i]), "Pat%04dX", i);
        in[i].p = (const uint8_t *)pats[i];
        in[i].len = 8;
        in[i].id = (uint32_t)i;
    }
    struct mpm *m = mpm_build(in, 300);
    assert_string_equal(mpm_algorithm(m), "4-gram filter");
    uint8_t seen[300] = {0};
    uint32_t out[300];
    const char *text = "..PAT0007x..pat0299X..pat0300x..Pat0007X";
    uint32_t k = mpm_scan(m, (const uint8_t *)text, strlen(text), seen, out);
    assert_int_equal(k, 2);
    mpm_free(m);
}

/* ------------------------------------------------------------ hash set */

static void test_hashset(void **state)
{
    (void)state;
    struct hashset h;
    assert_int_equal(hashset_init(&h, 0, 4), 0);   /* far too small: must grow */
    char key[32];
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof(key), "k%d.example", i * 7);
        bool existed = true;
        assert_int_equal(hashset_insert(&h, key, (uint32_t)n, &existed), i);
        assert_false(existed);
    }
    for (int i = 0; i < 5000; i++) {
        int n = snprintf(key, sizeof(key), "k%d.example", i * 7);
        bool existed = false;
        assert_int_equal(hashset_insert(&h, key, (uint32_t)n, &existed), i);
        assert_true(existed);
        assert_int_equal(hashset_find(&h, key, (uint32_t)n), i);
        n = snprintf(key, sizeof(key), "k%d.example", i * 7 + 1);
        assert_int_equal(hashset_find(&h, key, (uint32_t)n), -1);
    }
    assert_int_equal(hashset_find(&h, "", 0), -1);
    assert_int_equal(hashset_insert(&h, "", 0, NULL), 5000);   /* the empty string is a value */
    assert_int_equal(hashset_find(&h, "", 0), 5000);
    assert_int_equal(h.count, 5001);
    hashset_free(&h);

    assert_int_equal(hashset_init(&h, 4, 100), 0);
    assert_int_equal(hashset_insert(&h, "abc", 3, NULL), -1);   /* wrong length for a fixed set */
    assert_int_equal(hashset_insert(&h, "abcd", 4, NULL), 0);
    assert_int_equal(hashset_find(&h, "abcd", 4), 0);
    assert_int_equal(hashset_find(&h, "abc", 3), -1);
    hashset_free(&h);
}

/* ------------------------------------------------------------ radix */

struct pfx {
    struct ictw_addr a;
    unsigned bits;
    uint32_t value;
};

static bool in_prefix(const struct ictw_addr *x, const struct pfx *p)
{
    if (x->family != p->a.family)
        return false;
    struct ictw_addr m = *x;
    ictw_addr_mask(&m, p->bits);
    struct ictw_addr n = p->a;
    ictw_addr_mask(&n, p->bits);
    return memcmp(m.b, n.b, 16) == 0;
}

static void test_radix_longest_prefix(void **state)
{
    (void)state;
    uint64_t seed = 42;
    enum { NP = 400 };
    static struct pfx p[NP];
    struct radix r;
    radix_init(&r);
    int np = 0;
    for (int i = 0; i < NP; i++) {
        int fam = i % 3 ? 4 : 6;
        tu_random_addr(&seed, fam, &p[np].a);
        /* cluster the prefixes so that they nest */
        p[np].a.b[0] = (uint8_t)(10 + tu_rand(&seed) % 2);
        p[np].bits = (unsigned)(tu_rand(&seed) % (fam == 4 ? 33 : 129));
        p[np].value = (uint32_t)i + 1;
        /* a later insert of the same prefix replaces the value */
        for (int j = 0; j < np; j++) {
            struct ictw_addr x = p[j].a, y = p[np].a;
            ictw_addr_mask(&x, p[j].bits);
            ictw_addr_mask(&y, p[np].bits);
            if (p[j].bits == p[np].bits && x.family == y.family && memcmp(x.b, y.b, 16) == 0)
                p[j].bits = 999;   /* superseded */
        }
        bool existed;
        uint32_t old;
        assert_int_equal(radix_insert(&r, &p[np].a, p[np].bits, p[np].value, &existed, &old), 0);
        np++;
    }
    for (int q = 0; q < 3000; q++) {
        struct ictw_addr x;
        int fam = q % 3 ? 4 : 6;
        if (q % 2) {
            x = p[tu_rand(&seed) % NP].a;   /* near a stored prefix */
            x.b[x.family == 4 ? 3 : 15] ^= (uint8_t)tu_rand(&seed);
        } else {
            tu_random_addr(&seed, fam, &x);
            x.b[0] = (uint8_t)(10 + tu_rand(&seed) % 2);
        }
        int best = -1;
        for (int j = 0; j < np; j++)
            if (p[j].bits != 999 && in_prefix(&x, &p[j]) && (best < 0 || p[j].bits > p[best].bits))
                best = j;
        uint32_t v = 0;
        bool found = radix_lookup(&r, &x, &v);
        assert_int_equal(found, best >= 0);
        if (best >= 0 && v != p[best].value) {
            char b1[64], b2[64], b3[64];
            int other = -1;
            for (int j = 0; j < np; j++)
                if (p[j].value == v)
                    other = j;
            fprintf(stderr, "addr %s: expected %s/%u, got %s/%u%s\n", ictw_addr_format_short(&x, b1, 64),
                    ictw_addr_format_short(&p[best].a, b2, 64), p[best].bits,
                    other >= 0 ? ictw_addr_format_short(&p[other].a, b3, 64) : "?",
                    other >= 0 ? p[other].bits : 0, other >= 0 && p[other].bits == 999 ? " (superseded)" : "");
            fail();
        }
    }
    radix_free(&r);
}

/* ------------------------------------------------------------ address sets */

static void test_addr_algebra(void **state)
{
    (void)state;
    struct config cfg;
    config_init(&cfg);
    config_add(&cfg, "HOME_NET", "[10.0.0.0/8, 192.168.0.0/16]", "t", 1);
    config_add(&cfg, "DMZ", "[10.1.0.0/16,!10.1.2.0/24]", "t", 2);
    struct detect_vars vars = {&cfg};
    struct addr_set s;
    char err[256];
    struct {
        const char *expr;
        const char *addr;
        bool in;
    } cases[] = {
        {"any", "1.2.3.4", true},
        {"any", "2001:db8::1", true},
        {"10.0.0.0/8", "10.255.255.255", true},
        {"10.0.0.0/8", "11.0.0.0", false},
        {"10.0.0.0/8", "2001:db8::1", false},
        {"!10.0.0.0/8", "11.0.0.0", true},
        {"!10.0.0.0/8", "2001:db8::1", true},   /* negating IPv4 leaves all of IPv6 */
        {"!10.0.0.0/8", "10.1.1.1", false},
        {"[10.0.0.0/24, !10.0.0.5]", "10.0.0.4", true},
        {"[10.0.0.0/24, !10.0.0.5]", "10.0.0.5", false},
        {"[10.0.0.0/24, !10.0.0.5]", "10.0.1.1", false},
        {"[!10.0.0.5]", "1.1.1.1", true},
        {"[!10.0.0.5]", "10.0.0.5", false},
        {"![10.0.0.0/8,192.168.1.1]", "192.168.1.1", false},
        {"![10.0.0.0/8,192.168.1.1]", "192.168.1.2", true},
        {"[$HOME_NET,!$DMZ]", "10.1.5.1", false},
        {"[$HOME_NET,!$DMZ]", "10.1.2.9", true},    /* DMZ excludes 10.1.2.0/24 */
        {"[$HOME_NET,!$DMZ]", "192.168.3.3", true},
        {"[$HOME_NET,!$DMZ]", "172.16.0.1", false},
        {"$EXTERNAL_NET", "10.9.9.9", false},
        {"$EXTERNAL_NET", "8.8.8.8", true},
        {"[1.1.1.1-1.1.1.3,![1.1.1.2]]", "1.1.1.2", false},
        {"[1.1.1.1-1.1.1.3,![1.1.1.2]]", "1.1.1.3", true},
        {"10.0.0.0/255.255.0.0", "10.0.255.1", true},
        {"10.0.0.0/255.255.0.0", "10.1.0.1", false},
        {"10.0.0.7/24", "10.0.0.200", true},   /* host bits are ignored */
        {"2001:db8::/32", "2001:db8:ffff::1", true},
        {"2001:db8::/32", "2001:db9::1", false},
        {"[2001:db8::/32,!2001:db8::1]", "2001:db8::1", false},
        {"0.0.0.0/0", "255.255.255.255", true},
        {"::/0", "ffff::1", true},
        {"::/0", "1.2.3.4", false},
        {"[[10.0.0.0/8,![10.5.0.0/16,!10.5.5.5]]]", "10.5.5.5", true},
        {"[[10.0.0.0/8,![10.5.0.0/16,!10.5.5.5]]]", "10.5.5.6", false},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ictw_addr a;
        assert_int_equal(ictw_addr_parse(cases[i].addr, &a), 0);
        if (addr_set_parse(cases[i].expr, &vars, &s, err, sizeof(err)) < 0) {
            fprintf(stderr, "%s: %s\n", cases[i].expr, err);
            fail();
        }
        if (addr_set_match(&s, &a) != cases[i].in) {
            fprintf(stderr, "%s contains %s: expected %d\n", cases[i].expr, cases[i].addr, cases[i].in);
            fail();
        }
        addr_set_free(&s);
    }
    assert_int_equal(addr_set_parse("[1.1.1.1,!any]", &vars, &s, err, sizeof(err)), -1);
    assert_string_equal(err, "'[1.1.1.1,!any]' matches no address");
    assert_int_equal(addr_set_parse("[10.0.0.0/8", &vars, &s, err, sizeof(err)), -1);
    assert_string_equal(err, "missing ']'");
    assert_int_equal(addr_set_parse("[10.0.0.0/8]x", &vars, &s, err, sizeof(err)), -1);
    assert_string_equal(err, "unexpected 'x' in '[10.0.0.0/8]x'");
    assert_int_equal(addr_set_parse("10.0.0.0/8-10.1.0.0", &vars, &s, err, sizeof(err)), -1);
    assert_int_equal(addr_set_parse("1.2.3.4-2001:db8::1", &vars, &s, err, sizeof(err)), -1);
    assert_string_equal(err, "invalid address range '1.2.3.4-2001:db8::1'");
    assert_int_equal(addr_set_parse("$", &vars, &s, err, sizeof(err)), -1);
    assert_string_equal(err, "'$' without a variable name");

    struct port_set ps;
    struct {
        const char *expr;
        uint16_t port;
        bool in;
    } pcases[] = {
        {"any", 0, true},         {"80", 80, true},          {"80", 81, false},
        {"1024:", 65535, true},   {"1024:", 1023, false},    {":1023", 0, true},
        {"!80", 80, false},       {"!80", 8080, true},       {"[80:100,!99]", 99, false},
        {"[80:100,!99]", 100, true}, {"[1:80,![2,4]]", 3, true}, {"[1:80,![2,4]]", 4, false},
        {"$HTTP_PORTS", 80, true}, {"$FILE_DATA_PORTS", 143, true}, {"$SHELLCODE_PORTS", 80, false},
        {"[0:65535]", 65535, true},
    };
    for (size_t i = 0; i < sizeof(pcases) / sizeof(pcases[0]); i++) {
        assert_int_equal(port_set_parse(pcases[i].expr, &vars, &ps, err, sizeof(err)), 0);
        if (port_set_match(&ps, pcases[i].port) != pcases[i].in) {
            fprintf(stderr, "%s contains %u: expected %d\n", pcases[i].expr, pcases[i].port, pcases[i].in);
            fail();
        }
        if (strcmp(pcases[i].expr, "[0:65535]") == 0)
            assert_true(ps.any);
        port_set_free(&ps);
    }
    assert_int_equal(port_set_parse("80:", &vars, &ps, err, sizeof(err)), 0);
    port_set_free(&ps);
    assert_int_equal(port_set_parse(":", &vars, &ps, err, sizeof(err)), -1);
    assert_string_equal(err, "invalid port range ':'");
    assert_int_equal(port_set_parse("http", &vars, &ps, err, sizeof(err)), -1);
    assert_string_equal(err, "invalid port 'http'");
    config_free(&cfg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ac_against_naive),
        cmocka_unit_test(test_ac_positions),
        cmocka_unit_test(test_mpm_against_naive),
        cmocka_unit_test(test_hashset),
        cmocka_unit_test(test_radix_longest_prefix),
        cmocka_unit_test(test_addr_algebra),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
