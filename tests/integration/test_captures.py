#!/usr/bin/python3
"""test_captures.py - the project's own captures, generated and replayed.

First the generator itself: it writes every registered capture, twice the
same bytes, each named in tests/captures/README.md and readable by capinfos.
Then, when build/bin/ictwatch-sensor exists, each capture is replayed with
`ictwatch-sensor -r FILE --stdout` and its EVE flow records are compared with
the flows the capture was built to hold: inner 5-tuple in client -> server
orientation, VLAN ids, and the tunnel (outer addresses) when there is one.
Also: the truncated file warns and still yields its flow, the unsupported
link type gives a one-line error naming the file and the link type and a
non-zero exit.

Expectation format, per capture: a list of flows
  (proto, src, sport, dst, dport, extra) with extra a dict that may hold
  vlan: [ids, outermost first]   tunnel: (outer address, outer address)
ICMP flows have sport/dport None (not compared). A flow record must have
"vlan" exactly when vlan is expected (the full list, or only the innermost
id, as the flow key holds one), and "tunnel" with those two outer addresses
(either order) exactly when tunnel is expected.
"""
import filecmp
import ipaddress
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402

GEN = os.path.join(ictw.ROOT, "tests", "captures", "make-captures.py")
README = os.path.join(ictw.ROOT, "tests", "captures", "README.md")

C4, S4 = "192.0.2.10", "198.51.100.20"
C6, S6 = "2001:db8:1::10", "2001:db8:2::20"
IN_C, IN_S = "10.1.0.1", "10.2.0.2"
GRE_OUT = ("203.0.113.1", "203.0.113.2")
TEREDO_C, TEREDO_P = "2001:0:4136:e378:8000:63bf:3fff:fdd2", "2001:db8:80::80"
TEREDO_OUT = ("192.0.2.45", "198.51.100.7")


def tcp(src, sport, dst, dport, **extra):
    return ("TCP", src, sport, dst, dport, extra)


def udp(src, sport, dst, dport, **extra):
    return ("UDP", src, sport, dst, dport, extra)


def http4(sport, **extra):
    return tcp(C4, sport, S4, 80, **extra)


def http6(sport, **extra):
    return tcp(C6, sport, S6, 80, **extra)


def dns4(sport, **extra):
    return udp(C4, sport, S4, 53, **extra)


def dns6(sport, **extra):
    return udp(C6, sport, S6, 53, **extra)


