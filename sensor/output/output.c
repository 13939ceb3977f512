/* output.c - fans finished EVE records out to the sinks (see output.h).
 *
 * File sinks are plain buffered stdio streams with a large buffer: one
 * fwrite per record plus the newline, flushed at exit, on SIGUSR1 and when
 * the packet loop is idle. A record that cannot be written is counted, never
 * silently lost.
 */
#include "output.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ictwatch/log.h"
#include "redis.h"

#define FILE_BUFFER_SIZE (1u << 20)

struct file_sink {
    FILE *fp;
    char *buf;
    unsigned kinds;
    bool owned;      /* fclose at the end (not stdout) */
    const char *name;
};

struct output_ctx {
    const struct log_ctx *lg;
    struct file_sink file, out;
    struct redis_sink *redis;
    struct output_stats st;
};

int output_parse_kinds(const char *s, unsigned *mask)
{
    static const char *const names[EVE_KIND_COUNT] = {"alert", "flow", "stats"};
    unsigned m = 0;
    const char *p = s;
    while (*p) {
        size_t n = strcspn(p, ", ");
        bool found = false;
        for (int k = 0; k < EVE_KIND_COUNT; k++)
            if (n == strlen(names[k]) && strncmp(p, names[k], n) == 0) {
                m |= EVE_KIND_MASK(k);
                found = true;
            }
        if (n && !found)
            return -1;
        p += n;
        while (*p == ',' || *p == ' ')
            p++;
    }
    *mask = m;
    return 0;
}

static int sink_open(struct file_sink *s, FILE *fp, bool owned, unsigned kinds, const char *name)
{
    s->fp = fp;
    s->owned = owned;
    s->kinds = kinds;
    s->name = name;
    if (owned) {
        /* stdout keeps stdio's own buffering: its buffer must outlive us. */
        s->buf = malloc(FILE_BUFFER_SIZE);
        if (s->buf)
            setvbuf(fp, s->buf, _IOFBF, FILE_BUFFER_SIZE);
    }
    return 0;
}

struct output_ctx *output_new(const struct output_file_opts *o, const struct log_ctx *lg,
                              char *err, size_t errlen)
{
    struct output_ctx *ctx = calloc(1, sizeof(*ctx));
    if (!ctx) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    ctx->lg = lg;
    if (o->file_path) {
        FILE *fp = fopen(o->file_path, "a");
        if (!fp) {
            snprintf(err, errlen, "%s: cannot open for writing: %s", o->file_path, strerror(errno));
            free(ctx);
            return NULL;
        }
        sink_open(&ctx->file, fp, true, o->file_kinds, o->file_path);
    }
    if (o->to_stdout)
        sink_open(&ctx->out, stdout, false, o->stdout_kinds, "stdout");
    return ctx;
}

static void sink_write(struct output_ctx *ctx, struct file_sink *s, const char *json, size_t len)
{
    if (fwrite(json, 1, len, s->fp) != len || putc('\n', s->fp) == EOF) {
        if (ctx->st.file_errors++ == 0)
            log_error(ctx->lg, "%s: write failed: %s (records are being lost; check the disk)",
                      s->name, strerror(errno));
    }
}

void output_emit(struct output_ctx *ctx, enum eve_kind kind, int severity, const char *json, size_t len)
{
    (void)severity;
    ctx->st.records[kind]++;
    unsigned m = EVE_KIND_MASK(kind);
    if (ctx->file.fp && (ctx->file.kinds & m))
        sink_write(ctx, &ctx->file, json, len);
    if (ctx->out.fp && (ctx->out.kinds & m))
        sink_write(ctx, &ctx->out, json, len);
    if (ctx->redis)
        redis_sink_submit(ctx->redis, kind, severity, json, len);
}

void output_set_redis(struct output_ctx *ctx, struct redis_sink *r)
{
    ctx->redis = r;
}

struct redis_sink *output_redis(const struct output_ctx *ctx)
{
    return ctx->redis;
}

bool output_wants(const struct output_ctx *ctx, enum eve_kind kind)
{
    unsigned m = EVE_KIND_MASK(kind);
    return (ctx->file.fp && (ctx->file.kinds & m)) || (ctx->out.fp && (ctx->out.kinds & m)) ||
           redis_sink_wants(ctx->redis, kind);
}

void output_flush(struct output_ctx *ctx)
{
    if (ctx->file.fp)
        fflush(ctx->file.fp);
    if (ctx->out.fp)
        fflush(ctx->out.fp);
}

static void sink_close(struct output_ctx *ctx, struct file_sink *s)
{
    if (!s->fp)
        return;
    if (fflush(s->fp) != 0 && ctx->st.file_errors++ == 0)
        log_error(ctx->lg, "%s: write failed: %s", s->name, strerror(errno));
    if (s->owned)
        fclose(s->fp);
    free(s->buf);
    s->fp = NULL;
    s->buf = NULL;
}

void output_free(struct output_ctx *ctx)
{
    if (!ctx)
        return;
    redis_sink_close(ctx->redis);
    sink_close(ctx, &ctx->file);
    sink_close(ctx, &ctx->out);
    free(ctx);
}

const struct output_stats *output_stats(const struct output_ctx *ctx)
{
    return &ctx->st;
}
