/* crypto_util.c - helpers around the primitives: wiping secrets and hex text.
 *
 * Keys and hash states should not linger in memory after use. A plain
 * memset() before a variable dies may be removed by the optimiser, so the
 * wipe writes through a volatile pointer. Hex is how keys are written in key
 * files and how digests appear in pseudonyms and tests.
 */
#include "crypto.h"

void crypto_wipe(void *p, size_t len)
{
    volatile uint8_t *v = p;
    while (len--)
        *v++ = 0;
}

char *crypto_hex_encode(const void *in, size_t len, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const uint8_t *p = in;
    for (size_t i = 0; i < len; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * len] = '\0';
    return out;
}

static int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long crypto_hex_decode(const char *s, size_t slen, uint8_t *out, size_t outlen)
{
    if (slen != 2 * outlen)
        return -1;
    for (size_t i = 0; i < outlen; i++) {
        int hi = hex_value(s[2 * i]), lo = hex_value(s[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            crypto_wipe(out, outlen);
            return (long)(2 * i + (hi < 0 ? 1 : 2));
        }
        out[i] = (uint8_t)(hi << 4 | lo);
    }
    return 0;
}
