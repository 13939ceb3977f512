#!/usr/bin/python3
"""test_rules_shared.py - a broad rule set over every real capture in ../shared/pcaps/ndpi.

Every capture must replay with the rules loaded (no crash, exit 0 or the
truncated-file status), every alert must validate against the EVE schema,
and captures whose content is known must raise the alerts they should:
selfsigned.pcap a self-signed certificate risk, dns.pcap a DNS query,
tls SNI and JA3 on TLS captures, HTTP fields on 1kxun.pcap, Modbus/DNP3/
IEC-104/S7comm by protocol. SKIPs when ../shared is absent.
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402
import ruletest as rt  # noqa: E402

if not ictw.have_shared():
    ictw.skip_all("../shared/pcaps/ndpi is not here")
wd = rt.Workdir()
rt.require_rules_in_sensor(wd)
PCAPS = os.path.join(ictw.SHARED, "pcaps", "ndpi")

RULES = r'''
alert ip any any -> any any (msg:"self-signed"; ndpi-risk:NDPI_TLS_SELFSIGNED_CERTIFICATE; sid:1;)
alert dns any any -> any any (msg:"dns query"; dns.query; content:"."; sid:2;)
alert tls any any -> any any (msg:"tls sni"; tls.sni; content:"."; sid:3;)
alert tls any any -> any any (msg:"ja3"; ja3.hash; pcre:"/^[0-9a-f]{32}$/"; sid:4;)
alert http any any -> any any (msg:"http host"; http.host; content:"."; http.method; content:"GET"; sid:5;)
alert modbus any any -> any any (msg:"modbus"; sid:6;)
alert dnp3 any any -> any any (msg:"dnp3"; sid:7;)
alert iec104 any any -> any any (msg:"iec104"; sid:8;)
alert s7comm any any -> any any (msg:"s7comm"; sid:9;)
alert tcp any any -> any any (msg:"tcp syn burst"; flags:S; detection_filter:track by_src, count 20, seconds 60, unique_on dst_port; sid:10;)
alert ip any any -> any any (msg:"host sweep"; detection_filter:track by_src, count 30, seconds 60, unique_on dst_ip; sid:11;)
alert tcp any any -> any any (msg:"GET"; content:"GET /"; depth:5; pcre:"/^GET \/[^ ]* HTTP\/1\.[01]\r\n/"; threshold:type limit, track by_src, count 5, seconds 60; sid:12;)
alert udp any any -> any any (msg:"dns long label"; content:"|00 01 00 00|"; pcre:"/[a-z0-9]{40,}/i"; sid:13;)
alert tcp any any -> any any (msg:"backtrack"; content:"a"; content:"b"; distance:0; within:2; content:"c"; distance:0; within:4; threshold:type limit, track by_rule, count 100, seconds 3600; sid:14;)
alert ip any any -> any any (msg:"ssh"; ndpi-protocol:SSH; sid:15;)
alert ip any any -> any any (msg:"any risk combo"; ndpi-risk:!NDPI_TLS_SELFSIGNED_CERTIFICATE; ndpi-protocol:TLS; sid:16;)
alert tcp any any -> any any (msg:"flowbit set"; content:"HTTP/1."; flowbits:set,http; noalert; sid:17;)
alert tcp any any -> any any (msg:"flowbit read"; flowbits:isset,http; content:"Content-Type"; threshold:type limit, track by_flow, count 1, seconds 3600; sid:18;)
alert icmp any any -> any any (msg:"icmp"; itype:8; threshold:type both, track by_src, count 3, seconds 10; sid:19;)
alert ip any any -> any any (msg:"failed"; app-layer-protocol:failed; threshold:type limit, track by_rule, count 1, seconds 86400; sid:20;)
'''
rules = wd.write("broad.rules", RULES)

expect = {
    "selfsigned.pcap": [1, 4],
    "dns.pcap": [2],
    "1kxun.pcap": [5, 12],
    "modbus.pcap": [6],
    "dnp3.pcap": [7],
    "iec60780-5-104.pcap": [8],
    "s7comm.pcap": [9],
    "ssh.pcap": [15],
    "synscan.pcap": [10],
    "ssl-cert-name-mismatch.pcap": [3, 4],
    "netflix.pcap": [3, 4, 16],
}

bad_runs, bad_schema, missing, total = [], [], [], 0
for name in sorted(os.listdir(PCAPS)):
    path = os.path.join(PCAPS, name)
    if not os.path.isfile(path) or not name.endswith((".pcap", ".pcapng", ".cap")):
        continue
    r = ictw.run([ictw.SENSOR, "-q", "-r", path, "-S", rules, "--stdout", "--stdout-types", "alert",
                  "--sensor-id", "shared"])
    if r.returncode not in (0, 1) or "rules loaded" in r.stderr and "0 failed" not in r.stderr:
        bad_runs.append("%s: exit %d %s" % (name, r.returncode, r.stderr[-300:]))
        continue
    recs = [json.loads(line) for line in r.stdout.splitlines() if line.strip()]
    total += len(recs)
    errs = ictw.eve_errors(recs, limit=2)
    if errs:
        bad_schema.append("%s: %s" % (name, errs))
    got = rt.count_by_sid(recs)
    for sid in expect.get(name, []):
        if not got.get(sid):
            missing.append("%s: sid %d did not fire (got %s)" % (name, sid, dict(got)))

ictw.check(not bad_runs, "every shared capture replays with the broad rule set loaded", "\n".join(bad_runs))
ictw.check(not bad_schema, "every alert on the shared captures validates against the EVE schema",
           "\n".join(bad_schema))
ictw.check(not missing, "known captures raise their alerts", "\n".join(missing))
ictw.check(total > 100, "the rule set alerts on the shared captures (%d alerts)" % total)
ictw.finish()
