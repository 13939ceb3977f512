/* iprep.c - loading and querying IP reputation (see iprep.h).
 *
 * Several categories may be given for one address (one line each); the
 * values of an address form a short linked list in one array. Files of a
 * million lines load in a fraction of a second: the whole file is read at
 * once, the host table is sized from its line count, and nothing is
 * allocated per line.
 */
#include "iprep.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define BAD_LINES_SHOWN 10

void iprep_init(struct iprep *r)
{
    memset(r, 0, sizeof(*r));
    radix_init(&r->nets);
}

void iprep_free(struct iprep *r)
{
    for (int i = 0; i <= IPREP_MAX_CAT; i++)
        free(r->cat_name[i]);
    hashset_free(&r->hosts);
    free(r->host_head);
    radix_free(&r->nets);
    free(r->vals);
    memset(r, 0, sizeof(*r));
}

bool iprep_loaded(const struct iprep *r)
{
    for (int i = 0; i <= IPREP_MAX_CAT; i++)
        if (r->cat_name[i])
            return true;
    return false;
}

int iprep_category(const struct iprep *r, const char *shortname)
{
    for (int i = 0; i <= IPREP_MAX_CAT; i++)
        if (r->cat_name[i] && strcmp(r->cat_name[i], shortname) == 0)
            return i;
    return -1;
}

/* Splits a line into at most n comma-separated trimmed fields. */
static int split_fields(char *line, char **f, int n)
{
    int k = 0;
    char *p = line;
    while (k < n) {
        char *c = strchr(p, ',');
        if (c)
            *c = '\0';
        f[k++] = detect_trim(p);
        if (!c)
            break;
        p = c + 1;
    }
    return k;
}

static int category_line(void *arg, char *line, const char *path, int lineno, struct load_diag *d)
{
    struct iprep *r = arg;
    char *f[3];
    uint64_t id;
    if (split_fields(line, f, 3) != 3 || ictw_parse_uint(f[0], IPREP_MAX_CAT, &id) < 0 || !*f[1]) {
        diag_msg(d, LOG_WARN, path, lineno, "expected 'id,shortname,description' with an id "
                 "from 0 to %d; line skipped", IPREP_MAX_CAT);
        return 0;
    }
    char *name = strdup(f[1]);
    if (!name)
        return -1;
    free(r->cat_name[id]);
    r->cat_name[id] = name;
    return 0;
}

int iprep_load_categories(struct iprep *r, const char *path, struct load_diag *d)
{
    return detect_for_each_line(path, "reputation categories", d, category_line, r);
}

/* A decimal number in [s, e) of at most max; -1 if not. No strtoull: a
 * reputation file has millions of these. */
static long small_uint(const char *s, const char *e, unsigned max)
{
    if (s == e || e - s > 10)
        return -1;
    unsigned long v = 0;
    for (; s < e; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        v = v * 10 + (unsigned long)(*s - '0');
    }
    return v > max ? -1 : (long)v;
}

/* Dotted IPv4 in [s, e), the common case, without a copy; 0 or -1. */
static int fast_ipv4(const char *s, const char *e, struct ictw_addr *a)
{
    memset(a, 0, sizeof(*a));
    for (int part = 0; part < 4; part++) {
        const char *d = s;
        while (d < e && *d != '.')
            d++;
        if ((part < 3) != (d < e))
            return -1;
        long v = small_uint(s, d, 255);
        if (v < 0 || (d - s > 1 && *s == '0'))
            return -1;
        a->b[part] = (uint8_t)v;
        s = d + 1;
    }
    a->family = 4;
    return 0;
}

/* "address[/bits]" in [s, e). */
static int parse_prefix(const char *s, const char *e, struct ictw_addr *a, unsigned *bits)
{
    const char *slash = memchr(s, '/', (size_t)(e - s));
    const char *ae = slash ? slash : e;
    if (fast_ipv4(s, ae, a) < 0) {
        char tmp[64];
        if (ae - s >= (long)sizeof(tmp))
            return -1;
        memcpy(tmp, s, (size_t)(ae - s));
        tmp[ae - s] = '\0';
        if (ictw_addr_parse(tmp, a) < 0)
            return -1;
    }
    unsigned width = a->family == 4 ? 32 : 128;
    *bits = width;
    if (slash) {
        long b = small_uint(slash + 1, e, width);
        if (b < 0)
            return -1;
        *bits = (unsigned)b;
    }
    return 0;
}

/* Trims blanks around [*s, *e). */
static void trim_span(const char **s, const char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
        (*e)--;
}

