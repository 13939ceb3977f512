/* tlp.h - Traffic Light Protocol 2.0 levels and the release rules the collector enforces.
 *
 * Levels, from least to most restrictive (FIRST TLP 2.0, 2022):
 *
 *   TLP:CLEAR < TLP:GREEN < TLP:AMBER < TLP:AMBER+STRICT < TLP:RED
 *
 * The enum is in that order, so "more restrictive" is ">" and an aggregate
 * takes tlp_max() of its inputs: it never carries a level lower than any of
 * them. Sensors and rules raise what they feed the same way.
 *
 * Release rules (tlp_may_release), for every export and every push to a
 * regional store:
 *   RED                  never leaves the national collector, whoever asks
 *   AMBER, AMBER+STRICT  only to recipients named in the configuration
 *   GREEN, CLEAR         to any configured destination
 * AMBER+STRICT restricts what the *recipient* may do (its own organisation
 * only); for us it releases like AMBER. Naming a regional store that several
 * CERTs read as an AMBER+STRICT recipient treats them all as one
 * organisation - the configuration must only do that when the agreement says so.
 *
 * Names for the wire formats are fixed tables (tested against
 * ../shared/reference/sharing.md 1.3 and 2): STIX 2.1 TLP 2.0 marking
 * definitions (an extension, so include the marking object in every bundle
 * that references it) and MISP "tlp" taxonomy tags.
 */
#ifndef ICTWATCH_TLP_H
#define ICTWATCH_TLP_H

#include <stdbool.h>
#include <stddef.h>

enum tlp_level {
    TLP_CLEAR = 0,
    TLP_GREEN = 1,
    TLP_AMBER = 2,
    TLP_AMBER_STRICT = 3,
    TLP_RED = 4,
};
#define TLP_LEVELS 5

/* STIX 2.1: the TLP 2.0 extension definition every TLP 2.0 marking object
 * names in its "extensions", and the "created" time of those objects. */
#define TLP_STIX_EXTENSION_ID "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
#define TLP_STIX_MARKING_CREATED "2022-10-01T00:00:00.000Z"

/* Parses "TLP:AMBER+STRICT", "amber+strict", "clear", ... (case-insensitive,
 * "TLP:" optional). "WHITE" (TLP 1.0) is read as CLEAR: returns 1 with a note
 * in msg. Returns 0 on success, -1 with an error in msg. */
int tlp_parse(const char *s, enum tlp_level *out, char *msg, size_t msglen);

/* For a valid level; NULL for any other value.
 *   tlp_name:            "TLP:AMBER+STRICT"  (how people write it)
 *   tlp_value:           "amber+strict"      (STIX "tlp_2_0" property)
 *   tlp_misp_tag:        "tlp:amber+strict"  (MISP tag name)
 *   tlp_stix_marking_id: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003" */
const char *tlp_name(enum tlp_level l);
const char *tlp_value(enum tlp_level l);
const char *tlp_misp_tag(enum tlp_level l);
const char *tlp_stix_marking_id(enum tlp_level l);

/* The more restrictive of two levels. */
enum tlp_level tlp_max(enum tlp_level a, enum tlp_level b);

/* May data at `level` go to `recipient`? `allowed` lists the n_allowed
 * recipients the configuration names for AMBER and AMBER+STRICT (compared
 * case-insensitively). A missing or empty recipient, and any value that is
 * not a level, are refused. When why is not NULL it receives a sentence
 * saying why (static storage), for the log. */
bool tlp_may_release(enum tlp_level level, const char *recipient, const char *const *allowed,
                     size_t n_allowed, const char **why);

#endif
