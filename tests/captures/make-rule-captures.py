#!/usr/bin/python3
"""make-rule-captures.py OUTDIR - writes the small captures the rule tests replay.

Each capture is one function registered with @capture("name.pcap") whose
docstring says what is inside; tests/integration/test_rules_*.py say which
rules must fire on it and how often. Everything is deterministic: fixed
addresses, ports, sequence numbers and timestamps (BASE plus fixed steps),
so the same script always writes the same bytes.

Usage: make-rule-captures.py OUTDIR            writes every capture
       make-rule-captures.py OUTDIR a.pcap ... writes only those
       make-rule-captures.py --list            names and descriptions
"""
import os
import sys

import logging
logging.getLogger("scapy.runtime").setLevel(logging.ERROR)

from scapy.all import DNS, DNSQR, DNSRR, ICMP, IP, TCP, UDP, Ether, Raw, wrpcap  # noqa: E402
from scapy.layers.tls.all import TLS  # noqa: E402
from scapy.layers.tls.extensions import (ServerName, TLS_Ext_ServerName,  # noqa: E402
                                         TLS_Ext_SupportedGroups, TLS_Ext_SupportedPointFormat)
from scapy.layers.tls.handshake import TLSClientHello, TLSServerHello  # noqa: E402

BASE = 1700000000.0          # 2023-11-14T22:13:20Z
STEP = 0.01                  # 10 ms between packets unless a capture says otherwise
CLI_MAC, SRV_MAC = "02:00:00:00:00:01", "02:00:00:00:00:02"

CAPTURES = {}


def capture(name):
    def reg(fn):
        CAPTURES[name] = fn
        return fn
    return reg


class Clock:
    def __init__(self, start=BASE):
        self.t = start

    def tick(self, dt=STEP):
        self.t = round(self.t + dt, 6)
        return self.t


def stamp(pkt, t):
    pkt.time = t
    return pkt


class TcpSession:
    """A TCP conversation with correct sequence numbers, handshake and close."""

    def __init__(self, out, clock, cli, cport, srv, sport, seq_c=1000, seq_s=50000):
        self.out, self.clock = out, clock
        self.cli, self.cport, self.srv, self.sport = cli, cport, srv, sport
        self.seq_c, self.seq_s = seq_c, seq_s

    def _pkt(self, from_client, flags, data=b""):
        if from_client:
            ip = Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src=self.cli, dst=self.srv, ttl=64)
            tcp = TCP(sport=self.cport, dport=self.sport, flags=flags, seq=self.seq_c, ack=self.seq_s,
                      window=64240)
        else:
            ip = Ether(src=SRV_MAC, dst=CLI_MAC) / IP(src=self.srv, dst=self.cli, ttl=57)
            tcp = TCP(sport=self.sport, dport=self.cport, flags=flags, seq=self.seq_s, ack=self.seq_c,
                      window=65160)
        if "A" not in flags:
            tcp.ack = 0
        p = ip / tcp
        if data:
            p = p / Raw(data)
        self.out.append(stamp(p, self.clock.tick()))
        n = len(data) + (1 if ("S" in flags or "F" in flags) else 0)
        if from_client:
            self.seq_c += n
        else:
            self.seq_s += n

    def handshake(self):
        self._pkt(True, "S")
        self._pkt(False, "SA")
        self._pkt(True, "A")
        return self

    def c(self, data):
        self._pkt(True, "PA", data)
        self._pkt(False, "A")
        return self

    def s(self, data):
        self._pkt(False, "PA", data)
        self._pkt(True, "A")
        return self

    def close(self):
        self._pkt(True, "FA")
        self._pkt(False, "FA")
        self._pkt(True, "A")
        return self


def udp(clock, src, sport, dst, dport, payload, ttl=64, dt=STEP):
    p = Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src=src, dst=dst, ttl=ttl) / UDP(sport=sport, dport=dport)
    if isinstance(payload, bytes):
        p = p / Raw(payload)
    else:
        p = p / payload
    return stamp(p, clock.tick(dt))


def http_get(path, host, ua, method="GET", body=b""):
    head = "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: %s\r\nAccept: */*\r\n" % (method, path, host, ua)
    if body:
        head += "Content-Length: %d\r\n" % len(body)
    return head.encode() + b"\r\n" + body


def http_response(ctype, body):
    return ("HTTP/1.1 200 OK\r\nServer: test\r\nContent-Type: %s\r\nContent-Length: %d\r\n\r\n"
            % (ctype, len(body))).encode() + body


