#!/usr/bin/env bash
# The load comparison: upstream directly vs nginx as a plain reverse proxy vs Switchboard, in one run.
# Installs wrk and nginx if missing (Debian; PostgreSQL too, through scripts/postgres.sh, for the row that logs to
# it), builds Switchboard in release mode once (the build the container uses, scripts/build-release.sh), prints
# the table.
#   benchmarks/load/run.sh [--seconds 10] [--connections 32] [--streams 1000]
set -euo pipefail
cd "$(dirname "$0")/../.."

need=()
command -v wrk >/dev/null || need+=(wrk)
command -v nginx >/dev/null || need+=(nginx)
command -v taskset >/dev/null || need+=(util-linux)
if [ ${#need[@]} -gt 0 ]; then
  echo "installing ${need[*]}" >&2
  apt-get update -qq && apt-get install -y -qq "${need[@]}" >/dev/null
fi
[ "$(nproc)" -ge 2 ] || { echo "needs at least 2 CPUs (proxy on one, load on the other)" >&2; exit 1; }

echo "building release (once, scripts/build-release.sh)" >&2
bin=$(scripts/build-release.sh)
# A just-linked binary's pages stay dirty in the page cache until written back, and would count as the gateway's
# private dirty memory in the footprint table.
sync

# 1,000 open streams need 2,000+ descriptors in the gateway.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec python3 benchmarks/load/bench.py --bin "$bin" "$@"
