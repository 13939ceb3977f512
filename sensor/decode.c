/* decode.c - the decoder's entry point and everything below IP.
 *
 * decode_packet() clears the struct packet, picks the link-layer decoder for
 * the capture's DLT and lets each layer hand its payload to the next one:
 *
 *   Ethernet, Linux SLL/SLL2, Cisco HDLC, BSD NULL/LOOP, PPP, raw IP, and
 *   PPI (a per-packet header naming one of these for the frame it carries)
 *     -> ethertype: 802.1Q/802.1ad/QinQ tags (up to PACKET_MAX_VLANS, ids
 *        recorded), PPPoE session, MPLS label stack, IPv4, IPv6
 *     -> decode_ip.c
 *
 * Anything that is not IP (ARP, LLDP, STP/LLC, SLARP, CDP, PPP control
 * protocols, ...) ends with DECODE_ERR_NOT_IP: counted, but not an error.
 * The result of a failed packet is counted once, here, by reason. With a
 * defragmenter, datagrams past their timeout are dropped here, in packet time.
 *
 * Lengths flow down as "what the enclosing layer says": for the link layer
 * that is the length on the wire (wire_len), so a frame cut by the snap
 * length can still be decoded up to its last captured byte while a length
 * field that claims more than the wire carried is caught as malformed.
 */
#include "decode_internal.h"

#include <stddef.h>

/* Link types, as pcap_datalink() reports them on Linux (plus the values a
 * file written elsewhere may carry for the same thing). */
enum {
    LINK_NULL = 0,
    LINK_EN10MB = 1,
    LINK_PPP = 9,
    LINK_RAW_LINUX = 12,
    LINK_RAW_BSDOS = 14,
    LINK_PPP_SERIAL = 50,
    LINK_RAW_LINKTYPE = 101,
    LINK_C_HDLC = 104,
    LINK_LOOP = 108,
    LINK_LINUX_SLL = 113,
    LINK_PPI = 192,
    LINK_IPV4 = 228,
    LINK_IPV6 = 229,
    LINK_LINUX_SLL2 = 276,
};

enum {
    ETH_IPV4 = 0x0800,
    ETH_IPV6 = 0x86dd,
    ETH_VLAN = 0x8100,
    ETH_QINQ = 0x88a8,
    ETH_QINQ_OLD = 0x9100,
    ETH_PPPOE_SESSION = 0x8864,
    ETH_MPLS_UC = 0x8847,
    ETH_MPLS_MC = 0x8848,
};

enum {
    PPP_IPV4 = 0x0021,
    PPP_IPV6 = 0x0057,
    PPP_MPLS_UC = 0x0281,
    PPP_MPLS_MC = 0x0283,
};

#define ARPHRD_NETLINK 824

