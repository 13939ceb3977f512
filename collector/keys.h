/* keys.h - the Redis key names the collector writes and reads, and the dimension tuple.
 *
 * Every aggregate is keyed by a window (its size label and start) and a tuple of
 * the eleven dimensions of one alert, in this order:
 *
 *   sensor|country|organisation|gid:sid:rev|severity|category|tlp|app_proto|proto|dest_port|src_prefix|dst_prefix
 *
 * Values are percent-escaped ('%', '|' and control bytes become %XX) so that a
 * hostile category or organisation cannot shift the fields. `tlp` is the alert's TLP
 * level at ingest ("green", "amber+strict", ...: the most restrictive of the default,
 * its sensor's and its rule's), so that every aggregate built later can carry the
 * maximum of its inputs. The first seven fields
 * (sensor .. tlp) are the "grain": distinct-source/destination HyperLogLogs are
 * kept per grain, so a report grouped by any of those dimensions gets exact unions
 * (PFCOUNT of several keys); other groupings report no distinct counts.
 *
 * docs/collector.md lists the whole layout; the Lua script in apply.c and the
 * readers in aggread.c use exactly these names.
 */
#ifndef ICTWATCH_KEYS_H
#define ICTWATCH_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KEYS_PREFIX "ictwatch:"
#define KEYS_AGG KEYS_PREFIX "agg:"
#define KEYS_SENSORS_SET KEYS_PREFIX "sensors"
#define KEYS_ALERTS_CHANNEL KEYS_PREFIX "alerts"
#define KEYS_SIGNATURES KEYS_AGG "signatures"
#define KEYS_WATERMARK KEYS_AGG "watermark"

enum keys_dim {
    DIM_SENSOR = 0,
    DIM_COUNTRY,
    DIM_ORGANISATION,
    DIM_SIGNATURE,
    DIM_SEVERITY,
    DIM_CATEGORY,
    DIM_TLP,
    DIM_APP_PROTO,
    DIM_PROTO,
    DIM_DEST_PORT,
    DIM_SRC_PREFIX,
    DIM_DST_PREFIX,
    DIM_TUPLE_COUNT,          /* fields in a stored tuple */
    DIM_WINDOW = DIM_TUPLE_COUNT, /* the window start: only for grouping in reports */
    DIM_COUNT
};
#define KEYS_GRAIN_DIMS 7     /* sensor .. tlp */

/* Canonical name of a dimension ("sensor", "src_prefix", ...). */
const char *keys_dim_name(enum keys_dim d);
/* Parses a dimension name or alias (org, sig, port, src, dst, ...); -1 when unknown. */
int keys_dim_parse(const char *name);

/* Key names; each writes into buf and returns buf. */
char *keys_stream(const char *sensor, char *buf, size_t len);     /* ictwatch:eve:{S} */
char *keys_dead(const char *sensor, char *buf, size_t len);       /* ictwatch:dead:{S} */
char *keys_heartbeat(const char *sensor, char *buf, size_t len);  /* ictwatch:sensor:{S} */
char *keys_counters(const char *sensor, char *buf, size_t len);   /* ictwatch:agg:counters:{S} */
char *keys_windows(const char *wname, char *buf, size_t len);     /* ictwatch:agg:W:windows */
/* ictwatch:agg:W:START:PART (PART: count, late, first, last) */
char *keys_bucket(const char *wname, uint64_t start, const char *part, char *buf, size_t len);
/* The sensor id inside "ictwatch:eve:{S}", copied to out; -1 when key is not one. */
int keys_stream_sensor(const char *key, size_t keylen, char *out, size_t outlen);

/* Appends s percent-escaped to buf at *pos (bounded by len); false when it does not fit. */
bool keys_escape_append(char *buf, size_t len, size_t *pos, const char *s, size_t n);
/* Splits a stored tuple in place into DIM_TUPLE_COUNT fields and unescapes them.
 * Returns 0, or -1 when the text is not a tuple (wrong field count). */
int keys_tuple_split(char *tuple, char *fields[DIM_TUPLE_COUNT]);
/* Length of the grain prefix (the first KEYS_GRAIN_DIMS fields, no trailing '|'). */
size_t keys_grain_len(const char *tuple, size_t len);

#endif
