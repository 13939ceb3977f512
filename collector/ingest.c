/* ingest.c - the `run` loop (see ingest.h). */
#include "ingest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apply.h"
#include "batch.h"
#include "keys.h"
#include "rconn.h"
#include "sensors.h"

struct ingest_stats {
    uint64_t entries, alerts, late, dead, ignored, lost, batches, not_owned, claimed, trimmed;
};

struct ingest {
    const struct coll_settings *set;
    const struct log_ctx *lg;
    volatile sig_atomic_t *stop;
    struct rconn r;
    bool connected_once;
    struct apply_scripts sc;
    struct sensor_list sl;
    struct batch b;
    struct ingest_stats st;
    ictw_usec started, next_discover, next_meta, next_claim, next_trim, next_beat;
    bool pending_phase;            /* re-reading own pending entries */
    bool drain;                    /* stop when everything is read */
    char err[512];
};

/* Per stream of one read: where its entries are and how its batch went. */
struct stream_job {
    struct sensor_entry *se;
    redisReply *entries;
    bool retry;
    char **skip;                   /* ids not to send again (not owned) */
    size_t *skip_len;
    size_t nskip;
    char *cmd;                     /* the formatted EVALSHA, until sent */
    size_t cmdlen;
    uint64_t n_valid, n_dead, n_ignored, n_lost, nids;
};

static void sleep_ms(struct ingest *g, uint64_t ms)
{
    while (ms > 0 && !*g->stop) {
        uint64_t step = ICTW_MIN(ms, 100);
        struct timespec ts = {0, (long)step * 1000000L};
        nanosleep(&ts, NULL);
        ms -= step;
    }
}

static int ensure_connected(struct ingest *g)
{
    uint64_t delay = 100;
    bool warned = false;
    while (!g->r.c && !*g->stop) {
        int rc = g->connected_once ? rconn_reconnect(&g->r)
                                   : rconn_open(&g->r, g->set->redis_url, g->set->redis_user,
                                                g->set->redis_password, g->set->redis_timeout_ms);
        if (rc == 0 && apply_scripts_load(&g->r, &g->sc) == 0) {
            if (warned || g->connected_once)
                log_info(g->lg, "connected to Redis again");
            g->connected_once = true;
            g->pending_phase = true;
            for (size_t i = 0; i < g->sl.n; i++) {
                ictw_strlcpy(g->sl.v[i].cursor, "0", sizeof(g->sl.v[i].cursor));
                g->sl.v[i].pending_done = false;
                g->sl.v[i].group_ready = false;
            }
            g->next_discover = 0;
            return 0;
        }
        if (!strncmp(g->r.err, "Redis URL", 9) || strstr(g->r.err, "credentials")) {
            log_error(g->lg, "%s", g->r.err);
            return -1;
        }
        g->connected_once = g->connected_once || rc == 0;
        rconn_close(&g->r);
        if (!warned || delay >= 5000)
            log_warn(g->lg, "%s; retrying", g->r.err);
        warned = true;
        sleep_ms(g, delay);
        delay = ICTW_MIN(delay * 2, 5000);
    }
    return g->r.c ? 0 : -1;
}

static bool skipped(const struct stream_job *j, const char *id, size_t len)
{
    for (size_t i = 0; i < j->nskip; i++)
        if (j->skip_len[i] == len && memcmp(j->skip[i], id, len) == 0)
            return true;
    return false;
}

