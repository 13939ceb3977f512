/* util.c - small helpers of the rule engine: text buffers, hashing, paths,
 * loader messages and the flowbit name table.
 */
#include "detect_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* ------------------------------------------------------------ text buffer */

void sbuf_init(struct sbuf *b)
{
    memset(b, 0, sizeof(*b));
}

void sbuf_free(struct sbuf *b)
{
    free(b->s);
    memset(b, 0, sizeof(*b));
}

void sbuf_add(struct sbuf *b, const char *s, size_t n)
{
    if (b->failed)
        return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->failed = true;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void sbuf_puts(struct sbuf *b, const char *s)
{
    sbuf_add(b, s, strlen(s));
}

void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n < sizeof(tmp)) {
        sbuf_add(b, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->failed = true;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    sbuf_add(b, big, (size_t)n);
    free(big);
}

/* Bytes that must be hex in a content string: the syntax characters and
 * everything that is not printable ASCII. */
static bool content_needs_hex(uint8_t c)
{
    return c < 0x20 || c > 0x7e || c == '"' || c == ';' || c == ':' || c == '|' || c == '\\';
}

void sbuf_content(struct sbuf *b, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    bool in_hex = false;
    for (size_t i = 0; i < n; i++) {
        if (content_needs_hex(p[i])) {
            char h[4] = {in_hex ? ' ' : '|', hex[p[i] >> 4], hex[p[i] & 15], 0};
            sbuf_add(b, h, 3);
            in_hex = true;
        } else {
            if (in_hex)
                sbuf_add(b, "|", 1);
            in_hex = false;
            sbuf_add(b, (const char *)&p[i], 1);
        }
    }
    if (in_hex)
        sbuf_add(b, "|", 1);
}

/* ------------------------------------------------------------ strings */

char *detect_strndup(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

char *detect_trim(char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
        s++;
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r' || s[n - 1] == '\n'))
        s[--n] = '\0';
    return s;
}

const uint8_t detect_lower[256] = {
#define L(c) ((c) >= 'A' && (c) <= 'Z' ? (uint8_t)((c) + 32) : (uint8_t)(c))
#define R4(b) L(b), L(b + 1), L(b + 2), L(b + 3)
#define R16(b) R4(b), R4(b + 4), R4(b + 8), R4(b + 12)
    R16(0), R16(16), R16(32), R16(48), R16(64), R16(80), R16(96), R16(112),
    R16(128), R16(144), R16(160), R16(176), R16(192), R16(208), R16(224), R16(240)
#undef R16
#undef R4
#undef L
};

/* ------------------------------------------------------------ hashing */

static uint64_t mix64(uint64_t x)
{
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    x *= 0xd6e8feb86659fd93ULL;
    x ^= x >> 32;
    return x;
}

/* Word-at-a-time multiplicative hash with a final avalanche; good enough for
 * hash tables of keys we load (not a defence against chosen collisions,
 * which the set contents are not). */
uint64_t detect_hash(const void *p, size_t n, uint64_t seed)
{
    const uint8_t *b = p;
    uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL);
    while (n >= 8) {
        uint64_t w;
        memcpy(&w, b, 8);
        h = (h ^ mix64(w)) * 0x9e3779b97f4a7c15ULL;
        h = h << 29 | h >> 35;
        b += 8;
        n -= 8;
    }
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)b[i] << (8 * i);
    h = (h ^ mix64(w + n)) * 0x9e3779b97f4a7c15ULL;
    return mix64(h);
}

/* ------------------------------------------------------------ files */

char *detect_path_join(const char *dir, const char *path)
{
    if (path[0] == '/' || !dir || !*dir)
        return strdup(path);
    size_t a = strlen(dir), b = strlen(path);
    char *s = malloc(a + b + 2);
    if (!s)
        return NULL;
    memcpy(s, dir, a);
    size_t n = a;
    if (n && s[n - 1] != '/')
        s[n++] = '/';
    memcpy(s + n, path, b + 1);
    return s;
}

char *detect_dirname(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return detect_strndup(path, (size_t)(slash - path));
}

