/* keys.c - key names and the escaped dimension tuple (see keys.h). */
#include "keys.h"

#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    const char *aliases[3];
} dims[DIM_COUNT] = {
    [DIM_SENSOR] = {"sensor", {"host", NULL}},
    [DIM_COUNTRY] = {"country", {"cc", NULL}},
    [DIM_ORGANISATION] = {"organisation", {"org", "organization"}},
    [DIM_SIGNATURE] = {"signature", {"sig", "msg"}},
    [DIM_SEVERITY] = {"severity", {"sev", NULL}},
    [DIM_CATEGORY] = {"category", {"cat", NULL}},
    [DIM_TLP] = {"tlp", {NULL}},
    [DIM_APP_PROTO] = {"app_proto", {"app", NULL}},
    [DIM_PROTO] = {"proto", {"transport", NULL}},
    [DIM_DEST_PORT] = {"dest_port", {"port", "dport"}},
    [DIM_SRC_PREFIX] = {"src_prefix", {"src", "source"}},
    [DIM_DST_PREFIX] = {"dst_prefix", {"dst", "dest_prefix"}},
    [DIM_WINDOW] = {"window", {"time", NULL}},
};

const char *keys_dim_name(enum keys_dim d)
{
    return (unsigned)d < DIM_COUNT ? dims[d].name : "?";
}

int keys_dim_parse(const char *name)
{
    for (int d = 0; d < DIM_COUNT; d++) {
        if (!strcmp(name, dims[d].name))
            return d;
        for (int a = 0; a < 3 && dims[d].aliases[a]; a++)
            if (!strcmp(name, dims[d].aliases[a]))
                return d;
    }
    return -1;
}

char *keys_stream(const char *sensor, char *buf, size_t len)
{
    snprintf(buf, len, KEYS_PREFIX "eve:{%s}", sensor);
    return buf;
}

char *keys_dead(const char *sensor, char *buf, size_t len)
{
    snprintf(buf, len, KEYS_PREFIX "dead:{%s}", sensor);
    return buf;
}

char *keys_heartbeat(const char *sensor, char *buf, size_t len)
{
    snprintf(buf, len, KEYS_PREFIX "sensor:{%s}", sensor);
    return buf;
}

char *keys_counters(const char *sensor, char *buf, size_t len)
{
    snprintf(buf, len, KEYS_AGG "counters:{%s}", sensor);
    return buf;
}

char *keys_windows(const char *wname, char *buf, size_t len)
{
    snprintf(buf, len, KEYS_AGG "%s:windows", wname);
    return buf;
}

char *keys_bucket(const char *wname, uint64_t start, const char *part, char *buf, size_t len)
{
    snprintf(buf, len, KEYS_AGG "%s:%llu:%s", wname, (unsigned long long)start, part);
    return buf;
}

int keys_stream_sensor(const char *key, size_t keylen, char *out, size_t outlen)
{
    static const char pre[] = KEYS_PREFIX "eve:{";
    size_t pl = sizeof(pre) - 1;
    if (keylen < pl + 2 || memcmp(key, pre, pl) || key[keylen - 1] != '}')
        return -1;
    size_t n = keylen - pl - 1;
    if (n == 0 || n >= outlen || memchr(key + pl, '}', n) || memchr(key + pl, '\0', n))
        return -1;
    memcpy(out, key + pl, n);
    out[n] = '\0';
    return 0;
}

size_t keys_addr_text(const struct ictw_addr *a, char *buf)
{
    /* IPv4 has one form; ictw_addr_format writes it without inet_ntop's sprintf */
    if (a->family == 4)
        ictw_addr_format(a, buf, ICTW_ADDR_STRLEN);
    else
        ictw_addr_format_short(a, buf, ICTW_ADDR_STRLEN);
    return strlen(buf);
}

bool keys_escape_append(char *buf, size_t len, size_t *pos, const char *s, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t p = *pos;
    for (size_t i = 0; i < n; i++) {
        unsigned char ch = (unsigned char)s[i];
        if (ch == '%' || ch == '|' || ch < 0x20 || ch == 0x7f) {
            if (p + 3 >= len)
                return false;
            buf[p++] = '%';
            buf[p++] = hex[ch >> 4];
            buf[p++] = hex[ch & 15];
        } else {
            if (p + 1 >= len)
                return false;
            buf[p++] = (char)ch;
        }
    }
    buf[p] = '\0';
    *pos = p;
    return true;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

static void unescape(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        int h, l;
        if (*r == '%' && (h = hexval(r[1])) >= 0 && (l = hexval(r[2])) >= 0) {
            *w++ = (char)(h << 4 | l);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

int keys_tuple_split(char *tuple, char *fields[DIM_TUPLE_COUNT])
{
    int n = 0;
    char *p = tuple;
    fields[n++] = p;
    for (; *p; p++) {
        if (*p == '|') {
            if (n == DIM_TUPLE_COUNT)
                return -1;
            *p = '\0';
            fields[n++] = p + 1;
        }
    }
    if (n != DIM_TUPLE_COUNT)
        return -1;
    for (int i = 0; i < n; i++)
        unescape(fields[i]);
    return 0;
}

size_t keys_grain_len(const char *tuple, size_t len)
{
    int seps = 0;
    for (size_t i = 0; i < len; i++)
        if (tuple[i] == '|' && ++seps == KEYS_GRAIN_DIMS)
            return i;
    return len;
}
