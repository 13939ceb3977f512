"""tests/lib/ruletest.py - helpers for the rule integration tests (test_rules_*.py).

Generates the rule captures (tests/captures/make-rule-captures.py) into
build/captures/rules once, runs the sensor on a capture with a rule file and
returns the EVE records, and counts alerts by sid. Every alert is checked
against ../shared/eve-schema.json by the caller through ictw.eve_errors().
"""
import atexit
import collections
import json
import os
import shutil
import subprocess
import tempfile

import ictw

RULE_CAPS = os.path.join(ictw.CAPS, "rules")
GEN = os.path.join(ictw.ROOT, "tests", "captures", "make-rule-captures.py")
RULES_DIR = os.path.join(ictw.ROOT, "rules")


def ensure_rule_captures():
    stamp = os.path.join(RULE_CAPS, ".stamp")
    if os.path.exists(stamp) and os.path.getmtime(stamp) >= os.path.getmtime(GEN):
        return RULE_CAPS
    os.makedirs(RULE_CAPS, exist_ok=True)
    subprocess.run([ictw.PYTHON, GEN, RULE_CAPS], check=True, stdout=subprocess.DEVNULL)
    open(stamp, "w").close()
    return RULE_CAPS


class Workdir:
    """A temporary directory for rule files and IOC lists."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="ictw-rules-")
        atexit.register(shutil.rmtree, self.path, True)

    def write(self, name, text, mode="w"):
        p = os.path.join(self.path, name)
        with open(p, mode) as f:
            f.write(text)
        return p


def run(capture, rules_path, extra=None):
    """Runs the sensor on one capture; returns (records, stderr, exit code)."""
    args = [ictw.SENSOR, "-r", capture, "-S", rules_path, "--rules-dir", RULES_DIR, "--stdout",
            "--sensor-id", "rules-test"] + (extra or [])
    p = ictw.run(args)
    recs = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    return recs, p.stderr, p.returncode


def alerts(records):
    return [r for r in records if r.get("event_type") == "alert"]


def count_by_sid(records):
    return collections.Counter(r["alert"]["signature_id"] for r in alerts(records))


def require_rules_in_sensor(wd):
    """Skips the whole file when this sensor build does not run rules yet."""
    if not os.access(ictw.SENSOR, os.X_OK):
        ictw.skip_all("no sensor binary (make first)")
    caps = ensure_rule_captures()
    probe = wd.write("probe.rules", 'alert ip any any -> any any (msg:"probe"; sid:1;)\n')
    recs, err, rc = run(os.path.join(caps, "rules-icmp.pcap"), probe)
    if "rules loaded" not in err:
        ictw.skip_all("this sensor build does not load rules yet: detect_engine_load() is not "
                      "wired into the pipeline (see sensor/detect/detect.h)")
    return caps


def check_counts(name, records, expected):
    """expected: {sid: count}; every sid not listed must not fire."""
    got = count_by_sid(records)
    ok = True
    lines = []
    for sid in sorted(set(expected) | set(got)):
        want = expected.get(sid, 0)
        if got.get(sid, 0) != want:
            ok = False
            lines.append("sid %d: expected %d alerts, got %d" % (sid, want, got.get(sid, 0)))
    ictw.check(ok, "%s: alert counts by sid" % name, "\n".join(lines))
    errs = ictw.eve_errors(alerts(records))
    ictw.check(not errs, "%s: alerts validate against eve-schema.json" % name, "\n".join(errs))
    return got
