#!/usr/bin/python3
"""make-captures.py OUTDIR [NAME...] - writes the project's own small test captures.

Every capture is made by one function registered with @capture("file.pcap");
its docstring says what is inside (tests/captures/README.md says what a test
should expect). To add a case, add a function; nothing else needs to change,
so several people can add cases without touching each other's code.

Captures are deterministic: fixed addresses, ports, sequence numbers, IP ids
and timestamps (BASE_US plus a fixed step), no randomness, so the same script
always writes the same bytes. Files are written by our own small pcap/pcapng
writers so that link type, byte order, timestamp resolution and truncation
are exactly what a test needs; scapy builds the packets (and checksums).

Usage: make-captures.py OUTDIR            writes every capture
       make-captures.py OUTDIR a.pcap ... writes only those
       make-captures.py --list            names and one-line descriptions
"""
import os
import struct
import sys

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import (DNS, DNSQR, DNSRR, GRE, GRE_PPTP, ICMP, IP, IPOption_Router_Alert,  # noqa: E402
                       IPOption_RR, IPv6, IPv6ExtHdrDestOpt, IPv6ExtHdrFragment,
                       IPv6ExtHdrHopByHop, IPv6ExtHdrRouting, ICMPv6EchoReply,
                       ICMPv6EchoRequest, ICMPv6ND_NS, PPP, Raw, SCTP, SCTPChunkCookieAck,
                       SCTPChunkCookieEcho, SCTPChunkData, SCTPChunkInit, SCTPChunkInitAck,
                       SCTPChunkSACK, TCP, UDP)
from scapy.contrib.gtp import GTP_U_Header  # noqa: E402
from scapy.contrib.mpls import MPLS  # noqa: E402
from scapy.layers.vxlan import VXLAN  # noqa: E402

BASE_US = 1700000000 * 1000000      # 2023-11-14T22:13:20Z
STEP_US = 10000                     # 10 ms between packets unless a capture says otherwise

# Link types as written in capture files (LINKTYPE_*).
LT_NULL, LT_ETHERNET, LT_PPP, LT_RAW_BSDOS, LT_PPP_HDLC = 0, 1, 9, 14, 50
LT_RAW, LT_C_HDLC, LT_LOOP, LT_LINUX_SLL, LT_USER0 = 101, 104, 108, 113, 147
LT_PPI, LT_IPV4, LT_IPV6, LT_LINUX_SLL2 = 192, 228, 229, 276

CLIENT4, SERVER4 = "192.0.2.10", "198.51.100.20"
CLIENT6, SERVER6 = "2001:db8:1::10", "2001:db8:2::20"
MAC_C, MAC_S = bytes.fromhex("020000000001"), bytes.fromhex("020000000002")

HTTP_REQ = (b"GET /index.html HTTP/1.1\r\nHost: www.example.com\r\n"
            b"User-Agent: ictwatch-test/1.0\r\nAccept: */*\r\n\r\n")
HTTP_RESP = (b"HTTP/1.1 200 OK\r\nServer: test\r\nContent-Type: text/html\r\n"
             b"Content-Length: 28\r\n\r\n<html><body>ok</body></html>")


# ---------------------------------------------------------------- writers

class Pcap:
    """A classic pcap file. Records are (ts_us, data, orig_len)."""

    def __init__(self, linktype, nanosecond=False, big_endian=False, snaplen=262144):
        self.linktype = linktype
        self.nanosecond = nanosecond
        self.order = ">" if big_endian else "<"
        self.snaplen = snaplen
        self.records = []
        self.t = BASE_US
        self.cut_last = None            # bytes of the last record kept (truncated file)

    def add(self, data, orig_len=None):
        data = bytes(data)
        self.records.append((self.t, data, len(data) if orig_len is None else orig_len))
        self.t += STEP_US
        return self

    def add_all(self, frames):
        for f in frames:
            self.add(f)
        return self

    def wait(self, seconds):
        self.t += int(seconds * 1000000)
        return self

    def to_bytes(self):
        o = self.order
        magic = 0xa1b23c4d if self.nanosecond else 0xa1b2c3d4
        out = bytearray(struct.pack(o + "IHHiIII", magic, 2, 4, 0, 0, self.snaplen, self.linktype))
        for i, (ts, data, orig) in enumerate(self.records):
            frac = (ts % 1000000) * (1000 if self.nanosecond else 1)
            rec = struct.pack(o + "IIII", ts // 1000000, frac, len(data), orig) + data
            if self.cut_last is not None and i == len(self.records) - 1:
                rec = rec[:16 + self.cut_last]
            out += rec
        return bytes(out)


class Pcapng(Pcap):
    """A pcapng file: section header, one interface (microsecond stamps), enhanced packets."""

    def to_bytes(self):
        def block(btype, body):
            body += b"\0" * (-len(body) % 4)
            n = 12 + len(body)
            return struct.pack("<II", btype, n) + body + struct.pack("<I", n)
        out = block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1))
        opts = struct.pack("<HHB3x", 9, 1, 6) + struct.pack("<HH", 0, 0)   # if_tsresol=6, end
        out += block(1, struct.pack("<HHI", self.linktype, 0, self.snaplen) + opts)
        for ts, data, orig in self.records:
            out += block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xffffffff, len(data), orig) + data)
        return out


# ---------------------------------------------------------------- registry

CAPTURES = {}


def capture(name):
    """Registers fn as the maker of capture `name`; fn returns a Pcap (or Pcapng)."""
    def register(fn):
        if name in CAPTURES:
            raise SystemExit("make-captures.py: capture %s registered twice" % name)
        CAPTURES[name] = fn
        return fn
    return register


# ---------------------------------------------------------------- packet helpers

def ip4(src, dst, **kw):
    return IP(src=src, dst=dst, id=kw.pop("id", 1), **kw)


def ip6(src, dst, **kw):
    return IPv6(src=src, dst=dst, **kw)


