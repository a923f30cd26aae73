#!/usr/bin/env bash
# Regenerates linker/link-order.txt, the order in which the release link places functions: every
# function the gateway runs while it starts, serves chat and streamed requests and stops, first-called first.
# Placing them together keeps the code it runs in 2 MB of the binary instead of spread over 15 MB (the kernel
# maps clean text a page-cache folio, up to 1 MB here, around each page touched): the idle RSS is ~4 MB smaller
# with scripts/build-release.sh (issue 3, benchmarks/RESULTS.md).
#   scripts/link-order.sh   (needs gdb and curl; ~5 minutes. gdb's cost per breakpoint grows with their number,
#                           so the ~80,000 functions are covered 15,000 at a time, two runs of the gateway each)
# A stale list still links (names no longer in the binary are skipped, new functions go where they would anyway),
# but costs: after the request path was split into stages (issue 18) the old list left it at +1.5 MB RSS and ~10 %
# more gateway CPU per request until it was recorded again; no list at all is +7 MB RSS.
# Functions without a symbol (class destructors, merged-function thunks) cannot be listed; the link gathers
# them instead (linker/private-functions.ld).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v gdb >/dev/null || { echo "needs gdb (apt-get install gdb)" >&2; exit 1; }

bin=$(scripts/build-release.sh)
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
# The symbols only: gdb reads the DWARF of the full binary slowly.
objcopy --strip-debug "$bin/switchboard" "$work/switchboard"

mock_port=18291
gateway_port=18294
"$bin/switchboard-mock" --port $mock_port >/dev/null 2>&1 &
# Two configs: every section a deployed config has, and the least one (start-up code outside the list pulls a whole
# page-cache folio of cold code, up to 1 MB, into memory, so each path through the config loader should be recorded).
cat >"$work/minimal.yaml" <<EOF
server: {host: 127.0.0.1, port: $gateway_port}
providers:
  mock: {kind: openai, base_url: "http://127.0.0.1:$mock_port/v1"}
EOF
cat >"$work/config.yaml" <<EOF
server:
  host: 127.0.0.1
  port: $gateway_port
  event_loop_threads: 1
  max_body_bytes: 10485760
  timeouts: {connect_ms: 5000, response_ms: 300000, idle_ms: 300000, shutdown_grace_ms: 30000}
log: {level: info, access_log: true, requests: true, bodies: false}
providers:
  mock:
    kind: openai
    base_url: http://127.0.0.1:$mock_port/v1
    api_key: \${SWITCHBOARD_LINK_ORDER_KEY:-}
default_route: {provider: mock, model: m}
configs:
  fallback:
    strategy: {mode: fallback}
    targets: [{provider: mock}]
routing: {retry: {initial_backoff_ms: 1000, max_backoff_ms: 16000, retry_after_budget_ms: 60000}}
pricing:
  mock:
    m: {request_token: 0.0001, response_token: 0.0004}
EOF

cat >"$work/drive.sh" <<EOF
#!/usr/bin/env bash
# Waits for the gateway (slow under gdb), sends the requests whose code should be placed first, stops it.
for _ in \$(seq 3000); do curl -s -m1 -o /dev/null http://127.0.0.1:$gateway_port/healthz && break; sleep 0.1; done
chat='{"model":"mock/m","messages":[{"role":"user","content":"hello"}]}'
stream='{"model":"mock/m;tokens=20","stream":true,"messages":[{"role":"user","content":"hello"}]}'
for _ in \$(seq 20); do curl -s -m30 -o /dev/null -H 'content-type: application/json' -d "\$chat" http://127.0.0.1:$gateway_port/v1/chat/completions; done
for _ in \$(seq 5); do curl -s -m30 -o /dev/null -H 'content-type: application/json' -d "\$stream" http://127.0.0.1:$gateway_port/v1/chat/completions; done
if [ "\$1" = full ]; then
  for _ in \$(seq 3); do curl -s -m30 -o /dev/null -H 'content-type: application/json' -H 'x-portkey-config: fallback' -d "\$chat" http://127.0.0.1:$gateway_port/v1/chat/completions; done
fi
for path in /v1/models /metrics /readyz; do curl -s -m30 -o /dev/null http://127.0.0.1:$gateway_port\$path; done
sleep 3
pkill -INT -f "$work/switchboard serve"
EOF
chmod +x "$work/drive.sh"

cat >"$work/cover.py" <<EOF
# Runs under gdb: temporary breakpoints on the binary's functions, a batch per run of the gateway (gdb slows down
# as breakpoints accumulate), with each config; a function is kept with the time into its run it was first hit.
import gdb, subprocess, time
binary = "$work/switchboard"
functions = {}
for line in subprocess.run(["nm", "--defined-only", binary], capture_output=True, text=True).stdout.splitlines():
    parts = line.split(None, 2)
    if len(parts) == 3 and parts[1] in "tTwW":
        functions.setdefault(int(parts[0], 16), parts[2])
for command in ("set pagination off", "set confirm off", "set breakpoint always-inserted on",
                "set startup-with-shell off", "set print thread-events off", "handle all nostop noprint pass",
                "handle SIGINT nostop noprint pass"):
    gdb.execute(command)
gdb.execute("file " + binary)
addresses = sorted(functions)
batch = 15000
first_hit = {}
batch_breakpoints = []
for start in range(0, len(addresses), batch):
    for b in batch_breakpoints:  # internal breakpoints: "delete" would leave them
        if b.is_valid():
            b.delete()
    batch_breakpoints = []
    names = {}
    for mode, config in (("full", "$work/config.yaml"), ("minimal", "$work/minimal.yaml")):
        gdb.execute("starti serve --config %s --store sqlite:$work/store.sqlite" % config, to_string=True)
        if not batch_breakpoints:  # gdb runs the binary at the same address each time
            mappings = gdb.execute("info proc mappings", to_string=True).splitlines()
            base = next(int(p[0], 16) for p in (l.split() for l in mappings)
                        if len(p) >= 5 and p[-1] == binary and int(p[3], 16) == 0)
            for address in addresses[start:start + batch]:
                b = gdb.Breakpoint("*0x%x" % (base + address), internal=True, temporary=True)
                batch_breakpoints.append(b)
                names[b.number] = functions[address]
        began = time.monotonic()
        def stopped(event, names=names, began=began):
            for b in getattr(event, "breakpoints", []):
                if b.number in names:
                    first_hit.setdefault(names[b.number], time.monotonic() - began)
        gdb.events.stop.connect(stopped)
        subprocess.Popen(["$work/drive.sh", mode])
        while gdb.selected_inferior().pid != 0:
            gdb.execute("continue", to_string=True)
        gdb.events.stop.disconnect(stopped)
        for suffix in ("", "-wal", "-shm"):
            subprocess.run(["rm", "-f", "$work/store.sqlite" + suffix])
    print("functions %d-%d: %d hit so far" % (start, start + batch, len(first_hit)), flush=True)
with open("linker/link-order.txt", "w") as out:
    out.write("\\n".join(sorted(first_hit, key=first_hit.get)) + "\\n")
print("link-order.txt: %d of %d functions" % (len(first_hit), len(functions)))
EOF
gdb -q -batch -x "$work/cover.py" 2>&1 | grep -E --line-buffered "^(link-order|functions |Python Exception|Error )" >&2
