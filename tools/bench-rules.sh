#!/bin/sh
# tools/bench-rules.sh - the rules part of `make bench` (called by tools/bench.sh).
#
# Environment (set by tools/bench.sh): BENCH_PCAP (the benchmark capture),
# PKTS (its packet count), SENSOR (the sensor binary); BUILD, PYTHON, REPEAT
# and BENCH_OUT as bench.sh uses them.
#
# Runs, side by side through tools/bench_run.py:
#   ndpiReader                          the reference (packets/s ratio 1.00)
#   ictwatch-sensor, shipped rules      target: >= 2x ndpiReader
#   ictwatch-sensor, large set          shipped rules + 10,000 content rules +
#                                       1,000,000-IP iprep list + 1,000,000-domain
#                                       dataset; target: >= 0.8x the shipped run
# and times loading the large set (--test-rules; target: < 3 s).
# The large set is generated into $BUILD/bench/rules-large by
# tools/gen-bench-rules.py (once). Figures go to stdout and $BENCH_OUT.
set -euf   # -f: no globbing of the [..] address lists below
cd "$(dirname "$0")/.."
: "${BENCH_PCAP:?set BENCH_PCAP (tools/bench.sh does)}"
: "${PKTS:?set PKTS}"
BUILD=${BUILD:-build}
SENSOR=${SENSOR:-$BUILD/bin/ictwatch-sensor}
PYTHON=${PYTHON:-/usr/bin/python3}
OUT=$BUILD/bench
LARGE=$OUT/rules-large
HOME_NET='[10.0.0.0/8,172.16.0.0/12,192.168.0.0/16]'
mkdir -p "$OUT"
"$PYTHON" tools/gen-bench-rules.py "$OUT"

shipped="-S ics.rules -S scan.rules -S dos.rules -S bruteforce.rules -S dns.rules -S tls.rules -S malware.rules -S ioc.rules"
common="--set HOME_NET=$HOME_NET --set reputation-categories-file=rules/lists/iprep-categories.txt"
small="--rules-dir rules $shipped $common --set reputation-files=rules/lists/iprep-ioc.txt"
large="--rules-dir $LARGE $shipped -S bench-content.rules $common --set reputation-files=$LARGE/lists/iprep-ioc.txt --set reputation-files=$LARGE/lists/iprep-1m.txt"

# The large set must load cleanly before it is worth timing.
if ! "$SENSOR" --test-rules $large > "$OUT/rules-large.load.log" 2>&1; then
  echo "bench-rules: the large rule set does not load; see $OUT/rules-large.load.log" >&2
  exit 1
fi

echo "== rules (issue 3/7): shipped rules and a national-scale rule/IOC set, one core" | tee -a "${BENCH_OUT:-/dev/null}"
"$PYTHON" tools/bench_run.py "$PKTS" \
  "ndpiReader::ndpiReader -q -i $BENCH_PCAP" \
  "ictwatch-sensor (shipped rules)::set -f; $SENSOR -q -r $BENCH_PCAP --eve-file /dev/null $small" \
  "ictwatch-sensor (large rule set)::set -f; $SENSOR -q -r $BENCH_PCAP --eve-file /dev/null $large" \
  | tee "$OUT/rules-run.txt"

# Load time of the large set (median of REPEAT), and the large/shipped ratio.
"$PYTHON" - "$SENSOR" "$OUT/rules-run.txt" ${REPEAT:-3} $large <<'EOF' | tee -a "${BENCH_OUT:-/dev/null}"
import statistics, subprocess, sys, time
sensor, table, repeat, args = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
times = []
for _ in range(repeat):
    t0 = time.monotonic()
    p = subprocess.run([sensor, "--test-rules"] + args, capture_output=True, text=True)
    times.append(time.monotonic() - t0)
    if p.returncode:
        sys.exit("bench-rules: --test-rules failed:\n" + p.stderr[-1000:])
load = statistics.median(times)
summary = [l for l in p.stderr.splitlines() if "rules loaded" in l]
pps = {}
for line in open(table):
    if line.startswith("ictwatch-sensor (") or line.startswith("ndpiReader"):
        name = line[:34].strip()
        pps[name] = float(line[34:].split()[1])
shipped = pps.get("ictwatch-sensor (shipped rules)", 0)
big = pps.get("ictwatch-sensor (large rule set)", 0)
ndpi = pps.get("ndpiReader", 0)
print("load time of the large set: %.2f s (median of %d, target < 3 s); %s"
      % (load, repeat, summary[-1].split(": ", 1)[-1] if summary else "no load summary"))
if shipped and ndpi:
    print("shipped rules vs ndpiReader: %.2fx (target >= 2x)" % (shipped / ndpi))
if shipped and big:
    print("large set vs shipped rules: %.2fx (target >= 0.8x)" % (big / shipped))
print()
EOF
