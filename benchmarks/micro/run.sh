#!/usr/bin/env bash
# Micro-benchmarks of the Core hot functions (ordo-one/benchmark): instructions and allocations per operation.
#   benchmarks/micro/run.sh            # all benchmarks
#   benchmarks/micro/run.sh --filter 'RequestInspection.*'
set -euo pipefail
cd "$(dirname "$0")"
exec swift package --allow-writing-to-package-directory benchmark "$@"
