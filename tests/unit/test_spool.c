/* test_spool.c - the Redis sink's disk spool: framing, CRC-32C, recovery of a
 * record torn at every possible byte, the size cap dropping the oldest
 * records (counted), cursor persistence across restarts, the directory lock.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ictwatch/log.h"
#include "output/crc32c.h"
#include "output/spool.h"

static const struct log_ctx quiet = {"test_spool", LOG_ERROR};

static char *tmpdir_new(void)
{
    char tmpl[] = "/tmp/ictw-spool-XXXXXX";
    char *d = mkdtemp(tmpl);
    assert_non_null(d);
    return strdup(d);
}

static void rm_rf(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    char p[4096];
    while ((de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
            snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
            unlink(p);
        }
    closedir(d);
    rmdir(dir);
}

/* Record i of a test: payload "record-<i>-xxxx..." of a length that varies with i. */
static size_t make_payload(unsigned i, char *buf, size_t cap)
{
    size_t n = (size_t)snprintf(buf, cap, "{\"record\":%u,\"pad\":\"", i);
    size_t pad = (i * 37u) % 300u;
    for (size_t k = 0; k < pad && n < cap - 3; k++)
        buf[n++] = (char)('a' + (i + k) % 26);
    buf[n++] = '"';
    buf[n++] = '}';
    buf[n] = '\0';
    return n;
}

static int append_rec(struct spool *sp, unsigned i)
{
    char buf[512];
    struct spool_rec r = {.id_ms = 1000, .id_seq = i, .kind = (uint8_t)(i % 3),
                          .severity = (int8_t)(i % 4 + 1), .modes = 3, .flags = (uint8_t)(i & 1)};
    r.len = (uint32_t)make_payload(i, buf, sizeof(buf));
    r.data = buf;
    return spool_append(sp, &r, NULL);
}

/* Reads one record and checks that it is record i, intact. */
static void expect_rec(struct spool *sp, unsigned i, struct spool_pos *end)
{
    struct spool_rec r;
    struct spool_pos e;
    assert_int_equal(spool_read(sp, &r, end ? end : &e), 1);
    char buf[512];
    size_t n = make_payload(i, buf, sizeof(buf));
    assert_int_equal(r.id_seq, i);
    assert_int_equal(r.id_ms, 1000);
    assert_int_equal(r.kind, i % 3);
    assert_int_equal(r.severity, (int)(i % 4 + 1));
    assert_int_equal(r.modes, 3);
    assert_int_equal(r.flags, i & 1);
    assert_int_equal(r.len, n);
    assert_memory_equal(r.data, buf, n);
}

static char *only_segment(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char *found = NULL;
    int count = 0;
    while ((de = readdir(d)))
        if (!strncmp(de->d_name, "seg-", 4)) {
            free(found);
            found = malloc(strlen(dir) + strlen(de->d_name) + 2);
            sprintf(found, "%s/%s", dir, de->d_name);
            count++;
        }
    closedir(d);
    assert_int_equal(count, 1);
    return found;
}

static long file_size(const char *p)
{
    struct stat st;
    return stat(p, &st) ? -1 : (long)st.st_size;
}

static void test_crc32c_vectors(void **state)
{
    (void)state;
    assert_int_equal(crc32c(0, "123456789", 9), 0xe3069283u);
    assert_int_equal(crc32c(0, "", 0), 0);
    /* Continuation equals the one-shot value, for every split and lengths that
     * exercise both the 8-byte and the byte loop. */
    char buf[100];
    for (int i = 0; i < 100; i++)
        buf[i] = (char)(i * 7 + 3);
    uint32_t whole = crc32c(0, buf, sizeof(buf));
    for (size_t k = 0; k <= sizeof(buf); k++)
        assert_int_equal(crc32c(crc32c(0, buf, k), buf + k, sizeof(buf) - k), whole);
    /* 32 bytes of zeros (RFC 3720 B.4 test vector). */
    char z[32] = {0};
    assert_int_equal(crc32c(0, z, 32), 0x8a9136aau);
}

static void test_roundtrip_order(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char err[512];
    struct spool *sp = spool_open(dir, 64u << 20, &quiet, err, sizeof(err));
    assert_non_null(sp);
    for (unsigned i = 1; i <= 1000; i++)
        assert_int_equal(append_rec(sp, i), 0);
    assert_int_equal(spool_stats(sp)->records, 1000);
    assert_int_equal(spool_unread(sp), 1000);
    uint64_t ms, seq;
    assert_true(spool_last_id(sp, &ms, &seq));
    assert_int_equal(seq, 1000);
    for (unsigned i = 1; i <= 1000; i++) {
        struct spool_pos end;
        expect_rec(sp, i, &end);
        spool_consume(sp, &end);
        /* Appends interleaved with reads come after what is there. */
        if (i % 100 == 0)
            assert_int_equal(append_rec(sp, 1000 + i / 100), 0);
    }
    for (unsigned i = 1001; i <= 1010; i++) {
        struct spool_pos end;
        expect_rec(sp, i, &end);
        spool_consume(sp, &end);
    }
    struct spool_rec r;
    struct spool_pos end;
    assert_int_equal(spool_read(sp, &r, &end), 0);
    assert_int_equal(spool_stats(sp)->records, 0);
    /* An empty spool shrinks back to one bare segment header. */
    assert_int_equal(spool_stats(sp)->bytes, 16);
    spool_close(sp);
    rm_rf(dir);
    free(dir);
}

