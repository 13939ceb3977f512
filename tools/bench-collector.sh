#!/bin/sh
# tools/bench-collector.sh - collector ingest speed: alerts/s from pre-filled streams into
# aggregates, one collector process, a private local redis-server (unix socket).
#
#   tools/bench-collector.sh [ALERTS] [SENSORS]      (default 200000 alerts over 4 sensors)
#
# The streams are filled first with generated EVE alerts (tests/lib/eve_gen.py, not timed);
# then `ictwatch-collector run --drain` consumes them. Printed: wall time, alerts/s, and the
# CPU seconds of the collector and of redis-server during the run, side by side. Extra
# collector settings can be passed in COLLECTOR_ARGS (e.g. "--set windows=1h:35d").
set -eu
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
PYTHON=${PYTHON:-/usr/bin/python3}
COLLECTOR=$BUILD/bin/ictwatch-collector
ALERTS=${1:-200000}
SENSORS=${2:-4}
[ -x "$COLLECTOR" ] || { echo "bench-collector: build first ($COLLECTOR missing)" >&2; exit 1; }
command -v redis-server >/dev/null || { echo "bench-collector: redis-server not installed" >&2; exit 1; }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ictw-bench.XXXXXX")
SOCK=$TMP/redis.sock
redis-server --port 0 --unixsocket "$SOCK" --unixsocketperm 700 --dir "$TMP" --save '' --appendonly no \
  --daemonize no --logfile "$TMP/redis.log" &
RPID=$!
trap 'kill $RPID 2>/dev/null; wait $RPID 2>/dev/null; rm -rf "$TMP"' EXIT INT TERM
i=0
until redis-cli -s "$SOCK" ping >/dev/null 2>&1; do
  i=$((i + 1)); [ $i -lt 100 ] || { echo "bench-collector: redis-server did not start" >&2; exit 1; }
  sleep 0.05
done

echo "filling $SENSORS streams with $ALERTS generated alerts ..."
"$PYTHON" - "$SOCK" "$ALERTS" "$SENSORS" "$ROOT/tests/lib" <<'PY'
import sys
sys.path.insert(0, sys.argv[4])
import eve_gen, ictw_resp
sock, total, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ids = ["bench-%02d" % i for i in range(n)]
r = ictw_resp.Resp(unix=sock)
eve_gen.xadd_all(r, eve_gen.generate(ids, total // n, seed=1))
r.cmd("SADD", "ictwatch:sensors", *ids)
PY

# shellcheck disable=SC2086
"$PYTHON" - "$RPID" "$COLLECTOR" "$SOCK" ${COLLECTOR_ARGS:-} <<'PY'
import os, subprocess, sys, time
rpid, collector, sock, extra = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
tck = os.sysconf("SC_CLK_TCK")
def redis_cpu():
    f = open("/proc/%s/stat" % rpid).read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tck
r0, t0 = redis_cpu(), time.monotonic()
p = subprocess.Popen([collector, "run", "--redis", "unix://" + sock, "--consumer", "bench", "--drain",
                      "--set", "lateness=1d", "--set", "block=100"] + extra, stderr=subprocess.PIPE, text=True)
_, status, ru = os.wait4(p.pid, 0)
wall, r1 = time.monotonic() - t0, redis_cpu()
err = p.stderr.read()
alerts = 0
for line in err.splitlines():
    if "stopped after" in line:
        alerts = int(line.split(" alerts (")[0].rsplit(" ", 1)[1])
if status != 0 or alerts == 0:
    sys.exit("bench-collector: the collector failed:\n" + err)
cc = ru.ru_utime + ru.ru_stime
print("collector ingest: %d alerts in %.2f s = %.0f alerts/s (target 100000)" % (alerts, wall, alerts / wall))
print("  CPU  collector %.2f s (%.1f us/alert)   redis-server %.2f s (%.1f us/alert)"
      % (cc, cc * 1e6 / alerts, r1 - r0, (r1 - r0) * 1e6 / alerts))
PY
