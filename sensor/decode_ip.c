/* decode_ip.c - IPv4, IPv6, fragments and the transport layer.
 *
 * An IP layer validates its header against what its enclosing layer holds
 * and what was captured (see decode_internal.h), fills the packet's L3 fields
 * and hands the payload to the transport decoders. When a tunnel was crossed
 * the inner IP layer overwrites the outer's fields: the packet describes the
 * innermost IP packet, and the outer addresses live in packet.tunnel.
 *
 * IPv4 options are walked to check their lengths; IPv6 extension headers
 * (hop-by-hop, routing, destination, mobility, HIP, shim6, AH, fragment) are
 * skipped up to DECODE_MAX_IPV6_EXTHDRS; ESP and "no next header" end the
 * walk with that protocol.
 *
 * Fragments go to the defragmenter when there is one: a held fragment makes
 * the packet DECODE_HELD, a completed datagram is decoded again from its
 * rebuilt IP header (it may hold a tunnel, and its fragments within). Without
 * a defragmenter the first fragment is decoded as far as it goes and later
 * fragments are IP packets without a transport header.
 *
 * Transport: TCP (ports, flags, seq/ack, window, data offset), UDP (length
 * checked; VXLAN, GTP-U and Teredo ports go to the tunnel decoders), ICMP,
 * ICMPv6, SCTP (ports) and any other protocol (number only).
 */
#include "decode_internal.h"

enum {
    IP6_HOPOPTS = 0,
    IP6_ROUTING = 43,
    IP6_FRAGMENT = 44,
    IP6_ESP = 50,
    IP6_AH = 51,
    IP6_NONE = 59,
    IP6_DSTOPTS = 60,
    IP6_MOBILITY = 135,
    IP6_HIP = 139,
    IP6_SHIM6 = 140,
};

/* An inner IP layer starts from clean transport fields (the outer's are stale). */
static void ip_begin_inner(struct packet *pkt)
{
    pkt->flags &= (uint8_t)(PKT_REASSEMBLED | PKT_TRUNCATED);
    pkt->sport = pkt->dport = 0;
    pkt->tcp_flags = 0;
    pkt->tcp_seq = pkt->tcp_ack = 0;
    pkt->tcp_win = 0;
    pkt->icmp_type = pkt->icmp_code = 0;
    pkt->l4 = pkt->payload = NULL;
    pkt->l4_len = pkt->payload_len = 0;
}

/* Every option but EOL (0) and NOP (1) has a length byte of at least 2 that
 * must stay within the header. */
static bool ipv4_options_valid(const uint8_t *o, uint32_t n)
{
    uint32_t i = 0;
    while (i < n) {
        if (o[i] == 0)
            break;
        if (o[i] == 1) {
            i++;
            continue;
        }
        if (n - i < 2 || o[i + 1] < 2 || o[i + 1] > n - i)
            return false;
        i += o[i + 1];
    }
    return true;
}

/* `whole` is false in a first fragment: a header running past it is cut, not bad. */
static int decode_tcp(struct decode_state *st, const uint8_t *p, uint32_t len, bool whole)
{
    struct packet *pkt = st->pkt;
    uint32_t cap = ds_cap(st, p, len);
    if (cap < 20)
        return ds_fail(st, DECODE_ERR_TCP_TRUNCATED);
    uint32_t hlen = (uint32_t)(p[12] >> 4) * 4;
    if (hlen < 20 || (whole && hlen > len))
        return ds_fail(st, DECODE_ERR_TCP_BAD_HLEN);
    if (hlen > cap)
        return ds_fail(st, DECODE_ERR_TCP_TRUNCATED);
    st->dc->stats.tcp++;
    pkt->sport = ictw_be16(p);
    pkt->dport = ictw_be16(p + 2);
    pkt->tcp_seq = ictw_be32(p + 4);
    pkt->tcp_ack = ictw_be32(p + 8);
    pkt->tcp_flags = p[13];
    pkt->tcp_win = ictw_be16(p + 14);
    pkt->flags |= PKT_HAS_PORTS;
    pkt->l4 = p;
    pkt->l4_len = cap;
    pkt->payload = p + hlen;
    pkt->payload_len = cap - hlen;
    return DECODE_OK;
}