EXPECT = {
    "link-en10mb.pcap": [http4(40001)],
    "link-linux-sll.pcap": [dns4(33001)],
    "link-linux-sll2.pcap": [http6(40002)],
    "link-raw.pcap": [http4(40003), dns6(33003)],
    "link-raw-bsdos.pcap": [dns4(33004)],
    "link-ipv4.pcap": [http4(40005)],
    "link-ipv6.pcap": [dns6(33006)],
    "link-null.pcap": [http4(40007), dns6(33007)],
    "link-null-bigendian.pcap": [http4(40008), dns6(33008)],
    "link-loop.pcap": [http4(40009), dns6(33009)],
    "link-ppp.pcap": [http4(40010), dns6(33010)],
    "link-ppp-cisco.pcap": [dns4(33011)],
    "link-ppp-hdlc.pcap": [http4(40012)],
    "link-c-hdlc.pcap": [http4(40013), dns6(33013)],
    "link-ppi.pcap": [http4(40015), dns6(33015)],
    "pcapng-named-pcap.pcap": [dns4(33014), http4(40014)],
    "pcap-nanosecond.pcap": [http4(40015)],
    "truncated.pcap": [http4(40016)],
    "vlan.pcap": [http4(40017, vlan=[100])],
    "qinq.pcap": [dns4(33018, vlan=[10, 20]), http4(40018, vlan=[1, 2, 3])],
    "pppoe.pcap": [http4(40019), dns6(33019)],
    "mpls.pcap": [http4(40020), dns6(33020), udp("10.9.0.1", 33021, "10.9.0.53", 53)],
    "gre-ipv4.pcap": [tcp(IN_C, 40021, IN_S, 80, tunnel=GRE_OUT)],
    "gre-ipv6.pcap": [udp("2001:db8:a::1", 33022, "2001:db8:b::53", 53, tunnel=GRE_OUT),
                      tcp(IN_C, 40022, IN_S, 80, tunnel=("2001:db8:ffff::1", "2001:db8:ffff::2"))],
    "gre-ethernet.pcap": [tcp(IN_C, 40023, IN_S, 80, vlan=[300], tunnel=GRE_OUT),
                          ("GRE", "192.0.2.99", None, "192.0.2.98", None, {})],
    "gre-pptp.pcap": [tcp(IN_C, 40024, IN_S, 80, tunnel=GRE_OUT),
                      ("GRE", GRE_OUT[1], None, GRE_OUT[0], None, {})],
    "vxlan.pcap": [tcp(IN_C, 40025, IN_S, 80, vlan=[7], tunnel=("172.16.0.1", "172.16.0.2"))],
    "gtpu.pcap": [udp("10.45.0.2", 33026, "8.8.8.8", 53, tunnel=("10.0.0.1", "10.0.0.2")),
                  tcp("2001:db8:45::2", 40026, S6, 80, tunnel=("10.0.0.1", "10.0.0.2")),
                  udp("10.0.0.1", 2152, "10.0.0.2", 2152)],
    "ipip-4in4.pcap": [tcp(IN_C, 40074, IN_S, 80, tunnel=("203.0.113.9", "203.0.113.10"))],
    "ipip-6in4.pcap": [tcp("2001:db8:c::1", 40076, "2001:db8:d::2", 80,
                           tunnel=("203.0.113.9", "203.0.113.10"))],
    "ipip-4in6.pcap": [tcp(IN_C, 40094, IN_S, 80, tunnel=("2001:db8:1::9", "2001:db8:1::10"))],
    "ipip-6in6.pcap": [tcp("2001:db8:c::1", 40096, "2001:db8:d::2", 80,
                           tunnel=("2001:db8:1::9", "2001:db8:1::10"))],
    "teredo.pcap": [("IPV6-NONXT", TEREDO_P, None, TEREDO_C, None, dict(tunnel=TEREDO_OUT)),
                    ("IPV6-ICMP", TEREDO_C, None, TEREDO_P, None, dict(tunnel=TEREDO_OUT)),
                    tcp(TEREDO_C, 40027, TEREDO_P, 80, tunnel=TEREDO_OUT)],
    "ipv4-options.pcap": [http4(40028)],
    "ipv6-exthdrs.pcap": [http6(40029), ("ESP", C6, None, "2001:db8:e::1", None, {})],
    "frag-ipv4-inorder.pcap": [udp(C4, 5001, S4, 9001)],
    "frag-ipv4-outoforder.pcap": [udp(C4, 5002, S4, 9002), tcp(C4, 40030, S4, 443)],
    "frag-ipv4-overlap.pcap": [udp(C4, 5003, S4, 9003)],
    "frag-ipv4-incomplete.pcap": [dns4(33031)],
    "frag-ipv4-tiny.pcap": [tcp("192.0.2.66", 40031, S4, 23)],
    "frag-ipv6.pcap": [udp(C6, 5005, S6, 9005), udp(C6, 5006, S6, 9006)],
    "tcp-handshake-close.pcap": [http4(40032)],
    "tcp-rst.pcap": [http4(40033), tcp(C4, 40034, S4, 8080)],
    "tcp-midstream.pcap": [http4(40035)],
    "udp-dns.pcap": [udp(C4, 33036, "192.0.2.53", 53), udp(C6, 33037, "2001:db8::53", 53)],
    "icmp-echo.pcap": [("ICMP", C4, None, S4, None, {})],
    "icmpv6.pcap": [("IPV6-ICMP", C6, None, "ff02::1:ff00:20", None, {}),
                    ("IPV6-ICMP", C6, None, S6, None, {})],
    "sctp.pcap": [("SCTP", C4, 36412, S4, 36412, {})],
    "malformed.pcap": [dns4(33040)],
}

# Names a sensor may write in "proto" for a protocol number without a port-based name.
PROTO_ALIASES = {"GRE": {"GRE", "47"}, "ESP": {"ESP", "50", "IPSEC-ESP"},
                 "IPV6-NONXT": {"IPV6-NONXT", "59"}, "IPV6-ICMP": {"IPV6-ICMP", "58", "ICMPV6"},
                 "ICMP": {"ICMP", "1"}, "TCP": {"TCP", "6"}, "UDP": {"UDP", "17"},
                 "SCTP": {"SCTP", "132"}}


def norm_ip(text):
    return ipaddress.ip_address(text).compressed


