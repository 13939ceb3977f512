/* test_defrag.c - IPv4/IPv6 fragment reassembly through defrag.h alone.
 *
 * Fragments are described directly as struct defrag_frag over a known byte
 * pattern, so every test can check the rebuilt datagram byte for byte: order
 * (in order, reversed, shuffled), duplicates, first-wins overlaps and their
 * counters, the memory cap, the timeout, the size limit, IPv6 extension
 * headers before the fragment header, the datagram limit, and the key
 * (VLAN, tunnel, protocol) that keeps datagrams apart.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "defrag.h"

#define SEC ICTW_USEC_PER_SEC
#define T0 (1700000000ULL * SEC)

static uint8_t pattern[65536];
static const uint8_t v4hdr[20] = { 0x45, 0, 0, 0, 0x12, 0x34, 0x40, 0, 64, 17, 0, 0,
                                   192, 0, 2, 1, 198, 51, 100, 2 };

static int setup(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(pattern); i++)
        pattern[i] = (uint8_t)(i * 7 + 3);
    return 0;
}

static struct defrag *new_defrag(uint64_t memcap, uint32_t timeout, uint32_t max_dgrams)
{
    struct defrag_config cfg;
    defrag_config_defaults(&cfg);
    assert_int_equal(cfg.memcap, 32u << 20);
    assert_int_equal(cfg.timeout, 60);
    assert_int_equal(cfg.max_datagrams, 65536);
    if (memcap)
        cfg.memcap = memcap;
    if (timeout)
        cfg.timeout = timeout;
    if (max_dgrams)
        cfg.max_datagrams = max_dgrams;
    struct defrag *d = defrag_new(&cfg);
    assert_non_null(d);
    return d;
}

/* An IPv4 fragment of the pattern: bytes [off, off+len) of datagram `id`. */
static struct defrag_frag frag4(uint32_t id, uint32_t off, uint32_t len, bool more)
{
    struct defrag_frag f;
    memset(&f, 0, sizeof(f));
    f.family = 4;
    f.proto = 17;
    f.more = more;
    f.id = id;
    f.offset = off;
    f.hdr = v4hdr;
    f.hdr_len = 20;
    f.data = pattern + off;
    f.data_len = len;
    ictw_addr_from_v4(&f.src, v4hdr + 12);
    ictw_addr_from_v4(&f.dst, v4hdr + 16);
    return f;
}

static int add(struct defrag *d, const struct defrag_frag *f, ictw_usec now, const uint8_t **out,
               uint32_t *out_len)
{
    return defrag_add(d, f, now, out, out_len);
}

/* The rebuilt IPv4 datagram must be the header with fixed fields plus the pattern. */
static void check_v4(const uint8_t *out, uint32_t out_len, uint32_t data_len)
{
    assert_int_equal(out_len, 20 + data_len);
    assert_int_equal(ictw_be16(out + 2), 20 + data_len);
    assert_int_equal(out[6], 0x40);             /* DF kept, MF and offset cleared */
    assert_int_equal(out[7], 0);
    assert_int_equal(out[9], 17);
    assert_memory_equal(out + 12, v4hdr + 12, 8);
    uint32_t sum = 0;
    for (int i = 0; i < 20; i += 2)
        sum += ictw_be16(out + i);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    assert_int_equal(sum, 0xffff);
    assert_memory_equal(out + 20, pattern, data_len);
}

/* Feeds fragments of 8*unit bytes covering `total` in the given order. */
static void reassemble_in_order(const uint32_t *order, unsigned n, uint32_t unit, uint32_t total)
{
    struct defrag *d = new_defrag(0, 0, 0);
    const uint8_t *out = NULL;
    uint32_t out_len = 0;
    for (unsigned i = 0; i < n; i++) {
        uint32_t k = order[i], off = k * unit, len = off + unit > total ? total - off : unit;
        struct defrag_frag f = frag4(1, off, len, off + len < total);
        int r = add(d, &f, T0 + i, &out, &out_len);
        assert_int_equal(r, i + 1 == n ? 1 : 0);
    }
    check_v4(out, out_len, total);
    const struct defrag_stats *st = defrag_stats(d);
    assert_int_equal(st->fragments, n);
    assert_int_equal(st->reassembled, 1);
    assert_int_equal(st->overlaps, 0);
    assert_int_equal(st->memuse, 0);
    assert_true(st->memuse_peak > 0);
    defrag_free(d);
}