/* Cuts a spool segment at every byte position and checks that open keeps
 * exactly the records that were whole, and nothing else. */
static void test_torn_record_every_cut(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char err[512];
    struct spool *sp = spool_open(dir, 64u << 20, &quiet, err, sizeof(err));
    assert_non_null(sp);
    enum { N = 6 };
    long bounds[N + 1];
    bounds[0] = 16;
    for (unsigned i = 1; i <= N; i++) {
        assert_int_equal(append_rec(sp, i), 0);
        assert_int_equal(spool_flush(sp), 0);
        char *seg = only_segment(dir);
        bounds[i] = file_size(seg);
        free(seg);
    }
    spool_close(sp);
    char *seg = only_segment(dir);
    long full = file_size(seg);
    assert_true(full > 16 && full < (1 << 20));
    FILE *f = fopen(seg, "rb");
    char *img = malloc((size_t)full & 0xfffff);
    assert_int_equal(fread(img, 1, (size_t)full, f), (size_t)full);
    fclose(f);
    const char *base = strrchr(seg, '/') + 1;

    for (long cut = 16; cut <= full; cut++) {
        char *d2 = tmpdir_new();
        char p[4096];
        snprintf(p, sizeof(p), "%s/%s", d2, base);
        f = fopen(p, "wb");
        assert_int_equal(fwrite(img, 1, (size_t)cut, f), (size_t)cut);
        fclose(f);
        unsigned whole = 0;
        while (whole < N && bounds[whole + 1] <= cut)
            whole++;
        struct spool *s2 = spool_open(d2, 64u << 20, &quiet, err, sizeof(err));
        assert_non_null(s2);
        assert_int_equal(spool_stats(s2)->records, whole);
        assert_int_equal(spool_stats(s2)->recovered_cut, (uint64_t)(cut - bounds[whole]));
        for (unsigned i = 1; i <= whole; i++)
            expect_rec(s2, i, NULL);
        struct spool_rec r;
        struct spool_pos end;
        assert_int_equal(spool_read(s2, &r, &end), 0);
        /* New records go after the last whole one and read back fine. */
        assert_int_equal(append_rec(s2, 100), 0);
        expect_rec(s2, 100, NULL);
        spool_close(s2);
        char tmp[512];
        assert_int_equal(file_size(p), bounds[whole] + 32 + (long)make_payload(100, tmp, sizeof(tmp)));
        rm_rf(d2);
        free(d2);
    }
    /* A flipped byte inside the last record's payload: the CRC catches it. */
    img[full - 5] ^= 0x20;
    f = fopen(seg, "wb");
    assert_int_equal(fwrite(img, 1, (size_t)full, f), (size_t)full);
    fclose(f);
    sp = spool_open(dir, 64u << 20, &quiet, err, sizeof(err));
    assert_non_null(sp);
    assert_int_equal(spool_stats(sp)->records, N - 1);
    assert_int_equal(file_size(seg), bounds[N - 1]);
    spool_close(sp);
    free(img);
    free(seg);
    rm_rf(dir);
    free(dir);
}

