#!/bin/sh
# Installs the Debian packages that ictwatch needs to build, test, demo and benchmark.
# Usage: tools/deps.sh [--check]
#   --check  only report what is missing (exit 1 if anything is), install nothing.
# Run as root on a fresh Debian 12 machine; only missing packages are installed.
set -u
PKGS="gcc make pkg-config libpcap-dev libndpi-dev libndpi-bin libhiredis-dev libjansson-dev
libpcre2-dev libcmocka-dev redis-server redis-tools python3 python3-scapy python3-jsonschema
clang tcpreplay wireshark-common procps chromium"
missing=""
for p in $PKGS; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ "${1:-}" = "--check" ]; then
  [ -z "$missing" ] && exit 0
  echo "missing Debian packages:$missing" >&2
  exit 1
fi
[ -z "$missing" ] && { echo "deps: all Debian packages present"; exit 0; }
echo "deps: installing$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq || true
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
