"""What the sensor hands to rules and writes in EVE about a flow's application
fields and state, on captures this test builds with scapy:

- http.url / http.uri is the request path (nDPI 4.2 keeps "host/path");
- nDPI's URL checks (SQL injection, XSS) mark the flow as ndpiReader does;
- every DNS query of a flow reaches dns.query rules, not only the first;
- flow:established does not match a TCP flow that was reset during its handshake.
"""
import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402

from scapy.all import DNS, DNSQR, DNSRR, IP, TCP, UDP, Ether, Raw, wrpcap  # noqa: E402

TMP = tempfile.mkdtemp(prefix="ictw-fields-")
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
    c = lambda **kw: Ether() / IP(src=CLI, dst=SRV) / TCP(sport=sport, dport=80, **kw)  # noqa: E731
    s = lambda **kw: Ether() / IP(src=SRV, dst=CLI) / TCP(sport=80, dport=sport, **kw)  # noqa: E731
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
        pkts.append(Ether() / IP(src=CLI, dst=SRV) / UDP(sport=33333, dport=53) /
                    DNS(id=i + 1, rd=1, qd=DNSQR(qname=name)))
        pkts.append(Ether() / IP(src=SRV, dst=CLI) / UDP(sport=53, dport=33333) /
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
    c = lambda **kw: Ether() / IP(src=CLI, dst=SRV) / TCP(sport=42000, dport=22, **kw)  # noqa: E731
    s = lambda **kw: Ether() / IP(src=SRV, dst=CLI) / TCP(sport=22, dport=42000, **kw)  # noqa: E731
    pcap = write("rst.pcap", [c(flags="S", seq=1), s(flags="SA", seq=9, ack=2), c(flags="R", seq=2)])
    text = 'alert tcp any any -> any any (msg:"est"; flow:established; sid:5; rev:1;)\n'
    r, recs = run(pcap, text)
    ictw.check(not [x for x in recs if x["event_type"] == "alert"],
               "SYN, SYN/ACK, RST: flow:established never matches", r.stdout)
    full = write("full.pcap", http_get(41003, "/"))
    _, recs = run(full, text)
    ictw.check(len([x for x in recs if x["event_type"] == "alert"]) >= 1,
               "a completed handshake matches flow:established, also on its closing packets")


if __name__ == "__main__":
    ictw.run_sensor_tests(globals())
