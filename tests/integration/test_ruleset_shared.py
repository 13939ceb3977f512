#!/usr/bin/python3
"""test_ruleset_shared.py - the shipped ruleset on real captures (../shared/pcaps/ndpi).

Each row of tests/ruleset-shared-captures.tsv names a capture, the HOME_NET to
replay it with and the sids that must fire on it; the test replays it with
every shipped rule file and checks that each of those sids raised at least
one alert, and that every alert validates against ../shared/eve-schema.json.
Skips the whole file when ../shared is absent.
"""
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402
import ruleset  # noqa: E402

PCAPS = os.path.join(ictw.SHARED, "pcaps", "ndpi")


def options_args(options, tmpdir):
    """Sensor arguments for the options column."""
    extra = []
    for opt in options.split():
        if opt == "-":
            continue
        if opt == "ja3-file":
            extra += ["--set", "dpi.ja3-file=" + os.path.join(ruleset.RULES_DIR, "lists", "ja3-malicious.txt")]
        elif opt.startswith("sha1="):
            path = os.path.join(tmpdir, "sha1.csv")
            with open(path, "w") as f:
                f.write("# test list\n2026-03-02 08:00:00,%s,test\n" % opt[5:])
            extra += ["--set", "dpi.sha1-file=" + path]
        else:
            raise ValueError("unknown option %r" % opt)
    return extra


def run_row(row):
    capture, home, must, options, lineno = row[0], row[1], row[2], row[3], row[4]
    label = "%s (HOME_NET %s%s)" % (capture, "default" if home == "-" else home,
                                    "" if options == "-" else ", " + options)
    path = os.path.join(PCAPS, capture)
    if not os.path.exists(path):
        return label, ["line %d: %s is not in ../shared/pcaps/ndpi" % (lineno, capture)]
    with tempfile.TemporaryDirectory(prefix="ictw-shared-") as tmp:
        recs, err, rc = ruleset.run_sensor(path, home_net=ruleset.HOME_NET if home == "-" else home,
                                           extra=options_args(options, tmp))
    problems = []
    if rc != 0:
        problems.append("sensor exited with %d: %s" % (rc, err[-400:]))
    got = ruleset.count_by_sid(recs)
    for sid in ruleset.parse_expect(must):
        if not got.get(sid):
            problems.append("sid %d did not fire (fired: %s)" % (sid, dict(sorted(got.items()))))
    problems += ictw.eve_errors(ruleset.alerts(recs))
    return label, problems


def main():
    ruleset.require_engine(need_shared="the real-capture checks of the ruleset need it")
    rows = ruleset.read_tsv(ruleset.SHARED_TSV)
    ictw.check(len(rows) >= 16, "the shared table has rows (%d)" % len(rows))
    with ThreadPoolExecutor(max_workers=max(2, min(8, os.cpu_count() or 2))) as pool:
        for label, problems in pool.map(run_row, rows):
            ictw.check(not problems, "%s: the listed sids fire, alerts are valid EVE" % label, "\n".join(problems))
    ictw.finish()


if __name__ == "__main__":
    main()
