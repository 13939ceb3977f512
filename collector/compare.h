/* compare.h - `ictwatch-collector compare`: the countries of a region side by side.
 *
 *   compare --from redis://REGIONAL:6379 [--since 7d] [--until T] [--top 10]
 *           [--min-countries 2] [--format table|json] [--html FILE]
 *
 * Reads every stream ictwatch:share:{CC} on the regional Redis (documents of
 * sharedoc.h, parsed as hostile input: a bad entry is skipped with a warning),
 * keeps the windows that start in the period, and builds per country: alerts by
 * severity and category, top signatures, a trend per day; and across countries the
 * source prefixes seen by at least --min-countries countries (the campaigns).
 * Written as terminal tables, JSON, or a self-contained HTML page (html.h).
 * The comparison's TLP level is the most restrictive of the documents read.
 */
#ifndef ICTWATCH_COMPARE_H
#define ICTWATCH_COMPARE_H

#include <signal.h>
#include <stdint.h>

#include "ictwatch/config.h"
#include "ictwatch/log.h"
#include "settings.h"
#include "sharedoc.h"

struct compare_country {
    char cc[16];
    char producer[128];
    uint64_t total, windows;
    uint64_t by_severity[4];         /* 1, 2, 3, other (index 0) */
    struct share_list categories;    /* key = category */
    struct share_list signatures;    /* key = gid:sid:rev, label = msg */
    uint64_t *days;                  /* alerts per day, days[0] = first_day */
};

struct compare_prefix {
    char *prefix;
    uint64_t total;
    uint64_t *counts;                /* per country, same order as countries */
    unsigned ncountries;
};

struct compare_model {
    uint64_t since, until;           /* seconds */
    uint64_t first_day, ndays;       /* days as Unix day numbers */
    enum tlp_level level;
    struct compare_country *c;
    size_t nc;
    struct share_list all_categories; /* union, by total */
    struct compare_prefix *p;         /* shared by >= min countries, by countries then total */
    size_t np;
    unsigned min_countries;
};

int compare_run(const struct coll_settings *s, const struct config *cfg, const struct log_ctx *lg);

#endif
