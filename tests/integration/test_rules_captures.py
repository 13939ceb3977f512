#!/usr/bin/python3
"""test_rules_captures.py - rules against the project's own generated captures.

Each case replays one capture of tests/captures/make-rule-captures.py with a
rule file and checks the exact number of alerts of every sid (sids that must
not fire are listed with 0), that every alert validates against the EVE
schema, and a few alert fields. Covers header direction and flow state,
content position modifiers with backtracking, pcre, each sticky buffer (and
the legacy spellings), nDPI keywords, datasets, flowbits across packets,
pass rules, thresholds at their boundaries and detection_filter unique_on.
"""
import base64
import hashlib
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402
import ruletest as rt  # noqa: E402

wd = rt.Workdir()
caps = rt.require_rules_in_sensor(wd)


def case(name, capture, rules, expected, extra=None):
    path = wd.write(name + ".rules", rules)
    recs, err, rc = rt.run(os.path.join(caps, capture), path, extra)
    if not ictw.check(rc == 0 and "0 failed" in err, "%s: sensor ran and loaded every rule" % name,
                      err[-2000:]):
        return []
    rt.check_counts(name, recs, expected)
    return recs


def by_sid(recs, sid):
    return [r for r in rt.alerts(recs) if r["alert"]["signature_id"] == sid]


# ---------------------------------------------------------------- HTTP
recs = case("http", "rules-http.pcap", r'''
alert http any any -> any any (msg:"HTTP evil host"; flow:to_server,established; http.host; content:"evil.example"; classtype:trojan-activity; metadata:created_at 2025_01_01, ioc_source feed-a, ioc_source feed-b; reference:cve,2021-44228; sid:1001; rev:2;)
alert http any any -> any any (msg:"curl UA"; http.user_agent; content:"curl/"; startswith; sid:1002;)
alert http any any -> any any (msg:"admin uri"; http.uri; content:"/admin/"; http.method; content:"GET"; sid:1003;)
alert tcp any any -> any any (msg:"legacy http_uri"; content:"login.php"; http_uri; sid:1004;)
alert tcp any 80 -> any any (msg:"PE download"; flow:to_client,established; content:"|0d 0a 0d 0a|MZ"; content:"This program cannot be run"; distance:0; sid:1005;)
alert ip any any -> any any (msg:"binary transfer"; ndpi-risk:NDPI_BINARY_APPLICATION_TRANSFER; sid:1006;)
alert ip any any -> any any (msg:"numeric host"; ndpi-risk:HTTP_NUMERIC_IP_HOST; sid:1007;)
alert http any any -> any any (msg:"POST"; http.method; content:"POST"; sid:1008;)
alert http any any -> any any (msg:"not evil"; http.host; content:!"evil"; sid:1009;)
alert tcp any any -> any 80 (msg:"GET packet"; flow:to_server; content:"GET "; depth:4; sid:1010;)
alert ip any any -> any any (msg:"HTTP flows"; ndpi-protocol:HTTP; sid:1011;)
alert tcp any any -> any any (msg:"not established"; flow:not_established; content:"GET"; sid:1012;)
alert http any any -> any any (msg:"UA nocase"; http.user_agent; content:"MOZILLA"; nocase; sid:1013;)
alert http any any -> any any (msg:"UA case"; http.user_agent; content:"MOZILLA"; sid:1014;)
pass http 10.0.0.11 any -> any any (msg:"trusted client"; sid:1015;)
alert tcp any any -> any 8080 (msg:"wrong port"; content:"GET"; sid:1016;)
''', {1001: 1, 1002: 1, 1003: 1, 1004: 1, 1005: 1, 1006: 1, 1007: 1, 1008: 1, 1009: 1, 1010: 1,
      1011: 2, 1013: 0})
a = by_sid(recs, 1001)
if a:
    al = a[0]["alert"]
    ictw.check(al["category"] == "A Network Trojan was detected" and al["severity"] == 1 and al["rev"] == 2
               and al["signature"] == "HTTP evil host" and al["gid"] == 1 and al["action"] == "allowed",
               "http: alert fields from msg, rev, classtype", al)
    ictw.check(al.get("metadata") == {"created_at": ["2025_01_01"], "ioc_source": ["feed-a", "feed-b"]},
               "http: metadata as sorted arrays", al.get("metadata"))
    ictw.check(a[0].get("direction") == "to_server" and a[0].get("app_proto") == "http"
               and a[0].get("flow", {}).get("src_ip") == "10.0.0.10", "http: direction, app_proto, flow", a[0])
a = by_sid(recs, 1005)
ictw.check(bool(a) and a[0]["direction"] == "to_client" and a[0]["src_ip"] == "198.51.100.80"
           and a[0]["flow"]["src_ip"] == "10.0.0.10", "http: a to_client alert keeps flow orientation",
           a[:1])
