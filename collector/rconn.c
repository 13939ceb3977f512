/* rconn.c - Redis connection, URL parsing, EVALSHA with reload (see rconn.h). */
#include "rconn.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ictwatch/common.h"

static int parse_db(const char *s, int *db, char *err, size_t errlen)
{
    uint64_t v;
    if (ictw_parse_uint(s, 1000000, &v)) {
        snprintf(err, errlen, "database '%s' is not a number", s);
        return -1;
    }
    *db = (int)v;
    return 0;
}

int rconn_parse_url(const char *text, struct rconn_url *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof(*u));
    u->port = 6379;
    if (!text || !*text) {
        snprintf(err, errlen, "empty Redis URL");
        return -1;
    }
    if (text[0] == '/' || !strncmp(text, "unix://", 7)) {
        const char *p = text[0] == '/' ? text : text + 7;
        const char *q = strchr(p, '?');
        size_t n = q ? (size_t)(q - p) : strlen(p);
        if (n == 0 || n >= sizeof(u->path) || p[0] != '/') {
            snprintf(err, errlen, "'%s': expected unix:///absolute/path/to/redis.sock", text);
            return -1;
        }
        memcpy(u->path, p, n);
        u->path[n] = '\0';
        if (q) {
            if (strncmp(q, "?db=", 4)) {
                snprintf(err, errlen, "'%s': the only query is ?db=N", text);
                return -1;
            }
            return parse_db(q + 4, &u->db, err, errlen);
        }
        return 0;
    }
    if (strncmp(text, "redis://", 8)) {
        snprintf(err, errlen, "'%s': expected redis://HOST[:PORT][/DB] or unix:///PATH", text);
        return -1;
    }
    const char *p = text + 8;
    const char *slash = strchr(p, '/');
    size_t authlen = slash ? (size_t)(slash - p) : strlen(p);
    const char *at = memchr(p, '@', authlen);
    if (at) {
        if (memchr(p, ':', (size_t)(at - p))) {
            snprintf(err, errlen, "'%s': no password in the URL, please: put it in redis.password-file "
                                  "or $ICTWATCH_REDIS_PASSWORD", text);
            return -1;
        }
        size_t ul = (size_t)(at - p);
        if (ul >= sizeof(u->user)) {
            snprintf(err, errlen, "user name too long");
            return -1;
        }
        memcpy(u->user, p, ul);
        u->user[ul] = '\0';
        authlen -= ul + 1;
        p = at + 1;
    }
    const char *hp_end = p + authlen;
    const char *hostend = hp_end;
    if (*p == '[') { /* [IPv6]:port */
        const char *rb = memchr(p, ']', authlen);
        if (!rb) {
            snprintf(err, errlen, "'%s': missing ']'", text);
            return -1;
        }
        p++;
        hostend = rb;
    } else {
        const char *colon = memchr(p, ':', authlen);
        if (colon)
            hostend = colon;
    }
    size_t hl = (size_t)(hostend - p);
    if (hl == 0 || hl >= sizeof(u->host)) {
        snprintf(err, errlen, "'%s': no host", text);
        return -1;
    }
    memcpy(u->host, p, hl);
    u->host[hl] = '\0';
    const char *after = hostend + (*hostend == ']');
    if (after < hp_end && *after == ':') {
        char port[16];
        size_t pl = (size_t)(hp_end - after - 1);
        uint64_t v;
        if (pl == 0 || pl >= sizeof(port)) {
            snprintf(err, errlen, "'%s': bad port", text);
            return -1;
        }
        memcpy(port, after + 1, pl);
        port[pl] = '\0';
        if (ictw_parse_uint(port, 65535, &v) || v == 0) {
            snprintf(err, errlen, "'%s': bad port '%s'", text, port);
            return -1;
        }
        u->port = (int)v;
    }
    if (slash && slash[1])
        return parse_db(slash + 1, &u->db, err, errlen);
    return 0;
}

void rconn_set_timeout(struct rconn *r, uint64_t ms)
{
    if (!r->c)
        return;
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};
    redisSetTimeout(r->c, tv);
}