static int decode_udp(struct decode_state *st, const uint8_t *p, uint32_t len, bool whole)
{
    struct packet *pkt = st->pkt;
    uint32_t cap = ds_cap(st, p, len);
    if (cap < 8)
        return ds_fail(st, DECODE_ERR_UDP_TRUNCATED);
    uint32_t ulen = ictw_be16(p + 4);
    /* A first fragment without a defragmenter holds only part of the datagram. */
    if (ulen < 8 || (whole && ulen > len))
        return ds_fail(st, DECODE_ERR_UDP_BAD_LEN);
    if (ulen > len)
        ulen = len;
    if (cap > ulen)
        cap = ulen;                     /* bytes past the UDP length are not ours */
    st->dc->stats.udp++;
    pkt->sport = ictw_be16(p);
    pkt->dport = ictw_be16(p + 2);
    pkt->flags |= PKT_HAS_PORTS;
    pkt->l4 = p;
    pkt->l4_len = cap;
    pkt->payload = p + 8;
    pkt->payload_len = cap - 8;
    if (whole) {
        int r = decode_udp_tunnel(st, pkt->sport, pkt->dport, p + 8, ulen - 8);
        if (r != DECODE_PASS)
            return r;
    }
    return DECODE_OK;
}

/* ICMP and ICMPv6: every message has at least type, code, checksum and 4 more bytes. */
static int decode_icmp(struct decode_state *st, const uint8_t *p, uint32_t len,
                       enum decode_error trunc, uint64_t *counter)
{
    struct packet *pkt = st->pkt;
    uint32_t cap = ds_cap(st, p, len);
    if (cap < 8)
        return ds_fail(st, trunc);
    (*counter)++;
    pkt->icmp_type = p[0];
    pkt->icmp_code = p[1];
    pkt->l4 = p;
    pkt->l4_len = cap;
    pkt->payload = p + 8;
    pkt->payload_len = cap - 8;
    return DECODE_OK;
}

static int decode_sctp(struct decode_state *st, const uint8_t *p, uint32_t len)
{
    struct packet *pkt = st->pkt;
    uint32_t cap = ds_cap(st, p, len);
    if (cap < 12)
        return ds_fail(st, DECODE_ERR_SCTP_TRUNCATED);
    st->dc->stats.sctp++;
    pkt->sport = ictw_be16(p);
    pkt->dport = ictw_be16(p + 2);
    pkt->flags |= PKT_HAS_PORTS;
    pkt->l4 = p;
    pkt->l4_len = cap;
    pkt->payload = p + 12;
    pkt->payload_len = cap - 12;
    return DECODE_OK;
}

/* Any other protocol, or a tunnel that turned out not to be one: the IP
 * payload is the "transport" and the payload. */
static int decode_other(struct decode_state *st, const uint8_t *p, uint32_t len)
{
    struct packet *pkt = st->pkt;
    uint32_t cap = ds_cap(st, p, len);
    st->dc->stats.other_ip++;
    pkt->l4 = p;
    pkt->l4_len = cap;
    pkt->payload = p;
    pkt->payload_len = cap;
    return DECODE_OK;
}

/* `whole` is false for a first fragment decoded without reassembly: its
 * transport header is read, but no tunnel is opened in a partial datagram. */
