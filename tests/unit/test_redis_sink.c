/* test_redis_sink.c - the Redis sink against a real redis-server.
 *
 * Each test starts its own redis-server (free port + unix socket, appendonly
 * yes) and pushes synthetic EVE-like records through redis_sink_submit, then
 * reads the stream back and checks: exact count, exact bytes, order, no
 * duplicates -- across Redis being killed and restarted, stopped (SIGSTOP),
 * refusing writes (wrong password, WRONGTYPE, ACL), connections killed
 * mid-pipeline, and the sensor itself being killed and started again.
 * Skipped when redis-server is not installed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>

#include "ictwatch/config.h"
#include "ictwatch/log.h"
#include "output/redis.h"
#include "redis_testlib.h"

static const struct log_ctx lg = {"test_redis_sink", LOG_INFO};

/* ---- records -------------------------------------------------------------- */

static size_t make_json(unsigned n, char *buf, size_t cap)
{
    size_t pad = 100 + (n * 7919u) % 300u;
    int k = snprintf(buf, cap, "{\"timestamp\":\"2024-01-01T00:00:00.000000+0000\","
                     "\"event_type\":\"alert\",\"n\":%u,\"alert\":{\"severity\":%u},\"pad\":\"",
                     n, n % 3 + 1);
    size_t len = (size_t)k;
    for (size_t i = 0; i < pad && len < cap - 3; i++)
        buf[len++] = (char)('a' + (n + i) % 26);
    buf[len++] = '"';
    buf[len++] = '}';
    buf[len] = '\0';
    return len;
}

static void submit_range(struct redis_sink *s, unsigned first, unsigned last, unsigned pace_per_10ms)
{
    char buf[1024];
    for (unsigned n = first; n <= last; n++) {
        size_t len = make_json(n, buf, sizeof(buf));
        redis_sink_submit(s, EVE_KIND_ALERT, (int)(n % 3 + 1), buf, len);
        if (pace_per_10ms && n % pace_per_10ms == 0)
            tr_sleep_ms(10);
    }
}

static unsigned json_n(const char *s, size_t len)
{
    const char *p = memmem(s, len, "\"n\":", 4);
    return p ? (unsigned)strtoul(p + 4, NULL, 10) : 0;
}

/* Reads the whole stream and checks it holds exactly records first..last, in
 * order, byte-identical, with strictly increasing ids. Returns the count. */
static long check_stream(const struct test_redis *r, const char *key, unsigned first, unsigned last)
{
    redisContext *c = tr_connect(r);
    assert_non_null(c);
    char start[64] = "-", buf[1024];
    long count = 0;
    unsigned expect = first;
    for (;;) {
        redisReply *rp = redisCommand(c, "XRANGE %s %s + COUNT 10000", key, start);
        assert_non_null(rp);
        assert_int_equal(rp->type, REDIS_REPLY_ARRAY);
        if (rp->elements == 0) {
            freeReplyObject(rp);
            break;
        }
        for (size_t i = 0; i < rp->elements; i++) {
            redisReply *e = rp->element[i];
            redisReply *f = e->element[1];
            assert_int_equal(f->elements, 2);
            assert_string_equal(f->element[0]->str, "eve");
            size_t len = make_json(expect, buf, sizeof(buf));
            unsigned got = json_n(f->element[1]->str, f->element[1]->len);
            if (got != expect)
                fail_msg("stream %s entry %ld (%s): record %u, expected %u", key, count,
                         e->element[0]->str, got, expect);
            assert_int_equal(f->element[1]->len, len);
            assert_memory_equal(f->element[1]->str, buf, len);
            expect++;
            count++;
        }
        snprintf(start, sizeof(start), "(%s", rp->element[rp->elements - 1]->element[0]->str);
        freeReplyObject(rp);
    }
    redisFree(c);
    assert_int_equal(count, (long)(last - first + 1));
    return count;
}

static void cfg_set(struct config *c, const char *k, const char *v)
{
    assert_int_equal(config_add(c, k, v, "test", 0), 0);
}

static void cfg_url(struct config *c, const struct test_redis *r, bool tcp)
{
    char url[400];
    if (tcp)
        snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r->port);
    else
        snprintf(url, sizeof(url), "unix://%s", r->sock);
    cfg_set(c, "redis.url", url);
}

