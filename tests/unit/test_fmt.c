/* test_fmt.c - the simple-format snprintf and the __snprintf_chk the sensor
 * puts in front of glibc's: every result (bytes written, terminator, bytes
 * left alone, return value) equals glibc's snprintf, at every buffer size
 * from 0 to past the end, for the formats nDPI uses, for random values, and
 * for formats the fast path does not handle. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fmt.h"

int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *format, ...);

#define BUF 600

static void compare(const char *format, size_t size, const char *way, int r, const char *got, int rr,
                    const char *ref)
{
    if (r != rr || memcmp(got, ref, BUF) != 0)
        fail_msg("format '%s', size %zu, %s: returned %d '%.*s', glibc %d '%.*s'", format, size, way, r,
                 (int)(size ? size - 1 : 0), got, rr, (int)(size ? size - 1 : 0), ref);
}

/* Formats with fmt_snprintf, __snprintf_chk and glibc's snprintf into every
 * buffer size from 0 to the full length + 2 and compares the three. */
#define CHECK(format, ...)                                                                        \
    do {                                                                                          \
        char want_[BUF];                                                                          \
        int len_ = snprintf(want_, sizeof(want_), format, __VA_ARGS__);                           \
        assert_true(len_ >= 0 && len_ < BUF - 3);                                                 \
        for (size_t size_ = 0; size_ <= (size_t)len_ + 2; size_++) {                              \
            char got_[BUF], chk_[BUF], ref_[BUF];                                                 \
            memset(got_, 0x5a, BUF);                                                              \
            memset(chk_, 0x5a, BUF);                                                              \
            memset(ref_, 0x5a, BUF);                                                              \
            int r1_ = fmt_snprintf(got_, size_, format, __VA_ARGS__);                             \
            int r2_ = __snprintf_chk(chk_, size_, 1, BUF, format, __VA_ARGS__);                   \
            int rr_ = snprintf(ref_, size_, format, __VA_ARGS__);                                 \
            compare(format, size_, "fmt_snprintf", r1_, got_, rr_, ref_);                         \
            compare(format, size_, "__snprintf_chk", r2_, chk_, rr_, ref_);                       \
        }                                                                                         \
    } while (0)

static void test_formats_of_ndpi(void **state)
{
    (void)state;
    /* JA3: version, then "-"-joined numbers; MD5 as hex. */
    CHECK("%u,", 771u);
    CHECK("%s%u", "", 4865u);
    CHECK("%s%u", "-", 0u);
    CHECK("%s%u", "-", 4294967295u);
    CHECK("%02x", 0u);
    CHECK("%02x", 0xabu);
    CHECK("%02x", 0x1234u);      /* wider than the width: all digits */
    /* Certificates: fingerprint bytes, names. */
    CHECK("%02X", 0xfeu);
    CHECK("%s%04X", "0x", 0x13u);
    CHECK("%s%04X", "", 0x1301u);
    CHECK("%s%s", "TLS_AES_128_GCM_SHA256", ",");
    CHECK("%s%s=%s", ", ", "CN", "www.example.com");
    CHECK("%s%s=%s", "", "O", "");
    /* The sensor's own use: master.app protocol names. */
    CHECK("%s.%s", "TLS", "YouTube");
    CHECK("%s", "Unknown");
    /* Literal text around conversions, and all widths of hex. */
    CHECK("ja3 %s=%u; end", "x", 12345u);
    CHECK("%01x|%03X|%09x", 0u, 0xabcu, 0xdeadbeefu);
}

static void test_random_values(void **state)
{
    (void)state;
    srand(12345);
    char s1[64], s2[64];
    for (int i = 0; i < 2000; i++) {
        unsigned u = (unsigned)rand() * 2654435761u ^ (unsigned)rand();
        size_t n1 = (size_t)rand() % sizeof(s1), n2 = (size_t)rand() % sizeof(s2);
        for (size_t k = 0; k < n1; k++)
            s1[k] = (char)(1 + rand() % 255);   /* any byte but NUL */
        s1[n1] = '\0';
        for (size_t k = 0; k < n2; k++)
            s2[k] = (char)(' ' + rand() % 95);
        s2[n2] = '\0';
        CHECK("%s%u", s1, u);
        CHECK("%02x", u & 0xff);
        CHECK("%02X", u);
        CHECK("%s%04X", s2, u & 0xffff);
        CHECK("%s%s=%s", s1, s2, s1);
        CHECK("%u,", u);
    }
}

/* Conversions the fast path leaves to glibc come out as glibc writes them. */
static void test_other_formats_unchanged(void **state)
{
    (void)state;
    const char *volatile null_str = NULL;
    CHECK("%d", -42);
    CHECK("%5u|%-4s|", 7u, "ab");
    CHECK("100%% %s", "sure");
    CHECK("%x", 255u);
    CHECK("%.2f", 3.14159);
    CHECK("%lu", 18446744073709551615ul);
    CHECK("%s%u", "x", 1u);
    CHECK("[%s]", null_str);            /* glibc writes "(null)" */
    CHECK("%02x%s", 10u, null_str);
    CHECK("%0x", 5u);
    CHECK("%010x", 5u);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_formats_of_ndpi),
        cmocka_unit_test(test_random_values),
        cmocka_unit_test(test_other_formats_unchanged),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
