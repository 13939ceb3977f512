#!/bin/sh
# make demo: replays the project's own example captures through the sensor and shows what
# was found. Everything runs from build/: generated captures, EVE output, and (once the
# collector is built) a private Redis server, the collector's report and the regional
# comparison page.
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
SENSOR=$BUILD/bin/ictwatch-sensor
DEMO=$BUILD/demo
CAPS=$DEMO/captures
rm -rf "$DEMO"
mkdir -p "$CAPS" "$DEMO/eve"

echo "== generating the example captures (tests/captures/*.py, scapy)"
"$PYTHON" tests/captures/make-captures.py "$CAPS" >/dev/null
for gen in tests/captures/make-ruleset-captures.py; do
  [ -f "$gen" ] && mkdir -p "$CAPS/attacks" && "$PYTHON" "$gen" "$CAPS/attacks" >/dev/null
done
set -- $(ls "$CAPS"/*.pcap "$CAPS"/attacks/*.pcap 2>/dev/null | grep -v -e unsupported -e truncated -e malformed)
echo "   $# captures in $CAPS"

RULES=""
for r in rules/*.rules; do [ -f "$r" ] && RULES="$RULES -S $r"; done
[ -n "$RULES" ] && RULES="$RULES --set rules-dir=rules"

echo "== replaying them through ictwatch-sensor"
args=""
for f in "$@"; do args="$args -r $f"; done
# shellcheck disable=SC2086
"$SENSOR" -q $args $RULES --sensor-id demo-sensor -l "$DEMO/eve" 2> "$DEMO/sensor.log" || {
  echo "sensor failed:"; cat "$DEMO/sensor.log"; exit 1; }
"$PYTHON" tools/eve-summary.py "$DEMO/eve/eve.json"
echo
echo "EVE records: $DEMO/eve/eve.json"