const char *const decode_error_names[DECODE_ERR_COUNT] = {
    [DECODE_ERR_NONE] = "none",
    [DECODE_ERR_LINK_TRUNCATED] = "link_truncated",
    [DECODE_ERR_VLAN_TRUNCATED] = "vlan_truncated",
    [DECODE_ERR_VLAN_TOO_DEEP] = "vlan_too_deep",
    [DECODE_ERR_PPPOE_TRUNCATED] = "pppoe_truncated",
    [DECODE_ERR_PPP_TRUNCATED] = "ppp_truncated",
    [DECODE_ERR_MPLS_TRUNCATED] = "mpls_truncated",
    [DECODE_ERR_MPLS_TOO_DEEP] = "mpls_too_deep",
    [DECODE_ERR_IPV4_TRUNCATED] = "ipv4_truncated",
    [DECODE_ERR_IPV4_BAD_VERSION] = "ipv4_bad_version",
    [DECODE_ERR_IPV4_BAD_HLEN] = "ipv4_bad_hlen",
    [DECODE_ERR_IPV4_BAD_LEN] = "ipv4_bad_len",
    [DECODE_ERR_IPV4_BAD_OPTIONS] = "ipv4_bad_options",
    [DECODE_ERR_IPV6_TRUNCATED] = "ipv6_truncated",
    [DECODE_ERR_IPV6_BAD_VERSION] = "ipv6_bad_version",
    [DECODE_ERR_IPV6_BAD_LEN] = "ipv6_bad_len",
    [DECODE_ERR_IPV6_EXTHDR_TRUNCATED] = "ipv6_exthdr_truncated",
    [DECODE_ERR_IPV6_TOO_MANY_EXTHDRS] = "ipv6_too_many_exthdrs",
    [DECODE_ERR_TCP_TRUNCATED] = "tcp_truncated",
    [DECODE_ERR_TCP_BAD_HLEN] = "tcp_bad_hlen",
    [DECODE_ERR_UDP_TRUNCATED] = "udp_truncated",
    [DECODE_ERR_UDP_BAD_LEN] = "udp_bad_len",
    [DECODE_ERR_ICMP_TRUNCATED] = "icmp_truncated",
    [DECODE_ERR_ICMPV6_TRUNCATED] = "icmpv6_truncated",
    [DECODE_ERR_SCTP_TRUNCATED] = "sctp_truncated",
    [DECODE_ERR_GRE_TRUNCATED] = "gre_truncated",
    [DECODE_ERR_GRE_BAD_VERSION] = "gre_bad_version",
    [DECODE_ERR_VXLAN_TRUNCATED] = "vxlan_truncated",
    [DECODE_ERR_GTP_TRUNCATED] = "gtp_truncated",
    [DECODE_ERR_TEREDO_TRUNCATED] = "teredo_truncated",
    [DECODE_ERR_TUNNEL_TOO_DEEP] = "tunnel_too_deep",
    [DECODE_ERR_FRAG_INVALID] = "frag_invalid",
    [DECODE_ERR_NOT_IP] = "not_ip",
    [DECODE_ERR_UNSUPPORTED_LINK] = "unsupported_link",
    [DECODE_ERR_IP_UNKNOWN_VERSION] = "ip_unknown_version",
    [DECODE_ERR_PPPOE_MALFORMED] = "pppoe_malformed",
    [DECODE_ERR_GRE_BAD_HEADER] = "gre_bad_header",
    [DECODE_ERR_GTP_BAD_HEADER] = "gtp_bad_header",
    [DECODE_ERR_FRAG_TRUNCATED] = "frag_truncated",
};

const char *decode_tunnel_name(int type)
{
    switch (type) {
    case TUNNEL_NONE: return "none";
    case TUNNEL_GRE: return "gre";
    case TUNNEL_VXLAN: return "vxlan";
    case TUNNEL_GTPU: return "gtp-u";
    case TUNNEL_IPIP: return "ipip";
    case TUNNEL_TEREDO: return "teredo";
    default: return "unknown";
    }
}

int decode_link_supported(int dlt)
{
    switch (dlt) {
    case LINK_NULL: case LINK_EN10MB: case LINK_PPP: case LINK_RAW_LINUX: case LINK_RAW_BSDOS:
    case LINK_PPP_SERIAL: case LINK_RAW_LINKTYPE: case LINK_C_HDLC: case LINK_LOOP:
    case LINK_LINUX_SLL: case LINK_IPV4: case LINK_IPV6: case LINK_LINUX_SLL2: case LINK_PPI:
        return 1;
    default:
        return 0;
    }
}

/* One 802.1Q/802.1ad tag: records the id and returns the next ethertype, or -1. */
static int decode_vlan_tag(struct decode_state *st, const uint8_t *p, uint32_t len)
{
    struct packet *pkt = st->pkt;
    if (pkt->vlan_count >= PACKET_MAX_VLANS) {
        ds_fail(st, DECODE_ERR_VLAN_TOO_DEEP);
        return -1;
    }
    if (ds_cap(st, p, len) < 4) {
        ds_fail(st, DECODE_ERR_VLAN_TRUNCATED);
        return -1;
    }
    if (pkt->vlan_count == 0)
        st->dc->stats.vlan++;
    pkt->vlan[pkt->vlan_count++] = ictw_be16(p) & 0x0fff;
    return ictw_be16(p + 2);
}

