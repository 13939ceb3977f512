"""Replays every capture of ../shared/pcaps/ndpi and compares the application
protocol of our flows with what Debian's ndpiReader 4.2 reported for the same
capture (../shared/pcaps/ndpi/ndpi-4.2/*.out).

Flows are paired by protocol and both endpoints (address:port, either order).
The issue asks that at least 95% of ndpiReader's flows get the same protocol
from us. Disagreements are written to build/test-logs/ndpi-disagreements.txt
and explained in docs/ndpi-agreement.md.

Every record we write must also validate against ../shared/eve-schema.json.
Run alone: /usr/bin/python3 tests/integration/test_ndpi_agreement.py [-v]
"""
import collections
import json
import os
import re
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402

LINE = re.compile(r"^\s+\d+\s+(\S+)\s+(\S+)\s+<->\s+(\S+)\s+(.*)$")
PROTO = re.compile(r"\[proto: [0-9.]+/([^\]]+)\]")
VLAN = re.compile(r"\[VLAN: (\d+)\]")
L4_NAMES = {"TCP": "TCP", "UDP": "UDP", "ICMP": "ICMP", "IPv6-ICMP": "ICMPV6"}
# ndpiReader prints other IP protocols by number, and their flows without ports.
IP_PROTO_NUMBERS = {"ESP": "50", "OSPF": "89", "SCTP": "132", "GRE": "47", "IGMP": "2", "VRRP": "112",
                    "PIM": "103", "IPIP": "4", "IPv6": "41", "AH": "51"}


def endpoint(text):
    """'[2a00::1]:443' or '1.2.3.4:80' -> (address, port) in our short form."""
    if text.startswith("["):
        addr, _, port = text[1:].partition("]:")
    else:
        addr, _, port = text.rpartition(":")
    return normalise(addr), int(port or 0)


def normalise(addr):
    import ipaddress
    try:
        return str(ipaddress.ip_address(addr))
    except ValueError:
        return addr


def read_reference(path):
    flows = []
    with open(path, errors="replace") as f:
        for line in f:
            m = LINE.match(line)
            if not m:
                continue
            p = PROTO.search(m.group(4))
            if not p:
                continue
            a, b = endpoint(m.group(2)), endpoint(m.group(3))
            v = VLAN.search(m.group(4))
            flows.append({"l4": m.group(1), "ends": frozenset([a, b]), "proto": p.group(1),
                          "vlan": int(v.group(1)) if v else 0, "line": line.strip()[:200]})
    return flows


def our_flows(capture):
    # Not -q: the statistics at exit say how many packets of the file were read.
    r = ictw.run([ictw.SENSOR, "-r", capture, "--stdout", "--stdout-types", "flow",
                  "--sensor-id", "agreement-test"])
    records = [json.loads(l) for l in r.stdout.splitlines() if l.strip()]
    return r, records


def key_of(rec):
    proto = rec.get("proto")
    if proto in L4_NAMES:
        a = (normalise(rec["src_ip"]), rec.get("src_port", 0))
        b = (normalise(rec["dest_ip"]), rec.get("dest_port", 0))
        return L4_NAMES[proto], frozenset([a, b])
    l4 = IP_PROTO_NUMBERS.get(proto, proto)
    return l4, frozenset([(normalise(rec["src_ip"]), 0), (normalise(rec["dest_ip"]), 0)])


