/* redis.c - the Redis sink (see redis.h): queue, output thread, pipelining,
 * reconnects, spool, heartbeat.
 *
 * Records flow:  submit -> queue -> window -> Redis, with the spool beside:
 *
 *   - The window is the output thread's working set: at most redis.batch
 *     records, oldest first, each with the set of modes (stream, publish,
 *     push) still to be confirmed. A round trip sends every pending command
 *     of the window in one pipeline; replies clear bits; the finished prefix
 *     of the window is retired (and consumed from the spool if it came from
 *     there). A record refused by Redis stays in the window and is retried
 *     after a backoff; a record whose reply never came (lost connection) is
 *     sent again: the stream refuses its id if it already has it.
 *   - Order: the window takes from the spool while the spool has unread
 *     records, else from the queue; the spool only ever receives records
 *     newer than everything it holds (window records not yet on disk are
 *     written first), so the stream gets records in id order.
 *   - Spilling to the spool: live capture spills when Redis is away, refuses
 *     writes, or the queue is half full (Redis too slow), so the packet path
 *     never waits; a replay with replay-wait does not spill but lets the
 *     producer wait, until SIGINT/SIGTERM or the close timeout; a replay
 *     without replay-wait spills like live capture, and when even the
 *     spool cannot keep up with the file its producer waits for it instead
 *     of dropping (live capture drops and counts).
 *
 * The thread owns the hiredis context in non-blocking mode and drives it
 * with poll(): connect, command and close timeouts are its own deadlines,
 * and it keeps spilling while a slow Redis answers.
 *
 * Stream ids: a live sensor uses <wall-clock ms>-<seq>, never below the last
 * id it used (kept in the spool state); a replay uses <run base ms>-<n> with
 * n the record's position in the replay, so a replay that was killed and is
 * started again with the same input and settings produces the same ids and
 * skips what the killed run already delivered or spooled.
 */
#include "redis.h"
#include "redis_conf.h"
#include "redis_queue.h"
#include "spool.h"
#include "ictwatch/config.h"
#include "ictwatch/log.h"

#include <errno.h>
#include <hiredis.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>

#define MODE_PUBSEV (1u << 4)       /* PUBLISH to <channel>:sev<N> */
#define WF_REFUSED 1u               /* an XADD of this record was refused once */
#define WF_AUTO_ID 2u               /* overtaken while refused: XADD with id "*" */
#define BACKOFF_MIN_MS 100u
#define BACKOFF_MAX_MS 5000u
#define POLL_MS 10
#define FILL_MS 2
#define REPEAT_LOG_US (30 * ICTW_USEC_PER_SEC)
#define META_MAGIC 0x32544d52u      /* "RMT2" */
#define DUP_ID_ERR "ERR The ID specified in XADD is equal or smaller"

enum conn_state { ST_DOWN, ST_CONNECTING, ST_HANDSHAKE, ST_READY, ST_BUSY };
enum cmd_type { CMD_REC, CMD_AUTH, CMD_SELECT, CMD_SADD, CMD_HSET, CMD_EXPIRE };

struct sent_cmd {
    uint8_t type, bit;
    uint32_t idx;                   /* window index for CMD_REC */
};

struct wentry {
    struct redis_qrec r;
    uint8_t pending, flags;
    bool in_spool;
    struct spool_pos pos;
};

/* Saved with the spool cursor (spool_set_meta). */
struct sink_meta {
    uint32_t magic, run_open;
    uint64_t acked_ms, acked_seq;   /* newest id Redis confirmed */
    uint64_t run_key, run_base;     /* the replay run the ids belong to */
    uint64_t id_offset;             /* that run's id = its record's position + id_offset */
    uint64_t stop_pos, shutdown;    /* stopped by a signal after position stop_pos, then
                                     * `shutdown` records (flows ended at the stop) */
};
_Static_assert(sizeof(struct sink_meta) <= SPOOL_META_LEN, "sink_meta must fit the spool state");

struct counters {
    _Atomic uint64_t submitted, delivered, skipped_resumed, xadd_ok, xadd_duplicate, publish_ok,
        push_ok, out_of_order, error_replies, connects, disconnects, connect_failures, batches,
        spooled, dropped_queue_full, dropped_other, spool_records, spool_bytes, dropped_spool_cap;
};

struct hb_info {
    char version[32], country[64], organisation[128];
    struct redis_heartbeat_info n;
};

struct redis_sink {
    struct redis_conf conf;
    const struct log_ctx *lg;
    bool live;
    char where[300];                /* "redis 127.0.0.1:6379" for messages */
    struct redis_queue *q;
    struct spool *spool;
    pthread_t thread;
    bool thread_started;
    const volatile sig_atomic_t *stop;
    atomic_bool closing;
    atomic_bool hb_due;             /* send a heartbeat at the next round (identity changed, closing) */
    ictw_usec close_deadline;

    /* id generation: only under the queue lock (assign_id) */
    bool replay_ids;
    uint64_t run_base, ordinal, skip_upto, last_ms, last_seq;
    uint64_t id_offset, stop_pos;   /* see sink_meta; stop_pos valid when input_stopped */
    bool input_stopped;
    struct sink_meta meta;

    pthread_mutex_t hb_mu;
    struct hb_info hb;

    /* output thread */
    redisContext *c;
    enum conn_state st;
    ictw_usec deadline, next_attempt, down_since, last_fail_log, next_heartbeat, retry_at, fill_since;
    unsigned backoff_ms, refuse_backoff_ms;
    bool handshake_failed, down_logged;
    char last_refusal[160];
    ictw_usec last_refusal_log, last_drop_log;
    uint64_t drops_logged;
    struct wentry *win;
    unsigned nwin;
    struct sent_cmd *cmds;
    unsigned ncmds, nreplied, cmds_cap;
    bool need_write;

    struct counters ctr;
};

static void inc(_Atomic uint64_t *c, uint64_t n)
{
    atomic_fetch_add_explicit(c, n, memory_order_relaxed);
}

static uint64_t ld(const _Atomic uint64_t *c)
{
    return atomic_load_explicit(c, memory_order_relaxed);
}

/* ---- ids ------------------------------------------------------------------ */

static bool id_less(uint64_t ams, uint64_t aseq, uint64_t bms, uint64_t bseq)
{
    return ams < bms || (ams == bms && aseq < bseq);
}

