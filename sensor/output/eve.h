/* eve.h - Suricata EVE JSON records for flows and alerts.
 *
 * Keys are written in Suricata's order (common header, type-specific part,
 * host last) so that tools built for Suricata read our records unchanged,
 * and every record validates against Suricata's EVE schema. Our own data
 * goes only where the schema leaves room: the top-level `ndpi` object,
 * `alert.metadata` and `host` (the sensor id).
 *
 * Records are written into a caller-owned struct jsonw, without a trailing
 * newline (the file sink adds one; Redis gets none, as Suricata does).
 */
#ifndef ICTWATCH_EVE_H
#define ICTWATCH_EVE_H

#include <stdint.h>
#include "ictwatch/jsonw.h"
#include "flow.h"
#include "packet.h"

struct dpi_ctx;

struct eve_ctx {
    const char *host;          /* sensor id, written as "host" */
    const char *in_iface;      /* live capture device, or NULL for files */
    const struct dpi_ctx *dpi; /* for protocol, category and risk names */
};

/* What an alert says about its rule; the rule engine keeps one per rule. */
struct eve_alert_sig {
    uint32_t gid, sid, rev;
    int severity;                 /* 1 = highest */
    const char *msg;              /* "" if none */
    const char *category;         /* classtype description, "" if none */
    const char *metadata_json;    /* prebuilt {"key":["v",...],...}, keys sorted; NULL if none */
    const char *references_json;  /* prebuilt ["url",...]; NULL if none */
};

/* A flow record ("event_type":"flow"), in flow orientation. `now` is the
 * packet time at which the flow ended. */
void eve_write_flow(const struct eve_ctx *e, struct jsonw *w, const struct flow *f,
                    enum flow_end_reason reason, ictw_usec now);

/* An alert record for packet p (direction dir) of flow f. p may be NULL for an
 * alert raised at flow end: the flow's last packet time and flow orientation are
 * used then. */
void eve_write_alert(const struct eve_ctx *e, struct jsonw *w, const struct eve_alert_sig *sig,
                     const struct flow *f, const struct packet *p, int dir, ictw_usec now);

/* The EVE "proto" text for an IP protocol number ("TCP", "UDP", "ICMP", "IPv6-ICMP", "SCTP", ...). */
const char *eve_proto_name(uint8_t proto, char *buf, size_t len);

#endif
