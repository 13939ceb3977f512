"""What the sensor hands to rules and writes in EVE about a flow's application
fields and state, on captures this test builds with scapy:

- http.url / http.uri is the request path (nDPI 4.2 keeps "host/path");
- nDPI's URL checks (SQL injection, XSS) mark the flow as ndpiReader does;
- every DNS query of a flow reaches dns.query rules, not only the first;
- flow:established does not match a TCP flow that was reset during its handshake;
- the exact values of the DNS, TLS (certificate, JA3/JA3S) and HTTP fields in flow records, on a
  capture built here and, when ../shared is present, on nDPI's tls_verylong_certificate.pcap
  against what ndpiReader 4.2 printed for it;
- nDPI stops being called for a flow once it is classified and has nothing left to dissect, while an
  unknown flow is fed up to dpi.max-tcp-packets / dpi.max-udp-packets (the "ndpi:" statistics line);
- alert and flow records have their keys in Suricata's order.
"""
import hashlib
import importlib.util
import re
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402

from scapy.all import DNS, DNSQR, DNSRR, IP, TCP, UDP, Ether, Raw, wrpcap  # noqa: E402

TMP = tempfile.mkdtemp(prefix="ictw-fields-")
MACS = {"src": "02:00:00:00:00:01", "dst": "02:00:00:00:00:02"}   # no ARP look-ups by scapy
CLI, SRV = "192.0.2.10", "198.51.100.20"
T0 = 1700000000.0


def write(name, pkts):
    for i, p in enumerate(pkts):
        p.time = T0 + i * 0.01
    path = os.path.join(TMP, name)
    wrpcap(path, pkts)
    return path


def http_get(sport, path):
    req = ("GET %s HTTP/1.1\r\nHost: Shop.Example.COM:8080\r\nUser-Agent: curl/8.0\r\n\r\n" % path).encode()
    resp = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 2\r\n\r\nok"
    c = lambda **kw: Ether(**MACS) / IP(src=CLI, dst=SRV) / TCP(sport=sport, dport=80, **kw)  # noqa: E731
    s = lambda **kw: Ether(**MACS) / IP(src=SRV, dst=CLI) / TCP(sport=80, dport=sport, **kw)  # noqa: E731
    return [c(flags="S", seq=100), s(flags="SA", seq=500, ack=101), c(flags="A", seq=101, ack=501),
            c(flags="PA", seq=101, ack=501) / Raw(req), s(flags="PA", seq=501, ack=101 + len(req)) / Raw(resp),
            c(flags="FA", seq=101 + len(req), ack=501 + len(resp)),
            s(flags="FA", seq=501 + len(resp), ack=102 + len(req)), c(flags="A", seq=102 + len(req), ack=502 + len(resp))]


def rules(text):
    path = os.path.join(TMP, "r%d.rules" % abs(hash(text)))
    with open(path, "w") as f:
        f.write(text)
    return path


def run(pcap, rule_text=None):
    args = [ictw.SENSOR, "-q", "-r", pcap, "--stdout"]
    if rule_text:
        args += ["-S", rules(rule_text)]
    r = ictw.run(args)
    recs = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    return r, recs


def test_http_uri_is_the_path():
    pcap = write("http.pcap", http_get(41000, "/shop/item?id=7"))
    r, recs = run(pcap, 'alert http any any -> any any (msg:"uri"; http.uri; content:"/shop/item?id=7"; startswith; '
                        'sid:1; rev:1;)\n'
                        'alert http any any -> any any (msg:"host"; http.host; content:"shop.example.com"; '
                        'sid:2; rev:1;)\n')
    flows = [x for x in recs if x["event_type"] == "flow"]
    alerts = sorted(x["alert"]["signature_id"] for x in recs if x["event_type"] == "alert")
    http = flows[0].get("http", {}) if flows else {}
    ictw.check(http.get("url") == "/shop/item?id=7", "EVE http.url is the request path", http)
    ictw.check(http.get("hostname") == "shop.example.com", "http.hostname is lowercase without the port", http)
    ictw.check(alerts == [1, 2], "http.uri matches the path from its start, http.host the normalised host",
               r.stdout + r.stderr)