def main():
    verbose = "-v" in sys.argv
    if not ictw.have_shared():
        ictw.skip_all("../shared/pcaps/ndpi is absent: nothing to compare with")
    ref_dir = os.path.join(ictw.SHARED, "pcaps", "ndpi", "ndpi-4.2")
    cap_dir = os.path.join(ictw.SHARED, "pcaps", "ndpi")
    total = agree = unpaired = 0
    schema_errors = []
    crashes = []
    lines = []
    by_capture = collections.Counter()
    captures = [n for n in sorted(os.listdir(cap_dir)) if os.path.isfile(os.path.join(cap_dir, n))]
    replayed, unsupported, unread = [], [], []
    for name in captures:
        path = os.path.join(cap_dir, name)
        ref = os.path.join(ref_dir, name + ".out")
        r, records = our_flows(path)
        if r.returncode not in (0, 1) or "AddressSanitizer" in r.stderr or "runtime error" in r.stderr:
            crashes.append("%s: exit %d %s" % (name, r.returncode, r.stderr[-300:]))
            continue
        m = re.search(r"^packets: +(\d+) ", r.stderr, re.M)
        link = re.search(r"%s: unsupported link type \S+ \(\d+\); file skipped" % re.escape(path), r.stderr)
        if r.returncode == 0 and m and int(m.group(1)) > 0:
            replayed.append(name)
        elif r.returncode == 1 and link and m and int(m.group(1)) == 0:
            unsupported.append(name)          # one error line naming the file and its link type
        else:
            unread.append("%s: exit %d, %s" % (name, r.returncode, r.stderr[-300:]))
        errs = ictw.eve_errors(records, limit=3)
        if errs:
            schema_errors.append("%s: %s" % (name, errs[0]))
        if not os.path.exists(ref):
            continue
        ours = collections.defaultdict(list)
        for rec in records:
            ours[key_of(rec)].append((rec.get("vlan", []), rec.get("ndpi", {}).get("protocol", "Unknown")))
        for fl in read_reference(ref):
            total += 1
            got = ours.get((fl["l4"], fl["ends"]))
            if not got:
                # Protocols without ports in our key (ICMP, others) pair on addresses only.
                got = ours.get((fl["l4"], frozenset((a, 0) for a, _ in fl["ends"])))
            if not got:
                unpaired += 1
                by_capture[name] += 1
                lines.append("%s\tno such flow\t%s" % (name, fl["line"]))
                continue
            pick = next((g for g in got if fl["vlan"] in g[0]), got[0])
            if len(got) > 1:
                got.remove(pick)
            mine = pick[1]
            if mine == fl["proto"]:
                agree += 1
            else:
                by_capture[name] += 1
                lines.append("%s\tours=%s ndpiReader=%s\t%s" % (name, mine, fl["proto"], fl["line"]))
    os.makedirs(os.path.join(ictw.BUILD, "test-logs"), exist_ok=True)
    with open(os.path.join(ictw.BUILD, "test-logs", "ndpi-disagreements.txt"), "w") as f:
        f.write("\n".join(lines) + "\n")
    ratio = agree / total if total else 0
    print("# %d of %d ndpiReader flows agree (%.2f%%), %d not paired" % (agree, total, 100 * ratio, unpaired))
    for cap, n in by_capture.most_common(15):
        print("#   %s: %d" % (cap, n))
    if verbose:
        for l in lines:
            print("# " + l)
    print("# %d captures: %d replayed, %d with a link type the sensor does not decode (%s)"
          % (len(captures), len(replayed), len(unsupported), ", ".join(unsupported)))
    ictw.check(len(captures) >= 150, "../shared/pcaps/ndpi holds the nDPI captures (%d files)" % len(captures))
    ictw.check(not crashes, "every capture replays without a crash", "\n".join(crashes))
    ictw.check(not unread and len(replayed) + len(unsupported) == len(captures) and len(unsupported) <= 2,
               "every capture was replayed (%d of %d, packets read from each), except %d whose link type is "
               "reported as unsupported" % (len(replayed), len(captures), len(unsupported)),
               "\n".join(unread[:10]))
    ictw.check(not schema_errors, "every flow record validates against the EVE schema",
               "\n".join(schema_errors[:10]))
    ictw.check(total > 900, "the reference lists flows (%d)" % total)
    ictw.check(ratio >= 0.95, "application protocol agrees with ndpiReader 4.2 for >= 95%% of flows (%.2f%%)"
               % (100 * ratio))
    ictw.finish()


if __name__ == "__main__":
    main()
