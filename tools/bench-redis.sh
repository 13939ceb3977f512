#!/bin/sh
# tools/bench-redis.sh - the Redis output's share of `make bench` (called by tools/bench.sh).
#
# Replays BENCH_PCAP three ways and prints records/s and packets/s:
#   1. EVE file only (-l DIR)                                   -> the baseline
#   2. Redis only: stream + channel (XADD + PUBLISH per record)  -> records/s into Redis
#   3. EVE file and Redis together
# One record per flow: with a rule engine (the sensor takes -S) a rule that alerts once on
# every flow; without one, flow records (redis.types=flow), which cost the output the same.
# Redis is a private redis-server on a unix socket (no persistence), started here.
# Targets (issue 4): >= 150,000 records/s into Redis; run 2 >= 0.9x the packets/s of run 1.
#
# The benchmark capture has few records per packet, so a second replay of a generated capture
# with one flow per packet (DENSE_FLOWS, default 400000) shows what the Redis output can carry.
#
# Environment: BENCH_PCAP (required), SENSOR (default build/bin/ictwatch-sensor), PKTS (packets
# in the capture, optional), REPEAT (default 3, median kept), BENCH_OUT (results file to append).
set -eu
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
SENSOR=${SENSOR:-$BUILD/bin/ictwatch-sensor}
PCAP=${BENCH_PCAP:?set BENCH_PCAP to a capture}
REPEAT=${REPEAT:-3}
OUT=${BENCH_OUT:-/dev/null}
command -v redis-server >/dev/null || { echo "bench-redis: redis-server not installed, skipped"; exit 0; }
TMP=$(mktemp -d "${TMPDIR:-/tmp}/ictw-bench-redis.XXXXXX")
RPID=
cleanup() { [ -n "$RPID" ] && kill "$RPID" 2>/dev/null; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM
SOCK=$TMP/redis.sock
redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 --dir "$TMP" --save '' \
  --appendonly no --daemonize no --logfile "$TMP/redis.log" &
RPID=$!
i=0; until redis-cli -s "$SOCK" ping >/dev/null 2>&1; do i=$((i+1)); [ $i -gt 200 ] && exit 1; sleep 0.05; done

if "$SENSOR" --help 2>&1 | grep -q -- ' -S'; then
  printf 'alert ip any any -> any any (msg:"bench: every flow"; flow:established,to_server; flowbits:isnotset,bench.seen; flowbits:set,bench.seen; sid:9000001; rev:1;)\n' > "$TMP/bench.rules"
  KIND=alert; EXTRA="-S $TMP/bench.rules"
else
  KIND=flow; EXTRA=""
fi
COMMON="-q -r $PCAP --sensor-id bench --eve-types $KIND $EXTRA"
REDIS="--redis unix://$SOCK --redis-mode stream,publish --set redis.types=$KIND --set heartbeat.interval=0"

# median wall seconds of REPEAT runs of a command
median_run() {
  : > "$TMP/times"
  n=0
  while [ $n -lt "$REPEAT" ]; do
    redis-cli -s "$SOCK" flushall >/dev/null
    rm -rf "$TMP/eve"; mkdir -p "$TMP/eve"
    t0=$(date +%s.%N)
    sh -c "$1" >/dev/null 2>"$TMP/err" || { echo "bench-redis: '$1' failed:"; tail -5 "$TMP/err"; exit 1; }
    t1=$(date +%s.%N)
    echo "$t0 $t1" | awk '{printf "%.6f\n", $2 - $1}' >> "$TMP/times"
    n=$((n+1))
  done
  sort -n "$TMP/times" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'
}

PKTS=${PKTS:-$("$SENSOR" -r "$PCAP" --sensor-id x 2>&1 | awk '/^packets:/ {print $2; exit}')}
T_FILE=$(median_run "$SENSOR $COMMON -l $TMP/eve")
RECORDS=$(grep -c . "$TMP/eve/eve.json" || true)
T_REDIS=$(median_run "$SENSOR $COMMON $REDIS")
XLEN=$(redis-cli -s "$SOCK" xlen 'ictwatch:eve:{bench}')
T_BOTH=$(median_run "$SENSOR $COMMON -l $TMP/eve $REDIS")

{
  echo "== Redis output (issue 4): one $KIND record per flow, stream + channel, unix socket"
  awk -v p="$PKTS" -v r="$RECORDS" -v x="$XLEN" -v tf="$T_FILE" -v tr="$T_REDIS" -v tb="$T_BOTH" 'BEGIN {
    printf "  %-34s %9.3f s %12.0f packets/s %10.0f records/s\n", "EVE file only", tf, p/tf, r/tf;
    printf "  %-34s %9.3f s %12.0f packets/s %10.0f records/s  (target >= 150000)\n", "Redis only (XADD+PUBLISH)", tr, p/tr, x/tr;
    printf "  %-34s %9.3f s %12.0f packets/s %10.0f records/s\n", "EVE file + Redis", tb, p/tb, x/tb;
    printf "  Redis vs file packets/s: %.2fx (target >= 0.9x); records in file %d, in stream %d\n", tf/tr, r, x }'
} | tee -a "$OUT"
[ "$RECORDS" = "$XLEN" ] || { echo "bench-redis: stream has $XLEN records, EVE file $RECORDS" >&2; exit 1; }

# Capacity: a capture where every packet is a new flow, so records come as fast as packets.
DENSE=$TMP/dense.pcap
"${PYTHON:-/usr/bin/python3}" - "$DENSE" "${DENSE_FLOWS:-400000}" <<'PY'
import struct, sys
path, n = sys.argv[1], int(sys.argv[2])
base = 1700000000 * 1000000
with open(path, "wb") as f:
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 1))
    for i in range(n):
        udp = struct.pack("!HHHH", 1024 + i % 60000, 53, 28, 0) + b"x" * 20
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 48, 0, 0, 64, 17, 0,
                         bytes([10, (i >> 16) & 255, (i >> 8) & 255, i & 255]), b"\xc0\xa8\x01\x01") + udp
        fr = b"\x00\x11\x22\x33\x44\x55\x66\x77\x88\x99\xaa\xbb\x08\x00" + ip
        t = base + i * 1000   # 1 ms apart: flows time out (and records flow) during the replay
        f.write(struct.pack("<IIII", t // 1000000, t % 1000000, len(fr), len(fr)) + fr)
PY
DCOMMON="-q -r $DENSE --sensor-id bench --eve-types flow"
DREDIS="--redis unix://$SOCK --redis-mode stream,publish --set redis.types=flow --set heartbeat.interval=0"
D_FILE=$(median_run "$SENSOR $DCOMMON -l $TMP/eve")
D_RECORDS=$(grep -c . "$TMP/eve/eve.json" || true)
D_REDIS=$(median_run "$SENSOR $DCOMMON $DREDIS")
D_XLEN=$(redis-cli -s "$SOCK" xlen 'ictwatch:eve:{bench}')
awk -v r="$D_RECORDS" -v x="$D_XLEN" -v tf="$D_FILE" -v tr="$D_REDIS" 'BEGIN {
  printf "  capacity, one flow per packet (%d records):\n", x;
  printf "  %-34s %9.3f s %10.0f records/s\n", "EVE file only", tf, r/tf;
  printf "  %-34s %9.3f s %10.0f records/s  (target >= 150000)\n", "Redis only (XADD+PUBLISH)", tr, x/tr }' | tee -a "$OUT"
[ "$D_RECORDS" = "$D_XLEN" ] || { echo "bench-redis: dense: stream has $D_XLEN records, EVE file $D_RECORDS" >&2; exit 1; }
