/* anon.h - anonymisation policy for the addresses in exports and shared aggregates.
 *
 * A policy says HOW an address is hidden and WHICH addresses are hidden.
 *
 * How (the method, parsed from a spec string by anon_policy_parse):
 *
 *   spec                  method      output for 192.0.2.77 / 2001:db8:1:2::5
 *   "cryptopan"           Crypto-PAn  another address of the same family; two
 *                                     addresses sharing k leading bits map to two
 *                                     sharing exactly k (prefix-preserving);
 *                                     one-to-one; reversible with the key
 *   "truncate"            truncation  192.0.2.0 / 2001:db8:1:: - keeps the first
 *   "truncate:V4"                     24 (V4) and 48 (V6) bits, zeroes the rest;
 *   "truncate:V4:V6"                  not reversible, hosts of a network merge
 *   "hmac"                keyed hash  "h:" + 16 hex digits = the first 64 bits of
 *                                     HMAC-SHA256(key, family || bits || address);
 *                                     stable per key, NOT an address, does NOT
 *                                     preserve prefixes, not reversible
 *   "none"                none        the address unchanged
 *
 * cryptopan and hmac need a 32-byte key (anon_policy_load_key; file format in
 * keyfile.h). Countries of a region that share one Crypto-PAn key see the
 * same pseudonym prefixes for the same real prefixes; every key holder can
 * also reverse the map, so the key is as sensitive as the addresses.
 *
 * Which (the scope, anon_policy_set_scope):
 *
 *   "both"      (default) every address is hidden
 *   "internal"  only addresses inside the own constituency's networks
 *               (anon_policy_add_internal) are hidden; any other address -
 *               typically the external attacker - is passed unchanged
 *
 * Prefixes (anon_prefix) are for the "same source network seen by several
 * countries" comparison: the /24 or /48 of an address, hidden with the same
 * method. For cryptopan the hidden prefix is the prefix of the hidden address
 * (prefix preservation), so prefixes of one key compare across countries.
 *
 * Text output is compact (RFC 5952 for IPv6). An IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) is an IPv6 address here: callers that want it treated as
 * IPv4 convert it first. Typical use:
 *
 *   struct anon_policy p;
 *   anon_policy_init(&p);
 *   if (anon_policy_parse(&p, "cryptopan", err, sizeof(err)) ||
 *       anon_policy_load_key(&p, "/etc/ictwatch/region.key", err, sizeof(err)) ||
 *       anon_policy_set_scope(&p, "internal", err, sizeof(err)) ||
 *       anon_policy_add_internal(&p, "[10.0.0.0/8, 2001:db8::/32]", err, sizeof(err)) ||
 *       anon_policy_check(&p, err, sizeof(err)))
 *       ... report err, prefixed with the config file:line ...
 *   char text[ANON_TEXT_MAX];
 *   anon_format(&p, &addr, text, sizeof(text));
 *   anon_prefix(&p, &addr, 0, text, sizeof(text));   // default /24 or /48
 *   anon_policy_free(&p);
 *
 * After setup the policy is read-only: threads may share it.
 */
#ifndef ICTWATCH_ANON_H
#define ICTWATCH_ANON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "crypto.h"
#include "cryptopan.h"
#include "ictwatch/common.h"

enum anon_method { ANON_NONE = 0, ANON_TRUNCATE, ANON_HMAC, ANON_CRYPTOPAN };
enum anon_scope { ANON_SCOPE_BOTH = 0, ANON_SCOPE_INTERNAL };

#define ANON_KEYLEN 32
#define ANON_TRUNCATE_V4_DEFAULT 24
#define ANON_TRUNCATE_V6_DEFAULT 48
#define ANON_PREFIX_V4_DEFAULT 24
#define ANON_PREFIX_V6_DEFAULT 48
/* Longest text anon_format/anon_prefix write, NUL included
 * (a full IPv6 address or "h:" + 16 hex digits, then "/128"). */
#define ANON_TEXT_MAX (ICTW_ADDR_STRLEN + 5)

struct anon_net {
    struct ictw_addr prefix;    /* host bits zero */
    unsigned bits;
};

