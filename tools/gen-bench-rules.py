#!/usr/bin/python3
"""tools/gen-bench-rules.py OUTDIR [RULES] [IOCS] - the large rule set of make bench.

Writes into OUTDIR:
  big.rules          RULES content rules (default 10,000) shaped like a public
                     ruleset: most on established to_server TCP with a 10-24 byte
                     content (some with a second, relative content), a fifth on
                     http.uri / http.host / tls.sni / dns.query, a tenth on a
                     destination port; plus one iprep rule and one dataset rule
  categories.txt     the iprep category "ioc"
  ips.csv            IOCS IPv4 addresses (default 1,000,000), "ip,1,score" lines
  domains.lst        IOCS domains, base64 per line (Suricata's dataset format)
  sensor.conf        the settings that load all of it

Deterministic (fixed seed), so every run benchmarks the same rules.
"""
import base64
import os
import random
import sys

ALPHA = "abcdefghijklmnopqrstuvwxyz0123456789-_./=?&"


def pattern(rng, lo=10, hi=24):
    return "".join(rng.choice(ALPHA) for _ in range(rng.randint(lo, hi)))


def rule(rng, i):
    sid = 3000000 + i
    kind = i % 20
    if kind < 2:
        return ('alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"bench uri %d"; flow:established,to_server; '
                'http.uri; content:"/%s"; sid:%d; rev:1;)' % (i, pattern(rng), sid))
    if kind == 2:
        return ('alert http $HOME_NET any -> $EXTERNAL_NET any (msg:"bench host %d"; http.host; '
                'content:"%s.example"; endswith; sid:%d; rev:1;)' % (i, pattern(rng, 6, 12), sid))
    if kind == 3:
        return ('alert tls $HOME_NET any -> $EXTERNAL_NET any (msg:"bench sni %d"; tls.sni; '
                'content:"%s"; sid:%d; rev:1;)' % (i, pattern(rng, 8, 16), sid))
    if kind == 4:
        return ('alert dns $HOME_NET any -> any any (msg:"bench dns %d"; dns.query; content:"%s"; nocase; '
                'sid:%d; rev:1;)' % (i, pattern(rng, 8, 16), sid))
    if kind < 7:
        return ('alert tcp $EXTERNAL_NET any -> $HOME_NET %d (msg:"bench port %d"; flow:established,to_server; '
                'content:"%s"; sid:%d; rev:1;)' % (rng.choice([21, 23, 25, 445, 1433, 3306, 3389, 8080]), i,
                                                   pattern(rng), sid))
    if kind < 10:
        return ('alert tcp $HOME_NET any -> $EXTERNAL_NET any (msg:"bench two %d"; flow:established,to_server; '
                'content:"%s"; content:"%s"; distance:0; within:200; sid:%d; rev:1;)'
                % (i, pattern(rng), pattern(rng, 4, 8), sid))
    return ('alert tcp any any -> any any (msg:"bench %d"; flow:established,to_server; content:"%s"; nocase; '
            'sid:%d; rev:1;)' % (i, pattern(rng), sid))


def main():
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    out = os.path.abspath(sys.argv[1])
    nrules = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    niocs = int(sys.argv[3]) if len(sys.argv) > 3 else 1000000
    os.makedirs(out, exist_ok=True)
    rng = random.Random(20261127)
    with open(os.path.join(out, "big.rules"), "w") as f:
        for i in range(nrules):
            f.write(rule(rng, i) + "\n")
        f.write('alert ip any any -> any any (msg:"IOC address"; iprep:any,ioc,isset; '
                'classtype:trojan-activity; sid:3999998; rev:1;)\n')
        f.write('alert dns any any -> any any (msg:"IOC domain"; dns.query; '
                'dataset:isset,ioc-domains, type string, load domains.lst; classtype:domain-c2; '
                'sid:3999999; rev:1;)\n')
    with open(os.path.join(out, "categories.txt"), "w") as f:
        f.write("1,ioc,Indicators of compromise\n")
    with open(os.path.join(out, "ips.csv"), "w") as f:
        seen = set()
        while len(seen) < niocs:
            ip = rng.getrandbits(32)
            if ip >> 24 in (0, 10, 127) or ip >> 28 >= 14 or ip in seen:
                continue
            seen.add(ip)
            f.write("%d.%d.%d.%d,1,%d\n" % (ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255, 1 + ip % 127))
    with open(os.path.join(out, "domains.lst"), "w") as f:
        for i in range(niocs):
            d = "%s%d.%s" % (pattern(rng, 5, 12).replace(".", "").replace("/", ""), i,
                             rng.choice(["com", "net", "org", "info", "xyz"]))
            f.write(base64.b64encode(d.encode()).decode() + "\n")
    with open(os.path.join(out, "sensor.conf"), "w") as f:
        f.write("rule-files = %s\n" % os.path.join(out, "big.rules"))
        f.write("reputation-categories-file = %s\n" % os.path.join(out, "categories.txt"))
        f.write("reputation-files = %s\n" % os.path.join(out, "ips.csv"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
