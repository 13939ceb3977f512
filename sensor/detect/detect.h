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

#endif