static int connect_now(struct rconn *r)
{
    struct timeval tv = {(time_t)(r->timeout_ms / 1000), (suseconds_t)(r->timeout_ms % 1000) * 1000};
    if (r->c) {
        redisFree(r->c);
        r->c = NULL;
    }
    r->c = r->url.path[0] ? redisConnectUnixWithTimeout(r->url.path, tv)
                          : redisConnectWithTimeout(r->url.host, r->url.port, tv);
    if (!r->c || r->c->err) {
        char where[600];
        if (r->url.path[0])
            snprintf(where, sizeof(where), "%s", r->url.path);
        else
            snprintf(where, sizeof(where), "%s:%d", r->url.host, r->url.port);
        snprintf(r->err, sizeof(r->err), "cannot connect to Redis at %.300s: %.150s", where,
                 r->c ? r->c->errstr : "out of memory");
        if (r->c) {
            redisFree(r->c);
            r->c = NULL;
        }
        return -1;
    }
    rconn_set_timeout(r, r->timeout_ms);
    if (!r->url.path[0])
        redisEnableKeepAlive(r->c);
    redisReply *x = NULL;
    if (r->password) {
        if (r->url.user[0])
            x = redisCommand(r->c, "AUTH %s %s", r->url.user, r->password);
        else
            x = redisCommand(r->c, "AUTH %s", r->password);
        if (rconn_is_err(x)) {
            snprintf(r->err, sizeof(r->err), "Redis refused the credentials: %.400s",
                     x ? x->str : r->c->errstr);
            goto fail;
        }
        freeReplyObject(x);
    }
    if (r->url.db) {
        x = redisCommand(r->c, "SELECT %d", r->url.db);
        if (rconn_is_err(x)) {
            snprintf(r->err, sizeof(r->err), "SELECT %d: %.400s", r->url.db, x ? x->str : r->c->errstr);
            goto fail;
        }
        freeReplyObject(x);
    }
    return 0;
fail:
    if (x)
        freeReplyObject(x);
    redisFree(r->c);
    r->c = NULL;
    return -1;
}

int rconn_open(struct rconn *r, const char *url, const char *user, const char *password,
               uint64_t timeout_ms)
{
    memset(r, 0, sizeof(*r));
    char e[400];
    if (rconn_parse_url(url, &r->url, e, sizeof(e))) {
        snprintf(r->err, sizeof(r->err), "Redis URL %s", e);
        return -1;
    }
    if (user && *user)
        ictw_strlcpy(r->url.user, user, sizeof(r->url.user));
    r->password = password;
    r->timeout_ms = timeout_ms ? timeout_ms : 10000;
    return connect_now(r);
}

int rconn_reconnect(struct rconn *r)
{
    return connect_now(r);
}

void rconn_close(struct rconn *r)
{
    if (r->c)
        redisFree(r->c);
    r->c = NULL;
}

static void note_io_error(struct rconn *r)
{
    snprintf(r->err, sizeof(r->err), "Redis connection: %s",
             r->c ? (r->c->errstr[0] ? r->c->errstr : "closed") : "not connected");
    /* A context with an I/O error cannot be used again; the caller reconnects. */
    if (r->c) {
        redisFree(r->c);
        r->c = NULL;
    }
}

redisReply *rconn_cmd(struct rconn *r, int argc, const char **argv, const size_t *lens)
{
    if (!r->c) {
        snprintf(r->err, sizeof(r->err), "Redis connection: not connected");
        return NULL;
    }
    redisReply *x = redisCommandArgv(r->c, argc, argv, lens);
    if (!x)
        note_io_error(r);
    return x;
}

redisReply *rconn_cmdf(struct rconn *r, const char *fmt, ...)
{
    if (!r->c) {
        snprintf(r->err, sizeof(r->err), "Redis connection: not connected");
        return NULL;
    }
    va_list ap;
    va_start(ap, fmt);
    redisReply *x = redisvCommand(r->c, fmt, ap);
    va_end(ap);
    if (!x)
        note_io_error(r);
    return x;
}

int rconn_append(struct rconn *r, int argc, const char **argv, const size_t *lens)
{
    if (!r->c) {
        snprintf(r->err, sizeof(r->err), "Redis connection: not connected");
        return -1;
    }
    if (redisAppendCommandArgv(r->c, argc, argv, lens) != REDIS_OK) {
        note_io_error(r);
        return -1;
    }
    return 0;
}

redisReply *rconn_read(struct rconn *r)
{
    if (!r->c) {
        snprintf(r->err, sizeof(r->err), "Redis connection: not connected");
        return NULL;
    }
    void *x = NULL;
    if (redisGetReply(r->c, &x) != REDIS_OK || !x) {
        note_io_error(r);
        return NULL;
    }
    return x;
}

int rconn_load_script(struct rconn *r, struct rconn_script *s)
{
    redisReply *x = rconn_cmdf(r, "SCRIPT LOAD %s", s->text);
    if (!x)
        return -1;
    if (x->type != REDIS_REPLY_STRING || x->len != 40) {
        snprintf(r->err, sizeof(r->err), "SCRIPT LOAD %s: %.400s", s->name,
                 x->type == REDIS_REPLY_ERROR ? x->str : "unexpected reply");
        freeReplyObject(x);
        return -1;
    }
    memcpy(s->sha, x->str, 40);
    s->sha[40] = '\0';
    freeReplyObject(x);
    return 0;
}

