#!/usr/bin/env bash
# Installs the system packages the benchmarks need beyond install-system-deps.sh: Debian's `redis-server`
# (BullMQ's backend in `npm run bench:tasks`). Idempotent: does nothing when redis-server is on the PATH.
# Installs only as root with apt-get; otherwise prints the apt line and fails.
set -euo pipefail

if command -v redis-server >/dev/null 2>&1; then
  echo "bench deps: redis-server already installed ($(redis-server --version | head -n 1))"
  exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  echo "bench deps: installing redis-server with apt-get"
  apt-get update -q
  apt-get install -y -q --no-install-recommends redis-server
  # Debian's package starts a system instance on 6379; the benchmark runs its own on a free port.
  if command -v service >/dev/null 2>&1; then service redis-server stop >/dev/null 2>&1 || true; fi
fi

if command -v redis-server >/dev/null 2>&1; then
  echo "bench deps: installed ($(redis-server --version | head -n 1))"
  exit 0
fi

cat >&2 <<MSG
bench deps: redis-server is missing (BullMQ's side of npm run bench:tasks needs it).
  On Debian/Ubuntu, as root:  apt-get update && apt-get install -y redis-server
MSG
exit 1