def test_url_attack_risk_as_ndpireader():
    pcap = write("sqli.pcap", http_get(41001, "/login.php?user=admin'%20OR%201=1--&pass=x"))
    r, recs = run(pcap, 'alert http any any -> any any (msg:"sqli"; ndpi-risk:NDPI_URL_POSSIBLE_SQL_INJECTION; '
                        'sid:3; rev:1;)\n')
    flows = [x for x in recs if x["event_type"] == "flow"]
    codes = [k["code"] for k in flows[0].get("ndpi", {}).get("risks", [])] if flows else []
    ictw.check("NDPI_URL_POSSIBLE_SQL_INJECTION" in codes, "a SQL injection URL raises nDPI's risk", codes)
    ictw.check(any(x["event_type"] == "alert" and x["alert"]["signature_id"] == 3 for x in recs),
               "ndpi-risk rules see the URL risk", r.stdout + r.stderr)
    clean = write("clean.pcap", http_get(41002, "/index.html"))
    _, recs = run(clean)
    ictw.check(not recs[0].get("ndpi", {}).get("risks"), "a plain URL raises no risk", recs[0].get("ndpi"))


def test_every_dns_query_reaches_rules():
    pkts = []
    for i, name in enumerate(["www.example.com", "c2.example.com", "www.example.com", "c2.example.com"]):
        pkts.append(Ether(**MACS) / IP(src=CLI, dst=SRV) / UDP(sport=33333, dport=53) /
                    DNS(id=i + 1, rd=1, qd=DNSQR(qname=name)))
        pkts.append(Ether(**MACS) / IP(src=SRV, dst=CLI) / UDP(sport=53, dport=33333) /
                    DNS(id=i + 1, qr=1, qd=DNSQR(qname=name), an=DNSRR(rrname=name, rdata="203.0.113.5")))
    pcap = write("dns.pcap", pkts)
    r, recs = run(pcap, 'alert dns any any -> any any (msg:"c2"; dns.query; content:"c2.example.com"; '
                        'sid:4; rev:1;)\n')
    alerts = [x for x in recs if x["event_type"] == "alert"]
    ictw.check(len(alerts) == 2, "dns.query sees the 2nd and 4th query of one flow (2 alerts)",
               r.stdout + r.stderr)
    ictw.check(all(a["dns"]["queries"][0]["rrname"] == "c2.example.com" for a in alerts),
               "each alert carries the query that matched", alerts)
    ictw.check(not ictw.eve_errors(recs), "records validate", ictw.eve_errors(recs))


def test_reset_handshake_is_not_established():
    c = lambda **kw: Ether(**MACS) / IP(src=CLI, dst=SRV) / TCP(sport=42000, dport=22, **kw)  # noqa: E731
    s = lambda **kw: Ether(**MACS) / IP(src=SRV, dst=CLI) / TCP(sport=22, dport=42000, **kw)  # noqa: E731
    pcap = write("rst.pcap", [c(flags="S", seq=1), s(flags="SA", seq=9, ack=2), c(flags="R", seq=2)])
    text = 'alert tcp any any -> any any (msg:"est"; flow:established; sid:5; rev:1;)\n'
    r, recs = run(pcap, text)
    ictw.check(not [x for x in recs if x["event_type"] == "alert"],
               "SYN, SYN/ACK, RST: flow:established never matches", r.stdout)
    full = write("full.pcap", http_get(41003, "/"))
    _, recs = run(full, text)
    ictw.check(len([x for x in recs if x["event_type"] == "alert"]) >= 1,
               "a completed handshake matches flow:established, also on its closing packets")


# ------------------------------------------------------------------ field values