/* Feeds a stream's entries into the batch; returns the number of ids added. */
static size_t fill_batch(struct ingest *g, struct stream_job *j)
{
    struct sensor_entry *se = j->se;
    batch_begin(&g->b, se->id, se->country, se->organisation, se->tlp, ictw_wallclock());
    size_t n = 0;
    for (size_t i = 0; i < j->entries->elements; i++) {
        redisReply *e = j->entries->element[i];
        if (!rconn_is_array(e) || e->elements < 1 || !rconn_is_str(e->element[0]))
            continue;
        const char *id = e->element[0]->str;
        size_t idl = e->element[0]->len;
        if (j->nskip && skipped(j, id, idl))
            continue;
        redisReply *f = e->elements >= 2 ? e->element[1] : NULL;
        n++;
        if (!rconn_is_array(f)) {
            batch_add_lost(&g->b, id, idl);
            continue;
        }
        const char *data = NULL;
        size_t len = 0;
        for (size_t k = 0; k + 1 < f->elements; k += 2) {
            redisReply *name = f->element[k], *val = f->element[k + 1];
            if (rconn_is_str(name) && name->len == 3 && !memcmp(name->str, "eve", 3) && rconn_is_str(val)) {
                data = val->str;
                len = val->len;
                break;
            }
        }
        batch_add(&g->b, id, idl, data, len);
    }
    j->n_valid = g->b.n_valid;
    j->n_dead = g->b.ndead;
    j->n_ignored = g->b.n_ignored;
    j->n_lost = g->b.n_lost;
    j->nids = g->b.nids;
    return n;
}

static void count_done(struct ingest *g, const struct stream_job *j, const struct apply_outcome *o)
{
    g->st.entries += j->nids;
    g->st.alerts += j->n_valid;
    g->st.dead += j->n_dead;
    g->st.ignored += j->n_ignored;
    g->st.lost += j->n_lost;
    g->st.late += o->late;
    g->st.batches++;
}

/* Applies one job synchronously, dropping not-owned ids until it goes through. */
static int apply_sync(struct ingest *g, struct stream_job *j)
{
    for (int attempt = 0; attempt < 50; attempt++) {
        if (fill_batch(g, j) == 0)
            return 0;
        const char **argv;
        const size_t *lens;
        int argc = batch_build_args(&g->b, g->set->group, g->set->consumer, &argv, &lens);
        if (argc < 0) {
            log_error(g->lg, "sensor %s: out of memory building a batch", j->se->id);
            return -1;
        }
        redisReply *x = rconn_eval(&g->r, &g->sc.apply, 3, argc, argv, lens);
        if (!x)
            return -1;
        struct apply_outcome o;
        apply_outcome_parse(&o, x, &g->r, g->err, sizeof(g->err));
        if (o.status == APPLY_DONE) {
            count_done(g, j, &o);
            apply_outcome_free(&o);
            return 0;
        }
        if (o.status == APPLY_ERROR) {
            log_error(g->lg, "sensor %s: %s", j->se->id, g->err);
            apply_outcome_free(&o);
            return -1;
        }
        /* Keep the reply that holds the ids; add them to the skip list. */
        size_t nn = j->nskip + o.n_not_owned;
        char **ns = realloc(j->skip, nn * sizeof(*ns));
        size_t *nl = ns ? realloc(j->skip_len, nn * sizeof(*nl)) : NULL;
        if (ns)
            j->skip = ns;
        if (!ns || !nl) {
            apply_outcome_free(&o);
            return -1;
        }
        j->skip_len = nl;
        /* Copy the ids: the outcome's reply is freed below. */
        for (size_t i = 0; i < o.n_not_owned; i++) {
            j->skip[j->nskip] = strndup(o.not_owned[i], o.not_owned_len[i]);
            j->skip_len[j->nskip] = o.not_owned_len[i];
            if (j->skip[j->nskip])
                j->nskip++;
        }
        g->st.not_owned += o.n_not_owned;
        log_debug(g->lg, "sensor %s: %zu entries no longer ours, applying the rest", j->se->id, o.n_not_owned);
        apply_outcome_free(&o);
    }
    log_warn(g->lg, "sensor %s: batch kept changing owner; leaving it pending", j->se->id);
    return 0;
}

static void job_free(struct stream_job *j)
{
    rconn_free_formatted(j->cmd);
    for (size_t i = 0; i < j->nskip; i++)
        free(j->skip[i]);
    free(j->skip);
    free(j->skip_len);
    memset(j, 0, sizeof(*j));
}