flows = [r for r in recs if r.get("event_type") == "flow"]
alerted = sorted(r["src_ip"] for r in flows if r["flow"].get("alerted"))
ictw.check(alerted == ["10.0.0.10", "10.0.0.12"], "http: flow records say which flows alerted "
           "(the passed flow did not)", alerted)

# ---------------------------------------------------------------- DNS + dataset
ioc = "".join(base64.b64encode(d.encode()).decode() + "\n" for d in ["c2.evil.example", "update.evil.example"])
wd.write("domains.lst", ioc)
case("dns", "rules-dns.pcap", r'''
alert dns any any -> any any (msg:"IOC domain"; dns.query; dataset:isset,ioc-domains, type string, load domains.lst; classtype:domain-c2; sid:2001;)
alert dns any any -> any any (msg:"not IOC"; dns.query; dataset:isnotset,ioc-domains; sid:2002;)
alert udp any any -> any 53 (msg:"evil suffix"; dns_query; content:".evil.example"; endswith; sid:2003;)
alert ip any any -> any any (msg:"DNS flows"; app-layer-protocol:dns; sid:2005;)
alert udp any any -> any 53 (msg:"dns limit"; dns.query; content:"example"; threshold:type limit, track by_src, count 2, seconds 60; sid:2006;)
alert udp any any -> any 53 (msg:"dns payload"; content:"|04|evil|07|example|00|"; sid:2007;)
''', {2001: 2, 2002: 1, 2003: 2, 2005: 3, 2006: 2, 2007: 2})

# ---------------------------------------------------------------- TLS
ja3 = hashlib.md5(b"771,49195-49199-156-47,0-10-11,29-23,0").hexdigest()
ja3s = hashlib.md5(b"771,49199,").hexdigest()
recs = case("tls", "rules-tls.pcap", r'''
alert tls any any -> any any (msg:"bad SNI"; tls.sni; content:"bad.example"; sid:3001;)
alert tls any any -> any any (msg:"missing SNI"; ndpi-risk:NDPI_TLS_MISSING_SNI; sid:3002;)
alert tls any any -> any any (msg:"SNI present"; tls_sni; content:"."; sid:3003;)
alert tls any any -> any any (msg:"ja3"; ja3.hash; content:"%s"; sid:3004;)
alert tls any any -> any any (msg:"ja3s"; ja3s_hash; content:"%s"; sid:3005;)
alert ip any any -> any any (msg:"TLS not https"; ndpi-risk:NDPI_TLS_NOT_CARRYING_HTTPS; ndpi-protocol:TLS; sid:3006;)
alert tcp any any -> any 443 (msg:"SNI bytes in the handshake"; content:"good.example"; sid:3007;)
alert tls any any -> any any (msg:"ja3 upper"; ja3_hash; content:"%s"; sid:3008;)
''' % (ja3, ja3s, ja3.upper()), {3001: 1, 3002: 1, 3003: 2, 3004: 2, 3005: 3, 3006: 3, 3007: 1, 3008: 2})
a = by_sid(recs, 3005)
ictw.check(bool(a) and all(x["direction"] == "to_client" for x in a), "tls: ja3s alerts are to_client", a[:1])
a = by_sid(recs, 3001)
ictw.check(bool(a) and a[0].get("tls", {}).get("sni") == "bad.example", "tls: alert carries the tls object", a[:1])

# ---------------------------------------------------------------- scans, thresholds on flags
case("scan", "rules-scan.pcap", r'''
alert tcp any any -> any any (msg:"SYN port scan"; flags:S,CE; flow:to_server; detection_filter:track by_src, count 20, seconds 60, unique_on dst_port; classtype:attempted-recon; sid:4001;)
alert tcp any any -> any any (msg:"host sweep"; flags:S; detection_filter:track by_src, count 50, seconds 10, unique_on dst_ip; sid:4002;)
alert tcp any any -> any any (msg:"RST storm"; flags:RA; flow:to_client; threshold:type both, track by_src, count 5, seconds 60; sid:4003;)
alert tcp any any -> any any (msg:"SYN limit"; flags:S; threshold:type limit, track by_dst, count 3, seconds 60; sid:4004;)
alert tcp any any -> any any (msg:"every 10th SYN"; flags:S; threshold:type threshold, track by_src, count 10, seconds 60; sid:4005;)
alert tcp any any -> any 445 (msg:"SMB SYN not established"; flags:S; flow:not_established; threshold:type limit, track by_rule, count 1, seconds 3600; sid:4006;)
''', {4001: 10, 4002: 10, 4003: 1, 4004: 63, 4005: 9, 4006: 1})

