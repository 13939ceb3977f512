/* output.h - where finished EVE records go.
 *
 * The packet path hands each record to output_emit(); the output layer sends
 * it to every sink that wants that kind of record: the EVE file (-l DIR:
 * DIR/eve.json), stdout, and Redis (see redis.h) through a bounded queue so
 * that a slow Redis never stalls packet processing.
 *
 * Records are one JSON object each, without a newline; file sinks add one.
 */
#ifndef ICTWATCH_OUTPUT_H
#define ICTWATCH_OUTPUT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

struct log_ctx;
struct redis_sink;

enum eve_kind { EVE_KIND_ALERT = 0, EVE_KIND_FLOW, EVE_KIND_STATS, EVE_KIND_COUNT };
#define EVE_KIND_MASK(k) (1u << (k))

struct output_stats {
    uint64_t records[EVE_KIND_COUNT];
    uint64_t file_errors;         /* writes to a file sink that failed */
};

struct output_ctx;

/* Opens the sinks named by the options. file_path may be NULL (no file);
 * to_stdout writes records to stdout. kinds_* are EVE_KIND_MASK bits. */
struct output_file_opts {
    const char *file_path;
    unsigned file_kinds;
    bool to_stdout;
    unsigned stdout_kinds;
};

struct output_ctx *output_new(const struct output_file_opts *o, const struct log_ctx *lg,
                              char *err, size_t errlen);
/* Hands one record to every sink that takes records of this kind. */
void output_emit(struct output_ctx *o, enum eve_kind kind, int severity, const char *json, size_t len);
/* True when some sink takes records of this kind (so they are worth building). */
bool output_wants(const struct output_ctx *o, enum eve_kind kind);
/* Flushes buffered file output. */
void output_flush(struct output_ctx *o);
/* Flushes and closes everything. */
void output_free(struct output_ctx *o);
const struct output_stats *output_stats(const struct output_ctx *o);

/* Adds the Redis sink (redis.h): records of the kinds it takes are handed to
 * it too; output_free closes it (which delivers or spools what it holds). */
void output_set_redis(struct output_ctx *o, struct redis_sink *r);
struct redis_sink *output_redis(const struct output_ctx *o);

/* Parses "alert,flow" into EVE_KIND_MASK bits; -1 on an unknown name. */
int output_parse_kinds(const char *s, unsigned *mask);

#endif
