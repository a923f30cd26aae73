#!/usr/bin/env bash
# The load comparison: upstream directly vs nginx as a plain reverse proxy vs Switchboard, in one run.
# Installs wrk and nginx if missing (Debian; PostgreSQL too, through scripts/postgres.sh, for the row that logs to
# it), builds Switchboard in release mode once (the build the container uses, scripts/build-release.sh), prints
# the table.
#   benchmarks/load/run.sh [--baseline REF] [--seconds 10] [--connections 32] [--streams 1000] [--rounds 3]
# --baseline REF (a commit, branch or tag) also builds REF, in a git worktree under .build-baseline/, and runs its
# gateway beside this one in every throughput and light-load scenario, rounds interleaved: the before/after
# (A/B) of a change, on the same machine in the same minutes.
set -euo pipefail
cd "$(dirname "$0")/../.."

baseline=
if [ "${1:-}" = "--baseline" ]; then
  [ -n "${2:-}" ] || { echo "--baseline needs a commit, branch or tag" >&2; exit 2; }
  baseline=$(git rev-parse --verify "$2^{commit}")
  label=$2
  shift 2
fi

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
extra=()
if [ -n "$baseline" ]; then
  tree=.build-baseline/$baseline
  [ -d "$tree" ] || git worktree add --detach "$tree" "$baseline" >&2
  echo "building the baseline $label ($baseline) in $tree" >&2
  if [ -x "$tree/scripts/build-release.sh" ]; then
    base_bin=$("$tree/scripts/build-release.sh")
  else
    (cd "$tree" && swift build -c release >&2)
    base_bin=$(cd "$tree" && swift build -c release --show-bin-path)
  fi
  extra=(--baseline-bin "$base_bin" --baseline-label "$label")
fi
# A just-linked binary's pages stay dirty in the page cache until written back, and would count as the gateway's
# private dirty memory in the footprint table.
sync

# 1,000 open streams need 2,000+ descriptors in the gateway.
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
exec python3 benchmarks/load/bench.py --bin "$bin" "${extra[@]}" "$@"
