/* stix.h - a STIX 2.1 bundle of the shared aggregates.
 *
 * Objects (all ids deterministic, uuid.h, so re-exporting a window updates
 * instead of duplicating):
 *   - the TLP 2.0 marking definitions the bundle references (an extension, so
 *     they are always included);
 *   - an identity for the exporting CERT (the producer);
 *   - a location for its country (where_sighted_refs of the sightings);
 *   - per window, an indicator for every source at or above the threshold
 *     ([ipv4-addr:value = '...'] or ipv6-addr; addresses hidden by the policy),
 *     and a summary sighting of it: count, first_seen/last_seen = the window.
 * created = the end of the window (deterministic); modified = the export time,
 * so a corrected count becomes a new version of the same object. Every object
 * carries the marking of its window's level. Validated in the tests against the
 * OASIS STIX 2.1 JSON schemas (docs/sharing.md says which and how).
 */
#ifndef ICTWATCH_STIX_H
#define ICTWATCH_STIX_H

#include <stddef.h>

#include "export.h"
#include "sharedoc.h"

int stix_write_bundle(const struct share_doc *d, const struct release *rel, const char *path, char *err,
                      size_t errlen);

#endif
