/* share.h - `ictwatch-collector share`: push the national aggregates to a regional Redis.
 *
 *   share --to redis://REGIONAL:6379 --as KZ [--since 7d] [--window day] [--tlp green]
 *         [--anonymize cryptopan] [--recipient NAME] [--every 1h]
 *
 * Each window becomes one entry of the stream ictwatch:share:{KZ} on the regional Redis
 * (fields window, length, tlp, digest, doc = the JSON of sharedoc.h). Exactly once per
 * window: a script keeps the index ictwatch:share:{KZ}:windows (window -> entry id and
 * SHA-256 of the document) and, atomically, leaves an unchanged window alone or deletes
 * the old entry and adds the new one, so a re-sent window replaces itself. With --every
 * the push repeats until SIGTERM. RED data is never written there (sharedoc.h and a
 * second check per window before the push).
 */
#ifndef ICTWATCH_SHARE_H
#define ICTWATCH_SHARE_H

#include <signal.h>

#include "ictwatch/config.h"
#include "ictwatch/log.h"
#include "rconn.h"
#include "settings.h"

int share_run(const struct coll_settings *s, const struct config *cfg, const struct log_ctx *lg,
              volatile sig_atomic_t *stop);

/* Opens the regional Redis of --to/--from with regional.password-file or the
 * environment variable of regional.password-env (default ICTWATCH_REGIONAL_PASSWORD). */
int share_open_regional(struct rconn *r, const char *url, const struct config *cfg, const struct coll_settings *s,
                        char **password, const struct log_ctx *lg);

#endif
