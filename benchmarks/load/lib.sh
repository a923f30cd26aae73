# What the load scripts share (sourced, not run): a work folder cleaned up on exit, the nginx upstream answering
# a fixed 0.5 KB chat completion, wrk scripts, CPU time of processes from /proc, and one measurement.

# A new work folder in $work; processes appended to $pids are stopped on exit.
bench_setup() { # NAME
  work=$(mktemp -d "/tmp/switchboard-$1.XXXXXX")
  pids=()
  trap 'kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
}

# The chat completion every benchmark upstream answers with (250 characters of content, usage reported).
chat_answer_json() {
  printf '{"id":"x","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"%s"},"finish_reason":"stop"}],"usage":{"prompt_tokens":250,"completion_tokens":60,"total_tokens":310}}' \
    "$(printf 'x%.0s' $(seq 250))"
}

# Starts nginx on CPU, listening on PORT, answering chat_answer_json at every path not in EXTRA (more
# `location` blocks, or more `http` lines before the server with EXTRA_HTTP).
upstream_nginx() { # CPU PORT [EXTRA_LOCATIONS] [EXTRA_HTTP]
  cat >"$work/up.conf" <<C
worker_processes 1; daemon off; error_log $work/up.err warn; pid $work/up.pid;
events { worker_connections 8192; }
http { access_log off; keepalive_requests 10000000; ${4:-}
  server { listen 127.0.0.1:$2; ${3:-}
    location / { default_type application/json; return 200 '$(chat_answer_json)'; } } }
C
  taskset -c "$1" nginx -c "$work/up.conf" &
  pids+=($!)
}

# The load benchmark's chat request (a system prompt and an 820-character user message) for MODEL.
chat_body() { # MODEL [MORE_MEMBERS]
  printf '{"model":"%s",%s"messages":[{"role":"system","content":"You are a helpful assistant."},{"role":"user","content":"%s"}],"temperature":0.7}' \
    "$1" "${2:+$2,}" "$(printf 'y%.0s' $(seq 820))"
}

# A wrk script posting BODY_FILE as JSON, with more Lua lines (headers) if given, written to $work/NAME.lua.
wrk_post() { # NAME BODY_FILE [LUA_LINES]
  printf 'wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n%s\nlocal f = io.open("%s"); wrk.body = f:read("*a"); f:close()\n' \
    "${3:-}" "$2" >"$work/$1.lua"
}

# CPU ticks used so far by the processes and their children (nginx's worker).
cpu() { # PID...
  local total=0 pid
  for pid in "$@" $(for parent in "$@"; do pgrep -P "$parent" || true; done); do
    total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat")))
  done
  echo "$total"
}

# One measurement line: requests/s at 32 connections, then at one connection the CPU per request of PIDS, p50 and
# p99 (wrk and the upstream on CPU 1).
measure() { # LABEL URL LUA SECONDS PID...
  local label=$1 url=$2 lua=$3 seconds=$4 saturated before after out requests
  shift 4
  taskset -c 1 wrk -t1 -c1 -d1s -s "$lua" "$url" >/dev/null
  saturated=$(taskset -c 1 wrk -t1 -c32 -d"${seconds}s" -s "$lua" "$url" | awk '/Requests\/sec/ {print $2}')
  sleep 0.5
  before=$(cpu "$@")
  out=$(taskset -c 1 wrk -t1 -c1 --latency -d"${seconds}s" -s "$lua" "$url")
  after=$(cpu "$@")
  requests=$(awk '/requests in/ {print $1}' <<<"$out")
  printf '%-22s %9s req/s at 32   %6s µs CPU/request  p50 %s  p99 %s  (non-2xx: %s)\n' "$label" "$saturated" \
    "$(awk -v c=$((after - before)) -v r="$requests" -v t="$(getconf CLK_TCK)" 'BEGIN {printf "%.1f", c * 1e6 / t / r}')" \
    "$(awk '/ 50%/ {print $2}' <<<"$out")" "$(awk '/ 99%/ {print $2}' <<<"$out")" \
    "$(awk '/Non-2xx/ {print $4}' <<<"$out")"
}
