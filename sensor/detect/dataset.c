/* dataset.c - loading and looking up datasets (see dataset.h).
 *
 * File format, as Suricata reads it: one value per line, in the first
 * comma-separated column. Type string: the value base64-encoded (so it can
 * hold any byte); md5 and sha256: hex; ipv4: dotted quad; ip: IPv4 or IPv6
 * text (IPv4 is stored as an IPv4-mapped IPv6 address, so both families share
 * one set). Empty lines and lines starting with '#' are skipped. A bad line is
 * reported with its file and line (the first ten of a file, then a count)
 * and skipped; the rest of the set loads.
 *
 * Lookups take the buffer as the rule sees it: the text of a sticky buffer,
 * or the raw address bytes of ip.src/ip.dst. A 32- or 64-character hex
 * buffer (ja3.hash) is decoded for md5/sha256 sets.
 */
#include "dataset.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BAD_LINES_SHOWN 10

static const char *const type_names[DS_TYPE_COUNT] = {"string", "md5", "sha256", "ipv4", "ip"};
static const uint32_t type_keylen[DS_TYPE_COUNT] = {0, 16, 32, 4, 16};

const char *dataset_type_name(int type)
{
    return type >= 0 && type < DS_TYPE_COUNT ? type_names[type] : "?";
}

int dataset_type_by_name(const char *s)
{
    for (int i = 0; i < DS_TYPE_COUNT; i++)
        if (strcmp(type_names[i], s) == 0)
            return i;
    return -1;
}

struct dataset *dataset_find(const struct dataset_registry *r, const char *name)
{
    for (uint32_t i = 0; i < r->n; i++)
        if (strcmp(r->v[i]->name, name) == 0)
            return r->v[i];
    return NULL;
}

/* Each arm is cast: clang checks the arms not taken too (255 - '0' + 52). */
#define B64(c) ((c) >= 'A' && (c) <= 'Z'   ? (int8_t)((c) - 'A')                                \
                : (c) >= 'a' && (c) <= 'z' ? (int8_t)((c) - 'a' + 26)                           \
                : (c) >= '0' && (c) <= '9' ? (int8_t)((c) - '0' + 52)                           \
                : (c) == '+'               ? (int8_t)62                                         \
                : (c) == '/'               ? (int8_t)63                                         \
                                           : (int8_t)-1)
#define B4(c) B64(c), B64(c + 1), B64(c + 2), B64(c + 3)
#define B16(c) B4(c), B4(c + 4), B4(c + 8), B4(c + 12)
static const int8_t b64_table[256] = {
    B16(0), B16(16), B16(32), B16(48), B16(64), B16(80), B16(96), B16(112),
    B16(128), B16(144), B16(160), B16(176), B16(192), B16(208), B16(224), B16(240)
};
#undef B16
#undef B4
#undef B64

/* Standard base64, padding optional. Returns the decoded length or -1.
 * Four characters at a time through a table: IOC lists have millions of lines. */
static int b64_decode(const char *s, size_t n, uint8_t *out)
{
    const uint8_t *u = (const uint8_t *)s;
    while (n > 0 && u[n - 1] == '=')
        n--;
    if (n % 4 == 1)
        return -1;
    size_t o = 0, i = 0;
    for (; i + 4 <= n; i += 4) {
        int32_t a = b64_table[u[i]], b = b64_table[u[i + 1]], c = b64_table[u[i + 2]],
                d = b64_table[u[i + 3]];
        if ((a | b | c | d) < 0)
            return -1;
        uint32_t v = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)d;
        out[o] = (uint8_t)(v >> 16);
        out[o + 1] = (uint8_t)(v >> 8);
        out[o + 2] = (uint8_t)v;
        o += 3;
    }
    uint32_t acc = 0;
    int bits = 0;
    for (; i < n; i++) {
        int v = b64_table[u[i]];
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    return (int)o;
}

static int hex_decode(const char *s, size_t n, uint8_t *out, size_t want)
{
    if (n != want * 2)
        return -1;
    for (size_t i = 0; i < want; i++) {
        int a = detect_hexval(s[2 * i]), b = detect_hexval(s[2 * i + 1]);
        if (a < 0 || b < 0)
            return -1;
        out[i] = (uint8_t)(a << 4 | b);
    }
    return 0;
}

static void map_v4(const uint8_t v4[4], uint8_t out[16])
{
    memset(out, 0, 10);
    out[10] = out[11] = 0xff;
    memcpy(out + 10 + 2, v4, 4);
}

/* Decodes one value of the file; returns the key length or -1. */
static int decode_value(int type, char *s, size_t n, uint8_t *out)
{
    switch (type) {
    case DS_STRING:
        return b64_decode(s, n, out);
    case DS_MD5:
        return hex_decode(s, n, out, 16) < 0 ? -1 : 16;
    case DS_SHA256:
        return hex_decode(s, n, out, 32) < 0 ? -1 : 32;
    case DS_IPV4:
    case DS_IP: {
        char tmp[64];
        if (n >= sizeof(tmp))
            return -1;
        memcpy(tmp, s, n);
        tmp[n] = '\0';
        uint8_t a[16];
        if (inet_pton(AF_INET, tmp, a) == 1) {
            if (type == DS_IPV4) {
                memcpy(out, a, 4);
                return 4;
            }
            map_v4(a, out);
            return 16;
        }
        if (type == DS_IP && inet_pton(AF_INET6, tmp, out) == 1)
            return 16;
        return -1;
    }
    }
    return -1;
}

