/* anon.c - anonymisation policies: parsing, scope, and hiding addresses and prefixes.
 *
 * The policy object (anon.h) holds the method, the scope, the keyed state
 * (an initialised Crypto-PAn context, or an HMAC context already fed with
 * the key that is copied for every pseudonym) and the own networks.
 *
 * Every hiding function first decides scope (is this address, or prefix, one
 * of ours?), then applies the method. Anything it cannot do safely - an
 * unknown family, a keyed method without its key - is an error, never the
 * raw address: a misconfigured export must fail, not leak.
 *
 * HMAC pseudonyms hash family (4 or 6), prefix length (32 or 128 for a whole
 * address) and the masked address bytes, so that an address, a prefix of
 * the same bits and the other family's address never share a pseudonym.
 */
#include "anon.h"
#include "keyfile.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define HMAC_TEXT_DIGITS 16     /* 64 bits of the tag */

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (errlen > 0)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

static unsigned family_bits(int family)
{
    return family == 4 ? 32 : 128;
}

static bool family_ok(const struct ictw_addr *a)
{
    return a->family == 4 || a->family == 6;
}

/* ---- setup ---- */

void anon_policy_init(struct anon_policy *p)
{
    memset(p, 0, sizeof(*p));
    p->method = ANON_NONE;
    p->scope = ANON_SCOPE_BOTH;
    p->v4_bits = ANON_TRUNCATE_V4_DEFAULT;
    p->v6_bits = ANON_TRUNCATE_V6_DEFAULT;
}

static void drop_key(struct anon_policy *p)
{
    cryptopan_wipe(&p->cp);
    crypto_wipe(&p->hmac, sizeof(p->hmac));
    p->have_key = false;
}

void anon_policy_free(struct anon_policy *p)
{
    drop_key(p);
    free(p->internal);
    crypto_wipe(p, sizeof(*p));
}

static const char policy_forms[] = "expected cryptopan, truncate[:V4[:V6]], hmac or none";

/* Parses the numbers after "truncate": "", ":V4" or ":V4:V6". */
static int parse_truncate_lengths(struct anon_policy *p, const char *spec, const char *args,
                                  char *err, size_t errlen)
{
    char v4[8] = "", v6[8] = "";
    uint64_t n4 = ANON_TRUNCATE_V4_DEFAULT, n6 = ANON_TRUNCATE_V6_DEFAULT;
    if (*args) {
        const char *colon = strchr(args, ':');
        size_t l4 = colon ? (size_t)(colon - args) : strlen(args);
        if (l4 >= sizeof(v4) || (colon && strlen(colon + 1) >= sizeof(v6)))
            return fail(err, errlen, "anonymisation policy '%s': length too long; %s", spec,
                        policy_forms);
        memcpy(v4, args, l4);
        if (colon)
            strcpy(v6, colon + 1);
        if (ictw_parse_uint(v4, 31, &n4) != 0)
            return fail(err, errlen,
                        "anonymisation policy '%s': IPv4 length '%s' is not a number of bits "
                        "kept from 0 to 31",
                        spec, v4);
        if (colon && ictw_parse_uint(v6, 127, &n6) != 0)
            return fail(err, errlen,
                        "anonymisation policy '%s': IPv6 length '%s' is not a number of bits "
                        "kept from 0 to 127",
                        spec, v6);
    }
    p->v4_bits = (unsigned)n4;
    p->v6_bits = (unsigned)n6;
    return 0;
}

int anon_policy_parse(struct anon_policy *p, const char *spec, char *err, size_t errlen)
{
    static const struct {
        const char *name;
        enum anon_method method;
    } names[] = {{"none", ANON_NONE},
                 {"truncate", ANON_TRUNCATE},
                 {"hmac", ANON_HMAC},
                 {"cryptopan", ANON_CRYPTOPAN}};
    const char *colon = strchr(spec, ':');
    size_t namelen = colon ? (size_t)(colon - spec) : strlen(spec);
    for (size_t i = 0; i < ICTW_ARRAY_LEN(names); i++) {
        if (strlen(names[i].name) != namelen || strncasecmp(spec, names[i].name, namelen) != 0)
            continue;
        if (colon && names[i].method != ANON_TRUNCATE)
            return fail(err, errlen, "anonymisation policy '%s': %s takes no arguments", spec,
                        names[i].name);
        if (names[i].method == ANON_TRUNCATE &&
            parse_truncate_lengths(p, spec, colon ? colon + 1 : "", err, errlen) != 0)
            return -1;
        if (p->method != names[i].method)
            drop_key(p);
        p->method = names[i].method;
        return 0;
    }
    return fail(err, errlen, "unknown anonymisation policy '%s'; %s", spec, policy_forms);
}

