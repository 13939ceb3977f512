/* detect_int.h - the rule engine's internal types, shared by the files of sensor/detect/.
 *
 * A rule is parsed into a struct rule: the header (action, protocol,
 * addresses, ports, direction) plus lists of "sigmatches", one list per
 * inspection buffer (the packet payload and each sticky buffer), one for
 * packet checks (flow, flags, dsize...), one for flow checks that depend on
 * what nDPI concluded (ndpi-protocol, ndpi-risk, app-layer-protocol) and one
 * for post-match actions (flowbits set/unset). This mirrors Suricata's
 * Signature with its sm_lists.
 *
 * Every keyword is one row of the keyword table (kw_table.c): its name,
 * aliases, flags that say how its value is pre-processed (quotes, negation,
 * sticky buffer, content modifier) and the setup function that parses the
 * value into a sigmatch. Matching of payload keywords (content, pcre,
 * isdataat, dataset) is done by the buffer inspector (inspect.c) because
 * position semantics (distance, within, backtracking) tie them together;
 * other sigmatches carry their own match function.
 *
 * Nothing here is visible outside sensor/detect/: the pipeline sees only
 * detect.h.
 */
#ifndef ICTWATCH_DETECT_INT_H
#define ICTWATCH_DETECT_INT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ictwatch/common.h"
#include "ictwatch/config.h"
#include "ictwatch/log.h"
#include "detect.h"
#include "dpi.h"
#include "flow.h"
#include "packet.h"
#include "output/eve.h"

#include "addr.h"
#include "ac.h"
#include "hashset.h"

#define DETECT_MAX_RULE_LEN 8192      /* as Suricata's DETECT_MAX_RULE_SIZE */
#define DETECT_ERRLEN 512

/* ------------------------------------------------------------------ buffers */

/* Inspection buffers. BUF_PAYLOAD is the packet payload (pkt_data); the app
 * buffers are filled from what nDPI extracted (struct flow_app); ip.src and
 * ip.dst hold the packet's addresses, for datasets of type ip/ipv4. */
enum detect_buf {
    BUF_PAYLOAD = 0,
    BUF_DNS_QUERY,
    BUF_TLS_SNI,
    BUF_HTTP_HOST,
    BUF_HTTP_URI,
    BUF_HTTP_METHOD,
    BUF_HTTP_UA,
    BUF_JA3,
    BUF_JA3S,
    BUF_IP_SRC,
    BUF_IP_DST,
    BUF_COUNT
};

#define BUF_BIT(b) (1u << (b))
#define BUF_APP_MASK (BUF_BIT(BUF_DNS_QUERY) | BUF_BIT(BUF_TLS_SNI) | BUF_BIT(BUF_HTTP_HOST) | \
                      BUF_BIT(BUF_HTTP_URI) | BUF_BIT(BUF_HTTP_METHOD) | BUF_BIT(BUF_HTTP_UA) | \
                      BUF_BIT(BUF_JA3) | BUF_BIT(BUF_JA3S))
#define BUF_IP_MASK (BUF_BIT(BUF_IP_SRC) | BUF_BIT(BUF_IP_DST))

/* Rule direction bits (which packet directions a rule can match). */
#define RDIR_TOSERVER 0x1
#define RDIR_TOCLIENT 0x2
#define RDIR_BOTH (RDIR_TOSERVER | RDIR_TOCLIENT)

struct buf_info {
    const char *name;          /* canonical keyword, "dns.query" */
    uint32_t app_bit;          /* APP_* bit of struct flow_app, 0 for packet buffers */
    uint8_t rdir;              /* direction the data flows in (RDIR_*) */
    bool is_string;            /* text (datasets of type string/md5/sha256) */
    bool is_addr;              /* an address (datasets of type ip/ipv4) */
};
extern const struct buf_info detect_buffers[BUF_COUNT];

/* ---------------------------------------------------------------- sigmatch */

enum sm_type {
    SM_GENERIC = 0,   /* has a match function */
    SM_CONTENT,
    SM_PCRE,
    SM_ISDATAAT,
    SM_DATASET,
};

/* Lists of a rule: 0..BUF_COUNT-1 are the buffers, then these. */
enum {
    SML_PACKET = BUF_COUNT,   /* checks on the packet and flow state, evaluated per packet */
    SML_FLOW,                 /* checks on nDPI's results (stable once known) */
    SML_POST,                 /* actions after a full match (flowbits set/unset) */
    SML_COUNT
};

