/* detect.h - the rule engine as the packet pipeline sees it.
 *
 * The engine is built from rule files (Suricata's language plus nDPI
 * keywords) by detect_engine_load(); it is immutable after loading except for
 * the runtime state it owns (thresholds, IOC lookups are read-only). Per-flow
 * state (flowbits, which flow rules already ran) hangs off flow->detect.
 *
 * The pipeline calls detect_packet() for every packet of a flow, with the
 * DPI_EV_* bits of what nDPI learnt from that packet; packet rules run on the
 * packet's payload, flow rules on app-layer fields run once, when their field
 * becomes known, ndpi-* rules when classification or a risk appears. At flow
 * end detect_flow_end() gives rules on fields that became known at giveup
 * their chance. Alerts go out through the callback.
 *
 * (The full design of the engine is in sensor/detect/engine.c.)
 */
#ifndef ICTWATCH_DETECT_H
#define ICTWATCH_DETECT_H

#include <stdbool.h>
#include <stdint.h>
#include "flow.h"
#include "packet.h"
#include "output/eve.h"

struct config;
struct log_ctx;
struct dpi_ctx;
struct detect_engine;

typedef void (*detect_alert_fn)(void *arg, const struct eve_alert_sig *sig, struct flow *f,
                                const struct packet *p, int dir);

struct detect_load_opts {
    const struct config *cfg;   /* rule-files, classification-file, reference-file, variables */
    const struct log_ctx *lg;   /* where FILE:LINE errors go */
    const struct dpi_ctx *dpi;  /* nDPI names for app protocols and ndpi-protocol */
    bool strict;                /* any rule error makes the load fail */
};

struct detect_load_report {
    unsigned files;
    unsigned loaded;
    unsigned failed;
    unsigned warnings;
};

/* Loads every rule file. Rules with errors are reported (FILE:LINE: what)
 * and skipped. Returns NULL on a fatal error (unreadable file, strict mode
 * failure, out of memory). */
struct detect_engine *detect_engine_load(const struct detect_load_opts *o,
                                         struct detect_load_report *r);
void detect_engine_free(struct detect_engine *e);

void detect_packet(struct detect_engine *e, struct flow *f, const struct packet *p, int dir,
                   unsigned dpi_events, detect_alert_fn alert, void *arg);
void detect_flow_end(struct detect_engine *e, struct flow *f, unsigned dpi_events,
                     detect_alert_fn alert, void *arg);
/* Frees f->detect (called when the flow is released). */
void detect_flow_free(struct flow *f);

/* Counters of an engine (carried over to the new engine by a reload). */
struct detect_stats {
    uint64_t packets;          /* packets inspected */
    uint64_t alerts;           /* alerts raised */
    uint64_t suppressed;       /* matches silenced by threshold or detection_filter */
    uint64_t noalert;          /* matches of noalert rules (side effects only) */
    uint64_t passed_flows;     /* flows a pass rule matched */
    uint64_t thr_untracked;    /* threshold keys not tracked: the table was full */
};
const struct detect_stats *detect_engine_stats(const struct detect_engine *e);
unsigned detect_engine_rule_count(const struct detect_engine *e);

/* Reloading rules and lists (SIGHUP) without stopping the packet thread.
 *
 *   packet thread, on SIGHUP:   detect_reload_start(t, &opts, engine);
 *   packet thread, between packets (cheap when nothing is pending):
 *       if (detect_reload_poll(t, &engine, &report) == DETECT_RELOAD_SWAPPED) ...
 *
 * The new engine is built by a thread from a private copy of opts->cfg (the
 * caller may change or free its config afterwards); opts->dpi and opts->lg
 * must stay valid. Flowbits, flow rules already fired and by_flow thresholds
 * of live flows stay valid across the swap; the threshold table moves to the
 * new engine. The old engine is freed by the reload thread, off the packet
 * path. A failed reload keeps the current engine and logs why. */
struct detect_thread;
enum detect_reload_status {
    DETECT_RELOAD_IDLE = 0,    /* nothing started */
    DETECT_RELOAD_RUNNING,     /* still building */
    DETECT_RELOAD_SWAPPED,     /* *engine is the new engine */
    DETECT_RELOAD_FAILED,      /* the old engine stays; the reason was logged */
};
struct detect_thread *detect_reload_new(const struct log_ctx *lg);
/* Starts building; returns -1 if a reload is already running or on error. */
int detect_reload_start(struct detect_thread *t, const struct detect_load_opts *o,
                        const struct detect_engine *current);
enum detect_reload_status detect_reload_poll(struct detect_thread *t, struct detect_engine **engine,
                                             struct detect_load_report *r);
/* Waits for a running build, frees what it holds. */
void detect_reload_free(struct detect_thread *t);

#endif