def want_key(f):
    proto, src, sport, dst, dport, _ = f
    return (proto, norm_ip(src), sport, norm_ip(dst), dport)


def got_key(rec):
    proto = str(rec.get("proto", "")).upper()
    for name, aliases in PROTO_ALIASES.items():
        if proto in aliases:
            proto = name
            break
    ports = proto in ("TCP", "UDP", "SCTP")
    return (proto, norm_ip(rec["src_ip"]), rec.get("src_port") if ports else None,
            norm_ip(rec["dest_ip"]), rec.get("dest_port") if ports else None)


def check_extra(name, rec, extra):
    """VLAN and tunnel of one matched flow record; returns a problem or None."""
    vlan = extra.get("vlan")
    got_vlan = rec.get("vlan")
    if vlan is None and got_vlan:
        return "unexpected vlan %s" % got_vlan
    if vlan is not None and got_vlan != vlan and got_vlan != vlan[-1:]:
        return "vlan %s, want %s (or [%d])" % (got_vlan, vlan, vlan[-1])
    tun = extra.get("tunnel")
    got_tun = rec.get("tunnel")
    if tun is None and got_tun:
        return "unexpected tunnel %s" % got_tun
    if tun is not None:
        if not isinstance(got_tun, dict) or "src_ip" not in got_tun or "dest_ip" not in got_tun:
            return "no tunnel recorded (want outer %s <-> %s)" % tun
        if {norm_ip(got_tun["src_ip"]), norm_ip(got_tun["dest_ip"])} != {norm_ip(a) for a in tun}:
            return "tunnel %s <-> %s, want %s <-> %s" % (got_tun["src_ip"], got_tun["dest_ip"], tun[0], tun[1])
        if got_tun.get("depth", 1) < 1:
            return "tunnel depth %s" % got_tun.get("depth")
    return None


def replay(path):
    r = ictw.run([ictw.SENSOR, "-r", path, "--stdout"], timeout=120)
    records, bad = [], []
    for line in r.stdout.splitlines():
        line = line.strip()
        if not line:
            continue
        try:
            records.append(json.loads(line))
        except ValueError:
            bad.append(line[:120])
    return r, records, bad


def check_capture(name, path):
    r, records, bad = replay(path)
    detail = "exit %d; stderr: %s" % (r.returncode, r.stderr.strip()[-600:])
    if bad:
        ictw.not_ok("%s: stdout is JSON lines" % name, "\n".join(bad[:5]))
        return r, []
    flows = [x for x in records if x.get("event_type") == "flow"]
    errs = ictw.eve_errors(flows)
    if errs:
        ictw.not_ok("%s: flow records validate against the EVE schema" % name, "\n".join(errs))
    want = EXPECT[name]
    want_keys = sorted(want_key(f) for f in want)
    got = sorted(got_key(x) for x in flows)
    if not ictw.check(got == want_keys, "%s: %d flow(s) with the expected 5-tuples" % (name, len(want)),
                      "got  %s\nwant %s\n%s" % (got, want_keys, detail)):
        return r, flows
    problems = []
    for f in want:
        rec = next(x for x in flows if got_key(x) == want_key(f))
        p = check_extra(name, rec, f[5])
        if p:
            problems.append("%s: %s" % (want_key(f), p))
    ictw.check(not problems, "%s: vlan and tunnel recorded as expected" % name, "\n".join(problems))
    return r, flows


def registered_captures():
    r = ictw.run([ictw.PYTHON, GEN, "--list"])
    return [line.split()[0] for line in r.stdout.splitlines() if line.strip()]


