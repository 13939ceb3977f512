/* defrag.h - IPv4 and IPv6 fragment reassembly.
 *
 * Datagrams are keyed by (family, src, dst, protocol, id) plus the VLAN and
 * tunnel context of the fragment. Fragments are copied into a per-datagram
 * buffer; the first fragment to cover a byte wins (later overlapping bytes
 * are counted as an overlap and, when they differ, as a conflicting overlap,
 * the classic way to hide an attack from a sensor). A datagram completes
 * when the last fragment and every byte before it are present.
 *
 * Memory is capped (defrag_config.memcap bytes of buffers); when the cap
 * would be exceeded the oldest datagrams are evicted and counted. Datagrams
 * not completed within `timeout` seconds of packet time are dropped and
 * counted. Reassembled datagrams can be at most 65535 bytes of payload.
 */
#ifndef ICTWATCH_DEFRAG_H
#define ICTWATCH_DEFRAG_H

#include <stdint.h>
#include "ictwatch/common.h"
#include "packet.h"

struct defrag_config {
    uint64_t memcap;        /* bytes; default 32 MiB */
    uint32_t timeout;       /* seconds; default 60 */
    uint32_t max_datagrams; /* default 65536 */
};

struct defrag_stats {
    uint64_t fragments;         /* fragments received */
    uint64_t reassembled;       /* datagrams completed */
    uint64_t overlaps;          /* fragments overlapping data already held */
    uint64_t overlap_conflicts; /* ... with different bytes */
    uint64_t timeouts;          /* datagrams dropped incomplete after the timeout */
    uint64_t evicted;           /* datagrams dropped for the memory cap */
    uint64_t invalid;           /* bad offsets/lengths, too large, ... */
    uint64_t memuse;            /* bytes held now */
    uint64_t memuse_peak;
};

/* What the caller knows about a fragment (from the IP header it decoded). */
struct defrag_frag {
    uint8_t family;             /* 4 or 6 */
    uint8_t proto;              /* next protocol after the IP/fragment header */
    uint8_t more;               /* more-fragments flag */
    uint32_t id;                /* IPv4 id (16 bits) or IPv6 identification */
    uint32_t offset;            /* byte offset of this fragment's data */
    const uint8_t *hdr;         /* unfragmentable part: IP header (+ IPv6 ext headers before the frag header) */
    uint32_t hdr_len;
    const uint8_t *data;        /* fragment data */
    uint32_t data_len;
    struct ictw_addr src, dst;
    uint16_t vlan;              /* innermost VLAN id, 0 if none */
    uint32_t tunnel_key;        /* anything that separates tunnel contexts */
};

struct defrag;

struct defrag *defrag_new(const struct defrag_config *cfg);
void defrag_free(struct defrag *d);
void defrag_config_defaults(struct defrag_config *cfg);

/* Adds a fragment. Returns 1 when it completed a datagram: *out and *out_len are
 * then a full IP packet (header from the first fragment with length and
 * fragment fields fixed, IPv6 fragment header removed) valid until the next
 * call; 0 when the fragment is held; -1 when it was refused (counted). */
int defrag_add(struct defrag *d, const struct defrag_frag *f, ictw_usec now,
               const uint8_t **out, uint32_t *out_len);
/* Drops datagrams older than the timeout. Called with packet time. */
void defrag_expire(struct defrag *d, ictw_usec now);
const struct defrag_stats *defrag_stats(const struct defrag *d);

#endif
