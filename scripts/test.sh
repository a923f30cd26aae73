#!/usr/bin/env bash
# The test command (README, CI): builds once (debug), runs the Swift tests, then the end-to-end tests that
# drive a real `switchboard serve` with the official Python SDKs. Works on a fresh Debian machine.
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "Format check (swift format lint --strict)"
swift format lint --strict --recursive Sources Tests

step "Building (debug, once; warnings are errors; a target imports only what Package.swift declares)"
build_log=$(mktemp /tmp/switchboard-build.XXXXXX)
swift build --build-tests -Xswiftc -warnings-as-errors --explicit-target-dependency-import-check error 2>&1 \
  | tee "$build_log"
# SwiftPM reports an undeclared import of a package target and builds on; the report fails the run.
if grep -q "without declaring it a dependency" "$build_log"; then
  echo "a target imports a module Package.swift does not declare as its dependency (see above)" >&2
  exit 1
fi
rm -f "$build_log"

step "Private PostgreSQL for the store tests (own data folder and port; stopped on exit)"
pg_dir=$(mktemp -d /tmp/switchboard-pg.XXXXXX)
pg_port=${SWITCHBOARD_TEST_PG_PORT:-55432}
trap 'scripts/postgres.sh stop "$pg_dir"' EXIT
scripts/postgres.sh start "$pg_dir" "$pg_port"
export SWITCHBOARD_TEST_POSTGRES="postgres://postgres@127.0.0.1:$pg_port/postgres?sslmode=disable"

step "Swift tests (stores: SQLite and PostgreSQL)"
swift test --skip-build --skip FlowControlTests

# Megabytes through the gateway, hundreds of clients: these keep both CPUs busy for a minute or two, so they run
# on their own instead of starving the store suites' database threads (which yield to the event loops).
step "Swift flow-control tests (large answers, slow and stalled readers, uploads)"
swift test --skip-build --filter FlowControlTests

step "Python SDKs for the end-to-end tests (private venv .venv-e2e)"
if [ ! -x .venv-e2e/bin/python ]; then
  python3 -m venv .venv-e2e
fi
.venv-e2e/bin/pip install --quiet --disable-pip-version-check -r e2e/requirements.txt

step "End-to-end tests against a real switchboard process"
.venv-e2e/bin/python -m pytest -q e2e
