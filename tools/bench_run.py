#!/usr/bin/env python3
"""tools/bench_run.py - runs benchmark commands side by side and reports ratios.

Each command runs REPEAT times (default 3); the median wall time and the
largest peak RSS (from wait4) are kept. Usage is driven by tools/bench.sh:

  bench_run.py PACKETS NAME::COMMAND [NAME::COMMAND ...]

Prints a table and writes the same lines to $BENCH_OUT (if set). Ratios are
packets/s of each run divided by ndpiReader's (the run named 'ndpiReader').
"""
import os
import shlex
import statistics
import subprocess
import sys
import time


def run_once(cmd):
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, shell=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.stderr.write("bench: '%s' failed with %d:\n%s\n" % (cmd, code, err[-2000:]))
        sys.exit(1)
    return wall, ru.ru_maxrss


def main():
    packets = int(sys.argv[1])
    repeat = int(os.environ.get("REPEAT", "3"))
    rows = []
    for spec in sys.argv[2:]:
        name, _, cmd = spec.partition("::")
        walls, rss = [], 0
        for _ in range(repeat):
            w, r = run_once(cmd)
            walls.append(w)
            rss = max(rss, r)
        rows.append((name, statistics.median(walls), rss, cmd))
    ref = next((r for r in rows if r[0] == "ndpiReader"), None)
    lines = ["%-34s %9s %12s %10s %9s" % ("run", "wall s", "packets/s", "peak MiB", "vs ndpi")]
    for name, wall, rss, cmd in rows:
        pps = packets / wall if wall else 0
        ratio = (ref[1] / wall) if ref and wall else 0
        lines.append("%-34s %9.2f %12.0f %10.1f %8.2fx" % (name, wall, pps, rss / 1024.0, ratio))
    lines.append("(median of %d runs each, %d packets; peak = largest max RSS)" % (repeat, packets))
    out = "\n".join(lines)
    print(out)
    path = os.environ.get("BENCH_OUT")
    if path:
        with open(path, "a") as f:
            f.write(out + "\n\ncommands:\n" + "\n".join("  %s: %s" % (r[0], r[3]) for r in rows) + "\n\n")


if __name__ == "__main__":
    main()