static const char *method_name(enum anon_method m)
{
    switch (m) {
    case ANON_TRUNCATE: return "truncate";
    case ANON_HMAC: return "hmac";
    case ANON_CRYPTOPAN: return "cryptopan";
    case ANON_NONE: break;
    }
    return "none";
}

bool anon_policy_needs_key(const struct anon_policy *p)
{
    return p->method == ANON_CRYPTOPAN || p->method == ANON_HMAC;
}

int anon_policy_set_key(struct anon_policy *p, const uint8_t key[ANON_KEYLEN], char *err,
                        size_t errlen)
{
    if (!anon_policy_needs_key(p))
        return fail(err, errlen, "anonymisation policy %s takes no key", method_name(p->method));
    drop_key(p);
    if (p->method == ANON_CRYPTOPAN)
        cryptopan_init(&p->cp, key);
    else
        crypto_hmac_sha256_init(&p->hmac, key, ANON_KEYLEN);
    p->have_key = true;
    return 0;
}

int anon_policy_load_key(struct anon_policy *p, const char *path, char *err, size_t errlen)
{
    uint8_t key[ANON_KEYLEN];
    if (!anon_policy_needs_key(p))
        return fail(err, errlen, "%s: anonymisation policy %s takes no key", path,
                    method_name(p->method));
    if (keyfile_read(path, key, sizeof(key), err, errlen) != 0)
        return -1;
    int rc = anon_policy_set_key(p, key, err, errlen);
    crypto_wipe(key, sizeof(key));
    return rc;
}

int anon_policy_set_scope(struct anon_policy *p, const char *scope, char *err, size_t errlen)
{
    if (strcasecmp(scope, "internal") == 0)
        p->scope = ANON_SCOPE_INTERNAL;
    else if (strcasecmp(scope, "both") == 0)
        p->scope = ANON_SCOPE_BOTH;
    else
        return fail(err, errlen, "unknown anonymisation scope '%s'; expected internal or both",
                    scope);
    return 0;
}

/* ---- own networks ---- */

static int push_net(struct anon_policy *p, const struct anon_net *n)
{
    if (p->n_internal == p->cap_internal) {
        size_t cap = p->cap_internal ? 2 * p->cap_internal : 8;
        struct anon_net *grown = realloc(p->internal, cap * sizeof(*grown));
        if (!grown)
            return -1;
        p->internal = grown;
        p->cap_internal = cap;
    }
    p->internal[p->n_internal++] = *n;
    return 0;
}

