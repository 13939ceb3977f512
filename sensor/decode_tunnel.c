/* decode_tunnel.c - tunnels: GRE (with ERSPAN and PPTP), VXLAN, GTP-U, IP-in-IP, Teredo.
 *
 * A tunnel decoder checks that the outer payload really is its tunnel, then
 * enters it: the outermost tunnel is recorded in packet.tunnel (type, outer
 * addresses, outer protocol, id) and every tunnel crossed increments its
 * depth, up to DECODE_MAX_TUNNEL_DEPTH. The inner packet is decoded by the
 * same functions as an outer one, so tunnels nest and inner fragments are
 * reassembled in their own tunnel context (st->ctx_key).
 *
 * When the payload is not what the tunnel expects (unknown GRE protocol, a
 * GTP message that is not a G-PDU, a Teredo candidate without a plausible
 * IPv6 header, an inner frame that is not IP) the decoder returns
 * DECODE_PASS and the outer packet stands as it was decoded: we would rather
 * track the outer flow than lose the packet.
 */
#include "decode_internal.h"

enum {
    GRE_C = 0x8000,         /* checksum present */
    GRE_R = 0x4000,         /* routing present (RFC 1701, deprecated) */
    GRE_K = 0x2000,         /* key present */
    GRE_S = 0x1000,         /* sequence number present */
    GRE_A = 0x0080,         /* acknowledgment present (v1) */
};

enum {
    GRE_PROTO_IPV4 = 0x0800,
    GRE_PROTO_IPV6 = 0x86dd,
    GRE_PROTO_ETHERNET = 0x6558,
    GRE_PROTO_MPLS_UC = 0x8847,
    GRE_PROTO_MPLS_MC = 0x8848,
    GRE_PROTO_ERSPAN2 = 0x88be,
    GRE_PROTO_ERSPAN3 = 0x22eb,
    GRE_PROTO_PPP = 0x880b,
};

enum { PORT_VXLAN = 4789, PORT_GTPU = 2152, PORT_TEREDO = 3544 };

/* What entering a tunnel changed, to go back to the outer packet. */
struct tunnel_mark {
    struct packet_tunnel tun;
    uint32_t ctx_key;
    uint8_t vlan_count;
};

static uint32_t mix32(uint32_t h, uint32_t v)
{
    h ^= v;
    h *= 0x9e3779b1u;
    return h ^ (h >> 15);
}

static int tunnel_enter(struct decode_state *st, uint8_t type, uint8_t outer_proto, uint32_t id,
                        struct tunnel_mark *mark)
{
    struct packet *pkt = st->pkt;
    struct packet_tunnel *t = &pkt->tunnel;
    if (t->depth >= DECODE_MAX_TUNNEL_DEPTH)
        return ds_fail(st, DECODE_ERR_TUNNEL_TOO_DEEP);
    mark->tun = *t;
    mark->ctx_key = st->ctx_key;
    mark->vlan_count = pkt->vlan_count;
    if (t->depth == 0) {
        t->type = type;
        t->outer_proto = outer_proto;
        t->id = id;
        t->outer_src = pkt->src;
        t->outer_dst = pkt->dst;
    }
    t->depth++;
    uint32_t h = mix32(st->ctx_key, (uint32_t)type << 8 | outer_proto);
    h = mix32(h, id);
    for (unsigned i = 0; i < 16; i += 4)
        h = mix32(mix32(h, ictw_be32(pkt->src.b + i)), ictw_be32(pkt->dst.b + i));
    st->ctx_key = h ? h : 1;
    return DECODE_OK;
}

/* An inner frame that is not IP gives the outer packet back. */
static int tunnel_leave(struct decode_state *st, int r, uint8_t type, const struct tunnel_mark *mark)
{
    struct packet *pkt = st->pkt;
    if (r == DECODE_FAILED && st->err == DECODE_ERR_NOT_IP) {
        pkt->tunnel = mark->tun;
        st->ctx_key = mark->ctx_key;
        for (unsigned i = mark->vlan_count; i < pkt->vlan_count; i++)
            pkt->vlan[i] = 0;
        pkt->vlan_count = mark->vlan_count;
        st->err = DECODE_ERR_NONE;
        return DECODE_PASS;
    }
    if (r != DECODE_FAILED)
        st->dc->stats.tunnels[type]++;
    return r;
}