static struct redis_sink *sink_new(struct config *c, const char *id, bool live)
{
    char err[512];
    struct redis_sink *s = redis_sink_new(c, id, live, &lg, err, sizeof(err));
    if (!s)
        fail_msg("redis_sink_new: %s", err);
    return s;
}

/* Waits until the sink confirmed `want` records (or ms pass). */
static bool wait_delivered(struct redis_sink *s, uint64_t want, long ms)
{
    struct redis_sink_stats st;
    for (long t = 0; t < ms; t += 20) {
        redis_sink_stats(s, &st);
        if (st.delivered >= want)
            return true;
        tr_sleep_ms(20);
    }
    return false;
}

/* stderr into a file, to check the log lines a person would see. */
static int capture_begin(const char *path)
{
    fflush(stderr);
    int saved = dup(2), fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(fd, 2);
    close(fd);
    return saved;
}

static void capture_end(int saved)
{
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
}

static bool file_contains(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    bool found = false;
    while (f && !found && fgets(line, sizeof(line), f))
        found = strstr(line, needle) != NULL;
    if (f)
        fclose(f);
    return found;
}

static int setup_check(void **state)
{
    (void)state;
    if (!tr_have_server())
        skip();
    return 0;
}

/* ---- subscriber ----------------------------------------------------------- */

struct subscriber {
    const struct test_redis *r;
    unsigned want;
    unsigned main_count, sev_count[4];
    bool in_order;
    bool ready;
};

static void *subscriber_run(void *arg)
{
    struct subscriber *sb = arg;
    redisContext *c = tr_connect(sb->r);
    struct timeval tv = {5, 0};
    redisSetTimeout(c, tv);
    redisReply *rp = redisCommand(c, "SUBSCRIBE ictwatch:alerts ictwatch:alerts:sev1 "
                                     "ictwatch:alerts:sev2 ictwatch:alerts:sev3");
    freeReplyObject(rp);
    for (int i = 0; i < 3; i++) {           /* the other three subscribe confirmations */
        void *x;
        redisGetReply(c, &x);
        freeReplyObject(x);
    }
    sb->in_order = true;
    __atomic_store_n(&sb->ready, true, __ATOMIC_SEQ_CST);
    unsigned next = 1, total = 0;
    while (total < sb->want * 2) {
        void *x;
        if (redisGetReply(c, &x) != REDIS_OK)
            break;
        redisReply *m = x;
        const char *chan = m->element[1]->str;
        unsigned n = json_n(m->element[2]->str, m->element[2]->len);
        if (!strcmp(chan, "ictwatch:alerts")) {
            sb->in_order &= n == next++;
            sb->main_count++;
        } else {
            unsigned sev = (unsigned)(chan[strlen(chan) - 1] - '0');
            sb->in_order &= sev == n % 3 + 1;
            sb->sev_count[sev]++;
        }
        total++;
        freeReplyObject(m);
    }
    redisFree(c);
    return NULL;
}

/* ---- tests ---------------------------------------------------------------- */

/* stream + publish (also per severity) + rpush: every mode gets every record,
 * byte-identical, in order; the heartbeat hash and the sensors set exist. */