/* Parses one "ADDR[/BITS]" of length len (already trimmed). */
static int parse_net(const char *s, size_t len, struct anon_net *out, char *err, size_t errlen)
{
    char text[64], addr[64];
    if (len == 0)
        return fail(err, errlen, "own networks: empty entry in the list");
    if (len >= sizeof(text))
        return fail(err, errlen, "own networks: '%.*s...' is too long for a network", 20, s);
    memcpy(text, s, len);
    text[len] = '\0';
    if (text[0] == '!')
        return fail(err, errlen, "own networks: '%s': negated networks are not supported; "
                    "list the networks that are yours", text);
    if (text[0] == '$')
        return fail(err, errlen, "own networks: '%s': variables are not expanded here; "
                    "give the networks themselves", text);
    if (strcasecmp(text, "any") == 0)
        return fail(err, errlen, "own networks: 'any' is not a constituency; list its "
                    "networks, or use scope both");

    const char *slash = strchr(text, '/');
    size_t alen = slash ? (size_t)(slash - text) : len;
    memcpy(addr, text, alen);
    addr[alen] = '\0';
    if (ictw_addr_parse(addr, &out->prefix) != 0)
        return fail(err, errlen, "own networks: '%s': '%s' is not an IPv4 or IPv6 address",
                    text, addr);
    unsigned max = family_bits(out->prefix.family);
    uint64_t bits = max;
    if (slash && ictw_parse_uint(slash + 1, max, &bits) != 0)
        return fail(err, errlen, "own networks: '%s': prefix length must be a number from 0 "
                    "to %u", text, max);
    out->bits = (unsigned)bits;
    ictw_addr_mask(&out->prefix, out->bits);
    return 0;
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

int anon_policy_add_internal(struct anon_policy *p, const char *nets, char *err, size_t errlen)
{
    size_t before = p->n_internal;
    const char *s = nets, *end = nets + strlen(nets);
    while (s < end && is_space(*s))
        s++;
    while (end > s && is_space(end[-1]))
        end--;
    if (s < end && *s == '[') {
        if (end[-1] != ']')
            return fail(err, errlen, "own networks: '%s': '[' without a closing ']'", nets);
        s++;
        end--;
    }
    for (;;) {
        const char *comma = memchr(s, ',', (size_t)(end - s));
        const char *item_end = comma ? comma : end, *a = s, *b = item_end;
        struct anon_net n;
        while (a < b && is_space(*a))
            a++;
        while (b > a && is_space(b[-1]))
            b--;
        int rc = parse_net(a, (size_t)(b - a), &n, err, errlen);
        if (rc == 0 && push_net(p, &n) != 0)
            rc = fail(err, errlen, "own networks: out of memory");
        if (rc != 0) {
            p->n_internal = before;   /* all of the list or nothing */
            return -1;
        }
        if (!comma)
            return 0;
        s = comma + 1;
    }
}

int anon_policy_check(const struct anon_policy *p, char *err, size_t errlen)
{
    if (anon_policy_needs_key(p) && !p->have_key)
        return fail(err, errlen, "anonymisation policy %s needs a 32-byte key file; "
                    "configure its path", method_name(p->method));
    if (p->scope == ANON_SCOPE_INTERNAL && p->n_internal == 0 && p->method != ANON_NONE)
        return fail(err, errlen, "anonymisation scope internal needs the own networks "
                    "(e.g. HOME_NET); without them nothing would be anonymised");
    return 0;
}

void anon_policy_describe(const struct anon_policy *p, char *buf, size_t len)
{
    if (p->method == ANON_TRUNCATE)
        snprintf(buf, len, "truncate:%u:%u", p->v4_bits, p->v6_bits);
    else
        snprintf(buf, len, "%s", method_name(p->method));
}

bool anon_policy_keeps_addresses(const struct anon_policy *p)
{
    return p->method != ANON_HMAC;
}

/* ---- scope ---- */

/* True when x and y (one family) agree on their first bits bits. */
static bool same_leading_bits(const struct ictw_addr *x, const struct ictw_addr *y, unsigned bits)
{
    struct ictw_addr mx = *x, my = *y;
    if (x->family != y->family)
        return false;
    ictw_addr_mask(&mx, bits);
    ictw_addr_mask(&my, bits);
    return memcmp(mx.b, my.b, sizeof(mx.b)) == 0;
}

bool anon_is_internal(const struct anon_policy *p, const struct ictw_addr *a)
{
    for (size_t i = 0; i < p->n_internal; i++)
        if (same_leading_bits(a, &p->internal[i].prefix, p->internal[i].bits))
            return true;
    return false;
}

bool anon_applies(const struct anon_policy *p, const struct ictw_addr *a)
{
    return p->scope == ANON_SCOPE_BOTH || anon_is_internal(p, a);
}

/* A prefix is ours when it overlaps an own network (either contains the other). */
static bool prefix_applies(const struct anon_policy *p, const struct ictw_addr *net, unsigned bits)
{
    if (p->scope == ANON_SCOPE_BOTH)
        return true;
    for (size_t i = 0; i < p->n_internal; i++)
        if (same_leading_bits(net, &p->internal[i].prefix, ICTW_MIN(bits, p->internal[i].bits)))
            return true;
    return false;
}

/* ---- hiding ---- */

static unsigned truncate_bits(const struct anon_policy *p, int family)
{
    return family == 4 ? p->v4_bits : p->v6_bits;
}

/* "h:" + 16 hex digits of HMAC(key, family || bits || masked bytes). */
static void hmac_pseudonym(const struct anon_policy *p, const struct ictw_addr *net, unsigned bits,
                           char out[2 + HMAC_TEXT_DIGITS + 1])
{
    struct crypto_hmac_sha256 h = p->hmac;
    uint8_t head[2] = {net->family, (uint8_t)bits}, tag[CRYPTO_SHA256_LEN];
    crypto_hmac_sha256_update(&h, head, sizeof(head));
    crypto_hmac_sha256_update(&h, net->b, net->family == 4 ? 4 : 16);
    crypto_hmac_sha256_final(&h, tag);
    out[0] = 'h';
    out[1] = ':';
    crypto_hex_encode(tag, HMAC_TEXT_DIGITS / 2, out + 2);
    crypto_wipe(tag, sizeof(tag));
}

int anon_address(const struct anon_policy *p, const struct ictw_addr *in, struct ictw_addr *out)
{
    if (!family_ok(in))
        return -1;
    if (p->method == ANON_NONE || !anon_applies(p, in)) {
        *out = *in;
        return 0;
    }
    switch (p->method) {
    case ANON_TRUNCATE:
        *out = *in;
        ictw_addr_mask(out, truncate_bits(p, in->family));
        return 1;
    case ANON_CRYPTOPAN:
        if (!p->have_key)
            return -1;
        return cryptopan_anonymize(&p->cp, in, out) == 0 ? 1 : -1;
    case ANON_HMAC:
    case ANON_NONE:
        break;
    }
    return -1;
}

static int text_fail(char *buf, size_t len)
{
    if (len > 0)
        buf[0] = '\0';
    return -1;
}

static int text_out(char *buf, size_t len, int rc, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes the result text; a text that does not fit is an error, never cut. */
static int text_out(char *buf, size_t len, int rc, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = len > 0 ? vsnprintf(buf, len, fmt, ap) : -1;
    va_end(ap);
    if (n < 0 || (size_t)n >= len)
        return text_fail(buf, len);
    return rc;
}

int anon_format(const struct anon_policy *p, const struct ictw_addr *a, char *buf, size_t len)
{
    char text[ANON_TEXT_MAX];
    struct ictw_addr out;
    if (family_ok(a) && p->method == ANON_HMAC && anon_applies(p, a)) {
        if (!p->have_key)
            return text_fail(buf, len);
        hmac_pseudonym(p, a, family_bits(a->family), text);
        return text_out(buf, len, 1, "%s", text);
    }
    int rc = anon_address(p, a, &out);
    if (rc < 0)
        return text_fail(buf, len);
    ictw_addr_format_short(&out, text, sizeof(text));
    return text_out(buf, len, rc, "%s", text);
}

int anon_prefix(const struct anon_policy *p, const struct ictw_addr *a, unsigned bits, char *buf,
                size_t len)
{
    char text[ANON_TEXT_MAX];
    if (!family_ok(a))
        return text_fail(buf, len);
    if (bits == 0)
        bits = a->family == 4 ? ANON_PREFIX_V4_DEFAULT : ANON_PREFIX_V6_DEFAULT;
    if (bits > family_bits(a->family))
        return text_fail(buf, len);

    struct ictw_addr net = *a;
    ictw_addr_mask(&net, bits);
    int rc = p->method != ANON_NONE && prefix_applies(p, &net, bits);
    if (rc && p->method == ANON_TRUNCATE) {
        bits = ICTW_MIN(bits, truncate_bits(p, a->family));
        ictw_addr_mask(&net, bits);
    } else if (rc && p->method == ANON_CRYPTOPAN) {
        /* Prefix preservation: the hidden prefix is the prefix of the hidden address. */
        if (!p->have_key)
            return text_fail(buf, len);
        cryptopan_anonymize(&p->cp, &net, &net);
        ictw_addr_mask(&net, bits);
    } else if (rc && p->method == ANON_HMAC) {
        if (!p->have_key)
            return text_fail(buf, len);
        hmac_pseudonym(p, &net, bits, text);
        return text_out(buf, len, 1, "%s/%u", text, bits);
    }
    ictw_addr_format_short(&net, text, sizeof(text));
    return text_out(buf, len, rc, "%s/%u", text, bits);
}
