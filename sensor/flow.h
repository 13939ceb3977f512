/* flow.h - the bidirectional flow table.
 *
 * A flow is keyed by both addresses and ports, the IP protocol, the VLAN id
 * and the tunnel it arrived in. The key is stored in a canonical order (the
 * smaller address/port pair first), so both directions hash and compare the
 * same; the client and server are recorded separately: for TCP the sender of
 * the first SYN without ACK is the client (a SYN+ACK first means its receiver
 * is), otherwise the sender of the first packet.
 *
 * All times are packet times. Flows sit in one of several LRU lists, one per
 * (protocol class, state), each with a single idle timeout, so expiry only
 * ever looks at list heads. The table clock only moves forward, so packets
 * that go back in time (several files, reordering) cannot corrupt the lists.
 *
 * Memory is capped: when a new flow would exceed the cap, the table enters
 * emergency mode (shorter timeouts, counted) and, if that is not enough,
 * evicts the least recently seen flows (counted). Every flow that leaves the
 * table goes through the end callback first, with the reason.
 */
#ifndef ICTWATCH_FLOW_H
#define ICTWATCH_FLOW_H

#include <stdint.h>
#include <stdbool.h>
#include "ictwatch/common.h"
#include "packet.h"

enum flow_dir { FLOW_TOSERVER = 0, FLOW_TOCLIENT = 1 };
enum flow_state { FLOW_STATE_NEW = 0, FLOW_STATE_ESTABLISHED, FLOW_STATE_CLOSED, FLOW_STATE_COUNT };
enum flow_proto_class { FLOW_CLASS_TCP = 0, FLOW_CLASS_UDP, FLOW_CLASS_ICMP, FLOW_CLASS_OTHER,
                        FLOW_CLASS_COUNT };
/* Why a flow record is written; names as in Suricata's flow.reason. */
enum flow_end_reason { FLOW_END_TIMEOUT = 0, FLOW_END_ACTIVE_TIMEOUT, FLOW_END_FORCED,
                       FLOW_END_SHUTDOWN, FLOW_END_TCP_REUSE };

struct flow_key {
    uint8_t addr_a[16], addr_b[16];
    uint16_t port_a, port_b;
    uint8_t family, proto, tunnel_type, pad;
    uint16_t vlan, pad2;
    uint32_t tunnel_id;
};

/* flow.flags */
#define FLOW_F_SYN_SEEN      0x0001  /* a SYN (no ACK) from the client */
#define FLOW_F_SYNACK_SEEN   0x0002
#define FLOW_F_FIN_CLIENT    0x0004
#define FLOW_F_FIN_SERVER    0x0008
#define FLOW_F_RST           0x0010
#define FLOW_F_ALERTED       0x0020  /* at least one alert was raised */
#define FLOW_F_PASS          0x0040  /* a pass rule matched: no more alerts */
#define FLOW_F_DPI_DONE      0x0080  /* nDPI is no longer called for this flow */
#define FLOW_F_EMERGENCY     0x0100  /* created while the table was in emergency mode */
#define FLOW_F_MIDSTREAM     0x0200  /* TCP picked up without a handshake */
#define FLOW_F_WAS_ESTABLISHED 0x0400 /* reached ESTABLISHED at some point (kept when closed) */

struct flow_app;            /* app-layer fields nDPI extracted; see dpi.h */
struct ndpi_flow_struct;

/* What nDPI concluded; filled by dpi.c. Ids are nDPI protocol ids. */
struct flow_dpi {
    uint16_t master_proto;   /* e.g. TLS; 0 = unknown */
    uint16_t app_proto;      /* e.g. YouTube; 0 = none */
    uint16_t category;       /* ndpi_protocol_category_t */
    uint16_t packets;        /* packets given to nDPI */
    uint64_t risk;           /* bitmask of ndpi_risk_enum */
    uint8_t confidence;      /* ndpi_confidence_t */
    uint8_t classified;      /* nDPI named a protocol (not by giveup) */
    uint8_t gave_up;         /* classification ended through giveup */
    uint8_t pad;
};

