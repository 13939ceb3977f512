/* redis_queue.h - the bounded queue between the packet path and the Redis thread.
 *
 * Producers (packet threads) push copies of finished records; the one Redis
 * output thread pops them in batches. The queue is bounded in records. When
 * it is full a producer either gets REDIS_QUEUE_FULL at once (live capture:
 * the packet path never waits) or waits for room (file replay with
 * replay-wait), until the consumer takes records or turns waiting off.
 *
 * Each record gets its stream id while the queue lock is held, through a
 * callback, so that ids increase in exactly the order records are queued
 * even with several producers.
 */
#ifndef ICTWATCH_REDIS_QUEUE_H
#define ICTWATCH_REDIS_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct redis_qrec {
    uint64_t id_ms, id_seq;
    uint8_t kind;
    int8_t severity;
    uint32_t len;
    char *json;              /* malloc'd; owned by whoever holds the record */
};

enum redis_queue_result { REDIS_QUEUE_OK = 0, REDIS_QUEUE_FULL = 1, REDIS_QUEUE_SKIPPED = 2 };

struct redis_queue;

struct redis_queue *redis_queue_new(unsigned capacity);
/* Frees the queue and the records still in it. */
void redis_queue_free(struct redis_queue *q);

/* Appends r (the queue takes r->json on success). assign_id(ctx, r) runs
 * under the lock just before the record is queued; when it returns false the
 * record is not queued (REDIS_QUEUE_SKIPPED). With wait, blocks while the
 * queue is full and waiting is allowed. */
enum redis_queue_result redis_queue_push(struct redis_queue *q, struct redis_qrec *r, bool wait,
                                         bool (*assign_id)(void *ctx, struct redis_qrec *r),
                                         void *ctx);
/* Takes up to max records, oldest first; returns how many. Never blocks. */
unsigned redis_queue_pop(struct redis_queue *q, struct redis_qrec *out, unsigned max);
/* Waits until the queue holds at least min_len records, redis_queue_wake is
 * called, or timeout_ms passes. */
void redis_queue_wait(struct redis_queue *q, unsigned min_len, unsigned timeout_ms);
void redis_queue_wake(struct redis_queue *q);
/* Turns blocking pushes on or off (off wakes waiting producers: they get FULL). */
void redis_queue_allow_wait(struct redis_queue *q, bool allow);
unsigned redis_queue_len(struct redis_queue *q);
unsigned redis_queue_capacity(const struct redis_queue *q);

#endif
