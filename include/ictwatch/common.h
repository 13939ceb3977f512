/* common.h - small types and helpers shared by the sensor and the collector.
 *
 * Time is always packet (or event) time in microseconds since the Unix epoch,
 * never the wall clock, so that a replay gives the same output on every run.
 * Addresses are a family plus 16 bytes; an IPv4 address lives in the first
 * four bytes and the rest is zero, so that comparing and hashing two
 * addresses is the same code for both families.
 */
#ifndef ICTWATCH_COMMON_H
#define ICTWATCH_COMMON_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#define ICTW_VERSION "0.1.0"

typedef uint64_t ictw_usec;            /* microseconds since the epoch */
#define ICTW_USEC_PER_SEC 1000000ULL

struct ictw_addr {
    uint8_t family;                    /* 4 or 6; 0 = unset */
    uint8_t pad[3];
    uint8_t b[16];                     /* network byte order; IPv4 in b[0..3] */
};

/* Longest text of ictw_addr_format (a fully expanded IPv6 address). */
#define ICTW_ADDR_STRLEN 48
/* "YYYY-MM-DDTHH:MM:SS.uuuuuu+0000" plus the NUL. */
#define ICTW_TIME_STRLEN 32

/* Formats as Suricata does: dotted IPv4, or IPv6 fully expanded, zero padded,
 * lowercase, without "::" (2001:0db8:0000:...). Returns buf. */
char *ictw_addr_format(const struct ictw_addr *a, char *buf, size_t len);
/* Compact text (RFC 5952 for IPv6), for people and reports. */
char *ictw_addr_format_short(const struct ictw_addr *a, char *buf, size_t len);
/* Parses dotted IPv4 or any IPv6 text; returns 0 or -1. */
int ictw_addr_parse(const char *s, struct ictw_addr *out);
int ictw_addr_cmp(const struct ictw_addr *x, const struct ictw_addr *y);
bool ictw_addr_equal(const struct ictw_addr *x, const struct ictw_addr *y);
/* Keeps the first `bits` bits, zeroes the rest (prefix of a /bits network). */
void ictw_addr_mask(struct ictw_addr *a, unsigned bits);
void ictw_addr_from_v4(struct ictw_addr *a, const uint8_t v4[4]);
void ictw_addr_from_v6(struct ictw_addr *a, const uint8_t v6[16]);

/* EVE timestamp, always UTC: 2025-03-14T09:26:53.589793+0000. Returns buf. */
char *ictw_time_format(ictw_usec t, char *buf, size_t len);
/* Parses the EVE timestamp format back (any +HHMM/-HHMM offset). 0 or -1. */
int ictw_time_parse(const char *s, ictw_usec *out);
/* Wall clock, for heartbeats and rates only (never for detection). */
ictw_usec ictw_wallclock(void);
/* Monotonic clock in microseconds, for measuring and timeouts of I/O. */
ictw_usec ictw_monotonic(void);

/* Parses "30", "30s", "5m", "2h", "7d" into seconds; -1 on error. */
int64_t ictw_parse_duration(const char *s);
/* Parses "64", "64k", "512m", "2g" (powers of 1024) into bytes; -1 on error. */
int64_t ictw_parse_size(const char *s);
/* Parses a decimal unsigned integer that must fit below `max`; 0 or -1. */
int ictw_parse_uint(const char *s, uint64_t max, uint64_t *out);

/* strlcpy: always NUL-terminates when len > 0; returns strlen(src). */
size_t ictw_strlcpy(char *dst, const char *src, size_t len);
/* Writes v in decimal at p (at most 20 bytes, no NUL); returns the new end. */
char *ictw_put_dec(char *p, uint64_t v);

/* Read-only big-endian loads; callers have already bounds-checked. */
static inline uint16_t ictw_be16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t ictw_be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

#define ICTW_ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define ICTW_MIN(a, b) ((a) < (b) ? (a) : (b))
#define ICTW_MAX(a, b) ((a) > (b) ? (a) : (b))

#endif