@capture("rules-http.pcap")
def rules_http():
    """Three HTTP/1.1 flows to port 80, each with a handshake, one request, one response
    and a close: 10.0.0.10 GET /admin/login.php?id=1 Host evil.example UA curl/8.4.0,
    answered with a Windows executable (MZ); 10.0.0.11 GET /index.html Host www.example.org
    with a browser UA; 10.0.0.12 POST /upload to the numeric host 203.0.113.7."""
    out, clk = [], Clock()
    TcpSession(out, clk, "10.0.0.10", 40001, "198.51.100.80", 80).handshake() \
        .c(http_get("/admin/login.php?id=1", "evil.example", "curl/8.4.0")) \
        .s(http_response("application/x-msdownload", b"MZ\x90\x00\x03\x00\x00\x00This program cannot be run in DOS mode")) \
        .close()
    TcpSession(out, clk, "10.0.0.11", 40002, "198.51.100.81", 80).handshake() \
        .c(http_get("/index.html", "www.example.org", "Mozilla/5.0 (X11; Linux x86_64)")) \
        .s(http_response("text/html", b"<html>hello</html>")) \
        .close()
    TcpSession(out, clk, "10.0.0.12", 40003, "203.0.113.7", 80).handshake() \
        .c(http_get("/upload", "203.0.113.7", "python-requests/2.31", method="POST", body=b"data=1")) \
        .s(http_response("text/plain", b"ok")) \
        .close()
    return out


@capture("rules-dns.pcap")
def rules_dns():
    """DNS over UDP from 10.0.0.20 to 10.0.0.53: queries (and answers) for c2.evil.example,
    www.example.org and update.evil.example, one flow each (source ports 50001-50003)."""
    out, clk = [], Clock()
    names = ["c2.evil.example", "www.example.org", "update.evil.example"]
    for i, name in enumerate(names):
        q = DNS(id=0x1000 + i, rd=1, qd=DNSQR(qname=name, qtype="A"))
        out.append(udp(clk, "10.0.0.20", 50001 + i, "10.0.0.53", 53, q))
        a = DNS(id=0x1000 + i, qr=1, rd=1, ra=1, qd=DNSQR(qname=name, qtype="A"),
                an=DNSRR(rrname=name, type="A", ttl=60, rdata="192.0.2.%d" % (10 + i)))
        p = Ether(src=SRV_MAC, dst=CLI_MAC) / IP(src="10.0.0.53", dst="10.0.0.20") / \
            UDP(sport=53, dport=50001 + i) / a
        out.append(stamp(p, clk.tick()))
    return out


def client_hello(sni):
    ext = []
    if sni:
        ext.append(TLS_Ext_ServerName(servernames=[ServerName(servername=sni.encode())]))
    ext += [TLS_Ext_SupportedGroups(groups=[29, 23]), TLS_Ext_SupportedPointFormat(ecpl=[0])]
    ch = TLSClientHello(version=0x0303, gmt_unix_time=0x5f5e1000, random_bytes=b"\x11" * 28, sid=b"",
                        ciphers=[0xc02b, 0xc02f, 0x009c, 0x002f], comp=[0], ext=ext)
    return bytes(TLS(type=22, version=0x0301, msg=[ch]))


def server_hello():
    sh = TLSServerHello(version=0x0303, gmt_unix_time=0x5f5e1001, random_bytes=b"\x22" * 28, sid=b"",
                        cipher=0xc02f, comp=0)
    return bytes(TLS(type=22, version=0x0303, msg=[sh]))


@capture("rules-tls.pcap")
def rules_tls():
    """Three TLS flows to port 443, each a handshake, a ClientHello, a ServerHello and a
    close: 10.0.0.30 with SNI bad.example, 10.0.0.31 with SNI good.example, 10.0.0.32
    without SNI (nDPI flags NDPI_TLS_MISSING_SNI)."""
    out, clk = [], Clock()
    for i, sni in enumerate(["bad.example", "good.example", None]):
        TcpSession(out, clk, "10.0.0.%d" % (30 + i), 40010 + i, "203.0.113.43", 443).handshake() \
            .c(client_hello(sni)).s(server_hello()).close()
    return out


@capture("rules-scan.pcap")
def rules_scan():
    """A TCP SYN port scan and a host sweep. 10.0.0.66 sends one SYN to each of ports 1-30
    of 198.51.100.5 (100 ms apart), each answered by RST-ACK; then 10.0.0.67 sends one SYN
    to port 445 of each of 198.51.100.101-160 (50 ms apart), unanswered."""
    out, clk = [], Clock()
    for port in range(1, 31):
        syn = Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src="10.0.0.66", dst="198.51.100.5") / \
            TCP(sport=33000, dport=port, flags="S", seq=7000)
        out.append(stamp(syn, clk.tick(0.1)))
        rst = Ether(src=SRV_MAC, dst=CLI_MAC) / IP(src="198.51.100.5", dst="10.0.0.66") / \
            TCP(sport=port, dport=33000, flags="RA", seq=0, ack=7001)
        out.append(stamp(rst, clk.tick(0.001)))
    for host in range(101, 161):
        syn = Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src="10.0.0.67", dst="198.51.100.%d" % host) / \
            TCP(sport=34000, dport=445, flags="S", seq=9000)
        out.append(stamp(syn, clk.tick(0.05)))
    return out


