/* pktbuild.h - builds packets header by header for the unit tests, and says
 * what the decoder must answer when the packet is cut anywhere.
 *
 * Each pb_* call appends one header. Length fields (IPv4 total length, IPv6
 * payload length, UDP length, PPPoE length, GTP length, PPTP payload length)
 * are filled in by pb_done() to cover everything appended up to then; bytes
 * appended after pb_done() are link-layer padding.
 *
 * Every header also records a "layer": how many bytes must be captured for it
 * to decode, and the reason the decoder gives when fewer are. Headers with a
 * length field that covers the rest of the packet (IP, PPPoE) also record
 * where that field is checked, so that a frame that is short on the wire (not
 * merely cut by the snap length) is expected to fail with the length reason.
 * pb_expected() turns the layers into the answer for a cut at any length.
 *
 * Header-only: static inline functions so that a test uses what it needs.
 */
#ifndef ICTWATCH_TEST_PKTBUILD_H
#define ICTWATCH_TEST_PKTBUILD_H

#include <stdint.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include "ictwatch/common.h"
#include "decode.h"

#define PB_MAX 4096
#define PB_MAX_LAYERS 48
#define PB_MAX_FIXES 16
#define PB_OPEN UINT32_MAX      /* length-covered end, set by pb_done() */

struct pb_layer {
    uint32_t end;               /* bytes needed for the header to decode */
    enum decode_error reason;   /* answer when fewer are captured */
    uint32_t len_check;         /* where the length field is compared with the wire length ... */
    uint32_t len_end;           /* ... and up to where it claims bytes (0: no length field) */
    enum decode_error len_reason;
};

enum pb_fix_kind { PB_FIX_IPV4, PB_FIX_IPV6, PB_FIX_UDP, PB_FIX_PPPOE, PB_FIX_GTP, PB_FIX_PPTP };

struct pb {
    uint8_t b[PB_MAX];
    uint32_t n;
    struct pb_layer layers[PB_MAX_LAYERS];
    unsigned nl;
    struct { uint32_t off; enum pb_fix_kind kind; uint32_t arg; } fixes[PB_MAX_FIXES];
    unsigned nf;
    uint32_t ip_end;            /* end of the outermost IP datagram (after pb_done) */
    enum decode_error final;    /* the answer once every layer is whole (NONE: decoded) */
    bool done;
};

static inline void pb_init(struct pb *pb)
{
    memset(pb, 0, sizeof(*pb));
}

static inline void pb_w16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void pb_w32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* Appends len bytes (zeros when data is NULL); returns where they went. */
static inline uint8_t *pb_put(struct pb *pb, const void *data, uint32_t len)
{
    uint8_t *p = pb->b + pb->n;
    if (pb->n + len > PB_MAX)
        abort();
    if (data)
        memcpy(p, data, len);
    else
        memset(p, 0, len);
    pb->n += len;
    return p;
}

static inline void pb_text(struct pb *pb, const char *s)
{
    pb_put(pb, s, (uint32_t)strlen(s));
}

/* A header of `len` bytes starting here must be captured whole, or `reason`. */
static inline void pb_layer(struct pb *pb, uint32_t len, enum decode_error reason)
{
    struct pb_layer *l = &pb->layers[pb->nl++];
    l->end = pb->n + len;
    l->reason = reason;
}

static inline void pb_len_layer(struct pb *pb, uint32_t len, enum decode_error reason,
                                uint32_t check_at, enum decode_error len_reason)
{
    pb_layer(pb, len, reason);
    struct pb_layer *l = &pb->layers[pb->nl - 1];
    l->len_check = pb->n + check_at;
    l->len_end = PB_OPEN;
    l->len_reason = len_reason;
}

static inline void pb_fix(struct pb *pb, enum pb_fix_kind kind, uint32_t arg)
{
    pb->fixes[pb->nf].off = pb->n;
    pb->fixes[pb->nf].kind = kind;
    pb->fixes[pb->nf].arg = arg;
    pb->nf++;
}

