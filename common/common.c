/* common.c - address, time, number and string helpers shared by both programs.
 *
 * Everything here is pure: no state, no allocation. Formatting follows what
 * Suricata writes in EVE so that our records look like Suricata's.
 */
#include "ictwatch/common.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *ictw_put_dec(char *p, uint64_t v)
{
    char tmp[20];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n)
        *p++ = tmp[--n];
    return p;
}

/* One byte in decimal, no leading zeros. */
static char *put_byte_dec(char *p, unsigned v)
{
    if (v >= 100) {
        *p++ = (char)('0' + v / 100);
        v %= 100;
        *p++ = (char)('0' + v / 10);
    } else if (v >= 10) {
        *p++ = (char)('0' + v / 10);
    }
    *p++ = (char)('0' + v % 10);
    return p;
}

char *ictw_addr_format(const struct ictw_addr *a, char *buf, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    char tmp[ICTW_ADDR_STRLEN];
    /* Written in place when the buffer is large enough (EVE writes two
     * addresses per record), through tmp otherwise. */
    char *p = len >= ICTW_ADDR_STRLEN ? buf : tmp;
    if (len == 0)
        return buf;
    if (a->family == 4) {
        for (int i = 0; i < 4; i++) {
            p = put_byte_dec(p, a->b[i]);
            *p++ = i < 3 ? '.' : '\0';
        }
    } else if (a->family == 6) {
        for (int i = 0; i < 16; i++) {
            *p++ = hex[a->b[i] >> 4];
            *p++ = hex[a->b[i] & 15];
            if (i & 1)
                *p++ = i < 15 ? ':' : '\0';
        }
    } else {
        *p = '\0';
    }
    if (len < ICTW_ADDR_STRLEN)
        ictw_strlcpy(buf, tmp, len);
    return buf;
}

char *ictw_addr_format_short(const struct ictw_addr *a, char *buf, size_t len)
{
    if (len == 0)
        return buf;
    buf[0] = '\0';
    if (a->family == 4 || a->family == 6) {
        char tmp[INET6_ADDRSTRLEN];
        if (inet_ntop(a->family == 4 ? AF_INET : AF_INET6, a->b, tmp, sizeof(tmp)))
            ictw_strlcpy(buf, tmp, len);
    }
    return buf;
}

int ictw_addr_parse(const char *s, struct ictw_addr *out)
{
    memset(out, 0, sizeof(*out));
    if (inet_pton(AF_INET, s, out->b) == 1) {
        out->family = 4;
        return 0;
    }
    if (inet_pton(AF_INET6, s, out->b) == 1) {
        out->family = 6;
        return 0;
    }
    memset(out, 0, sizeof(*out));
    return -1;
}

int ictw_addr_cmp(const struct ictw_addr *x, const struct ictw_addr *y)
{
    if (x->family != y->family)
        return x->family < y->family ? -1 : 1;
    return memcmp(x->b, y->b, 16);
}

bool ictw_addr_equal(const struct ictw_addr *x, const struct ictw_addr *y)
{
    return x->family == y->family && memcmp(x->b, y->b, 16) == 0;
}

void ictw_addr_mask(struct ictw_addr *a, unsigned bits)
{
    unsigned max = a->family == 4 ? 32 : 128;
    if (bits >= max)
        return;
    unsigned byte = bits / 8, rem = bits % 8;
    if (rem) {
        a->b[byte] &= (uint8_t)(0xff << (8 - rem));
        byte++;
    }
    for (; byte < 16; byte++)
        a->b[byte] = 0;
}

void ictw_addr_from_v4(struct ictw_addr *a, const uint8_t v4[4])
{
    memset(a, 0, sizeof(*a));
    a->family = 4;
    memcpy(a->b, v4, 4);
}

void ictw_addr_from_v6(struct ictw_addr *a, const uint8_t v6[16])
{
    memset(a, 0, sizeof(*a));
    a->family = 6;
    memcpy(a->b, v6, 16);
}