static bool assign_id(void *ctx, struct redis_qrec *r)
{
    struct redis_sink *s = ctx;
    if (s->replay_ids) {
        uint64_t n = ++s->ordinal;
        if (n <= s->skip_upto || (s->input_stopped && s->stop_pos < s->skip_upto))
            return false;
        r->id_ms = s->run_base;
        r->id_seq = n + s->id_offset;
        return true;
    }
    uint64_t ms = ictw_wallclock() / 1000;
    if (ms <= s->last_ms) {
        s->last_seq++;
    } else {
        s->last_ms = ms;
        s->last_seq = 0;
    }
    r->id_ms = s->last_ms;
    r->id_seq = s->last_seq;
    return true;
}

/* Settings that change where records go, not which records there are. */
static bool output_only_setting(const char *key)
{
    static const char *const prefixes[] = {"log-dir", "eve-", "stdout", "progress", "stats-interval",
                                           "spool.", "heartbeat."};
    for (size_t i = 0; i < ICTW_ARRAY_LEN(prefixes); i++)
        if (!strncmp(key, prefixes[i], strlen(prefixes[i])))
            return true;
    return !strncmp(key, "redis.", 6) && strcmp(key, "redis.types") != 0;
}

/* Identifies a replay: the settings that decide which records it produces
 * (input files, rules, redis.types, ...) and the size and time of every
 * file they name. The same run started again continues its ids. */
static uint64_t run_key(const struct config *cfg)
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < cfg->n; i++) {
        if (output_only_setting(cfg->e[i].key))
            continue;
        const char *parts[2] = {cfg->e[i].key, cfg->e[i].value};
        for (int k = 0; k < 2; k++) {
            for (const char *p = parts[k]; *p; p++)
                h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
            h = (h ^ 0xff) * 0x100000001b3ull;
        }
        struct stat st;
        if (!stat(cfg->e[i].value, &st) && S_ISREG(st.st_mode)) {
            uint64_t v[3] = {(uint64_t)st.st_size, (uint64_t)st.st_mtim.tv_sec,
                             (uint64_t)st.st_mtim.tv_nsec};
            for (int k = 0; k < 3; k++)
                for (int b = 0; b < 8; b++)
                    h = (h ^ (uint8_t)(v[k] >> (8 * b))) * 0x100000001b3ull;
        }
    }
    return h ? h : 1;
}

static void save_meta(struct redis_sink *s)
{
    if (!s->spool)
        return;
    spool_set_meta(s->spool, &s->meta, sizeof(s->meta));
    spool_save(s->spool);
}

/* Chooses how ids are made from what the spool state remembers. */
static void setup_ids(struct redis_sink *s, const struct config *cfg)
{
    struct sink_meta m;
    memset(&m, 0, sizeof(m));
    if (s->spool)
        spool_get_meta(s->spool, &m, sizeof(m));
    if (m.magic != META_MAGIC)
        memset(&m, 0, sizeof(m));
    uint64_t hms = m.acked_ms, hseq = m.acked_seq, lms, lseq;
    if (s->spool && spool_last_id(s->spool, &lms, &lseq) && id_less(hms, hseq, lms, lseq)) {
        hms = lms;
        hseq = lseq;
    }
    s->meta = m;
    s->meta.magic = META_MAGIC;
    s->meta.acked_ms = hms;
    s->meta.acked_seq = hseq;
    s->last_ms = hms;
    s->last_seq = hseq;
    s->replay_ids = !s->live;
    if (s->live) {
        s->meta.run_open = 0;
    } else {
        uint64_t key = run_key(cfg), now_ms = ictw_wallclock() / 1000;
        if (s->spool && m.run_open && m.run_key == key) {
            s->run_base = m.run_base;
            uint64_t last = hms == m.run_base ? hseq : 0;
            uint64_t kept = last > m.id_offset ? last - m.id_offset : 0;
            /* Stopped by a signal: the records after stop_pos were flows ended
             * at the stop, not records of the input; this run makes the
             * input's own records from stop_pos on, numbered after those. */
            s->skip_upto = m.stop_pos ? ICTW_MIN(kept, m.stop_pos) : kept;
            s->id_offset = m.id_offset + (m.stop_pos ? m.shutdown : 0);
            log_info(s->lg, "%s: resuming a replay that was interrupted: its first %" PRIu64
                     " records were delivered or spooled before and are not sent again",
                     s->where, s->skip_upto);
        } else {
            s->run_base = ICTW_MAX(now_ms, hms + 1);
        }
        s->meta.run_open = 1;
        s->meta.run_key = key;
        s->meta.run_base = s->run_base;
        s->meta.id_offset = s->id_offset;
        s->meta.stop_pos = 0;
        s->meta.shutdown = 0;
    }
    save_meta(s);
}

/* ---- window --------------------------------------------------------------- */

static uint8_t initial_modes(const struct redis_sink *s, const struct redis_qrec *r)
{
    uint8_t m = (uint8_t)s->conf.modes;
    if ((m & REDIS_MODE_PUBLISH) && s->conf.channel_per_severity && r->severity > 0)
        m |= MODE_PUBSEV;
    return m;
}

static void window_add(struct redis_sink *s, const struct redis_qrec *r, uint8_t pending,
                       uint8_t flags, const struct spool_pos *pos)
{
    struct wentry *w = &s->win[s->nwin++];
    w->r = *r;
    w->pending = pending;
    w->flags = flags;
    w->in_spool = pos != NULL;
    if (pos)
        w->pos = *pos;
}

/* Tops the window up: spool first (older), then the queue. */
static void window_fill(struct redis_sink *s)
{
    while (s->nwin < s->conf.batch) {
        if (s->spool && spool_unread(s->spool) > 0) {
            struct spool_rec sr;
            struct spool_pos end;
            if (spool_read(s->spool, &sr, &end) != 1)
                return;
            struct redis_qrec r = {sr.id_ms, sr.id_seq, sr.kind, sr.severity, sr.len, malloc(sr.len ? sr.len : 1)};
            if (!r.json)
                return;
            memcpy(r.json, sr.data, sr.len);
            window_add(s, &r, sr.modes, sr.flags, &end);
            continue;
        }
        struct redis_qrec tmp[64];
        unsigned want = ICTW_MIN(s->conf.batch - s->nwin, (unsigned)ICTW_ARRAY_LEN(tmp));
        unsigned n = redis_queue_pop(s->q, tmp, want);
        for (unsigned i = 0; i < n; i++)
            window_add(s, &tmp[i], initial_modes(s, &tmp[i]), 0, NULL);
        if (n < want)
            return;
    }
}