static inline void pb_addr(const char *text, struct ictw_addr *a)
{
    if (ictw_addr_parse(text, a) != 0)
        abort();
}

/* ---- link layers ---- */

static inline void pb_eth(struct pb *pb, uint16_t type)
{
    uint8_t h[14] = { 0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa, 0xbb };
    pb_w16(h + 12, type);
    pb_layer(pb, 14, DECODE_ERR_LINK_TRUNCATED);
    pb_put(pb, h, 14);
}

static inline void pb_vlan(struct pb *pb, uint16_t tci, uint16_t next)
{
    uint8_t h[4];
    pb_w16(h, tci);
    pb_w16(h + 2, next);
    pb_layer(pb, 4, DECODE_ERR_VLAN_TRUNCATED);
    pb_put(pb, h, 4);
}

static inline void pb_sll(struct pb *pb, uint16_t proto)
{
    uint8_t h[16] = { 0, 0, 0, 1, 0, 6, 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 };
    pb_w16(h + 14, proto);
    pb_layer(pb, 16, DECODE_ERR_LINK_TRUNCATED);
    pb_put(pb, h, 16);
}

static inline void pb_sll2(struct pb *pb, uint16_t proto)
{
    uint8_t h[20] = { 0 };
    pb_w16(h, proto);
    pb_w32(h + 4, 2);           /* ifindex */
    pb_w16(h + 8, 1);           /* ARPHRD_ETHER */
    h[10] = 0;                  /* PACKET_HOST */
    h[11] = 6;
    pb_layer(pb, 20, DECODE_ERR_LINK_TRUNCATED);
    pb_put(pb, h, 20);
}

/* PPI: version 0, no flags, a header of hlen bytes (fields zeroed), inner link type dlt. */
static inline void pb_ppi(struct pb *pb, uint16_t hlen, uint32_t dlt)
{
    uint8_t h[64] = { 0 };
    if (hlen < 8 || hlen > sizeof(h))
        return;
    h[2] = (uint8_t)hlen;
    h[3] = (uint8_t)(hlen >> 8);
    for (int k = 0; k < 4; k++)
        h[4 + k] = (uint8_t)(dlt >> (8 * k));
    pb_layer(pb, hlen, DECODE_ERR_LINK_TRUNCATED);
    pb_put(pb, h, hlen);
}

/* A link header of `len` given bytes that must be whole, or LINK_TRUNCATED. */
static inline void pb_link_raw(struct pb *pb, const void *h, uint32_t len, enum decode_error reason)
{
    pb_layer(pb, len, reason);
    pb_put(pb, h, len);
}

static inline void pb_pppoe(struct pb *pb, uint16_t ppp_proto)
{
    uint8_t h[8] = { 0x11, 0x00, 0x12, 0x34 };
    pb_w16(h + 6, ppp_proto);
    pb_len_layer(pb, 8, DECODE_ERR_PPPOE_TRUNCATED, 8, DECODE_ERR_PPPOE_MALFORMED);
    pb_fix(pb, PB_FIX_PPPOE, 0);
    pb_put(pb, h, 8);
}

/* A PPP frame header: address/control when `ac`, protocol in 1 byte when `pfc`. */
static inline void pb_ppp(struct pb *pb, bool ac, uint16_t proto, bool pfc)
{
    uint8_t h[4];
    uint32_t n = 0;
    if (ac) {
        h[n++] = 0xff;
        h[n++] = 0x03;
    }
    if (pfc) {
        h[n++] = (uint8_t)proto;
    } else {
        pb_w16(h + n, proto);
        n += 2;
    }
    pb_layer(pb, n, DECODE_ERR_PPP_TRUNCATED);
    pb_put(pb, h, n);
}