struct flow {
    struct flow *hnext;              /* hash chain */
    struct flow *lprev, *lnext;      /* LRU list of (class, state) */
    struct flow_key key;
    uint32_t hash;
    uint16_t flags;                  /* FLOW_F_* */
    uint8_t state;                   /* enum flow_state */
    uint8_t pclass;                  /* enum flow_proto_class */

    struct ictw_addr cli, srv;       /* orientation */
    uint16_t cli_port, srv_port;
    uint8_t tcp_flags[2];            /* OR of TCP flags per direction */
    uint8_t vlan_count;
    uint8_t ip_version;
    uint16_t vlan[PACKET_MAX_VLANS];

    uint64_t flow_id;                /* Suricata-style 51-bit id */
    ictw_usec first_seen, last_seen; /* packet times */
    ictw_usec touched;               /* table clock at the last packet */
    uint64_t pkts[2], bytes[2];      /* indexed by enum flow_dir */

    struct packet_tunnel tunnel;     /* tunnel of the first packet */

    struct flow_dpi dpi;
    struct ndpi_flow_struct *ndpi;   /* NULL once classification is done */
    struct flow_app *app;            /* NULL until a field is known */
    void *detect;                    /* the rule engine's per-flow state */
    uint32_t mem;                    /* bytes accounted to this flow */
};

struct flow_config {
    uint32_t hash_size;                                   /* buckets, rounded up to a power of 2 */
    uint64_t memcap;                                      /* bytes */
    uint32_t timeout[FLOW_CLASS_COUNT][FLOW_STATE_COUNT]; /* idle seconds */
    uint32_t emergency_timeout[FLOW_CLASS_COUNT][FLOW_STATE_COUNT];
    uint32_t active_timeout;                              /* seconds; 0 = off */
    uint32_t emergency_recovery;                          /* percent of memcap to leave emergency */
};

struct flow_stats {
    uint64_t created, ended, active, active_peak;
    uint64_t tcp, udp, icmp, other;
    uint64_t timeouts, active_timeouts;
    uint64_t evicted;                 /* forced out by the memory cap */
    uint64_t emergency_entered;       /* times emergency mode began */
    uint64_t memcap_refused;          /* packets not tracked: nothing could be evicted */
    uint64_t memuse, memuse_peak;
};

/* Called for every flow that leaves the table (and at active timeouts,
 * after which the flow's counters start again). */
typedef void (*flow_end_fn)(void *arg, struct flow *f, enum flow_end_reason reason);
/* Called just before a flow's memory is released, to free per-flow state. */
typedef void (*flow_release_fn)(void *arg, struct flow *f);

struct flow_table;

void flow_config_defaults(struct flow_config *cfg);
struct flow_table *flow_table_new(const struct flow_config *cfg, flow_end_fn on_end,
                                  flow_release_fn on_release, void *arg);
/* Ends every flow with FLOW_END_SHUTDOWN, then frees the table. */
void flow_table_free(struct flow_table *t);

/* Finds or creates the flow of a packet and updates it (counters, flags,
 * state, LRU position). *dir gets the packet's direction. Returns NULL only
 * when the memory cap cannot be met (counted in memcap_refused). */
struct flow *flow_table_update(struct flow_table *t, const struct packet *p, int *dir, bool *created);
/* Expires idle flows and applies the active timeout, at packet time `now`. */
void flow_table_expire(struct flow_table *t, ictw_usec now);
/* Ends every flow with `reason` (shutdown) and empties the table. */
void flow_table_flush(struct flow_table *t, enum flow_end_reason reason);
/* Adds or removes bytes accounted to a flow (nDPI state, app fields). */
void flow_table_account(struct flow_table *t, struct flow *f, int64_t delta);
const struct flow_stats *flow_table_stats(const struct flow_table *t);
bool flow_table_emergency(const struct flow_table *t);

const char *flow_state_name(int state);
const char *flow_end_reason_name(int reason);
/* Builds the canonical key of a packet (for tests and lookups). */
void flow_key_from_packet(const struct packet *p, struct flow_key *k);

#endif
