"""tests/lib/ruleset.py - the shipped ruleset (rules/*.rules) as the tests run it.

One place says how the sensor is started with every shipped rule file, the
IOC lists and the HOME_NET the ruleset tests use; generates the ruleset
captures (tests/captures/make-ruleset-captures.py) into build/captures/ruleset
once; and finds what a test needs inside a capture (a certificate, a JA3).
Reading the rule files and the case tables is tools/ruleset_catalog.py's job
(shared with tools/gen-ruleset-doc.py).
"""
import json
import os
import shutil
import sys
import tempfile

import ictw
from ruletest import alerts, count_by_sid  # noqa: F401  (the ruleset tests use them through this module)

sys.path.insert(0, os.path.join(ictw.ROOT, "tools"))
from ruleset_catalog import (CASES_TSV, RULE_FILES, SHARED_TSV, UNPROVEN, parse_expect,  # noqa: E402,F401
                             read_classes, read_rules, read_tsv, rule_option)

RULES_DIR = os.path.join(ictw.ROOT, "rules")
HOME_NET = "[10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fd00::/8]"
GEN = os.path.join(ictw.ROOT, "tests", "captures", "make-ruleset-captures.py")
CAPS = os.path.join(ictw.CAPS, "ruleset")


def sensor_args(rules_dir=RULES_DIR, home_net=HOME_NET, extra=None):
    """Arguments that load every shipped rule file with its lists."""
    args = ["--rules-dir", rules_dir]
    for f in RULE_FILES:
        args += ["-S", os.path.join(rules_dir, f)]   # -S paths are taken as given
    args += ["--set", "HOME_NET=" + home_net,
             "--set", "reputation-categories-file=" + os.path.join(rules_dir, "lists", "iprep-categories.txt"),
             "--set", "reputation-files=" + os.path.join(rules_dir, "lists", "iprep-ioc.txt")]
    return args + (extra or [])


def run_sensor(capture, rules_dir=RULES_DIR, home_net=HOME_NET, extra=None, types="alert"):
    """Replays one capture with the ruleset; returns (EVE records, stderr, exit code)."""
    args = [ictw.SENSOR, "-q", "-r", capture, "--stdout", "--stdout-types", types,
            "--sensor-id", "ruleset-test"] + sensor_args(rules_dir, home_net, extra)
    p = ictw.run(args)
    recs = [json.loads(line) for line in p.stdout.splitlines() if line.strip()]
    return recs, p.stderr, p.returncode


def ensure_captures():
    return ictw.ensure_generated(GEN, CAPS)


def require_engine(need_shared=None):
    """Skips the whole test file when what it needs is missing: the sensor, its rule
    engine, or (need_shared = what for) ../shared/pcaps/ndpi."""
    if need_shared and not ictw.have_shared():
        ictw.skip_all("../shared/pcaps/ndpi is absent: %s" % need_shared)
    if not os.access(ictw.SENSOR, os.X_OK):
        ictw.skip_all("no sensor binary (make first)")
    if "--test-rules" not in ictw.run([ictw.SENSOR, "--help"]).stdout:
        ictw.skip_all("this sensor build has no rule engine (--test-rules missing)")


class RulesCopy:
    """A temporary copy of rules/ (with lists/) that a test may change."""

    def __init__(self):
        self.path = tempfile.mkdtemp(prefix="ictw-ruleset-")
        shutil.rmtree(self.path)
        shutil.copytree(RULES_DIR, self.path)

    def append(self, relpath, text):
        with open(os.path.join(self.path, relpath), "a") as f:
            f.write(text)
        return os.path.join(self.path, relpath)

    def write(self, relpath, text):
        with open(os.path.join(self.path, relpath), "w") as f:
            f.write(text)
        return os.path.join(self.path, relpath)

    def close(self):
        shutil.rmtree(self.path, ignore_errors=True)


def first_server_cert(capture):
    """DER bytes of the first certificate in a TLS Certificate message of a capture (or None)."""
    from scapy.all import TCP, PcapReader
    for p in PcapReader(capture):
        if not p.haslayer(TCP):
            continue
        data = bytes(p[TCP].payload)
        i = 0
        while i + 5 <= len(data):
            ctype, rlen = data[i], int.from_bytes(data[i + 3:i + 5], "big")
            body = data[i + 5:i + 5 + rlen]
            if ctype == 22 and body[:1] == b"\x0b" and len(body) > 10:
                clen = int.from_bytes(body[7:10], "big")
                return body[10:10 + clen]
            i += 5 + rlen
    return None


def first_ja3(capture):
    """The JA3 hash the sensor reports for the first TLS flow of a capture (or None)."""
    recs, _, _ = run_sensor(capture, types="flow")
    for r in recs:
        h = r.get("tls", {}).get("ja3", {}).get("hash")
        if h:
            return h
    return None