def _ruleset_gen():
    """The TLS builders of tests/captures/make-ruleset-captures.py (real DER certificates)."""
    path = os.path.join(ictw.ROOT, "tests", "captures", "make-ruleset-captures.py")
    spec = importlib.util.spec_from_file_location("make_ruleset_captures", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _md5(text):
    return hashlib.md5(text.encode()).hexdigest()


def flows_of(recs):
    return [x for x in recs if x["event_type"] == "flow"]


def test_tls_field_values():
    g = _ruleset_gen()
    cap = g.Cap()
    issuer = [("C", "KZ"), ("O", "Field Test CA"), ("CN", "Field Test Issuing CA 2")]
    cert = g.make_cert("api.fields.example", issuer, (2025, 6, 1, 12, 30, 5), (2027, 6, 1, 23, 59, 58),
                       serial=4242, seed=21, subject_extra=[("O", "Fields Org")])
    ciphers = [0xC02B, 0xC02F, 0x009C, 0x0035]
    hello = g.client_hello("api.fields.example", ciphers=ciphers, groups=(0x001D, 0x0017))
    g.tls_session(cap, "10.9.0.5", "203.0.113.80", 45500, 443, hello, g.server_flight(cert, cipher=0xC02F))
    path = os.path.join(TMP, "tls-fields.pcap")
    cap.write(path)
    r, recs = run(path)
    fl = flows_of(recs)
    tls = fl[0].get("tls", {}) if len(fl) == 1 else {}
    ictw.check(len(fl) == 1 and fl[0].get("app_proto") == "tls", "TLS capture: one tls flow", r.stdout + r.stderr)
    ictw.check(tls.get("sni") == "api.fields.example", "tls.sni is the ClientHello's server name", tls)
    ictw.check(tls.get("version") == "TLS 1.2", "tls.version is 'TLS 1.2'", tls)
    ictw.check(tls.get("subject") == "O=Fields Org, CN=api.fields.example", "tls.subject in RDN order", tls)
    ictw.check(tls.get("issuerdn") == "C=KZ, O=Field Test CA, CN=Field Test Issuing CA 2",
               "tls.issuerdn in RDN order", tls)
    ictw.check(tls.get("notbefore") == "2025-06-01T12:30:05" and tls.get("notafter") == "2027-06-01T23:59:58",
               "tls.notbefore / notafter are the certificate's validity to the second", tls)
    # JA3 computed here from what the hello carries (version, ciphers, extensions, groups, point formats).
    ja3 = "771,%s,0-23-65281-10-11-13-16,29-23,0" % "-".join(str(c) for c in ciphers)
    ictw.check(tls.get("ja3", {}).get("hash") == _md5(ja3), "tls.ja3.hash is md5(%s)" % ja3, tls)
    ictw.check(tls.get("ja3s", {}).get("hash") == _md5("771,49199,65281"), "tls.ja3s.hash is md5(771,49199,65281)",
               tls)
    ictw.check(not ictw.eve_errors(recs), "TLS records validate", ictw.eve_errors(recs))


def test_dns_and_http_field_values():
    pkts = []
    for i, (name, qtype) in enumerate([("mail.fields.example", "MX"), ("v6.fields.example", "AAAA"),
                                       ("txt.fields.example", "TXT")]):
        sport = 35000 + i
        pkts.append(Ether(**MACS) / IP(src=CLI, dst=SRV) / UDP(sport=sport, dport=53) /
                    DNS(id=7 + i, rd=1, qd=DNSQR(qname=name, qtype=qtype)))
        pkts.append(Ether(**MACS) / IP(src=SRV, dst=CLI) / UDP(sport=53, dport=sport) /
                    DNS(id=7 + i, qr=1, qd=DNSQR(qname=name, qtype=qtype)))
    req = (b"POST /api/v2/upload?x=1 HTTP/1.1\r\nHost: upload.fields.example\r\n"
           b"User-Agent: FieldsAgent/3.1 (test)\r\nContent-Length: 4\r\n\r\nabcd")
    c = lambda **kw: Ether(**MACS) / IP(src=CLI, dst=SRV) / TCP(sport=41900, dport=80, **kw)  # noqa: E731
    s = lambda **kw: Ether(**MACS) / IP(src=SRV, dst=CLI) / TCP(sport=80, dport=41900, **kw)  # noqa: E731
    resp = b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"
    pkts += [c(flags="S", seq=1), s(flags="SA", seq=50, ack=2), c(flags="A", seq=2, ack=51),
             c(flags="PA", seq=2, ack=51) / Raw(req), s(flags="PA", seq=51, ack=2 + len(req)) / Raw(resp)]
    r, recs = run(write("dns-http-fields.pcap", pkts))
    dns = {x["src_port"]: x.get("dns", {}).get("queries") for x in flows_of(recs) if x.get("dest_port") == 53}
    want = {35000: [{"rrname": "mail.fields.example", "rrtype": "MX"}],
            35001: [{"rrname": "v6.fields.example", "rrtype": "AAAA"}],
            35002: [{"rrname": "txt.fields.example", "rrtype": "TXT"}]}
    ictw.check(dns == want, "dns.queries rrname/rrtype exact for MX, AAAA and TXT queries", dns)
    http = next((x.get("http", {}) for x in flows_of(recs) if x.get("dest_port") == 80), {})
    ictw.check(http.get("hostname") == "upload.fields.example" and http.get("url") == "/api/v2/upload?x=1"
               and http.get("http_method") == "POST" and http.get("http_user_agent") == "FieldsAgent/3.1 (test)"
               and http.get("status") == 201,
               "http hostname, url, http_method, http_user_agent and status exact", http)


def _ndpireader_flow(out_path, field_re):
    with open(out_path, errors="replace") as f:
        m = re.search(field_re, f.read())
    return m.group(1) if m else None


def test_tls_field_values_on_shared_capture():
    pcap = os.path.join(ictw.SHARED, "pcaps", "ndpi", "tls_verylong_certificate.pcap")
    ref = os.path.join(ictw.SHARED, "pcaps", "ndpi", "ndpi-4.2", "tls_verylong_certificate.pcap.out")
    if not (os.path.exists(pcap) and os.path.exists(ref)):
        ictw.skip("../shared/pcaps/ndpi/tls_verylong_certificate.pcap (and ndpiReader's .out) absent")
        return
    r, recs = run(pcap)
    tls = next((x.get("tls") for x in flows_of(recs) if x.get("dest_port") == 443 and x.get("tls")), {})
    validity = _ndpireader_flow(ref, r"\[Validity: ([^\]]+)\]") or ""
    nb, _, na = validity.partition(" - ")
    want = {
        "sni": _ndpireader_flow(ref, r"\[Hostname/SNI: ([^\]]+)\]"),
        "version": "TLS 1.2" if "[TLSv1.2]" in open(ref, errors="replace").read() else "?",
        "subject": _ndpireader_flow(ref, r"\[Subject: ([^\]]+)\]"),
        "issuerdn": _ndpireader_flow(ref, r"\[Issuer: ([^\]]+)\]"),
        "notbefore": nb.replace(" ", "T"), "notafter": na.replace(" ", "T"),
        "ja3": {"hash": _ndpireader_flow(ref, r"\[JA3C: ([0-9a-f]+)\]")},
        "ja3s": {"hash": _ndpireader_flow(ref, r"\[JA3S: ([0-9a-f]+)\]")},
    }
    got = {k: tls.get(k) for k in want}
    ictw.check(got == want and want["sni"] == "feodotracker.abuse.ch"
               and want["ja3"]["hash"] == "2a26b1a62e40d25d4de3babc9d532f30",
               "tls_verylong_certificate.pcap: sni, version, subject, issuerdn, validity, JA3, JA3S as ndpiReader "
               "printed them", "got  %s\nwant %s" % (got, want))


# ------------------------------------------------------------ nDPI packet budget

def _ndpi_stats(stderr):
    m = re.search(r"ndpi: +packets (\d+), classified (\d+), gave up (\d+), unknown (\d+)", stderr)
    return tuple(int(x) for x in m.groups()) if m else None


def _tcp_flow(sport, dport, first, reply, n):
    """Handshake, one request and one reply, then n server data segments each acknowledged."""
    c = lambda **kw: Ether(**MACS) / IP(src=CLI, dst=SRV) / TCP(sport=sport, dport=dport, **kw)  # noqa: E731
    s = lambda **kw: Ether(**MACS) / IP(src=SRV, dst=CLI) / TCP(sport=dport, dport=sport, **kw)  # noqa: E731
    cs, ss = 101, 501
    p = [c(flags="S", seq=100), s(flags="SA", seq=500, ack=101), c(flags="A", seq=cs, ack=ss),
         c(flags="PA", seq=cs, ack=ss) / Raw(first)]
    cs += len(first)
    p.append(s(flags="PA", seq=ss, ack=cs) / Raw(reply))
    ss += len(reply)
    for i in range(n):
        p.append(s(flags="PA", seq=ss, ack=cs) / Raw(bytes((i * 7 + j) % 251 for j in range(100))))
        ss += 100
        p.append(c(flags="A", seq=cs, ack=ss))
    return p


def test_ndpi_not_called_after_classification():
    http = _tcp_flow(41500, 80, b"GET /big.iso HTTP/1.1\r\nHost: dl.fields.example\r\nUser-Agent: Wget/1.21\r\n\r\n",
                     b"HTTP/1.1 200 OK\r\nContent-Length: 30000\r\n\r\n", 150)
    r = ictw.run([ictw.SENSOR, "-r", write("ndpi-http-long.pcap", http), "--stdout"])
    st = _ndpi_stats(r.stderr)
    ictw.check(st is not None and st[1] == 1 and 0 < st[0] <= 10 and len(http) == 305,
               "a 305-packet HTTP flow: nDPI is given at most 10 packets, then no more (classified 1)",
               "%s\n%s" % (st, r.stderr[-800:]))
    dns_tcp = []
    for i in range(40):
        name = "q%d.fields.example" % i
        q = bytes(DNS(id=i + 1, rd=1, qd=DNSQR(qname=name)))
        a = bytes(DNS(id=i + 1, qr=1, qd=DNSQR(qname=name), an=DNSRR(rrname=name, rdata="192.0.2.1")))
        dns_tcp.append((len(q).to_bytes(2, "big") + q, len(a).to_bytes(2, "big") + a))
    pk = _tcp_flow(41501, 53, dns_tcp[0][0], dns_tcp[0][1], 0)
    cs, ss = 101 + len(dns_tcp[0][0]), 501 + len(dns_tcp[0][1])
    for q, a in dns_tcp[1:]:
        pk.append(Ether(**MACS) / IP(src=CLI, dst=SRV) / TCP(sport=41501, dport=53, flags="PA", seq=cs, ack=ss) / Raw(q))
        cs += len(q)
        pk.append(Ether(**MACS) / IP(src=SRV, dst=CLI) / TCP(sport=53, dport=41501, flags="PA", seq=ss, ack=cs) / Raw(a))
        ss += len(a)
    r = ictw.run([ictw.SENSOR, "-r", write("ndpi-dns-tcp-long.pcap", pk), "--stdout"])
    st = _ndpi_stats(r.stderr)
    recs = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    ictw.check(st is not None and st[1] == 1 and 0 < st[0] <= 10 and len(pk) == 83
               and recs and recs[0].get("app_proto") == "dns",
               "an 83-packet DNS-over-TCP flow: classified dns after at most 10 packets given to nDPI",
               "%s\n%s" % (st, r.stderr[-800:]))


def test_unknown_flow_fed_up_to_the_giveup_limit():
    unk = _tcp_flow(41502, 5555, bytes(range(7, 107)), bytes(range(50, 150)), 150)
    pcap = write("ndpi-unknown-tcp.pcap", unk)
    r = ictw.run([ictw.SENSOR, "-r", pcap, "--stdout"])
    st = _ndpi_stats(r.stderr)
    # As ndpiReader 4.2 (reader_util.c): a flow is "enough" when its packet count, this
    # packet included, is above the limit; that packet is still dissected, then giveup.
    ictw.check(st is not None and st[0] == 81 and st[1:] == (0, 1, 1),
               "an unknown 305-packet TCP flow is given to nDPI for 80 + 1 packets "
               "(dpi.max-tcp-packets, as ndpiReader counts), then given up",
               "%s\n%s" % (st, r.stderr[-800:]))
    r = ictw.run([ictw.SENSOR, "-r", pcap, "--stdout", "--set", "dpi.max-tcp-packets=30"])
    st = _ndpi_stats(r.stderr)
    ictw.check(st is not None and st[0] == 31 and st[2] == 1,
               "dpi.max-tcp-packets=30 gives up after 30 + 1 packets", "%s\n%s" % (st, r.stderr[-800:]))
    udp = [Ether(**MACS) / IP(src=CLI, dst=SRV) / UDP(sport=46000, dport=7777) /
           Raw(bytes((i * 13 + j) % 256 for j in range(60))) for i in range(100)]
    r = ictw.run([ictw.SENSOR, "-r", write("ndpi-unknown-udp.pcap", udp), "--stdout"])
    st = _ndpi_stats(r.stderr)
    ictw.check(st is not None and st[0] == 25 and st[2] == 1,
               "an unknown 100-packet UDP flow is given to nDPI for 24 + 1 packets (dpi.max-udp-packets)",
               "%s\n%s" % (st, r.stderr[-800:]))


# ------------------------------------------------------------------- key order

# Suricata's order (../shared/reference/suricata.md 1.1, 1.2, 1.4): the common header, then for an alert
# tx_id, alert, tunnel, the app-layer objects, app_proto, direction, flow, payload...; for a flow record
# app_proto, flow, ether, tcp. ictwatch's own ndpi object comes last before host.
APP_LAYER = ["http", "dns", "tls", "ssh", "smb", "modbus", "dnp3", "enip"]
ALERT_ORDER = (["timestamp", "flow_id", "parent_id", "in_iface", "pcap_cnt", "event_type", "vlan", "src_ip",
                "src_port", "dest_ip", "dest_port", "proto", "ip_v", "icmp_type", "icmp_code", "pkt_src",
                "community_id", "ether", "tx_id", "tx_guessed", "alert", "tunnel"] + APP_LAYER +
               ["app_proto", "direction", "flow", "payload", "payload_printable", "payload_length", "stream",
                "packet", "packet_info", "ndpi", "host"])
FLOW_ORDER = (["timestamp", "flow_id", "parent_id", "in_iface", "event_type", "vlan", "src_ip", "src_port",
               "dest_ip", "dest_port", "proto", "ip_v", "icmp_type", "icmp_code", "community_id", "tunnel"] +
              APP_LAYER + ["app_proto", "flow", "ether", "tcp", "ndpi", "host"])
ALERT_OBJ = ["action", "gid", "signature_id", "rev", "signature", "category", "severity", "references", "metadata"]
ALERT_FLOW_OBJ = ["pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient", "start", "src_ip",
                  "dest_ip", "src_port", "dest_port"]
FLOW_OBJ = ["pkts_toserver", "pkts_toclient", "bytes_toserver", "bytes_toclient", "start", "end", "age",
            "emergency", "state", "reason", "alerted"]
TCP_OBJ = ["tcp_flags", "tcp_flags_ts", "tcp_flags_tc", "syn", "fin", "rst", "psh", "ack", "urg", "ecn", "cwr",
           "state"]


def _in_order(keys, order):
    """True when every key is known and they come in the order given (absent keys may be skipped)."""
    pos = [order.index(k) if k in order else -1 for k in keys]
    return -1 not in pos and pos == sorted(pos)


def _pairs(line):
    return json.loads(line, object_pairs_hook=list)


def test_eve_key_order():
    pcap = write("order.pcap", http_get(41600, "/order"))
    rule = rules('alert http any any -> any any (msg:"order"; http.uri; content:"/order"; classtype:misc-activity; '
                 'metadata:created_at 2026_01_01; sid:77; rev:3;)\n')
    r = ictw.run([ictw.SENSOR, "-q", "-r", pcap, "--stdout", "-S", rule])
    lines = [line for line in r.stdout.splitlines() if line.strip()]
    alert = next((_pairs(x) for x in lines if '"event_type":"alert"' in x), None)
    flow = next((_pairs(x) for x in lines if '"event_type":"flow"' in x), None)
    if not ictw.check(alert and flow, "an alert and a flow record", r.stdout + r.stderr):
        return
    akeys = [k for k, _ in alert]
    fkeys = [k for k, _ in flow]
    ictw.check(akeys[:4] == ["timestamp", "flow_id", "pcap_cnt", "event_type"]
               and akeys[4:9] == ["src_ip", "src_port", "dest_ip", "dest_port", "proto"] and akeys[-1] == "host",
               "alert: timestamp, flow_id, pcap_cnt, event_type, src_ip, src_port, dest_ip, dest_port, proto first, "
               "host last", akeys)
    ictw.check(_in_order(akeys, ALERT_ORDER) and {"alert", "http", "app_proto", "direction", "flow"} <= set(akeys),
               "alert: top-level keys in Suricata's order", akeys)
    sub = dict(alert)
    ictw.check(_in_order([k for k, _ in sub["alert"]], ALERT_OBJ), "alert.alert keys in Suricata's order",
               sub["alert"])
    ictw.check([k for k, _ in sub["flow"]] == ALERT_FLOW_OBJ, "alert.flow keys in Suricata's order", sub["flow"])
    ictw.check(fkeys[:8] == ["timestamp", "flow_id", "event_type", "src_ip", "src_port", "dest_ip", "dest_port",
                             "proto"] and fkeys[-1] == "host",
               "flow: timestamp, flow_id, event_type, 5-tuple first, host last (no pcap_cnt)", fkeys)
    ictw.check(_in_order(fkeys, FLOW_ORDER) and {"http", "app_proto", "flow", "tcp"} <= set(fkeys),
               "flow: top-level keys in Suricata's order", fkeys)
    fsub = dict(flow)
    ictw.check(_in_order([k for k, _ in fsub["flow"]], FLOW_OBJ) and len(fsub["flow"]) >= 10,
               "flow.flow keys in Suricata's order", fsub["flow"])
    ictw.check(_in_order([k for k, _ in fsub["tcp"]], TCP_OBJ), "flow.tcp keys in Suricata's order", fsub["tcp"])
    # The order check itself can fail: a swapped pair is caught.
    ictw.check(not _in_order(["timestamp", "event_type", "flow_id"], FLOW_ORDER), "the order check sees a swap")


if __name__ == "__main__":
    ictw.run_sensor_tests(globals())