static void test_all_modes_exact(void **state)
{
    (void)state;
    struct test_redis r;
    assert_int_equal(tr_new(&r, 0), 0);
    const unsigned N = 3000;
    struct subscriber sb = {.r = &r, .want = N};
    pthread_t th;
    pthread_create(&th, NULL, subscriber_run, &sb);
    while (!__atomic_load_n(&sb.ready, __ATOMIC_SEQ_CST))
        tr_sleep_ms(5);

    struct config c;
    config_init(&c);
    cfg_url(&c, &r, true);
    cfg_set(&c, "redis.mode", "stream,publish,rpush");
    cfg_set(&c, "redis.channel-per-severity", "yes");
    cfg_set(&c, "heartbeat.interval", "7");
    cfg_set(&c, "country", "KZ");
    struct redis_sink *s = sink_new(&c, "s1", false);
    struct redis_heartbeat_info hb = {.version = "9.9", .country = "KZ", .organisation = "CERT",
                                      .started = 1700000000ull * 1000000, .packets = 42,
                                      .alerts = N, .rules_loaded = 17};
    redis_sink_heartbeat(s, &hb);
    assert_false(redis_sink_wants(s, EVE_KIND_FLOW));
    redis_sink_submit(s, EVE_KIND_FLOW, 0, "{\"flow\":1}", 10);   /* not a kind for Redis */
    submit_range(s, 1, N, 0);
    redis_sink_close(s);
    pthread_join(th, NULL);

    check_stream(&r, "ictwatch:eve:{s1}", 1, N);
    assert_int_equal(sb.main_count, N);
    assert_int_equal(sb.sev_count[1] + sb.sev_count[2] + sb.sev_count[3], N);
    assert_int_equal(sb.sev_count[2], N / 3);
    assert_true(sb.in_order);
    /* RPUSH keeps arrival order: LPOP-style FIFO. */
    redisReply *l = tr_cmd(&r, "LRANGE %s 0 -1", "ictwatch:eve-list:{s1}");
    assert_int_equal(l->elements, N);
    char buf[1024];
    for (unsigned i = 0; i < N; i++) {
        size_t len = make_json(i + 1, buf, sizeof(buf));
        assert_int_equal(l->element[i]->len, len);
        assert_memory_equal(l->element[i]->str, buf, len);
    }
    freeReplyObject(l);
    assert_int_equal(tr_int(&r, "SISMEMBER ictwatch:sensors s1"), 1);
    redisReply *h = tr_cmd(&r, "HGET ictwatch:sensor:{s1} rules_loaded");
    assert_string_equal(h->str, "17");
    freeReplyObject(h);
    h = tr_cmd(&r, "HGET ictwatch:sensor:{s1} country");
    assert_string_equal(h->str, "KZ");
    freeReplyObject(h);
    long long ttl = tr_int(&r, "TTL ictwatch:sensor:{s1}");
    assert_true(ttl > 0 && ttl <= 21);
    config_free(&c);
    tr_destroy(&r);
}

/* Live capture with a spool: Redis is killed (SIGKILL) in the middle of
 * 150,000 records and comes back 2 s later from its append-only file; the
 * stream ends with exactly the 150,000 records in order. */
static void test_outage_killed_redis_live_spool(void **state)
{
    (void)state;
    struct test_redis r;
    assert_int_equal(tr_new(&r, 0), 0);
    char spool[300];
    snprintf(spool, sizeof(spool), "%s/spool", r.dir);
    struct config c;
    config_init(&c);
    cfg_url(&c, &r, true);
    cfg_set(&c, "redis.mode", "stream");
    cfg_set(&c, "spool.dir", spool);
    cfg_set(&c, "redis.connect-timeout", "300ms");
    cfg_set(&c, "redis.command-timeout", "500ms");
    struct redis_sink *s = sink_new(&c, "live1", true);
    const unsigned N = 150000;
    submit_range(s, 1, 50000, 1000);
    assert_true(wait_delivered(s, 20000, 10000));
    tr_signal(&r, SIGKILL);
    submit_range(s, 50001, 100000, 1000);      /* Redis is away: the spool takes these */
    tr_sleep_ms(1500);
    struct redis_sink_stats st;
    redis_sink_stats(s, &st);
    assert_true(st.spooled > 0);
    assert_true(st.spool_records > 0);
    assert_int_equal(tr_start(&r), 0);
    submit_range(s, 100001, N, 1000);
    assert_true(wait_delivered(s, N, 60000));
    redis_sink_close(s);
    check_stream(&r, "ictwatch:eve:{live1}", 1, N);
    config_free(&c);
    tr_destroy(&r);
}

/* Replay with replay-wait: Redis is frozen (SIGSTOP) for 2 s; the sink times
 * out, reconnects when it is back, resends what was unanswered, and the
 * stream refuses the ids it already has: exactly N, in order. */