static inline void pb_mpls(struct pb *pb, uint32_t label, bool bottom)
{
    uint8_t h[4];
    pb_w32(h, label << 12 | (bottom ? 0x100u : 0) | 64);
    /* after the bottom label one more byte is needed to guess the payload */
    pb_layer(pb, bottom ? 5 : 4, DECODE_ERR_MPLS_TRUNCATED);
    pb_put(pb, h, 4);
}

/* ---- IP ---- */

/* frag: the 16-bit flags/offset field (offset in 8-byte units). */
static inline void pb_ipv4_ex(struct pb *pb, uint8_t proto, const char *src, const char *dst,
                              const uint8_t *opts, uint32_t optlen, uint16_t frag, uint16_t id)
{
    struct ictw_addr s, d;
    uint8_t h[60] = { 0 };
    uint32_t hl = 20 + optlen;
    pb_addr(src, &s);
    pb_addr(dst, &d);
    h[0] = (uint8_t)(0x40 | hl / 4);
    pb_w16(h + 4, id);
    pb_w16(h + 6, frag);
    h[8] = 64;
    h[9] = proto;
    memcpy(h + 12, s.b, 4);
    memcpy(h + 16, d.b, 4);
    if (optlen)
        memcpy(h + 20, opts, optlen);
    pb_len_layer(pb, hl, DECODE_ERR_IPV4_TRUNCATED, 20, DECODE_ERR_IPV4_BAD_LEN);
    pb_fix(pb, PB_FIX_IPV4, 0);
    pb_put(pb, h, hl);
}

static inline void pb_ipv4(struct pb *pb, uint8_t proto, const char *src, const char *dst)
{
    pb_ipv4_ex(pb, proto, src, dst, NULL, 0, 0x4000, 0x1234);
}

static inline void pb_ipv6(struct pb *pb, uint8_t nh, const char *src, const char *dst)
{
    struct ictw_addr s, d;
    uint8_t h[40] = { 0x60, 0x01, 0x23, 0x45 };
    pb_addr(src, &s);
    pb_addr(dst, &d);
    h[6] = nh;
    h[7] = 255;
    memcpy(h + 8, s.b, 16);
    memcpy(h + 24, d.b, 16);
    pb_len_layer(pb, 40, DECODE_ERR_IPV6_TRUNCATED, 40, DECODE_ERR_IPV6_BAD_LEN);
    pb_fix(pb, PB_FIX_IPV6, 0);
    pb_put(pb, h, 40);
}

/* A generic extension header (hop-by-hop, routing, destination) of (units+1)*8 bytes. */
static inline void pb_ip6ext(struct pb *pb, uint8_t nh, uint8_t units)
{
    uint32_t len = ((uint32_t)units + 1) * 8;
    pb_layer(pb, len, DECODE_ERR_IPV6_EXTHDR_TRUNCATED);
    uint8_t *p = pb_put(pb, NULL, len);
    p[0] = nh;
    p[1] = units;
}

static inline void pb_ip6ah(struct pb *pb, uint8_t nh, uint8_t words)
{
    uint32_t len = ((uint32_t)words + 2) * 4;
    pb_layer(pb, len, DECODE_ERR_IPV6_EXTHDR_TRUNCATED);
    uint8_t *p = pb_put(pb, NULL, len);
    p[0] = nh;
    p[1] = words;
    pb_w32(p + 4, 0x100);       /* SPI */
}

static inline void pb_ip6frag(struct pb *pb, uint8_t nh, uint32_t offset, bool more, uint32_t id)
{
    pb_layer(pb, 8, DECODE_ERR_IPV6_EXTHDR_TRUNCATED);
    uint8_t *p = pb_put(pb, NULL, 8);
    p[0] = nh;
    pb_w16(p + 2, (offset & 0xfff8) | (more ? 1 : 0));
    pb_w32(p + 4, id);
}

/* ---- transport ---- */