/* ERSPAN type II (GRE sequence bit set; type I has no header) and type III. */
static int erspan_header_len(struct decode_state *st, uint16_t gre_flags, uint16_t proto,
                             const uint8_t *p, uint32_t len, uint32_t *hl)
{
    if (proto == GRE_PROTO_ERSPAN2) {
        *hl = (gre_flags & GRE_S) ? 8 : 0;
    } else {
        if (ds_cap(st, p, len) < 12)
            return ds_fail(st, DECODE_ERR_GRE_TRUNCATED);
        *hl = (p[11] & 1) ? 20 : 12;      /* O bit: 8 bytes of platform-specific subheader */
    }
    if (ds_cap(st, p, len) < *hl)
        return ds_fail(st, DECODE_ERR_GRE_TRUNCATED);
    return DECODE_OK;
}

static int decode_gre_v0(struct decode_state *st, uint16_t flags, uint16_t proto,
                         const uint8_t *p, uint32_t len)
{
    if (flags & GRE_R)
        return ds_fail(st, DECODE_ERR_GRE_BAD_HEADER);
    uint32_t hl = 4, id = 0, key_off = 0;
    if (flags & GRE_C)
        hl += 4;
    if (flags & GRE_K) {
        key_off = hl;
        hl += 4;
    }
    if (flags & GRE_S)
        hl += 4;
    if (ds_cap(st, p, len) < hl)
        return ds_fail(st, DECODE_ERR_GRE_TRUNCATED);
    if (flags & GRE_K)
        id = ictw_be32(p + key_off);

    const uint8_t *in = p + hl;
    uint32_t in_len = len - hl;
    switch (proto) {
    case GRE_PROTO_IPV4: case GRE_PROTO_IPV6: case GRE_PROTO_ETHERNET:
    case GRE_PROTO_MPLS_UC: case GRE_PROTO_MPLS_MC:
        break;
    case GRE_PROTO_ERSPAN2: case GRE_PROTO_ERSPAN3: {
        uint32_t ehl;
        if (erspan_header_len(st, flags, proto, in, in_len, &ehl) != DECODE_OK)
            return DECODE_FAILED;
        in += ehl;
        in_len -= ehl;
        break;
    }
    default:
        return DECODE_PASS;             /* WCCP, keepalives, ...: the GRE packet itself */
    }

    struct tunnel_mark mark;
    if (tunnel_enter(st, TUNNEL_GRE, IPPROTO_NUM_GRE, id, &mark) != DECODE_OK)
        return DECODE_FAILED;
    int r;
    switch (proto) {
    case GRE_PROTO_IPV4: r = decode_ipv4(st, in, in_len); break;
    case GRE_PROTO_IPV6: r = decode_ipv6(st, in, in_len); break;
    case GRE_PROTO_MPLS_UC: case GRE_PROTO_MPLS_MC: r = decode_mpls(st, in, in_len); break;
    default: r = decode_ethernet(st, in, in_len); break;
    }
    return tunnel_leave(st, r, TUNNEL_GRE, &mark);
}

/* Enhanced GRE of PPTP (RFC 2637): key bit set, key = payload length + call id,
 * optional sequence and acknowledgment numbers, PPP inside. */
static int decode_gre_pptp(struct decode_state *st, uint16_t flags, uint16_t proto,
                           const uint8_t *p, uint32_t len)
{
    if ((flags & (GRE_C | GRE_R)) || !(flags & GRE_K) || proto != GRE_PROTO_PPP)
        return ds_fail(st, DECODE_ERR_GRE_BAD_HEADER);
    uint32_t hl = 8 + ((flags & GRE_S) ? 4 : 0) + ((flags & GRE_A) ? 4 : 0);
    if (ds_cap(st, p, len) < hl)
        return ds_fail(st, DECODE_ERR_GRE_TRUNCATED);
    uint32_t plen = ictw_be16(p + 4);
    if (plen == 0)
        return DECODE_PASS;             /* acknowledgment only */
    if (plen > len - hl)
        return ds_fail(st, DECODE_ERR_GRE_BAD_HEADER);
    struct tunnel_mark mark;
    if (tunnel_enter(st, TUNNEL_GRE, IPPROTO_NUM_GRE, ictw_be16(p + 6), &mark) != DECODE_OK)
        return DECODE_FAILED;
    int r = decode_ppp_frame(st, p + hl, plen);
    return tunnel_leave(st, r, TUNNEL_GRE, &mark);
}