static void test_outage_stopped_redis_replay_wait(void **state)
{
    (void)state;
    struct test_redis r;
    assert_int_equal(tr_new(&r, 0), 0);
    struct config c;
    config_init(&c);
    cfg_url(&c, &r, false);
    cfg_set(&c, "redis.mode", "stream");
    cfg_set(&c, "redis.command-timeout", "300ms");
    cfg_set(&c, "redis.connect-timeout", "300ms");
    cfg_set(&c, "redis.queue-size", "2000");
    struct redis_sink *s = sink_new(&c, "rp1", false);
    const unsigned N = 120000;
    submit_range(s, 1, 40000, 0);
    tr_signal(&r, SIGSTOP);
    /* Producer blocks while Redis is frozen; wake Redis from here after 2 s. */
    pid_t waker = fork();
    if (waker == 0) {
        tr_sleep_ms(2000);
        kill(r.pid, SIGCONT);
        _exit(0);
    }
    submit_range(s, 40001, N, 0);
    waitpid(waker, NULL, 0);
    redis_sink_close(s);
    check_stream(&r, "ictwatch:eve:{rp1}", 1, N);
    config_free(&c);
    tr_destroy(&r);
}

/* Wrong password: a clear log line, nothing delivered, nothing lost; once the
 * server's password matches, everything arrives. */
static void test_wrong_password(void **state)
{
    (void)state;
    struct test_redis r;
    assert_int_equal(tr_new(&r, 2, "--requirepass", "right-pass"), 0);
    setenv("ICTW_TEST_REDIS_PASS", "wrong-pass", 1);
    struct config c;
    config_init(&c);
    cfg_url(&c, &r, true);
    cfg_set(&c, "redis.mode", "stream");
    cfg_set(&c, "redis.password-env", "ICTW_TEST_REDIS_PASS");
    char logp[400];
    snprintf(logp, sizeof(logp), "%s/stderr.txt", r.dir);
    int saved = capture_begin(logp);
    struct redis_sink *s = sink_new(&c, "pw1", false);
    submit_range(s, 1, 500, 0);
    tr_sleep_ms(800);
    struct redis_sink_stats st;
    redis_sink_stats(s, &st);
    assert_int_equal(st.delivered, 0);
    assert_true(st.connect_failures > 0);
    /* The operator fixes the server side: the sink gets in on its next try. */
    redisContext *ac = tr_connect(&r);
    redisReply *rp = redisCommand(ac, "AUTH right-pass");
    freeReplyObject(rp);
    rp = redisCommand(ac, "CONFIG SET requirepass wrong-pass");
    freeReplyObject(rp);
    redisFree(ac);
    assert_true(wait_delivered(s, 500, 10000));
    redis_sink_close(s);
    capture_end(saved);
    assert_true(file_contains(logp, "AUTH failed: WRONGPASS"));
    assert_true(file_contains(logp, "environment variable ICTW_TEST_REDIS_PASS"));
    redisContext *vc = tr_connect(&r);
    rp = redisCommand(vc, "AUTH wrong-pass");
    freeReplyObject(rp);
    rp = redisCommand(vc, "XLEN ictwatch:eve:{pw1}");
    assert_int_equal(rp->integer, 500);
    freeReplyObject(rp);
    redisFree(vc);
    config_free(&c);
    tr_destroy(&r);
}

/* The stream key holds a string: WRONGTYPE is logged with what to do, the
 * records wait (live: in the spool) and arrive in order once it is fixed. */
static void test_wrongtype_key(void **state)
{
    (void)state;
    struct test_redis r;
    assert_int_equal(tr_new(&r, 0), 0);
    freeReplyObject(tr_cmd(&r, "SET ictwatch:eve:{wt1} oops"));
    char spool[300], logp[400];
    snprintf(spool, sizeof(spool), "%s/spool", r.dir);
    snprintf(logp, sizeof(logp), "%s/stderr.txt", r.dir);
    struct config c;
    config_init(&c);
    cfg_url(&c, &r, false);
    cfg_set(&c, "redis.mode", "stream,publish");
    cfg_set(&c, "spool.dir", spool);
    int saved = capture_begin(logp);
    struct redis_sink *s = sink_new(&c, "wt1", true);
    submit_range(s, 1, 2000, 500);
    tr_sleep_ms(1000);
    struct redis_sink_stats st;
    redis_sink_stats(s, &st);
    assert_true(st.error_replies > 0);
    assert_true(st.delivered < 2000);
    freeReplyObject(tr_cmd(&r, "DEL ictwatch:eve:{wt1}"));
    submit_range(s, 2001, 3000, 500);
    assert_true(wait_delivered(s, 3000, 20000));
    redis_sink_stats(s, &st);
    redis_sink_close(s);
    capture_end(saved);
    assert_true(file_contains(logp, "XADD ictwatch:eve:{wt1} refused: WRONGTYPE"));
    assert_true(file_contains(logp, "rename or delete it"));
    check_stream(&r, "ictwatch:eve:{wt1}", 1, 3000);
    /* PUBLISH worked all along and was not repeated for the refused records. */
    assert_int_equal(st.publish_ok, 3000);
    config_free(&c);
    tr_destroy(&r);
}

