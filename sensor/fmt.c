/* fmt.c - snprintf for the few simple formats that nDPI calls millions of
 * times (see fmt.h).
 *
 * nDPI 4.2 builds every JA3 string with one snprintf per number ("%s%u" for
 * each cipher, extension, curve; "%02x" for each byte of the MD5) and every
 * certificate fingerprint and name with more ("%02X", "%s%s=%s", ...): about
 * 52 calls per TLS hello, 3.6 million on the benchmark capture, a quarter of
 * all the instructions the sensor runs. glibc's printf machinery costs about
 * 800 instructions per call (a FILE set up on the buffer, the format parsed,
 * generic padding code); these formats need a few dozen.
 *
 * libndpi is built with _FORTIFY_SOURCE, so those calls go through its PLT to
 * glibc's __snprintf_chk. This file defines __snprintf_chk in the sensor
 * itself; the dynamic linker looks in the executable before the libraries,
 * so libndpi's calls (and any other fortified library's) land here. What is
 * formatted here is byte for byte what glibc writes, with the same return
 * value; everything else goes to glibc's __vsnprintf_chk unchanged:
 *   - handled: literal text, %s (a non-NULL string), %u, and %0Nx / %0NX
 *     with N from 1 to 9;
 *   - passed on: any other conversion, flag or width, %%, a NULL string, a
 *     length that does not fit an int, and a buffer smaller than the size
 *     given (glibc's fortify check then stops the program as it would have).
 * nDPI's classification does not change: it gets the same bytes back.
 */
#include "fmt.h"

#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <string.h>

/* glibc's fortified entry points (declared by <stdio.h> only under
 * _FORTIFY_SOURCE, which the project does not build with). */
int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *format, ...);
int __vsnprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *format, va_list ap);

struct out {
    char *s;
    size_t cap;    /* bytes of s usable for text (maxlen - 1, or 0) */
    size_t n;      /* length of the whole result so far */
};

static void put_bytes(struct out *o, const char *p, size_t len)
{
    if (o->n < o->cap) {
        size_t room = o->cap - o->n;
        memcpy(o->s + o->n, p, len < room ? len : room);
    }
    o->n += len;
}

/* %u */
static void put_udec(struct out *o, unsigned v)
{
    char t[16], *p = t + sizeof(t);
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    put_bytes(o, p, (size_t)(t + sizeof(t) - p));
}

/* %0Nx, %0NX */
static void put_hex(struct out *o, unsigned v, int width, bool upper)
{
    const char *digits = upper ? "0123456789ABCDEF" : "0123456789abcdef";
    char t[16], *p = t + sizeof(t);
    do {
        *--p = digits[v & 15];
        v >>= 4;
    } while (v);
    while (t + sizeof(t) - p < width)
        *--p = '0';
    put_bytes(o, p, (size_t)(t + sizeof(t) - p));
}

/* "%02x" / "%02X" of a byte into a buffer of at least 3: the MD5 and SHA-1
 * digests, a third of all calls. */
static bool hex_byte(char *s, size_t maxlen, const char *f, unsigned v)
{
    if (maxlen < 3 || v > 0xff || f[0] != '%' || f[1] != '0' || f[2] != '2' || (f[3] != 'x' && f[3] != 'X') ||
        f[4])
        return false;
    const char *digits = f[3] == 'X' ? "0123456789ABCDEF" : "0123456789abcdef";
    s[0] = digits[v >> 4];
    s[1] = digits[v & 15];
    s[2] = '\0';
    return true;
}

/* Formats when every conversion is one handled here; -1 otherwise (ap is
 * then partly consumed: the caller works on a copy). */
static int format_simple(char *s, size_t maxlen, const char *f, va_list ap)
{
    if (f[0] == '%' && f[1] == '0') {
        va_list one;
        va_copy(one, ap);
        bool done = hex_byte(s, maxlen, f, va_arg(one, unsigned));
        va_end(one);
        if (done)
            return 2;
    }
    struct out o = {s, maxlen ? maxlen - 1 : 0, 0};
    while (*f) {
        const char *lit = f;
        while (*f && *f != '%')
            f++;
        if (f > lit)
            put_bytes(&o, lit, (size_t)(f - lit));
        if (!*f)
            break;
        f++;   /* past '%' */
        if (f[0] == 's') {
            const char *a = va_arg(ap, const char *);
            if (!a)
                return -1;   /* glibc writes "(null)" */
            put_bytes(&o, a, strlen(a));
            f++;
        } else if (f[0] == 'u') {
            put_udec(&o, va_arg(ap, unsigned));
            f++;
        } else if (f[0] == '0' && f[1] >= '1' && f[1] <= '9' && (f[2] == 'x' || f[2] == 'X')) {
            put_hex(&o, va_arg(ap, unsigned), f[1] - '0', f[2] == 'X');
            f += 3;
        } else {
            return -1;
        }
    }
    if (o.n > INT_MAX)
        return -1;
    if (maxlen)
        s[o.n < o.cap ? o.n : o.cap] = '\0';
    return (int)o.n;
}

int fmt_vsnprintf(char *s, size_t maxlen, const char *format, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    int r = maxlen <= INT_MAX ? format_simple(s, maxlen, format, copy) : -1;
    va_end(copy);
    if (r < 0)
        r = vsnprintf(s, maxlen, format, ap);
    return r;
}

int fmt_snprintf(char *s, size_t maxlen, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int r = fmt_vsnprintf(s, maxlen, format, ap);
    va_end(ap);
    return r;
}

int __snprintf_chk(char *s, size_t maxlen, int flag, size_t slen, const char *format, ...)
{
    va_list ap;
    va_start(ap, format);
    int r = -1;
    if (slen >= maxlen && maxlen <= INT_MAX) {
        va_list copy;
        va_copy(copy, ap);
        r = format_simple(s, maxlen, format, copy);
        va_end(copy);
    }
    if (r < 0)
        r = __vsnprintf_chk(s, maxlen, flag, slen, format, ap);
    va_end(ap);
    return r;
}
