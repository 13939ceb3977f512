#!/usr/bin/python3
"""make-volume-captures.py OUTDIR [NAME...] - high-volume attack traffic for the collector.

Four captures, volume-1.pcap .. volume-4.pcap, one per sensor site, each raising
roughly 50,000-60,000 alerts with the shipped ruleset (rules/*.rules) and the
HOME_NET the tests use ([10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fd00::/8]).
tests/integration/test_collector_truth.py replays them through four sensors into
Redis; tools/bench-collector.sh uses them as its realistic data.

What is inside is what an Internet-facing sensor mostly alerts on: scans and floods,
where one source raises thousands of alerts of one signature against one site:

  port scans      masscan-like SYNs to thousands of ports of a few hosts, ports in a
                  shuffled order (sid 9102000 on every SYN after the 20th port, plus
                  9101300 for the ICS ports among them, 9103000 once per 10 s)
  host sweeps     SYNs to one port (telnet, SMB, RDP, SSH) of thousands of addresses of
                  the site's /16 (9102020)
  ICMP sweeps     IPv4 echo requests to thousands of addresses (9102022), and ICMPv6
                  echo requests from an IPv6 source to the site's fd00:: hosts (9102023)
  UDP scans       empty datagrams to thousands of ports of one host (9102030)
  SYN flood       a distributed flood from spoofed, random sources all over IPv4 to one
                  web server (9103001): every alert has another source, the worst case
                  for aggregation
  DNS reflection  ANY responses from hundreds of open resolvers to one victim (9103200)

Site k (1..4) owns 10.(10+k).0.0/16 and fd00:k::/64; its attackers and the start of
each activity within the three hours after BASE_US differ per site. Everything is
deterministic: a seeded PRNG per site, fixed steps, our own pcap writer; the same
script always writes the same bytes. Packets are built with struct (scapy would take
minutes for a million packets).

Usage: make-volume-captures.py OUTDIR            writes every capture
       make-volume-captures.py OUTDIR NAME ...   writes only those (volume-2 ...)
       make-volume-captures.py --list            names and one-line descriptions
"""
import calendar
import heapq
import os
import random
import socket
import struct
import sys

BASE_US = calendar.timegm((2026, 3, 2, 8, 0, 0)) * 1000000   # 2026-03-02T08:00:00Z, like the ruleset captures
SITES = 4
ETH_V4 = b"\x02\x00\x00\x00\x00\x02" + b"\x02\x00\x00\x00\x00\x01" + b"\x08\x00"
ETH_V6 = ETH_V4[:12] + b"\x86\xdd"


# ------------------------------------------------------------------ packets

def checksum(data):
    if len(data) % 2:
        data += b"\x00"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def ipv4(src, dst, proto, payload, ident=1):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    hdr = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), ident, 0, 64, proto, 0, s, d)
    hdr = hdr[:10] + struct.pack("!H", checksum(hdr)) + hdr[12:]
    return ETH_V4 + hdr + payload, s, d


def ipv6(src, dst, nh, payload):
    s, d = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    return ETH_V6 + struct.pack("!IHBB16s16s", 0x60000000, len(payload), nh, 64, s, d) + payload, s, d


def transport_sum(s, d, proto, seg):
    pseudo = s + d + (struct.pack("!BBH", 0, proto, len(seg)) if len(s) == 4 else struct.pack("!I3xB", len(seg), proto))
    return checksum(pseudo + seg)


def tcp_syn(src, dst, sport, dport, seq):
    seg = struct.pack("!HHIIBBHHH", sport, dport, seq, 0, 5 << 4, 0x02, 1024, 0, 0)
    if ":" in src:
        frame, s, d = ipv6(src, dst, 6, seg)
    else:
        frame, s, d = ipv4(src, dst, 6, seg, ident=seq & 0xffff)
    c = transport_sum(s, d, 6, seg)
    return frame[:-4] + struct.pack("!H", c) + frame[-2:]


def udp(src, dst, sport, dport, payload):
    seg = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    frame, s, d = ipv4(src, dst, 17, seg)
    c = transport_sum(s, d, 17, seg) or 0xffff
    off = len(frame) - len(seg) + 6
    return frame[:off] + struct.pack("!H", c) + frame[off + 2:]


def icmp_echo(src, dst, ident, seq):
    msg = struct.pack("!BBHHH", 8, 0, 0, ident, seq) + b"\x00" * 32
    msg = msg[:2] + struct.pack("!H", checksum(msg)) + msg[4:]
    return ipv4(src, dst, 1, msg)[0]


def icmp6_echo(src, dst, ident, seq):
    msg = struct.pack("!BBHHH", 128, 0, 0, ident, seq) + b"\x00" * 16
    frame, s, d = ipv6(src, dst, 58, msg)
    c = transport_sum(s, d, 58, msg)
    off = len(frame) - len(msg) + 2
    return frame[:off] + struct.pack("!H", c) + frame[off + 2:]


def dns_any_response(qid):
    """A large DNS ANY answer for example.org (what an open resolver reflects)."""
    name = b"\x07example\x03org\x00"
    msg = struct.pack("!HHHHHH", qid, 0x8180, 1, 24, 0, 0) + name + struct.pack("!HH", 255, 1)
    for i in range(24):
        txt = b"v=spf1 include:_spf%02d.example.org ~all padding" % i
        msg += b"\xc0\x0c" + struct.pack("!HHIH", 16, 1, 3600, len(txt) + 1) + bytes([len(txt)]) + txt
    return msg


