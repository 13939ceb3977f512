#!/usr/bin/python3
"""tools/gen-bench-rules.py OUTDIR - the large rule set of the rules benchmark (tools/bench-rules.sh).

Writes, deterministically (a fixed linear congruential generator, no
randomness), a copy of rules/ into OUTDIR/rules-large/ with:

  bench-content.rules      10,000 content rules: 8-14 byte patterns (half of
                           them nocase) in the shapes public rule sets use
                           (HEADERS: requests to HTTP, SMB, SMTP ports and
                           any port, HTTP responses, DNS, any UDP), sids
                           2000000000+ (outside the shipped range); random
                           patterns, so they do not fire on real traffic and
                           the run measures matching, not alert output
  lists/iprep-1m.txt       1,000,000 IPv4 addresses (100.64.0.0/12, category
                           1 = c2, score 100), read by the shipped sid 9108000
  lists/ioc-domains.lst    1,000,000 base64-encoded domain names (replacing the
                           shipped list), read by sids 9108010/9108011

The shipped rules stay in the copy, so the large run is "shipped rules plus a
national-scale IOC load". Files are written only when missing or older than
this script.
"""
import base64
import os
import shutil
import sys

N_RULES = 10000
N_IPS = 1000000
N_DOMAINS = 1000000
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
# The mix of rule shapes, by share (out of 20), as in public rule sets: mostly
# requests to a service port, some responses, some any-port rules.
HEADERS = (["tcp any any -> any 80 (flow:established,to_server;"] * 6 +
           ["tcp any any -> any [8080,8000,8888] (flow:established,to_server;"] * 2 +
           ["tcp any 80 -> any any (flow:established,to_client;"] * 3 +
           ["udp any any -> any 53 ("] * 2 +
           ["tcp any any -> any 445 (flow:established,to_server;"] * 2 +
           ["tcp any any -> any 25 (flow:established,to_server;"] * 2 +
           ["tcp any any -> any any (flow:established,to_server;"] * 2 +
           ["udp any any -> any any ("] * 1)
ALPHA = "abcdefghijklmnopqrstuvwxyz0123456789"


class Lcg:
    def __init__(self, seed):
        self.x = seed

    def next(self):
        self.x = (self.x * 6364136223846793005 + 1442695040888963407) & 0xFFFFFFFFFFFFFFFF
        return self.x >> 33

    def word(self, lo, hi):
        n = lo + self.next() % (hi - lo + 1)
        return "".join(ALPHA[self.next() % len(ALPHA)] for _ in range(n))


def write_rules(path):
    g = Lcg(1)
    with open(path, "w") as f:
        f.write("# bench-content.rules - %d generated content rules for tools/bench-rules.sh\n" % N_RULES)
        for i in range(N_RULES):
            pat = g.word(8, 14)
            nocase = " nocase;" if i % 2 else ""
            head = HEADERS[i % len(HEADERS)]
            f.write('alert %s msg:"ICTWATCH BENCH content %d"; content:"%s";%s sid:%d; rev:1;)\n'
                    % (head, i, pat, nocase, 2000000000 + i))


def write_iprep(path):
    with open(path, "w") as f:
        f.write("# iprep-1m.txt - %d addresses of 100.64.0.0/12 for tools/bench-rules.sh\n" % N_IPS)
        base = (100 << 24) | (64 << 16)
        for i in range(N_IPS):
            a = base + i
            f.write("%d.%d.%d.%d,1,100\n" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255))


def write_domains(path):
    g = Lcg(2)
    tlds = ["com", "net", "org", "info", "xyz", "top", "ru", "cn"]
    with open(path, "w") as f:
        f.write("# ioc-domains.lst - %d generated domains (base64) for tools/bench-rules.sh\n" % N_DOMAINS)
        for i in range(N_DOMAINS):
            name = "%s%d.%s" % (g.word(6, 12), i, tlds[i % len(tlds)])
            f.write(base64.b64encode(name.encode()).decode() + "\n")


def main(argv):
    if len(argv) != 2:
        sys.stderr.write(__doc__)
        return 2
    out = os.path.join(argv[1], "rules-large")
    stamp = os.path.join(out, ".stamp")
    if os.path.exists(stamp) and os.path.getmtime(stamp) >= os.path.getmtime(__file__):
        return 0
    if os.path.exists(out):
        shutil.rmtree(out)
    shutil.copytree(os.path.join(ROOT, "rules"), out)
    write_rules(os.path.join(out, "bench-content.rules"))
    write_iprep(os.path.join(out, "lists", "iprep-1m.txt"))
    write_domains(os.path.join(out, "lists", "ioc-domains.lst"))
    open(stamp, "w").close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