# ---------------------------------------------------------------- FTP: flowbits across packets
case("ftp", "rules-ftp.pcap", r'''
alert tcp any any -> any 21 (msg:"ftp user"; flow:to_server,established; content:"USER "; depth:5; flowbits:set,ftp.user; flowbits:noalert; sid:5001;)
alert tcp any 21 -> any any (msg:"ftp login ok"; flow:to_client; content:"230 "; depth:4; flowbits:isset,ftp.user; flowbits:set,ftp.auth; sid:5002;)
alert tcp any any -> any 21 (msg:"RETR after login"; flow:to_server; content:"RETR "; flowbits:isset,ftp.auth; sid:5003;)
alert tcp any any -> any 21 (msg:"RETR without login"; flow:to_server; content:"RETR "; flowbits:isnotset,ftp.auth; sid:5004;)
alert tcp any any -> any 21 (msg:"passwd"; content:"/etc/passwd"; pcre:"/^RETR\s+\/etc\/passwd/"; sid:5005;)
alert ip any any -> any any (msg:"clear text creds"; ndpi-risk:NDPI_CLEAR_TEXT_CREDENTIALS; sid:5006;)
alert ftp any any -> any any (msg:"ftp classified"; sid:5007;)
alert tcp any any -> any 21 (msg:"failed classification"; app-layer-protocol:failed; sid:5008;)
''', {5002: 1, 5003: 1, 5004: 1, 5005: 2, 5006: 1, 5007: 1, 5008: 1})

# ---------------------------------------------------------------- content positions
case("content", "rules-content.pcap", r'''
alert tcp any any -> any 9000 (msg:"backtrack"; content:"a"; content:"b"; distance:0; within:1; sid:6001;)
alert tcp any any -> any 9000 (msg:"three levels"; content:"k"; content:"l"; distance:0; within:1; content:"m"; distance:0; within:1; sid:6002;)
alert tcp any any -> any 9000 (msg:"startswith"; content:"START"; startswith; sid:6003;)
alert tcp any any -> any 9000 (msg:"endswith"; content:"END"; endswith; sid:6004;)
alert tcp any any -> any 9000 (msg:"pcre relative"; content:"id="; pcre:"/^[0-9]{3}\b/R"; sid:6005;)
alert tcp any any -> any 9000 (msg:"a not followed by b"; content:"a"; content:!"b"; within:1; sid:6006;)
alert tcp any any -> any 9000 (msg:"hex"; content:"|de ad be ef|"; sid:6007;)
alert tcp any any -> any 9000 (msg:"dsize"; dsize:4; sid:6008;)
alert tcp any 9000 -> any any (msg:"server GET"; flow:to_client; content:"GET"; offset:3; depth:3; sid:6009;)
alert tcp any any -> any 9000 (msg:"nothing after klm"; content:"klm"; isdataat:!1,relative; sid:6010;)
alert tcp any any -> any 9000 (msg:"nocase"; content:"get /"; nocase; sid:6011;)
alert tcp any any -> any 9000 (msg:"depth too short"; content:"here"; depth:9; sid:6012;)
alert tcp any any -> any 9000 (msg:"offset"; content:"here"; offset:6; sid:6013;)
''', {6001: 3, 6002: 1, 6003: 1, 6004: 1, 6005: 1, 6006: 3, 6007: 1, 6008: 1, 6009: 9, 6010: 1,
      6011: 1, 6013: 1})

# ---------------------------------------------------------------- thresholds at their boundaries
case("threshold", "rules-threshold.pcap", r'''
alert udp any any -> any 5555 (msg:"limit"; content:"beacon"; threshold:type limit, track by_src, count 2, seconds 10; sid:7001;)
alert udp any any -> any 5555 (msg:"threshold"; content:"beacon"; threshold:type threshold, track by_src, count 3, seconds 10; sid:7002;)
alert udp any any -> any 5555 (msg:"both"; content:"beacon"; threshold:type both, track by_src, count 2, seconds 10; sid:7003;)
alert udp any any -> any 5555 (msg:"detection_filter"; content:"beacon"; detection_filter:track by_src, count 4, seconds 10; sid:7004;)
alert udp any any -> any 5555 (msg:"by_rule"; content:"beacon"; threshold:type limit, track by_rule, count 3, seconds 100; sid:7005;)
alert udp any any -> any 5555 (msg:"many sources"; content:"beacon"; detection_filter:track by_dst, count 1, seconds 100, unique_on src_ip; sid:7006;)
''', {7001: 7, 7002: 2, 7003: 3, 7004: 3, 7005: 3, 7006: 11})

# ---------------------------------------------------------------- ICMP
case("icmp", "rules-icmp.pcap", r'''
alert icmp any any -> any any (msg:"echo request"; itype:8; icode:0; sid:8001;)
alert icmp any any -> any any (msg:"low ttl"; ttl:<5; sid:8002;)
alert icmp any any -> any any (msg:"port unreachable"; itype:3; icode:3; sid:8003;)
alert ip any any -> any any (msg:"ping payload"; content:"ping-payload"; sid:8004;)
alert tcp any any -> any any (msg:"tcp only"; content:"ping"; sid:8005;)
''', {8001: 1, 8002: 1, 8003: 1, 8004: 2})

ictw.finish()
