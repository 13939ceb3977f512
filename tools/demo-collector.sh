#!/bin/sh
# tools/demo-collector.sh - the collector's part of `make demo`.
#
#   tools/demo-collector.sh REDIS_SOCKET SENSOR_ID...
#
# Given the unix socket of the demo's redis-server, into which sensors with these ids have
# replayed captures, this consumes their streams (ictwatch-collector run --drain), then
# prints the sensors' status and reports by sensor/country and by signature. Replayed
# captures carry old packet times, so lateness is wide and reports cover all buckets.
# It then shares each country's aggregates into a regional store (database 1 of the same
# server) and writes the comparison page, whose path is the last line printed.
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

# Regional roll-up of the demo's countries: each country's sensors are shared as that
# country (Crypto-PAn with a throw-away key) into database 1 of the same redis-server,
# which plays the regional store, then compared.
DEMO_DIR=${DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/ictw-demo.XXXXXX")}
mkdir -p "$DEMO_DIR"
KEY=$DEMO_DIR/region.key
(umask 077; head -c 32 /dev/urandom > "$KEY")
REGIONAL="unix://$SOCK?db=1"
COUNTRIES=""
for s in "$@"; do
  cc=$(redis-cli -s "$SOCK" HGET "ictwatch:sensor:{$s}" country)
  case " $COUNTRIES " in *" ${cc:-XX} "*) ;; *) COUNTRIES="$COUNTRIES ${cc:-XX}" ;; esac
done
echo
echo "== regional roll-up of:$COUNTRIES"
for cc in $COUNTRIES; do
  if [ "$cc" = XX ]; then filter=""; else filter="--country $cc"; fi
  # shellcheck disable=SC2086
  "$C" share --redis "$URL" --to "$REGIONAL" --as "$cc" $filter --since all --window day \
    --anonymize cryptopan --key "$KEY" --threshold 1
done
HTML=$DEMO_DIR/compare.html
echo
"$C" compare --from "$REGIONAL" --since all --html "$HTML" > "$DEMO_DIR/compare.txt"
head -n 60 "$DEMO_DIR/compare.txt"
echo
echo "comparison page: $HTML"