/* Builds one job per stream of a read reply, with its EVALSHA formatted but not sent.
 * Returns the jobs (count in *nj; NULL when there is nothing) and sets *rc = -1 on
 * out of memory. */
static struct stream_job *prepare_jobs(struct ingest *g, redisReply *x, bool pending_read, size_t *nj, int *rc)
{
    *nj = 0;
    if (!rconn_is_array(x))
        return NULL;
    struct stream_job *jobs = calloc(x->elements ? x->elements : 1, sizeof(*jobs));
    if (!jobs) {
        *rc = -1;
        return NULL;
    }
    for (size_t i = 0; i < x->elements; i++) {
        redisReply *s = x->element[i];
        if (!rconn_is_array(s) || s->elements != 2 || !rconn_is_str(s->element[0]))
            continue;
        struct sensor_entry *se = sensors_by_stream(&g->sl, s->element[0]->str, s->element[0]->len);
        if (!se || !rconn_is_array(s->element[1]))
            continue;
        redisReply *entries = s->element[1];
        if (pending_read) {
            if (entries->elements == 0) {
                se->pending_done = true;
                continue;
            }
            redisReply *last = entries->element[entries->elements - 1];
            if (rconn_is_array(last) && last->elements >= 1 && rconn_is_str(last->element[0]))
                ictw_strlcpy(se->cursor, last->element[0]->str, sizeof(se->cursor));
        }
        if (entries->elements == 0)
            continue;
        struct stream_job *j = &jobs[*nj];
        j->se = se;
        j->entries = entries;
        if (fill_batch(g, j) == 0)
            continue;
        const char **argv;
        const size_t *lens;
        int argc = batch_build_args(&g->b, g->set->group, g->set->consumer, &argv, &lens);
        if (argc >= 0)
            j->cmd = rconn_format_eval(&g->sc.apply, 3, argc, argv, lens, &j->cmdlen);
        if (!j->cmd) {
            log_error(g->lg, "sensor %s: out of memory building a batch", se->id);
            *rc = -1;
            break;
        }
        (*nj)++;
    }
    return jobs;
}

/* Sends the prepared jobs' commands (and whatever else was appended). */
static int send_jobs(struct ingest *g, struct stream_job *jobs, size_t nj)
{
    for (size_t i = 0; i < nj; i++) {
        if (rconn_append_formatted(&g->r, jobs[i].cmd, jobs[i].cmdlen))
            return -1;
        rconn_free_formatted(jobs[i].cmd);
        jobs[i].cmd = NULL;
    }
    return rconn_flush(&g->r);
}

/* Reads the replies of nj sent jobs; marks those to send again.
 * Returns the number marked, or -1 on a connection error. */
static int collect_jobs(struct ingest *g, struct stream_job *jobs, size_t nj)
{
    int retries = 0;
    for (size_t i = 0; i < nj; i++) {
        redisReply *y = rconn_read(&g->r);
        if (!y)
            return -1;
        struct apply_outcome o;
        apply_outcome_parse(&o, y, &g->r, g->err, sizeof(g->err));
        if (o.status == APPLY_DONE) {
            count_done(g, &jobs[i], &o);
        } else if (o.status == APPLY_NOT_OWNED ||
                   (y->type == REDIS_REPLY_ERROR && !strncmp(y->str, "NOSCRIPT", 8))) {
            jobs[i].retry = true;
            retries++;
        } else {
            log_error(g->lg, "sensor %s: %s", jobs[i].se->id, g->err);
        }
        apply_outcome_free(&o);
    }
    return retries;
}

/* Sends again (synchronously) the jobs marked for it, then frees all jobs. */
static int finish_jobs(struct ingest *g, struct stream_job *jobs, size_t nj, bool retry)
{
    int rc = 0;
    for (size_t i = 0; i < nj && rc == 0 && retry; i++)
        if (jobs[i].retry && apply_sync(g, &jobs[i]))
            rc = -1;
    for (size_t i = 0; i < nj; i++)
        job_free(&jobs[i]);
    free(jobs);
    return rc;
}

