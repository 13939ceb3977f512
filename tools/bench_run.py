#!/usr/bin/env python3
"""tools/bench_run.py - runs benchmark commands side by side and reports ratios.

The commands run in REPEAT rounds (default 3), each command once per round;
the median wall time, the largest peak RSS (from wait4) and the median of the
per-round ratios to ndpiReader are reported. Usage is driven by tools/bench.sh:

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
    specs = [spec.partition("::") for spec in sys.argv[2:]]
    walls = [[] for _ in specs]
    rss = [0 for _ in specs]
    # Rounds: every command once per round, so that the noise of a shared machine
    # (other jobs, neighbours of the VM) falls on all of them alike; each ratio to
    # ndpiReader is taken within a round, and the median of those is reported.
    for _ in range(repeat):
        for i, (name, _, cmd) in enumerate(specs):
            w, r = run_once(cmd)
            walls[i].append(w)
            rss[i] = max(rss[i], r)
    ref = next((i for i, s in enumerate(specs) if s[0] == "ndpiReader"), None)
    lines = ["%-34s %9s %12s %10s %9s" % ("run", "wall s", "packets/s", "peak MiB", "vs ndpi")]
    for i, (name, _, cmd) in enumerate(specs):
        wall = statistics.median(walls[i])
        pps = packets / wall if wall else 0
        ratio = statistics.median(walls[ref][k] / walls[i][k] for k in range(repeat)) if ref is not None else 0
        lines.append("%-34s %9.2f %12.0f %10.1f %8.2fx" % (name, wall, pps, rss[i] / 1024.0, ratio))
    lines.append("(%d rounds of every run; median wall time; 'vs ndpi' = median of the per-round ratios; "
                 "%d packets; peak = largest max RSS)" % (repeat, packets))
    out = "\n".join(lines)
    print(out)
    path = os.environ.get("BENCH_OUT")
    if path:
        with open(path, "a") as f:
            f.write(out + "\n\ncommands:\n" + "\n".join("  %s: %s" % (s[0], s[2]) for s in specs) + "\n\n")


if __name__ == "__main__":
    main()
