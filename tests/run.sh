#!/bin/sh
# Runs the whole test suite and ends with the summary line "N passed, M failed".
#
# Unit tests: every build binary $BUILD/tests/test_* (cmocka, TAP output).
# Integration tests: every tests/integration/test_*.sh and test_*.py; each prints
# TAP lines ("ok - what", "not ok - what", "ok - what # SKIP why") and exits
# non-zero on failure; exit code 77 means the whole script was skipped.
# Each test file's output goes to $BUILD/test-logs/NAME.log; failures are shown.
#
# Environment: BUILD (default build), PYTHON (default /usr/bin/python3),
# TESTS (optional: space-separated substrings; only matching test files run).
set -u
cd "$(dirname "$0")/.." || exit 2
ROOT=$(pwd)
BUILD=${BUILD:-build}
PYTHON=${PYTHON:-/usr/bin/python3}
SHARED=${SHARED:-$ROOT/../shared}
export ROOT BUILD PYTHON SHARED
export CMOCKA_MESSAGE_OUTPUT=TAP
LOGS=$BUILD/test-logs
mkdir -p "$LOGS"
pass=0; fail=0; skip=0; failed_names=""

selected() { # (sh has no local variables: do not reuse the callers' $t)
  [ -z "${TESTS:-}" ] && return 0
  for _sel in $TESTS; do case "$1" in *"$_sel"*) return 0;; esac; done
  return 1
}

count() { # $1 name, $2 log, $3 exit code
  # cmocka writes a skipped test as "not ok N # SKIP": a skip, not a failure.
  p=$(grep -c '^ok ' "$2" | tr -d ' ')
  s=$(grep -E '^(not )?ok ' "$2" | grep -c '# *SKIP' | tr -d ' ')
  f=$(grep '^not ok ' "$2" | grep -vc '# *SKIP' | tr -d ' ')
  p=$((p - $(grep '^ok ' "$2" | grep -c '# *SKIP' | tr -d ' ')))
  if [ "$3" = 77 ]; then
    skip=$((skip + 1)); echo "SKIP $1: $(grep -m1 -i 'skip' "$2" | cut -c1-160)"; return
  fi
  if [ "$3" != 0 ] && [ "$f" = 0 ]; then f=1; echo "not ok - $1 exited with status $3" >> "$2"; fi
  pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
  if [ "$f" != 0 ]; then
    failed_names="$failed_names $1"
    echo "FAIL $1 ($p passed, $f failed): log in $2"
    grep -B2 -A12 '^not ok ' "$2" | grep -v '# *SKIP' | head -60 | sed 's/^/    /'
  else
    echo "ok   $1 ($p passed${s:+, $s skipped})"
  fi
}

for t in "$BUILD"/tests/test_*; do
  [ -x "$t" ] || continue
  n=$(basename "$t"); selected "$n" || continue
  log=$LOGS/$n.log
  if command -v timeout >/dev/null; then timeout 600 "$t" > "$log" 2>&1; rc=$?; else "$t" > "$log" 2>&1; rc=$?; fi
  count "$n" "$log" "$rc"
done

for t in tests/integration/test_*.sh tests/integration/test_*.py; do
  [ -f "$t" ] || continue
  n=$(basename "$t"); selected "$n" || continue
  log=$LOGS/$n.log
  case "$t" in
    *.py) timeout 1200 "$PYTHON" "$t" > "$log" 2>&1; rc=$? ;;
    *)    timeout 1200 sh "$t" > "$log" 2>&1; rc=$? ;;
  esac
  count "$n" "$log" "$rc"
done

[ "$skip" != 0 ] && echo "$skip skipped"
[ -n "$failed_names" ] && echo "failed:$failed_names"
echo "$pass passed, $fail failed"
[ "$fail" = 0 ] && [ "$pass" -gt 0 ]