struct match_ctx;
struct kw_def;
typedef bool (*sm_match_fn)(const struct match_ctx *m, const void *data);

struct sigmatch {
    uint8_t type;              /* enum sm_type */
    const struct kw_def *kw;   /* for printing and freeing */
    void *data;
    sm_match_fn match;         /* SM_GENERIC only */
};

struct sm_list {
    struct sigmatch *v;
    uint32_t n, cap;
};

/* ------------------------------------------------------------------ content */

#define CT_NOCASE        0x0001
#define CT_NEGATED       0x0002
#define CT_DEPTH         0x0004
#define CT_OFFSET        0x0008
#define CT_DISTANCE      0x0010
#define CT_WITHIN        0x0020
#define CT_FAST_PATTERN  0x0040
#define CT_FP_ONLY       0x0080
#define CT_FP_CHUNK      0x0100
#define CT_STARTSWITH    0x0200
#define CT_ENDSWITH      0x0400
#define CT_RELATIVE_NEXT 0x0800   /* the next payload keyword of the list is relative to this one */
#define CT_RELATIVE      (CT_DISTANCE | CT_WITHIN)

#define CONTENT_MAX_RELATIVE (1 << 20)   /* |distance|, within <= 1 MiB as Suricata */

struct content {
    uint8_t *pat;              /* the bytes, as written */
    uint8_t *lc;               /* lowercase copy (nocase search) */
    uint32_t len;
    uint32_t flags;            /* CT_* */
    uint32_t depth, offset;
    int32_t distance;
    uint32_t within;
    uint16_t fp_off, fp_len;   /* fast_pattern:off,len chunk */
};

/* Flags shared by pcre and isdataat for relative matching. */
#define PM_RELATIVE      0x1
#define PM_NEGATED       0x2
#define PM_RELATIVE_NEXT 0x4

struct pcre_sm {
    void *code;                /* pcre2_code_8 */
    char *text;                /* "/re/flags" as given, for printing */
    uint32_t flags;            /* PM_* */
};

struct isdataat_sm {
    uint32_t n;
    uint32_t flags;            /* PM_* */
};

struct dataset;
struct dataset_sm {
    struct dataset *set;       /* owned by the engine's dataset registry */
    bool isnotset;
};

/* ------------------------------------------------------------- threshold */

enum thr_type { THR_LIMIT = 0, THR_THRESHOLD, THR_BOTH, THR_BACKOFF, THR_DETECTION };
enum thr_track { TRK_SRC = 0, TRK_DST, TRK_RULE, TRK_BOTH, TRK_FLOW };
enum thr_unique { UNQ_NONE = 0, UNQ_SRC_PORT, UNQ_DST_PORT, UNQ_SRC_IP, UNQ_DST_IP };

struct thr_spec {
    uint8_t type, track, unique;
    uint32_t count, seconds, multiplier;
};

/* ------------------------------------------------------------- the rule */

enum rule_action { ACT_ALERT = 0, ACT_PASS, ACT_DROP, ACT_REJECT, ACT_REJECTSRC, ACT_REJECTDST,
                   ACT_REJECTBOTH };

/* When a rule is evaluated. */
enum rule_kind {
    RK_PACKET = 0,   /* every packet (grouped by protocol, ports, direction) */
    RK_IPONLY,       /* addresses/ports/iprep only: first packet of each direction */
    RK_APP,          /* uses app-layer buffers: when one of them becomes known */
    RK_DPI,          /* nDPI results only: when classification or a risk appears */
};

/* Protocol class bits for grouping (same order as enum flow_proto_class). */
#define PCLS_TCP   0x1
#define PCLS_UDP   0x2
#define PCLS_ICMP  0x4
#define PCLS_OTHER 0x8
#define PCLS_ALL   0xf

struct app_proto_set {
    uint16_t ids[4];            /* nDPI protocol ids */
    uint8_t n;
    bool failed;                /* "failed": classification gave up */
    int16_t name_idx;           /* row of the name table, for printing */
};

struct rule_header {
    uint8_t proto;              /* IP protocol number to match, 0 = any in the classes */
    uint8_t pclass;             /* PCLS_* the rule can apply to */
    uint8_t ipver;              /* 4, 6 or 0 */
    bool icmp_any;              /* "icmp": ICMP or ICMPv6 */
    bool bidir;                 /* "<>" */
    bool has_app;               /* application protocol in the header */
    struct app_proto_set app;
    const char *proto_text;     /* as written, for printing */
    struct addr_set src, dst;
    struct port_set sp, dp;
    char *src_text, *dst_text, *sp_text, *dp_text;
};