static void test_cap_drops_oldest_counted(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char err[512], logp[4200];
    snprintf(logp, sizeof(logp), "%s.log", dir);
    uint64_t cap = 64 * 1024;
    /* Warnings on: the cap dropping records must say so. */
    static const struct log_ctx warn = {"test_spool", LOG_WARN};
    fflush(stderr);
    int saved = dup(2), lfd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && lfd >= 0);
    dup2(lfd, 2);
    close(lfd);
    struct spool *sp = spool_open(dir, cap, &warn, err, sizeof(err));
    assert_non_null(sp);
    const unsigned n = 3000;
    for (unsigned i = 1; i <= n; i++) {
        assert_int_equal(append_rec(sp, i), 0);
        assert_true(spool_stats(sp)->bytes <= cap);
    }
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    const struct spool_stats *st = spool_stats(sp);
    assert_true(st->dropped > 0);
    assert_int_equal(st->dropped + st->records, n);
    /* The first drop is logged at once (later ones at most every 10 s): it
     * names the spool and the cap, and the number it dropped. */
    char want[4400], line[8192];
    snprintf(want, sizeof(want), "spool %s: size cap 65536 bytes reached: dropped the ", dir);
    FILE *lf = fopen(logp, "r");
    assert_non_null(lf);
    unsigned long long logged = 0, since = 0;
    int lines = 0;
    while (fgets(line, sizeof(line), lf)) {
        char *p = strstr(line, want);
        if (!p || lines++)
            continue;           /* the first line is checked */
        assert_int_equal(sscanf(p + strlen(want), "%llu oldest unsent records (%llu dropped since start)",
                                &logged, &since), 2);
    }
    fclose(lf);
    unlink(logp);
    assert_true(lines >= 1);
    assert_true(logged >= 1 && logged <= st->dropped);
    assert_int_equal(logged, since);
    /* What is left is the newest records, in order, without a gap. */
    unsigned first = (unsigned)st->dropped + 1;
    for (unsigned i = first; i <= n; i++) {
        struct spool_pos end;
        expect_rec(sp, i, &end);
        spool_consume(sp, &end);
    }
    /* A record that can never fit is refused and counted. */
    char *big = calloc(1, cap);
    struct spool_rec r = {.len = (uint32_t)cap, .data = big};
    assert_int_equal(spool_append(sp, &r, NULL), 1);
    assert_int_equal(spool_stats(sp)->too_big, 1);
    free(big);
    spool_close(sp);
    rm_rf(dir);
    free(dir);
}

/* Records read but not consumed are not dropped by the cap (the reader holds
 * them); unread ones are. Consuming a dropped record's position is ignored. */
static void test_cap_with_reader(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char err[512];
    struct spool *sp = spool_open(dir, 32 * 1024, &quiet, err, sizeof(err));
    assert_non_null(sp);
    for (unsigned i = 1; i <= 20; i++)
        assert_int_equal(append_rec(sp, i), 0);
    struct spool_pos held[5];
    for (unsigned i = 1; i <= 5; i++)
        expect_rec(sp, i, &held[i - 1]);
    for (unsigned i = 21; i <= 1000; i++)
        assert_int_equal(append_rec(sp, i), 0);
    const struct spool_stats *st = spool_stats(sp);
    assert_true(st->dropped > 0);
    for (unsigned i = 0; i < 5; i++)
        spool_consume(sp, &held[i]);
    assert_int_equal(st->dropped + 5 + st->records, 1000);
    unsigned first = 5 + (unsigned)st->dropped + 1;
    for (unsigned i = first; i <= 1000; i++) {
        struct spool_pos end;
        expect_rec(sp, i, &end);
        spool_consume(sp, &end);
    }
    assert_int_equal(st->records, 0);
    spool_close(sp);
    rm_rf(dir);
    free(dir);
}

static void test_restart_keeps_cursor_and_meta(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char err[512];
    struct spool *sp = spool_open(dir, 1u << 20, &quiet, err, sizeof(err));
    assert_non_null(sp);
    for (unsigned i = 1; i <= 2000; i++)
        assert_int_equal(append_rec(sp, i), 0);
    for (unsigned i = 1; i <= 700; i++) {
        struct spool_pos end;
        expect_rec(sp, i, &end);
        spool_consume(sp, &end);
    }
    spool_set_meta(sp, "meta-700", 8);
    assert_int_equal(spool_save(sp), 0);
    /* Consumed after the last save: resent after a crash (at-least-once). */
    for (unsigned i = 701; i <= 710; i++) {
        struct spool_pos end;
        expect_rec(sp, i, &end);
        spool_consume(sp, &end);
    }
    /* Read ahead, not consumed: comes again. */
    for (unsigned i = 711; i <= 720; i++)
        expect_rec(sp, i, NULL);
    /* Simulate a crash: copy the files while the spool is open, as a killed
     * process leaves them (appends were flushed by the save... and the state
     * has only the save at 700). */
    assert_int_equal(spool_flush(sp), 0);
    char *crash = tmpdir_new();
    char cmd[8192];
    snprintf(cmd, sizeof(cmd), "cp %s/seg-* %s/state %s/", dir, dir, crash);
    assert_int_equal(system(cmd), 0);
    spool_close(sp);       /* a clean close saves the cursor at 710 */

    sp = spool_open(dir, 1u << 20, &quiet, err, sizeof(err));
    assert_non_null(sp);
    assert_int_equal(spool_stats(sp)->records, 1290);
    for (unsigned i = 711; i <= 2000; i++)
        expect_rec(sp, i, NULL);
    spool_close(sp);

    sp = spool_open(crash, 1u << 20, &quiet, err, sizeof(err));
    assert_non_null(sp);
    char meta[8];
    spool_get_meta(sp, meta, sizeof(meta));
    assert_memory_equal(meta, "meta-700", 8);
    assert_int_equal(spool_stats(sp)->records, 1300);
    expect_rec(sp, 701, NULL);
    spool_rewind(sp);
    expect_rec(sp, 701, NULL);
    spool_close(sp);
    rm_rf(crash);
    free(crash);
    rm_rf(dir);
    free(dir);
}