static int decode_ppp_proto(struct decode_state *st, uint16_t proto, const uint8_t *p, uint32_t len)
{
    switch (proto) {
    case PPP_IPV4: return decode_ipv4(st, p, len);
    case PPP_IPV6: return decode_ipv6(st, p, len);
    case PPP_MPLS_UC: case PPP_MPLS_MC: return decode_mpls(st, p, len);
    default: return ds_fail(st, DECODE_ERR_NOT_IP);    /* LCP, IPCP, CHAP, CCP, ... */
    }
}

/* PPPoE session stage (RFC 2516): ver/type 0x11, code 0, session, length, PPP protocol. */
static int decode_pppoe(struct decode_state *st, const uint8_t *p, uint32_t len)
{
    if (ds_cap(st, p, len) < 8)
        return ds_fail(st, DECODE_ERR_PPPOE_TRUNCATED);
    uint32_t plen = ictw_be16(p + 4);
    if (p[0] != 0x11 || p[1] != 0 || plen < 2 || plen > len - 6)
        return ds_fail(st, DECODE_ERR_PPPOE_MALFORMED);
    st->dc->stats.pppoe++;
    return decode_ppp_proto(st, ictw_be16(p + 6), p + 8, plen - 2);
}

int decode_ether_type(struct decode_state *st, uint16_t type, const uint8_t *p, uint32_t len)
{
    for (;;) {
        switch (type) {
        case ETH_IPV4:
            return decode_ipv4(st, p, len);
        case ETH_IPV6:
            return decode_ipv6(st, p, len);
        case ETH_VLAN: case ETH_QINQ: case ETH_QINQ_OLD: {
            int next = decode_vlan_tag(st, p, len);
            if (next < 0)
                return DECODE_FAILED;
            type = (uint16_t)next;
            p += 4;
            len -= 4;
            break;
        }
        case ETH_PPPOE_SESSION:
            return decode_pppoe(st, p, len);
        case ETH_MPLS_UC: case ETH_MPLS_MC:
            return decode_mpls(st, p, len);
        default:
            /* ARP, RARP/SLARP 0x8035, LLDP, EAPOL, PPPoE discovery, CDP, 802.3 lengths (LLC/STP) */
            return ds_fail(st, DECODE_ERR_NOT_IP);
        }
    }
}

int decode_ethernet(struct decode_state *st, const uint8_t *p, uint32_t len)
{
    if (ds_cap(st, p, len) < 14)
        return ds_fail(st, DECODE_ERR_LINK_TRUNCATED);
    return decode_ether_type(st, ictw_be16(p + 12), p + 14, len - 14);
}

/* Linux cooked v1: packet type, ARPHRD, address length, 8 address bytes, protocol. */
static int decode_sll(struct decode_state *st, const uint8_t *p, uint32_t len)
{
    if (ds_cap(st, p, len) < 16)
        return ds_fail(st, DECODE_ERR_LINK_TRUNCATED);
    if (ictw_be16(p + 2) == ARPHRD_NETLINK)
        return ds_fail(st, DECODE_ERR_NOT_IP);
    return decode_ether_type(st, ictw_be16(p + 14), p + 16, len - 16);
}

/* Linux cooked v2: protocol, reserved, ifindex, ARPHRD, packet type, address length, address. */
static int decode_sll2(struct decode_state *st, const uint8_t *p, uint32_t len)
{
    if (ds_cap(st, p, len) < 20)
        return ds_fail(st, DECODE_ERR_LINK_TRUNCATED);
    if (ictw_be16(p + 8) == ARPHRD_NETLINK)
        return ds_fail(st, DECODE_ERR_NOT_IP);
    return decode_ether_type(st, ictw_be16(p), p + 20, len - 20);
}

/* Cisco HDLC: address (0x0f unicast, 0x8f broadcast), control, ethertype. */
static int decode_chdlc(struct decode_state *st, const uint8_t *p, uint32_t len,
                        enum decode_error trunc)
{
    if (ds_cap(st, p, len) < 4)
        return ds_fail(st, trunc);
    return decode_ether_type(st, ictw_be16(p + 2), p + 4, len - 4);
}

/* A PPP frame: optional address/control 0xff 0x03, protocol of 1 byte (odd:
 * protocol field compression) or 2 bytes. On DLT_PPP, routers also write Cisco
 * HDLC frames (address 0x0f/0x8f), which are told apart by the first byte. */
