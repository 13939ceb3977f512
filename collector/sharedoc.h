/* sharedoc.h - what a national collector may hand to others: one document per window.
 *
 * export (JSON, STIX, MISP) and share (the regional roll-up) all start from the same
 * thing: for each bucket of one window size, the national aggregates reduced to what
 * the region compares - alerts by category and severity, per signature, per source
 * prefix, and the sources above a threshold - built only from the tuples that may be
 * released to the recipient, with addresses hidden by the anonymisation policy.
 *
 * TLP: every tuple carries the level of its alerts (keys.h). A tuple's level is raised
 * to the export's own level; a tuple that may not go to the recipient (RED never,
 * AMBER only to named recipients, tlp.h) is left out entirely and only counted as
 * "withheld". The document's level is the most restrictive of the tuples it holds, so
 * it never carries a level lower than any of its inputs. Top sources are kept per
 * level and signature (keys.h), and taken only from the levels that may go.
 *
 * The JSON form (schema "ictwatch-share/1") is documented in docs/sharing.md; compare
 * reads it back from the regional Redis, so sharedoc_parse() treats it as hostile.
 */
#ifndef ICTWATCH_SHAREDOC_H
#define ICTWATCH_SHAREDOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "anon.h"
#include "ictwatch/jsonw.h"
#include "rconn.h"
#include "settings.h"
#include "tlp.h"

struct share_count {
    char *key;               /* category, signature id, prefix or address (hidden) */
    char *label;             /* message of a signature, or NULL */
    int severity;            /* categories and signatures; 0 otherwise */
    uint64_t count;
    long long distinct;      /* distinct sources of a signature; -1 unknown */
};

struct share_list {
    struct share_count *v;
    size_t n, cap;
};

struct share_window {
    uint64_t start, length;          /* seconds */
    enum tlp_level level;
    uint64_t total, withheld;
    struct share_list categories;    /* key = category, severity */
    struct share_list signatures;    /* key = gid:sid:rev, label = msg */
    struct share_list prefixes;      /* key = hidden source prefix */
    struct share_list sources;       /* key = hidden source address (count >= threshold) */
};

struct share_doc {
    char country[16];
    char producer[128];
    char anonymization[64];          /* policy spec, e.g. "cryptopan" */
    char scope[16];                  /* "both" or "internal" */
    enum tlp_level level;            /* max over the windows */
    struct share_window *w;
    size_t n, cap;
    uint64_t withheld;               /* alerts left out (TLP) */
};

/* What to build. */
struct share_spec {
    const struct coll_window *window;
    uint64_t since, until;           /* bucket starts in [since, until] */
    enum tlp_level base;             /* the export's own level (--tlp) */
    const char *recipient;
    const char *const *allowed;      /* recipients named for AMBER */
    size_t n_allowed;
    const struct anon_policy *anon;
    uint64_t threshold;              /* a source is listed from this many alerts on */
    size_t max_prefixes, max_signatures;
    const char *country, *producer;
    const char *only_country;        /* NULL = all tuples; else the tuple's country must match */
};

void sharedoc_init(struct share_doc *d);
void sharedoc_free(struct share_doc *d);

/* Reads the aggregates and builds the document. 0, or -1 with err. */
int sharedoc_build(struct rconn *r, const struct share_spec *spec, struct share_doc *d, char *err,
                   size_t errlen);

/* One window as JSON (schema ictwatch-share/1) into w. */
void sharedoc_window_json(const struct share_doc *d, const struct share_window *win, struct jsonw *w);
/* Parses one window document (hostile input). Fills d's header fields from it and
 * appends the window. 0, or -1 with err. */
int sharedoc_parse(const char *json, size_t len, struct share_doc *d, char *err, size_t errlen);

/* "2026-11-26T00:00:00Z" */
void sharedoc_time(uint64_t seconds, char *buf, size_t len);

/* Builds the anonymisation policy from the settings anon.* and --anonymize.
 * 0, or -1 with err naming the setting. */
int sharedoc_policy(struct anon_policy *p, const struct config *cfg, char *err, size_t errlen);

#endif
