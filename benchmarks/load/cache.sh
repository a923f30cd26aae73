#!/usr/bin/env bash
# What a response cache hit costs, beside nginx serving the same bytes from its own proxy cache. The caches run
# on CPU 0 (one worker / one event loop each); wrk and the upstream (nginx answering a fixed 0.5 KB chat
# completion) on CPU 1. Rounds interleaved:
#   upstream      the upstream itself, direct (the ceiling of answering these bytes on this machine)
#   nginx-cache   nginx proxy_cache in front of it (POST cached by URI + body): every request a hit
#   hit           Switchboard with `cache: {mode: simple}` (inline config header), SQLite store: every request a hit
#   no-cache      Switchboard on the same request without a cache (every request goes upstream)
# Prints requests/s at 32 connections, and CPU per request (the cache's process), p50 and p99 at one connection.
#   benchmarks/load/cache.sh BIN_DIR [ROUNDS=3] [SECONDS=5]
set -euo pipefail
[ $# -ge 1 ] || { sed -n 2,11p "$0"; exit 2; }
BIN=$1 rounds=${2:-3} seconds=${3:-5}
. "$(dirname "$0")/lib.sh"
bench_setup cache
upstream_nginx 1 18801
upstream=${pids[-1]}
mkdir -p "$work/ncache"
# nginx's worker (user nobody) writes the cache files.
chmod 755 "$work" && chmod 777 "$work/ncache"
cat >"$work/cache.conf" <<C
worker_processes 1; daemon off; error_log $work/cache.err warn; pid $work/cache.pid;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000;
  proxy_cache_path $work/ncache levels=1 keys_zone=answers:10m;
  upstream up { server 127.0.0.1:18801; keepalive 16; }
  server { listen 127.0.0.1:18802; client_body_buffer_size 64k;
    location / { proxy_pass http://up; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_cache answers; proxy_cache_methods POST; proxy_cache_key "\$request_uri|\$request_body";
      proxy_cache_valid 200 1h; add_header X-Cache \$upstream_cache_status; } } }
C
taskset -c 0 nginx -c "$work/cache.conf" & pids+=($!)
nginx_cache=$!
printf 'server: {host: 127.0.0.1, port: 18803, event_loop_threads: 1}\nlog: {level: warning}\nproviders:\n  up: {kind: openai, base_url: "http://127.0.0.1:18801/v1"}\n' >"$work/gateway.yaml"
taskset -c 0 "$BIN/switchboard" serve --config "$work/gateway.yaml" --store "sqlite:$work/gateway.sqlite" 2>"$work/gateway.log" &
gateway=$!
pids+=($!)
sleep 2
caching='{"provider":"up","cache":{"mode":"simple","max_age":3600}}'
chat_body m '"max_tokens":1024' >"$work/body.json"
wrk_post plain "$work/body.json"
wrk_post hit "$work/body.json" "wrk.headers[\"x-portkey-config\"] = [[$caching]]"
wrk_post none "$work/body.json" 'wrk.headers["x-portkey-provider"] = "up"'
declare -A url=(
  [upstream]=http://127.0.0.1:18801/v1/chat/completions [nginx-cache]=http://127.0.0.1:18802/v1/chat/completions
  [hit]=http://127.0.0.1:18803/v1/chat/completions [no-cache]=http://127.0.0.1:18803/v1/chat/completions
)
declare -A lua=([upstream]=plain [nginx-cache]=plain [hit]=hit [no-cache]=none)
declare -A process=([upstream]=$upstream [nginx-cache]=$nginx_cache [hit]=$gateway [no-cache]=$gateway)
# The first request of each cache is its miss.
curl -s -o /dev/null -H 'content-type: application/json' --data @"$work/body.json" "${url[nginx-cache]}"
curl -s -o /dev/null -H 'content-type: application/json' -H "x-portkey-config: $caching" \
  --data @"$work/body.json" "${url[hit]}"
for round in $(seq "$rounds"); do
  for case in upstream nginx-cache hit no-cache; do
    measure "round $round $case" "${url[$case]}" "$work/${lua[$case]}.lua" "$seconds" "${process[$case]}"
  done
done
# What each cache said on its last answer.
curl -s -D - -o /dev/null -H 'content-type: application/json' --data @"$work/body.json" "${url[nginx-cache]}" | grep -i '^x-cache' || true
curl -s -D - -o /dev/null -H 'content-type: application/json' -H "x-portkey-config: $caching" \
  --data @"$work/body.json" "${url[hit]}" | grep -i '^x-portkey-cache-status' || true