def tcp_session(ipf, c, s, sport, dport, req=HTTP_REQ, resp=HTTP_RESP, end="fin", handshake=True):
    """A TCP conversation as (to_server, L3 packet) pairs: handshake, request,
    response, then close with FIN (end="fin"), a reset from the server ("rst")
    or nothing (None). ipf(src, dst) gives the IP layer."""
    cs, ss = 1000, 5000
    out = []

    def pkt(to_server, flags, seq, ack, data=b""):
        src, dst, sp, dp = (c, s, sport, dport) if to_server else (s, c, dport, sport)
        p = ipf(src, dst) / TCP(sport=sp, dport=dp, flags=flags, seq=seq, ack=ack, window=64240)
        out.append((to_server, p / Raw(data) if data else p))

    if handshake:
        pkt(True, "S", cs, 0)
        pkt(False, "SA", ss, cs + 1)
        pkt(True, "A", cs + 1, ss + 1)
    cs += 1
    ss += 1
    pkt(True, "PA", cs, ss, req)
    cs += len(req)
    pkt(False, "A", ss, cs)
    if end == "rst":
        pkt(False, "RA", ss, cs)
        return out
    pkt(False, "PA", ss, cs, resp)
    ss += len(resp)
    pkt(True, "A", cs, ss)
    if end == "fin":
        pkt(True, "FA", cs, ss)
        pkt(False, "FA", ss, cs + 1)
        pkt(True, "A", cs + 1, ss + 1)
    return out


def dns_exchange(ipf, c, s, sport, qname="www.example.com", answer="93.184.216.34", qid=0x1234):
    q = DNS(id=qid, rd=1, qd=DNSQR(qname=qname, qtype="A"))
    r = DNS(id=qid, qr=1, rd=1, ra=1, qd=DNSQR(qname=qname, qtype="A"),
            an=DNSRR(rrname=qname, type="A", ttl=300, rdata=answer))
    return [(True, ipf(c, s) / UDP(sport=sport, dport=53) / q),
            (False, ipf(s, c) / UDP(sport=53, dport=sport) / r)]


def v4(src, dst):
    return ip4(src, dst)


def v6(src, dst):
    return ip6(src, dst)


def ether(payload, to_server=True, ethertype=None, vlans=()):
    """Ethernet frame; vlans is a list of (tpid, id) outermost first."""
    payload = bytes(payload)
    if ethertype is None:
        ethertype = 0x86dd if payload[0] >> 4 == 6 else 0x0800
    dst, src = (MAC_S, MAC_C) if to_server else (MAC_C, MAC_S)
    tags = b""
    types = [tpid for tpid, _ in vlans] + [ethertype]
    for i, (tpid, vid) in enumerate(vlans):
        tags += struct.pack(">H", vid) + struct.pack(">H", types[i + 1])
    first = types[0]
    frame = dst + src + struct.pack(">H", first) + tags + payload
    return frame + b"\0" * max(0, 60 - len(frame))


def frames(pairs, wrap):
    """Applies wrap(to_server, l3_bytes) to every (to_server, packet) pair."""
    return [wrap(d, bytes(p)) for d, p in pairs]


def eth_frames(pairs, **kw):
    return frames(pairs, lambda d, b: ether(b, d, **kw))