/* The server drops the sink's connection (CLIENT KILL) again and again while
 * 100,000 records stream through: no loss, no duplicate. The kills really hit
 * the sink (CLIENT KILL says how many connections it closed, the sink counts
 * disconnects), and the log names the lost connection and the unanswered
 * commands it sends again. */
static void test_client_kill_mid_pipeline(void **state)
{
    (void)state;
    struct test_redis r;
    assert_int_equal(tr_new(&r, 0), 0);
    char logp[400];
    snprintf(logp, sizeof(logp), "%s/stderr.txt", r.dir);
    struct config c;
    config_init(&c);
    cfg_url(&c, &r, true);
    cfg_set(&c, "redis.mode", "stream");
    cfg_set(&c, "redis.queue-size", "5000");
    int saved = capture_begin(logp);
    struct redis_sink *s = sink_new(&c, "ck1", false);
    const unsigned N = 100000;
    /* The killer reports through its exit status how many connections its
     * CLIENT KILLs closed (the sink's is the only other client). */
    pid_t killer = fork();
    if (killer == 0) {
        long long killed = 0;
        for (int i = 0; i < 15; i++) {
            tr_sleep_ms(40);
            redisReply *rp = tr_cmd(&r, "CLIENT KILL TYPE normal SKIPME yes");
            if (rp && rp->type == REDIS_REPLY_INTEGER)
                killed += rp->integer;
            freeReplyObject(rp);
        }
        _exit(killed > 100 ? 100 : (int)killed);
    }
    submit_range(s, 1, N, 0);
    int kst;
    waitpid(killer, &kst, 0);
    struct redis_sink_stats st;
    redis_sink_stats(s, &st);
    redis_sink_close(s);
    capture_end(saved);
    assert_true(WIFEXITED(kst));
    int killed = WEXITSTATUS(kst);
    if (killed < 1)
        fail_msg("CLIENT KILL closed no connection: the test did not disconnect the sink");
    if (st.disconnects < 1)
        fail_msg("the sink saw no lost connection (%d CLIENT KILLs hit)", killed);
    assert_true(st.connects >= 2);       /* it came back after the kill */
    assert_true(file_contains(logp, "connection lost"));
    /* At least one kill caught a pipeline in flight: the line says so. */
    assert_true(file_contains(logp, "commands unanswered"));
    assert_true(file_contains(logp, "they will be sent again"));
    check_stream(&r, "ictwatch:eve:{ck1}", 1, N);
    config_free(&c);
    tr_destroy(&r);
}

/* A sensor user with the ACL of docs/redis.md: it can write its own stream,
 * heartbeat and the channel, and cannot write another sensor's stream. */