/* Only regular files: a rule that names /dev/zero or a FIFO must not hang the loader. */
char *detect_read_file(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    struct stat st;
    if (fstat(fileno(fp), &st) < 0 || !S_ISREG(st.st_mode)) {
        fclose(fp);
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL;
        return NULL;
    }
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap);
    if (!buf) {
        fclose(fp);
        errno = ENOMEM;
        return NULL;
    }
    if (fseek(fp, 0, SEEK_END) == 0) {
        long sz = ftell(fp);
        if (sz > 0 && (size_t)sz + 1 > cap) {
            char *nb = realloc(buf, (size_t)sz + 1);
            if (nb) {
                buf = nb;
                cap = (size_t)sz + 1;
            }
        }
        rewind(fp);
    }
    for (;;) {
        if (n + 1 >= cap) {
            char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                fclose(fp);
                errno = ENOMEM;
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n - 1, fp);
        n += got;
        if (got == 0)
            break;
    }
    int err = ferror(fp) ? EIO : 0;
    fclose(fp);
    if (err) {
        free(buf);
        errno = err;
        return NULL;
    }
    buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

size_t detect_count_lines(const char *buf, size_t len)
{
    size_t n = 1;
    for (const char *p = buf; (p = memchr(p, '\n', len - (size_t)(p - buf))); p++)
        n++;
    return n;
}

int detect_hexval(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int detect_for_each_line(const char *path, const char *what, struct load_diag *d,
                         int (*fn)(void *arg, char *line, const char *path, int lineno,
                                   struct load_diag *d),
                         void *arg)
{
    size_t len;
    char *buf = detect_read_file(path, &len);
    if (!buf) {
        diag_msg(d, LOG_ERROR, path, 0, "cannot read the %s: %s", what, strerror(errno));
        return -1;
    }
    int lineno = 0;
    char *next;
    for (char *p = buf; p && *p; p = next) {
        char *nl = strchr(p, '\n');
        next = nl ? nl + 1 : NULL;
        if (nl)
            *nl = '\0';
        lineno++;
        char *line = detect_trim(p);
        if (!*line || *line == '#')
            continue;
        if (fn(arg, line, path, lineno, d) < 0) {
            free(buf);
            return -1;
        }
    }
    free(buf);
    return 0;
}

/* ------------------------------------------------------------ messages */

void diag_msg(struct load_diag *d, enum log_level lvl, const char *file, int line, const char *fmt, ...)
{
    char text[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (lvl == LOG_ERROR)
        d->errors++;
    else if (lvl == LOG_WARN)
        d->warnings++;
    if (file && line > 0)
        log_msg(d->lg, lvl, "%s:%d: %s", file, line, text);
    else if (file)
        log_msg(d->lg, lvl, "%s: %s", file, text);
    else
        log_msg(d->lg, lvl, "%s", text);
}

/* ------------------------------------------------------------ flowbits */

int flowbit_id(struct flowbit_names *fb, const char *name)
{
    for (uint32_t i = 0; i < fb->n; i++)
        if (strcmp(fb->names[i], name) == 0)
            return (int)i;
    if (fb->n == fb->cap) {
        uint32_t cap = fb->cap ? fb->cap * 2 : 16;
        char **nn = realloc(fb->names, cap * sizeof(*nn));
        if (!nn)
            return -1;
        fb->names = nn;
        fb->cap = cap;
    }
    fb->names[fb->n] = strdup(name);
    if (!fb->names[fb->n])
        return -1;
    return (int)fb->n++;
}

int flowbit_names_copy(struct flowbit_names *dst, const struct flowbit_names *src)
{
    memset(dst, 0, sizeof(*dst));
    for (uint32_t i = 0; src && i < src->n; i++)
        if (flowbit_id(dst, src->names[i]) < 0)
            return -1;
    return 0;
}

void flowbit_names_free(struct flowbit_names *fb)
{
    for (uint32_t i = 0; i < fb->n; i++)
        free(fb->names[i]);
    free(fb->names);
    memset(fb, 0, sizeof(*fb));
}