/* Retires the finished prefix of the window; persists the newest confirmed id. */
static void window_retire(struct redis_sink *s)
{
    unsigned k = 0;
    bool advanced = false;
    while (k < s->nwin && s->win[k].pending == 0) {
        struct wentry *w = &s->win[k];
        if (w->in_spool && s->spool)
            spool_consume(s->spool, &w->pos);
        if (!(w->flags & WF_AUTO_ID) &&
            id_less(s->meta.acked_ms, s->meta.acked_seq, w->r.id_ms, w->r.id_seq)) {
            s->meta.acked_ms = w->r.id_ms;
            s->meta.acked_seq = w->r.id_seq;
        }
        free(w->r.json);
        inc(&s->ctr.delivered, 1);
        advanced = true;
        k++;
    }
    if (k) {
        memmove(s->win, s->win + k, (s->nwin - k) * sizeof(*s->win));
        s->nwin -= k;
    }
    if (advanced)
        save_meta(s);
}

/* ---- spool ---------------------------------------------------------------- */

static void spool_record(struct redis_sink *s, const struct redis_qrec *r, uint8_t modes,
                         uint8_t flags, struct spool_pos *held)
{
    struct spool_rec sr = {r->id_ms, r->id_seq, r->kind, r->severity, modes, flags, r->len, r->json};
    int rc = held ? spool_append_held(s->spool, &sr, held) : spool_append(s->spool, &sr, NULL);
    if (rc == 0) {
        inc(&s->ctr.spooled, 1);
        return;
    }
    inc(&s->ctr.dropped_other, 1);
    if (rc == 1)
        log_error(s->lg, "%s: record %" PRIu64 "-%" PRIu64 " of %u bytes is too big for the "
                  "spool (spool.max-size); it is lost", s->where, r->id_ms, r->id_seq, r->len);
}

/* Moves what is only in memory to the spool: window records not on disk yet
 * (they are the oldest), then the queue, oldest first. */
static void spill(struct redis_sink *s)
{
    if (!s->spool)
        return;
    for (unsigned i = 0; i < s->nwin; i++) {
        struct wentry *w = &s->win[i];
        if (!w->in_spool && w->pending) {
            spool_record(s, &w->r, w->pending, w->flags, &w->pos);
            w->in_spool = true;
        }
    }
    struct redis_qrec tmp[256];
    unsigned n;
    while ((n = redis_queue_pop(s->q, tmp, ICTW_ARRAY_LEN(tmp))) > 0)
        for (unsigned i = 0; i < n; i++) {
            spool_record(s, &tmp[i], initial_modes(s, &tmp[i]), 0, NULL);
            free(tmp[i].json);
        }
    spool_flush(s->spool);
}

static bool connected(const struct redis_sink *s)
{
    return s->st == ST_READY || s->st == ST_BUSY;
}

/* Redis refused some of the last round: retrying after a backoff. */
static bool window_refused(const struct redis_sink *s)
{
    return s->retry_at != 0;
}

static bool stop_requested(const struct redis_sink *s)
{
    return s->stop && *s->stop;
}

/* Whether a full queue makes submit wait rather than drop. A replay with
 * replay-wait waits for Redis; a replay that spools instead waits only for
 * the output thread to move the queue to the spool: a file can always be
 * read later, so a burst faster than the disk never costs a record. Live
 * capture never waits (the kernel would drop packets instead). */
static bool producer_may_wait(const struct redis_sink *s)
{
    return s->conf.replay_wait || (!s->live && s->spool);
}

/* Live capture must never wait: spool when Redis cannot take records now. */
static bool should_spill(struct redis_sink *s)
{
    if (!s->spool)
        return false;
    if (stop_requested(s))
        return true;
    if (s->conf.replay_wait)
        return false;
    return !connected(s) || window_refused(s) ||
           redis_queue_len(s->q) > redis_queue_capacity(s->q) / 2;
}

/* ---- commands ------------------------------------------------------------- */

static int cmd_append(struct redis_sink *s, uint8_t type, uint8_t bit, uint32_t idx, int argc,
                      const char **argv, const size_t *argvlen)
{
    if (s->ncmds == s->cmds_cap) {
        unsigned cap = s->cmds_cap ? s->cmds_cap * 2 : 64;
        struct sent_cmd *n = realloc(s->cmds, cap * sizeof(*n));
        if (!n)
            return -1;
        s->cmds = n;
        s->cmds_cap = cap;
    }
    if (redisAppendCommandArgv(s->c, argc, argv, argvlen) != REDIS_OK)
        return -1;
    s->cmds[s->ncmds++] = (struct sent_cmd){type, bit, idx};
    return 0;
}

static int append_record(struct redis_sink *s, unsigned idx)
{
    struct wentry *w = &s->win[idx];
    const char *argv[8];
    size_t len[8];
    int rc = 0;
    if (w->pending & REDIS_MODE_STREAM) {
        char id[48], maxlen[24];
        int n = 0;
        argv[n] = "XADD"; len[n++] = 4;
        argv[n] = s->conf.stream_key; len[n++] = strlen(s->conf.stream_key);
        if (s->conf.stream_maxlen) {
            snprintf(maxlen, sizeof(maxlen), "%" PRIu64, s->conf.stream_maxlen);
            argv[n] = "MAXLEN"; len[n++] = 6;
            argv[n] = "~"; len[n++] = 1;
            argv[n] = maxlen; len[n++] = strlen(maxlen);
        }
        if (w->flags & WF_AUTO_ID)
            snprintf(id, sizeof(id), "*");
        else
            snprintf(id, sizeof(id), "%" PRIu64 "-%" PRIu64, w->r.id_ms, w->r.id_seq);
        argv[n] = id; len[n++] = strlen(id);
        argv[n] = "eve"; len[n++] = 3;
        argv[n] = w->r.json; len[n++] = w->r.len;
        rc |= cmd_append(s, CMD_REC, REDIS_MODE_STREAM, idx, n, argv, len);
    }
    if (w->pending & REDIS_MODE_PUBLISH) {
        argv[0] = "PUBLISH"; len[0] = 7;
        argv[1] = s->conf.channel; len[1] = strlen(s->conf.channel);
        argv[2] = w->r.json; len[2] = w->r.len;
        rc |= cmd_append(s, CMD_REC, REDIS_MODE_PUBLISH, idx, 3, argv, len);
    }
    if (w->pending & MODE_PUBSEV) {
        char chan[512];
        snprintf(chan, sizeof(chan), "%s:sev%d", s->conf.channel, w->r.severity);
        argv[0] = "PUBLISH"; len[0] = 7;
        argv[1] = chan; len[1] = strlen(chan);
        argv[2] = w->r.json; len[2] = w->r.len;
        rc |= cmd_append(s, CMD_REC, MODE_PUBSEV, idx, 3, argv, len);
    }
    uint8_t push = w->pending & (REDIS_MODE_LPUSH | REDIS_MODE_RPUSH);
    if (push) {
        argv[0] = push == REDIS_MODE_LPUSH ? "LPUSH" : "RPUSH"; len[0] = 5;
        argv[1] = s->conf.list_key; len[1] = strlen(s->conf.list_key);
        argv[2] = w->r.json; len[2] = w->r.len;
        rc |= cmd_append(s, CMD_REC, push, idx, 3, argv, len);
    }
    return rc;
}

