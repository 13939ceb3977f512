/* status.h - `ictwatch-collector status`: is every sensor and collector alive and keeping up?
 *
 * One row per sensor: country and organisation, the heartbeat's last_seen and age,
 * the stream's length, the group's lag (entries not yet delivered) and pending count
 * (delivered, not yet applied), dead letters, and the collector's counters (alerts,
 * late in the smallest window, ignored, lost). Then the collectors' own heartbeats.
 * Read-only: it creates no group and changes no key.
 */
#ifndef ICTWATCH_STATUS_H
#define ICTWATCH_STATUS_H

#include "ictwatch/config.h"
#include "ictwatch/log.h"
#include "settings.h"

int status_run(const struct coll_settings *s, const struct config *cfg, const struct log_ctx *lg);

#endif
