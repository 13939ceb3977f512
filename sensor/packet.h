/* packet.h - one decoded packet, as the decoder hands it to the later stages.
 *
 * The decoder fills this struct from the captured bytes without copying
 * them: every pointer points into the capture buffer, or into a buffer of
 * the defragmenter when the packet is a reassembled datagram. Those bytes
 * stay valid only until the next packet is decoded.
 *
 * After tunnels the fields describe the innermost IP packet; the tunnel
 * (outermost first) is recorded in `tunnel`, and the flow key includes it.
 */
#ifndef ICTWATCH_PACKET_H
#define ICTWATCH_PACKET_H

#include <stdint.h>
#include <stdbool.h>
#include "ictwatch/common.h"

/* TCP flag bits, as in the TCP header byte 13. */
#define TCP_FIN 0x01
#define TCP_SYN 0x02
#define TCP_RST 0x04
#define TCP_PSH 0x08
#define TCP_ACK 0x10
#define TCP_URG 0x20
#define TCP_ECE 0x40
#define TCP_CWR 0x80

#define IPPROTO_NUM_ICMP   1
#define IPPROTO_NUM_TCP    6
#define IPPROTO_NUM_UDP    17
#define IPPROTO_NUM_ICMPV6 58
#define IPPROTO_NUM_SCTP   132

enum tunnel_type {
    TUNNEL_NONE = 0,
    TUNNEL_GRE,
    TUNNEL_VXLAN,
    TUNNEL_GTPU,
    TUNNEL_IPIP,     /* IPv4 or IPv6 inside IPv4 or IPv6 */
    TUNNEL_TEREDO,
    TUNNEL_TYPE_COUNT
};

/* The outermost tunnel a packet arrived in (nested tunnels are decoded,
 * the outermost is what is recorded; `depth` says how many there were). */
struct packet_tunnel {
    uint8_t type;               /* enum tunnel_type */
    uint8_t depth;              /* number of tunnel layers decoded */
    uint8_t outer_proto;        /* IP protocol of the outer packet (47, 17, 4, 41) */
    uint8_t pad;
    uint32_t id;                /* VXLAN VNI, GRE key, 0 otherwise (GTP TEIDs differ per direction) */
    struct ictw_addr outer_src, outer_dst;
};

#define PACKET_MAX_VLANS 3

/* packet.flags */
#define PKT_REASSEMBLED  0x01   /* l3 is a datagram rebuilt from fragments */
#define PKT_HAS_PORTS    0x02   /* sport/dport are meaningful (TCP, UDP, SCTP) */
#define PKT_IPV4_OPTIONS 0x04
#define PKT_IPV6_EXTHDRS 0x08
#define PKT_TRUNCATED    0x10   /* the capture cut the payload: lengths count captured bytes */

struct packet {
    ictw_usec ts;               /* capture timestamp */
    uint64_t pcap_cnt;          /* 1-based packet number in its file; 0 when live */
    uint32_t wire_len;          /* original length on the wire */
    uint32_t cap_len;           /* bytes captured */
    int datalink;               /* DLT_* of the capture */

    uint16_t vlan[PACKET_MAX_VLANS];
    uint8_t vlan_count;
    uint8_t ip_version;         /* 4 or 6 */
    uint8_t proto;              /* IP protocol after extension headers */
    uint8_t ttl;                /* TTL or hop limit */
    uint8_t flags;              /* PKT_* */
    uint8_t tcp_flags;          /* TCP_* when proto is TCP */
    uint8_t icmp_type, icmp_code;

    struct ictw_addr src, dst;
    uint16_t sport, dport;      /* host order; 0 when the protocol has none */
    uint32_t tcp_seq, tcp_ack;
    uint16_t tcp_win;

    const uint8_t *l3;          /* innermost IP header, for nDPI */
    uint32_t l3_len;            /* from l3 to the end of the IP payload (no padding; captured part if PKT_TRUNCATED) */
    const uint8_t *l4;          /* transport header */
    uint32_t l4_len;
    const uint8_t *payload;     /* application payload */
    uint32_t payload_len;

    struct packet_tunnel tunnel;
};

#endif