static void fmt_u64(char *buf, size_t len, uint64_t v)
{
    snprintf(buf, len, "%" PRIu64, v);
}

static int append_heartbeat(struct redis_sink *s)
{
    if (s->conf.heartbeat_s == 0)
        return 0;
    struct hb_info h;
    pthread_mutex_lock(&s->hb_mu);
    h = s->hb;
    pthread_mutex_unlock(&s->hb_mu);
    enum { NUM = 11 };
    char nums[NUM][24];
    uint64_t vals[NUM] = {
        h.n.started / ICTW_USEC_PER_SEC, ictw_wallclock() / ICTW_USEC_PER_SEC, h.n.packets,
        h.n.drops_kernel, h.n.drops, h.n.flows, h.n.alerts, ld(&s->ctr.spool_records),
        ld(&s->ctr.spool_bytes), h.n.rules_loaded,
        ld(&s->ctr.dropped_queue_full) + ld(&s->ctr.dropped_other) + ld(&s->ctr.dropped_spool_cap)};
    static const char *const names[NUM] = {"started", "last_seen", "packets", "drops_kernel",
                                           "drops", "flows", "alerts", "alerts_spooled",
                                           "spool_bytes", "rules_loaded", "redis_dropped"};
    const char *argv[2 + 2 * (NUM + 4)];
    size_t len[2 + 2 * (NUM + 4)];
    int n = 0;
    argv[n++] = "HSET";
    argv[n++] = s->conf.heartbeat_key;
    const char *strs[4][2] = {{"version", h.version}, {"country", h.country},
                              {"organisation", h.organisation}, {"sensor", s->conf.sensor_id}};
    for (int i = 0; i < 4; i++)
        if (strs[i][1][0]) {
            argv[n++] = strs[i][0];
            argv[n++] = strs[i][1];
        }
    for (int i = 0; i < NUM; i++) {
        fmt_u64(nums[i], sizeof(nums[i]), vals[i]);
        argv[n++] = names[i];
        argv[n++] = nums[i];
    }
    for (int i = 0; i < n; i++)
        len[i] = strlen(argv[i]);
    char ttl[24];
    fmt_u64(ttl, sizeof(ttl), 3 * s->conf.heartbeat_s);
    const char *ex[3] = {"EXPIRE", s->conf.heartbeat_key, ttl};
    size_t exl[3] = {6, strlen(s->conf.heartbeat_key), strlen(ttl)};
    s->next_heartbeat = ictw_monotonic() + s->conf.heartbeat_s * ICTW_USEC_PER_SEC;
    return cmd_append(s, CMD_HSET, 0, 0, n, argv, len) | cmd_append(s, CMD_EXPIRE, 0, 0, 3, ex, exl);
}

/* ---- messages ------------------------------------------------------------- */

static const char *refusal_hint(const char *err)
{
    if (!strncmp(err, "WRONGTYPE", 9))
        return "the key exists with another type; rename or delete it, or choose another key";
    if (!strncmp(err, "NOPERM", 6))
        return "the Redis user may not do this; see the sensor ACL in docs/redis.md";
    if (!strncmp(err, "NOAUTH", 6))
        return "Redis wants a password: set redis.password-file or redis.password-env";
    if (!strncmp(err, "OOM", 3))
        return "Redis reached maxmemory; the collector must trim or Redis needs more memory";
    if (!strncmp(err, "READONLY", 8))
        return "this Redis is a read-only replica; point redis.url at the primary";
    if (!strncmp(err, "LOADING", 7))
        return "Redis is loading its data";
    if (!strncmp(err, "MISCONF", 7))
        return "Redis cannot save its data and refuses writes; check its disk";
    return "see the Redis log";
}

static const char *cmd_name(const struct redis_sink *s, const struct sent_cmd *c, char *buf,
                            size_t len)
{
    switch (c->type) {
    case CMD_AUTH: return "AUTH";
    case CMD_SELECT: return "SELECT";
    case CMD_SADD: return "SADD ictwatch:sensors";
    case CMD_HSET: snprintf(buf, len, "HSET %s", s->conf.heartbeat_key); return buf;
    case CMD_EXPIRE: snprintf(buf, len, "EXPIRE %s", s->conf.heartbeat_key); return buf;
    default: break;
    }
    if (c->bit == REDIS_MODE_STREAM)
        snprintf(buf, len, "XADD %s", s->conf.stream_key);
    else if (c->bit == REDIS_MODE_PUBLISH || c->bit == MODE_PUBSEV)
        snprintf(buf, len, "PUBLISH %s", s->conf.channel);
    else
        snprintf(buf, len, "%s %s", c->bit == REDIS_MODE_LPUSH ? "LPUSH" : "RPUSH", s->conf.list_key);
    return buf;
}

/* One line per distinct refusal, repeated at most every 30 s. */
static void log_refusal(struct redis_sink *s, const struct sent_cmd *c, const char *err)
{
    char name[512], key[160];
    snprintf(key, sizeof(key), "%d/%d/%.120s", c->type, c->bit, err);
    ictw_usec now = ictw_monotonic();
    if (!strcmp(key, s->last_refusal) && now - s->last_refusal_log < REPEAT_LOG_US)
        return;
    ictw_strlcpy(s->last_refusal, key, sizeof(s->last_refusal));
    s->last_refusal_log = now;
    bool rec = c->type == CMD_REC;
    log_error(s->lg, "%s: %s refused: %s -- %s%s", s->where, cmd_name(s, c, name, sizeof(name)),
              err, refusal_hint(err),
              rec ? " (records are kept and retried; nothing is lost)" : "");
}

/* ---- connection ----------------------------------------------------------- */

static void conn_close(struct redis_sink *s)
{
    if (s->c)
        redisFree(s->c);
    s->c = NULL;
    s->ncmds = s->nreplied = 0;
    s->need_write = false;
}

static void schedule_retry(struct redis_sink *s, ictw_usec now)
{
    s->backoff_ms = s->backoff_ms ? ICTW_MIN(s->backoff_ms * 2, BACKOFF_MAX_MS) : BACKOFF_MIN_MS;
    s->next_attempt = now + (ictw_usec)s->backoff_ms * 1000;
    s->st = ST_DOWN;
    if (!s->down_since)
        s->down_since = now;
}

static uint64_t spool_count(const struct redis_sink *s)
{
    return s->spool ? spool_stats(s->spool)->records : 0;
}

