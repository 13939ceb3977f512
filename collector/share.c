/* share.c - the share verb (see share.h). */
#include "share.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "crypto.h"
#include "export.h"
#include "ictwatch/common.h"
#include "sharedoc.h"

static const char share_lua[] =
    "local old = redis.call('HGET', KEYS[2], ARGV[1])\n"
    "if old then\n"
    "  local id, digest = string.match(old, '^(%S+) (%S+)$')\n"
    "  if digest == ARGV[2] then return {0, id} end\n"
    "  if id then redis.call('XDEL', KEYS[1], id) end\n"
    "end\n"
    "local id = redis.call('XADD', KEYS[1], '*', 'window', ARGV[5], 'length', ARGV[6], 'tlp', ARGV[4],\n"
    "                      'digest', ARGV[2], 'doc', ARGV[3])\n"
    "redis.call('HSET', KEYS[2], ARGV[1], id .. ' ' .. ARGV[2])\n"
    "if old then return {2, id} end\n"
    "return {1, id}\n";

int share_open_regional(struct rconn *r, const char *url, const struct config *cfg, const struct coll_settings *s,
                        char **password, const struct log_ctx *lg)
{
    *password = NULL;
    const char *file = config_get(cfg, "regional.password-file");
    if (file) {
        FILE *f = fopen(file, "r");
        char buf[1024];
        size_t n = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;
        if (f)
            fclose(f);
        if (!f || n == 0) {
            log_error(lg, "regional.password-file %s: cannot read a password", file);
            return -1;
        }
        buf[n] = '\0';
        while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
            buf[--n] = '\0';
        *password = strdup(buf);
        crypto_wipe(buf, sizeof(buf));
    } else {
        const char *var = config_get(cfg, "regional.password-env");
        const char *pw = getenv(var ? var : "ICTWATCH_REGIONAL_PASSWORD");
        if (pw && *pw)
            *password = strdup(pw);
    }
    if (rconn_open(r, url, NULL, *password, s->redis_timeout_ms)) {
        log_error(lg, "regional Redis: %s", r->err);
        return -1;
    }
    return 0;
}

/* Pushes every window of d; returns -1 on a Redis error. */
static int push(struct rconn *reg, struct rconn_script *sc, const struct share_doc *d, const struct release *rel,
                const struct log_ctx *lg)
{
    char stream[64], index[80];
    snprintf(stream, sizeof(stream), "ictwatch:share:{%s}", d->country);
    snprintf(index, sizeof(index), "ictwatch:share:{%s}:windows", d->country);
    unsigned added = 0, replaced = 0, same = 0, refused = 0;
    struct jsonw w;
    jsonw_init(&w);
    for (size_t i = 0; i < d->n; i++) {
        const struct share_window *win = &d->w[i];
        const char *why = NULL;
        if (!tlp_may_release(win->level, rel->recipient, (const char *const *)rel->allowed, rel->n_allowed, &why)) {
            refused++;
            log_warn(lg, "window %llu not shared: %s", (unsigned long long)win->start, why ? why : "refused");
            continue;
        }
        jsonw_reset(&w);
        sharedoc_window_json(d, win, &w);
        if (w.failed)
            continue;
        uint8_t h[CRYPTO_SHA256_LEN];
        char digest[2 * CRYPTO_SHA256_LEN + 1], wid[48], start[24], len[24];
        crypto_sha256(w.buf, w.len, h);
        crypto_hex_encode(h, sizeof(h), digest);
        snprintf(start, sizeof(start), "%llu", (unsigned long long)win->start);
        snprintf(len, sizeof(len), "%llu", (unsigned long long)win->length);
        snprintf(wid, sizeof(wid), "%s:%s", start, len);
        const char *argv[] = {stream, index, wid, digest, w.buf, tlp_name(win->level), start, len};
        size_t lens[] = {strlen(stream), strlen(index), strlen(wid), strlen(digest), w.len,
                         strlen(tlp_name(win->level)), strlen(start), strlen(len)};
        redisReply *x = rconn_eval(reg, sc, 2, 8, argv, lens);
        if (!rconn_is_array(x) || x->elements != 2) {
            log_error(lg, "regional Redis: %s", rconn_errstr(reg, x));
            if (x)
                freeReplyObject(x);
            jsonw_free(&w);
            return -1;
        }
        long long st = rconn_int(x->element[0], -1);
        added += st == 1;
        replaced += st == 2;
        same += st == 0;
        freeReplyObject(x);
    }
    jsonw_free(&w);
    printf("shared %s as %s to %s: %u windows new, %u replaced, %u unchanged, %u refused (%s, %s/%s)\n",
           rel->spec.window->name, d->country, stream, added, replaced, same, refused, tlp_name(d->level),
           d->anonymization, d->scope);
    fflush(stdout);
    return 0;
}

int share_run(const struct coll_settings *s, const struct config *cfg, const struct log_ctx *lg,
              volatile sig_atomic_t *stop)
{
    const char *to = config_get(cfg, "share.to");
    if (!to || !config_get(cfg, "as")) {
        log_error(lg, "share needs --to redis://REGIONAL[:PORT] and --as COUNTRY");
        return 2;
    }
    uint64_t every = 0;
    char err[512];
    if (config_get_duration(cfg, "share.every", &every, err, sizeof(err))) {
        log_error(lg, "%s", err);
        return 2;
    }
    struct release rel;
    if (export_prepare(&rel, s, cfg, "regional", lg)) {
        export_release_free(&rel);
        return 2;
    }
    if (!export_may_release(&rel, lg)) {
        export_release_free(&rel);
        return 1;
    }
    struct rconn nat, reg;
    char *password = NULL;
    memset(&reg, 0, sizeof(reg));
    int status = 1;
    if (rconn_open(&nat, s->redis_url, s->redis_user, s->redis_password, s->redis_timeout_ms)) {
        log_error(lg, "%s", nat.err);
        goto out;
    }
    if (share_open_regional(&reg, to, cfg, s, &password, lg))
        goto out;
    struct rconn_script sc = {"share", share_lua, ""};
    int64_t span = (int64_t)rel.spec.until - (int64_t)rel.spec.since;
    do {
        struct share_doc d;
        sharedoc_init(&d);
        if (every) { /* a scheduled push covers the same span, ending now */
            rel.spec.until = ictw_wallclock() / ICTW_USEC_PER_SEC;
            rel.spec.since = span > 0 && (int64_t)rel.spec.until > span ? rel.spec.until - (uint64_t)span : 0;
        }
        int rc = sharedoc_build(&nat, &rel.spec, &d, err, sizeof(err));
        if (rc)
            log_error(lg, "%s", err);
        else
            rc = push(&reg, &sc, &d, &rel, lg);
        if (d.withheld)
            log_warn(lg, "%llu alerts withheld: their TLP level may not go to '%s'", (unsigned long long)d.withheld,
                     rel.recipient);
        sharedoc_free(&d);
        if (rc)
            goto out;
        for (uint64_t t = 0; every && t < every * 10 && !*stop; t++) {
            struct timespec ts = {0, 100000000L};
            nanosleep(&ts, NULL);
        }
    } while (every && !*stop);
    status = 0;
out:
    rconn_close(&nat);
    rconn_close(&reg);
    if (password) {
        crypto_wipe(password, strlen(password));
        free(password);
    }
    export_release_free(&rel);
    return status;
}