/* Values decoded but not yet in the set: inserted 64 at a time (hashset_insert_batch). */
struct pending {
    const uint8_t *key[HASHSET_BATCH];
    uint32_t len[HASHSET_BATCH];
    uint32_t n;
    uint8_t *buf;
    size_t used;
};

static int flush(struct dataset *ds, struct pending *pd)
{
    int64_t ord[HASHSET_BATCH];
    int rc = pd->n ? hashset_insert_batch(&ds->set, pd->key, pd->len, pd->n, ord) : 0;
    pd->n = 0;
    pd->used = 0;
    return rc;
}

static int load_file(struct dataset *ds, struct load_diag *d, char *err, size_t errlen)
{
    size_t len;
    char *buf = detect_read_file(ds->path, &len);
    if (!buf) {
        snprintf(err, errlen, "dataset '%s': cannot read '%s': %s", ds->name, ds->path, strerror(errno));
        return -1;
    }
    struct pending pd = {.n = 0};
    pd.buf = malloc(len + 16);   /* decoded values are never longer than their text */
    size_t lines = detect_count_lines(buf, len);
    if (!pd.buf || hashset_init(&ds->set, type_keylen[ds->type], lines) < 0 ||
        hashset_reserve(&ds->set, lines, ds->type == DS_STRING ? len : lines * type_keylen[ds->type]) < 0) {
        free(pd.buf);
        free(buf);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int lineno = 0;
    char *p = buf, *end = buf + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        char *le = nl ? nl : end;
        lineno++;
        char *s = p;
        p = nl ? nl + 1 : end;
        while (s < le && (*s == ' ' || *s == '\t'))
            s++;
        char *e = s;
        while (e < le && *e != ',')
            e++;
        while (e > s && (e[-1] == '\r' || e[-1] == ' ' || e[-1] == '\t'))
            e--;
        if (e == s || *s == '#')
            continue;
        uint8_t *key = pd.buf + pd.used;
        int kl = decode_value(ds->type, s, (size_t)(e - s), key);
        if (kl < 0) {
            if (ds->bad_lines++ < BAD_LINES_SHOWN)
                diag_msg(d, LOG_WARN, ds->path, lineno, "not a valid %s value for dataset '%s'%s; "
                         "line skipped", type_names[ds->type], ds->name,
                         ds->type == DS_STRING ? " (strings must be base64-encoded)" : "");
            continue;
        }
        pd.key[pd.n] = key;
        pd.len[pd.n++] = (uint32_t)kl;
        pd.used += (size_t)kl;
        if (pd.n == HASHSET_BATCH && flush(ds, &pd) < 0)
            break;
    }
    int rc = flush(ds, &pd);
    free(pd.buf);
    free(buf);
    if (rc < 0) {
        snprintf(err, errlen, "dataset '%s': out of memory", ds->name);
        return -1;
    }
    if (ds->bad_lines > BAD_LINES_SHOWN)
        diag_msg(d, LOG_WARN, ds->path, 0, "%u more bad lines skipped", ds->bad_lines - BAD_LINES_SHOWN);
    return 0;
}

static void dataset_free(struct dataset *ds)
{
    if (!ds)
        return;
    hashset_free(&ds->set);
    free(ds->name);
    free(ds->load_given);
    free(ds->path);
    free(ds);
}

struct dataset *dataset_load(struct dataset_registry *r, const char *name, int type,
                             const char *load_given, const char *path, struct load_diag *d,
                             char *err, size_t errlen)
{
    struct dataset *ds = calloc(1, sizeof(*ds));
    if (!ds || !(ds->name = strdup(name)) || !(ds->load_given = strdup(load_given)) ||
        !(ds->path = strdup(path))) {
        dataset_free(ds);
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ds->type = type;
    if (load_file(ds, d, err, errlen) < 0) {
        dataset_free(ds);
        return NULL;
    }
    if (r->n == r->cap) {
        uint32_t cap = r->cap ? r->cap * 2 : 8;
        struct dataset **nv = realloc(r->v, cap * sizeof(*nv));
        if (!nv) {
            dataset_free(ds);
            snprintf(err, errlen, "out of memory");
            return NULL;
        }
        r->v = nv;
        r->cap = cap;
    }
    r->v[r->n++] = ds;
    return ds;
}

void dataset_registry_free(struct dataset_registry *r)
{
    for (uint32_t i = 0; i < r->n; i++)
        dataset_free(r->v[i]);
    free(r->v);
    memset(r, 0, sizeof(*r));
}

uint64_t dataset_registry_values(const struct dataset_registry *r)
{
    uint64_t n = 0;
    for (uint32_t i = 0; i < r->n; i++)
        n += r->v[i]->set.count;
    return n;
}

bool dataset_contains(const struct dataset *ds, const uint8_t *buf, uint32_t len)
{
    uint8_t key[32];
    switch (ds->type) {
    case DS_STRING:
        return hashset_find(&ds->set, len ? buf : (const uint8_t *)"", len) >= 0;
    case DS_MD5:
    case DS_SHA256: {
        uint32_t raw = ds->type == DS_MD5 ? 16 : 32;
        if (len == raw)
            return hashset_find(&ds->set, buf, len) >= 0;
        if (len == raw * 2 && hex_decode((const char *)buf, len, key, raw) == 0)
            return hashset_find(&ds->set, key, raw) >= 0;
        return false;
    }
    case DS_IPV4:
        return len == 4 && hashset_find(&ds->set, buf, 4) >= 0;
    case DS_IP:
        if (len == 4) {
            map_v4(buf, key);
            return hashset_find(&ds->set, key, 16) >= 0;
        }
        return len == 16 && hashset_find(&ds->set, buf, 16) >= 0;
    }
    return false;
}
