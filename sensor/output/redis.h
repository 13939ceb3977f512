/* redis.h - the Redis sink: EVE records to a stream, pub/sub and lists, with
 * nothing lost while Redis is away.
 *
 * The packet path calls redis_sink_submit(), which copies the record into a
 * bounded queue and returns; one output thread owns the hiredis connection
 * (hiredis is not thread-safe) and sends pipelined batches:
 *
 *   XADD  <stream-key> [MAXLEN ~ N] <ms>-<seq> eve <json>     (mode stream)
 *   PUBLISH <channel> <json>  [+ PUBLISH <channel>:sev<N>]     (mode publish)
 *   LPUSH|RPUSH <list-key> <json>                              (mode lpush/rpush)
 *
 * Stream entry ids are chosen by the sensor, not by Redis, and travel with
 * each record through the queue and the spool; a record sent again after a
 * lost connection or a crash is then refused by Redis as "equal or smaller
 * than the top item", which is how the stream gets every record exactly once
 * and in order (docs/redis.md has the whole argument). When Redis is
 * unreachable, too slow or refuses writes, records go to a disk spool
 * (spool.h) and are sent, oldest first, before newer ones once it is back.
 *
 * A heartbeat hash ictwatch:sensor:{ID} is refreshed every heartbeat.interval
 * with the numbers given to redis_sink_heartbeat(), and expires at 3x that.
 */
#ifndef ICTWATCH_REDIS_H
#define ICTWATCH_REDIS_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ictwatch/common.h"
#include "output.h"

struct config;
struct log_ctx;
struct redis_sink;

/* What the heartbeat publishes besides the sink's own numbers. Strings are
 * copied; NULL means "not set". Times are wall-clock microseconds. */
struct redis_heartbeat_info {
    const char *version, *country, *organisation;
    ictw_usec started;
    uint64_t packets, drops_kernel, drops, flows, alerts, rules_loaded;
};

struct redis_sink_stats {
    uint64_t submitted;          /* records handed to the sink (kinds it takes) */
    uint64_t delivered;          /* records every configured mode confirmed */
    uint64_t skipped_resumed;    /* resumed replay: records an earlier run already sent */
    uint64_t xadd_ok, xadd_duplicate;  /* duplicate: resent, refused by id (already there) */
    uint64_t publish_ok, push_ok;
    uint64_t out_of_order;       /* refused, overtaken, then added with a fresh id */
    uint64_t error_replies;      /* error replies other than duplicates */
    uint64_t connects, disconnects, connect_failures, batches;
    uint64_t spooled;            /* records written to the spool */
    uint64_t spool_records, spool_bytes;   /* in the spool now */
    uint64_t dropped_queue_full; /* live capture: queue full and no room on disk */
    uint64_t dropped_spool_cap;  /* the spool's size cap dropped the oldest */
    uint64_t dropped_other;      /* no spool configured, spool write failed, too big */
};

/* Creates the sink from the redis.*, spool.* and heartbeat.* settings and
 * starts its thread. Returns NULL with err[0] == '\0' when redis.url is not
 * set (no Redis output), NULL with a message on a bad setting or an unusable
 * spool. live: capturing from an interface (never wait for Redis). */
struct redis_sink *redis_sink_new(const struct config *cfg, const char *sensor_id, bool live,
                                  const struct log_ctx *lg, char *err, size_t errlen);
/* The flag SIGINT/SIGTERM set: once it is set the sink stops waiting for
 * Redis (replay-wait) and spools instead, and a replay that was stopped
 * stays resumable. */
void redis_sink_set_stop_flag(struct redis_sink *s, const volatile sig_atomic_t *stop);
/* True when records of this kind go to Redis (so the caller builds them). */
bool redis_sink_wants(const struct redis_sink *s, enum eve_kind kind);
/* Copies one record (JSON without newline) into the queue. Never blocks when
 * live; may wait for room when replaying with replay-wait. */
void redis_sink_submit(struct redis_sink *s, enum eve_kind kind, int severity, const char *json,
                       size_t len);
/* Updates the numbers the next heartbeat publishes (any thread). */
/* A signal stopped a replay before the end of its input. Records submitted
 * from now on (flows ended at the stop) are sent but are not records of the
 * input: a replay resumed with the same input makes the input's records from
 * this point on and numbers them after these, so none is skipped. Called from
 * the thread that submits; nothing for live capture. */
void redis_sink_input_stopped(struct redis_sink *s);
void redis_sink_heartbeat(struct redis_sink *s, const struct redis_heartbeat_info *info);
/* Sends what is queued and spooled (for at most redis.close-timeout), spools
 * the rest, saves the spool state, stops the thread and frees the sink. */
void redis_sink_close(struct redis_sink *s);
/* A consistent snapshot of the counters (any thread). */
void redis_sink_stats(const struct redis_sink *s, struct redis_sink_stats *out);

#endif