@capture("rules-ftp.pcap")
def rules_ftp():
    """Two FTP control sessions to 198.51.100.21:21. 10.0.0.40 logs in (USER admin, PASS
    secret, 230) and then sends RETR /etc/passwd; 10.0.0.41 sends RETR /etc/passwd without
    logging in (530)."""
    out, clk = [], Clock()
    TcpSession(out, clk, "10.0.0.40", 40021, "198.51.100.21", 21).handshake() \
        .s(b"220 ready\r\n").c(b"USER admin\r\n").s(b"331 password?\r\n") \
        .c(b"PASS secret\r\n").s(b"230 Login successful\r\n") \
        .c(b"RETR /etc/passwd\r\n").s(b"150 Opening\r\n").close()
    TcpSession(out, clk, "10.0.0.41", 40022, "198.51.100.21", 21).handshake() \
        .s(b"220 ready\r\n").c(b"RETR /etc/passwd\r\n").s(b"530 Please login\r\n").close()
    return out


@capture("rules-content.pcap")
def rules_content():
    """One TCP flow 10.0.0.50:40050 -> 198.51.100.90:9000 whose client packets carry
    payloads for content position tests, in this order: "axxab", "kl kx klx klm",
    "START here", "the END", "a id=12 id=345 x", "ab ab", "ab ac", DE AD BE EF, "GET /";
    the server answers each with "ok GET /"."""
    out, clk = [], Clock()
    s = TcpSession(out, clk, "10.0.0.50", 40050, "198.51.100.90", 9000).handshake()
    for data in [b"axxab", b"kl kx klx klm", b"START here", b"the END", b"a id=12 id=345 x",
                 b"ab ab", b"ab ac", b"\xde\xad\xbe\xef", b"GET /"]:
        s.c(data).s(b"ok GET /")
    s.close()
    return out


@capture("rules-threshold.pcap")
def rules_threshold():
    """UDP beacons to 198.51.100.9:5555 with payload "beacon": from 10.0.0.77 at seconds
    0, 1, 2, 3, 4, 5, 10 and 10.5 after the start, then at 20 and 21; from 10.0.0.78 at
    seconds 0.5 and 1.5."""
    out, clk = [], Clock()
    times = [(0, "10.0.0.77"), (0.5, "10.0.0.78"), (1, "10.0.0.77"), (1.5, "10.0.0.78"),
             (2, "10.0.0.77"), (3, "10.0.0.77"), (4, "10.0.0.77"), (5, "10.0.0.77"),
             (10, "10.0.0.77"), (10.5, "10.0.0.77"), (20, "10.0.0.77"), (21, "10.0.0.77")]
    for t, src in times:
        p = Ether(src=CLI_MAC, dst=SRV_MAC) / IP(src=src, dst="198.51.100.9") / \
            UDP(sport=6000, dport=5555) / Raw(b"beacon")
        out.append(stamp(p, BASE + t))
    return out


@capture("rules-icmp.pcap")
def rules_icmp():
    """ICMP from 10.0.0.88: an echo request to 198.51.100.1 with TTL 3 and payload
    "ping-payload", its echo reply (TTL 60), and a destination unreachable (type 3,
    code 3) from 198.51.100.1."""
    out, clk = [], Clock()
    out.append(stamp(Ether() / IP(src="10.0.0.88", dst="198.51.100.1", ttl=3) /
                     ICMP(type=8, code=0, id=1, seq=1) / Raw(b"ping-payload"), clk.tick()))
    out.append(stamp(Ether() / IP(src="198.51.100.1", dst="10.0.0.88", ttl=60) /
                     ICMP(type=0, code=0, id=1, seq=1) / Raw(b"ping-payload"), clk.tick()))
    inner = IP(src="10.0.0.88", dst="198.51.100.1") / UDP(sport=5000, dport=9)
    out.append(stamp(Ether() / IP(src="198.51.100.1", dst="10.0.0.88", ttl=60) /
                     ICMP(type=3, code=3) / inner, clk.tick()))
    return out


def main(argv):
    if len(argv) >= 2 and argv[1] == "--list":
        for name, fn in CAPTURES.items():
            print("%-24s %s" % (name, " ".join(fn.__doc__.split())[:100]))
        return 0
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    outdir = argv[1]
    os.makedirs(outdir, exist_ok=True)
    names = argv[2:] or list(CAPTURES)
    for name in names:
        if name not in CAPTURES:
            sys.stderr.write("unknown capture %s\n" % name)
            return 2
        wrpcap(os.path.join(outdir, name), CAPTURES[name](), linktype=1)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
