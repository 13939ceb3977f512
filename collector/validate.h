/* validate.h - checks one stream entry and extracts the alert facts the aggregates need.
 *
 * Everything in a sensor stream is hostile: a compromised sensor, a bug, or anyone
 * with write access to the key can put any bytes there. An entry is accepted only
 * when it is an EVE alert whose fields have the types Suricata writes and sane
 * values; otherwise validate_entry() names one reason (a stable code that goes into
 * the dead-letter stream and the counters) and a detail for people. Valid EVE
 * records of other event types (flow, stats) are "ignored", not dead: a sensor may
 * legitimately publish them.
 *
 * Strings of the result point into the parsed JSON (valid until validate_release()).
 */
#ifndef ICTWATCH_VALIDATE_H
#define ICTWATCH_VALIDATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ictwatch/common.h"

enum validate_result {
    VALID_ALERT = 0,
    VALID_IGNORED,          /* a well-formed EVE record that is not an alert */
    INVALID_NO_EVE_FIELD,
    INVALID_OVERSIZED,
    INVALID_NOT_UTF8,
    INVALID_NOT_JSON,
    INVALID_NOT_OBJECT,
    INVALID_MISSING_FIELD,
    INVALID_WRONG_TYPE,
    INVALID_OUT_OF_RANGE,
    INVALID_FIELD_TOO_LONG,
    INVALID_BAD_TIMESTAMP,
    INVALID_FUTURE_TIMESTAMP,
    INVALID_TOO_OLD,
    INVALID_BAD_ADDRESS,
    VALIDATE_RESULT_COUNT
};

/* Stable reason code: "not-json", "missing-field", ... ("ok", "ignored" for the first two). */
const char *validate_reason_name(enum validate_result r);

struct validate_limits {
    uint64_t max_entry;     /* bytes of the whole record */
    ictw_usec min_time;     /* earliest plausible event time */
    ictw_usec max_time;     /* latest plausible event time (wall clock + max future) */
};

/* Longest accepted string fields (longer is INVALID_FIELD_TOO_LONG). */
#define VALIDATE_MAX_SIGNATURE 1024
#define VALIDATE_MAX_CATEGORY 256
#define VALIDATE_MAX_SHORT 64       /* app_proto, proto */

struct eve_alert {
    ictw_usec ts;
    uint32_t gid, sid, rev;
    unsigned severity;
    const char *msg;          size_t msg_len;
    const char *category;     size_t category_len;
    const char *app_proto;    size_t app_proto_len;   /* "" when absent */
    const char *proto;        size_t proto_len;
    int dest_port;            /* -1 when absent */
    const char *tlp;          size_t tlp_len;         /* alert.metadata.tlp[0], "" when absent */
    struct ictw_addr src, dst;
    void *json;               /* the parsed record (json_t), owned */
};

/* Checks data[0..len) (the stream entry's `eve` value; data NULL = no such field).
 * On VALID_ALERT, *out holds the facts and must be released with validate_release().
 * On any other result, detail (if not NULL) says what is wrong, for people. */
enum validate_result validate_entry(const char *data, size_t len, const struct validate_limits *lim,
                                    struct eve_alert *out, char *detail, size_t detail_len);
void validate_release(struct eve_alert *a);

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates, <= U+10FFFF).
 * *bad_at is set to the offset of the first bad byte otherwise. */
bool validate_utf8(const char *s, size_t n, size_t *bad_at);

#endif