static void test_torn_state_slot_falls_back(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char err[512];
    struct spool *sp = spool_open(dir, 1u << 20, &quiet, err, sizeof(err));
    assert_non_null(sp);
    for (unsigned i = 1; i <= 10; i++)
        assert_int_equal(append_rec(sp, i), 0);
    struct spool_pos end;
    for (unsigned i = 1; i <= 3; i++) {
        expect_rec(sp, i, &end);
        spool_consume(sp, &end);
    }
    assert_int_equal(spool_save(sp), 0);     /* generation 1: slot 1 */
    for (unsigned i = 4; i <= 6; i++) {
        expect_rec(sp, i, &end);
        spool_consume(sp, &end);
    }
    assert_int_equal(spool_save(sp), 0);     /* generation 2: slot 0 */
    spool_close(sp);                         /* generation 3: slot 1, same cursor */
    /* Tear slot 1 (the newest): the other slot (after record 6) is used. */
    char p[4096];
    snprintf(p, sizeof(p), "%s/state", dir);
    int fd = open(p, O_RDWR);
    assert_true(fd >= 0);
    assert_int_equal(pwrite(fd, "XXXX", 4, 128 + 40), 4);
    close(fd);
    sp = spool_open(dir, 1u << 20, &quiet, err, sizeof(err));
    assert_non_null(sp);
    expect_rec(sp, 7, NULL);
    spool_close(sp);
    rm_rf(dir);
    free(dir);
}

static void test_damaged_old_segment(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char err[512];
    struct spool *sp = spool_open(dir, 64 * 1024, &quiet, err, sizeof(err));  /* 8 KiB segments */
    assert_non_null(sp);
    for (unsigned i = 1; i <= 60; i++)
        assert_int_equal(append_rec(sp, i), 0);
    spool_close(sp);
    /* Damage a byte in the middle of the oldest segment. */
    DIR *d = opendir(dir);
    struct dirent *de;
    char oldest[4096] = "";
    while ((de = readdir(d)))
        if (!strncmp(de->d_name, "seg-", 4)) {
            char p[4096];
            snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
            if (!oldest[0] || strcmp(p, oldest) < 0)
                strcpy(oldest, p);
        }
    closedir(d);
    long sz = file_size(oldest);
    int fd = open(oldest, O_RDWR);
    assert_int_equal(pwrite(fd, "\xff", 1, sz / 2), 1);
    close(fd);
    sp = spool_open(dir, 64 * 1024, &quiet, err, sizeof(err));
    assert_non_null(sp);
    const struct spool_stats *st = spool_stats(sp);
    assert_int_equal(st->corrupt, 1);
    assert_true(st->records < 60 && st->records > 30);
    /* Record 1 survives; the records after the damage in that file do not,
     * later segments do: the last record is still 60. */
    expect_rec(sp, 1, NULL);
    struct spool_rec r;
    struct spool_pos end;
    unsigned last = 0;
    while (spool_read(sp, &r, &end) == 1)
        last = (unsigned)r.id_seq;
    assert_int_equal(last, 60);
    spool_close(sp);
    rm_rf(dir);
    free(dir);
}

static void test_lock_refuses_second_user(void **state)
{
    (void)state;
    char *dir = tmpdir_new();
    char err[512] = "";
    struct spool *a = spool_open(dir, 1u << 20, &quiet, err, sizeof(err));
    assert_non_null(a);
    struct spool *b = spool_open(dir, 1u << 20, &quiet, err, sizeof(err));
    assert_null(b);
    assert_non_null(strstr(err, "in use by another process"));
    spool_close(a);
    b = spool_open(dir, 1u << 20, &quiet, err, sizeof(err));
    assert_non_null(b);
    spool_close(b);
    /* An unwritable place gives a message naming it. */
    b = spool_open("/proc/ictw-no-such/spool", 1u << 20, &quiet, err, sizeof(err));
    assert_null(b);
    assert_non_null(strstr(err, "/proc/ictw-no-such/spool"));
    rm_rf(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32c_vectors),
        cmocka_unit_test(test_roundtrip_order),
        cmocka_unit_test(test_torn_record_every_cut),
        cmocka_unit_test(test_cap_drops_oldest_counted),
        cmocka_unit_test(test_cap_with_reader),
        cmocka_unit_test(test_restart_keeps_cursor_and_meta),
        cmocka_unit_test(test_torn_state_slot_falls_back),
        cmocka_unit_test(test_damaged_old_segment),
        cmocka_unit_test(test_lock_refuses_second_user),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
