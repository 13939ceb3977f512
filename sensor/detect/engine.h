/* engine.h - the loaded rule engine's structures (internal to sensor/detect/).
 *
 * See engine.c for the design: rule groups by protocol class, direction and
 * port, one Aho-Corasick prefilter per group, buffer groups for app-layer
 * rules, protocol-indexed lists for rules on nDPI results.
 */
#ifndef ICTWATCH_DETECT_ENGINE_H
#define ICTWATCH_DETECT_ENGINE_H

#include "detect_int.h"
#include "dataset.h"
#include "iprep.h"
#include "mpm.h"

/* Packet rules without payload keywords are filed by the TCP flag they need,
 * so that a SYN-scan rule is not a candidate for every ACK. */
enum { PLAIN_SYN = 0, PLAIN_FIN, PLAIN_RST, PLAIN_NOFLAGS, PLAIN_BY_FLAG };

/* Rules that share one prefilter: a packet group, or the rules of one
 * app-layer buffer. Rule lists hold rule indices in ascending order. */
struct pf_group {
    struct mpm *mpm;           /* fast patterns; ids are rule indices */
    uint32_t *nopf, n_nopf;    /* inspect the buffer but have no fast pattern */
    uint32_t *plain, n_plain;  /* packet rules that do not inspect the payload, and need no flag */
    uint32_t *plain_flag[PLAIN_BY_FLAG], n_plain_flag[PLAIN_BY_FLAG];   /* ... that need SYN, FIN, RST / no flags */
    uint32_t *iponly, n_iponly;
    uint32_t *all, n_all;      /* every rule of the group, for deduplication */
    uint64_t hash;
};

/* Groups of one protocol class and direction: rules on any port, and
 * rules by destination port / by source port (index + 1 into groups, 0 none). */
struct port_map {
    uint32_t any;
    uint32_t *dp;              /* 65536 entries, or NULL */
    uint32_t *sp;
    /* A bit per port that has a group: 8 KB that stay in cache, where the
     * 256 KB maps would miss on every ephemeral port. */
    uint64_t *dp_bits, *sp_bits;
};

struct thr_table;

struct detect_engine {
    uint32_t gen;
    const struct log_ctx *lg;
    struct rule **rules;
    uint32_t nrules;
    struct hashset sid_index;   /* 8-byte gid:sid keys; ordinal = rule index */

    struct pf_group **groups;
    uint32_t ngroups, groups_cap;
    struct port_map pm[FLOW_CLASS_COUNT][2];
    uint32_t buf_group[BUF_COUNT];   /* index + 1, app buffers only */
    uint32_t *dpi_generic, n_dpi_generic;
    uint32_t *app_dpi, n_app_dpi;    /* app-layer rules with nDPI keywords (ndpi-risk...) */
    uint32_t **dpi_by_proto, *n_dpi_by_proto;
    uint32_t nprotos;
    uint16_t encrypted_ids[8];
    uint8_t n_encrypted;
    uint16_t quic_id;
    bool inspect_encrypted;          /* detect.encryption-handling = full */

    struct classification cls;
    struct refconf refs;
    struct iprep iprep;
    struct dataset_registry datasets;
    struct flowbit_names fbnames;
    char **files;
    uint32_t nfiles;

    struct thr_table *thr;
    struct detect_stats st;

    /* Scratch of the packet thread (the engine is used by one thread). */
    uint8_t *cand_bits;
    uint32_t *cand, ncand;
    uint8_t *ac_seen;
    uint32_t *ac_out;
    uint32_t ac_max;
    void *pcre_md, *pcre_mctx;
};

/* Per-flow state, hung off flow->detect. It refers to rules by gid:sid (with
 * a cached index valid for one engine generation) so that it stays valid
 * when a reload swaps the engine. */
struct rref {
    uint32_t gid, sid, idx;
};

struct flow_thr {
    uint32_t gid, sid;
    ictw_usec start;
    uint32_t count;
    uint8_t used;
    uint64_t next;
};

struct detect_flow_state {
    uint32_t gen;
    uint32_t app_seen;          /* APP_* bits whose rules already ran */
    uint64_t risk_seen;
    uint16_t seen_master, seen_app;
    uint8_t dpi_seen;
    uint8_t iponly_done;        /* bit per direction */
    uint8_t encrypted;          /* encrypted records have started: no content inspection */
    uint32_t nwords;
    uint64_t *bits;             /* flowbits */
    struct rref *fired, *pending;
    uint16_t nfired, cap_fired, npending, cap_pending;
    struct flow_thr *thr;
    uint16_t nthr, cap_thr;
    /* Reputation of the flow's two addresses (they do not change): the
     * iprep entry chain of side 0 = client, 1 = server, looked up once for
     * all categories. Cleared by a reload. */
    uint32_t rep_head[2];
    uint8_t rep_known;          /* bit per side */
    /* Verdicts of the direction-constant packet rules (rule->dc_slot), per
     * direction: evaluated on the first packet, reused on the others.
     * Cleared by a reload. */
    uint64_t dc_known[2], dc_match[2];
};

struct detect_flow_state *flowstate_get(struct flow *f);
void flowstate_sync(const struct detect_engine *e, struct detect_flow_state *fs);
bool flowstate_fired(const struct detect_flow_state *fs, const struct rule *r);
void flowstate_mark_fired(struct detect_flow_state *fs, const struct rule *r);
bool flowstate_pending(const struct detect_flow_state *fs, const struct rule *r);
void flowstate_add_pending(struct detect_flow_state *fs, const struct rule *r);
void flowstate_remove_pending(struct detect_flow_state *fs, const struct rule *r);
struct flow_thr *flowstate_thr(struct detect_flow_state *fs, const struct rule *r);
void flowstate_free(struct detect_flow_state *fs);
int32_t engine_rule_index(const struct detect_engine *e, uint32_t gid, uint32_t sid);

/* threshold.c */
struct thr_table *thr_table_new(uint32_t max_entries);
void thr_table_free(struct thr_table *t);
/* Does this match of r alert? Updates the counters. */
bool thr_check(struct thr_table *t, const struct rule *r, const struct pkt_view *v, ictw_usec ts,
               const struct flow *f, struct detect_flow_state *fs, struct detect_stats *st);
uint32_t thr_table_entries(const struct thr_table *t);

/* engine.c */
int engine_build(struct detect_engine *e, const struct config *cfg, const struct dpi_ctx *dpi,
                 char *err, size_t errlen);
void engine_free_parts(struct detect_engine *e);

/* loader.c: used by reload.c to build an engine that inherits flowbit names. */
struct detect_engine *detect_engine_load_from(const struct detect_load_opts *o,
                                              struct detect_load_report *r,
                                              const struct flowbit_names *inherit, uint32_t gen);

#endif
