/* evescan.h - an allocation-free, validating scan of one EVE record for the fields
 * the collector reads.
 *
 * jansson builds a tree of every value of a record (about forty values in a 1 kB
 * alert, each one malloc'ed and freed again), which cost half of the collector's
 * CPU. This scanner walks the bytes once, checks the whole record against the JSON
 * grammar and remembers only where the seventeen fields of struct evescan are.
 *
 * It accepts a strict subset of what json_loadb(JSON_REJECT_DUPLICATES) accepts and
 * gives up (returns false) on anything it is not sure about: a \u escape, an
 * escaped object key, a duplicate key, an integer of more than 18 digits, a real
 * number that might overflow, nesting deeper than EVESCAN_MAX_DEPTH, more than
 * EVESCAN_MAX_KEYS keys in the open objects, and of course every syntax error and
 * every byte that is not UTF-8. validate.c then parses the record with jansson,
 * which produces the exact dead-letter reason. So a record this scanner accepts is
 * one jansson accepts, with the same values: a string without escapes is its
 * bytes, an integer its value. Strings that contain an escape are only marked
 * (`escaped`), not decoded; validate.c takes the jansson path for those when it
 * needs their text.
 */
#ifndef ICTWATCH_EVESCAN_H
#define ICTWATCH_EVESCAN_H

#include <stdbool.h>
#include <stddef.h>

#define EVESCAN_MAX_DEPTH 32
#define EVESCAN_MAX_KEYS 512

enum evescan_type {
    EVS_ABSENT = 0,
    EVS_STRING,
    EVS_INTEGER,
    EVS_REAL,
    EVS_TRUE,
    EVS_FALSE,
    EVS_NULL,
    EVS_OBJECT,
    EVS_ARRAY,
};

/* The fields the collector reads (paths in the record). */
enum evescan_field {
    EVF_EVENT_TYPE,      /* event_type */
    EVF_TIMESTAMP,       /* timestamp */
    EVF_SRC_IP,          /* src_ip */
    EVF_DEST_IP,         /* dest_ip */
    EVF_PROTO,           /* proto */
    EVF_APP_PROTO,       /* app_proto */
    EVF_SRC_PORT,        /* src_port */
    EVF_DEST_PORT,       /* dest_port */
    EVF_ALERT,           /* alert */
    EVF_SIGNATURE_ID,    /* alert.signature_id */
    EVF_GID,             /* alert.gid */
    EVF_REV,             /* alert.rev */
    EVF_SEVERITY,        /* alert.severity */
    EVF_SIGNATURE,       /* alert.signature */
    EVF_CATEGORY,        /* alert.category */
    EVF_METADATA,        /* alert.metadata */
    EVF_TLP,             /* alert.metadata.tlp[0], or alert.metadata.tlp when it is no array */
    EVF_COUNT
};

struct evescan_value {
    enum evescan_type type;
    bool escaped;              /* a string with a backslash escape: s/n are its raw text */
    const char *s;             /* strings: the text between the quotes (not NUL-terminated) */
    size_t n;
    long long i;               /* integers */
};

struct evescan {
    struct evescan_value f[EVF_COUNT];
};

/* Scans data[0..len). True when it is a JSON object that jansson accepts too, with
 * the fields found filled in (absent ones EVS_ABSENT); false when unsure. */
bool evescan_record(const char *data, size_t len, struct evescan *out);

#endif