/* One "address,category,score" line in [s, e); NULL or why it is bad. */
static const char *parse_rep_line(const struct iprep *r, const char *s, const char *e, struct ictw_addr *a,
                                  unsigned *bits, unsigned *cat, unsigned *score)
{
    const char *f[3], *fe[3];
    int n = 0;
    const char *p = s;
    while (n < 3) {
        const char *c = memchr(p, ',', (size_t)(e - p));
        f[n] = p;
        fe[n] = c && n < 2 ? c : e;
        trim_span(&f[n], &fe[n]);
        n++;
        if (!c || n == 3)
            break;
        p = c + 1;
    }
    if (n != 3 || memchr(f[2], ',', (size_t)(fe[2] - f[2])))
        return "expected 'address,category,score'";
    if (parse_prefix(f[0], fe[0], a, bits) < 0)
        return "invalid address or network";
    long c = small_uint(f[1], fe[1], IPREP_MAX_CAT);
    if (c < 0 || !r->cat_name[c])
        return "unknown category id (not in the categories file)";
    long sc = small_uint(f[2], fe[2], 127);
    if (sc < 0)
        return "score must be a number from 0 to 127";
    *cat = (unsigned)c;
    *score = (unsigned)sc;
    return NULL;
}

static int add_val(struct iprep *r, uint32_t *head, uint8_t cat, uint8_t score)
{
    for (uint32_t i = *head; i; i = r->vals[i - 1].next) {
        if (r->vals[i - 1].cat == cat) {
            r->vals[i - 1].score = score;   /* a later line wins */
            return 0;
        }
    }
    if (r->nvals == r->vals_cap) {
        uint32_t cap = r->vals_cap ? r->vals_cap * 2 : 1024;
        struct iprep_val *nv = realloc(r->vals, (size_t)cap * sizeof(*nv));
        if (!nv)
            return -1;
        r->vals = nv;
        r->vals_cap = cap;
    }
    r->vals[r->nvals].cat = cat;
    r->vals[r->nvals].score = score;
    r->vals[r->nvals].next = *head;
    *head = ++r->nvals;
    return 0;
}

/* Host entries waiting to be inserted, 64 at a time (hashset_insert_batch). */
struct host_batch {
    uint8_t key[HASHSET_BATCH][17];
    const uint8_t *kp[HASHSET_BATCH];
    uint32_t len[HASHSET_BATCH];
    uint8_t cat[HASHSET_BATCH], score[HASHSET_BATCH];
    uint32_t n;
};

static int flush_hosts(struct iprep *r, struct host_batch *b)
{
    int64_t ord[HASHSET_BATCH];
    if (!b->n)
        return 0;
    if (hashset_insert_batch(&r->hosts, b->kp, b->len, b->n, ord) < 0)
        return -1;
    for (uint32_t i = 0; i < b->n; i++) {
        if (ord[i] < 0)
            return -1;
        if ((uint64_t)ord[i] >= r->host_head_cap) {
            uint32_t cap = r->host_head_cap ? r->host_head_cap : 1024;
            while (cap <= (uint64_t)ord[i])
                cap *= 2;
            uint32_t *nh = realloc(r->host_head, (size_t)cap * sizeof(*nh));
            if (!nh)
                return -1;
            memset(nh + r->host_head_cap, 0, (size_t)(cap - r->host_head_cap) * sizeof(*nh));
            r->host_head = nh;
            r->host_head_cap = cap;
        }
        if (add_val(r, &r->host_head[ord[i]], b->cat[i], b->score[i]) < 0)
            return -1;
    }
    b->n = 0;
    return 0;
}

static int add_host(struct iprep *r, struct host_batch *b, const struct ictw_addr *a, uint8_t cat,
                    uint8_t score)
{
    uint32_t i = b->n++;
    b->key[i][0] = a->family;
    memcpy(b->key[i] + 1, a->b, 16);
    b->kp[i] = b->key[i];
    b->len[i] = 17;
    b->cat[i] = cat;
    b->score[i] = score;
    return b->n == HASHSET_BATCH ? flush_hosts(r, b) : 0;
}

/* A network's values live under its radix node: fetch the list of exactly
 * this prefix (inserting it empty if new), extend it, store it back. */
static int add_net(struct iprep *r, const struct ictw_addr *a, unsigned bits, uint8_t cat,
                   uint8_t score)
{
    bool existed;
    uint32_t old = 0;
    if (radix_insert(&r->nets, a, bits, 0, &existed, &old) < 0)
        return -1;
    uint32_t head = existed ? old : 0;
    if (add_val(r, &head, cat, score) < 0)
        return -1;
    return radix_insert(&r->nets, a, bits, head, &existed, &old);
}