static inline void pb_tcp(struct pb *pb, uint16_t sport, uint16_t dport, uint8_t flags, uint32_t seq,
                          uint32_t ack, uint16_t win, uint32_t optlen)
{
    uint8_t h[60] = { 0 };
    uint32_t hl = 20 + optlen;
    pb_w16(h, sport);
    pb_w16(h + 2, dport);
    pb_w32(h + 4, seq);
    pb_w32(h + 8, ack);
    h[12] = (uint8_t)((hl / 4) << 4);
    h[13] = flags;
    pb_w16(h + 14, win);
    for (uint32_t i = 20; i < hl; i++)
        h[i] = 1;               /* NOP options */
    pb_layer(pb, hl, DECODE_ERR_TCP_TRUNCATED);
    pb_put(pb, h, hl);
}

static inline void pb_udp(struct pb *pb, uint16_t sport, uint16_t dport)
{
    uint8_t h[8] = { 0 };
    pb_w16(h, sport);
    pb_w16(h + 2, dport);
    pb_layer(pb, 8, DECODE_ERR_UDP_TRUNCATED);
    pb_fix(pb, PB_FIX_UDP, 0);
    pb_put(pb, h, 8);
}

static inline void pb_icmp(struct pb *pb, uint8_t type, uint8_t code, enum decode_error trunc)
{
    uint8_t h[8] = { type, code, 0, 0, 0x12, 0x34, 0x00, 0x01 };
    pb_layer(pb, 8, trunc);
    pb_put(pb, h, 8);
}

static inline void pb_sctp(struct pb *pb, uint16_t sport, uint16_t dport)
{
    uint8_t h[12] = { 0 };
    pb_w16(h, sport);
    pb_w16(h + 2, dport);
    pb_w32(h + 4, 0xdeadbeef);
    pb_layer(pb, 12, DECODE_ERR_SCTP_TRUNCATED);
    pb_put(pb, h, 12);
}

/* ---- tunnels ---- */

/* GRE v0; the checksum/key/sequence words are present as `flags` says. */
static inline void pb_gre(struct pb *pb, uint16_t flags, uint16_t proto, uint32_t key, uint32_t seq)
{
    uint8_t h[16] = { 0 };
    uint32_t n = 4;
    pb_w16(h, flags);
    pb_w16(h + 2, proto);
    if (flags & 0x8000)
        n += 4;
    if (flags & 0x2000) {
        pb_w32(h + n, key);
        n += 4;
    }
    if (flags & 0x1000) {
        pb_w32(h + n, seq);
        n += 4;
    }
    pb_layer(pb, n, DECODE_ERR_GRE_TRUNCATED);
    pb_put(pb, h, n);
}

/* Enhanced GRE (PPTP) with sequence and acknowledgment numbers. */
static inline void pb_gre_pptp(struct pb *pb, uint16_t call_id)
{
    uint8_t h[16] = { 0x30, 0x81, 0x88, 0x0b };     /* K, S, A, version 1, PPP */
    pb_w16(h + 6, call_id);
    pb_w32(h + 8, 7);
    pb_w32(h + 12, 6);
    pb_layer(pb, 16, DECODE_ERR_GRE_TRUNCATED);
    pb_fix(pb, PB_FIX_PPTP, 16);
    pb_put(pb, h, 16);
}

static inline void pb_vxlan(struct pb *pb, uint8_t flags, uint32_t vni)
{
    uint8_t h[8] = { flags };
    pb_w32(h + 4, vni << 8);
    pb_layer(pb, 8, DECODE_ERR_VXLAN_TRUNCATED);
    pb_put(pb, h, 8);
}

/* GTPv1-U; exts: extension headers as (length in 4-byte units) values, each
 * followed by the next type (0 ends). `inner` adds the one byte the decoder
 * needs to guess the inner IP version. */
