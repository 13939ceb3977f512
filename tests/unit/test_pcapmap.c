/* test_pcapmap.c - the in-place reader of classic pcap files: both byte orders,
 * microsecond and nanosecond stamps, snaplen clipping, a cut at every byte,
 * a damaged capture length, and files it must leave to libpcap. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <dirent.h>
#include <pcap/pcap.h>

#include "pcapmap.h"

static size_t put32(uint8_t *p, uint32_t v, bool be)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(be ? v >> (24 - 8 * i) : v >> (8 * i));
    return 4;
}

static size_t put16(uint8_t *p, uint16_t v, bool be)
{
    p[0] = (uint8_t)(be ? v >> 8 : v);
    p[1] = (uint8_t)(be ? v : v >> 8);
    return 2;
}

/* A file with two records (3 and 5 bytes) in the given byte order / precision. */
static size_t make_file(uint8_t *b, bool be, bool ns, uint32_t snaplen)
{
    size_t o = 0;
    o += put32(b + o, ns ? 0xa1b23c4d : 0xa1b2c3d4, be);
    o += put16(b + o, 2, be);
    o += put16(b + o, 4, be);
    o += put32(b + o, 0, be);
    o += put32(b + o, 0, be);
    o += put32(b + o, snaplen, be);
    o += put32(b + o, 1, be);
    const uint32_t frac[2] = {ns ? 123456789u : 123456u, ns ? 999u : 7u};
    const uint32_t lens[2] = {3, 5};
    for (int r = 0; r < 2; r++) {
        o += put32(b + o, 1700000000u + (uint32_t)r, be);
        o += put32(b + o, frac[r], be);
        o += put32(b + o, lens[r], be);
        o += put32(b + o, lens[r] + 100, be);
        for (uint32_t i = 0; i < lens[r]; i++)
            b[o++] = (uint8_t)(0x40 + r * 16 + (int)i);
    }
    return o;
}

static void test_both_orders_and_precisions(void **state)
{
    (void)state;
    for (int be = 0; be < 2; be++)
        for (int ns = 0; ns < 2; ns++) {
            uint8_t buf[128];
            size_t n = make_file(buf, be, ns, 65535);
            struct pcapmap m;
            struct pcapmap_record r;
            assert_int_equal(pcapmap_from_buffer(&m, buf, n), 0);
            assert_int_equal(pcapmap_next(&m, &r), PCAPMAP_PACKET);
            assert_int_equal(r.ts, 1700000000ULL * 1000000 + 123456);
            assert_int_equal(r.caplen, 3);
            assert_int_equal(r.wire_len, 103);
            assert_int_equal(r.data[0], 0x40);
            assert_int_equal(pcapmap_next(&m, &r), PCAPMAP_PACKET);
            assert_int_equal(r.ts, 1700000001ULL * 1000000 + (ns ? 0 : 7));
            assert_int_equal(r.caplen, 5);
            assert_int_equal(r.data[4], 0x54);
            assert_int_equal(pcapmap_next(&m, &r), PCAPMAP_END);
        }
}

static void test_cut_at_every_byte(void **state)
{
    (void)state;
    uint8_t full[128];
    size_t n = make_file(full, false, false, 65535);
    for (size_t cut = 24; cut < n; cut++) {
        uint8_t *b = malloc(cut);   /* exact size: ASan sees any read past it */
        memcpy(b, full, cut);
        struct pcapmap m;
        struct pcapmap_record r;
        assert_int_equal(pcapmap_from_buffer(&m, b, cut), 0);
        int packets = 0;
        enum pcapmap_result res;
        while ((res = pcapmap_next(&m, &r)) == PCAPMAP_PACKET)
            packets++;
        bool at_boundary = cut == 24 || cut == 24 + 16 + 3;
        assert_int_equal(res, at_boundary ? PCAPMAP_END : PCAPMAP_CUT);
        assert_int_equal(packets, cut >= 24 + 16 + 3 ? 1 : 0);
        free(b);
    }
    for (size_t cut = 0; cut < 24; cut++) {
        struct pcapmap m;
        assert_int_equal(pcapmap_from_buffer(&m, full, cut), -1);
    }
}