/* Applies every stream's entries of a read reply and waits for the outcome. */
static int apply_read(struct ingest *g, redisReply *x, bool pending_read)
{
    size_t nj;
    int rc = 0;
    struct stream_job *jobs = prepare_jobs(g, x, pending_read, &nj, &rc);
    if (rc == 0 && send_jobs(g, jobs, nj))
        rc = -1;
    int c = rc == 0 ? collect_jobs(g, jobs, nj) : 0;
    if (c < 0)
        rc = -1;
    if (finish_jobs(g, jobs, nj, rc == 0))
        rc = -1;
    return rc;
}

/* Appends an XREADGROUP over the streams that still need it (not waiting for the
 * reply). block: wait up to block_ms for new entries. Returns 0, 1 when there is no
 * stream to read, -1 on error. */
static int append_read(struct ingest *g, bool pending_read, bool block)
{
    size_t n = 0;
    for (size_t i = 0; i < g->sl.n; i++)
        if (g->sl.v[i].group_ready && (!pending_read || !g->sl.v[i].pending_done))
            n++;
    if (n == 0)
        return 1;
    size_t argc = 0, cap = 10 + 2 * n;
    const char **argv = malloc(cap * sizeof(*argv));
    if (!argv)
        return -1;
    char count[24], blk[24];
    snprintf(count, sizeof(count), "%llu", (unsigned long long)g->set->batch);
    snprintf(blk, sizeof(blk), "%llu", (unsigned long long)g->set->block_ms);
    argv[argc++] = "XREADGROUP";
    argv[argc++] = "GROUP";
    argv[argc++] = g->set->group;
    argv[argc++] = g->set->consumer;
    argv[argc++] = "COUNT";
    argv[argc++] = count;
    if (block) {
        argv[argc++] = "BLOCK";
        argv[argc++] = blk;
    }
    argv[argc++] = "STREAMS";
    for (size_t i = 0; i < g->sl.n; i++)
        if (g->sl.v[i].group_ready && (!pending_read || !g->sl.v[i].pending_done))
            argv[argc++] = g->sl.v[i].stream;
    for (size_t i = 0; i < g->sl.n; i++)
        if (g->sl.v[i].group_ready && (!pending_read || !g->sl.v[i].pending_done))
            argv[argc++] = pending_read ? g->sl.v[i].cursor : ">";
    int rc = rconn_append(&g->r, (int)argc, argv, NULL);
    free(argv);
    return rc;
}

/* XREADGROUP and its reply (NULL on error or when there is no stream to read). */
static redisReply *read_streams(struct ingest *g, bool pending_read)
{
    if (append_read(g, pending_read, !pending_read) != 0)
        return NULL;
    /* A blocking read may take block_ms: give the socket that much more. */
    if (!pending_read)
        rconn_set_timeout(&g->r, g->set->redis_timeout_ms + g->set->block_ms);
    redisReply *x = rconn_read(&g->r);
    if (!pending_read)
        rconn_set_timeout(&g->r, g->set->redis_timeout_ms);
    return x;
}

static bool has_entries(const redisReply *x)
{
    if (!rconn_is_array(x))
        return false;
    for (size_t i = 0; i < x->elements; i++) {
        const redisReply *s = x->element[i];
        if (rconn_is_array(s) && s->elements == 2 && rconn_is_array(s->element[1]) && s->element[1]->elements)
            return true;
    }
    return false;
}

/* Applies x and whatever follows it, overlapping the collector's work with Redis's.
 * Redis sends replies only between event-loop rounds, so a read sent together with
 * a long script would be answered after the script. Order per batch i:
 *   send READ(i+1) alone -> build batch i (Redis runs script i-1, then READ(i+1))
 *   -> collect script i-1 -> take READ(i+1) -> send script i.
 * Returns when a read comes back empty, on stop, when maintenance is due, or on
 * error (-1). Takes x. */