static inline void pb_gtpu(struct pb *pb, uint8_t type, bool seq, const uint8_t *exts,
                           unsigned nexts, bool inner)
{
    uint8_t h[64] = { 0 };
    uint32_t n = 8;
    h[0] = 0x30 | (seq ? 0x02 : 0) | (nexts ? 0x04 : 0);
    h[1] = type;
    pb_w32(h + 4, 0x01020304);
    if (seq || nexts) {
        pb_w16(h + 8, 42);
        h[11] = nexts ? 0x85 : 0;
        n = 12;
        for (unsigned i = 0; i < nexts; i++) {
            uint32_t el = (uint32_t)exts[i] * 4;
            h[n] = exts[i];
            h[n + el - 1] = i + 1 < nexts ? 0x85 : 0;
            n += el;
        }
    }
    /* only a G-PDU is read past the fixed 8 bytes */
    pb_layer(pb, type == 0xff ? n + (inner ? 1 : 0) : 8, DECODE_ERR_GTP_TRUNCATED);
    pb_fix(pb, PB_FIX_GTP, 0);
    pb_put(pb, h, n);
}

/* Teredo headers before the IPv6 packet; the decoder needs them and the
 * IPv6 header whole to judge whether this is Teredo at all. */
static inline void pb_teredo(struct pb *pb, bool auth, bool origin)
{
    uint32_t n = 0;
    uint8_t h[64] = { 0 };
    if (auth) {
        h[0] = 0; h[1] = 1; h[2] = 3; h[3] = 2;      /* id 3 bytes, auth 2 bytes */
        n = 4 + 3 + 2 + 8 + 1;
    }
    if (origin) {
        pb_w16(h + n + 2, 0xffff ^ 3544);
        pb_w32(h + n + 4, 0xffffffffu ^ 0xc0000201u);
        n += 8;
    }
    pb_layer(pb, n + 40, DECODE_ERR_TEREDO_TRUNCATED);
    pb_put(pb, h, n);
}

/* Fills the length fields; later bytes are padding. */
static inline void pb_done(struct pb *pb)
{
    for (unsigned i = 0; i < pb->nf; i++) {
        uint8_t *p = pb->b + pb->fixes[i].off;
        uint32_t rest = pb->n - pb->fixes[i].off;
        switch (pb->fixes[i].kind) {
        case PB_FIX_IPV4: pb_w16(p + 2, rest); break;
        case PB_FIX_IPV6: pb_w16(p + 4, rest - 40); break;
        case PB_FIX_UDP: pb_w16(p + 4, rest); break;
        case PB_FIX_PPPOE: pb_w16(p + 4, rest - 6); break;
        case PB_FIX_GTP: pb_w16(p + 2, rest - 8); break;
        case PB_FIX_PPTP: pb_w16(p + 4, rest - pb->fixes[i].arg); break;
        }
    }
    pb->ip_end = 0;
    for (unsigned i = 0; i < pb->nl; i++) {
        if (pb->layers[i].len_end == PB_OPEN) {
            pb->layers[i].len_end = pb->n;
            if (!pb->ip_end && (pb->layers[i].reason == DECODE_ERR_IPV4_TRUNCATED ||
                                pb->layers[i].reason == DECODE_ERR_IPV6_TRUNCATED))
                pb->ip_end = pb->n;
        }
    }
    pb->done = true;
}

/* The decoder's answer for the packet cut to c bytes. snapped: the wire had the
 * whole packet (caplen < wire_len); otherwise the frame really was c bytes long. */
static inline enum decode_error pb_expected(const struct pb *pb, uint32_t c, bool snapped)
{
    for (unsigned i = 0; i < pb->nl; i++) {
        const struct pb_layer *l = &pb->layers[i];
        if (!snapped && l->len_end) {
            if (c < l->len_check)
                return l->reason;
            if (c < l->len_end)
                return l->len_reason;
        }
        if (c < l->end)
            return l->reason;
    }
    return pb->final;
}

#endif
