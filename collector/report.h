/* report.h - `ictwatch-collector report`: the aggregates as a table, JSON or CSV.
 *
 *   report [--since 24h] [--until T] [--window hour] [--by country,category] [--top 20]
 *          [--sources 3] [--format table|json|csv]
 *
 * Rows are the groups of the chosen dimensions over the buckets of one window size;
 * columns: the dimension values (a signature also gets its message), count, late,
 * distinct sources and destinations, first and last seen, and with --sources the
 * top sources of the signature. Sorted by count (by window first when grouped by it).
 */
#ifndef ICTWATCH_REPORT_H
#define ICTWATCH_REPORT_H

#include "ictwatch/config.h"
#include "ictwatch/log.h"
#include "settings.h"

int report_run(const struct coll_settings *s, const struct config *cfg, const struct log_ctx *lg);

#endif
