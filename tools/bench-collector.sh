#!/bin/sh
# tools/bench-collector.sh - collector ingest speed: alerts/s from pre-filled streams into
# aggregates, one collector process, a private local redis-server (unix socket), with the
# CPU seconds of the collector and of redis-server per alert side by side.
#
#   tools/bench-collector.sh [WORST_ALERTS]      (default 200000)
#
# Two data sets (tools/bench_collector.py says how they are made): "sensors", the volume
# captures replayed through four real sensors with the shipped rules (~229,000 alerts),
# and "worst", generated alerts where nearly every alert has its own tuple. The filling is
# not timed; each data set is restored from an RDB file before each of REPEAT runs
# (default 3, median printed).
#
# Called by tools/bench.sh (make bench) with SENSOR, BENCH_PCAP and PKTS in the
# environment; only SENSOR is used (the benchmark capture raises few alerts).
# BENCH_OUT, when set, gets the same lines; COLLECTOR_ARGS adds collector options.
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
PYTHON=${PYTHON:-/usr/bin/python3}
SENSOR=${SENSOR:-$BUILD/bin/ictwatch-sensor}
case "$SENSOR" in /*) ;; *) SENSOR=$ROOT/$SENSOR ;; esac
[ -x "$BUILD/bin/ictwatch-collector" ] || { echo "bench-collector: build first ($BUILD/bin/ictwatch-collector missing)" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "bench-collector: redis-server not installed, skipped"; exit 0; }
exec "$PYTHON" "$ROOT/tools/bench_collector.py" "$BUILD" "$SENSOR" "${1:-200000}" "${REPEAT:-3}" "${BENCH_OUT:-}"
