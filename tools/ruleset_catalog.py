"""tools/ruleset_catalog.py - the shipped ruleset as data: rules, classes, proof tables.

Reads rules/*.rules the way a person reads them: each rule with the comment
block right above it (its description), its sid, msg, classtype, the
severity Suricata would give it (explicit priority, else the classtype's
priority from rules/classification.config, else 3) and its metadata pairs.
Also reads the proof tables tests/ruleset-cases.tsv (generated captures) and
tests/ruleset-shared-captures.tsv (captures of ../shared/pcaps/ndpi).

Used by tools/gen-ruleset-doc.py (the catalogue in docs/ruleset.md) and by the
ruleset tests (tests/lib/ruleset.py). Standard library only.
"""
import collections
import os
import re

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), ".."))
RULES_DIR = os.path.join(ROOT, "rules")
RULE_FILES = ["ics.rules", "scan.rules", "dos.rules", "bruteforce.rules", "dns.rules", "tls.rules",
              "malware.rules", "ioc.rules"]
CASES_TSV = os.path.join(ROOT, "tests", "ruleset-cases.tsv")
SHARED_TSV = os.path.join(ROOT, "tests", "ruleset-shared-captures.tsv")

# Rules that no capture can prove yet, and why (docs/ruleset.md prints the reason in
# the catalogue; tests/integration/test_ruleset.py accepts them without a proof).
UNPROVEN = {}

RULE_RE = re.compile(r"^(alert|pass|drop|reject)\s")
CLASS_RE = re.compile(r"\s*config classification:\s*([^,]+),([^,]*),\s*(\d+)")


def read_classes(path=os.path.join(RULES_DIR, "classification.config")):
    """{shortname: (description, priority)}"""
    classes = {}
    with open(path) as f:
        for line in f:
            m = CLASS_RE.match(line)
            if m:
                classes[m.group(1).strip()] = (m.group(2).strip(), int(m.group(3)))
    return classes


def rule_option(text, name):
    """First value of a rule option, without its quotes, or None."""
    m = re.search(r"[(;]\s*%s\s*:\s*(\"(?:[^\"\\]|\\.)*\"|[^;]*);" % re.escape(name), text)
    if not m:
        return None
    v = m.group(1).strip()
    return v[1:-1] if v.startswith('"') else v


def read_rules(rules_dir=RULES_DIR):
    """Every rule of the shipped files, in file order, as dicts: file, line, text, sid,
    msg, classtype, category, severity, metadata {key: [values]}, description, noalert."""
    classes = read_classes(os.path.join(rules_dir, "classification.config"))
    rules = []
    for fname in RULE_FILES:
        comment = []
        with open(os.path.join(rules_dir, fname)) as f:
            for lineno, line in enumerate(f, 1):
                line = line.rstrip("\n")
                if line.startswith("#"):
                    comment.append(line[1:].strip())
                    continue
                if not RULE_RE.match(line):
                    comment = []
                    continue
                classtype = rule_option(line, "classtype")
                prio = rule_option(line, "priority")
                category, class_prio = classes.get(classtype, ("", 3))
                meta = collections.defaultdict(list)
                for pair in (rule_option(line, "metadata") or "").split(","):
                    key, _, value = pair.strip().partition(" ")
                    if key:
                        meta[key].append(value.strip())
                rules.append({"file": fname, "line": lineno, "text": line,
                              "sid": int(rule_option(line, "sid")), "msg": rule_option(line, "msg"),
                              "classtype": classtype, "category": category,
                              "severity": int(prio) if prio else class_prio, "metadata": dict(meta),
                              "description": " ".join(comment).strip(),
                              "noalert": "flowbits:noalert" in line.replace(" ", "")})
                comment = []
    return rules


def parse_expect(text):
    """'9101000:1 9101100:2' -> {9101000: 1, 9101100: 2}; '-' -> {}."""
    out = {}
    if text.strip() in ("", "-"):
        return out
    for item in text.split():
        sid, _, n = item.partition(":")
        out[int(sid)] = int(n) if n else 1
    return out


def read_tsv(path):
    """Rows of a tab-separated table, comments and blank lines skipped: the stripped
    fields followed by the line number."""
    rows = []
    with open(path) as f:
        for lineno, line in enumerate(f, 1):
            if not line.strip() or line.startswith("#"):
                continue
            rows.append([x.strip() for x in line.rstrip("\n").split("\t")] + [lineno])
    return rows


def proofs():
    """{sid: ["capture (generated)", "capture.pcap (shared)", ...]} from both proof tables."""
    out = collections.defaultdict(list)
    if os.path.exists(CASES_TSV):
        for row in read_tsv(CASES_TSV):
            for sid in parse_expect(row[1]):
                label = row[0] if row[2] == "-" else "%s (%s)" % (row[0], row[2])
                if label not in out[sid]:
                    out[sid].append(label)
    if os.path.exists(SHARED_TSV):
        for row in read_tsv(SHARED_TSV):
            for sid in parse_expect(row[2]):
                label = "shared:" + row[0]
                if label not in out[sid]:
                    out[sid].append(label)
    return out