static int burst(struct ingest *g, redisReply *x, ictw_usec due)
{
    struct stream_job *prev = NULL;
    size_t nprev = 0;
    redisReply *xprev = NULL;
    int rc = 0;
    while (x && rc == 0) {
        bool more = !*g->stop && ictw_monotonic() < due;
        if (more && (append_read(g, false, false) != 0 || rconn_flush(&g->r)))
            more = false;
        size_t nj;
        struct stream_job *jobs = prepare_jobs(g, x, false, &nj, &rc);
        int retries = rc == 0 && prev ? collect_jobs(g, prev, nprev) : 0;
        redisReply *next = NULL;
        if (rc == 0 && retries >= 0 && more && g->r.c) {
            next = rconn_read(&g->r);
            if (!next) {
                rc = -1;
            } else if (next->type == REDIS_REPLY_ERROR || !has_entries(next)) {
                if (next->type == REDIS_REPLY_ERROR)
                    log_warn(g->lg, "XREADGROUP: %s", next->str);
                freeReplyObject(next);
                next = NULL;
            }
        }
        if (retries < 0)
            rc = -1;
        /* Nothing is in flight here: retries of batch i-1 can go synchronously. */
        if (prev && finish_jobs(g, prev, nprev, rc == 0 && retries > 0))
            rc = -1;
        prev = NULL;
        if (xprev)
            freeReplyObject(xprev);
        xprev = x;
        x = next;
        if (rc == 0 && send_jobs(g, jobs, nj))
            rc = -1;
        prev = jobs;
        nprev = nj;
    }
    if (x)
        freeReplyObject(x);
    if (prev) {
        int c = rc == 0 ? collect_jobs(g, prev, nprev) : 0;
        if (finish_jobs(g, prev, nprev, rc == 0 && c > 0) || c < 0)
            rc = -1;
    }
    if (xprev)
        freeReplyObject(xprev);
    return rc;
}

static int claim_stream(struct ingest *g, struct sensor_entry *se)
{
    char cursor[48] = "0-0", idle[24], count[24];
    snprintf(idle, sizeof(idle), "%llu", (unsigned long long)g->set->claim_idle_ms);
    snprintf(count, sizeof(count), "%llu", (unsigned long long)g->set->batch);
    for (int round = 0; round < 1000 && !*g->stop; round++) {
        const char *argv[] = {"XAUTOCLAIM", se->stream, g->set->group, g->set->consumer, idle, cursor,
                              "COUNT", count};
        redisReply *x = rconn_cmd(&g->r, 8, argv, NULL);
        if (!x)
            return -1;
        if (!rconn_is_array(x) || x->elements < 2 || !rconn_is_str(x->element[0])) {
            if (x->type == REDIS_REPLY_ERROR && !strncmp(x->str, "NOGROUP", 7))
                se->group_ready = false;
            freeReplyObject(x);
            return 0;
        }
        ictw_strlcpy(cursor, x->element[0]->str, sizeof(cursor));
        redisReply *entries = x->element[1];
        if (rconn_is_array(entries) && entries->elements > 0) {
            log_info(g->lg, "sensor %s: took over %zu entries idle for %llu ms", se->id, entries->elements,
                     (unsigned long long)g->set->claim_idle_ms);
            g->st.claimed += entries->elements;
            struct stream_job j = {.se = se, .entries = entries};
            int rc = apply_sync(g, &j);
            job_free(&j);
            if (rc) {
                freeReplyObject(x);
                return -1;
            }
        }
        /* Redis 7: ids deleted from the stream while pending, now gone from the PEL. */
        if (x->elements >= 3 && rconn_is_array(x->element[2]) && x->element[2]->elements > 0) {
            size_t n = x->element[2]->elements;
            char ck[128];
            keys_counters(se->id, ck, sizeof(ck));
            redisReply *y = rconn_cmdf(&g->r, "HINCRBY %s lost %zu", ck, n);
            if (y)
                freeReplyObject(y);
            g->st.lost += n;
            log_warn(g->lg, "sensor %s: %zu pending entries were deleted from the stream before being read", se->id, n);
        }
        freeReplyObject(x);
        if (!strcmp(cursor, "0-0"))
            break;
    }
    return 0;
}

