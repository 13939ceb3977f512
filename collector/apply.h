/* apply.h - applies a batch to Redis exactly once, and trims streams safely.
 *
 * The apply script runs atomically inside Redis. It first checks that every entry
 * of the batch is still pending for THIS consumer in the group (XPENDING over the
 * batch's id range, filtered by consumer). If one is not (another consumer took it
 * over with XAUTOCLAIM, or it was already acknowledged), the script changes nothing
 * and returns those ids; the caller drops them and sends the rest again. Otherwise
 * it acknowledges all ids, adds the increments, writes the dead letters and bumps
 * the counters, in the same script. So an entry's contribution is applied exactly
 * when its XACK happens, and an id leaves a consumer's pending list only once:
 * a crash before the script leaves the entries pending (they are re-read or
 * reclaimed), a crash after it leaves nothing to redo, and two consumers holding
 * the same entry cannot both pass the ownership check.
 *
 * The trim script computes, for one stream, the oldest entry some group still needs
 * (the smallest pending id of every group, or the entry after its last-delivered id)
 * and removes only what is below it (XTRIM MINID), in one atomic step.
 */
#ifndef ICTWATCH_APPLY_H
#define ICTWATCH_APPLY_H

#include <stddef.h>
#include <stdint.h>

#include "rconn.h"

struct apply_scripts {
    struct rconn_script apply;
    struct rconn_script trim;
};

void apply_scripts_init(struct apply_scripts *s);
/* Loads both scripts on the connection's server (SCRIPT LOAD). */
int apply_scripts_load(struct rconn *r, struct apply_scripts *s);

enum apply_status { APPLY_DONE = 1, APPLY_NOT_OWNED = 0, APPLY_ERROR = -1 };

struct apply_outcome {
    enum apply_status status;
    uint64_t applied, late;       /* alerts counted in windows / counted as late */
    redisReply *reply;            /* kept for not_owned ids; freed by apply_outcome_free */
    char **not_owned;             /* ids that are not pending for this consumer */
    size_t *not_owned_len;
    size_t n_not_owned;
};

/* Interprets the script's reply (takes ownership of x). */
void apply_outcome_parse(struct apply_outcome *o, redisReply *x, const struct rconn *r, char *err,
                         size_t errlen);
void apply_outcome_free(struct apply_outcome *o);

/* Trims one stream below what every group still needs. Returns the number of
 * entries removed, or -1 with err. */
long long apply_trim(struct rconn *r, struct apply_scripts *s, const char *stream, char *err, size_t errlen);

#endif
