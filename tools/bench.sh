#!/bin/sh
# make bench: throughput of ictwatch-sensor against ndpiReader (Debian's libndpi-bin,
# the same nDPI 4.2) and a bare libpcap read of the same capture, side by side in one run.
#
#   BENCH_PCAP=FILE   use this capture instead of building one
#   BENCH_COPIES=N    copies of the mix in the built capture (default 128: ~1.6 M packets)
#   REPEAT=N          runs of each command (median kept; default 3)
#
# The capture is built once with ../shared/bench/make-bench-pcap.sh into build/bench/.
# Results go to stdout and build/bench/results.txt; copy the figures into docs/performance.md.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
OUT=$BUILD/bench
mkdir -p "$OUT"
PCAP=${BENCH_PCAP:-$OUT/bench.pcap}
if [ ! -f "$PCAP" ]; then
  [ -x ../shared/bench/make-bench-pcap.sh ] || [ -f ../shared/bench/make-bench-pcap.sh ] || {
    echo "bench: no BENCH_PCAP and ../shared/bench/make-bench-pcap.sh is absent" >&2; exit 1; }
  echo "bench: building $PCAP (once)"
  bash ../shared/bench/make-bench-pcap.sh "$PCAP" "${BENCH_COPIES:-128}"
fi
cc -O2 -o "$OUT/pcap-count" tools/pcap-count.c -lpcap
PKTS=$("$OUT/pcap-count" "$PCAP" | cut -d' ' -f1)
export BENCH_OUT=$OUT/results.txt
: > "$BENCH_OUT"
{ echo "ictwatch benchmark, $(date -u +%Y-%m-%dT%H:%M:%SZ), $(nproc) cores, $(uname -r)";
  echo "capture: $PCAP ($PKTS packets, $(du -h "$PCAP" | cut -f1))"; echo; } | tee -a "$BENCH_OUT"
SENSOR=$BUILD/bin/ictwatch-sensor
rm -rf "$OUT/eve" && mkdir -p "$OUT/eve"

echo "== sensor core (issue 2): flow records on, one core" | tee -a "$BENCH_OUT"
$PYTHON tools/bench_run.py "$PKTS" \
  "bare libpcap read::$OUT/pcap-count $PCAP" \
  "ndpiReader::ndpiReader -q -i $PCAP" \
  "ictwatch-sensor (flow records)::rm -f $OUT/eve/eve.json; $SENSOR -q -r $PCAP -l $OUT/eve"

# Later stages add their own runs (rules, Redis, collector) when present.
for extra in tools/bench-rules.sh tools/bench-redis.sh tools/bench-collector.sh; do
  [ -f "$extra" ] && BENCH_PCAP=$PCAP PKTS=$PKTS SENSOR=$SENSOR sh "$extra"
done
echo "results in $BENCH_OUT"
