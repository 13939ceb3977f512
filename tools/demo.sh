#!/bin/sh
# make demo: the whole path on the project's own example captures.
#
#  1. generates the example captures (tests/captures/*.py, scapy): decoding examples and
#     attacks on infrastructure (ICS commands from outside, scans, floods, brute force,
#     DNS tunnels, TLS and malware cases);
#  2. starts a private redis-server (a temporary directory and a unix socket);
#  3. replays the captures through three sensors of three countries (KZ, KG, UZ) with the
#     shipped ruleset, each writing its EVE file and its Redis stream;
#  4. runs the collector over the streams and prints its status and reports;
#  5. shares each country's anonymised aggregates into a regional store and writes the
#     regional comparison page (self-contained HTML), whose path is printed last.
# Everything is written under build/demo/.
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
SENSOR=$ROOT/$BUILD/bin/ictwatch-sensor
DEMO=$ROOT/$BUILD/demo
CAPS=$DEMO/captures
rm -rf "$DEMO"
mkdir -p "$CAPS/attacks" "$DEMO/redis"

echo "== generating the example captures (tests/captures/*.py, scapy)"
"$PYTHON" tests/captures/make-captures.py "$CAPS" >/dev/null
"$PYTHON" tests/captures/make-ruleset-captures.py "$CAPS/attacks" >/dev/null
echo "   $(ls "$CAPS"/*.pcap | wc -l) decoding examples, $(ls "$CAPS"/attacks/*.pcap | wc -l) attack and benign cases"

REDIS_PID=""
cleanup() { [ -n "$REDIS_PID" ] && kill "$REDIS_PID" 2>/dev/null; true; }
trap cleanup EXIT INT TERM
SOCK=$DEMO/redis/redis.sock
redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 --dir "$DEMO/redis" --save '' \
  --appendonly no --daemonize no --logfile "$DEMO/redis/redis.log" &
REDIS_PID=$!
i=0
until redis-cli -s "$SOCK" ping >/dev/null 2>&1; do
  i=$((i + 1)); [ $i -gt 100 ] && { echo "redis-server did not start"; exit 1; }; sleep 0.05
done
echo "== private redis-server on $SOCK"

RULES=""
for r in rules/*.rules; do RULES="$RULES -S $r"; done

# replay ID COUNTRY ORG CAPTURE... : one sensor, its EVE file and its Redis stream.
replay() {
  id=$1 cc=$2 org=$3; shift 3
  args=""
  for c in "$@"; do
    for f in "$CAPS"/attacks/$c.pcap "$CAPS"/$c.pcap; do [ -f "$f" ] && args="$args -r $f"; done
  done
  mkdir -p "$DEMO/eve/$id"
  # shellcheck disable=SC2086
  "$SENSOR" -q -c rules/sensor-rules.conf $RULES --set rules-dir=rules $args \
    --sensor-id "$id" --country "$cc" --org "$org" -l "$DEMO/eve/$id" \
    --redis "unix://$SOCK" --set heartbeat.interval=1 --set spool.dir="$DEMO/spool-$id" \
    2> "$DEMO/eve/$id/sensor.log" || { echo "sensor $id failed:"; cat "$DEMO/eve/$id/sensor.log"; exit 1; }
  echo "   $id ($cc): $(grep -c '"event_type":"alert"' "$DEMO/eve/$id/eve.json") alerts, $(grep -c '"event_type":"flow"' "$DEMO/eve/$id/eve.json") flows"
}

echo "== replaying through three sensors (shipped ruleset: rules/*.rules)"
# The same outside attacker (203.0.113.0/24) shows up in all three countries: the regional
# comparison finds it as a campaign.
replay kz-ala-01 KZ KZ-CERT ics-modbus-ext-write ics-s7-ext ics-dnp3-ext ics-iec104-ext ics-portscan \
  ics-modbus-int scan-syn bf-ssh link-en10mb vxlan gtpu
replay kg-bis-01 KG CERT-KG ics-enip-ext ics-mms-ext dos-synflood dos-reflection-ntp bf-rdp scan-udp \
  dns-normal tls-normal frag-ipv4-overlap
replay uz-tas-01 UZ UZCERT ics-bacnet-ext dns-iodine-null dns-dga tls-selfsigned-in mal-log4shell \
  mal-web-attacks bf-telnet mal-tor ioc-ip

echo
echo "== what the sensors found (all three EVE files)"
"$PYTHON" tools/eve-summary.py "$DEMO"/eve/*/eve.json
echo
DEMO_DIR=$DEMO sh tools/demo-collector.sh "$SOCK" kz-ala-01 kg-bis-01 uz-tas-01
