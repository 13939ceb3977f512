#!/usr/bin/env python3
"""tools/eve-summary.py - a short human summary of EVE JSON files: flows by
application protocol and nDPI risk, alerts by severity and signature.

Usage: eve-summary.py EVE.json [EVE.json ...]
"""
import collections
import json
import sys


def main():
    flows = collections.Counter()
    risks = collections.Counter()
    alerts = collections.Counter()
    sev = collections.Counter()
    n_flows = n_alerts = 0
    for path in sys.argv[1:]:
        with open(path, errors="replace") as f:
            for line in f:
                try:
                    r = json.loads(line)
                except ValueError:
                    continue
                if r.get("event_type") == "flow":
                    n_flows += 1
                    flows[r.get("ndpi", {}).get("protocol", r.get("app_proto", "?"))] += 1
                    for k in r.get("ndpi", {}).get("risks", []):
                        risks[k.get("code", "?")] += 1
                elif r.get("event_type") == "alert":
                    n_alerts += 1
                    a = r["alert"]
                    sev[a.get("severity")] += 1
                    alerts[(a.get("severity"), a.get("signature_id"), a.get("signature"))] += 1
    print("%d flows, %d alerts" % (n_flows, n_alerts))
    if flows:
        print("\nflows by application (nDPI):")
        for name, n in flows.most_common(15):
            print("  %6d  %s" % (n, name))
    if risks:
        print("\nnDPI risks seen on flows:")
        for name, n in risks.most_common(15):
            print("  %6d  %s" % (n, name))
    if alerts:
        print("\nalerts by severity: " + ", ".join("%s: %d" % (k, v) for k, v in sorted(sev.items())))
        print("\ntop alerts:")
        for (s, sid, msg), n in sorted(alerts.items(), key=lambda kv: (kv[0][0], -kv[1]))[:25]:
            print("  %6d  sev %s  sid %-8s %s" % (n, s, sid, msg))


if __name__ == "__main__":
    main()
