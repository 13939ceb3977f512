/* ingest.h - `ictwatch-collector run`: consume all sensor streams into aggregates.
 *
 * The loop, per round:
 *   - now and then: discover sensors, re-read heartbeats, reclaim entries left
 *     pending by a dead consumer (XAUTOCLAIM after claim-idle), trim streams;
 *   - after a start or a reconnect: re-read this consumer's own pending entries
 *     (XREADGROUP ... 0), which a crash may have left behind;
 *   - otherwise: XREADGROUP ... > with BLOCK across all streams;
 *   - each stream's entries become one batch (batch.h) applied by the apply script
 *     (apply.h), pipelined across streams.
 * SIGTERM/SIGINT set *stop; the batch in hand is finished, then the loop returns.
 * A lost Redis connection is retried with a growing delay; nothing is lost meanwhile
 * because unapplied entries stay pending in the group.
 */
#ifndef ICTWATCH_INGEST_H
#define ICTWATCH_INGEST_H

#include <signal.h>
#include <stdbool.h>

#include "ictwatch/log.h"
#include "settings.h"

/* Returns the process exit status (0 after a clean stop). */
/* drain: return once every stream has been read to its end (for scripts and benchmarks). */
int ingest_run(const struct coll_settings *s, const struct log_ctx *lg, volatile sig_atomic_t *stop,
               bool drain);

#endif