static void test_damaged_length_and_snaplen(void **state)
{
    (void)state;
    uint8_t buf[128];
    size_t n = make_file(buf, false, false, 4);   /* snaplen 4: the 5-byte record is clipped */
    struct pcapmap m;
    struct pcapmap_record r;
    assert_int_equal(pcapmap_from_buffer(&m, buf, n), 0);
    assert_int_equal(pcapmap_next(&m, &r), PCAPMAP_PACKET);
    assert_int_equal(pcapmap_next(&m, &r), PCAPMAP_PACKET);
    assert_int_equal(r.caplen, 4);
    assert_int_equal(pcapmap_next(&m, &r), PCAPMAP_END);
    /* A capture length of 300000 is damage, whatever follows. */
    put32(buf + 24 + 8, 300000, false);
    assert_int_equal(pcapmap_from_buffer(&m, buf, n), 0);
    assert_int_equal(pcapmap_next(&m, &r), PCAPMAP_DAMAGED);
}

static void test_only_classic_pcap_files(void **state)
{
    (void)state;
    char path[] = "/tmp/ictw-pcapmap-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    uint8_t ng[32] = {0x0a, 0x0d, 0x0d, 0x0a};   /* a pcapng section header block */
    assert_int_equal(write(fd, ng, sizeof(ng)), (ssize_t)sizeof(ng));
    close(fd);
    struct pcapmap m;
    assert_int_equal(pcapmap_open(&m, path), -1);
    uint8_t buf[128];
    size_t n = make_file(buf, true, true, 65535);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(buf, 1, n, f), n);
    fclose(f);
    assert_int_equal(pcapmap_open(&m, path), 0);
    struct pcapmap_record r;
    assert_int_equal(pcapmap_next(&m, &r), PCAPMAP_PACKET);
    assert_int_equal(r.caplen, 3);
    pcapmap_close(&m);
    assert_int_equal(pcapmap_open(&m, "/nonexistent/file.pcap"), -1);
    unlink(path);
}

/* Every classic pcap file of ../shared/pcaps/ndpi reads exactly as libpcap
 * reads it: same records, times, lengths and bytes, same end. */
static void test_same_as_libpcap_on_shared_captures(void **state)
{
    (void)state;
    const char *dir = getenv("SHARED") ? getenv("SHARED") : "../shared";
    char path[4096];
    snprintf(path, sizeof(path), "%s/pcaps/ndpi", dir);
    DIR *d = opendir(path);
    if (!d) {
        skip();   /* ../shared is not there: nothing to compare with */
        return;
    }
    struct dirent *de;
    int files = 0;
    while ((de = readdir(d))) {
        char f[4600];
        snprintf(f, sizeof(f), "%s/%s", path, de->d_name);
        struct pcapmap m;
        if (de->d_name[0] == '.' || pcapmap_open(&m, f) != 0)
            continue;
        char err[PCAP_ERRBUF_SIZE];
        pcap_t *p = pcap_open_offline_with_tstamp_precision(f, PCAP_TSTAMP_PRECISION_MICRO, err);
        assert_non_null(p);
        struct pcap_pkthdr *h;
        const u_char *data;
        struct pcapmap_record r;
        int lrc;
        enum pcapmap_result mrc;
        while ((lrc = pcap_next_ex(p, &h, &data)) == 1) {
            mrc = pcapmap_next(&m, &r);
            if (mrc != PCAPMAP_PACKET)
                fail_msg("%s: libpcap has a record we do not", f);
            int64_t want = (int64_t)h->ts.tv_sec * 1000000 + (int64_t)h->ts.tv_usec;
            if (r.ts != (uint64_t)(want > 0 ? want : 0))
                fail_msg("%s: time %llu against libpcap %ld.%06ld", f, (unsigned long long)r.ts, (long)h->ts.tv_sec, (long)h->ts.tv_usec);
            assert_int_equal(r.caplen, h->caplen);
            assert_int_equal(r.wire_len, h->len);
            assert_memory_equal(r.data, data, h->caplen);
        }
        mrc = pcapmap_next(&m, &r);
        if (lrc == PCAP_ERROR_BREAK)
            assert_int_equal(mrc, PCAPMAP_END);
        else
            assert_true(mrc == PCAPMAP_CUT || mrc == PCAPMAP_DAMAGED);
        pcap_close(p);
        pcapmap_close(&m);
        files++;
    }
    closedir(d);
    assert_true(files > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_both_orders_and_precisions),
        cmocka_unit_test(test_cut_at_every_byte),
        cmocka_unit_test(test_damaged_length_and_snaplen),
        cmocka_unit_test(test_only_classic_pcap_files),
        cmocka_unit_test(test_same_as_libpcap_on_shared_captures),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
