/* aggread.h - reads the stored aggregates back, grouped by any dimensions.
 *
 * report, export and share all start here: pick the buckets of one window size
 * between two times (the window index ictwatch:agg:W:windows), read each bucket's
 * count/late hashes and first/last sorted sets, and fold the tuples into rows keyed
 * by the requested dimensions. Counts and late counts fold exactly for any grouping.
 * First/last seen and distinct sources/destinations are kept per grain (keys.h):
 * when every requested dimension is a grain dimension or the window, they are exact
 * (distinct counts are HyperLogLog unions, PFCOUNT over many keys); otherwise distinct
 * counts are -1 and first/last are the grains' times clipped to the row's buckets.
 */
#ifndef ICTWATCH_AGGREAD_H
#define ICTWATCH_AGGREAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ictwatch/config.h"
#include "keys.h"
#include "rconn.h"
#include "settings.h"
#include "strmap.h"

struct agg_query {
    const struct coll_window *w;
    uint64_t since, until;          /* seconds; buckets whose start is in [since - size, until] */
    int dims[DIM_COUNT];
    size_t ndims;
};

struct agg_row {
    char **vals;                    /* ndims values (window: the start in seconds) */
    uint64_t count, late;
    uint64_t first, last;           /* microseconds; 0 = none (only late events) */
    uint64_t bucket_lo, bucket_hi;  /* first and last bucket start with counts */
    long long distinct_src, distinct_dst;
    uint32_t *hll;                  /* indices into agg_result.hll_keys */
    size_t nhll, hll_cap;
};

struct agg_result {
    struct agg_row *rows;
    size_t n, cap, ndims;
    struct strmap groups;           /* group key -> row index */
    struct strmap hll_keys;         /* "start|grain" of every grain seen */
    uint64_t *gfirst, *glast;       /* per grain key: first/last seen (microseconds) */
    size_t gcap;
    struct strmap row_hll;          /* (row, hll key) pairs, to add each once */
    bool distinct_ok;               /* dims allow exact distinct counts */
    uint64_t *starts;               /* bucket starts read, ascending */
    size_t nstarts;
};

/* Parses a --since/--until value: "all" (0), a duration before now ("24h"),
 * or a time ("2025-03-14T00:00:00Z", EVE format). -1 when it is none of those. */
int agg_parse_when(const char *text, uint64_t now, uint64_t *out);
/* Parses "country,category" into q->dims; -1 with err naming the bad one. */
int agg_parse_dims(const char *text, struct agg_query *q, char *err, size_t errlen);

/* Fills q from the settings: --window (default hour), --since (default all), --until
 * (default now), --by (default_by when absent). 0, or -1 with err. */
int agg_query_setup(struct agg_query *q, const struct coll_settings *s, const struct config *cfg,
                    const char *default_by, char *err, size_t errlen);

void agg_result_init(struct agg_result *res);
void agg_result_free(struct agg_result *res);
/* Reads and groups; 0, or -1 with err. */
int agg_read(struct rconn *r, const struct agg_query *q, struct agg_result *res, char *err, size_t errlen);
/* Fills distinct_src/dst of every row (when distinct_ok). 0 or -1. */
int agg_fill_distinct(struct rconn *r, const struct agg_query *q, struct agg_result *res, char *err,
                      size_t errlen);
/* Sorts rows: by window (when grouped by it), then count descending, then values. */
void agg_sort(const struct agg_query *q, struct agg_result *res);

/* "2025-03-14T09:26:53Z" (text) or with microseconds (iso). */
void agg_format_time(uint64_t usec, bool micro, char *buf, size_t len);

#endif