#define RF_NOALERT       0x0001
#define RF_HAS_PAYLOAD   0x0002
#define RF_FB_SET        0x0004   /* sets/unsets flowbits */
#define RF_FB_READ       0x0008   /* reads flowbits */
#define RF_PRIO_SET      0x0010   /* explicit priority */
#define RF_NEEDS_PACKET  0x0020   /* has keywords that only a packet can satisfy */

struct rule {
    uint32_t gid, sid, rev;
    uint32_t idx;               /* evaluation order = index in engine->rules */
    uint32_t file_order;
    uint8_t action;             /* enum rule_action as written */
    uint8_t kind;               /* enum rule_kind */
    uint8_t rdir;               /* RDIR_* the rule can match */
    uint8_t explicit_dir;       /* RDIR_* from flow:to_server/to_client, 0 if none */
    uint16_t flags;             /* RF_* */
    int priority;               /* final, 1 = highest */
    int prio_explicit;          /* 0 if none */
    uint32_t buf_mask;          /* BUF_BIT of every buffer the rule inspects */
    uint8_t tcp_need;           /* TCP flags a packet must have (from flags:), for grouping */
    bool tcp_none;              /* flags:0 (ignoring at most CWR/ECE): packets without flags */
    uint32_t app_need;          /* APP_* bits that must be known */
    struct rule_header h;
    struct sm_list lists[SML_COUNT];
    struct thr_spec *thr;
    struct content *fp;         /* fast pattern content, or NULL */
    int fp_buf;
    const struct app_proto_set *need_proto; /* positive protocol requirement (grouping), or NULL */
    int8_t dc_slot;             /* verdict kept per flow direction (engine.c), -1 = none */

    char *msg;
    char *classtype;            /* as written */
    const char *category;       /* classification description ("" if none) */
    char **refs;                /* "type,value" as written */
    uint32_t nrefs;
    char **meta;                /* "key value" as written */
    uint32_t nmeta;
    char *metadata_json;
    char *references_json;
    struct eve_alert_sig sig;

    const char *file;           /* owned by the engine's file name list */
    int line;
};

/* ---------------------------------------------------------- keyword table */

#define KW_NOVALUE     0x0001  /* takes no value */
#define KW_VALUE       0x0002  /* needs a value */
#define KW_QUOTES      0x0004  /* value must be in double quotes (stripped) */
#define KW_NEGATE      0x0008  /* a leading '!' is stripped and passed as negated */
#define KW_STICKY      0x0010  /* a sticky buffer keyword */
#define KW_CONTENT_MOD 0x0020  /* modifies the last content */
#define KW_UNSUPPORTED 0x0040  /* a Suricata keyword that ictwatch does not implement */
#define KW_LEGACY_BUF  0x0080  /* content modifier that moves the last content into a buffer */
#define KW_RAW         0x0100  /* value passed as written (no quote stripping) */

struct parse_ctx;
struct sbuf;

struct kw_def {
    const char *name;
    const char *alias[3];
    uint16_t flags;
    int8_t buf;                /* sticky or legacy buffer, -1 */
    int (*setup)(struct parse_ctx *pc, const char *value, bool negated);
    void (*print)(const struct sigmatch *sm, struct sbuf *out);
    void (*free)(void *data);
};

const struct kw_def *kw_lookup(const char *name);
/* Looked up by name for printing sigmatches of a given kind. */
const struct kw_def *kw_by_name(const char *name);

/* ------------------------------------------------------------ load state */

struct classification;
struct refconf;
struct iprep;
struct dataset_registry;

