/* uuid.h - name-based UUIDs (version 5, RFC 9562 / RFC 4122) and STIX ids.
 *
 * Exports must be deterministic: re-exporting the same window must give the
 * same object ids, so that a receiver updates instead of duplicating. A v5
 * UUID is SHA-1(namespace || name) with the version and variant bits set, so
 * the same (namespace, name) always gives the same UUID.
 *
 * Namespaces used by ictwatch:
 *
 *   uuid_ns_ictwatch   = uuid5(uuid_ns_url, "urn:ictwatch:stix")
 *                      = d63f3063-018d-5386-a186-8757ff521b67 (fixed forever)
 *   producer namespace = uuid5(uuid_ns_ictwatch, PRODUCER), uuid_producer_namespace();
 *                        PRODUCER is the exporting CERT's stable id (e.g. its
 *                        identity name or country code). Two national collectors
 *                        therefore never mint the same id for their own objects.
 *   uuid_ns_stix_sco   = 00abedb4-aa42-466c-9c01-fed23315a9b7, the namespace
 *                        STIX 2.1 fixes for cyber-observable (SCO) ids; never
 *                        use it for our own objects.
 *
 * STIX ids of our own objects (uuid_stix_id):
 *
 *   TYPE "--" uuid5(NS, TYPE "|" NAME)
 *
 * The type is hashed with the name so that an indicator and a sighting built
 * from the same NAME still get different UUIDs (STIX wants a UUID unique
 * across types). NAME is what identifies the object, e.g.
 * "203.0.113.0/24|KZ|1795690800|3600" (key|scope|window start|window length).
 *
 * SCO ids (uuid_stix_sco_id) follow the STIX rule instead: TYPE "--"
 * uuid5(uuid_ns_stix_sco, canonical JSON of the id-contributing properties),
 * e.g. ipv4-addr with {"value":"203.0.113.45"} gives
 * ipv4-addr--cb9d70c5-d244-531c-9efb-bcae57adc793.
 */
#ifndef ICTWATCH_UUID_H
#define ICTWATCH_UUID_H

#include <stddef.h>
#include <stdint.h>

struct uuid {
    uint8_t b[16];
};

/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" plus the NUL. */
#define UUID_STRLEN 37
/* Longest STIX type (250, the spec's limit) + "--" + a UUID + NUL. */
#define UUID_STIX_ID_MAX (250 + 2 + UUID_STRLEN)

extern const struct uuid uuid_ns_dns;       /* RFC 9562 appendix C */
extern const struct uuid uuid_ns_url;
extern const struct uuid uuid_ns_oid;
extern const struct uuid uuid_ns_x500;
extern const struct uuid uuid_ns_stix_sco;  /* STIX 2.1 SCO namespace */
extern const struct uuid uuid_ns_ictwatch;  /* our own, see above */

/* out = UUIDv5 of name (len bytes, no terminator implied) in namespace ns. */
void uuid_v5(const struct uuid *ns, const void *name, size_t len, struct uuid *out);
/* Namespace for one producer's ids: uuid5(uuid_ns_ictwatch, producer). */
void uuid_producer_namespace(const char *producer, struct uuid *out);

/* Lowercase canonical text into buf (len >= UUID_STRLEN, else buf = ""). Returns buf. */
char *uuid_format(const struct uuid *u, char *buf, size_t len);
/* Parses the canonical 8-4-4-4-12 form (hex in either case). 0, or -1. */
int uuid_parse(const char *s, struct uuid *out);

/* Writes TYPE--uuid5(ns, TYPE|NAME) into buf. -1 (buf = "") when type is not
 * a valid STIX type (3..250 of [a-z0-9-], starting with a letter, no "--")
 * or buf is too small; else the length written. */
int uuid_stix_id(const struct uuid *ns, const char *type, const char *name, char *buf,
                 size_t len);
/* Writes TYPE--uuid5(uuid_ns_stix_sco, canonical_json) into buf; the caller
 * gives the RFC 8785 canonical JSON of the id-contributing properties.
 * Same return values as uuid_stix_id. */
int uuid_stix_sco_id(const char *type, const char *canonical_json, char *buf, size_t len);

#endif