static void write_heartbeat(struct ingest *g)
{
    char key[192], started[24], now[24], entries[24], alerts[24], dead[24], pid[16];
    snprintf(key, sizeof(key), KEYS_PREFIX "collector:{%s}", g->set->consumer);
    snprintf(started, sizeof(started), "%llu", (unsigned long long)(g->started / ICTW_USEC_PER_SEC));
    snprintf(now, sizeof(now), "%llu", (unsigned long long)(ictw_wallclock() / ICTW_USEC_PER_SEC));
    snprintf(entries, sizeof(entries), "%llu", (unsigned long long)g->st.entries);
    snprintf(alerts, sizeof(alerts), "%llu", (unsigned long long)g->st.alerts);
    snprintf(dead, sizeof(dead), "%llu", (unsigned long long)g->st.dead);
    snprintf(pid, sizeof(pid), "%d", (int)getpid());
    const char *argv[] = {"HSET", key, "version", ICTW_VERSION, "pid", pid, "started", started,
                          "last_seen", now, "entries", entries, "alerts", alerts, "dead", dead};
    redisReply *x = rconn_cmd(&g->r, 16, argv, NULL);
    if (x)
        freeReplyObject(x);
    x = rconn_cmdf(&g->r, "EXPIRE %s 60", key);
    if (x)
        freeReplyObject(x);
}

static int maintenance(struct ingest *g)
{
    ictw_usec now = ictw_monotonic();
    if (now >= g->next_discover) {
        int added = sensors_discover(&g->r, &g->sl, g->set, true, g->lg);
        if (added < 0)
            return -1;
        if (added > 0) {
            g->next_meta = 0;
            g->pending_phase = true; /* new streams may hold our pending entries (restart) */
        }
        g->next_discover = now + g->set->discover_interval * ICTW_USEC_PER_SEC;
    }
    if (now >= g->next_meta) {
        if (sensors_refresh_meta(&g->r, &g->sl, g->set))
            return -1;
        g->next_meta = now + g->set->sensor_refresh * ICTW_USEC_PER_SEC;
    }
    if (now >= g->next_claim) {
        for (size_t i = 0; i < g->sl.n && !*g->stop; i++)
            if (g->sl.v[i].group_ready && claim_stream(g, &g->sl.v[i]))
                return -1;
        g->next_claim = now + g->set->claim_interval * ICTW_USEC_PER_SEC;
    }
    if (g->set->trim && now >= g->next_trim) {
        for (size_t i = 0; i < g->sl.n; i++) {
            long long n = apply_trim(&g->r, &g->sc, g->sl.v[i].stream, g->err, sizeof(g->err));
            if (n < 0) {
                if (!g->r.c)
                    return -1;
                log_warn(g->lg, "%s", g->err);
            } else {
                g->st.trimmed += (uint64_t)n;
            }
        }
        g->next_trim = now + g->set->trim_interval * ICTW_USEC_PER_SEC;
    }
    if (now >= g->next_beat) {
        write_heartbeat(g);
        g->next_beat = now + 5 * ICTW_USEC_PER_SEC;
    }
    return g->r.c ? 0 : -1;
}

static ictw_usec maintenance_due(const struct ingest *g)
{
    ictw_usec due = ICTW_MIN(g->next_discover, g->next_meta);
    due = ICTW_MIN(due, g->next_claim);
    due = ICTW_MIN(due, g->next_beat);
    if (g->set->trim)
        due = ICTW_MIN(due, g->next_trim);
    return due;
}