int decode_gre(struct decode_state *st, const uint8_t *p, uint32_t len)
{
    if (ds_cap(st, p, len) < 4)
        return ds_fail(st, DECODE_ERR_GRE_TRUNCATED);
    uint16_t flags = ictw_be16(p);
    uint16_t proto = ictw_be16(p + 2);
    switch (flags & 7) {
    case 0: return decode_gre_v0(st, flags, proto, p, len);
    case 1: return decode_gre_pptp(st, flags, proto, p, len);
    default: return ds_fail(st, DECODE_ERR_GRE_BAD_VERSION);
    }
}

int decode_ipip(struct decode_state *st, uint8_t outer_proto, const uint8_t *p, uint32_t len)
{
    struct tunnel_mark mark;
    if (tunnel_enter(st, TUNNEL_IPIP, outer_proto, 0, &mark) != DECODE_OK)
        return DECODE_FAILED;
    int r = outer_proto == 4 ? decode_ipv4(st, p, len) : decode_ipv6(st, p, len);
    return tunnel_leave(st, r, TUNNEL_IPIP, &mark);
}

/* VXLAN (RFC 7348): flags with the I bit, 24-bit VNI, then an Ethernet frame. */
static int decode_vxlan(struct decode_state *st, const uint8_t *p, uint32_t len)
{
    if (len < 8 + 14)
        return DECODE_PASS;
    if (ds_cap(st, p, len) < 8)
        return ds_fail(st, DECODE_ERR_VXLAN_TRUNCATED);
    if (!(p[0] & 0x08))
        return DECODE_PASS;
    struct tunnel_mark mark;
    if (tunnel_enter(st, TUNNEL_VXLAN, IPPROTO_NUM_UDP, ictw_be32(p + 4) >> 8, &mark) != DECODE_OK)
        return DECODE_FAILED;
    int r = decode_ethernet(st, p + 8, len - 8);
    return tunnel_leave(st, r, TUNNEL_VXLAN, &mark);
}

/* Length of the GTPv1-U header: 8 bytes, 4 more when any of E/S/PN is set,
 * then a chain of extension headers (length in 4-byte units, last byte = next
 * type). Returns the length, or 0 after setting the error. */
static uint32_t gtpu_header_len(struct decode_state *st, const uint8_t *p, uint32_t end, uint32_t cap)
{
    if (!(p[0] & 0x07))
        return 8;
    if (end < 12) {
        ds_fail(st, DECODE_ERR_GTP_BAD_HEADER);
        return 0;
    }
    if (cap < 12) {
        ds_fail(st, DECODE_ERR_GTP_TRUNCATED);
        return 0;
    }
    uint32_t hl = 12;
    uint8_t next = (p[0] & 0x04) ? p[11] : 0;       /* the next-type byte counts only with E */
    for (unsigned n = 0; next != 0; n++) {
        if (n >= DECODE_MAX_GTP_EXTHDRS || hl + 4 > end) {
            ds_fail(st, DECODE_ERR_GTP_BAD_HEADER);
            return 0;
        }
        if (cap < hl + 1) {
            ds_fail(st, DECODE_ERR_GTP_TRUNCATED);
            return 0;
        }
        uint32_t elen = (uint32_t)p[hl] * 4;
        if (elen == 0 || hl + elen > end) {
            ds_fail(st, DECODE_ERR_GTP_BAD_HEADER);
            return 0;
        }
        if (cap < hl + elen) {
            ds_fail(st, DECODE_ERR_GTP_TRUNCATED);
            return 0;
        }
        next = p[hl + elen - 1];
        hl += elen;
    }
    return hl;
}

