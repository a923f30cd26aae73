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
work=$(mktemp -d /tmp/switchboard-policies.XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
content=$(printf 'x%.0s' $(seq 250))
cat >"$work/up.conf" <<C
worker_processes 1; daemon off; error_log $work/up.err warn; pid $work/up.pid;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000;
  server { listen 127.0.0.1:18791;
    location / { default_type application/json; return 200 '{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"$content"},"finish_reason":"stop"}],"usage":{"prompt_tokens":250,"completion_tokens":60,"total_tokens":310}}'; } } }
C
taskset -c 1 nginx -c "$work/up.conf" & pids+=($!)
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
user=$(printf 'y%.0s' $(seq 820))
printf '{"model":"up/m","max_tokens":1024,"messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"%s"}],"temperature":0.7}' "$user" >"$work/body.json"
printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nwrk.headers["x-portkey-metadata"] = "{\\"user_id\\":\\"u1\\"}"\nlocal f = io.open("%s/body.json"); wrk.body = f:read("*a"); f:close()\n' "$work" >"$work/bench.lua"
cpu() { awk '{print $14 + $15}' "/proc/$1/stat"; }
ticks=$(getconf CLK_TCK)
for round in $(seq "$rounds"); do
  for case in "${cases[@]}"; do
    url=http://127.0.0.1:${port[$case]}/v1/chat/completions
    taskset -c 1 wrk -t1 -c1 -d1s -s "$work/bench.lua" "$url" >/dev/null
    saturated=$(taskset -c 1 wrk -t1 -c32 -d"${seconds}s" -s "$work/bench.lua" "$url" | awk '/Requests\/sec/ {print $2}')
    sleep 0.5
    before=$(cpu "${gateway[$case]}")
    out=$(taskset -c 1 wrk -t1 -c1 --latency -d"${seconds}s" -s "$work/bench.lua" "$url")
    after=$(cpu "${gateway[$case]}")
    requests=$(awk '/requests in/ {print $1}' <<<"$out")
    printf 'round %s %-9s %9s req/s at 32   %6s µs gateway CPU/request  p50 %s  p99 %s  (non-2xx: %s)\n' "$round" "$case" \
      "$saturated" \
      "$(awk -v c=$((after - before)) -v r="$requests" -v t="$ticks" 'BEGIN {printf "%.1f", c * 1e6 / t / r}')" \
      "$(awk '/ 50%/ {print $2}' <<<"$out")" "$(awk '/ 99%/ {print $2}' <<<"$out")" \
      "$(awk '/Non-2xx/ {print $4}' <<<"$out")"
  done
done