static void where_to(const struct redis_sink *s, char *buf, size_t len)
{
    if (s->spool)
        snprintf(buf, len, "records go to the spool %s (%" PRIu64 " there now)",
                 s->conf.spool_dir, spool_count(s));
    else if (s->conf.replay_wait)
        snprintf(buf, len, "the replay waits for Redis");
    else
        snprintf(buf, len, "no spool.dir is set: records are dropped (counted) once the "
                 "queue of %u is full", s->conf.queue_size);
}

/* A connection attempt failed (before the handshake completed). */
static void conn_fail(struct redis_sink *s, const char *why, ictw_usec now)
{
    conn_close(s);
    inc(&s->ctr.connect_failures, 1);
    schedule_retry(s, now);
    if (!s->down_logged || now - s->last_fail_log >= REPEAT_LOG_US) {
        char dest[512];
        where_to(s, dest, sizeof(dest));
        if (!s->down_logged)
            log_error(s->lg, "%s: cannot connect: %s; retrying every %u..%u ms; %s", s->where,
                      why, BACKOFF_MIN_MS, BACKOFF_MAX_MS, dest);
        else
            log_warn(s->lg, "%s: still cannot connect after %.0f s: %s; %s", s->where,
                     (double)(now - s->down_since) / 1e6, why, dest);
        s->down_logged = true;
        s->last_fail_log = now;
    }
}

/* An established connection broke, possibly mid-pipeline. */
static void conn_lost(struct redis_sink *s, const char *reason, ictw_usec now)
{
    char why[160];
    ictw_strlcpy(why, reason, sizeof(why));     /* may point into the context */
    if (s->st == ST_HANDSHAKE || s->handshake_failed) {
        conn_fail(s, why, now);
        return;
    }
    unsigned unanswered = s->ncmds - s->nreplied;
    inc(&s->ctr.disconnects, 1);
    conn_close(s);
    s->backoff_ms = 0;
    schedule_retry(s, now);
    char dest[512];
    where_to(s, dest, sizeof(dest));
    if (unanswered)
        log_error(s->lg, "%s: connection lost with %u commands unanswered (%s); they will be "
                  "sent again (the stream refuses ids it already has); %s", s->where, unanswered,
                  why, dest);
    else
        log_error(s->lg, "%s: connection lost (%s); %s", s->where, why, dest);
    s->down_logged = true;
    s->last_fail_log = now;
}

static void send_pipeline(struct redis_sink *s, ictw_usec now)
{
    int done = 0;
    if (redisBufferWrite(s->c, &done) != REDIS_OK) {
        conn_lost(s, s->c->errstr, now);
        return;
    }
    s->need_write = !done;
    s->deadline = now + s->conf.command_timeout_ms * 1000;
}

static void start_handshake(struct redis_sink *s, ictw_usec now)
{
    if (s->conf.keepalive && !s->conf.url.is_unix)
        redisEnableKeepAlive(s->c);
    s->ncmds = s->nreplied = 0;
    s->handshake_failed = false;
    int rc = 0;
    if (s->conf.password) {
        const char *argv[3] = {"AUTH"};
        size_t len[3] = {4};
        int n = 1;
        if (s->conf.url.user[0]) {
            argv[n] = s->conf.url.user;
            len[n++] = strlen(s->conf.url.user);
        }
        argv[n] = s->conf.password;
        len[n++] = strlen(s->conf.password);
        rc |= cmd_append(s, CMD_AUTH, 0, 0, n, argv, len);
    }
    if (s->conf.url.db) {
        char db[16];
        snprintf(db, sizeof(db), "%u", s->conf.url.db);
        const char *argv[2] = {"SELECT", db};
        size_t len[2] = {6, strlen(db)};
        rc |= cmd_append(s, CMD_SELECT, 0, 0, 2, argv, len);
    }
    /* Short commands only until AUTH has answered: Redis closes the
     * connection of an unauthenticated client that sends long ones. */
    const char *argv[3] = {"SADD", "ictwatch:sensors", s->conf.sensor_id};
    size_t len[3] = {4, 16, strlen(s->conf.sensor_id)};
    rc |= cmd_append(s, CMD_SADD, 0, 0, 3, argv, len);
    if (rc) {
        conn_fail(s, "out of memory", now);
        return;
    }
    s->st = ST_HANDSHAKE;
    send_pipeline(s, now);
}

static void conn_start(struct redis_sink *s, ictw_usec now)
{
    s->c = s->conf.url.is_unix ? redisConnectUnixNonBlock(s->conf.url.path)
                               : redisConnectNonBlock(s->conf.url.host, s->conf.url.port);
    if (!s->c) {
        conn_fail(s, "out of memory", now);
        return;
    }
    if (s->c->err) {
        char why[160];
        ictw_strlcpy(why, s->c->errstr, sizeof(why));
        conn_fail(s, why, now);
        return;
    }
    s->st = ST_CONNECTING;
    s->deadline = now + s->conf.connect_timeout_ms * 1000;
}

static void connect_done(struct redis_sink *s, ictw_usec now)
{
    int soerr = 0;
    socklen_t sl = sizeof(soerr);
    if (getsockopt(s->c->fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) || soerr) {
        conn_fail(s, strerror(soerr ? soerr : errno), now);
        return;
    }
    start_handshake(s, now);
}

static void handshake_done(struct redis_sink *s, ictw_usec now)
{
    if (s->handshake_failed) {
        conn_close(s);
        inc(&s->ctr.connect_failures, 1);
        schedule_retry(s, now);
        s->down_logged = true;
        s->last_fail_log = now;
        return;
    }
    inc(&s->ctr.connects, 1);
    if (s->down_since) {
        log_info(s->lg, "%s: connected again after %.1f s%s", s->where,
                 (double)(now - s->down_since) / 1e6,
                 spool_count(s) ? "; the spooled records are sent first" : "");
    } else if (ld(&s->ctr.connects) == 1) {
        log_info(s->lg, "%s: connected", s->where);
    }
    s->down_since = 0;
    s->down_logged = false;
    s->backoff_ms = 0;
    s->st = ST_READY;
    s->ncmds = s->nreplied = 0;
    s->next_heartbeat = 0;          /* the first round carries a heartbeat */
}

/* ---- replies -------------------------------------------------------------- */

