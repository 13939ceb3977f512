/* batch.h - one sensor stream's batch of entries, validated and pre-aggregated.
 *
 * The exactly-once unit is a batch: the increments of all its valid alerts, its
 * dead letters, its counters and the XACK of all its entry ids are applied by one
 * Lua script (apply.h), atomically. This module turns the entries into that
 * script's arguments. Alerts sharing a window and a dimension tuple become one
 * increment (with first/last time), (signature, source) pairs one ZINCRBY, and
 * the sources and destinations of a grain one PFADD, so the script does far less
 * work than one command per alert.
 *
 * Entry ids and raw data are borrowed from the caller (the XREADGROUP reply) and
 * must stay valid until the arguments have been sent.
 */
#ifndef ICTWATCH_BATCH_H
#define ICTWATCH_BATCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rconn.h"
#include "settings.h"
#include "strmap.h"
#include "validate.h"

struct batch_dead {
    const char *id;
    size_t id_len;
    enum validate_result reason;
    size_t detail_off;       /* into the batch's text arena */
    const char *data;        /* raw record, truncated to dead.data-max; may be NULL */
    size_t data_len, orig_len;
};

struct batch {
    const struct coll_settings *set;
    struct validate_limits lim;
    char sensor[COLL_MAX_SENSOR_ID + 1];
    char tuple_head[1024];      /* escaped "sensor|country|organisation|" */
    size_t tuple_head_len;
    enum tlp_level sensor_tlp;  /* the sensor's level (default raised by config/heartbeat) */

    /* entries */
    const char **ids;
    size_t *id_lens;
    size_t nids, ids_cap;
    const char *min_id, *max_id;
    size_t min_id_len, max_id_len;
    struct rconn_sid min_sid, max_sid;
    struct batch_dead *dead;
    size_t ndead, dead_cap;
    uint64_t n_valid, n_ignored, n_lost;
    uint64_t dead_by_reason[VALIDATE_RESULT_COUNT];
    uint64_t ts_max;            /* newest valid event, microseconds */

    /* pre-aggregation */
    struct strmap buckets;      /* (window index, start) */
    struct strmap tuples;       /* bucket + tuple */
    struct strmap tops;         /* bucket + sig + '|' + source */
    struct strmap grains;       /* bucket + grain */
    struct strmap members;      /* grain index + 's'/'d' + address */
    struct strmap sigs;         /* gid:sid:rev */
    uint64_t *tuple_count;
    size_t tuple_cap;
    uint64_t *grain_first, *grain_last;
    size_t grain_cap;
    uint64_t *top_count;
    size_t top_cap;
    size_t *sig_msg_off;        /* into text arena */
    size_t sig_cap;

    /* text arena: details, messages, numbers of the arguments */
    char *text;
    size_t tlen, tcap;

    /* the script's arguments */
    const char **argv;
    size_t *argl;
    size_t *arg_off;            /* for text-arena arguments: offset, else SIZE_MAX */
    size_t argc, arg_cap;
    bool oom;
};

void batch_init(struct batch *b, const struct coll_settings *set);
void batch_free(struct batch *b);

/* Starts a new batch for a sensor; country and organisation label its alerts. */
void batch_begin(struct batch *b, const char *sensor, const char *country, const char *organisation,
                 enum tlp_level sensor_tlp, uint64_t now_usec);
/* Adds an entry: data is its `eve` value (NULL when it has none). */
void batch_add(struct batch *b, const char *id, size_t id_len, const char *data, size_t len);
/* Adds an entry whose data was deleted from the stream (trimmed while pending). */
void batch_add_lost(struct batch *b, const char *id, size_t id_len);

/* Builds the apply script's arguments (see apply.c for their layout). Returns the
 * number of arguments (keys first: 3), or -1 on out of memory. */
int batch_build_args(struct batch *b, const char *group, const char *consumer, const char ***argv,
                     const size_t **lens);

#endif
