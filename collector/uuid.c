/* uuid.c - UUIDv5 (SHA-1, RFC 9562 section 5.5) and deterministic STIX ids.
 *
 * uuid5(ns, name) = the first 16 bytes of SHA-1(ns bytes || name bytes), with
 * the top 4 bits of byte 6 set to the version (5) and the top 2 bits of byte 8
 * set to the RFC variant (10). STIX ids are "type--uuid"; the type rules are
 * checked here because a bad type would make every export invalid against the
 * STIX schema. See uuid.h for the namespaces and what is hashed.
 */
#include "uuid.h"
#include "crypto.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* 6ba7b810-9dad-11d1-80b4-00c04fd430c8 and its siblings ..11, ..12, ..14. */
const struct uuid uuid_ns_dns = {{0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00,
                                  0xc0, 0x4f, 0xd4, 0x30, 0xc8}};
const struct uuid uuid_ns_url = {{0x6b, 0xa7, 0xb8, 0x11, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00,
                                  0xc0, 0x4f, 0xd4, 0x30, 0xc8}};
const struct uuid uuid_ns_oid = {{0x6b, 0xa7, 0xb8, 0x12, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4, 0x00,
                                  0xc0, 0x4f, 0xd4, 0x30, 0xc8}};
const struct uuid uuid_ns_x500 = {{0x6b, 0xa7, 0xb8, 0x14, 0x9d, 0xad, 0x11, 0xd1, 0x80, 0xb4,
                                   0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8}};
/* 00abedb4-aa42-466c-9c01-fed23315a9b7 */
const struct uuid uuid_ns_stix_sco = {{0x00, 0xab, 0xed, 0xb4, 0xaa, 0x42, 0x46, 0x6c, 0x9c, 0x01,
                                       0xfe, 0xd2, 0x33, 0x15, 0xa9, 0xb7}};
/* d63f3063-018d-5386-a186-8757ff521b67 = uuid5(uuid_ns_url, "urn:ictwatch:stix") */
const struct uuid uuid_ns_ictwatch = {{0xd6, 0x3f, 0x30, 0x63, 0x01, 0x8d, 0x53, 0x86, 0xa1, 0x86,
                                       0x87, 0x57, 0xff, 0x52, 0x1b, 0x67}};

/* A name given in pieces, hashed one after the other (no copy into one buffer). */
struct name_piece {
    const void *p;
    size_t len;
};

static void uuid_v5_pieces(const struct uuid *ns, const struct name_piece *pieces, size_t n,
                           struct uuid *out)
{
    struct crypto_sha1 c;
    uint8_t d[CRYPTO_SHA1_LEN];
    crypto_sha1_init(&c);
    crypto_sha1_update(&c, ns->b, sizeof(ns->b));
    for (size_t i = 0; i < n; i++)
        crypto_sha1_update(&c, pieces[i].p, pieces[i].len);
    crypto_sha1_final(&c, d);
    memcpy(out->b, d, sizeof(out->b));
    out->b[6] = (uint8_t)((out->b[6] & 0x0f) | 0x50);   /* version 5 */
    out->b[8] = (uint8_t)((out->b[8] & 0x3f) | 0x80);   /* variant 10 (RFC) */
}

void uuid_v5(const struct uuid *ns, const void *name, size_t len, struct uuid *out)
{
    struct name_piece whole = {name, len};
    uuid_v5_pieces(ns, &whole, 1, out);
}

void uuid_producer_namespace(const char *producer, struct uuid *out)
{
    uuid_v5(&uuid_ns_ictwatch, producer, strlen(producer), out);
}

static int empty_and_fail(char *buf, size_t len)
{
    if (len > 0)
        buf[0] = '\0';
    return -1;
}

char *uuid_format(const struct uuid *u, char *buf, size_t len)
{
    char hex[33];
    if (len < UUID_STRLEN) {
        empty_and_fail(buf, len);
        return buf;
    }
    crypto_hex_encode(u->b, sizeof(u->b), hex);
    snprintf(buf, len, "%.8s-%.4s-%.4s-%.4s-%.12s", hex, hex + 8, hex + 12, hex + 16, hex + 20);
    return buf;
}

int uuid_parse(const char *s, struct uuid *out)
{
    /* Hex groups of 8-4-4-4-12 digits: their offsets in the text and lengths. */
    static const struct { uint8_t at, digits; } groups[5] = {
        {0, 8}, {9, 4}, {14, 4}, {19, 4}, {24, 12}};
    size_t filled = 0;
    if (strlen(s) != UUID_STRLEN - 1 || s[8] != '-' || s[13] != '-' || s[18] != '-' ||
        s[23] != '-')
        return -1;
    for (int g = 0; g < 5; g++) {
        size_t bytes = groups[g].digits / 2u;
        if (crypto_hex_decode(s + groups[g].at, groups[g].digits, out->b + filled, bytes) != 0)
            return -1;
        filled += bytes;
    }
    return 0;
}

static bool stix_type_valid(const char *type)
{
    size_t n = strlen(type);
    if (n < 3 || n > 250 || !(type[0] >= 'a' && type[0] <= 'z') || strstr(type, "--"))
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = type[i];
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    }
    return true;
}

static int write_stix_id(const char *type, const struct uuid *u, char *buf, size_t len)
{
    char text[UUID_STRLEN];
    uuid_format(u, text, sizeof(text));
    int n = snprintf(buf, len, "%s--%s", type, text);
    if (n < 0 || (size_t)n >= len)
        return empty_and_fail(buf, len);
    return n;
}

int uuid_stix_id(const struct uuid *ns, const char *type, const char *name, char *buf,
                 size_t len)
{
    if (!stix_type_valid(type))
        return empty_and_fail(buf, len);
    const struct name_piece pieces[3] = {{type, strlen(type)}, {"|", 1}, {name, strlen(name)}};
    struct uuid u;
    uuid_v5_pieces(ns, pieces, 3, &u);
    return write_stix_id(type, &u, buf, len);
}

int uuid_stix_sco_id(const char *type, const char *canonical_json, char *buf, size_t len)
{
    if (!stix_type_valid(type))
        return empty_and_fail(buf, len);
    struct uuid u;
    uuid_v5(&uuid_ns_stix_sco, canonical_json, strlen(canonical_json), &u);
    return write_stix_id(type, &u, buf, len);
}