static void on_rec_reply(struct redis_sink *s, const struct sent_cmd *c, const redisReply *rp)
{
    struct wentry *w = &s->win[c->idx];
    if (rp->type != REDIS_REPLY_ERROR) {
        w->pending &= (uint8_t)~c->bit;
        if (c->bit == REDIS_MODE_STREAM)
            inc(&s->ctr.xadd_ok, 1);
        else if (c->bit & (REDIS_MODE_PUBLISH | MODE_PUBSEV))
            inc(&s->ctr.publish_ok, 1);
        else
            inc(&s->ctr.push_ok, 1);
        return;
    }
    if (c->bit == REDIS_MODE_STREAM && !strncmp(rp->str, DUP_ID_ERR, strlen(DUP_ID_ERR))) {
        if (!(w->flags & WF_REFUSED)) {
            /* Sent before without an answer; the stream has it. */
            w->pending &= (uint8_t)~c->bit;
            inc(&s->ctr.xadd_duplicate, 1);
            return;
        }
        /* Refused earlier, and a newer record got in meanwhile: it can only
         * be added after that one, with an id Redis picks. */
        w->flags |= WF_AUTO_ID;
        inc(&s->ctr.out_of_order, 1);
        log_warn(s->lg, "%s: record %" PRIu64 "-%" PRIu64 " was refused and overtaken by a "
                 "newer one; it is added with a new id, out of order", s->where, w->r.id_ms,
                 w->r.id_seq);
        return;
    }
    if (c->bit == REDIS_MODE_STREAM)
        w->flags |= WF_REFUSED;
    inc(&s->ctr.error_replies, 1);
    log_refusal(s, c, rp->str);
}

static void on_reply(struct redis_sink *s, const redisReply *rp)
{
    const struct sent_cmd *c = &s->cmds[s->nreplied++];
    bool err = rp->type == REDIS_REPLY_ERROR;
    if (c->type == CMD_REC) {
        on_rec_reply(s, c, rp);
        return;
    }
    if (!err || s->handshake_failed)
        return;
    inc(&s->ctr.error_replies, 1);
    if (c->type == CMD_AUTH) {
        s->handshake_failed = true;
        ictw_usec now = ictw_monotonic();
        if (s->down_logged && now - s->last_fail_log < REPEAT_LOG_US)
            return;
        log_error(s->lg, "%s: AUTH%s%s failed: %s -- check the password in %s", s->where,
                  s->conf.url.user[0] ? " as user " : "", s->conf.url.user, rp->str,
                  s->conf.password_from ? s->conf.password_from : "the settings");
    } else if (c->type == CMD_SELECT) {
        s->handshake_failed = true;
        log_error(s->lg, "%s: SELECT %u failed: %s -- check the database number in redis.url",
                  s->where, s->conf.url.db, rp->str);
    } else if (!strncmp(rp->str, "NOAUTH", 6)) {
        s->handshake_failed = true;
        log_refusal(s, c, rp->str);
    } else {
        log_refusal(s, c, rp->str);
    }
}

/* Every reply of a round trip has arrived. */
static void round_done(struct redis_sink *s, ictw_usec now)
{
    if (s->st == ST_HANDSHAKE) {
        handshake_done(s, now);
        return;
    }
    inc(&s->ctr.batches, 1);
    s->st = ST_READY;
    s->ncmds = s->nreplied = 0;
    window_retire(s);
    /* Every pending command was sent: what is still pending was refused. */
    if (s->nwin > 0) {
        s->refuse_backoff_ms = s->refuse_backoff_ms ? ICTW_MIN(s->refuse_backoff_ms * 2, BACKOFF_MAX_MS)
                                                    : BACKOFF_MIN_MS;
        s->retry_at = now + (ictw_usec)s->refuse_backoff_ms * 1000;
    } else {
        s->refuse_backoff_ms = 0;
        s->retry_at = 0;
    }
}

static void read_replies(struct redis_sink *s, ictw_usec now)
{
    if (redisBufferRead(s->c) != REDIS_OK) {
        conn_lost(s, s->c->errstr, now);
        return;
    }
    void *rp;
    for (;;) {
        if (redisGetReplyFromReader(s->c, &rp) != REDIS_OK) {
            conn_lost(s, s->c->errstr, now);
            return;
        }
        if (!rp)
            break;
        if (s->nreplied >= s->ncmds) {
            freeReplyObject(rp);
            conn_lost(s, "a reply nobody asked for (protocol confusion)", now);
            return;
        }
        on_reply(s, rp);
        freeReplyObject(rp);
    }
    s->deadline = now + s->conf.command_timeout_ms * 1000;
    if (s->nreplied == s->ncmds)
        round_done(s, now);
}

/* Waits for the socket (at most POLL_MS) and moves the connection on. */
static void io_step(struct redis_sink *s, ictw_usec now)
{
    struct pollfd p = {.fd = s->c->fd, .events = POLLIN};
    if (s->st == ST_CONNECTING || s->need_write)
        p.events |= POLLOUT;
    int wait = POLL_MS;
    if (s->deadline > now)
        wait = (int)ICTW_MIN((ictw_usec)POLL_MS, (s->deadline - now) / 1000 + 1);
    int n = poll(&p, 1, wait);
    now = ictw_monotonic();
    if (n < 0 && errno != EINTR) {
        conn_lost(s, strerror(errno), now);
        return;
    }
    if (s->st == ST_CONNECTING) {
        if (n > 0)
            connect_done(s, now);
        else if (now >= s->deadline) {
            char why[96];
            snprintf(why, sizeof(why), "no connection within %" PRIu64 " ms (redis.connect-timeout)",
                     s->conf.connect_timeout_ms);
            conn_fail(s, why, now);
        }
        return;
    }
    if (n > 0 && (p.revents & POLLOUT) && s->need_write) {
        send_pipeline(s, now);
        if (!s->c)
            return;
    }
    if (n > 0 && (p.revents & (POLLIN | POLLERR | POLLHUP))) {
        read_replies(s, now);
        return;
    }
    if (now >= s->deadline) {
        char why[96];
        snprintf(why, sizeof(why), "no answer for %" PRIu64 " ms (redis.command-timeout)",
                 s->conf.command_timeout_ms);
        if (s->st == ST_HANDSHAKE)
            conn_fail(s, why, now);
        else
            conn_lost(s, why, now);
    }
}

/* Sends the window's pending commands (and a heartbeat when due); false
 * when there was nothing to send. */
