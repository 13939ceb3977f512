/* misp.h - a MISP feed of the shared aggregates: a directory a MISP instance can pull.
 *
 *   DIR/manifest.json     event uuid -> {info, Orgc, analysis, threat_level_id, date, timestamp, Tag}
 *   DIR/<uuid>.json       one event per window: {"Event": {...}}
 *   DIR/hashes.csv        md5(attribute value),event uuid - for MISP's feed cache/correlation
 *
 * An event holds an ip-src attribute per source at or above the threshold (hidden by
 * the policy; to_ids only when the address is real, i.e. policy none or the address
 * out of scope - a pseudonym must never reach a block list) and a text attribute per
 * top signature. Event and attribute uuids are UUIDv5 of the producer's namespace
 * (uuid.h), so a re-export replaces; the TLP level is the event's tlp:* tag.
 */
#ifndef ICTWATCH_MISP_H
#define ICTWATCH_MISP_H

#include <stddef.h>

#include "export.h"
#include "sharedoc.h"

int misp_write_feed(const struct share_doc *d, const struct release *rel, const char *dir, char *err,
                    size_t errlen);

#endif