int decode_ppp_frame(struct decode_state *st, const uint8_t *p, uint32_t len)
{
    uint32_t cap = ds_cap(st, p, len);
    if (cap < 1)
        return ds_fail(st, DECODE_ERR_PPP_TRUNCATED);
    if (p[0] == 0x0f || p[0] == 0x8f)
        return decode_chdlc(st, p, len, DECODE_ERR_PPP_TRUNCATED);
    uint32_t off = 0;
    if (p[0] == 0xff) {
        if (cap < 2)
            return ds_fail(st, DECODE_ERR_PPP_TRUNCATED);
        if (p[1] != 0x03)
            return ds_fail(st, DECODE_ERR_NOT_IP);
        off = 2;
    }
    if (cap < off + 1)
        return ds_fail(st, DECODE_ERR_PPP_TRUNCATED);
    if (p[off] & 1)                                  /* compressed 1-byte protocol */
        return decode_ppp_proto(st, p[off], p + off + 1, len - off - 1);
    if (cap < off + 2)
        return ds_fail(st, DECODE_ERR_PPP_TRUNCATED);
    return decode_ppp_proto(st, ictw_be16(p + off), p + off + 2, len - off - 2);
}

/* BSD loopback: a 4-byte address family, host order (NULL) or network order (LOOP).
 * AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD, OpenBSD), 28 (FreeBSD), 30 (macOS). */
static int decode_bsd_loopback(struct decode_state *st, const uint8_t *p, uint32_t len, bool host_order)
{
    if (ds_cap(st, p, len) < 4)
        return ds_fail(st, DECODE_ERR_LINK_TRUNCATED);
    uint32_t fam = ictw_be32(p);
    if (host_order) {
        /* Written on a machine of either byte order: the family is small in one of them. */
        uint32_t le = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
        if (le < fam)
            fam = le;
    }
    switch (fam) {
    case 2: return decode_ipv4(st, p + 4, len - 4);
    case 24: case 28: case 30: return decode_ipv6(st, p + 4, len - 4);
    default: return ds_fail(st, DECODE_ERR_NOT_IP);
    }
}

static int decode_raw_ip(struct decode_state *st, const uint8_t *p, uint32_t len)
{
    if (ds_cap(st, p, len) < 1)
        return ds_fail(st, DECODE_ERR_LINK_TRUNCATED);
    switch (p[0] >> 4) {
    case 4: return decode_ipv4(st, p, len);
    case 6: return decode_ipv6(st, p, len);
    default: return ds_fail(st, DECODE_ERR_IP_UNKNOWN_VERSION);
    }
}

/* MPLS label stack (RFC 3032). After the bottom of the stack the payload is
 * guessed: explicit-null labels 0/2 say IPv4/IPv6, otherwise the first nibble
 * does (4, 6, or 0 for a pseudowire control word followed by Ethernet). */
int decode_mpls(struct decode_state *st, const uint8_t *p, uint32_t len)
{
    uint32_t label = 0;
    st->dc->stats.mpls++;
    for (unsigned n = 0;; n++) {
        if (n >= DECODE_MAX_MPLS_LABELS)
            return ds_fail(st, DECODE_ERR_MPLS_TOO_DEEP);
        if (ds_cap(st, p, len) < 4)
            return ds_fail(st, DECODE_ERR_MPLS_TRUNCATED);
        uint32_t entry = ictw_be32(p);
        p += 4;
        len -= 4;
        label = entry >> 12;
        if (entry & 0x100)
            break;
    }
    if (ds_cap(st, p, len) < 1)
        return ds_fail(st, DECODE_ERR_MPLS_TRUNCATED);
    if (label == 0)
        return decode_ipv4(st, p, len);
    if (label == 2)
        return decode_ipv6(st, p, len);
    switch (p[0] >> 4) {
    case 4: return decode_ipv4(st, p, len);
    case 6: return decode_ipv6(st, p, len);
    case 0:
        if (ds_cap(st, p, len) < 4)
            return ds_fail(st, DECODE_ERR_MPLS_TRUNCATED);
        return decode_ethernet(st, p + 4, len - 4);
    default:
        return ds_fail(st, DECODE_ERR_NOT_IP);
    }
}

