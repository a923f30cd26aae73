#!/usr/bin/env bash
# The release build the benchmark and the container use: `swift build -c release` with every package's code
# compiled one section per function, so the link can place the functions a running gateway uses together
# (linker/link-order.txt and linker/private-functions.ld): ~4 MB less resident memory than a plain
# release build (issue 3; benchmarks/RESULTS.md). Same code otherwise. It builds in .build-release/ (the
# compiler does not rebuild for a changed -Xfrontend flag, and a plain `swift run -c release` stays as it is).
#   scripts/build-release.sh [more swift build options, e.g. --product switchboard]
# Build output goes to stderr; stdout is the directory of the binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
flags=(-c release --scratch-path .build-release -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections)
swift build "${flags[@]}" "$@" >&2
swift build "${flags[@]}" --show-bin-path