/* GTPv1-U (3GPP TS 29.281): only G-PDUs (type 0xff) carry user packets. */
static int decode_gtpu(struct decode_state *st, const uint8_t *p, uint32_t len)
{
    if (len < 8)
        return DECODE_PASS;
    uint32_t cap = ds_cap(st, p, len);
    if (cap < 8)
        return ds_fail(st, DECODE_ERR_GTP_TRUNCATED);
    if ((p[0] >> 5) != 1 || !(p[0] & 0x10) || p[1] != 0xff)
        return DECODE_PASS;             /* GTP', echo, error indication, end marker, ... */
    uint32_t end = 8 + (uint32_t)ictw_be16(p + 2);
    if (end > len)
        return ds_fail(st, DECODE_ERR_GTP_BAD_HEADER);
    if (cap > end)
        cap = end;
    uint32_t hl = gtpu_header_len(st, p, end, cap);
    if (hl == 0)
        return DECODE_FAILED;
    if (hl == end)
        return DECODE_PASS;             /* an empty G-PDU */
    if (cap < hl + 1)
        return ds_fail(st, DECODE_ERR_GTP_TRUNCATED);
    uint8_t version = p[hl] >> 4;
    if (version != 4 && version != 6)
        return DECODE_PASS;             /* PPP or Ethernet PDU sessions: not decoded */
    struct tunnel_mark mark;
    if (tunnel_enter(st, TUNNEL_GTPU, IPPROTO_NUM_UDP, 0, &mark) != DECODE_OK)
        return DECODE_FAILED;
    int r = version == 4 ? decode_ipv4(st, p + hl, end - hl) : decode_ipv6(st, p + hl, end - hl);
    return tunnel_leave(st, r, TUNNEL_GTPU, &mark);
}

/* Teredo (RFC 4380): optional authentication (0x0001) and origin indication
 * (0x0000) headers, then an IPv6 packet that fills the UDP payload exactly.
 * Teredo has no marker of its own, so anything else on the port is plain UDP. */
static int decode_teredo(struct decode_state *st, const uint8_t *p, uint32_t len)
{
    if (len < 40)
        return DECODE_PASS;
    uint32_t cap = ds_cap(st, p, len);
    uint32_t off = 0;
    if (cap < 2)
        return ds_fail(st, DECODE_ERR_TEREDO_TRUNCATED);
    if (ictw_be16(p) == 0x0001) {
        if (cap < 4)
            return ds_fail(st, DECODE_ERR_TEREDO_TRUNCATED);
        off = 4 + (uint32_t)p[2] + p[3] + 8 + 1;     /* ids, nonce, confirmation */
        if (off + 40 > len)
            return DECODE_PASS;
        if (cap < off + 2)
            return ds_fail(st, DECODE_ERR_TEREDO_TRUNCATED);
    }
    if (ictw_be16(p + off) == 0x0000) {
        off += 8;
        if (off + 40 > len)
            return DECODE_PASS;
    }
    if (cap < off + 40)
        return ds_fail(st, DECODE_ERR_TEREDO_TRUNCATED);
    const uint8_t *ip6 = p + off;
    if ((ip6[0] >> 4) != 6 || 40 + (uint32_t)ictw_be16(ip6 + 4) != len - off)
        return DECODE_PASS;
    struct tunnel_mark mark;
    if (tunnel_enter(st, TUNNEL_TEREDO, IPPROTO_NUM_UDP, 0, &mark) != DECODE_OK)
        return DECODE_FAILED;
    int r = decode_ipv6(st, ip6, len - off);
    return tunnel_leave(st, r, TUNNEL_TEREDO, &mark);
}

int decode_udp_tunnel(struct decode_state *st, uint16_t sport, uint16_t dport,
                      const uint8_t *p, uint32_t len)
{
    if (dport == PORT_VXLAN)
        return decode_vxlan(st, p, len);
    if (sport == PORT_GTPU || dport == PORT_GTPU)
        return decode_gtpu(st, p, len);
    if (sport == PORT_TEREDO || dport == PORT_TEREDO)
        return decode_teredo(st, p, len);
    return DECODE_PASS;
}