static void test_in_order_and_reversed(void **state)
{
    (void)state;
    uint32_t order[9];
    for (unsigned i = 0; i < 9; i++)
        order[i] = i;
    reassemble_in_order(order, 9, 1480, 8 * 1480 + 100);
    for (unsigned i = 0; i < 9; i++)
        order[i] = 8 - i;
    reassemble_in_order(order, 9, 1480, 8 * 1480 + 100);
}

static void test_random_orders(void **state)
{
    (void)state;
    uint32_t order[40];
    uint32_t rng = 12345;
    for (int round = 0; round < 50; round++) {
        for (unsigned i = 0; i < 40; i++)
            order[i] = i;
        for (unsigned i = 39; i > 0; i--) {
            rng = rng * 1103515245u + 12345u;
            unsigned j = (rng >> 8) % (i + 1);
            uint32_t t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        reassemble_in_order(order, 40, 64, 39 * 64 + 5);
    }
}

/* A single unfragmented "fragment" (offset 0, last) completes at once. */
static void test_single_fragment(void **state)
{
    (void)state;
    struct defrag *d = new_defrag(0, 0, 0);
    const uint8_t *out;
    uint32_t out_len;
    struct defrag_frag f = frag4(1, 0, 100, false);
    assert_int_equal(add(d, &f, T0, &out, &out_len), 1);
    check_v4(out, out_len, 100);
    defrag_free(d);
}

static void test_duplicates(void **state)
{
    (void)state;
    struct defrag *d = new_defrag(0, 0, 0);
    const uint8_t *out;
    uint32_t out_len;
    struct defrag_frag a = frag4(2, 0, 64, true), b = frag4(2, 64, 64, true), c = frag4(2, 128, 10, false);
    assert_int_equal(add(d, &a, T0, &out, &out_len), 0);
    assert_int_equal(add(d, &a, T0, &out, &out_len), 0);
    assert_int_equal(add(d, &b, T0, &out, &out_len), 0);
    assert_int_equal(add(d, &b, T0, &out, &out_len), 0);
    assert_int_equal(add(d, &c, T0, &out, &out_len), 1);
    check_v4(out, out_len, 138);
    assert_int_equal(defrag_stats(d)->overlaps, 2);
    assert_int_equal(defrag_stats(d)->overlap_conflicts, 0);
    defrag_free(d);
}

/* Overlaps: the first fragment to cover a byte wins, whatever comes later. */
static void test_overlap_first_wins(void **state)
{
    (void)state;
    struct defrag *d = new_defrag(0, 0, 0);
    const uint8_t *out;
    uint32_t out_len;
    uint8_t evil[64];
    memset(evil, 'X', sizeof(evil));

    struct defrag_frag a = frag4(3, 0, 24, true);
    struct defrag_frag b = frag4(3, 16, 32, true);     /* overlaps 16..24 with other bytes */
    b.data = evil;
    struct defrag_frag c = frag4(3, 48, 16, true);
    struct defrag_frag e = frag4(3, 40, 24, false);    /* overlaps 40..64 with the same bytes... */
    e.data = pattern + 40;
    assert_int_equal(add(d, &a, T0, &out, &out_len), 0);
    assert_int_equal(add(d, &b, T0, &out, &out_len), 0);
    assert_int_equal(defrag_stats(d)->overlaps, 1);
    assert_int_equal(defrag_stats(d)->overlap_conflicts, 1);
    assert_int_equal(add(d, &c, T0, &out, &out_len), 0);
    assert_int_equal(add(d, &e, T0, &out, &out_len), 1);
    /* ... except 40..48, held as 'X' from b, where e differs: a second conflict */
    assert_int_equal(defrag_stats(d)->overlaps, 2);
    assert_int_equal(defrag_stats(d)->overlap_conflicts, 2);
    assert_int_equal(out_len, 20 + 64);
    assert_memory_equal(out + 20, pattern, 24);        /* a's bytes won over b's */
    assert_memory_equal(out + 20 + 24, evil, 24);      /* b's new bytes were taken */
    assert_memory_equal(out + 20 + 48, pattern + 48, 16);
    defrag_free(d);
}

/* A fragment that covers a hole between two held ranges fills only the hole. */
static void test_overlap_spanning_holes(void **state)
{
    (void)state;
    struct defrag *d = new_defrag(0, 0, 0);
    const uint8_t *out;
    uint32_t out_len;
    uint8_t other[200];
    memset(other, 'Y', sizeof(other));
    struct defrag_frag f1 = frag4(4, 8, 16, true), f2 = frag4(4, 40, 16, true);
    struct defrag_frag big = frag4(4, 0, 80, true);
    big.data = other;
    struct defrag_frag last = frag4(4, 80, 8, false);
    assert_int_equal(add(d, &f1, T0, &out, &out_len), 0);
    assert_int_equal(add(d, &f2, T0, &out, &out_len), 0);
    assert_int_equal(add(d, &big, T0, &out, &out_len), 0);
    assert_int_equal(add(d, &last, T0, &out, &out_len), 1);
    assert_int_equal(defrag_stats(d)->overlaps, 1);
    assert_int_equal(defrag_stats(d)->overlap_conflicts, 1);
    const uint8_t *p = out + 20;
    assert_memory_equal(p, other, 8);
    assert_memory_equal(p + 8, pattern + 8, 16);
    assert_memory_equal(p + 24, other, 16);
    assert_memory_equal(p + 40, pattern + 40, 16);
    assert_memory_equal(p + 56, other, 24);
    assert_memory_equal(p + 80, pattern + 80, 8);
    defrag_free(d);
}

static void test_invalid_fragments(void **state)
{
    (void)state;
    struct defrag *d = new_defrag(0, 0, 0);
    const uint8_t *out;
    uint32_t out_len;
    struct defrag_frag f;

    f = frag4(5, 0, 13, true);                  /* non-final length not a multiple of 8 */
    assert_int_equal(add(d, &f, T0, &out, &out_len), -1);
    f = frag4(5, 8, 0, true);                   /* empty non-final fragment */
    assert_int_equal(add(d, &f, T0, &out, &out_len), -1);
    f = frag4(5, 4, 8, true);                   /* offset not a multiple of 8 */
    assert_int_equal(add(d, &f, T0, &out, &out_len), -1);
    f = frag4(5, 0, 8, true);
    f.hdr_len = 19;                             /* header length inconsistent */
    assert_int_equal(add(d, &f, T0, &out, &out_len), -1);
    f = frag4(5, 0, 8, true);
    f.family = 5;
    assert_int_equal(add(d, &f, T0, &out, &out_len), -1);
    assert_int_equal(defrag_stats(d)->invalid, 5);

    /* a last fragment before held data; a second, different end; data past the end */
    f = frag4(6, 64, 64, true);
    assert_int_equal(add(d, &f, T0, &out, &out_len), 0);
    f = frag4(6, 32, 8, false);
    assert_int_equal(add(d, &f, T0, &out, &out_len), -1);
    f = frag4(6, 128, 8, false);
    assert_int_equal(add(d, &f, T0, &out, &out_len), 0);
    f = frag4(6, 128, 16, false);
    assert_int_equal(add(d, &f, T0, &out, &out_len), -1);
    f = frag4(6, 136, 8, true);
    assert_int_equal(add(d, &f, T0, &out, &out_len), -1);
    assert_int_equal(defrag_stats(d)->invalid, 8);
    /* the datagram is still intact and completes */
    f = frag4(6, 0, 64, true);
    assert_int_equal(add(d, &f, T0, &out, &out_len), 1);
    check_v4(out, out_len, 136);
    assert_int_equal(defrag_stats(d)->fragments, 11);
    defrag_free(d);
}

static void test_oversize(void **state)
{
    (void)state;
    struct defrag *d = new_defrag(0, 0, 0);
    const uint8_t *out;
    uint32_t out_len;
    /* IPv4: 20 + 65512 + 8 = 65540 > 65535 */
    struct defrag_frag f = frag4(7, 65512, 8, false);
    assert_int_equal(add(d, &f, T0, &out, &out_len), -1);
    /* the largest that fits: total exactly 65535 */
    struct defrag_frag first = frag4(8, 0, 65504, true), last = frag4(8, 65504, 11, false);
    assert_int_equal(add(d, &first, T0, &out, &out_len), 0);
    assert_int_equal(add(d, &last, T0, &out, &out_len), 1);
    check_v4(out, out_len, 65515);
    assert_int_equal(defrag_stats(d)->invalid, 1);
    defrag_free(d);
}

/* IPv6: header + hop-by-hop + destination options, then the fragment header. */
static void test_ipv6_exthdrs(void **state)
{
    (void)state;
    uint8_t hdr[40 + 8 + 16];
    memset(hdr, 0, sizeof(hdr));
    hdr[0] = 0x60;
    hdr[6] = 0;                                 /* hop-by-hop */
    hdr[7] = 64;
    hdr[8] = 0x20; hdr[9] = 0x01; hdr[23] = 1;
    hdr[24] = 0x20; hdr[25] = 0x01; hdr[39] = 2;
    hdr[40] = 60;                               /* -> destination options (16 bytes) */
    hdr[48] = 44;                               /* -> fragment */
    hdr[49] = 1;
    struct defrag *d = new_defrag(0, 0, 0);
    const uint8_t *out;
    uint32_t out_len;
    struct defrag_frag f[3];
    for (int i = 0; i < 3; i++) {
        memset(&f[i], 0, sizeof(f[i]));
        f[i].family = 6;
        f[i].proto = 6;
        f[i].id = 0xdeadbeef;
        f[i].hdr = hdr;
        f[i].hdr_len = sizeof(hdr);
        f[i].offset = (uint32_t)i * 1232;
        f[i].data = pattern + f[i].offset;
        f[i].data_len = i == 2 ? 100 : 1232;
        f[i].more = i < 2;
        ictw_addr_from_v6(&f[i].src, hdr + 8);
        ictw_addr_from_v6(&f[i].dst, hdr + 24);
    }
    assert_int_equal(add(d, &f[1], T0, &out, &out_len), 0);
    assert_int_equal(add(d, &f[2], T0, &out, &out_len), 0);
    assert_int_equal(add(d, &f[0], T0, &out, &out_len), 1);
    uint32_t data = 2 * 1232 + 100;
    assert_int_equal(out_len, sizeof(hdr) + data);
    assert_int_equal(ictw_be16(out + 4), 24 + data);
    assert_int_equal(out[6], 0);                /* unchanged */
    assert_int_equal(out[40], 60);              /* unchanged */
    assert_int_equal(out[48], 6);               /* was 44: now the fragment's next header */
    assert_memory_equal(out + 8, hdr + 8, 32);
    assert_memory_equal(out + sizeof(hdr), pattern, data);

    /* a header chain that does not end at a fragment header is refused */
    hdr[48] = 17;
    f[0].id = 1;
    assert_int_equal(add(d, &f[0], T0, &out, &out_len), -1);
    hdr[48] = 44;
    hdr[49] = 9;                                /* destination options running past the header */
    assert_int_equal(add(d, &f[0], T0, &out, &out_len), -1);
    assert_int_equal(defrag_stats(d)->invalid, 2);
    defrag_free(d);
}

static void test_timeout(void **state)
{
    (void)state;
    struct defrag *d = new_defrag(0, 60, 0);
    const uint8_t *out;
    uint32_t out_len;
    struct defrag_frag a = frag4(9, 0, 64, true), b = frag4(9, 64, 8, false);
    assert_int_equal(add(d, &a, T0, &out, &out_len), 0);
    defrag_expire(d, T0 + 60 * SEC);            /* exactly the timeout: still there */
    assert_int_equal(defrag_stats(d)->timeouts, 0);
    assert_int_equal(add(d, &b, T0 + 60 * SEC, &out, &out_len), 1);

    assert_int_equal(add(d, &a, T0 + 100 * SEC, &out, &out_len), 0);
    defrag_expire(d, T0 + 160 * SEC + 1);
    assert_int_equal(defrag_stats(d)->timeouts, 1);
    assert_int_equal(defrag_stats(d)->memuse, 0);
    /* the end alone now starts a new datagram */
    assert_int_equal(add(d, &b, T0 + 161 * SEC, &out, &out_len), 0);
    /* and defrag_add expires on its own, in packet time */
    assert_int_equal(add(d, &a, T0 + 300 * SEC, &out, &out_len), 0);
    assert_int_equal(defrag_stats(d)->timeouts, 2);
    /* time going backwards (a second capture file) expires nothing */
    defrag_expire(d, T0);
    assert_int_equal(defrag_stats(d)->timeouts, 2);
    defrag_free(d);
}

static void test_memcap_eviction(void **state)
{
    (void)state;
    struct defrag *d = new_defrag(16384, 0, 0);
    const uint8_t *out;
    uint32_t out_len;
    /* each datagram holds a 2048-byte buffer: 16 KiB holds fewer than 8 */
    for (uint32_t id = 100; id < 120; id++) {
        struct defrag_frag f = frag4(id, 0, 1600, true);
        assert_int_equal(add(d, &f, T0 + id, &out, &out_len), 0);
        assert_true(defrag_stats(d)->memuse <= 16384);
    }
    const struct defrag_stats *st = defrag_stats(d);
    assert_true(st->evicted >= 12);
    assert_true(st->memuse_peak <= 16384);
    /* the oldest are gone, the newest complete */
    struct defrag_frag end100 = frag4(100, 1600, 8, false), end119 = frag4(119, 1600, 8, false);
    assert_int_equal(add(d, &end119, T0 + 200, &out, &out_len), 1);
    check_v4(out, out_len, 1608);
    assert_int_equal(add(d, &end100, T0 + 201, &out, &out_len), 0);

    /* a datagram that cannot fit even alone is dropped and counted */
    uint64_t evicted = st->evicted;
    struct defrag_frag huge = frag4(500, 0, 32768, true);
    assert_int_equal(add(d, &huge, T0 + 300, &out, &out_len), -1);
    assert_true(st->evicted > evicted);
    assert_true(st->memuse <= 16384);
    defrag_free(d);
}

static void test_max_datagrams(void **state)
{
    (void)state;
    struct defrag *d = new_defrag(0, 0, 4);
    const uint8_t *out;
    uint32_t out_len;
    for (uint32_t id = 1; id <= 5; id++) {
        struct defrag_frag f = frag4(id, 0, 8, true);
        assert_int_equal(add(d, &f, T0, &out, &out_len), 0);
    }
    assert_int_equal(defrag_stats(d)->evicted, 1);
    struct defrag_frag end1 = frag4(1, 8, 8, false), end2 = frag4(2, 8, 8, false);
    assert_int_equal(add(d, &end1, T0, &out, &out_len), 0);    /* id 1 was evicted: new, evicts 2 */
    assert_int_equal(add(d, &end2, T0, &out, &out_len), 0);    /* so was 2 now */
    struct defrag_frag end5 = frag4(5, 8, 8, false);
    assert_int_equal(add(d, &end5, T0, &out, &out_len), 1);
    check_v4(out, out_len, 16);
    assert_int_equal(defrag_stats(d)->evicted, 3);
    defrag_free(d);
}

/* Same addresses and id but another VLAN, tunnel or protocol: another datagram. */
static void test_key_separation(void **state)
{
    (void)state;
    struct defrag *d = new_defrag(0, 0, 0);
    const uint8_t *out;
    uint32_t out_len;
    uint8_t other[64];
    memset(other, 'V', sizeof(other));
    struct defrag_frag base = frag4(11, 0, 64, true), end = frag4(11, 64, 8, false);
    assert_int_equal(add(d, &base, T0, &out, &out_len), 0);
    for (int variant = 0; variant < 3; variant++) {
        struct defrag_frag f = base;
        f.data = other;
        if (variant == 0)
            f.vlan = 10;
        else if (variant == 1)
            f.tunnel_key = 0x1234;
        else
            f.proto = 6;
        assert_int_equal(add(d, &f, T0, &out, &out_len), 0);
    }
    assert_int_equal(defrag_stats(d)->overlaps, 0);
    assert_int_equal(add(d, &end, T0, &out, &out_len), 1);
    check_v4(out, out_len, 72);
    struct defrag_frag vend = end;
    vend.vlan = 10;
    assert_int_equal(add(d, &vend, T0, &out, &out_len), 1);
    assert_memory_equal(out + 20, other, 64);
    defrag_free(d);
}

/* A fragment whose bytes live in the previous output buffer (a fragmented
 * packet inside a reassembled tunnel) is copied before the buffer is reused. */
static void test_input_from_previous_output(void **state)
{
    (void)state;
    struct defrag *d = new_defrag(0, 0, 0);
    const uint8_t *out;
    uint32_t out_len;
    struct defrag_frag a = frag4(12, 0, 200, true), b = frag4(12, 200, 56, false);
    assert_int_equal(add(d, &a, T0, &out, &out_len), 0);
    assert_int_equal(add(d, &b, T0, &out, &out_len), 1);
    const uint8_t *prev = out;
    struct defrag_frag in1 = frag4(13, 0, 128, true), in2 = frag4(13, 128, 100, false);
    in1.data = prev + 20;
    in1.hdr = prev;                             /* the rebuilt header, as the decoder passes it */
    in2.data = prev + 20 + 128;
    in2.hdr = prev;
    assert_int_equal(add(d, &in1, T0, &out, &out_len), 0);
    assert_int_equal(add(d, &in2, T0, &out, &out_len), 1);
    assert_int_equal(out_len, 20 + 228);
    assert_memory_equal(out + 20, pattern, 228);
    defrag_free(d);
}

static void test_hole_limit(void **state)
{
    (void)state;
    struct defrag *d = new_defrag(0, 0, 0);
    const uint8_t *out;
    uint32_t out_len;
    int refused = 0;
    for (uint32_t i = 0; i < 300; i++) {
        struct defrag_frag f = frag4(14, i * 16 + 8, 8, true);  /* 8 bytes every 16: all holes */
        int r = add(d, &f, T0, &out, &out_len);
        assert_true(r == 0 || r == -1);
        refused += r == -1;
    }
    assert_int_equal(refused, 300 - 256);
    assert_int_equal(defrag_stats(d)->invalid, 300 - 256);
    defrag_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order_and_reversed),
        cmocka_unit_test(test_random_orders),
        cmocka_unit_test(test_single_fragment),
        cmocka_unit_test(test_duplicates),
        cmocka_unit_test(test_overlap_first_wins),
        cmocka_unit_test(test_overlap_spanning_holes),
        cmocka_unit_test(test_invalid_fragments),
        cmocka_unit_test(test_oversize),
        cmocka_unit_test(test_ipv6_exthdrs),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_memcap_eviction),
        cmocka_unit_test(test_max_datagrams),
        cmocka_unit_test(test_key_separation),
        cmocka_unit_test(test_input_from_previous_output),
        cmocka_unit_test(test_hole_limit),
    };
    return cmocka_run_group_tests_name("defrag", tests, setup, NULL);
}