struct anon_policy {
    enum anon_method method;
    enum anon_scope scope;
    unsigned v4_bits, v6_bits;          /* truncate: leading bits kept */
    bool have_key;
    struct cryptopan cp;                /* method cryptopan */
    struct crypto_hmac_sha256 hmac;     /* method hmac: keyed, copied per use */
    struct anon_net *internal;          /* own constituency's networks */
    size_t n_internal, cap_internal;
};

/* Method none, scope both, truncation 24/48, no key, no networks. */
void anon_policy_init(struct anon_policy *p);
/* Frees the network list and wipes the keys; p can be init'ed again. */
void anon_policy_free(struct anon_policy *p);

/* Sets the method from "cryptopan", "hmac", "none", "truncate",
 * "truncate:V4" or "truncate:V4:V6" (V4 in 0..31, V6 in 0..127; names are
 * case-insensitive). Changing the method drops a key already loaded.
 * 0, or -1 with err ("anonymisation policy 'x': what; expected ..."). */
int anon_policy_parse(struct anon_policy *p, const char *spec, char *err, size_t errlen);
/* Reads the policy's 32-byte key from a key file (keyfile.h). -1 with err
 * when the file is refused or the method takes no key. */
int anon_policy_load_key(struct anon_policy *p, const char *path, char *err, size_t errlen);
/* Same with the key in memory (the caller may wipe it afterwards). */
int anon_policy_set_key(struct anon_policy *p, const uint8_t key[ANON_KEYLEN], char *err,
                        size_t errlen);
/* True for cryptopan and hmac. */
bool anon_policy_needs_key(const struct anon_policy *p);
/* "internal" or "both". 0, or -1 with err. */
int anon_policy_set_scope(struct anon_policy *p, const char *scope, char *err, size_t errlen);
/* Adds own networks: one "10.0.0.0/8", "2001:db8::/32", "192.0.2.7" (a
 * host) or a comma-separated list of them, optionally in [ ] as HOME_NET is
 * written. Host bits after the length are ignored. Negations ('!'), "any"
 * and $VARIABLES are refused. 0, or -1 with err (nothing of a bad list is
 * added). */
int anon_policy_add_internal(struct anon_policy *p, const char *nets, char *err, size_t errlen);
/* Checks the policy can run: key present when needed, networks present
 * for scope internal. 0, or -1 with err saying what to configure. */
int anon_policy_check(const struct anon_policy *p, char *err, size_t errlen);

/* "cryptopan", "truncate:24:48", "hmac", "none": the spec that parses back. */
void anon_policy_describe(const struct anon_policy *p, char *buf, size_t len);
/* True unless the method is hmac (whose output is not an address). */
bool anon_policy_keeps_addresses(const struct anon_policy *p);

/* True when a lies inside one of the own networks. */
bool anon_is_internal(const struct anon_policy *p, const struct ictw_addr *a);
/* True when the policy hides a: scope both, or a is internal. */
bool anon_applies(const struct anon_policy *p, const struct ictw_addr *a);

/* Hides a into an address (methods none, truncate, cryptopan; any method
 * when a is out of scope). Returns 1 when the method was applied (even if
 * the result happens to equal a), 0 when a passed as it is (method none or
 * out of scope), -1 for a family other than 4/6 or an in-scope address
 * under hmac (use anon_format). in == out is allowed. */
int anon_address(const struct anon_policy *p, const struct ictw_addr *in, struct ictw_addr *out);
/* Hides a into text: an address, or "h:XXXXXXXXXXXXXXXX" under hmac.
 * Returns 1 (hidden), 0 (unchanged), -1 (bad family or buf too small;
 * buf = ""). */
int anon_format(const struct anon_policy *p, const struct ictw_addr *a, char *buf, size_t len);
/* Hides the /bits prefix of a (bits 0 = the default 24 or 48) into text
 * "ADDRESS/BITS" or "h:XXXXXXXXXXXXXXXX/BITS". A prefix is in scope when it
 * overlaps an own network. truncate never shows more than its own length:
 * a /32 under truncate:24 comes out as "a.b.c.0/24". Returns as anon_format;
 * -1 also when bits exceeds the family's length. */
int anon_prefix(const struct anon_policy *p, const struct ictw_addr *a, unsigned bits, char *buf,
                size_t len);

#endif
