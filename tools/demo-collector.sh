#!/bin/sh
# tools/demo-collector.sh - the collector's part of `make demo`.
#
#   tools/demo-collector.sh REDIS_SOCKET SENSOR_ID...
#
# Given the unix socket of the demo's redis-server, into which sensors with these ids have
# replayed captures, this consumes their streams (ictwatch-collector run --drain), then
# prints the sensors' status and reports by sensor/country and by signature. Replayed
# captures carry old packet times, so lateness is wide and reports cover all buckets.
# Environment: BUILD (default build), DEMO_DIR (where to write files; default a temp dir).
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
C=$BUILD/bin/ictwatch-collector
[ $# -ge 2 ] || { echo "usage: $0 REDIS_SOCKET SENSOR_ID..." >&2; exit 2; }
SOCK=$1; shift
[ -S "$SOCK" ] || { echo "demo-collector: $SOCK is not a unix socket" >&2; exit 1; }
[ -x "$C" ] || { echo "demo-collector: $C is not built" >&2; exit 1; }
URL=unix://$SOCK

# Sensors that do not announce themselves are still found by SCAN; make sure the given
# ids are in the set so that status lists them even before their first alert.
redis-cli -s "$SOCK" SADD ictwatch:sensors "$@" >/dev/null

echo "== collector: consuming the streams of $*"
"$C" run --redis "$URL" --consumer demo --drain --lateness 36500d --set min-time=1970 -q
echo
echo "== collector status"
"$C" status --redis "$URL"
echo
echo "== alerts by sensor, country and organisation (day windows)"
"$C" report --redis "$URL" --window day --by sensor,country,organisation
echo
echo "== top signatures with their top sources"
"$C" report --redis "$URL" --window day --by signature --top 10 --sources 3
