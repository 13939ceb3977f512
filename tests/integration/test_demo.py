"""test_demo.py - `make demo` (tools/demo.sh) shows the whole path, as README promises.

Runs the demo against the suite's build: three sensors (KZ, KG, UZ) replay the generated
attack captures with the shipped ruleset into a private Redis; the collector takes every
alert exactly once; the reports add up to what the sensors wrote; the regional comparison
finds the attacker the three countries share; the page whose path is printed last exists.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "lib"))
import ictw  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def count_alerts(path):
    with open(path, "rb") as f:
        return sum(1 for line in f if b'"event_type":"alert"' in line)


def main():
    for b in (ictw.SENSOR, ictw.COLLECTOR):
        if not os.access(b, os.X_OK):
            ictw.skip_all("not built: %s" % b)
    if subprocess.run(["sh", "-c", "command -v redis-server"], capture_output=True).returncode:
        ictw.skip_all("redis-server not installed")
    env = dict(os.environ, BUILD=os.path.relpath(ictw.BUILD, ROOT), PYTHON=sys.executable)
    p = subprocess.run(["sh", os.path.join(ROOT, "tools", "demo.sh")], cwd=ROOT, env=env,
                       capture_output=True, text=True, timeout=600)
    out = p.stdout
    ictw.check(p.returncode == 0, "tools/demo.sh (make demo) exits 0",
               out[-2000:] + p.stderr[-2000:])

    sensors = re.findall(r"^   (\S+) \((\w\w)\): (\d+) alerts, (\d+) flows$", out, re.M)
    demo_dir = os.path.join(ictw.BUILD, "demo")
    in_files = {s[0]: count_alerts(os.path.join(demo_dir, "eve", s[0], "eve.json"))
                for s in sensors
                if os.path.exists(os.path.join(demo_dir, "eve", s[0], "eve.json"))}
    total = sum(int(s[2]) for s in sensors)
    ictw.check(sorted(s[1] for s in sensors) == ["KG", "KZ", "UZ"]
               and all(int(s[2]) > 0 for s in sensors)
               and in_files == {s[0]: int(s[2]) for s in sensors},
               "three sensors (KZ, KG, UZ) raised alerts, as many as their EVE files hold "
               "(%d in all)" % total, "%r %r" % (sensors, in_files))

    m = re.search(r"^(\S+)\s+\S+\s+\d+\s+\S+ ago\s+(\d+)\s+(\d+)\s+(\d+)$",
                  out.split("== collector status", 1)[-1], re.M)
    rows = re.findall(r"^(\S+)\s+(\w\w)\s+\S+\s+\S+\s+\S+ ago\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)"
                      r"\s+(\d+)\s+(\d+)", out, re.M)
    ictw.check(m is not None and int(m.group(2)) == total and int(m.group(3)) == total
               and int(m.group(4)) == 0,
               "the collector took every alert once: entries = alerts = %d, none dead" % total,
               m and m.group(0))
    per_sensor = {r[0]: int(r[6]) for r in rows}
    ictw.check(per_sensor == {s[0]: int(s[2]) for s in sensors}
               and all(int(r[2]) == int(r[3]) == int(r[4]) == int(r[5]) == 0 for r in rows),
               "collector status: per sensor, alerts counted = alerts raised, no lag, nothing "
               "pending or dead", "%r" % rows)
    ictw.check(re.search(r"^3 of 3 groups; %d alerts, 0 late$" % total, out, re.M) is not None,
               "the day report by sensor adds up to the %d alerts" % total)

    shared = re.search(r"source prefixes seen by 2 or more countries \((\d+)\)\n\n.*\n.*\n(.*)",
                       out)
    ictw.check(shared is not None and int(shared.group(1)) >= 1
               and re.match(r"\S+/24\s+3\s+\d+\s+KG \d+, KZ \d+, UZ \d+", shared.group(2)),
               "the regional comparison finds the attacker's prefix in all three countries",
               shared and shared.group(0))

    page = re.findall(r"^comparison page: (\S+)$", out, re.M)
    html = ""
    if page and os.path.exists(page[-1]):
        with open(page[-1], encoding="utf-8") as f:
            html = f.read()
    ictw.check(page and out.rstrip().endswith(page[-1]) and "<svg" in html
               and all(cc in html for cc in ("KZ", "KG", "UZ")),
               "the last line names the comparison page, which exists and has its charts and "
               "the three countries", page and page[-1])
    ictw.finish()


if __name__ == "__main__":
    main()
