#!/usr/bin/python3
"""test_ruleset.py - the shipped ruleset loads cleanly and fires exactly as tests/ruleset-cases.tsv says.

1. --test-rules on every rules/*.rules file: exit 0, every rule loaded, none failed.
2. Every rule has a msg prefixed "ICTWATCH <THEME>", a classtype known to
   rules/classification.config, rev, metadata with mitre_technique_id,
   created_at, updated_at and confidence, and a sid in its file's sub-range.
3. Each capture of tests/captures/make-ruleset-captures.py, replayed with all
   shipped rules: the sids that fire and how often are exactly the table's
   (unlisted sids must stay silent); every alert validates against
   ../shared/eve-schema.json; its severity is the rule's (priority or
   classtype) and its category the classtype's description.
4. Every alerting rule is proven by at least one capture of the table (or is
   listed in UNPROVEN of tools/ruleset_catalog.py with the reason).
"""
import collections
import hashlib
import os
import sys
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402
import ruleset  # noqa: E402

THEMES = {"ics.rules": ("ICS", 9101000), "scan.rules": ("SCAN", 9102000), "dos.rules": ("DOS", 9103000),
          "bruteforce.rules": ("BRUTEFORCE", 9104000), "dns.rules": ("DNS", 9105000),
          "tls.rules": ("TLS", 9106000), "malware.rules": ("MALWARE", 9107000), "ioc.rules": ("IOC", 9108000)}

def check_static(rules):
    problems = []
    classes = ruleset.read_classes()
    seen = {}
    for r in rules:
        where = "%s:%d sid %d" % (r["file"], r["line"], r["sid"])
        theme, base = THEMES[r["file"]]
        if not (r["msg"] or "").startswith("ICTWATCH %s " % theme):
            problems.append("%s: msg must start with 'ICTWATCH %s '" % (where, theme))
        if not base <= r["sid"] < base + 1000:
            problems.append("%s: sid outside %d-%d" % (where, base, base + 999))
        if r["sid"] in seen:
            problems.append("%s: sid also at %s" % (where, seen[r["sid"]]))
        seen[r["sid"]] = where
        if r["classtype"] not in classes:
            problems.append("%s: classtype %r not in classification.config" % (where, r["classtype"]))
        if not ruleset.rule_option(r["text"], "rev"):
            problems.append("%s: no rev" % where)
        for key in ("mitre_technique_id", "mitre_tactic_id", "created_at", "updated_at", "confidence"):
            if not r["metadata"].get(key):
                problems.append("%s: metadata has no %s" % (where, key))
        if not r["description"]:
            problems.append("%s: no description comment above the rule" % where)
    return problems


def run_case(name, capture, expect, options, rules_by_sid):
    """Returns (label, problems) for one row of the table."""
    extra, copy = [], None
    try:
        rules_dir = ruleset.RULES_DIR
        if "ja3-list" in options:
            ja3 = ruleset.first_ja3(capture)
            if not ja3:
                return name, ["no JA3 reported for the capture"]
            copy = ruleset.RulesCopy()
            copy.append("lists/ja3-malicious.txt", "# test entry\n%s\n" % ja3)
            copy.append("lists/ioc-ja3.lst", "%s\n" % ja3)
            rules_dir = copy.path
            extra += ["--set", "dpi.ja3-file=" + os.path.join(copy.path, "lists", "ja3-malicious.txt")]
        if "sha1-list" in options:
            der = ruleset.first_server_cert(capture)
            if not der:
                return name, ["no certificate found in the capture"]
            copy = copy or ruleset.RulesCopy()
            sha1 = hashlib.sha1(der).hexdigest()
            path = copy.write("lists/cert-sha1-blocklist.csv", "# test\n2026-03-02 08:00:00,%s,test\n" % sha1)
            extra += ["--set", "dpi.sha1-file=" + path]
            rules_dir = copy.path
        recs, err, rc = ruleset.run_sensor(capture, rules_dir=rules_dir, extra=extra)
        problems = []
        if rc != 0:
            problems.append("sensor exited with %d: %s" % (rc, err[-400:]))
        got = ruleset.count_by_sid(recs)
        for sid in sorted(set(expect) | set(got)):
            if got.get(sid, 0) != expect.get(sid, 0):
                problems.append("sid %d: expected %d alerts, got %d" % (sid, expect.get(sid, 0), got.get(sid, 0)))
        for a in ruleset.alerts(recs):
            r = rules_by_sid.get(a["alert"]["signature_id"])
            if r and (a["alert"].get("severity") != r["severity"] or a["alert"].get("category") != r["category"]):
                problems.append("sid %d: severity/category %s/%r, rule says %s/%r" % (
                    r["sid"], a["alert"].get("severity"), a["alert"].get("category"), r["severity"], r["category"]))
                break
        problems += ictw.eve_errors(ruleset.alerts(recs))
        return name, problems
    finally:
        if copy:
            copy.close()


def main():
    ruleset.require_engine()

    rules = ruleset.read_rules()
    alerting = [r for r in rules if not r["noalert"]]
    problems = check_static(rules)
    ictw.check(not problems, "every rule has msg prefix, sid range, classtype, rev, metadata and a description",
               "\n".join(problems))

    p = ictw.run([ictw.SENSOR, "--test-rules"] + ruleset.sensor_args())
    ictw.check(p.returncode == 0, "--test-rules on the shipped rules exits 0", p.stderr[-2000:])
    ictw.check("%d rules loaded, 0 failed" % len(rules) in p.stderr,
               "--test-rules loads all %d shipped rules and none fails" % len(rules), p.stderr[-2000:])

    caps = ruleset.ensure_captures()
    rows = ruleset.read_tsv(ruleset.CASES_TSV)
    rules_by_sid = {r["sid"]: r for r in rules}
    jobs = []
    with ThreadPoolExecutor(max_workers=max(2, min(8, os.cpu_count() or 2))) as pool:
        for row in rows:
            name, expect, options = row[0], ruleset.parse_expect(row[1]), row[2]
            label = name if options == "-" else "%s (%s)" % (name, options)
            capture = os.path.join(caps, name + ".pcap")
            jobs.append(pool.submit(run_case, label, capture, expect, options, rules_by_sid))
        for j in jobs:
            label, probs = j.result()
            ictw.check(not probs, "%s: exactly the expected alerts, valid EVE, rule severity" % label,
                       "\n".join(probs))

    proven = collections.defaultdict(list)
    for row in rows:
        for sid in ruleset.parse_expect(row[1]):
            proven[sid].append(row[0])
    missing = [r["sid"] for r in alerting if r["sid"] not in proven and r["sid"] not in ruleset.UNPROVEN]
    ictw.check(not missing, "every alerting rule fires on at least one generated capture",
               "unproven: %s" % missing)
    stale = [sid for sid in ruleset.UNPROVEN if sid in proven or sid not in rules_by_sid]
    ictw.check(not stale, "UNPROVEN (tools/ruleset_catalog.py) lists only rules without a generated proof",
               "stale: %s" % stale)
    unknown = [sid for sid in proven if sid not in rules_by_sid]
    ictw.check(not unknown, "the case table names only shipped sids", "unknown: %s" % unknown)
    ictw.finish()


if __name__ == "__main__":
    main()