static void test_acl_sensor_user(void **state)
{
    (void)state;
    struct test_redis r;
    assert_int_equal(tr_new(&r, 0), 0);
    redisReply *rp = tr_cmd(&r, "ACL SETUSER sensor-a1 on >a1-secret resetkeys resetchannels "
                                "-@all +xadd +hset +expire +sadd +publish +ping +auth "
                                "~ictwatch:eve:{a1} ~ictwatch:sensor:{a1} ~ictwatch:sensors "
                                "&ictwatch:alerts &ictwatch:alerts:sev*");
    assert_int_equal(rp->type, REDIS_REPLY_STATUS);
    freeReplyObject(rp);
    char pw[400], spool[300], logp[400];
    snprintf(pw, sizeof(pw), "%s/a1.pass", r.dir);
    snprintf(spool, sizeof(spool), "%s/spool", r.dir);
    snprintf(logp, sizeof(logp), "%s/stderr.txt", r.dir);
    FILE *f = fopen(pw, "w");
    fputs("a1-secret\n", f);
    fclose(f);
    chmod(pw, 0600);
    char url[400];
    snprintf(url, sizeof(url), "redis://sensor-a1@127.0.0.1:%d", r.port);

    struct config c;
    config_init(&c);
    cfg_set(&c, "redis.url", url);
    cfg_set(&c, "redis.password-file", pw);
    struct redis_sink *s = sink_new(&c, "a1", false);
    submit_range(s, 1, 1000, 0);
    redis_sink_close(s);
    check_stream(&r, "ictwatch:eve:{a1}", 1, 1000);
    assert_int_equal(tr_int(&r, "SISMEMBER ictwatch:sensors a1"), 1);
    assert_int_equal(tr_int(&r, "EXISTS ictwatch:sensor:{a1}"), 1);

    /* The same user pointed at sensor b2's stream: NOPERM, logged; the
     * records are kept in the spool, and b2's stream is never created. */
    struct config c2;
    config_init(&c2);
    cfg_set(&c2, "redis.url", url);
    cfg_set(&c2, "redis.password-file", pw);
    cfg_set(&c2, "redis.mode", "stream");
    cfg_set(&c2, "redis.stream-key", "ictwatch:eve:{b2}");
    cfg_set(&c2, "spool.dir", spool);
    cfg_set(&c2, "redis.close-timeout", "500ms");
    int saved = capture_begin(logp);
    s = sink_new(&c2, "a1", true);
    submit_range(s, 1, 100, 0);
    tr_sleep_ms(500);
    redis_sink_close(s);
    capture_end(saved);
    assert_true(file_contains(logp, "XADD ictwatch:eve:{b2} refused: NOPERM"));
    assert_int_equal(tr_int(&r, "EXISTS ictwatch:eve:{b2}"), 0);
    s = sink_new(&c2, "a1", true);     /* the spool kept all 100 */
    struct redis_sink_stats st;
    redis_sink_stats(s, &st);
    assert_int_equal(st.spool_records, 100);
    saved = capture_begin(logp);
    redis_sink_close(s);
    capture_end(saved);
    config_free(&c);
    config_free(&c2);
    tr_destroy(&r);
}

/* ---- live capture never waits on a frozen Redis ---------------------------- */

struct frozen_result {
    long submit_ms;                 /* how long the 200,000 submits took */
    struct redis_sink_stats st;     /* after Redis came back and the sink closed */
};

/* Child process: a live sink connected to Redis (it delivered a first 100),
 * then Redis is frozen (SIGSTOP) and N more records are submitted. A submit
 * that waited for Redis would hang here: alarm() kills the child and the
 * parent's wait on the pipe times out. Once the submits returned, Redis is
 * woken and the child waits for delivery, closes the sink and reports. */
static void frozen_child(struct test_redis *r, const char *spool, unsigned n, int wfd)
{
    struct config c;
    config_init(&c);
    char url[400];
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", r->port);
    config_add(&c, "redis.url", url, "test", 0);
    config_add(&c, "redis.mode", "stream", "test", 0);
    config_add(&c, "redis.queue-size", spool ? "20000" : "10000", "test", 0);
    config_add(&c, "redis.command-timeout", "1s", "test", 0);
    config_add(&c, "redis.connect-timeout", "500ms", "test", 0);
    config_add(&c, "redis.close-timeout", "60s", "test", 0);
    if (spool)
        config_add(&c, "spool.dir", spool, "test", 0);
    char err[512];
    struct redis_sink *s = redis_sink_new(&c, "fz1", true, &lg, err, sizeof(err));
    if (!s)
        _exit(3);
    submit_range(s, 1, 100, 0);
    if (!wait_delivered(s, 100, 10000))
        _exit(4);
    kill(r->pid, SIGSTOP);
    tr_sleep_ms(100);
    alarm(60);                      /* a hung submit dies here (SIGALRM) */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* With a spool: paced (200,000 records/s at most) so that the disk, not
     * the test machine's speed, decides; without: as fast as possible. */
    submit_range(s, 101, 100 + n, spool ? 2000 : 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    alarm(0);
    struct frozen_result res;
    memset(&res, 0, sizeof(res));
    res.submit_ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
    struct redis_sink_stats st;
    redis_sink_stats(s, &st);
    kill(r->pid, SIGCONT);
    /* Everything not dropped at the queue arrives once Redis answers again. */
    wait_delivered(s, st.submitted - st.dropped_queue_full, 60000);
    redis_sink_stats(s, &res.st);
    redis_sink_close(s);
    config_free(&c);
    if (write(wfd, &res, sizeof(res)) != (ssize_t)sizeof(res))
        _exit(5);
    _exit(0);
}

static void run_frozen(struct test_redis *r, const char *spool, unsigned n, struct frozen_result *res)
{
    int pfd[2];
    assert_int_equal(pipe(pfd), 0);
    pid_t child = fork();
    if (child == 0) {
        close(pfd[0]);
        frozen_child(r, spool, n, pfd[1]);
    }
    close(pfd[1]);
    /* Generous: a non-blocking submit takes a second or two even on a noisy
     * VM; a blocking one never returns while Redis is stopped. */
    struct pollfd p = {.fd = pfd[0], .events = POLLIN};
    int ready = poll(&p, 1, 120000);
    ssize_t got = ready > 0 ? read(pfd[0], res, sizeof(*res)) : -1;
    close(pfd[0]);
    int status = 0;
    if (got != (ssize_t)sizeof(*res))
        kill(child, SIGKILL);
    waitpid(child, &status, 0);
    kill(r->pid, SIGCONT);
    if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM)
        fail_msg("redis_sink_submit blocked on a live sink while Redis was frozen");
    if (got != (ssize_t)sizeof(*res) || !WIFEXITED(status) || WEXITSTATUS(status) != 0)
        fail_msg("child failed: read %zd, status %#x", got, status);
}

