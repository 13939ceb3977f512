/* export.h - `ictwatch-collector export`: anonymised, TLP-marked files for other CERTs.
 *
 *   export --since 24h [--window day] --format json|stix|misp --tlp green --anonymize cryptopan
 *          [--recipient NAME] [--as CC] [--producer NAME] [--threshold N] --out DIR
 *
 * The release decision is made before anything is written: the export's own level
 * (--tlp) must be releasable to the recipient (RED never is; AMBER and AMBER+STRICT
 * only to recipients named in tlp.amber-recipients), and every aggregated tuple is
 * checked again at its own level (sharedoc.h) - what may not go is left out.
 *
 * export_prepare() reads the settings shared with `share` into a struct release.
 */
#ifndef ICTWATCH_EXPORT_H
#define ICTWATCH_EXPORT_H

#include "anon.h"
#include "ictwatch/config.h"
#include "ictwatch/log.h"
#include "settings.h"
#include "sharedoc.h"
#include "uuid.h"

struct release {
    struct share_spec spec;
    struct anon_policy anon;
    char **allowed;              /* tlp.amber-recipients, split on commas */
    size_t n_allowed;
    char country[16];
    char producer[128];
    char recipient[256];
    struct uuid ns;              /* the producer's UUIDv5 namespace */
};

/* Fills rel from the settings; default_recipient names the destination when
 * --recipient is not given. 0, or -1 after logging what is wrong. */
int export_prepare(struct release *rel, const struct coll_settings *s, const struct config *cfg,
                   const char *default_recipient, const struct log_ctx *lg);
void export_release_free(struct release *rel);
/* True when the export's own level may go to the recipient (logs why not). */
bool export_may_release(const struct release *rel, const struct log_ctx *lg);

int export_run(const struct coll_settings *s, const struct config *cfg, const struct log_ctx *lg);

#endif