static bool send_round(struct redis_sink *s, ictw_usec now)
{
    if (s->retry_at > now)
        return false;
    /* Under light load wait up to FILL_MS for a quarter batch: round trips
     * of one record each would take CPU from the packet path. */
    unsigned queued = redis_queue_len(s->q);
    if (s->nwin == 0 && queued > 0 && queued < s->conf.batch / 4 &&
        (!s->spool || spool_unread(s->spool) == 0) && !atomic_load(&s->closing)) {
        if (!s->fill_since)
            s->fill_since = now;
        if (now - s->fill_since < FILL_MS * 1000) {
            redis_queue_wait(s->q, s->conf.batch / 4, FILL_MS);
            return false;
        }
    }
    s->fill_since = 0;
    window_fill(s);
    s->ncmds = s->nreplied = 0;
    int rc = 0;
    if (s->conf.heartbeat_s && (now >= s->next_heartbeat || atomic_load(&s->hb_due))) {
        atomic_store(&s->hb_due, false);
        rc |= append_heartbeat(s);
    }
    for (unsigned i = 0; i < s->nwin; i++)
        if (s->win[i].pending)
            rc |= append_record(s, i);
    if (rc) {
        conn_lost(s, "out of memory", now);
        return false;
    }
    if (s->ncmds == 0) {
        window_retire(s);
        return false;
    }
    s->st = ST_BUSY;
    send_pipeline(s, now);
    return true;
}

/* ---- the thread ----------------------------------------------------------- */

static void update_spool_numbers(struct redis_sink *s)
{
    if (!s->spool)
        return;
    const struct spool_stats *st = spool_stats(s->spool);
    atomic_store_explicit(&s->ctr.spool_records, st->records, memory_order_relaxed);
    atomic_store_explicit(&s->ctr.spool_bytes, st->bytes, memory_order_relaxed);
    atomic_store_explicit(&s->ctr.dropped_spool_cap, st->dropped, memory_order_relaxed);
}

/* Live capture only: a line every 10 s while records are dropped at the queue. */
static void log_queue_drops(struct redis_sink *s, ictw_usec now)
{
    uint64_t d = ld(&s->ctr.dropped_queue_full);
    if (d == s->drops_logged || now - s->last_drop_log < 10 * ICTW_USEC_PER_SEC)
        return;
    log_error(s->lg, "%s: queue of %u records full: %" PRIu64 " records dropped (%" PRIu64
              " in all)%s", s->where, s->conf.queue_size, d - s->drops_logged, d,
              s->spool ? "; the spool cannot keep up" : "; set spool.dir to keep them on disk");
    s->drops_logged = d;
    s->last_drop_log = now;
}

/* While closing: true when the thread may end (after spooling what is left). */
static bool close_finished(struct redis_sink *s, ictw_usec now)
{
    bool all_sent = s->nwin == 0 && redis_queue_len(s->q) == 0 &&
                    (!s->spool || spool_unread(s->spool) == 0) && s->st != ST_BUSY &&
                    !(s->conf.heartbeat_s && s->st == ST_READY && atomic_load(&s->hb_due));
    if (all_sent)
        return true;
    if (now >= s->close_deadline || stop_requested(s))
        return true;
    /* Live: do not wait for a Redis known to be away (a first connection
     * still being made is waited for). */
    return !s->conf.replay_wait && s->st == ST_DOWN && s->down_since;
}

/* Whatever is still only in memory goes to the spool, or is counted lost. */
static void finish(struct redis_sink *s)
{
    if (s->st == ST_BUSY)
        conn_close(s);
    spill(s);
    uint64_t lost = 0;
    for (unsigned i = 0; i < s->nwin; i++) {
        if (!s->win[i].in_spool && s->win[i].pending)
            lost++;
        free(s->win[i].r.json);
    }
    s->nwin = 0;
    struct redis_qrec tmp[256];
    unsigned n;
    while ((n = redis_queue_pop(s->q, tmp, ICTW_ARRAY_LEN(tmp))) > 0)
        for (unsigned i = 0; i < n; i++) {
            free(tmp[i].json);
            lost++;
        }
    if (lost) {
        inc(&s->ctr.dropped_other, lost);
        log_error(s->lg, "%s: %" PRIu64 " records could not be sent before exit and there is "
                  "no spool.dir to keep them: they are lost", s->where, lost);
    }
    uint64_t left = spool_count(s);
    if (left)
        log_warn(s->lg, "%s: %" PRIu64 " records wait in the spool %s; they are sent first "
                 "at the next start", s->where, left, s->conf.spool_dir);
    if (!s->live) {
        s->meta.run_open = stop_requested(s) ? 1 : 0;
        if (s->input_stopped && s->stop_pos >= s->skip_upto) {
            s->meta.stop_pos = s->stop_pos;
            s->meta.shutdown = s->ordinal - s->stop_pos;
        }
    }
    save_meta(s);
    update_spool_numbers(s);
    conn_close(s);
    log_info(s->lg, "%s: %" PRIu64 " records taken, %" PRIu64 " delivered (XADD %" PRIu64
             ", already there %" PRIu64 ", PUBLISH %" PRIu64 ", push %" PRIu64 "), %" PRIu64
             " in the spool, dropped: queue full %" PRIu64 ", spool cap %" PRIu64 ", other %" PRIu64
             "%s", s->where, ld(&s->ctr.submitted), ld(&s->ctr.delivered), ld(&s->ctr.xadd_ok),
             ld(&s->ctr.xadd_duplicate), ld(&s->ctr.publish_ok), ld(&s->ctr.push_ok), left,
             ld(&s->ctr.dropped_queue_full), ld(&s->ctr.dropped_spool_cap), ld(&s->ctr.dropped_other),
             ld(&s->ctr.skipped_resumed) ? " (resumed replay: earlier run's records skipped)" : "");
}

static void *sink_thread(void *arg)
{
    struct redis_sink *s = arg;
    for (;;) {
        ictw_usec now = ictw_monotonic();
        if (atomic_load(&s->closing) && close_finished(s, now))
            break;
        if (stop_requested(s) && !s->spool)
            redis_queue_allow_wait(s->q, false);   /* nowhere to put records: do not block */
        if (s->st == ST_DOWN && now >= s->next_attempt && !stop_requested(s))
            conn_start(s, now);
        bool sent = s->st == ST_READY && send_round(s, now);
        if (should_spill(s))
            spill(s);
        update_spool_numbers(s);
        log_queue_drops(s, now);
        if (s->c && s->st != ST_READY)
            io_step(s, ictw_monotonic());
        else if (!sent)
            redis_queue_wait(s->q, 1, POLL_MS);
    }
    finish(s);
    return NULL;
}

/* ---- public --------------------------------------------------------------- */

