/* test_redis_conf.c - Redis URL parsing, modes, key names, settings checks,
 * and the bounded record queue between the packet path and the Redis thread.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ictwatch/config.h"
#include "output/output.h"
#include "output/redis_conf.h"
#include "output/redis_queue.h"

static void test_url_tcp(void **state)
{
    (void)state;
    struct redis_url u;
    char err[512];
    assert_int_equal(redis_url_parse("redis://10.1.2.3:6380/4", &u, err, sizeof(err)), 0);
    assert_false(u.is_unix);
    assert_string_equal(u.host, "10.1.2.3");
    assert_int_equal(u.port, 6380);
    assert_int_equal(u.db, 4);
    assert_string_equal(u.user, "");
    assert_int_equal(redis_url_parse("redis://sensor-kz1@redis.cert.example:7000", &u, err, sizeof(err)), 0);
    assert_string_equal(u.user, "sensor-kz1");
    assert_string_equal(u.host, "redis.cert.example");
    assert_int_equal(u.port, 7000);
    assert_int_equal(u.db, 0);
    assert_int_equal(redis_url_parse("redis://localhost", &u, err, sizeof(err)), 0);
    assert_int_equal(u.port, 6379);
    assert_int_equal(redis_url_parse("redis://[::1]:6390/2", &u, err, sizeof(err)), 0);
    assert_string_equal(u.host, "::1");
    assert_int_equal(u.port, 6390);
    assert_int_equal(u.db, 2);
}

static void test_url_unix(void **state)
{
    (void)state;
    struct redis_url u;
    char err[512];
    assert_int_equal(redis_url_parse("unix:///run/redis/redis.sock?db=3", &u, err, sizeof(err)), 0);
    assert_true(u.is_unix);
    assert_string_equal(u.path, "/run/redis/redis.sock");
    assert_int_equal(u.db, 3);
    assert_int_equal(redis_url_parse("unix:///tmp/r.sock", &u, err, sizeof(err)), 0);
    assert_int_equal(u.db, 0);
}

static void test_url_refused(void **state)
{
    (void)state;
    struct redis_url u;
    char err[512];
    assert_int_equal(redis_url_parse("redis://user:secret@h:1", &u, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "password in the URL is not accepted"));
    assert_null(strstr(err, "secret"));
    assert_int_equal(redis_url_parse("rediss://h:6379", &u, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "stunnel"));
    const char *bad[] = {"redis://", "redis://h:0", "redis://h:65536", "redis://h:12x", "redis://h/x",
                         "redis://[::1", "unix://relative.sock", "unix:///tmp/s?db=x", "http://h",
                         "redis://h:6379/1/2", "unix://"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        if (redis_url_parse(bad[i], &u, err, sizeof(err)) != -1)
            fail_msg("accepted '%s'", bad[i]);
    char longpath[200] = "unix:///";
    memset(longpath + 8, 'a', 150);
    longpath[158] = '\0';
    assert_int_equal(redis_url_parse(longpath, &u, err, sizeof(err)), -1);
}

static void test_modes_and_keys(void **state)
{
    (void)state;
    unsigned m;
    assert_int_equal(redis_modes_parse("stream,publish", &m), 0);
    assert_int_equal(m, REDIS_MODE_STREAM | REDIS_MODE_PUBLISH);
    assert_int_equal(redis_modes_parse("rpush", &m), 0);
    assert_int_equal(m, REDIS_MODE_RPUSH);
    assert_int_equal(redis_modes_parse("xadd, lpush", &m), 0);
    assert_int_equal(m, REDIS_MODE_STREAM | REDIS_MODE_LPUSH);
    assert_int_equal(redis_modes_parse("stream,kafka", &m), -1);
    assert_int_equal(redis_modes_parse("", &m), -1);
    char *k = redis_key_expand("ictwatch:eve:{SENSOR}", "kz-ala-01");
    assert_string_equal(k, "ictwatch:eve:{kz-ala-01}");
    free(k);
    k = redis_key_expand("plain", "x");
    assert_string_equal(k, "plain");
    free(k);
}

static void add(struct config *c, const char *k, const char *v, int line)
{
    assert_int_equal(config_add(c, k, v, "sensor.conf", line), 0);
}

static void test_conf_defaults_and_errors(void **state)
{
    (void)state;
    struct config c;
    struct redis_conf rc;
    char err[1024];
    config_init(&c);
    assert_int_equal(redis_conf_load(&rc, &c, "s1", true, err, sizeof(err)), 1);   /* not configured */
    add(&c, "redis.url", "redis://127.0.0.1:6379", 3);
    assert_int_equal(redis_conf_load(&rc, &c, "s1", true, err, sizeof(err)), 0);
    assert_int_equal(rc.modes, REDIS_MODE_STREAM | REDIS_MODE_PUBLISH);
    assert_string_equal(rc.stream_key, "ictwatch:eve:{s1}");
    assert_string_equal(rc.heartbeat_key, "ictwatch:sensor:{s1}");
    assert_string_equal(rc.channel, "ictwatch:alerts");
    assert_int_equal(rc.kinds, EVE_KIND_MASK(EVE_KIND_ALERT));
    assert_false(rc.replay_wait);
    assert_int_equal(rc.batch, 256);
    assert_int_equal(rc.stream_maxlen, 0);
    assert_null(rc.password);
    redis_conf_free(&rc);
    assert_int_equal(redis_conf_load(&rc, &c, "s1", false, err, sizeof(err)), 0);
    assert_true(rc.replay_wait);              /* files: wait by default */
    redis_conf_free(&rc);

    add(&c, "redis.command-timeout", "250ms", 4);
    add(&c, "redis.types", "alert,flow", 5);
    assert_int_equal(redis_conf_load(&rc, &c, "s1", true, err, sizeof(err)), 0);
    assert_int_equal(rc.command_timeout_ms, 250);
    assert_int_equal(rc.kinds, EVE_KIND_MASK(EVE_KIND_ALERT) | EVE_KIND_MASK(EVE_KIND_FLOW));
    redis_conf_free(&rc);

    add(&c, "redis.mode", "lpush,rpush", 7);
    assert_int_equal(redis_conf_load(&rc, &c, "s1", true, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "sensor.conf:7: redis.mode"));
    redis_conf_free(&rc);
    add(&c, "redis.mode", "stream", 8);
    add(&c, "redis.batch", "0", 9);
    assert_int_equal(redis_conf_load(&rc, &c, "s1", true, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "sensor.conf:9: redis.batch"));
    redis_conf_free(&rc);
    add(&c, "redis.batch", "100", 10);
    add(&c, "redis.password-env", "ICTW_NO_SUCH_VARIABLE_X", 11);
    unsetenv("ICTW_NO_SUCH_VARIABLE_X");
    assert_int_equal(redis_conf_load(&rc, &c, "s1", true, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "sensor.conf:11: redis.password-env"));
    redis_conf_free(&rc);

    /* Password from a file: trailing newline removed; a world-readable file is warned about. */
    char path[] = "/tmp/ictw-pass-XXXXXX";
    int fd = mkstemp(path);
    assert_int_equal(write(fd, "s3cret\n", 7), 7);
    close(fd);
    chmod(path, 0644);
    add(&c, "redis.password-file", path, 12);
    assert_int_equal(redis_conf_load(&rc, &c, "s1", true, err, sizeof(err)), 0);
    assert_string_equal(rc.password, "s3cret");
    assert_non_null(strstr(rc.warning, "chmod 600"));
    redis_conf_free(&rc);
    unlink(path);
    assert_int_equal(redis_conf_load(&rc, &c, "s1", true, err, sizeof(err)), -1);
    assert_non_null(strstr(err, "sensor.conf:12: redis.password-file"));
    redis_conf_free(&rc);
    config_free(&c);
}

