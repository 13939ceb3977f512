/* rconn.h - the collector's Redis connection: URL, authentication, scripts, reply checks.
 *
 * hiredis 0.14 (Debian 12): synchronous API, RESP2 only, no TLS. One struct rconn
 * owns a redisContext and what is needed to open it again after a failure (the URL
 * parts, the credentials), so a verb can call rconn_reconnect() and go on.
 *
 *   redis://[USER@]HOST[:PORT][/DB]      TCP (default port 6379)
 *   unix:///PATH/TO/redis.sock[?db=N]    unix socket; a bare "/PATH" means the same
 *
 * A password in the URL is refused: it belongs in a file or the environment
 * (settings.h). Scripts are sent with EVALSHA and loaded again on NOSCRIPT, so a
 * Redis restart or SCRIPT FLUSH costs one round trip, not an error.
 */
#ifndef ICTWATCH_RCONN_H
#define ICTWATCH_RCONN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>

struct rconn_url {
    char host[256];
    int port;
    char path[512];         /* unix socket, or "" for TCP */
    char user[128];
    int db;
};

struct rconn {
    redisContext *c;
    struct rconn_url url;
    const char *password;   /* borrowed; NULL when none */
    uint64_t timeout_ms;
    char err[512];          /* last failure, for messages */
};

/* Parses a URL; -1 with a message in err. */
int rconn_parse_url(const char *text, struct rconn_url *u, char *err, size_t errlen);

/* Connects, authenticates, selects the database. user may be NULL (then the URL's).
 * Returns 0, or -1 with r->err set (the struct is still valid for rconn_reconnect). */
int rconn_open(struct rconn *r, const char *url, const char *user, const char *password,
               uint64_t timeout_ms);
int rconn_reconnect(struct rconn *r);
void rconn_close(struct rconn *r);
/* Socket timeout for the next commands (0 = none, for blocking reads). */
void rconn_set_timeout(struct rconn *r, uint64_t ms);

/* Runs one command given as argv; the reply is the caller's (freeReplyObject).
 * NULL on a connection error (r->err says which). An error reply is returned as such. */
redisReply *rconn_cmd(struct rconn *r, int argc, const char **argv, const size_t *lens);
/* printf-style, for fixed commands. */
redisReply *rconn_cmdf(struct rconn *r, const char *fmt, ...);
/* Pipelining: append, then read each reply in order. */
int rconn_append(struct rconn *r, int argc, const char **argv, const size_t *lens);
redisReply *rconn_read(struct rconn *r);

/* A script sent by EVALSHA with its text kept for loading. */
struct rconn_script {
    const char *name;       /* for messages */
    const char *text;
    char sha[41];
};

/* EVALSHA with the script's keys and args (argv[0..nkeys) are keys); loads the
 * script and retries once on NOSCRIPT. */
redisReply *rconn_eval(struct rconn *r, struct rconn_script *s, int nkeys, int nargs,
                       const char **argv, const size_t *lens);
/* The pipelined form: append EVALSHA; read with rconn_read(). The script must have
 * been loaded (rconn_load_script) on this connection's server. */
int rconn_append_eval(struct rconn *r, const struct rconn_script *s, int nkeys, int nargs,
                      const char **argv, const size_t *lens);
int rconn_load_script(struct rconn *r, struct rconn_script *s);
/* The EVALSHA command as protocol text (free with rconn_free_formatted), to be sent
 * later with rconn_append_formatted(); NULL on out of memory. */
char *rconn_format_eval(const struct rconn_script *s, int nkeys, int nargs, const char **argv,
                        const size_t *lens, size_t *len);
void rconn_free_formatted(char *cmd);
int rconn_append_formatted(struct rconn *r, const char *cmd, size_t len);
/* Writes everything appended so far without waiting for replies. */
int rconn_flush(struct rconn *r);

/* Reply helpers: true when reply is that type. */
static inline bool rconn_is_err(const redisReply *x) { return !x || x->type == REDIS_REPLY_ERROR; }
static inline bool rconn_is_array(const redisReply *x) { return x && x->type == REDIS_REPLY_ARRAY; }
static inline bool rconn_is_str(const redisReply *x)
{
    return x && (x->type == REDIS_REPLY_STRING || x->type == REDIS_REPLY_STATUS);
}
/* Integer value of an integer or numeric string reply; def when neither. */
long long rconn_int(const redisReply *x, long long def);
/* Text of a reply error, or the connection error, for messages. */
const char *rconn_errstr(const struct rconn *r, const redisReply *x);

/* Stream ids "<ms>-<seq>" parsed for numeric comparison. -1 when malformed. */
struct rconn_sid { uint64_t ms, seq; };
int rconn_parse_sid(const char *s, struct rconn_sid *out);
int rconn_sid_cmp(struct rconn_sid a, struct rconn_sid b);

#endif