/* Live capture, Redis frozen (SIGSTOP) while connected, no spool: 200,000
 * submits return at once; what the queue held is delivered in order after
 * SIGCONT, the rest is dropped and counted, and the two add up. */
static void test_live_frozen_redis_no_spool_never_blocks(void **state)
{
    (void)state;
    struct test_redis r;
    assert_int_equal(tr_new(&r, 0), 0);
    const unsigned N = 200000;
    struct frozen_result res;
    run_frozen(&r, NULL, N, &res);
    if (res.submit_ms > 20000)
        fail_msg("200,000 submits took %ld ms with Redis frozen", res.submit_ms);
    assert_int_equal(res.st.submitted, N + 100);
    assert_true(res.st.dropped_queue_full > 0);
    long long len = tr_int(&r, "XLEN ictwatch:eve:{fz1}");
    assert_int_equal((uint64_t)len + res.st.dropped_queue_full, N + 100);
    check_stream(&r, "ictwatch:eve:{fz1}", 1, (unsigned)len);
    tr_destroy(&r);
}

/* The same with a spool: the submits return at once, nothing is dropped, and
 * after SIGCONT the stream holds all 200,100 records, in order, once. */
static void test_live_frozen_redis_spool_never_blocks(void **state)
{
    (void)state;
    struct test_redis r;
    assert_int_equal(tr_new(&r, 0), 0);
    char spool[300];
    snprintf(spool, sizeof(spool), "%s/spool", r.dir);
    const unsigned N = 200000;
    struct frozen_result res;
    run_frozen(&r, spool, N, &res);
    if (res.submit_ms > 20000)
        fail_msg("200,000 submits took %ld ms with Redis frozen", res.submit_ms);
    assert_int_equal(res.st.submitted, N + 100);
    assert_int_equal(res.st.dropped_queue_full, 0);
    assert_true(res.st.spooled > 0);          /* the frozen Redis made it spool */
    check_stream(&r, "ictwatch:eve:{fz1}", 1, N + 100);
    tr_destroy(&r);
}

/* Redis is down when the sensor stops: the records wait in the spool; the
 * next sensor start sends them first, then its new records: one ordered
 * stream. */
static void test_spool_drained_first_after_restart(void **state)
{
    (void)state;
    struct test_redis r;
    assert_int_equal(tr_new(&r, 0), 0);
    char spool[300];
    snprintf(spool, sizeof(spool), "%s/spool", r.dir);
    struct config c;
    config_init(&c);
    cfg_url(&c, &r, false);
    cfg_set(&c, "redis.mode", "stream");
    cfg_set(&c, "spool.dir", spool);
    struct redis_sink *s = sink_new(&c, "rs1", true);
    submit_range(s, 1, 1000, 0);
    assert_true(wait_delivered(s, 1000, 10000));
    tr_signal(&r, SIGTERM);
    submit_range(s, 1001, 5000, 500);
    redis_sink_close(s);       /* Redis away: spooled */
    assert_int_equal(tr_start(&r), 0);
    s = sink_new(&c, "rs1", true);
    struct redis_sink_stats st;
    redis_sink_stats(s, &st);
    assert_int_equal(st.spool_records, 4000);
    submit_range(s, 5001, 6000, 0);
    redis_sink_close(s);
    check_stream(&r, "ictwatch:eve:{rs1}", 1, 6000);
    config_free(&c);
    tr_destroy(&r);
}