/* Room for n more values and host entries, so that a big file does not make
 * the arrays grow (and be copied) by doubling. */
static int reserve_values(struct iprep *r, size_t n)
{
    if (r->nvals + n > r->vals_cap) {
        size_t cap = r->nvals + n;
        if (cap > UINT32_MAX)
            return -1;
        struct iprep_val *nv = realloc(r->vals, cap * sizeof(*nv));
        if (!nv)
            return -1;
        r->vals = nv;
        r->vals_cap = (uint32_t)cap;
    }
    size_t hosts = r->hosts.count + n;
    if (hosts > r->host_head_cap && hosts <= UINT32_MAX) {
        uint32_t *nh = realloc(r->host_head, hosts * sizeof(*nh));
        if (!nh)
            return -1;
        memset(nh + r->host_head_cap, 0, (hosts - r->host_head_cap) * sizeof(*nh));
        r->host_head = nh;
        r->host_head_cap = (uint32_t)hosts;
    }
    return 0;
}

int iprep_load_file(struct iprep *r, const char *path, struct load_diag *d)
{
    size_t len;
    char *buf = detect_read_file(path, &len);
    if (!buf) {
        diag_msg(d, LOG_ERROR, path, 0, "cannot read the reputation file: %s", strerror(errno));
        return -1;
    }
    size_t lines = detect_count_lines(buf, len);
    if ((!r->hosts.slots && hashset_init(&r->hosts, 17, lines) < 0) ||
        hashset_reserve(&r->hosts, lines, lines * 17) < 0 || reserve_values(r, lines) < 0) {
        free(buf);
        return -1;
    }
    unsigned bad = 0;
    int lineno = 0;
    char *next;
    struct host_batch *hb = malloc(sizeof(*hb));
    if (!hb) {
        free(buf);
        return -1;
    }
    hb->n = 0;
    for (char *p = buf; p && *p; p = next) {
        char *nl = memchr(p, '\n', len - (size_t)(p - buf));
        next = nl ? nl + 1 : NULL;
        const char *ls = p, *le = nl ? nl : buf + len;
        lineno++;
        trim_span(&ls, &le);
        if (ls == le || *ls == '#')
            continue;
        struct ictw_addr a;
        unsigned bits, cat, score;
        const char *why = parse_rep_line(r, ls, le, &a, &bits, &cat, &score);
        if (why) {
            if (bad++ < BAD_LINES_SHOWN)
                diag_msg(d, LOG_WARN, path, lineno, "%s; line skipped", why);
            continue;
        }
        unsigned width = a.family == 4 ? 32 : 128;
        int rc = bits == width ? add_host(r, hb, &a, (uint8_t)cat, (uint8_t)score)
                               : add_net(r, &a, bits, (uint8_t)cat, (uint8_t)score);
        if (rc < 0) {
            free(hb);
            free(buf);
            diag_msg(d, LOG_ERROR, path, lineno, "out of memory");
            return -1;
        }
        r->entries++;
    }
    int frc = flush_hosts(r, hb);
    free(hb);
    if (frc < 0) {
        free(buf);
        diag_msg(d, LOG_ERROR, path, 0, "out of memory");
        return -1;
    }
    if (bad > BAD_LINES_SHOWN)
        diag_msg(d, LOG_WARN, path, 0, "%u more bad lines skipped", bad - BAD_LINES_SHOWN);
    free(buf);
    return 0;
}

int iprep_score_in(const struct iprep *r, uint32_t head, int cat)
{
    for (uint32_t i = head; i; i = r->vals[i - 1].next)
        if (r->vals[i - 1].cat == cat)
            return r->vals[i - 1].score;
    return -1;
}

uint32_t iprep_head(const struct iprep *r, const struct ictw_addr *a)
{
    if (r->hosts.slots) {
        uint8_t key[17];
        key[0] = a->family;
        memcpy(key + 1, a->b, 16);
        int64_t ord = hashset_find(&r->hosts, key, sizeof(key));
        if (ord >= 0)
            return r->host_head[ord];
    }
    uint32_t head;
    if (radix_lookup(&r->nets, a, &head))
        return head;
    return 0;
}

int iprep_score(const struct iprep *r, const struct ictw_addr *a, int cat)
{
    return iprep_score_in(r, iprep_head(r, a), cat);
}
