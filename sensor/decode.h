/* decode.h - from captured bytes to a struct packet.
 *
 * The decoder walks link layer, VLAN/QinQ, PPPoE, MPLS, IPv4 (options),
 * IPv6 (extension headers), tunnels (GRE, VXLAN, GTP-U, IP-in-IP, Teredo)
 * and the transport header. Every read is bounds-checked against what was
 * captured; a packet that is short or inconsistent is rejected with a reason,
 * and each reason has its own counter.
 *
 * IP fragments go to the defragmenter (defrag.h); decode_packet returns
 * DECODE_HELD for a fragment that did not complete a datagram, and decodes
 * the rebuilt datagram when one completes.
 *
 * Lengths: a length field larger than what its enclosing layer holds is
 * malformed (a *_BAD_LEN reason). A packet cut by the snap length (caplen <
 * wire_len) whose headers are all captured is decoded and marked
 * PKT_TRUNCATED: l3_len, l4_len and payload_len then count captured bytes.
 * A header cut by the capture gives the layer's *_TRUNCATED reason.
 */
#ifndef ICTWATCH_DECODE_H
#define ICTWATCH_DECODE_H

#include <stdint.h>
#include "packet.h"

struct defrag;

/* Why a packet was not decoded. Keep decode_error_names in step. */
enum decode_error {
    DECODE_ERR_NONE = 0,
    DECODE_ERR_LINK_TRUNCATED,       /* shorter than its link-layer header */
    DECODE_ERR_VLAN_TRUNCATED,
    DECODE_ERR_VLAN_TOO_DEEP,        /* more than PACKET_MAX_VLANS tags */
    DECODE_ERR_PPPOE_TRUNCATED,
    DECODE_ERR_PPP_TRUNCATED,
    DECODE_ERR_MPLS_TRUNCATED,
    DECODE_ERR_MPLS_TOO_DEEP,
    DECODE_ERR_IPV4_TRUNCATED,
    DECODE_ERR_IPV4_BAD_VERSION,
    DECODE_ERR_IPV4_BAD_HLEN,
    DECODE_ERR_IPV4_BAD_LEN,         /* total length < header, or > what the enclosing layer holds */
    DECODE_ERR_IPV4_BAD_OPTIONS,
    DECODE_ERR_IPV6_TRUNCATED,
    DECODE_ERR_IPV6_BAD_VERSION,
    DECODE_ERR_IPV6_BAD_LEN,
    DECODE_ERR_IPV6_EXTHDR_TRUNCATED,
    DECODE_ERR_IPV6_TOO_MANY_EXTHDRS,
    DECODE_ERR_TCP_TRUNCATED,
    DECODE_ERR_TCP_BAD_HLEN,
    DECODE_ERR_UDP_TRUNCATED,
    DECODE_ERR_UDP_BAD_LEN,
    DECODE_ERR_ICMP_TRUNCATED,
    DECODE_ERR_ICMPV6_TRUNCATED,
    DECODE_ERR_SCTP_TRUNCATED,
    DECODE_ERR_GRE_TRUNCATED,
    DECODE_ERR_GRE_BAD_VERSION,
    DECODE_ERR_VXLAN_TRUNCATED,
    DECODE_ERR_GTP_TRUNCATED,
    DECODE_ERR_TEREDO_TRUNCATED,
    DECODE_ERR_TUNNEL_TOO_DEEP,
    DECODE_ERR_FRAG_INVALID,         /* a fragment the defragmenter refused */
    DECODE_ERR_NOT_IP,               /* ARP, LLDP, STP, ...: counted, not an error */
    DECODE_ERR_UNSUPPORTED_LINK,
    /* added by the decoder; appended so the values above keep their numbers */
    DECODE_ERR_IP_UNKNOWN_VERSION,   /* raw IP whose first nibble is neither 4 nor 6 */
    DECODE_ERR_PPPOE_MALFORMED,      /* version/type/code not 1/1/0, or length beyond the frame */
    DECODE_ERR_GRE_BAD_HEADER,       /* routing present, or a v1 header that is not PPTP's */
    DECODE_ERR_GTP_BAD_HEADER,       /* length or extension header inconsistent */
    DECODE_ERR_FRAG_TRUNCATED,       /* fragment cut by the snap length: cannot be reassembled */
    DECODE_ERR_COUNT
};

extern const char *const decode_error_names[DECODE_ERR_COUNT];

enum decode_result {
    DECODE_OK = 0,      /* packet is filled in */
    DECODE_HELD,        /* a fragment was taken by the defragmenter */
    DECODE_FAILED       /* see the error counter */
};

struct decode_stats {
    uint64_t errors[DECODE_ERR_COUNT];
    uint64_t ipv4, ipv6, tcp, udp, icmp, icmpv6, sctp, other_ip;
    uint64_t vlan, pppoe, mpls;
    uint64_t tunnels[TUNNEL_TYPE_COUNT];
    uint64_t fragments, reassembled;
    uint64_t truncated;             /* decoded although the capture cut the payload (PKT_TRUNCATED) */
};

struct decode_ctx {
    struct defrag *defrag;          /* may be NULL: fragments are then decoded as is */
    struct decode_stats stats;
};

/* Decodes one captured frame of link type `dlt` (a DLT_* value). On DECODE_OK
 * *pkt is filled; ts/pcap_cnt/wire_len must be set by the caller beforehand.
 * On DECODE_FAILED, *err says why (the counter is already incremented). */
enum decode_result decode_packet(struct decode_ctx *dc, int dlt, const uint8_t *data,
                                 uint32_t caplen, struct packet *pkt, enum decode_error *err);

/* True when the decoder knows the link type. */
int decode_link_supported(int dlt);
const char *decode_tunnel_name(int type);

#endif