/* Civil date from days since 1970-01-01 (proleptic Gregorian). */
static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static char *put_fixed(char *p, unsigned v, int digits)
{
    for (int i = digits - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + digits;
}

char *ictw_time_format(ictw_usec t, char *buf, size_t len)
{
    char tmp[ICTW_TIME_STRLEN], *p = tmp;
    uint64_t secs = t / ICTW_USEC_PER_SEC;
    unsigned usec = (unsigned)(t % ICTW_USEC_PER_SEC);
    int y;
    unsigned mo, d, sod = (unsigned)(secs % 86400);
    if (len == 0)
        return buf;
    civil_from_days((int64_t)(secs / 86400), &y, &mo, &d);
    if (y < 0 || y > 9999) {
        ictw_strlcpy(buf, "ts-error", len);
        return buf;
    }
    p = put_fixed(p, (unsigned)y, 4);
    *p++ = '-';
    p = put_fixed(p, mo, 2);
    *p++ = '-';
    p = put_fixed(p, d, 2);
    *p++ = 'T';
    p = put_fixed(p, sod / 3600, 2);
    *p++ = ':';
    p = put_fixed(p, sod / 60 % 60, 2);
    *p++ = ':';
    p = put_fixed(p, sod % 60, 2);
    *p++ = '.';
    p = put_fixed(p, usec, 6);
    memcpy(p, "+0000", 6);
    ictw_strlcpy(buf, tmp, len);
    return buf;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar. */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static int parse_digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (!isdigit((unsigned char)(*p)[i]))
            return -1;
        v = v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    *out = v;
    return 0;
}

int ictw_time_parse(const char *s, ictw_usec *out)
{
    int Y, M, D, h, m, sec, oh = 0, om = 0;
    const char *p = s;
    if (parse_digits(&p, 4, &Y) || *p++ != '-' || parse_digits(&p, 2, &M) || *p++ != '-' ||
        parse_digits(&p, 2, &D) || *p++ != 'T' || parse_digits(&p, 2, &h) || *p++ != ':' ||
        parse_digits(&p, 2, &m) || *p++ != ':' || parse_digits(&p, 2, &sec))
        return -1;
    if (M < 1 || M > 12 || D < 1 || D > 31 || h > 23 || m > 59 || sec > 60 || Y < 1970)
        return -1;
    uint64_t usec = 0;
    if (*p == '.') {
        p++;
        int digits = 0;
        while (isdigit((unsigned char)*p)) {
            if (digits < 6) {
                usec = usec * 10 + (uint64_t)(*p - '0');
                digits++;
            }
            p++;
        }
        if (digits == 0)
            return -1;
        while (digits++ < 6)
            usec *= 10;
    }
    int sign = 0;
    if (*p == '+' || *p == '-') {
        sign = *p == '+' ? 1 : -1;
        p++;
        if (parse_digits(&p, 2, &oh))
            return -1;
        if (*p == ':')
            p++;
        if (parse_digits(&p, 2, &om))
            return -1;
    } else if (*p == 'Z') {
        p++;
    }
    if (*p != '\0')
        return -1;
    int64_t days = days_from_civil(Y, (unsigned)M, (unsigned)D);
    int64_t t = days * 86400 + h * 3600 + m * 60 + sec - sign * (oh * 3600 + om * 60);
    if (t < 0)
        return -1;
    *out = (ictw_usec)t * ICTW_USEC_PER_SEC + usec;
    return 0;
}

ictw_usec ictw_wallclock(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (ictw_usec)ts.tv_sec * ICTW_USEC_PER_SEC + (ictw_usec)ts.tv_nsec / 1000;
}

ictw_usec ictw_monotonic(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (ictw_usec)ts.tv_sec * ICTW_USEC_PER_SEC + (ictw_usec)ts.tv_nsec / 1000;
}

/* Parses digits then an optional one-letter unit from `units` with the given
 * multipliers. */
static int64_t parse_with_unit(const char *s, const char *units, const int64_t *mult)
{
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || v > (unsigned long long)INT64_MAX)
        return -1;
    int64_t m = 1;
    if (*end) {
        const char *u = strchr(units, tolower((unsigned char)*end));
        if (!u || end[1] != '\0')
            return -1;
        m = mult[u - units];
    }
    if (m > 1 && (int64_t)v > INT64_MAX / m)
        return -1;
    return (int64_t)v * m;
}

int64_t ictw_parse_duration(const char *s)
{
    static const int64_t mult[] = {1, 60, 3600, 86400, 604800};
    return parse_with_unit(s, "smhdw", mult);
}

int64_t ictw_parse_size(const char *s)
{
    static const int64_t mult[] = {1, 1024, 1024 * 1024, 1024LL * 1024 * 1024};
    return parse_with_unit(s, "bkmg", mult);
}

int ictw_parse_uint(const char *s, uint64_t max, uint64_t *out)
{
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end || v > max)
        return -1;
    *out = v;
    return 0;
}

size_t ictw_strlcpy(char *dst, const char *src, size_t len)
{
    size_t n = strlen(src);
    if (len) {
        size_t c = n < len - 1 ? n : len - 1;
        memcpy(dst, src, c);
        dst[c] = '\0';
    }
    return n;
}