/* ---- queue ---- */

static bool number_ids(void *ctx, struct redis_qrec *r)
{
    uint64_t *n = ctx;
    r->id_seq = ++*n;
    return r->id_seq % 10 != 0;           /* every tenth is skipped */
}

static void test_queue_fifo_ids_skip(void **state)
{
    (void)state;
    struct redis_queue *q = redis_queue_new(100);
    uint64_t n = 0;
    unsigned queued = 0;
    for (int i = 0; i < 100; i++) {
        struct redis_qrec r = {.json = strdup("x"), .len = 1};
        enum redis_queue_result res = redis_queue_push(q, &r, false, number_ids, &n);
        if (res == REDIS_QUEUE_SKIPPED)
            free(r.json);
        else
            queued++;
    }
    assert_int_equal(queued, 90);
    struct redis_qrec out[200];
    assert_int_equal(redis_queue_pop(q, out, 200), 90);
    for (unsigned i = 1; i < 90; i++)
        assert_true(out[i].id_seq > out[i - 1].id_seq);
    for (unsigned i = 0; i < 90; i++)
        free(out[i].json);
    redis_queue_free(q);
}

static void test_queue_full_nonblocking(void **state)
{
    (void)state;
    struct redis_queue *q = redis_queue_new(4);
    for (int i = 0; i < 4; i++) {
        struct redis_qrec r = {.json = strdup("a")};
        assert_int_equal(redis_queue_push(q, &r, false, NULL, NULL), REDIS_QUEUE_OK);
    }
    struct redis_qrec r = {.json = NULL};
    assert_int_equal(redis_queue_push(q, &r, false, NULL, NULL), REDIS_QUEUE_FULL);
    assert_int_equal(redis_queue_len(q), 4);
    redis_queue_free(q);     /* frees the records still queued */
}