# ------------------------------------------------------------------ activities
# Each returns a time-ordered list of (t_us, frame); the site merges them.

def port_scan(t, att, host, ports, pps):
    step = 1000000 // pps
    return [(t + i * step, tcp_syn(att, host, 40000 + i % 20000, p, 7000 + i)) for i, p in enumerate(ports)]


def host_sweep(t, att, hosts, port, pps):
    step = 1000000 // pps
    return [(t + i * step, tcp_syn(att, h, 50000 + i % 10000, port, 9000 + i)) for i, h in enumerate(hosts)]


def icmp_sweep(t, att, hosts, pps):
    step = 1000000 // pps
    return [(t + i * step, icmp_echo(att, h, 77, i & 0xffff)) for i, h in enumerate(hosts)]


def icmp6_sweep(t, att, hosts, pps):
    step = 1000000 // pps
    return [(t + i * step, icmp6_echo(att, h, 78, i & 0xffff)) for i, h in enumerate(hosts)]


def udp_scan(t, att, host, ports, pps):
    step = 1000000 // pps
    return [(t + i * step, udp(att, host, 41000, p, b"")) for i, p in enumerate(ports)]


def syn_flood(t, rng, victim, n, pps):
    step = 1000000 // pps
    out = []
    for i in range(n):
        src = "%d.%d.%d.%d" % (rng.randrange(1, 224), rng.randrange(256), rng.randrange(256), rng.randrange(1, 255))
        if src.startswith(("10.", "127.")):
            src = "100" + src[src.index("."):]
        out.append((t + i * step, tcp_syn(src, victim, 1024 + rng.randrange(60000), 80, rng.randrange(1 << 32))))
    return out


def dns_reflection(t, reflectors, victim, n, pps):
    step = 1000000 // pps
    answer = dns_any_response(0x4242)
    return [(t + i * step, udp(reflectors[i % len(reflectors)], victim, 53, 30000 + i % 1000, answer))
            for i in range(n)]


def site(k):
    """The packets of site k (1..SITES), time-ordered."""
    rng = random.Random(1000 + k)
    net = "10.%d" % (10 + k)
    t0 = BASE_US + (k - 1) * 7 * 60 * 1000000            # sites start a few minutes apart
    minute = 60 * 1000000

    def attacker():
        return "%d.%d.%d.%d" % (rng.choice([45, 89, 185, 193, 5, 91, 141]), rng.randrange(256), rng.randrange(256),
                                rng.randrange(1, 255))

    def hosts(n, third_lo=0):
        return ["%s.%d.%d" % (net, third_lo + i // 250, 1 + i % 250) for i in range(n)]

    acts = []
    # port scans: three scanners, one or two hosts each, 4,000-9,000 ports in shuffled order
    for j in range(3):
        att = attacker()
        for h in range(1 + j % 2):
            ports = list(range(1, 4000 + 1000 * ((k + j) % 6)))
            rng.shuffle(ports)
            acts.append(port_scan(t0 + (5 + 40 * j + 3 * h) * minute, att, "%s.0.%d" % (net, 10 + j * 2 + h),
                                  ports, 2000))
    # host sweeps of the site's /16 on admin and IoT ports
    for j, port in enumerate([23, 445, 3389, 22]):
        att = attacker()
        acts.append(host_sweep(t0 + (20 + 35 * j) * minute, att, hosts(2500 + 500 * ((k + j) % 3), 4), port, 1000))
    # ICMP sweeps, IPv4 and IPv6
    acts.append(icmp_sweep(t0 + 70 * minute, attacker(), hosts(4000, 40), 1000))
    acts.append(icmp6_sweep(t0 + 95 * minute, "2001:db8:%x::66" % (0xbad0 + k),
                            ["fd00:%x::%x" % (k, 0x100 + i) for i in range(2000)], 500))
    # a UDP scan
    ports = list(range(1000, 1000 + 3000))
    rng.shuffle(ports)
    acts.append(udp_scan(t0 + 110 * minute, attacker(), "%s.2.53" % net, ports, 1000))
    # a distributed SYN flood from spoofed sources
    acts.append(syn_flood(t0 + 130 * minute, rng, "%s.2.80" % net, 6000, 1000))
    # DNS ANY reflection from open resolvers
    reflectors = ["%d.%d.%d.53" % (rng.choice([31, 62, 77, 188, 212]), rng.randrange(256), rng.randrange(256))
                  for _ in range(400)]
    acts.append(dns_reflection(t0 + 150 * minute, reflectors, "%s.3.7" % net, 2000, 500))
    return heapq.merge(*acts, key=lambda x: x[0])


def write_pcap(path, packets):
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        for t, data in packets:
            f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(data), len(data)))
            f.write(data)


CASES = {"volume-%d" % k: k for k in range(1, SITES + 1)}


def main(argv):
    if len(argv) == 2 and argv[1] == "--list":
        for name, k in CASES.items():
            print("%s.pcap\tsite %d: port scans, host sweeps, ICMP/ICMPv6 sweeps, a UDP scan, a spoofed SYN flood, "
                  "DNS reflection (10.%d.0.0/16)" % (name, k, 10 + k))
        return 0
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    out = argv[1]
    os.makedirs(out, exist_ok=True)
    names = [n.replace(".pcap", "") for n in argv[2:]] or list(CASES)
    for n in names:
        if n not in CASES:
            sys.stderr.write("make-volume-captures.py: unknown capture %r (see --list)\n" % n)
            return 2
        write_pcap(os.path.join(out, n + ".pcap"), site(CASES[n]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