static int decode_l4(struct decode_state *st, uint8_t proto, const uint8_t *p, uint32_t len, bool whole)
{
    int r;
    st->pkt->proto = proto;
    switch (proto) {
    case IPPROTO_NUM_TCP:
        return decode_tcp(st, p, len, whole);
    case IPPROTO_NUM_UDP:
        return decode_udp(st, p, len, whole);
    case IPPROTO_NUM_ICMP:
        return decode_icmp(st, p, len, DECODE_ERR_ICMP_TRUNCATED, &st->dc->stats.icmp);
    case IPPROTO_NUM_ICMPV6:
        return decode_icmp(st, p, len, DECODE_ERR_ICMPV6_TRUNCATED, &st->dc->stats.icmpv6);
    case IPPROTO_NUM_SCTP:
        return decode_sctp(st, p, len);
    case IPPROTO_NUM_IPIP:
    case IPPROTO_NUM_IPV6:
        if (whole)
            return decode_ipip(st, proto, p, len);
        break;
    case IPPROTO_NUM_GRE:
        if (whole) {
            r = decode_gre(st, p, len);
            if (r != DECODE_PASS)
                return r;
        }
        break;
    default:
        break;
    }
    return decode_other(st, p, len);
}

/* f describes the fragment; addresses, VLAN and tunnel context are added here. */
static int decode_fragment(struct decode_state *st, struct defrag_frag *f)
{
    struct packet *pkt = st->pkt;
    struct decode_ctx *dc = st->dc;

    dc->stats.fragments++;
    pkt->proto = f->proto;
    if (dc->defrag == NULL) {
        if (f->offset == 0)
            return decode_l4(st, f->proto, f->data, f->data_len, false);
        pkt->payload = f->data;                 /* a later fragment: no transport header */
        pkt->payload_len = ds_cap(st, f->data, f->data_len);
        return DECODE_OK;
    }
    if (ds_cap(st, f->data, f->data_len) < f->data_len)
        return ds_fail(st, DECODE_ERR_FRAG_TRUNCATED);
    f->src = pkt->src;
    f->dst = pkt->dst;
    f->vlan = pkt->vlan_count ? pkt->vlan[pkt->vlan_count - 1] : 0;
    f->tunnel_key = st->ctx_key;

    const uint8_t *out;
    uint32_t out_len;
    int r = defrag_add(dc->defrag, f, pkt->ts, &out, &out_len);
    if (r < 0)
        return ds_fail(st, DECODE_ERR_FRAG_INVALID);
    if (r == 0)
        return DECODE_HELD;
    if (++st->reasm_depth > DECODE_MAX_REASSEMBLY_DEPTH)
        return ds_fail(st, DECODE_ERR_FRAG_INVALID);
    dc->stats.reassembled++;
    pkt->flags |= PKT_REASSEMBLED;
    st->cap_end = out + out_len;              /* from here on we read the rebuilt datagram */
    return f->family == 4 ? decode_ipv4(st, out, out_len) : decode_ipv6(st, out, out_len);
}

int decode_ipv4(struct decode_state *st, const uint8_t *p, uint32_t len)
{
    struct packet *pkt = st->pkt;
    uint32_t cap = ds_cap(st, p, len);
    if (cap < 20)
        return ds_fail(st, DECODE_ERR_IPV4_TRUNCATED);
    if ((p[0] >> 4) != 4)
        return ds_fail(st, DECODE_ERR_IPV4_BAD_VERSION);
    uint32_t hlen = (uint32_t)(p[0] & 0x0f) * 4;
    if (hlen < 20)
        return ds_fail(st, DECODE_ERR_IPV4_BAD_HLEN);
    uint32_t tot = ictw_be16(p + 2);
    if (tot < hlen || tot > len)
        return ds_fail(st, DECODE_ERR_IPV4_BAD_LEN);
    if (hlen > cap)
        return ds_fail(st, DECODE_ERR_IPV4_TRUNCATED);
    if (hlen > 20 && !ipv4_options_valid(p + 20, hlen - 20))
        return ds_fail(st, DECODE_ERR_IPV4_BAD_OPTIONS);

    if (pkt->ip_version)
        ip_begin_inner(pkt);
    st->dc->stats.ipv4++;
    pkt->ip_version = 4;
    pkt->ttl = p[8];
    pkt->proto = p[9];
    ds_set_v4(&pkt->src, p + 12);
    ds_set_v4(&pkt->dst, p + 16);
    pkt->l3 = p;
    pkt->l3_len = tot;
    if (cap < tot) {
        pkt->l3_len = cap;
        pkt->flags |= PKT_TRUNCATED;
    }
    if (hlen > 20)
        pkt->flags |= PKT_IPV4_OPTIONS;

    uint16_t frag = ictw_be16(p + 6);
    if (frag & 0x3fff) {                        /* MF or an offset */
        struct defrag_frag f = {
            .family = 4, .proto = p[9], .more = (frag & 0x2000) != 0, .id = ictw_be16(p + 4),
            .offset = (uint32_t)(frag & 0x1fff) * 8, .hdr = p, .hdr_len = hlen,
            .data = p + hlen, .data_len = tot - hlen,
        };
        return decode_fragment(st, &f);
    }
    return decode_l4(st, p[9], p + hlen, tot - hlen, true);
}