def ipv4_fragments(pkt, sizes, order=None):
    """Cuts an IP packet's payload into fragments of the given data sizes
    (multiples of 8 but the last); returns IP packets in `order`."""
    raw = bytes(pkt[IP].payload)
    hdr = pkt[IP]
    out, off = [], 0
    for i, size in enumerate(sizes):
        chunk = raw[off:off + size] if i < len(sizes) - 1 else raw[off:]
        last = i == len(sizes) - 1
        out.append(IP(src=hdr.src, dst=hdr.dst, id=hdr.id, proto=hdr.proto, ttl=hdr.ttl,
                      flags=0 if last else "MF", frag=off // 8) / Raw(chunk))
        off += len(chunk)
    return [out[i] for i in order] if order else out


# ---------------------------------------------------------------- link types

def http_v4(sport=40001):
    return tcp_session(v4, CLIENT4, SERVER4, sport, 80)


@capture("link-en10mb.pcap")
def link_en10mb():
    """Ethernet (DLT_EN10MB): an HTTP session over TCP, handshake to FIN."""
    return Pcap(LT_ETHERNET).add_all(eth_frames(http_v4()))


@capture("link-linux-sll.pcap")
def link_sll():
    """Linux cooked v1 (DLT_LINUX_SLL): a DNS query and response."""
    def sll(to_server, b):
        return struct.pack(">HHH", 4 if to_server else 0, 1, 6) + MAC_C + b"\0\0" + b"\x08\x00" + b
    return Pcap(LT_LINUX_SLL).add_all(frames(dns_exchange(v4, CLIENT4, SERVER4, 33001), sll))


@capture("link-linux-sll2.pcap")
def link_sll2():
    """Linux cooked v2 (DLT_LINUX_SLL2): an HTTP session over TCP/IPv6."""
    def sll2(to_server, b):
        return (b"\x86\xdd\0\0" + struct.pack(">IHBB", 2, 1, 4 if to_server else 0, 6)
                + MAC_C + b"\0\0" + b)
    return Pcap(LT_LINUX_SLL2).add_all(frames(tcp_session(v6, CLIENT6, SERVER6, 40002, 80), sll2))


@capture("link-raw.pcap")
def link_raw():
    """Raw IP (LINKTYPE_RAW 101, DLT_RAW 12 on Linux): HTTP over IPv4 and DNS over IPv6."""
    pairs = http_v4(40003) + dns_exchange(v6, CLIENT6, SERVER6, 33003)
    return Pcap(LT_RAW).add_all(frames(pairs, lambda d, b: b))


@capture("link-raw-bsdos.pcap")
def link_raw_bsdos():
    """Raw IP with the BSD/OS value 14 as link type: a DNS query and response."""
    return Pcap(LT_RAW_BSDOS).add_all(frames(dns_exchange(v4, CLIENT4, SERVER4, 33004), lambda d, b: b))


@capture("link-ipv4.pcap")
def link_ipv4():
    """DLT_IPV4 (228): an HTTP session over TCP."""
    return Pcap(LT_IPV4).add_all(frames(http_v4(40005), lambda d, b: b))


@capture("link-ipv6.pcap")
def link_ipv6():
    """DLT_IPV6 (229): a DNS query and response over IPv6."""
    return Pcap(LT_IPV6).add_all(frames(dns_exchange(v6, CLIENT6, SERVER6, 33006), lambda d, b: b))


@capture("link-null.pcap")
def link_null():
    """BSD loopback (DLT_NULL), little-endian file and families: HTTP over IPv4
    (family 2) and DNS over IPv6 (family 30, macOS)."""
    def null(d, b):
        return struct.pack("<I", 30 if b[0] >> 4 == 6 else 2) + b
    pairs = http_v4(40007) + dns_exchange(v6, CLIENT6, SERVER6, 33007)
    return Pcap(LT_NULL).add_all(frames(pairs, null))


@capture("link-null-bigendian.pcap")
def link_null_be():
    """BSD loopback (DLT_NULL) written on a big-endian machine: file header and
    families in big-endian order; HTTP over IPv4 and DNS over IPv6 (family 28)."""
    def null(d, b):
        return struct.pack(">I", 28 if b[0] >> 4 == 6 else 2) + b
    pairs = http_v4(40008) + dns_exchange(v6, CLIENT6, SERVER6, 33008)
    return Pcap(LT_NULL, big_endian=True).add_all(frames(pairs, null))


@capture("link-loop.pcap")
def link_loop():
    """OpenBSD loopback (DLT_LOOP 108), families in network order: HTTP over IPv4
    and DNS over IPv6 (family 24)."""
    def loop(d, b):
        return struct.pack(">I", 24 if b[0] >> 4 == 6 else 2) + b
    pairs = http_v4(40009) + dns_exchange(v6, CLIENT6, SERVER6, 33009)
    return Pcap(LT_LOOP).add_all(frames(pairs, loop))


@capture("link-ppp.pcap")
def link_ppp():
    """PPP (DLT_PPP 9) with address/control 0xff03: HTTP over IPv4, then an LCP
    echo (not IP) and DNS over IPv6 with a compressed protocol field."""
    def ppp(d, b):
        return (b"\xff\x03\x00\x21" if b[0] >> 4 == 4 else b"\x57") + b
    cap = Pcap(LT_PPP).add_all(frames(http_v4(40010), ppp))
    cap.add(b"\xff\x03\xc0\x21\x09\x01\x00\x08\x00\x00\x00\x00")
    return cap.add_all(frames(dns_exchange(v6, CLIENT6, SERVER6, 33010), ppp))


@capture("link-ppp-cisco.pcap")
def link_ppp_cisco():
    """DLT_PPP carrying Cisco HDLC framed frames (address 0x0f/0x8f), as some
    routers write them: DNS over IPv4 and a SLARP keepalive (not IP)."""
    cap = Pcap(LT_PPP).add_all(frames(dns_exchange(v4, CLIENT4, SERVER4, 33011),
                                      lambda d, b: b"\x0f\x00\x08\x00" + b))
    return cap.add(b"\x8f\x00\x80\x35" + struct.pack(">IIIH", 2, 1, 0, 0xffff))


@capture("link-ppp-hdlc.pcap")
def link_ppp_hdlc():
    """PPP in HDLC-like framing (LINKTYPE_PPP_HDLC 50): an HTTP session."""
    return Pcap(LT_PPP_HDLC).add_all(frames(http_v4(40012), lambda d, b: b"\xff\x03\x00\x21" + b))


@capture("link-c-hdlc.pcap")
def link_c_hdlc():
    """Cisco HDLC (DLT_C_HDLC 104): a SLARP keepalive and a CDP frame (both not
    IP), an HTTP session over IPv4 and DNS over IPv6."""
    cap = Pcap(LT_C_HDLC)
    cap.add(b"\x8f\x00\x80\x35" + struct.pack(">IIIH", 2, 7, 6, 0xffff))
    cap.add(b"\x8f\x00\x20\x00\x02\xb4\x00\x00\x00\x01\x00\x0a" + b"router1\0")
    def chdlc(d, b):
        return (b"\x0f\x00\x86\xdd" if b[0] >> 4 == 6 else b"\x0f\x00\x08\x00") + b
    cap.add_all(frames(http_v4(40013), chdlc))
    return cap.add_all(frames(dns_exchange(v6, CLIENT6, SERVER6, 33013), chdlc))


@capture("link-ppi.pcap")
def link_ppi():
    """PPI (DLT_PPI 192), as some wireless and industrial capture tools write:
    an HTTP session over IPv4 in Ethernet behind the bare 8-byte header, then DNS
    over IPv6 in raw IP behind a header with a 16-byte field, then a frame whose
    inner type is 802.11 (not decoded: counted, the file goes on)."""
    def ppi(inner, field=b""):
        return lambda d, b: struct.pack("<BBHI", 0, 0, 8 + len(field), inner) + field + b
    cap = Pcap(LT_PPI)
    cap.add_all(frames(http_v4(40015), lambda d, b: ppi(LT_ETHERNET)(d, ether(b, d))))
    cap.add_all(frames(dns_exchange(v6, CLIENT6, SERVER6, 33015),
                       ppi(LT_RAW, struct.pack("<HH", 2, 12) + bytes(12))))
    return cap.add(struct.pack("<BBHI", 0, 0, 8, 105) + bytes(24))


# ---------------------------------------------------------------- file formats

@capture("pcapng-named-pcap.pcap")
def pcapng_named_pcap():
    """A pcapng file with a .pcap name (format is by content): Ethernet, a DNS
    exchange and an HTTP session."""
    pairs = dns_exchange(v4, CLIENT4, SERVER4, 33014) + http_v4(40014)
    return Pcapng(LT_ETHERNET).add_all(eth_frames(pairs))


@capture("pcap-nanosecond.pcap")
def pcap_nanosecond():
    """Nanosecond-resolution pcap (magic a1b23c4d): an HTTP session."""
    return Pcap(LT_ETHERNET, nanosecond=True).add_all(eth_frames(http_v4(40015)))


@capture("link-unsupported-user0.pcap")
def link_unsupported():
    """Link type 147 (USER0), which the sensor does not decode: three records."""
    cap = Pcap(LT_USER0)
    for i in range(3):
        cap.add(b"\xde\xad\xbe\xef" + bytes([i]) * 20)
    return cap


@capture("truncated.pcap")
def truncated():
    """An HTTP session whose file ends in the middle of the 11th record (the
    record header promises more bytes than the file has): 10 whole packets."""
    pairs = http_v4(40016)
    cap = Pcap(LT_ETHERNET).add_all(eth_frames(pairs))
    cap.add(ether(bytes(v4(CLIENT4, SERVER4) / TCP(sport=40016, dport=80, flags="A") / Raw(b"x" * 200))))
    cap.cut_last = 40
    return cap


# ---------------------------------------------------------------- below IP

@capture("vlan.pcap")
def vlan():
    """802.1Q VLAN 100: an HTTP session."""
    return Pcap(LT_ETHERNET).add_all(eth_frames(http_v4(40017), vlans=[(0x8100, 100)]))


@capture("qinq.pcap")
def qinq():
    """QinQ: 802.1ad outer tag 10, 802.1Q inner tag 20: a DNS exchange; and a
    triple-tagged (0x9100, 0x88a8, 0x8100: 1, 2, 3) HTTP session."""
    cap = Pcap(LT_ETHERNET)
    cap.add_all(eth_frames(dns_exchange(v4, CLIENT4, SERVER4, 33018), vlans=[(0x88a8, 10), (0x8100, 20)]))
    return cap.add_all(eth_frames(http_v4(40018), vlans=[(0x9100, 1), (0x88a8, 2), (0x8100, 3)]))


def pppoe(to_server, l3, proto=None):
    l3 = bytes(l3)
    if proto is None:
        proto = 0x0057 if l3[0] >> 4 == 6 else 0x0021
    body = struct.pack(">H", proto) + l3
    return ether(struct.pack(">BBHH", 0x11, 0, 0x2a, len(body)) + body, to_server, 0x8864)


@capture("pppoe.pcap")
def pppoe_cap():
    """PPPoE: discovery (PADI, PADO: not IP), an LCP echo in the session (not
    IP), then an HTTP session over IPv4 and DNS over IPv6, session 0x2a."""
    cap = Pcap(LT_ETHERNET)
    cap.add(ether(b"\x11\x09\x00\x00\x00\x04\x01\x01\x00\x00", True, 0x8863))
    cap.add(ether(b"\x11\x07\x00\x00\x00\x04\x01\x01\x00\x00", False, 0x8863))
    cap.add(pppoe(True, b"\x09\x01\x00\x08\x00\x00\x00\x00", 0xc021))
    cap.add_all(frames(http_v4(40019), pppoe))
    return cap.add_all(frames(dns_exchange(v6, CLIENT6, SERVER6, 33019), pppoe))


@capture("mpls.pcap")
def mpls_cap():
    """MPLS: an HTTP session under one label (100); DNS over IPv6 under a
    two-label stack (200, 300); an Ethernet pseudowire (control word) carrying
    a DNS exchange over IPv4."""
    cap = Pcap(LT_ETHERNET)
    cap.add_all(frames(http_v4(40020), lambda d, b: ether(bytes(MPLS(label=100, s=1, ttl=64)) + b, d, 0x8847)))
    cap.add_all(frames(dns_exchange(v6, CLIENT6, SERVER6, 33020),
                       lambda d, b: ether(bytes(MPLS(label=200, s=0) / MPLS(label=300, s=1)) + b, d, 0x8847)))
    cap.add_all(frames(dns_exchange(v4, "10.9.0.1", "10.9.0.53", 33021),
                       lambda d, b: ether(bytes(MPLS(label=400, s=1)) + b"\0\0\0\0" + ether(b, d), d, 0x8847)))
    return cap


# ---------------------------------------------------------------- tunnels

GRE_A, GRE_B = "203.0.113.1", "203.0.113.2"
INNER_C, INNER_S = "10.1.0.1", "10.2.0.2"


def gre_frames(pairs, proto, gre_kw=None, inner=lambda d, b: Raw(b), outer6=False):
    gre_kw = gre_kw or {}

    def wrap(d, l3):
        a, b = (GRE_A, GRE_B) if d else (GRE_B, GRE_A)
        outer = ip6("2001:db8:ffff::1" if d else "2001:db8:ffff::2",
                    "2001:db8:ffff::2" if d else "2001:db8:ffff::1") if outer6 else ip4(a, b)
        return ether(bytes(outer / GRE(proto=proto, **gre_kw) / inner(d, l3)), d)
    return frames(pairs, wrap)


@capture("gre-ipv4.pcap")
def gre_ipv4():
    """GRE (v0, no options) between 203.0.113.1 and .2 carrying an HTTP session
    10.1.0.1:40021 -> 10.2.0.2:80."""
    return Pcap(LT_ETHERNET).add_all(gre_frames(tcp_session(v4, INNER_C, INNER_S, 40021, 80), 0x0800))


@capture("gre-ipv6.pcap")
def gre_ipv6():
    """GRE with checksum, key 0x1001 and sequence over IPv4 carrying a DNS
    exchange over IPv6; and GRE over IPv6 (2001:db8:ffff::1/::2) carrying an
    HTTP session over IPv4."""
    cap = Pcap(LT_ETHERNET)
    cap.add_all(gre_frames(dns_exchange(v6, "2001:db8:a::1", "2001:db8:b::53", 33022), 0x86dd,
                           dict(chksum_present=1, key_present=1, key=0x1001, seqnum_present=1,
                                sequence_number=1)))
    return cap.add_all(gre_frames(tcp_session(v4, INNER_C, INNER_S, 40022, 80), 0x0800, outer6=True))


@capture("gre-ethernet.pcap")
def gre_ethernet():
    """GRE transparent Ethernet bridging (0x6558, key 42) carrying an HTTP
    session in VLAN 300; and a WCCP GRE packet (protocol 0x883e, not decoded:
    a flow of IP protocol 47 between the outer addresses)."""
    cap = Pcap(LT_ETHERNET)
    cap.add_all(gre_frames(tcp_session(v4, INNER_C, INNER_S, 40023, 80), 0x6558,
                           dict(key_present=1, key=42),
                           inner=lambda d, b: Raw(ether(b, d, vlans=[(0x8100, 300)]))))
    cap.add(ether(bytes(ip4("192.0.2.99", "192.0.2.98") / GRE(proto=0x883e) / Raw(b"\0" * 4 + b"wccp"))))
    return cap


@capture("gre-pptp.pcap")
def gre_pptp():
    """PPTP enhanced GRE (v1, call id 0x1234) carrying PPP: an HTTP session
    over IPv4; also an acknowledgment-only GRE packet (no payload)."""
    def wrap(d, l3):
        a, b = (GRE_A, GRE_B) if d else (GRE_B, GRE_A)
        ppp = b"\xff\x03\x00\x21" + l3
        return ether(bytes(ip4(a, b) / GRE_PPTP(seqnum_present=1, acknum_present=1, call_id=0x1234,
                                                 sequence_number=1, ack_number=1) / Raw(ppp)), d)
    cap = Pcap(LT_ETHERNET).add_all(frames(tcp_session(v4, INNER_C, INNER_S, 40024, 80), wrap))
    return cap.add(ether(bytes(ip4(GRE_B, GRE_A) / GRE_PPTP(acknum_present=1, call_id=0x1234,
                                                             ack_number=9)), False))


@capture("vxlan.pcap")
def vxlan():
    """VXLAN (UDP 4789, VNI 4242) between 172.16.0.1 and .2 carrying an HTTP
    session 10.1.0.1:40025 -> 10.2.0.2:80 in inner VLAN 7."""
    def wrap(d, l3):
        a, b = ("172.16.0.1", "172.16.0.2") if d else ("172.16.0.2", "172.16.0.1")
        return ether(bytes(ip4(a, b) / UDP(sport=50000 if d else 50001, dport=4789)
                           / VXLAN(flags=0x08, vni=4242) / Raw(ether(l3, d, vlans=[(0x8100, 7)]))), d)
    return Pcap(LT_ETHERNET).add_all(frames(tcp_session(v4, INNER_C, INNER_S, 40025, 80), wrap))


@capture("gtpu.pcap")
def gtpu():
    """GTP-U (UDP 2152) between eNodeB 10.0.0.1 and SGW 10.0.0.2: a UE
    (10.45.0.2) DNS exchange in plain G-PDUs, an HTTP session over IPv6 in
    G-PDUs with sequence numbers and a PDU-session extension header, and an
    echo request/response (not decapsulated: a UDP flow 2152 <-> 2152)."""
    def wrap(seq, ext):
        def w(d, l3):
            a, b = ("10.0.0.1", "10.0.0.2") if d else ("10.0.0.2", "10.0.0.1")
            teid = 0x100 if d else 0x200
            if ext:
                hdr = struct.pack(">BBHIHBB", 0x34 | (0x02 if seq else 0), 0xff, 0, teid, 7, 0, 0x85)
                hdr += b"\x01\x00\x09\x00"                      # PDU session container, ends chain
            else:
                hdr = struct.pack(">BBHI", 0x30, 0xff, 0, teid)
            hdr = hdr[:2] + struct.pack(">H", len(hdr) - 8 + len(l3)) + hdr[4:]
            return ether(bytes(ip4(a, b) / UDP(sport=2152, dport=2152) / Raw(hdr + l3)), d)
        return w
    cap = Pcap(LT_ETHERNET)
    cap.add_all(frames(dns_exchange(v4, "10.45.0.2", "8.8.8.8", 33026), wrap(False, False)))
    cap.add_all(frames(tcp_session(v6, "2001:db8:45::2", SERVER6, 40026, 80), wrap(True, True)))
    cap.add(ether(bytes(ip4("10.0.0.1", "10.0.0.2") / UDP(sport=2152, dport=2152)
                        / GTP_U_Header(gtp_type=1, teid=0, S=1, seq=1))))
    cap.add(ether(bytes(ip4("10.0.0.2", "10.0.0.1") / UDP(sport=2152, dport=2152)
                        / GTP_U_Header(gtp_type=2, teid=0, S=1, seq=1) / Raw(b"\x0e\x00")), False))
    return cap


def ipip_capture(outer, inner):
    oa, ob = ("203.0.113.9", "203.0.113.10") if outer == 4 else ("2001:db8:1::9", "2001:db8:1::10")
    ipf, c, s = (v4, INNER_C, INNER_S) if inner == 4 else (v6, "2001:db8:c::1", "2001:db8:d::2")

    def wrap(d, l3):
        a, b = (oa, ob) if d else (ob, oa)
        proto = 4 if inner == 4 else 41
        o = ip4(a, b, proto=proto) if outer == 4 else ip6(a, b, nh=proto)
        return ether(bytes(o / Raw(l3)), d)
    return Pcap(LT_ETHERNET).add_all(frames(tcp_session(ipf, c, s, 40030 + outer * 10 + inner, 80), wrap))


@capture("ipip-4in4.pcap")
def ipip_4in4():
    """IPv4 in IPv4 (protocol 4), 203.0.113.9 <-> .10: HTTP 10.1.0.1:40074 -> 10.2.0.2:80."""
    return ipip_capture(4, 4)


@capture("ipip-6in4.pcap")
def ipip_6in4():
    """IPv6 in IPv4 (protocol 41), 203.0.113.9 <-> .10: HTTP 2001:db8:c::1:40076 -> 2001:db8:d::2:80."""
    return ipip_capture(4, 6)


@capture("ipip-4in6.pcap")
def ipip_4in6():
    """IPv4 in IPv6 (next header 4), 2001:db8:1::9 <-> ::10: HTTP 10.1.0.1:40094 -> 10.2.0.2:80."""
    return ipip_capture(6, 4)


@capture("ipip-6in6.pcap")
def ipip_6in6():
    """IPv6 in IPv6 (next header 41), 2001:db8:1::9 <-> ::10: HTTP 2001:db8:c::1:40096 -> 2001:db8:d::2:80."""
    return ipip_capture(6, 6)


TEREDO_CLIENT = "2001:0:4136:e378:8000:63bf:3fff:fdd2"
TEREDO_PEER = "2001:db8:80::80"


@capture("teredo.pcap")
def teredo():
    """Teredo (UDP 3544) between client 192.0.2.45:50001 and relay
    198.51.100.7:3544: a bubble with origin indication (IPv6 proto 59), an
    ICMPv6 echo with an authentication header, and an HTTP session over IPv6
    from the Teredo client to 2001:db8:80::80, the relay's packets carrying an
    origin indication."""
    def wrap(d, l3, auth=False):
        origin = b"" if d else b"\x00\x00" + struct.pack(">H", 0xffff ^ 3544) + bytes(
            x ^ 0xff for x in bytes([198, 51, 100, 7]))
        hdr = (b"\x00\x01\x00\x00" + b"\x11" * 8 + b"\x00") if auth else b""
        udp = UDP(sport=50001, dport=3544) if d else UDP(sport=3544, dport=50001)
        a, b = ("192.0.2.45", "198.51.100.7") if d else ("198.51.100.7", "192.0.2.45")
        return ether(bytes(ip4(a, b) / udp / Raw(hdr + origin + l3)), d)
    cap = Pcap(LT_ETHERNET)
    cap.add(wrap(False, bytes(ip6(TEREDO_PEER, TEREDO_CLIENT, nh=59))))
    cap.add(wrap(True, bytes(ip6(TEREDO_CLIENT, TEREDO_PEER) / ICMPv6EchoRequest(id=1, seq=1)), auth=True))
    cap.add(wrap(False, bytes(ip6(TEREDO_PEER, TEREDO_CLIENT) / ICMPv6EchoReply(id=1, seq=1))))
    return cap.add_all(frames(tcp_session(v6, TEREDO_CLIENT, TEREDO_PEER, 40027, 80), wrap))


# ---------------------------------------------------------------- IP options and extension headers

@capture("ipv4-options.pcap")
def ipv4_options():
    """IPv4 with options: an HTTP session whose SYN carries record-route and
    router-alert options (header length 36 and 24)."""
    pairs = http_v4(40028)
    pairs[0][1][IP].options = [IPOption_RR(routers=["0.0.0.0"] * 3), IPOption_Router_Alert()]
    pairs[1][1][IP].options = [IPOption_Router_Alert()]
    return Pcap(LT_ETHERNET).add_all(eth_frames(pairs))


@capture("ipv6-exthdrs.pcap")
def ipv6_exthdrs():
    """IPv6 extension headers: an HTTP session whose packets carry hop-by-hop,
    destination options and a routing header (type 0, segments left 0) before
    TCP; and an ESP packet (next header 50, a flow of protocol 50)."""
    def ext(src, dst):
        return (ip6(src, dst) / IPv6ExtHdrHopByHop() / IPv6ExtHdrDestOpt()
                / IPv6ExtHdrRouting(addresses=[], segleft=0))
    cap = Pcap(LT_ETHERNET).add_all(eth_frames(tcp_session(ext, CLIENT6, SERVER6, 40029, 80)))
    esp = ip6(CLIENT6, "2001:db8:e::1", nh=50) / Raw(struct.pack(">II", 0x1001, 1) + b"\xaa" * 32)
    return cap.add(ether(bytes(esp)))


# ---------------------------------------------------------------- fragments

def frag_udp_datagram(sport, dport, size, ident, c=CLIENT4, s=SERVER4):
    data = bytes((i * 7 + 3) & 0xff for i in range(size))
    return ip4(c, s, id=ident) / UDP(sport=sport, dport=dport) / Raw(data)


@capture("frag-ipv4-inorder.pcap")
def frag_ipv4_inorder():
    """A 3000-byte UDP datagram 192.0.2.10:5001 -> 198.51.100.20:9001 in three
    IPv4 fragments (1480, 1480, 48 bytes of data), in order."""
    pkt = frag_udp_datagram(5001, 9001, 3000, 101)
    return Pcap(LT_ETHERNET).add_all(ether(bytes(f)) for f in ipv4_fragments(pkt, [1480, 1480, 48]))


@capture("frag-ipv4-outoforder.pcap")
def frag_ipv4_outoforder():
    """A UDP datagram 5002 -> 9002 in four fragments sent last first (3, 1, 0,
    2), followed by a TCP SYN fragmented in two, second half first."""
    pkt = frag_udp_datagram(5002, 9002, 2000, 102)
    cap = Pcap(LT_ETHERNET).add_all(ether(bytes(f)) for f in ipv4_fragments(pkt, [512, 512, 512, 472],
                                                                          order=[3, 1, 0, 2]))
    syn = ip4(CLIENT4, SERVER4, id=103) / TCP(sport=40030, dport=443, flags="S", seq=1,
                                              options=[("MSS", 1460), ("NOP", None), ("WScale", 7),
                                                       ("SAckOK", b""), ("NOP", None), ("NOP", None)])
    return cap.add_all(ether(bytes(f)) for f in ipv4_fragments(syn, [16, 16], order=[1, 0]))


@capture("frag-ipv4-overlap.pcap")
def frag_ipv4_overlap():
    """Overlapping IPv4 fragments with conflicting data (UDP 5003 -> 9003):
    fragment 0 has bytes 0-23 ("benign" payload), fragment 1 overlaps 16-39
    with different bytes ("EVIL"), fragment 2 ends the datagram at 48. With
    first-wins reassembly the payload reads BENIGN-PAYLOAD-... at 8-23: one
    overlap, one conflict."""
    udp = bytes(UDP(sport=5003, dport=9003, len=48, chksum=0) / Raw(b"BENIGN-PAYLOAD-!" + b"B" * 24))
    evil = b"EVIL" * 6
    frags = [ip4(CLIENT4, SERVER4, id=104, proto=17, flags="MF", frag=0) / Raw(udp[:24]),
             ip4(CLIENT4, SERVER4, id=104, proto=17, flags="MF", frag=2) / Raw(evil),
             ip4(CLIENT4, SERVER4, id=104, proto=17, frag=5) / Raw(udp[40:48])]
    return Pcap(LT_ETHERNET).add_all(ether(bytes(f)) for f in frags)


@capture("frag-ipv4-incomplete.pcap")
def frag_ipv4_incomplete():
    """The first fragment of a UDP datagram 5004 -> 9004 whose rest never comes;
    120 s later (past the 60 s reassembly timeout) a DNS exchange. Only the DNS
    flow exists; the held datagram times out."""
    pkt = frag_udp_datagram(5004, 9004, 2000, 105)
    cap = Pcap(LT_ETHERNET).add(ether(bytes(ipv4_fragments(pkt, [1480, 528])[0])))
    cap.wait(120)
    return cap.add_all(eth_frames(dns_exchange(v4, CLIENT4, SERVER4, 33031)))


@capture("frag-ipv4-tiny.pcap")
def frag_ipv4_tiny():
    """The tiny-fragment attack (RFC 1858): a TCP SYN to port 23 whose first
    fragment holds only the 8 bytes with the ports and sequence number, the
    flags coming in the second fragment. Reassembled: one TCP flow
    192.0.2.66:40031 -> 198.51.100.20:23 with a SYN."""
    syn = ip4("192.0.2.66", SERVER4, id=106) / TCP(sport=40031, dport=23, flags="S", seq=7) / Raw(b"x" * 8)
    return Pcap(LT_ETHERNET).add_all(ether(bytes(f)) for f in ipv4_fragments(syn, [8, 28]))


@capture("frag-ipv6.pcap")
def frag_ipv6():
    """IPv6 fragments: a 3000-byte UDP datagram 2001:db8:1::10:5005 ->
    2001:db8:2::20:9005 with a hop-by-hop header before the fragment header,
    three fragments in order; and a 2000-byte one (5006 -> 9006) in two
    fragments, last first."""
    cap = Pcap(LT_ETHERNET)
    for sport, size, ident, order in ((5005, 3000, 0x10000001, None), (5006, 2000, 0x10000002, [1, 0])):
        data = bytes((i * 11 + 1) & 0xff for i in range(size))
        full = ip6(CLIENT6, SERVER6) / UDP(sport=sport, dport=sport + 4000) / Raw(data)
        raw = bytes(full[UDP])
        sizes = [1232] * (len(raw) // 1232) + [len(raw) % 1232]
        frags, off = [], 0
        for i, n in enumerate(sizes):
            last = i == len(sizes) - 1
            frags.append(ip6(CLIENT6, SERVER6) / IPv6ExtHdrHopByHop()
                         / IPv6ExtHdrFragment(nh=17, offset=off // 8, m=0 if last else 1, id=ident)
                         / Raw(raw[off:off + n]))
            off += n
        for i in order or range(len(frags)):
            cap.add(ether(bytes(frags[i])))
    return cap


# ---------------------------------------------------------------- transport

@capture("tcp-handshake-close.pcap")
def tcp_close():
    """A full TCP session: handshake, HTTP request and response, FIN from both
    sides, final ACK."""
    return Pcap(LT_ETHERNET).add_all(eth_frames(http_v4(40032)))


@capture("tcp-rst.pcap")
def tcp_rst():
    """A TCP session reset by the server after the request; and a SYN to a
    closed port (40034 -> 8080) answered by RST/ACK."""
    cap = Pcap(LT_ETHERNET).add_all(eth_frames(tcp_session(v4, CLIENT4, SERVER4, 40033, 80, end="rst")))
    cap.add(ether(bytes(v4(CLIENT4, SERVER4) / TCP(sport=40034, dport=8080, flags="S", seq=1))))
    return cap.add(ether(bytes(v4(SERVER4, CLIENT4) / TCP(sport=8080, dport=40034, flags="RA", seq=0, ack=2)),
                         False))


@capture("tcp-midstream.pcap")
def tcp_midstream():
    """A TCP session picked up without its handshake: request from the client
    first, response, FIN exchange."""
    return Pcap(LT_ETHERNET).add_all(eth_frames(tcp_session(v4, CLIENT4, SERVER4, 40035, 80,
                                                            handshake=False)))


@capture("udp-dns.pcap")
def udp_dns():
    """UDP DNS: an A query and response over IPv4 (33036 -> 53), an AAAA
    query and response over IPv6 (33037 -> 53)."""
    cap = Pcap(LT_ETHERNET).add_all(eth_frames(dns_exchange(v4, CLIENT4, "192.0.2.53", 33036)))
    q = DNS(id=7, rd=1, qd=DNSQR(qname="www.example.com", qtype="AAAA"))
    r = DNS(id=7, qr=1, rd=1, ra=1, qd=DNSQR(qname="www.example.com", qtype="AAAA"),
            an=DNSRR(rrname="www.example.com", type="AAAA", ttl=300, rdata="2001:db8::80"))
    cap.add(ether(bytes(v6(CLIENT6, "2001:db8::53") / UDP(sport=33037, dport=53) / q)))
    return cap.add(ether(bytes(v6("2001:db8::53", CLIENT6) / UDP(sport=53, dport=33037) / r), False))


@capture("icmp-echo.pcap")
def icmp_echo():
    """ICMP echo request and reply, three times (id 0x4242, seq 1-3)."""
    cap = Pcap(LT_ETHERNET)
    for seq in range(1, 4):
        cap.add(ether(bytes(v4(CLIENT4, SERVER4) / ICMP(type=8, id=0x4242, seq=seq) / Raw(b"ping" * 8))))
        cap.add(ether(bytes(v4(SERVER4, CLIENT4) / ICMP(type=0, id=0x4242, seq=seq) / Raw(b"ping" * 8)),
                      False))
    return cap


@capture("icmpv6.pcap")
def icmpv6():
    """ICMPv6: a neighbor solicitation, then echo request and reply twice."""
    cap = Pcap(LT_ETHERNET)
    cap.add(ether(bytes(ip6(CLIENT6, "ff02::1:ff00:20", hlim=255) / ICMPv6ND_NS(tgt=SERVER6))))
    for seq in (1, 2):
        cap.add(ether(bytes(v6(CLIENT6, SERVER6) / ICMPv6EchoRequest(id=7, seq=seq, data=b"ping"))))
        cap.add(ether(bytes(v6(SERVER6, CLIENT6) / ICMPv6EchoReply(id=7, seq=seq, data=b"ping")), False))
    return cap


@capture("sctp.pcap")
def sctp():
    """SCTP association 192.0.2.10:36412 -> 198.51.100.20:36412 (S1AP port):
    INIT, INIT-ACK, COOKIE-ECHO, COOKIE-ACK, DATA, SACK."""
    c, s = CLIENT4, SERVER4

    def pkt(d, tag, chunk):
        src, dst = (c, s) if d else (s, c)
        return ether(bytes(v4(src, dst) / SCTP(sport=36412, dport=36412, tag=tag) / chunk), d)
    cap = Pcap(LT_ETHERNET)
    cap.add(pkt(True, 0, SCTPChunkInit(init_tag=0x11111111, a_rwnd=65536, n_out_streams=2,
                                       n_in_streams=2, init_tsn=1)))
    cap.add(pkt(False, 0x11111111, SCTPChunkInitAck(init_tag=0x22222222, a_rwnd=65536, n_out_streams=2,
                                                    n_in_streams=2, init_tsn=1)))
    cap.add(pkt(True, 0x22222222, SCTPChunkCookieEcho(cookie=b"cookie!!")))
    cap.add(pkt(False, 0x11111111, SCTPChunkCookieAck()))
    cap.add(pkt(True, 0x22222222, SCTPChunkData(tsn=1, stream_id=0, stream_seq=0, proto_id=18,
                                                data=b"\x00\x11\x00\x2c" + b"\0" * 12)))
    return cap.add(pkt(False, 0x11111111, SCTPChunkSACK(cumul_tsn_ack=1, a_rwnd=65536)))


# ---------------------------------------------------------------- malformed

@capture("malformed.pcap")
def malformed():
    """One malformed packet per decoder check, then one valid DNS exchange
    (the only flow): IPv4 IHL 3, total length past the frame, total length
    below the header, bad option length, TCP header cut by the IP length, TCP
    data offset 3, UDP length 4, IPv6 payload length past the frame, a
    truncated VLAN tag, GRE version 3, an IPv6 chain of nine extension headers,
    and an ARP request (not IP: counted, not an error)."""
    good = bytes(v4(CLIENT4, SERVER4) / TCP(sport=1, dport=2, flags="S"))

    def patch(b, off, val):
        return b[:off] + val + b[off + len(val):]
    bad = [
        patch(good, 0, b"\x43"),                                   # IHL 3
        patch(good, 2, struct.pack(">H", 200)),                    # total length past the frame
        patch(good, 2, struct.pack(">H", 12)),                     # below the header
        bytes(IP(src=CLIENT4, dst=SERVER4, options=[IPOption_Router_Alert()]) / TCP())[:20]
        + b"\x94\x09\x00\x00" + bytes(TCP()),                      # option length 9 > header
        patch(good, 2, struct.pack(">H", 30))[:30],               # 10 bytes of TCP header
        patch(good, 32, b"\x30"),                                  # data offset 3
        bytes(v4(CLIENT4, SERVER4) / UDP(sport=1, dport=2, len=4) / Raw(b"abcd")),
        patch(bytes(v6(CLIENT6, SERVER6) / UDP(sport=1, dport=2)), 4, struct.pack(">H", 500)),
        bytes(ip4(GRE_A, GRE_B, proto=47) / Raw(b"\x00\x03\x08\x00" + good)),  # GRE version 3
        bytes(ip6(CLIENT6, SERVER6, nh=60) / Raw(b"".join(bytes([60 if i < 8 else 6, 0]) + b"\x01\x04"
                                                          + b"\0" * 4 for i in range(9)))),
    ]
    cap = Pcap(LT_ETHERNET)
    for b in bad:
        cap.add(ether(b))
    cap.add(MAC_S + MAC_C + b"\x81\x00\x00")                       # VLAN tag cut after 1 byte
    cap.add(ether(b"\x00\x01\x08\x00\x06\x04\x00\x01" + MAC_C + bytes([192, 0, 2, 10]) + b"\0" * 6
                  + bytes([198, 51, 100, 20]), True, 0x0806))
    return cap.add_all(eth_frames(dns_exchange(v4, CLIENT4, SERVER4, 33040)))


# ---------------------------------------------------------------- main

def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        for name, fn in sorted(CAPTURES.items()):
            print("%-32s %s" % (name, " ".join((fn.__doc__ or "").split())[:100]))
        return 0
    if len(argv) < 2 or argv[1].startswith("-"):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        print("usage: make-captures.py OUTDIR [NAME...] | --list", file=sys.stderr)
        return 2
    outdir, names = argv[1], argv[2:] or sorted(CAPTURES)
    unknown = [n for n in names if n not in CAPTURES]
    if unknown:
        print("make-captures.py: unknown capture(s): %s (see --list)" % ", ".join(unknown), file=sys.stderr)
        return 2
    os.makedirs(outdir, exist_ok=True)
    for name in names:
        data = CAPTURES[name]().to_bytes()
        tmp = os.path.join(outdir, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, os.path.join(outdir, name))
        print(name)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