/* One round of reading and applying; returns 1 when there was nothing to read. */
static int round_once(struct ingest *g)
{
    bool pending = g->pending_phase;
    redisReply *x = read_streams(g, pending);
    if (!x) {
        if (!g->r.c)
            return -1;
        if (pending) {
            g->pending_phase = false;
            return 0;
        }
        sleep_ms(g, ICTW_MIN(g->set->block_ms, 1000));
        return 1;
    }
    if (x->type == REDIS_REPLY_ERROR) {
        if (!strncmp(x->str, "NOGROUP", 7)) {
            log_warn(g->lg, "a sensor stream lost its consumer group (deleted?); creating it again");
            freeReplyObject(x);
            return sensors_create_groups(&g->r, &g->sl, g->set, g->lg);
        }
        log_error(g->lg, "XREADGROUP: %s", x->str);
        freeReplyObject(x);
        sleep_ms(g, 1000);
        return 0;
    }
    int rc = 0;
    bool empty = x->type == REDIS_REPLY_NIL;
    if (!pending && !empty)
        return burst(g, x, maintenance_due(g)) < 0 ? -1 : 0;
    if (!empty)
        rc = apply_read(g, x, pending);
    freeReplyObject(x);
    if (pending) {
        bool all = true;
        for (size_t i = 0; i < g->sl.n; i++)
            all = all && (g->sl.v[i].pending_done || !g->sl.v[i].group_ready);
        if (all)
            g->pending_phase = false;
        return rc;
    }
    return rc < 0 ? -1 : empty;
}

int ingest_run(const struct coll_settings *s, const struct log_ctx *lg, volatile sig_atomic_t *stop,
               bool drain)
{
    struct ingest g;
    memset(&g, 0, sizeof(g));
    g.set = s;
    g.lg = lg;
    g.stop = stop;
    g.drain = drain;
    g.started = ictw_wallclock();
    apply_scripts_init(&g.sc);
    sensors_init(&g.sl);
    batch_init(&g.b, s);
    int status = 0;
    ictw_usec t0 = ictw_monotonic();
    log_info(lg, "consumer %s in group %s, windows:%s%s%s%s%s%s", s->consumer, s->group,
             s->nwindows > 0 ? " " : "", s->nwindows > 0 ? s->windows[0].name : "",
             s->nwindows > 1 ? " " : "", s->nwindows > 1 ? s->windows[1].name : "",
             s->nwindows > 2 ? " " : "", s->nwindows > 2 ? s->windows[2].name : "");
    while (!*stop) {
        if (ensure_connected(&g)) {
            status = *stop ? 0 : 1;
            break;
        }
        if (maintenance(&g) < 0) {
            log_warn(lg, "%s", g.r.err);
            continue;
        }
        int rc = round_once(&g);
        if (rc < 0) {
            if (!g.r.c)
                log_warn(lg, "%s", g.r.err);
            continue;
        }
        if (rc == 1 && drain && !g.pending_phase)
            break;
    }
    if (g.r.c) {
        /* A last trim, so that a drained or stopped collector leaves short streams. */
        for (size_t i = 0; s->trim && i < g.sl.n; i++) {
            long long n = apply_trim(&g.r, &g.sc, g.sl.v[i].stream, g.err, sizeof(g.err));
            if (n > 0)
                g.st.trimmed += (uint64_t)n;
        }
        write_heartbeat(&g);
    }
    double secs = (double)(ictw_monotonic() - t0) / 1e6;
    log_info(lg, "stopped after %.1f s: %llu entries, %llu alerts (%.0f/s), %llu late, %llu dead, "
                 "%llu ignored, %llu lost, %llu taken over, %llu trimmed",
             secs, (unsigned long long)g.st.entries, (unsigned long long)g.st.alerts,
             secs > 0 ? (double)g.st.alerts / secs : 0.0, (unsigned long long)g.st.late,
             (unsigned long long)g.st.dead, (unsigned long long)g.st.ignored, (unsigned long long)g.st.lost,
             (unsigned long long)g.st.claimed, (unsigned long long)g.st.trimmed);
    batch_free(&g.b);
    sensors_free(&g.sl);
    rconn_close(&g.r);
    return status;
}