def check_generator(caps):
    names = registered_captures()
    ictw.check(len(names) >= len(EXPECT) + 1, "generator registers %d captures" % len(names))
    missing = [n for n in names if not os.path.isfile(os.path.join(caps, n))]
    ictw.check(not missing, "every registered capture was written", missing)
    tmp = tempfile.mkdtemp(prefix="ictw-caps-")
    try:
        subprocess.run([ictw.PYTHON, GEN, tmp], check=True, stdout=subprocess.DEVNULL)
        differ = [n for n in names if not filecmp.cmp(os.path.join(caps, n), os.path.join(tmp, n), shallow=False)]
        ictw.check(not differ, "captures are byte-identical on a second run (deterministic)", differ)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with open(README) as f:
        readme = f.read()
    undocumented = [n for n in names if "`%s`" % n not in readme]
    ictw.check(not undocumented, "tests/captures/README.md describes every capture", undocumented)
    untested = [n for n in EXPECT if n not in names]
    ictw.check(not untested, "every capture this test expects is registered", untested)
    if shutil.which("capinfos"):
        unreadable = []
        for n in names:
            if n == "truncated.pcap":
                continue
            r = ictw.run(["capinfos", "-c", os.path.join(caps, n)])
            if r.returncode != 0:
                unreadable.append("%s: %s" % (n, r.stderr.strip()[:200]))
        ictw.check(not unreadable, "capinfos reads every capture (but the truncated one)", unreadable)
        r = ictw.run(["capinfos", "-c", os.path.join(caps, "truncated.pcap")])
        ictw.check(r.returncode != 0 and "cut short" in r.stderr, "capinfos sees truncated.pcap as cut short",
                   r.stderr)
    else:
        ictw.skip("capinfos not installed: capture files not cross-checked")
    return names


def main():
    caps = ictw.ensure_captures()
    check_generator(caps)
    if not os.access(ictw.SENSOR, os.X_OK):
        for name in sorted(EXPECT):
            ictw.skip("%s: replay (sensor %s not built yet)" % (name, ictw.SENSOR))
        ictw.skip("link-unsupported-user0.pcap: error and exit code (sensor not built yet)")
        ictw.finish()

    for name in sorted(EXPECT):
        r, flows = check_capture(name, os.path.join(caps, name))
        if name not in ("truncated.pcap",):
            ictw.check(r.returncode == 0, "%s: sensor exits 0" % name, r.stderr[-600:])
        if name == "truncated.pcap":
            lines = [ln for ln in r.stderr.splitlines() if "truncated.pcap" in ln]
            ictw.check(any("truncat" in ln.lower() for ln in lines),
                       "truncated.pcap: a warning naming the file says it is truncated", r.stderr[-600:])
            pkts = [x["flow"].get("pkts_toserver", 0) + x["flow"].get("pkts_toclient", 0)
                    for x in flows if isinstance(x.get("flow"), dict)]
            ictw.check(pkts == [10], "truncated.pcap: the 10 packets read before the cut count", pkts)
        if name == "pcap-nanosecond.pcap" and flows:
            fl = flows[0].get("flow", {})
            ictw.check(fl.get("start") == "2023-11-14T22:13:20.000000+0000"
                       and fl.get("end") == "2023-11-14T22:13:20.090000+0000",
                       "pcap-nanosecond.pcap: nanosecond stamps read as such", fl)
        if name in ("tcp-handshake-close.pcap", "tcp-rst.pcap") and flows:
            rec = next((x for x in flows if x.get("src_port") in (40032, 40033)), {})
            ictw.check(rec.get("flow", {}).get("state") == "closed", "%s: TCP state closed" % name,
                       rec.get("flow"))

    path = os.path.join(caps, "link-unsupported-user0.pcap")
    r, records, bad = replay(path)
    lines = [ln for ln in r.stderr.splitlines() if "link-unsupported-user0.pcap" in ln]
    ictw.check(r.returncode == 1 and len(lines) == 1 and not records
               and lines[0].endswith("link-unsupported-user0.pcap: unsupported link type USER0 (147); file skipped"),
               "link-unsupported-user0.pcap: one error line naming the file and link type USER0 (147), "
               "no records, exit 1", "exit %d\n%s" % (r.returncode, r.stderr[-600:]))
    # A type libpcap names (IEEE802_11, 105) and one nobody names (300): name and number, or 'unknown'.
    tmp = tempfile.mkdtemp(prefix="ictw-link-")
    for dlt, want in ((105, "IEEE802_11 (105)"), (300, "unknown (300)")):
        path = os.path.join(tmp, "link-%d.pcap" % dlt)
        with open(path, "wb") as f:
            f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, dlt))
            f.write(struct.pack("<IIII", 1700000000, 0, 4, 4) + b"\0\0\0\0")
        r, records, bad = replay(path)
        lines = [ln for ln in r.stderr.splitlines() if path in ln]
        ictw.check(r.returncode == 1 and len(lines) == 1 and "unsupported link type %s; file skipped" % want in lines[0],
                   "link type %d: the error says '%s'" % (dlt, want), r.stderr[-600:])
    shutil.rmtree(tmp, ignore_errors=True)
    ictw.finish()


if __name__ == "__main__":
    main()