struct consumer_arg {
    struct redis_queue *q;
    unsigned total;
    uint64_t last;
    bool ordered;
};

static void *consume(void *p)
{
    struct consumer_arg *a = p;
    struct redis_qrec out[7];
    a->ordered = true;
    while (a->total < 20000) {
        redis_queue_wait(a->q, 1, 50);
        unsigned n = redis_queue_pop(a->q, out, 7);
        for (unsigned i = 0; i < n; i++) {
            a->ordered &= out[i].id_seq == a->last + 1;
            a->last = out[i].id_seq;
            free(out[i].json);
        }
        a->total += n;
    }
    return NULL;
}

static bool seq_ids(void *ctx, struct redis_qrec *r)
{
    uint64_t *n = ctx;
    r->id_seq = ++*n;
    return true;
}

/* A waiting producer and a slow consumer: nothing lost, all in order. */
static void test_queue_wait_mode(void **state)
{
    (void)state;
    struct redis_queue *q = redis_queue_new(16);
    struct consumer_arg a = {.q = q};
    pthread_t th;
    pthread_create(&th, NULL, consume, &a);
    uint64_t n = 0;
    for (int i = 0; i < 20000; i++) {
        struct redis_qrec r = {.json = strdup("z")};
        assert_int_equal(redis_queue_push(q, &r, true, seq_ids, &n), REDIS_QUEUE_OK);
    }
    pthread_join(th, NULL);
    assert_int_equal(a.total, 20000);
    assert_true(a.ordered);
    /* Waiting turned off: a full queue answers FULL at once. */
    for (int i = 0; i < 16; i++) {
        struct redis_qrec r = {.json = strdup("z")};
        redis_queue_push(q, &r, true, NULL, NULL);
    }
    redis_queue_allow_wait(q, false);
    struct redis_qrec r = {.json = NULL};
    assert_int_equal(redis_queue_push(q, &r, true, NULL, NULL), REDIS_QUEUE_FULL);
    redis_queue_free(q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_tcp),
        cmocka_unit_test(test_url_unix),
        cmocka_unit_test(test_url_refused),
        cmocka_unit_test(test_modes_and_keys),
        cmocka_unit_test(test_conf_defaults_and_errors),
        cmocka_unit_test(test_queue_fifo_ids_skip),
        cmocka_unit_test(test_queue_full_nonblocking),
        cmocka_unit_test(test_queue_wait_mode),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