int decode_ipv6(struct decode_state *st, const uint8_t *p, uint32_t len)
{
    struct packet *pkt = st->pkt;
    uint32_t cap = ds_cap(st, p, len);
    if (cap < 40)
        return ds_fail(st, DECODE_ERR_IPV6_TRUNCATED);
    if ((p[0] >> 4) != 6)
        return ds_fail(st, DECODE_ERR_IPV6_BAD_VERSION);
    uint32_t end = 40 + (uint32_t)ictw_be16(p + 4);
    if (end > len)
        return ds_fail(st, DECODE_ERR_IPV6_BAD_LEN);

    if (pkt->ip_version)
        ip_begin_inner(pkt);
    st->dc->stats.ipv6++;
    pkt->ip_version = 6;
    pkt->ttl = p[7];
    ds_set_v6(&pkt->src, p + 8);
    ds_set_v6(&pkt->dst, p + 24);
    pkt->l3 = p;
    pkt->l3_len = end;
    if (cap < end) {
        pkt->l3_len = cap;
        pkt->flags |= PKT_TRUNCATED;
    }
    cap = pkt->l3_len;

    uint8_t nh = p[6];
    uint32_t off = 40;
    for (unsigned n = 0;; n++) {
        uint32_t elen;
        switch (nh) {
        case IP6_HOPOPTS: case IP6_ROUTING: case IP6_DSTOPTS: case IP6_MOBILITY:
        case IP6_HIP: case IP6_SHIM6: case IP6_AH: case IP6_FRAGMENT:
            break;
        default:                                /* ESP, no next header, transport, tunnel */
            return decode_l4(st, nh, p + off, end - off, true);
        }
        if (n >= DECODE_MAX_IPV6_EXTHDRS)
            return ds_fail(st, DECODE_ERR_IPV6_TOO_MANY_EXTHDRS);
        if (cap < off + 8)                      /* every extension header is >= 8 bytes */
            return ds_fail(st, DECODE_ERR_IPV6_EXTHDR_TRUNCATED);
        pkt->flags |= PKT_IPV6_EXTHDRS;
        if (nh == IP6_FRAGMENT) {
            uint16_t fo = ictw_be16(p + off + 2);
            if ((fo & 0xfff9) == 0) {           /* atomic fragment (RFC 6946): just a header */
                nh = p[off];
                off += 8;
                continue;
            }
            struct defrag_frag f = {
                .family = 6, .proto = p[off], .more = fo & 1, .id = ictw_be32(p + off + 4),
                .offset = fo & 0xfff8u, .hdr = p, .hdr_len = off,
                .data = p + off + 8, .data_len = end - off - 8,
            };
            pkt->proto = p[off];
            return decode_fragment(st, &f);
        }
        elen = nh == IP6_AH ? ((uint32_t)p[off + 1] + 2) * 4 : ((uint32_t)p[off + 1] + 1) * 8;
        if (cap < off + elen)
            return ds_fail(st, DECODE_ERR_IPV6_EXTHDR_TRUNCATED);
        nh = p[off];
        off += elen;
    }
}