/* A replay (not live) that spools while Redis is away; the sensor process is
 * killed with SIGKILL during the outage and started again with the same
 * input and settings: it drains the spool, skips what the killed run already
 * handed over, and the stream ends with exactly the N records. */
static void run_replay_child(const struct test_redis *r, const char *spool, unsigned n, bool slow)
{
    struct config c;
    config_init(&c);
    char url[400];
    snprintf(url, sizeof(url), "unix://%s", r->sock);
    config_add(&c, "redis.url", url, "test", 0);
    config_add(&c, "redis.mode", "stream", "test", 0);
    config_add(&c, "spool.dir", spool, "test", 0);
    config_add(&c, "redis.replay-wait", "no", "test", 0);
    config_add(&c, "redis.connect-timeout", "200ms", "test", 0);
    char err[512];
    struct redis_sink *s = redis_sink_new(&c, "kr1", false, &lg, err, sizeof(err));
    if (!s)
        _exit(3);
    submit_range(s, 1, n, slow ? 100 : 0);   /* slow: 10,000 records/s, 10 s in all */
    redis_sink_close(s);
    config_free(&c);
    _exit(0);
}

static void test_sensor_killed_during_outage_resumes(void **state)
{
    (void)state;
    struct test_redis r;
    assert_int_equal(tr_new(&r, 0), 0);
    char spool[300];
    snprintf(spool, sizeof(spool), "%s/spool", r.dir);
    const unsigned N = 100000;
    pid_t child = fork();
    if (child == 0)
        run_replay_child(&r, spool, N, true);
    /* Let it deliver some, take Redis away, let it spool, kill it. */
    for (int i = 0; i < 400 && tr_int(&r, "XLEN ictwatch:eve:{kr1}") < 10000; i++)
        tr_sleep_ms(10);
    tr_signal(&r, SIGKILL);
    tr_sleep_ms(1200);
    kill(child, SIGKILL);
    int first_status;
    waitpid(child, &first_status, 0);
    /* The point of the test: the first run dies in the middle of its replay. */
    assert_true(WIFSIGNALED(first_status) && WTERMSIG(first_status) == SIGKILL);
    assert_int_equal(tr_start(&r), 0);
    long long before = tr_int(&r, "XLEN ictwatch:eve:{kr1}");
    assert_true(before > 0 && before < N);
    child = fork();
    if (child == 0)
        run_replay_child(&r, spool, N, false);
    int status;
    waitpid(child, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    check_stream(&r, "ictwatch:eve:{kr1}", 1, N);
    tr_destroy(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_all_modes_exact, setup_check),
        cmocka_unit_test_setup(test_outage_killed_redis_live_spool, setup_check),
        cmocka_unit_test_setup(test_outage_stopped_redis_replay_wait, setup_check),
        cmocka_unit_test_setup(test_wrong_password, setup_check),
        cmocka_unit_test_setup(test_wrongtype_key, setup_check),
        cmocka_unit_test_setup(test_client_kill_mid_pipeline, setup_check),
        cmocka_unit_test_setup(test_acl_sensor_user, setup_check),
        cmocka_unit_test_setup(test_live_frozen_redis_no_spool_never_blocks, setup_check),
        cmocka_unit_test_setup(test_live_frozen_redis_spool_never_blocks, setup_check),
        cmocka_unit_test_setup(test_spool_drained_first_after_restart, setup_check),
        cmocka_unit_test_setup(test_sensor_killed_during_outage_resumes, setup_check),
    };
    if (getenv("TEST_FILTER"))
        cmocka_set_test_filter(getenv("TEST_FILTER"));
    return cmocka_run_group_tests(tests, NULL, NULL);
}
