#!/usr/bin/env bash
# Issue 17's acceptance loop: large answers (44 KB to 5.6 MB, JSON, SSE, embeddings) N times each through a release
# `switchboard serve` with the bundled config, each on a new connection, every byte compared with the mock's own
# answer. Exits 1 if any answer was not 200 and whole.
#   benchmarks/load/soak.sh [--count 1000]
set -euo pipefail
cd "$(dirname "$0")/../.."
echo "building release (scripts/build-release.sh)" >&2
bin=$(scripts/build-release.sh --product switchboard)
exec python3 benchmarks/load/soak.py --bin "$bin" "$@"
