/* redis_testlib.h - a private redis-server for C tests, and small checks of
 * what it holds. Header-only so that each test binary carries its own copy.
 *
 * The server runs on a free TCP port of 127.0.0.1 and a unix socket in a
 * temporary directory, with appendonly yes so that a server killed with
 * SIGKILL and started again keeps what it acknowledged.
 */
#ifndef ICTW_REDIS_TESTLIB_H
#define ICTW_REDIS_TESTLIB_H

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <hiredis.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

struct test_redis {
    char dir[256], sock[300], port_s[16];
    int port;
    pid_t pid;
    char extra[8][256];
    int nextra;
};

static inline int tr_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t l = sizeof(a);
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) || getsockname(fd, (struct sockaddr *)&a, &l))
        return -1;
    close(fd);
    return ntohs(a.sin_port);
}

static inline void tr_sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

static inline bool tr_have_server(void)
{
    return system("redis-server --version >/dev/null 2>&1") == 0;
}

static inline redisContext *tr_connect(const struct test_redis *r)
{
    struct timeval tv = {2, 0};
    redisContext *c = redisConnectUnixWithTimeout(r->sock, tv);
    if (c && c->err) {
        redisFree(c);
        return NULL;
    }
    return c;
}

/* Runs a command on a fresh connection; the reply is returned (caller frees). */
static inline redisReply *tr_cmd(const struct test_redis *r, const char *fmt, ...)
{
    redisContext *c = tr_connect(r);
    if (!c)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    redisReply *rp = redisvCommand(c, fmt, ap);
    va_end(ap);
    redisFree(c);
    return rp;
}

static inline long long tr_int(const struct test_redis *r, const char *fmt, ...)
{
    redisContext *c = tr_connect(r);
    if (!c)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    redisReply *rp = redisvCommand(c, fmt, ap);
    va_end(ap);
    redisFree(c);
    long long v = rp && rp->type == REDIS_REPLY_INTEGER ? rp->integer : -1;
    freeReplyObject(rp);
    return v;
}

/* Servers still running at exit (a failed assertion skips tr_destroy) are
 * killed, so that no redis-server outlives the test binary. */
static pid_t tr_pids[64];

static void tr_kill_leftovers(void)
{
    for (size_t i = 0; i < sizeof(tr_pids) / sizeof(tr_pids[0]); i++)
        if (tr_pids[i] > 0) {
            kill(tr_pids[i], SIGCONT);
            kill(tr_pids[i], SIGKILL);
        }
}

static inline void tr_remember(pid_t pid, pid_t old)
{
    static bool registered;
    if (!registered) {
        atexit(tr_kill_leftovers);
        registered = true;
    }
    for (size_t i = 0; i < sizeof(tr_pids) / sizeof(tr_pids[0]); i++)
        if (tr_pids[i] == old) {
            tr_pids[i] = pid;
            return;
        }
}

static inline int tr_start(struct test_redis *r)
{
    r->pid = fork();
    if (r->pid > 0)
        tr_remember(r->pid, 0);
    if (r->pid == 0) {
        char log[400];
        snprintf(log, sizeof(log), "%s/redis.log", r->dir);
        const char *argv[64] = {"redis-server", "--port", r->port_s, "--bind", "127.0.0.1",
                                "--unixsocket", r->sock, "--unixsocketperm", "700", "--dir", r->dir,
                                "--save", "", "--appendonly", "yes", "--appendfsync", "always",
                                "--daemonize", "no", "--logfile", log};
        int n = 0;
        while (argv[n])
            n++;
        for (int i = 0; i < r->nextra; i++)
            argv[n++] = r->extra[i];
        argv[n] = NULL;
        execvp("redis-server", (char **)argv);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) {
        redisContext *c = tr_connect(r);
        if (c) {
            redisReply *rp = redisCommand(c, "PING");
            bool ok = rp && (rp->type == REDIS_REPLY_STATUS ||
                             (rp->type == REDIS_REPLY_ERROR && !strncmp(rp->str, "NOAUTH", 6)));
            bool loading = rp && rp->type == REDIS_REPLY_ERROR && !strncmp(rp->str, "LOADING", 7);
            freeReplyObject(rp);
            redisFree(c);
            if (ok && !loading)
                return 0;
        }
        tr_sleep_ms(25);
    }
    return -1;
}

/* A new server in a fresh directory; extra arguments as "--name value" pairs. */
static inline int tr_new(struct test_redis *r, int nextra, ...)
{
    memset(r, 0, sizeof(*r));
    snprintf(r->dir, sizeof(r->dir), "/tmp/ictw-redis-XXXXXX");
    if (!mkdtemp(r->dir))
        return -1;
    snprintf(r->sock, sizeof(r->sock), "%s/redis.sock", r->dir);
    r->port = tr_free_port();
    snprintf(r->port_s, sizeof(r->port_s), "%d", r->port);
    va_list ap;
    va_start(ap, nextra);
    for (int i = 0; i < nextra && i < 8; i++)
        snprintf(r->extra[r->nextra++], sizeof(r->extra[0]), "%s", va_arg(ap, const char *));
    va_end(ap);
    return tr_start(r);
}

static inline void tr_signal(struct test_redis *r, int sig)
{
    if (r->pid > 0)
        kill(r->pid, sig);
    if (sig == SIGKILL || sig == SIGTERM) {
        waitpid(r->pid, NULL, 0);
        tr_remember(0, r->pid);
        r->pid = 0;
    }
}

static inline void tr_rm_rf(const char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd)) {
    }
}

static inline void tr_destroy(struct test_redis *r)
{
    if (r->pid > 0) {
        kill(r->pid, SIGCONT);
        tr_signal(r, SIGTERM);
    }
    tr_rm_rf(r->dir);
}

#endif
