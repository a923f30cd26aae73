#!/usr/bin/env bash
# A/B of two gateway builds at saturation, the way the load benchmark pins them (gateways on CPU 0; wrk and an
# nginx upstream answering a fixed 0.5 KB chat completion on CPU 1): fresh SQLite stores, request log on, chat
# requests on 32 connections, rounds interleaved A, B, A, B …; prints requests/s and the gateway's CPU time per
# request (from /proc) for each run. For the before/after of a change on this noisy VM: compare medians.
#   benchmarks/load/ab.sh A_BIN_DIR B_BIN_DIR [ROUNDS=5] [SECONDS=6] [light]
# `light`: one connection, and wrk and nginx on the gateways' CPU too (the load run's "one CPU" case), with the p50
# and p99 latency: where per-request costs that saturation hides (cold caches, context switches) show.
# (bin dirs as scripts/build-release.sh prints them; benchmarks/load/run.sh --baseline REF builds one for REF)
set -euo pipefail
[ $# -ge 2 ] || { sed -n 2,7p "$0"; exit 2; }
A=$1 B=$2 rounds=${3:-5} seconds=${4:-6} mode=${5:-saturation}
load_cpu=1 conns=32
if [ "$mode" = light ]; then load_cpu=0 conns=1; fi
. "$(dirname "$0")/lib.sh"
bench_setup ab
for n in a b; do
  port=$([ $n = a ] && echo 18594 || echo 18595)
  printf 'server: {host: 127.0.0.1, port: %s, event_loop_threads: 1}\nlog: {level: info}\nproviders:\n  bench: {kind: openai, base_url: "http://127.0.0.1:18591/v1"}\n' "$port" >"$work/$n.yaml"
done
chat_body bench/bench-model >"$work/post.json"
wrk_post post "$work/post.json"
upstream_nginx "$load_cpu" 18591
taskset -c 0 "$A/switchboard" serve --config "$work/a.yaml" --store "sqlite:$work/a.sqlite" 2>"$work/a.log" & pa=$!
taskset -c 0 "$B/switchboard" serve --config "$work/b.yaml" --store "sqlite:$work/b.sqlite" 2>"$work/b.log" & pb=$!
pids+=($pa $pb)
sleep 2
# A gateway's request log catches up after a saturating run, on the same CPU: wait for both to be idle, or the
# next run pays for the previous one's writes.
settle() {
  for port in 18594 18595; do
    for _ in $(seq 100); do
      queued=$(curl -s "http://127.0.0.1:$port/metrics" | awk '/^switchboard_request_log_queued / {print $2}')
      [ "${queued:-0}" = 0 ] && break
      sleep 0.1
    done
  done
  sleep 0.5
}
for round in $(seq "$rounds"); do
  for n in a b; do
    port=$([ $n = a ] && echo 18594 || echo 18595)
    pid=$([ $n = a ] && echo $pa || echo $pb)
    url=http://127.0.0.1:$port/v1/chat/completions
    taskset -c $load_cpu wrk -t1 -c$conns -d1s -s "$work/post.lua" "$url" >/dev/null
    settle
    before=$(cpu $pid)
    out=$(taskset -c $load_cpu wrk -t1 -c$conns --latency -d"${seconds}s" -s "$work/post.lua" "$url")
    after=$(cpu $pid)
    requests=$(awk '/requests in/ {print $1}' <<<"$out")
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    ticks=$(getconf CLK_TCK)
    echo "round $round $n: $rps req/s, $(awk -v c=$((after - before)) -v r="$requests" -v t="$ticks" \
      'BEGIN {printf "%.1f", c * 1e6 / t / r}') µs gateway CPU per request, latency p50 $(awk '/ 50%/ {print $2}' \
      <<<"$out") p99 $(awk '/ 99%/ {print $2}' <<<"$out")"
  done
done
