/* decode_internal.h - what the decoder's files share (no other stage includes this).
 *
 * The decoder is split by layer: decode.c (link layers, VLAN, PPPoE, PPP,
 * MPLS, entry point), decode_ip.c (IPv4, IPv6, fragments, transport) and
 * decode_tunnel.c (GRE, VXLAN, GTP-U, IP-in-IP, Teredo). Each layer function
 * takes the start of its header `p` and `len`, the number of bytes its
 * enclosing layer says it has. What was actually captured ends at
 * st->cap_end, so `ds_cap()` gives the bytes that may be read. A layer checks
 * its own length fields against `len` (malformed when larger) and its header
 * against `ds_cap()` (truncated when cut). No pointer is ever formed beyond
 * st->cap_end.
 *
 * Layer functions return a decode_result, or DECODE_PASS (tunnel functions
 * only: "not a tunnel after all, keep the outer packet").
 */
#ifndef ICTWATCH_DECODE_INTERNAL_H
#define ICTWATCH_DECODE_INTERNAL_H

#include <stdint.h>
#include <stdbool.h>
#include <string.h>
#include "decode.h"
#include "defrag.h"

#define DECODE_PASS 3               /* internal: not a tunnel, the outer packet stands */

#define DECODE_MAX_TUNNEL_DEPTH 4
#define DECODE_MAX_MPLS_LABELS 8
#define DECODE_MAX_IPV6_EXTHDRS 8
#define DECODE_MAX_GTP_EXTHDRS 8
#define DECODE_MAX_REASSEMBLY_DEPTH 4

/* IP protocols that carry tunnels (packet.h has the transport ones). */
#define IPPROTO_NUM_IPIP 4
#define IPPROTO_NUM_IPV6 41
#define IPPROTO_NUM_GRE  47

struct decode_state {
    struct decode_ctx *dc;
    struct packet *pkt;
    const uint8_t *cap_end;         /* end of the captured bytes of the buffer being decoded */
    uint32_t ctx_key;               /* mixes every tunnel crossed, so fragments of different
                                     * tunnel contexts never meet in the defragmenter */
    uint8_t reasm_depth;            /* reassembled datagrams decoded within this packet */
    enum decode_error err;
};

/* Bytes of [p, p+len) that were captured. p is never past cap_end. */
static inline uint32_t ds_cap(const struct decode_state *st, const uint8_t *p, uint32_t len)
{
    size_t avail = (size_t)(st->cap_end - p);
    return avail < len ? (uint32_t)avail : len;
}

static inline int ds_fail(struct decode_state *st, enum decode_error e)
{
    st->err = e;
    return DECODE_FAILED;
}

static inline void ds_set_v4(struct ictw_addr *a, const uint8_t *b)
{
    memset(a, 0, sizeof(*a));
    a->family = 4;
    memcpy(a->b, b, 4);
}

static inline void ds_set_v6(struct ictw_addr *a, const uint8_t *b)
{
    a->family = 6;
    a->pad[0] = a->pad[1] = a->pad[2] = 0;
    memcpy(a->b, b, 16);
}

/* decode.c */
int decode_ether_type(struct decode_state *st, uint16_t type, const uint8_t *p, uint32_t len);
int decode_ethernet(struct decode_state *st, const uint8_t *p, uint32_t len);
int decode_ppp_frame(struct decode_state *st, const uint8_t *p, uint32_t len);
int decode_mpls(struct decode_state *st, const uint8_t *p, uint32_t len);

/* decode_ip.c */
int decode_ipv4(struct decode_state *st, const uint8_t *p, uint32_t len);
int decode_ipv6(struct decode_state *st, const uint8_t *p, uint32_t len);

/* decode_tunnel.c: p/len are the GRE header, the UDP payload, or the inner IP header. */
int decode_gre(struct decode_state *st, const uint8_t *p, uint32_t len);
int decode_udp_tunnel(struct decode_state *st, uint16_t sport, uint16_t dport,
                      const uint8_t *p, uint32_t len);
int decode_ipip(struct decode_state *st, uint8_t outer_proto, const uint8_t *p, uint32_t len);

#endif
