/* reload.c - SIGHUP: build a new engine aside, swap it in between packets.
 *
 * detect_reload_start() copies the configuration and the current engine's
 * flowbit names, then starts a thread that loads rules and lists exactly as
 * at startup. The packet thread keeps using the current engine; each call
 * of detect_reload_poll() costs one atomic load until the build is done.
 * Then poll swaps the engines (the threshold table and counters move to the
 * new one) and hands the old engine back to the thread, which frees it off
 * the packet path and exits. A build that fails leaves the current engine in
 * place; the loader has already said why (FILE:LINE messages).
 *
 * Per-flow state stays valid across the swap: it names rules by gid:sid and
 * flowbits by ids the new engine inherited (see flowstate.c).
 */
#include "engine.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum { RS_IDLE = 0, RS_BUILDING, RS_DONE };

struct detect_thread {
    const struct log_ctx *lg;
    pthread_t th;
    bool have_thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    atomic_int state;
    struct config cfg;
    struct detect_load_opts opts;
    struct flowbit_names inherit;
    uint32_t gen;
    struct detect_engine *result;
    struct detect_load_report rep;
    bool handed_back;
    struct detect_engine *to_free;
};

struct detect_thread *detect_reload_new(const struct log_ctx *lg)
{
    struct detect_thread *t = calloc(1, sizeof(*t));
    if (!t)
        return NULL;
    t->lg = lg;
    pthread_mutex_init(&t->mu, NULL);
    pthread_cond_init(&t->cv, NULL);
    atomic_init(&t->state, RS_IDLE);
    return t;
}

static void *worker(void *arg)
{
    struct detect_thread *t = arg;
    struct detect_engine *e = detect_engine_load_from(&t->opts, &t->rep, &t->inherit, t->gen);
    pthread_mutex_lock(&t->mu);
    t->result = e;
    atomic_store(&t->state, RS_DONE);
    while (!t->handed_back)
        pthread_cond_wait(&t->cv, &t->mu);
    struct detect_engine *old = t->to_free;
    t->to_free = NULL;
    pthread_mutex_unlock(&t->mu);
    detect_engine_free(old);
    return NULL;
}

static void join_previous(struct detect_thread *t)
{
    if (!t->have_thread)
        return;
    pthread_join(t->th, NULL);
    t->have_thread = false;
    config_free(&t->cfg);
    flowbit_names_free(&t->inherit);
    atomic_store(&t->state, RS_IDLE);
}

static int copy_config(struct config *dst, const struct config *src)
{
    config_init(dst);
    for (size_t i = 0; src && i < src->n; i++)
        if (config_add(dst, src->e[i].key, src->e[i].value, src->e[i].origin, src->e[i].line) < 0)
            return -1;
    return 0;
}

int detect_reload_start(struct detect_thread *t, const struct detect_load_opts *o,
                        const struct detect_engine *current)
{
    if (atomic_load(&t->state) != RS_IDLE && !t->handed_back) {
        log_warn(t->lg, "a rule reload is already running; this one is ignored");
        return -1;
    }
    join_previous(t);
    if (copy_config(&t->cfg, o->cfg) < 0 ||
        flowbit_names_copy(&t->inherit, current ? &current->fbnames : NULL) < 0) {
        config_free(&t->cfg);
        flowbit_names_free(&t->inherit);
        log_error(t->lg, "rule reload: out of memory");
        return -1;
    }
    t->opts = *o;
    t->opts.cfg = &t->cfg;
    t->gen = current ? current->gen + 1 : 1;
    t->result = NULL;
    t->to_free = NULL;
    t->handed_back = false;
    memset(&t->rep, 0, sizeof(t->rep));
    atomic_store(&t->state, RS_BUILDING);
    if (pthread_create(&t->th, NULL, worker, t) != 0) {
        atomic_store(&t->state, RS_IDLE);
        config_free(&t->cfg);
        flowbit_names_free(&t->inherit);
        log_error(t->lg, "rule reload: cannot start a thread");
        return -1;
    }
    t->have_thread = true;
    log_info(t->lg, "reloading rules");
    return 0;
}

enum detect_reload_status detect_reload_poll(struct detect_thread *t, struct detect_engine **engine,
                                             struct detect_load_report *r)
{
    if (!t)
        return DETECT_RELOAD_IDLE;
    int st = atomic_load_explicit(&t->state, memory_order_acquire);
    if (st == RS_IDLE)
        return DETECT_RELOAD_IDLE;
    if (st == RS_BUILDING)
        return DETECT_RELOAD_RUNNING;
    pthread_mutex_lock(&t->mu);
    if (t->handed_back) {
        pthread_mutex_unlock(&t->mu);
        return DETECT_RELOAD_IDLE;
    }
    struct detect_engine *ne = t->result;
    enum detect_reload_status res;
    if (ne) {
        struct detect_engine *old = *engine;
        if (old) {
            struct thr_table *tmp = ne->thr;
            ne->thr = old->thr;
            old->thr = tmp;
            ne->st = old->st;
        }
        *engine = ne;
        t->to_free = old;
        res = DETECT_RELOAD_SWAPPED;
        log_info(t->lg, "rules reloaded: %u rules loaded, %u failed", t->rep.loaded, t->rep.failed);
    } else {
        res = DETECT_RELOAD_FAILED;
        log_error(t->lg, "rule reload failed: keeping the %u rules loaded before",
                  detect_engine_rule_count(*engine));
    }
    if (r)
        *r = t->rep;
    t->result = NULL;
    t->handed_back = true;
    pthread_cond_signal(&t->cv);
    pthread_mutex_unlock(&t->mu);
    return res;
}

void detect_reload_free(struct detect_thread *t)
{
    if (!t)
        return;
    if (t->have_thread) {
        pthread_mutex_lock(&t->mu);
        while (atomic_load(&t->state) == RS_BUILDING) {
            pthread_mutex_unlock(&t->mu);
            struct timespec ts = {0, 1000000};
            nanosleep(&ts, NULL);
            pthread_mutex_lock(&t->mu);
        }
        if (!t->handed_back) {
            t->to_free = t->result;   /* built but never swapped in: discard */
            t->result = NULL;
            t->handed_back = true;
            pthread_cond_signal(&t->cv);
        }
        pthread_mutex_unlock(&t->mu);
        join_previous(t);
    }
    pthread_mutex_destroy(&t->mu);
    pthread_cond_destroy(&t->cv);
    free(t);
}