static int decode_link(struct decode_state *st, int dlt, const uint8_t *p, uint32_t len);

/* PPI (Per-Packet Information, DLT 192): a little-endian header of version
 * (0), flags, the header's own length (fields included, at least 8) and the
 * link type of the frame that follows, which is decoded as that type. A PPI
 * header inside PPI, or an inner type we do not decode, is an unsupported
 * link (counted per packet: the file itself is read). */
static int decode_ppi(struct decode_state *st, const uint8_t *p, uint32_t len)
{
    if (ds_cap(st, p, len) < 8)
        return ds_fail(st, DECODE_ERR_LINK_TRUNCATED);
    uint32_t hlen = (uint32_t)p[2] | (uint32_t)p[3] << 8;
    uint32_t inner = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 |
                     (uint32_t)p[7] << 24;
    if (hlen < 8)
        return ds_fail(st, DECODE_ERR_LINK_TRUNCATED);
    if (p[0] != 0 || inner == LINK_PPI || inner > 0xffff)
        return ds_fail(st, DECODE_ERR_UNSUPPORTED_LINK);
    if (ds_cap(st, p, len) < hlen)
        return ds_fail(st, DECODE_ERR_LINK_TRUNCATED);
    return decode_link(st, (int)inner, p + hlen, len - hlen);
}

static int decode_link(struct decode_state *st, int dlt, const uint8_t *p, uint32_t len)
{
    switch (dlt) {
    case LINK_EN10MB: return decode_ethernet(st, p, len);
    case LINK_LINUX_SLL: return decode_sll(st, p, len);
    case LINK_LINUX_SLL2: return decode_sll2(st, p, len);
    case LINK_RAW_LINUX: case LINK_RAW_BSDOS: case LINK_RAW_LINKTYPE: return decode_raw_ip(st, p, len);
    case LINK_IPV4: return decode_ipv4(st, p, len);
    case LINK_IPV6: return decode_ipv6(st, p, len);
    case LINK_NULL: return decode_bsd_loopback(st, p, len, true);
    case LINK_LOOP: return decode_bsd_loopback(st, p, len, false);
    case LINK_PPP: case LINK_PPP_SERIAL: return decode_ppp_frame(st, p, len);
    case LINK_C_HDLC: return decode_chdlc(st, p, len, DECODE_ERR_LINK_TRUNCATED);
    case LINK_PPI: return decode_ppi(st, p, len);
    default: return ds_fail(st, DECODE_ERR_UNSUPPORTED_LINK);
    }
}

enum decode_result decode_packet(struct decode_ctx *dc, int dlt, const uint8_t *data,
                                 uint32_t caplen, struct packet *pkt, enum decode_error *err)
{
    static const uint8_t no_bytes[1];
    ictw_usec ts = pkt->ts;
    uint64_t cnt = pkt->pcap_cnt;
    uint32_t wire_len = pkt->wire_len;

    memset(pkt, 0, sizeof(*pkt));
    pkt->ts = ts;
    pkt->pcap_cnt = cnt;
    pkt->wire_len = wire_len;
    pkt->cap_len = caplen;
    pkt->datalink = dlt;
    if (data == NULL) {
        data = no_bytes;
        caplen = 0;
    }

    if (dc->defrag)
        defrag_expire(dc->defrag, ts);       /* O(1) unless something is due */

    struct decode_state st = { .dc = dc, .pkt = pkt, .cap_end = data + caplen };
    /* What the wire carried; a bogus wire_len below caplen is ignored. */
    uint32_t frame_len = wire_len > caplen ? wire_len : caplen;
    int r = decode_link(&st, dlt, data, frame_len);
    if (r == DECODE_FAILED) {
        dc->stats.errors[st.err]++;
        if (err)
            *err = st.err;
        return DECODE_FAILED;
    }
    if (pkt->flags & PKT_TRUNCATED)
        dc->stats.truncated++;
    if (err)
        *err = DECODE_ERR_NONE;
    return r == DECODE_HELD ? DECODE_HELD : DECODE_OK;
}
