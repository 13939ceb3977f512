/* redis_queue.c - bounded multi-producer, single-consumer record queue (see
 * redis_queue.h): a ring of record headers under one mutex, with condition
 * variables for "not empty" (the consumer) and "not full" (waiting producers).
 *
 * A mutex is cheap next to building an EVE record; the consumer takes a whole
 * batch per lock, and producers signal it only when it is asleep.
 */
#include "redis_queue.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

struct redis_queue {
    pthread_mutex_t mu;
    pthread_cond_t not_empty, not_full;
    struct redis_qrec *ring;
    unsigned cap, head, len;
    unsigned wait_for;        /* the sleeping consumer wants this many records */
    unsigned producers_waiting;
    bool consumer_waiting, woken, allow_wait;
};

struct redis_queue *redis_queue_new(unsigned capacity)
{
    struct redis_queue *q = calloc(1, sizeof(*q));
    if (!q || capacity == 0 || !(q->ring = calloc(capacity, sizeof(*q->ring)))) {
        free(q);
        return NULL;
    }
    q->cap = capacity;
    q->allow_wait = true;
    pthread_mutex_init(&q->mu, NULL);
    pthread_cond_init(&q->not_empty, NULL);
    pthread_cond_init(&q->not_full, NULL);
    return q;
}

void redis_queue_free(struct redis_queue *q)
{
    if (!q)
        return;
    for (unsigned i = 0; i < q->len; i++)
        free(q->ring[(q->head + i) % q->cap].json);
    pthread_mutex_destroy(&q->mu);
    pthread_cond_destroy(&q->not_empty);
    pthread_cond_destroy(&q->not_full);
    free(q->ring);
    free(q);
}

static struct timespec deadline_after_ms(unsigned ms)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_sec += ms / 1000;
    ts.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
        ts.tv_sec++;
        ts.tv_nsec -= 1000000000L;
    }
    return ts;
}

enum redis_queue_result redis_queue_push(struct redis_queue *q, struct redis_qrec *r, bool wait,
                                         bool (*assign_id)(void *ctx, struct redis_qrec *r),
                                         void *ctx)
{
    pthread_mutex_lock(&q->mu);
    while (q->len == q->cap) {
        if (!wait || !q->allow_wait) {
            pthread_mutex_unlock(&q->mu);
            return REDIS_QUEUE_FULL;
        }
        if (q->consumer_waiting)
            pthread_cond_signal(&q->not_empty);
        struct timespec ts = deadline_after_ms(100);
        q->producers_waiting++;
        pthread_cond_timedwait(&q->not_full, &q->mu, &ts);
        q->producers_waiting--;
    }
    if (assign_id && !assign_id(ctx, r)) {
        pthread_mutex_unlock(&q->mu);
        return REDIS_QUEUE_SKIPPED;
    }
    q->ring[(q->head + q->len) % q->cap] = *r;
    q->len++;
    if (q->consumer_waiting && q->len >= q->wait_for)
        pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
    return REDIS_QUEUE_OK;
}

unsigned redis_queue_pop(struct redis_queue *q, struct redis_qrec *out, unsigned max)
{
    pthread_mutex_lock(&q->mu);
    unsigned n = q->len < max ? q->len : max;
    for (unsigned i = 0; i < n; i++)
        out[i] = q->ring[(q->head + i) % q->cap];
    q->head = (q->head + n) % q->cap;
    q->len -= n;
    /* Wake waiting producers once there is real room, not per record taken:
     * fewer context switches when the consumer is the bottleneck. */
    if (n && q->producers_waiting && q->len <= q->cap / 2)
        pthread_cond_broadcast(&q->not_full);
    pthread_mutex_unlock(&q->mu);
    return n;
}

void redis_queue_wait(struct redis_queue *q, unsigned min_len, unsigned timeout_ms)
{
    pthread_mutex_lock(&q->mu);
    if (min_len == 0)
        min_len = 1;
    if (q->len < min_len && !q->woken) {
        struct timespec ts = deadline_after_ms(timeout_ms);
        q->consumer_waiting = true;
        q->wait_for = min_len;
        while (q->len < min_len && !q->woken)
            if (pthread_cond_timedwait(&q->not_empty, &q->mu, &ts) == ETIMEDOUT)
                break;
        q->consumer_waiting = false;
    }
    q->woken = false;
    pthread_mutex_unlock(&q->mu);
}

void redis_queue_wake(struct redis_queue *q)
{
    pthread_mutex_lock(&q->mu);
    q->woken = true;
    pthread_cond_signal(&q->not_empty);
    pthread_mutex_unlock(&q->mu);
}

void redis_queue_allow_wait(struct redis_queue *q, bool allow)
{
    pthread_mutex_lock(&q->mu);
    q->allow_wait = allow;
    pthread_cond_broadcast(&q->not_full);
    pthread_mutex_unlock(&q->mu);
}

unsigned redis_queue_len(struct redis_queue *q)
{
    pthread_mutex_lock(&q->mu);
    unsigned n = q->len;
    pthread_mutex_unlock(&q->mu);
    return n;
}

unsigned redis_queue_capacity(const struct redis_queue *q)
{
    return q->cap;
}
