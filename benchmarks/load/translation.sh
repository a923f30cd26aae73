#!/usr/bin/env bash
# What a translated request costs next to a native one, on one gateway build pinned like the load benchmark
# (gateway on CPU 0; wrk and an nginx upstream on CPU 1): the same conversation sent as OpenAI chat (native to the
# `openai` upstream) and as Anthropic Messages (translated to chat and back), JSON and SSE (a static 64-event chat
# stream served by nginx), rounds interleaved. Prints requests/s, gateway CPU per request (from /proc) and latency
# at one connection, and the median time to first byte of the streams (curl, 200 requests).
#   benchmarks/load/translation.sh BIN_DIR [ROUNDS=3] [SECONDS=5]
set -euo pipefail
[ $# -ge 1 ] || { sed -n 2,7p "$0"; exit 2; }
BIN=$1 rounds=${2:-3} seconds=${3:-5}
. "$(dirname "$0")/lib.sh"
bench_setup translation
chunk() { printf 'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"%s"},"finish_reason":null}]}\n\n' "$1"; }
{
  for i in $(seq 64); do chunk "token$i "; done
  printf 'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{},"finish_reason":"stop"}]}\n\n'
  printf 'data: {"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":250,"completion_tokens":64,"total_tokens":314}}\n\n'
  printf 'data: [DONE]\n\n'
} >"$work/stream.sse"
# /json/ paths get the fixed chat completion; /sse/ paths a static 64-event chat stream.
upstream_nginx 1 18691 "location /sse/ { default_type text/event-stream; alias $work/; try_files stream.sse =404; }" \
  'types { text/event-stream sse; }'
printf 'server: {host: 127.0.0.1, port: 18694, event_loop_threads: 1}\nlog: {level: info}\nproviders:\n  json: {kind: openai, base_url: "http://127.0.0.1:18691/json/v1"}\n  sse: {kind: openai, base_url: "http://127.0.0.1:18691/sse/v1"}\n' >"$work/g.yaml"
user=$(printf 'y%.0s' $(seq 820))
body() { # protocol provider stream
  if [ "$1" = chat ]; then
    printf '{"model":"%s/m","stream":%s,"messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"%s"}],"temperature":0.7}' "$2" "$3" "$user"
  else
    printf '{"model":"%s/m","stream":%s,"max_tokens":1024,"system":"You are a helpful assistant.","messages":[{"role":"user","content":"%s"}],"temperature":0.7}' "$2" "$3" "$user"
  fi
}
for case in chat-json messages-json chat-sse messages-sse; do
  protocol=${case%-*} kind=${case#*-}
  stream=$([ "$kind" = sse ] && echo true || echo false)
  body "$protocol" "$kind" "$stream" >"$work/$case.json"
  printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\nlocal f = io.open("%s/%s.json"); wrk.body = f:read("*a"); f:close()\n' "$work" "$case" >"$work/$case.lua"
done
taskset -c 0 "$BIN/switchboard" serve --config "$work/g.yaml" --store "sqlite:$work/g.sqlite" 2>"$work/g.log" & pg=$!
pids+=($pg)
sleep 2
path() { [ "${1%-*}" = chat ] && echo /v1/chat/completions || echo /v1/messages; }
ticks=$(getconf CLK_TCK)
for round in $(seq "$rounds"); do
  for case in chat-json messages-json chat-sse messages-sse; do
    url=http://127.0.0.1:18694$(path $case)
    taskset -c 1 wrk -t1 -c1 -d1s -s "$work/$case.lua" "$url" >/dev/null
    sleep 0.5
    before=$(cpu $pg)
    out=$(taskset -c 1 wrk -t1 -c1 --latency -d"${seconds}s" -s "$work/$case.lua" "$url")
    after=$(cpu $pg)
    requests=$(awk '/requests in/ {print $1}' <<<"$out")
    printf 'round %s %-14s %8s req/s  %6s µs gateway CPU/request  p50 %s  p99 %s\n' "$round" "$case" \
      "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
      "$(awk -v c=$((after - before)) -v r="$requests" -v t="$ticks" 'BEGIN {printf "%.1f", c * 1e6 / t / r}')" \
      "$(awk '/ 50%/ {print $2}' <<<"$out")" "$(awk '/ 99%/ {print $2}' <<<"$out")"
  done
done
for case in chat-sse messages-sse; do
  url=http://127.0.0.1:18694$(path $case)
  for _ in $(seq 200); do
    taskset -c 1 curl -s -o /dev/null -w '%{time_starttransfer}\n' -H 'content-type: application/json' \
      --data-binary "@$work/$case.json" "$url"
  done | sort -n | awk -v c=$case '{a[NR]=$1} END {printf "%-14s time to first byte: median %.0f µs, p90 %.0f µs\n", c, a[int(NR/2)]*1e6, a[int(NR*0.9)]*1e6}'
done
