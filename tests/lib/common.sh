# tests/lib/common.sh - shared helpers for integration tests written in sh.
# Source it:  . "$ROOT/tests/lib/common.sh"
# Gives: ok/notok/check/skip_all (TAP), tmpdir, $SENSOR, $COLLECTOR, $CAPS (generated
# captures), have_shared, redis_start/redis_stop (a private redis-server).
set -u
ROOT=${ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$ROOT/$BUILD ;; esac
PYTHON=${PYTHON:-/usr/bin/python3}
SHARED=${SHARED:-$ROOT/../shared}
SENSOR=$BUILD/bin/ictwatch-sensor
COLLECTOR=$BUILD/bin/ictwatch-collector
CAPS=$BUILD/captures
T_FAILS=0

ok()    { echo "ok - $*"; }
notok() { echo "not ok - $*"; T_FAILS=$((T_FAILS + 1)); }
# check "description" command...: ok when the command succeeds.
check() { d=$1; shift; if "$@"; then ok "$d"; else notok "$d"; fi; }
skip()  { echo "ok - $* # SKIP"; }
skip_all() { echo "# SKIP $*"; exit 77; }
finish() { exit $((T_FAILS > 0)); }

TMP=$(mktemp -d "${TMPDIR:-/tmp}/ictw-test.XXXXXX")
REDIS_PIDS=""
cleanup_common() {
  for p in $REDIS_PIDS; do kill "$p" 2>/dev/null; done
  rm -rf "$TMP"
}
trap cleanup_common EXIT INT TERM

have_shared() { [ -d "$SHARED/pcaps/ndpi" ]; }

# Makes sure the generated test captures exist ($CAPS).
ensure_captures() {
  [ -f "$CAPS/.stamp" ] && [ "$CAPS/.stamp" -nt "$ROOT/tests/captures/make-captures.py" ] && return 0
  mkdir -p "$CAPS"
  "$PYTHON" "$ROOT/tests/captures/make-captures.py" "$CAPS" >/dev/null && touch "$CAPS/.stamp"
}

# redis_start NAME: starts redis-server on a unix socket $TMP/NAME.sock and a free
# TCP port; sets REDIS_SOCK, REDIS_PORT, REDIS_PID, REDIS_DIR. Extra args go to redis-server.
free_port() { "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
redis_start() {
  name=$1; shift
  REDIS_DIR=$TMP/redis-$name; mkdir -p "$REDIS_DIR"
  REDIS_SOCK=$REDIS_DIR/redis.sock
  REDIS_PORT=${REDIS_PORT_WANTED:-$(free_port)}
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --unixsocket "$REDIS_SOCK" --unixsocketperm 700 \
    --dir "$REDIS_DIR" --save '' --appendonly no --daemonize no --logfile "$REDIS_DIR/redis.log" "$@" &
  REDIS_PID=$!
  REDIS_PIDS="$REDIS_PIDS $REDIS_PID"
  i=0
  while [ $i -lt 100 ]; do
    redis-cli -s "$REDIS_SOCK" ping >/dev/null 2>&1 && return 0
    sleep 0.05; i=$((i + 1))
  done
  echo "# redis-server did not start: $(tail -3 "$REDIS_DIR/redis.log")"
  return 1
}
redis_stop() { kill "${1:-$REDIS_PID}" 2>/dev/null; wait "${1:-$REDIS_PID}" 2>/dev/null; }
rcli() { redis-cli -s "$REDIS_SOCK" "$@"; }
