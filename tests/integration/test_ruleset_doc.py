#!/usr/bin/python3
"""test_ruleset_doc.py - docs/ruleset.md is the current catalogue of the shipped rules.

tools/gen-ruleset-doc.py --check regenerates the catalogue from rules/*.rules,
docs/ruleset.md.in and the proof tables, and compares it with docs/ruleset.md;
the test also checks that the catalogue names every sid of the rule files
and that the generator notices a stale file.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402
import ruleset  # noqa: E402

GEN = os.path.join(ictw.ROOT, "tools", "gen-ruleset-doc.py")
DOC = os.path.join(ictw.ROOT, "docs", "ruleset.md")


def main():
    p = subprocess.run([ictw.PYTHON, GEN, "--check"], capture_output=True, text=True)
    ictw.check(p.returncode == 0, "docs/ruleset.md is current (make docs)", p.stderr)
    with open(DOC) as f:
        doc = f.read()
    listed = set(int(x) for x in re.findall(r"^\| (91\d{5}) \|", doc, re.M))
    sids = set(r["sid"] for r in ruleset.read_rules())
    ictw.check(listed == sids, "the catalogue lists every shipped sid once",
               "missing %s, extra %s" % (sorted(sids - listed), sorted(listed - sids)))
    # The check must notice a stale file: run it on a copy of the tree with one rule changed.
    tmp = tempfile.mkdtemp(prefix="ictw-doc-")
    try:
        for d in ("rules", "docs", "tools", "tests"):
            shutil.copytree(os.path.join(ictw.ROOT, d), os.path.join(tmp, d),
                            ignore=shutil.ignore_patterns("__pycache__"))
        path = os.path.join(tmp, "rules", "scan.rules")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace("ICTWATCH SCAN TCP NULL scan", "ICTWATCH SCAN TCP NULL probes", 1))
        q = subprocess.run([ictw.PYTHON, os.path.join(tmp, "tools", "gen-ruleset-doc.py"), "--check"],
                           capture_output=True, text=True)
        ictw.check(q.returncode == 1 and "make docs" in q.stderr,
                   "--check fails and says 'make docs' when a rule changed", q.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ictw.finish()


if __name__ == "__main__":
    main()