/* Builds "EVALSHA sha nkeys argv..." in caller-provided arrays. */
static int eval_argv(const struct rconn_script *s, int nkeys, int nargs, const char **argv,
                     const size_t *lens, const char ***av, size_t **al, char *nk, size_t nklen)
{
    int total = nargs + 3;
    *av = malloc((size_t)total * sizeof(**av));
    *al = malloc((size_t)total * sizeof(**al));
    if (!*av || !*al) {
        free(*av);
        free(*al);
        return -1;
    }
    snprintf(nk, nklen, "%d", nkeys);
    (*av)[0] = "EVALSHA";
    (*al)[0] = 7;
    (*av)[1] = s->sha;
    (*al)[1] = 40;
    (*av)[2] = nk;
    (*al)[2] = strlen(nk);
    memcpy(*av + 3, argv, (size_t)nargs * sizeof(*argv));
    memcpy(*al + 3, lens, (size_t)nargs * sizeof(*lens));
    return total;
}

int rconn_append_eval(struct rconn *r, const struct rconn_script *s, int nkeys, int nargs,
                      const char **argv, const size_t *lens)
{
    const char **av;
    size_t *al;
    char nk[16];
    int total = eval_argv(s, nkeys, nargs, argv, lens, &av, &al, nk, sizeof(nk));
    if (total < 0) {
        snprintf(r->err, sizeof(r->err), "out of memory");
        return -1;
    }
    int rc = rconn_append(r, total, av, al);
    free(av);
    free(al);
    return rc;
}

char *rconn_format_eval(const struct rconn_script *s, int nkeys, int nargs, const char **argv,
                        const size_t *lens, size_t *len)
{
    const char **av;
    size_t *al;
    char nk[16];
    int total = eval_argv(s, nkeys, nargs, argv, lens, &av, &al, nk, sizeof(nk));
    if (total < 0)
        return NULL;
    char *cmd = NULL;
    int n = redisFormatCommandArgv(&cmd, total, av, al);
    free(av);
    free(al);
    if (n < 0)
        return NULL;
    *len = (size_t)n;
    return cmd;
}

void rconn_free_formatted(char *cmd)
{
    if (cmd)
        redisFreeCommand(cmd);
}

int rconn_append_formatted(struct rconn *r, const char *cmd, size_t len)
{
    if (!r->c) {
        snprintf(r->err, sizeof(r->err), "Redis connection: not connected");
        return -1;
    }
    if (redisAppendFormattedCommand(r->c, cmd, len) != REDIS_OK) {
        note_io_error(r);
        return -1;
    }
    return 0;
}

int rconn_flush(struct rconn *r)
{
    int done = 0;
    while (r->c && !done)
        if (redisBufferWrite(r->c, &done) != REDIS_OK) {
            note_io_error(r);
            return -1;
        }
    return r->c ? 0 : -1;
}

redisReply *rconn_eval(struct rconn *r, struct rconn_script *s, int nkeys, int nargs,
                       const char **argv, const size_t *lens)
{
    if (!s->sha[0] && rconn_load_script(r, s))
        return NULL;
    for (int attempt = 0; attempt < 2; attempt++) {
        if (rconn_append_eval(r, s, nkeys, nargs, argv, lens))
            return NULL;
        redisReply *x = rconn_read(r);
        if (!x)
            return NULL;
        if (x->type == REDIS_REPLY_ERROR && !strncmp(x->str, "NOSCRIPT", 8) && attempt == 0) {
            freeReplyObject(x);
            if (rconn_load_script(r, s))
                return NULL;
            continue;
        }
        return x;
    }
    return NULL;
}

long long rconn_int(const redisReply *x, long long def)
{
    if (!x)
        return def;
    if (x->type == REDIS_REPLY_INTEGER)
        return x->integer;
    if (x->type == REDIS_REPLY_STRING || x->type == REDIS_REPLY_STATUS) {
        char *end;
        errno = 0;
        long long v = strtoll(x->str, &end, 10);
        if (errno == 0 && end != x->str && *end == '\0')
            return v;
    }
    return def;
}

const char *rconn_errstr(const struct rconn *r, const redisReply *x)
{
    if (x && x->type == REDIS_REPLY_ERROR)
        return x->str;
    if (x)
        return "unexpected reply";
    return r->err[0] ? r->err : "connection lost";
}

int rconn_parse_sid(const char *s, struct rconn_sid *out)
{
    char *end;
    if (!s || !isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    unsigned long long ms = strtoull(s, &end, 10);
    if (errno)
        return -1;
    unsigned long long seq = 0;
    if (*end == '-') {
        const char *q = end + 1;
        if (!isdigit((unsigned char)*q))
            return -1;
        seq = strtoull(q, &end, 10);
        if (errno)
            return -1;
    }
    if (*end)
        return -1;
    out->ms = ms;
    out->seq = seq;
    return 0;
}

int rconn_sid_cmp(struct rconn_sid a, struct rconn_sid b)
{
    if (a.ms != b.ms)
        return a.ms < b.ms ? -1 : 1;
    if (a.seq != b.seq)
        return a.seq < b.seq ? -1 : 1;
    return 0;
}