struct redis_sink *redis_sink_new(const struct config *cfg, const char *sensor_id, bool live,
                                  const struct log_ctx *lg, char *err, size_t errlen)
{
    err[0] = '\0';
    struct redis_sink *s = calloc(1, sizeof(*s));
    if (!s) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    int rc = redis_conf_load(&s->conf, cfg, sensor_id, live, err, errlen);
    if (rc) {
        redis_conf_free(&s->conf);
        free(s);
        return NULL;
    }
    if (s->conf.url.user[0] && !s->conf.password) {
        snprintf(err, errlen, "redis.url names the user '%s' but no password is set: use "
                 "redis.password-file or redis.password-env", s->conf.url.user);
        goto fail;
    }
    s->lg = lg;
    s->live = live;
    if (s->conf.url.is_unix)
        snprintf(s->where, sizeof(s->where), "redis %s", s->conf.url.path);
    else
        snprintf(s->where, sizeof(s->where), "redis %s:%d", s->conf.url.host, s->conf.url.port);
    if (s->conf.warning[0])
        log_warn(lg, "%s", s->conf.warning);
    if (s->conf.spool_dir) {
        s->spool = spool_open(s->conf.spool_dir, s->conf.spool_max, lg, err, errlen);
        if (!s->spool)
            goto fail;
    } else if (live) {
        log_warn(lg, "%s: no spool.dir set: alerts are dropped (counted) when Redis is away "
                 "longer than the queue of %u records lasts", s->where, s->conf.queue_size);
    }
    s->q = redis_queue_new(s->conf.queue_size);
    s->win = calloc(s->conf.batch, sizeof(*s->win));
    if (!s->q || !s->win) {
        snprintf(err, errlen, "out of memory for the Redis queue (redis.queue-size)");
        goto fail;
    }
    pthread_mutex_init(&s->hb_mu, NULL);
    ictw_strlcpy(s->hb.version, ICTW_VERSION, sizeof(s->hb.version));
    s->hb.n.started = ictw_wallclock();
    setup_ids(s, cfg);
    update_spool_numbers(s);
    /* The thread runs with every signal blocked: SIGINT/SIGTERM stay with the
     * main thread, and a write to a connection Redis closed gives EPIPE
     * instead of killing the process with SIGPIPE. */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int prc = pthread_create(&s->thread, NULL, sink_thread, s);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (prc) {
        snprintf(err, errlen, "cannot start the Redis output thread");
        pthread_mutex_destroy(&s->hb_mu);
        goto fail;
    }
    s->thread_started = true;
    return s;
fail:
    spool_close(s->spool);
    redis_queue_free(s->q);
    free(s->win);
    redis_conf_free(&s->conf);
    free(s);
    return NULL;
}

void redis_sink_set_stop_flag(struct redis_sink *s, const volatile sig_atomic_t *stop)
{
    s->stop = stop;
}

bool redis_sink_wants(const struct redis_sink *s, enum eve_kind kind)
{
    return s && (s->conf.kinds & EVE_KIND_MASK(kind));
}

void redis_sink_submit(struct redis_sink *s, enum eve_kind kind, int severity, const char *json,
                       size_t len)
{
    if (!redis_sink_wants(s, kind))
        return;
    inc(&s->ctr.submitted, 1);
    if (len > UINT32_MAX) {
        inc(&s->ctr.dropped_other, 1);
        return;
    }
    struct redis_qrec r = {0, 0, (uint8_t)kind, (int8_t)ICTW_MIN(ICTW_MAX(severity, -128), 127),
                           (uint32_t)len, malloc(len ? len : 1)};
    if (!r.json) {
        inc(&s->ctr.dropped_other, 1);
        return;
    }
    memcpy(r.json, json, len);
    enum redis_queue_result res = redis_queue_push(s->q, &r, producer_may_wait(s), assign_id, s);
    if (res == REDIS_QUEUE_OK)
        return;
    free(r.json);
    inc(res == REDIS_QUEUE_SKIPPED ? &s->ctr.skipped_resumed : &s->ctr.dropped_queue_full, 1);
}

void redis_sink_input_stopped(struct redis_sink *s)
{
    if (!s || !s->replay_ids || s->input_stopped)
        return;
    s->stop_pos = s->ordinal;       /* only the packet thread moves ordinal */
    s->input_stopped = true;
}

void redis_sink_heartbeat(struct redis_sink *s, const struct redis_heartbeat_info *info)
{
    if (!s)
        return;
    pthread_mutex_lock(&s->hb_mu);
    /* A new identity (the first call, or a changed country) goes out at once. */
    if (strcmp(s->hb.country, info->country ? info->country : "") ||
        strcmp(s->hb.organisation, info->organisation ? info->organisation : ""))
        atomic_store(&s->hb_due, true);
    ictw_usec started = s->hb.n.started;
    s->hb.n = *info;
    if (!info->started)
        s->hb.n.started = started;
    ictw_strlcpy(s->hb.version, info->version ? info->version : "", sizeof(s->hb.version));
    ictw_strlcpy(s->hb.country, info->country ? info->country : "", sizeof(s->hb.country));
    ictw_strlcpy(s->hb.organisation, info->organisation ? info->organisation : "",
                 sizeof(s->hb.organisation));
    s->hb.n.version = s->hb.n.country = s->hb.n.organisation = NULL;
    pthread_mutex_unlock(&s->hb_mu);
}

void redis_sink_close(struct redis_sink *s)
{
    if (!s)
        return;
    if (s->thread_started) {
        s->close_deadline = ictw_monotonic() + s->conf.close_timeout_ms * 1000;
        atomic_store(&s->hb_due, true);      /* the final counts */
        atomic_store(&s->closing, true);
        redis_queue_wake(s->q);
        pthread_join(s->thread, NULL);
        pthread_mutex_destroy(&s->hb_mu);
    }
    spool_close(s->spool);
    redis_queue_free(s->q);
    free(s->win);
    free(s->cmds);
    redis_conf_free(&s->conf);
    free(s);
}

void redis_sink_stats(const struct redis_sink *s, struct redis_sink_stats *o)
{
    memset(o, 0, sizeof(*o));
    if (!s)
        return;
    const struct counters *c = &s->ctr;
    o->submitted = ld(&c->submitted);
    o->delivered = ld(&c->delivered);
    o->skipped_resumed = ld(&c->skipped_resumed);
    o->xadd_ok = ld(&c->xadd_ok);
    o->xadd_duplicate = ld(&c->xadd_duplicate);
    o->publish_ok = ld(&c->publish_ok);
    o->push_ok = ld(&c->push_ok);
    o->out_of_order = ld(&c->out_of_order);
    o->error_replies = ld(&c->error_replies);
    o->connects = ld(&c->connects);
    o->disconnects = ld(&c->disconnects);
    o->connect_failures = ld(&c->connect_failures);
    o->batches = ld(&c->batches);
    o->spooled = ld(&c->spooled);
    o->spool_records = ld(&c->spool_records);
    o->spool_bytes = ld(&c->spool_bytes);
    o->dropped_queue_full = ld(&c->dropped_queue_full);
    o->dropped_spool_cap = ld(&c->dropped_spool_cap);
    o->dropped_other = ld(&c->dropped_other);
}