/* Where loader messages go; counts them. */
struct load_diag {
    const struct log_ctx *lg;
    unsigned errors, warnings;
    bool strict;
};
void diag_msg(struct load_diag *d, enum log_level lvl, const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* Everything a rule needs from its surroundings while it is parsed. */
struct load_env {
    const struct config *cfg;
    const struct dpi_ctx *dpi;
    struct load_diag *diag;
    struct classification *cls;
    struct refconf *refs;
    struct iprep *iprep;
    struct dataset_registry *datasets;
    struct flowbit_names *fbnames;
    const char *rules_dir;      /* may be NULL */
    bool list_unreadable;       /* a dataset's load file could not be read: the whole load fails */
};

struct parse_ctx {
    struct load_env *env;
    struct rule *r;
    const struct kw_def *cur_kw;   /* keyword whose setup is running */
    const char *file;
    int line;
    int cur_buf;                /* sticky buffer that payload keywords go to */
    bool cur_buf_used;          /* something was added to the current sticky buffer */
    const char *cur_buf_kw;     /* the keyword that selected it */
    struct content *last_content;
    int last_content_list;
    int last_payload_list;      /* list of the last payload keyword (content/pcre/isdataat) */
    bool seen_msg, seen_sid, seen_rev, seen_gid, seen_prio, seen_flow, seen_flags,
        seen_dsize, seen_thr, seen_fp, seen_classtype;
    char err[DETECT_ERRLEN];
};

/* Records an error for the rule being parsed; returns -1. */
int pc_err(struct parse_ctx *pc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pc_warn(struct parse_ctx *pc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends a sigmatch to list; returns it, or NULL (out of memory, error set). */
struct sigmatch *pc_add(struct parse_ctx *pc, int list, uint8_t type, const struct kw_def *kw,
                        void *data, sm_match_fn match);
/* Adds a payload keyword (content/pcre/isdataat/dataset) to the current buffer. */
struct sigmatch *pc_add_payload(struct parse_ctx *pc, uint8_t type, const struct kw_def *kw,
                                void *data);
/* The sigmatch before the last one of a list, for relative flags; NULL if none. */
struct sigmatch *pc_prev_payload(struct parse_ctx *pc, int list);

/* ------------------------------------------------------------ matching */

/* A packet, or the flow at its end, as rules see it. */
struct pkt_view {
    const struct ictw_addr *src, *dst;
    uint16_t sp, dp;
    uint8_t proto, ipver;
    bool has_ports;
    int dir;                    /* FLOW_TOSERVER / FLOW_TOCLIENT */
    ictw_usec ts;
};

struct detect_flow_state;

struct match_ctx {
    struct detect_engine *e;
    struct flow *f;             /* may be NULL for packets without a flow */
    const struct packet *p;     /* NULL at flow end */
    struct pkt_view v;
    struct detect_flow_state *fs;
    bool skip_payload;          /* encrypted: the payload is not inspected */
    void *pcre_md;              /* pcre2_match_data_8, reused for every match */
    void *pcre_mctx;            /* pcre2_match_context_8 with the match limits */
    uint32_t *budget;           /* backtracking steps left for this rule */
};

/* Generic unsigned comparison used by dsize, ttl, itype, icode (detect-engine-uint). */
enum uint_mode { UM_EQ = 0, UM_NE, UM_LT, UM_LTE, UM_GT, UM_GTE, UM_RANGE, UM_NRANGE };
struct uint_cmp {
    uint8_t mode;
    uint32_t a, b;
};
int uint_cmp_parse(const char *s, uint32_t max, struct uint_cmp *out, char *err, size_t errlen);
bool uint_cmp_match(const struct uint_cmp *c, uint32_t v);
void uint_cmp_print(const struct uint_cmp *c, struct sbuf *out);
/* Setup and print of a keyword whose value is a uint_cmp (dsize, ttl, itype, icode). */
int kw_uint_setup(struct parse_ctx *pc, const char *v, const char *name, uint32_t max, sm_match_fn fn);
void kw_uint_print(const char *name, const struct sigmatch *sm, struct sbuf *out);

/* ------------------------------------------------------------ helpers */

struct sbuf {
    char *s;
    size_t len, cap;
    bool failed;
};
void sbuf_init(struct sbuf *b);
void sbuf_free(struct sbuf *b);
void sbuf_add(struct sbuf *b, const char *s, size_t n);
void sbuf_puts(struct sbuf *b, const char *s);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Writes bytes as content text: printable bytes as they are, others as |hh|. */
void sbuf_content(struct sbuf *b, const uint8_t *p, size_t n);

char *detect_strndup(const char *s, size_t n);
char *detect_trim(char *s);
uint64_t detect_hash(const void *p, size_t n, uint64_t seed);
extern const uint8_t detect_lower[256];
/* Resolves a relative path against dir (dir may be NULL). Returns malloc'd text. */
char *detect_path_join(const char *dir, const char *path);
/* Directory part of a file path (malloc'd; "." for none). */
char *detect_dirname(const char *path);
/* Reads a whole file into a NUL-terminated buffer. NULL with errno set on failure. */
char *detect_read_file(const char *path, size_t *len);
size_t detect_count_lines(const char *buf, size_t len);
/* Value of a hex digit, or -1. */
int detect_hexval(int c);
/* Calls fn for each trimmed line that is not empty or a '#' comment; "cannot
 * read the WHAT" is reported when the file cannot be read (-1). A negative
 * return of fn stops and is returned. */
int detect_for_each_line(const char *path, const char *what, struct load_diag *d,
                         int (*fn)(void *arg, char *line, const char *path, int lineno,
                                   struct load_diag *d),
                         void *arg);

/* Named flowbits: ids stay stable across reloads (a new engine starts from
 * the names of the old one), so per-flow bits survive a swap. */
struct flowbit_names {
    char **names;
    uint32_t n, cap;
};
int flowbit_id(struct flowbit_names *fb, const char *name);   /* creates; -1 on OOM */
int flowbit_names_copy(struct flowbit_names *dst, const struct flowbit_names *src);
void flowbit_names_free(struct flowbit_names *fb);

/* Classification and reference configuration (classification.c). */
struct class_entry {
    char *name, *desc;
    int prio;
};
struct classification {
    struct class_entry *v;
    uint32_t n, cap;
};
struct ref_entry {
    char *name, *url;
};
struct refconf {
    struct ref_entry *v;
    uint32_t n, cap;
};
int classification_load(struct classification *c, const char *path, struct load_diag *d);
const struct class_entry *classification_find(const struct classification *c, const char *name);
/* [a-zA-Z][a-zA-Z0-9-_]*, as Suricata requires of classtype names. */
bool classification_valid_name(const char *s);
void classification_free(struct classification *c);
int refconf_load(struct refconf *r, const char *path, struct load_diag *d);
const struct ref_entry *refconf_find(const struct refconf *r, const char *name);
void refconf_free(struct refconf *r);

/* Application protocol names of Suricata mapped to nDPI (applayer.c). */
int app_proto_lookup(const struct dpi_ctx *dpi, const char *name, struct app_proto_set *out,
                     uint8_t *pclass);
bool app_proto_match(const struct app_proto_set *s, const struct flow *f);
/* The Suricata name a set was looked up with ("http", "failed"). */
const char *app_proto_name(const struct app_proto_set *s);
bool flow_dpi_known(const struct flow *f);

/* Rule parsing (parse.c). */
struct rule *rule_parse(struct load_env *env, const char *text, const char *file, int line,
                        char *err, size_t errlen);
void rule_free(struct rule *r);
/* Canonical text of a rule (round trips through rule_parse). */
char *rule_format(const struct rule *r);
/* Called by every file that parses rules, to free a sigmatch's data. */
void sigmatch_free(struct sigmatch *sm);

/* Sets the relative-next flags of a buffer list once the rule is parsed. */
void inspect_prepare_list(struct sm_list *l);
bool dataset_contains(const struct dataset *d, const uint8_t *buf, uint32_t len);

/* Per-keyword entry points used by other files. */
bool inspect_buffer(const struct match_ctx *m, const struct sm_list *l, const uint8_t *buf,
                    uint32_t len);
void content_free(void *p);
int64_t content_find(const struct content *c, const uint8_t *hay, uint32_t n);
void thr_print(const struct thr_spec *t, bool detection_filter, struct sbuf *out);

/* Per-flow state (flowstate.c): flowbits survive engine reloads because
 * bit ids are stable (see struct flowbit_names). */
bool flowstate_bit(const struct detect_flow_state *fs, uint32_t id);
/* Per-flow cache of reputation scores: side 0 = the flow's client, 1 = its server. */
/* The iprep entry chain (iprep_head) of the flow's client (side 0) or server (1). */
bool flowstate_rep_get(const struct detect_flow_state *fs, int side, uint32_t *head);
void flowstate_rep_put(struct detect_flow_state *fs, int side, uint32_t head);
int flowstate_set_bit(struct detect_flow_state *fs, uint32_t id, bool on);

/* Match context helpers. */
bool match_established(const struct flow *f);
/* A flow keyword that only gives a direction: the same for every packet of
 * that direction of a flow. */
bool kw_flow_direction_only(const void *data);

#endif
