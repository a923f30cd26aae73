#!/usr/bin/env bash
# What a request under a policy costs over one without, on one gateway build pinned like the load benchmark
# (gateways on CPU 0; wrk and an nginx upstream on CPU 1). Three gateways of the same build, rounds interleaved:
#   off       no limit defined (the policy stage is skipped: one atomic load)
#   sqlite    a per-user token budget and a per-user rate limit apply to every request (SQLite store)
#   postgres  the same on PostgreSQL (slices leased from it), when a server URL is given
# Prints requests/s at 32 connections, and gateway CPU per request, p50 and p99 at one connection.
#   benchmarks/load/policies.sh BIN_DIR [ROUNDS=3] [SECONDS=5] [POSTGRES_URL]
set -euo pipefail
[ $# -ge 1 ] || { sed -n 2,9p "$0"; exit 2; }
BIN=$1 rounds=${2:-3} seconds=${3:-5} pg_url=${4:-}
. "$(dirname "$0")/lib.sh"
bench_setup policies
upstream_nginx 1 18791
cases=(off sqlite)
[ -n "$pg_url" ] && cases+=(postgres)
declare -A port=([off]=18792 [sqlite]=18793 [postgres]=18794) gateway=()
for case in "${cases[@]}"; do
  store="sqlite:$work/$case.sqlite"
  [ "$case" = postgres ] && store=$pg_url
  printf 'server: {host: 127.0.0.1, port: %s, event_loop_threads: 1}\nlog: {level: warning}\nproviders:\n  up: {kind: openai, base_url: "http://127.0.0.1:18791/v1"}\n' "${port[$case]}" >"$work/$case.yaml"
  taskset -c 0 "$BIN/switchboard" serve --config "$work/$case.yaml" --store "$store" 2>"$work/$case.log" &
  gateway[$case]=$!
  pids+=($!)
done
sleep 2
for case in sqlite postgres; do
  [ -n "${gateway[$case]:-}" ] || continue
  base=http://127.0.0.1:${port[$case]}
  # 500 M tokens a user (a slice is a tenth: one lease every ~38,000 requests) and 10 M requests a minute.
  curl -sf "$base/v1/policies/usage-limits" -H 'content-type: application/json' -d '{"name":"bench","conditions":[{"key":"metadata.user_id","value":"*"}],"group_by":[{"key":"metadata.user_id"}],"type":"tokens","credit_limit":500000000}' >/dev/null
  curl -sf "$base/v1/policies/rate-limits" -H 'content-type: application/json' -d '{"conditions":[{"key":"metadata.user_id","value":"*"}],"group_by":[{"key":"metadata.user_id"}],"type":"requests","unit":"rpm","value":10000000}' >/dev/null
done
chat_body up/m '"max_tokens":1024' >"$work/body.json"
wrk_post bench "$work/body.json" 'wrk.headers["x-portkey-metadata"] = [[{"user_id":"u1"}]]'
for round in $(seq "$rounds"); do
  for case in "${cases[@]}"; do
    measure "round $round $case" "http://127.0.0.1:${port[$case]}/v1/chat/completions" "$work/bench.lua" \
      "$seconds" "${gateway[$case]}"
  done
done
