#!/usr/bin/env python3
"""Load comparison: the same load against the upstream directly, nginx as a plain reverse proxy, and
Switchboard, in one run, pinned so that the proxy under test owns CPU 0 and the load generator and the
upstream share CPU 1. Prints one table of requests/s, latency percentiles and ratios, plus footprint
figures. Standard library only; needs wrk and nginx on PATH (run.sh installs them)."""
import argparse
import asyncio
import http.client
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
PROXY_CPU, LOAD_CPU = "0", "1"
PORTS = {"upstream": 18191, "mock": 18192, "nginx": 18193, "switchboard": 18194, "switchboard-nolog": 18195,
         "switchboard-pg": 18196, "postgres": 18197, "switchboard-baseline": 18198}
REPO = os.path.dirname(os.path.dirname(HERE))
PG_LOG = "switchboard, log to PostgreSQL"
BASELINE = "switchboard, baseline"
BASELINE_CONFIG = "switchboard+config, baseline"
# Large answers (issue 17): ~256 KB of JSON and ~2 MB of SSE from the mock (rendered once, then served from its
# cache), relayed through each proxy; the SSE one is filtered by Switchboard (it asks for the usage chunk).
LARGE_JSON_TOKENS = 46_500
LARGE_SSE_TOKENS = 11_300


def log(message):
    print(message, file=sys.stderr, flush=True)


def pinned(cpu, args):
    return ["taskset", "-c", cpu] + args


# --- processes ---------------------------------------------------------------------------------

class Processes:
    def __init__(self, workdir):
        self.workdir = workdir
        self.running = []

    def start(self, name, args, cpu, env=None):
        out = open(os.path.join(self.workdir, name + ".log"), "w")
        process = subprocess.Popen(pinned(cpu, args), stdout=out, stderr=subprocess.STDOUT, env=env)
        self.running.append(process)
        return process

    def stop(self, process):
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process in self.running:
            self.running.remove(process)

    def stop_all(self):
        for process in list(self.running):
            self.stop(process)


def start_postgres():
    """A private PostgreSQL on the proxy's CPU (scripts/postgres.sh installs it if needed): (its folder, its URL),
    or (None, None). The folder is its own, outside the run's private one: the server runs as `postgres`."""
    folder = tempfile.mkdtemp(prefix="switchboard-bench-postgres-")
    started = subprocess.run(pinned(PROXY_CPU, [os.path.join(REPO, "scripts", "postgres.sh"), "start", folder,
                                                str(PORTS["postgres"])]), capture_output=True, text=True)
    if started.returncode != 0:
        log(f"PostgreSQL did not start; skipping the '{PG_LOG}' row:\n{started.stderr}")
        stop_postgres(folder)
        return None, None
    return folder, f"postgres://postgres@127.0.0.1:{PORTS['postgres']}/postgres?sslmode=disable"


def stop_postgres(folder):
    if folder:
        subprocess.run([os.path.join(REPO, "scripts", "postgres.sh"), "stop", folder], capture_output=True)


def move_to_cpu(pid, cpu):
    """Re-pins a process and its threads (and, for nginx, its workers)."""
    children = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    for one in [str(pid)] + children:
        subprocess.run(["taskset", "-a", "-p", "-c", cpu, one], capture_output=True, check=True)


def wait_for_port(port, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.01)
    raise RuntimeError(f"nothing listens on {port}")


def ensure_free(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            raise RuntimeError(f"port {port} is already in use: stop whatever listens there first")
    except OSError:
        pass


def memory_kb(pid):
    """Resident set and its private dirty part (heap, stacks, written data) from smaps_rollup. The rest of the
    RSS is clean file-backed pages (the binary's and the libraries' text), shared with the page cache and with
    every other process running the same files, and reclaimable."""
    values = {}
    with open(f"/proc/{pid}/smaps_rollup") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3 and parts[0] in ("Rss:", "Private_Dirty:"):
                values[parts[0]] = int(parts[1])
    return values.get("Rss:", 0), values.get("Private_Dirty:", 0)


# --- configuration files -----------------------------------------------------------------------

RESPONSE = json.dumps({
    "id": "chatcmpl-bench", "object": "chat.completion", "created": 1700000000, "model": "bench-model",
    "choices": [{"index": 0, "message": {"role": "assistant", "content": "x" * 250}, "logprobs": None,
                 "finish_reason": "stop"}],
    "usage": {"prompt_tokens": 250, "completion_tokens": 60, "total_tokens": 310}}, separators=(",", ":"))


def request_body(model, stream):
    body = {"model": model, "messages": [{"role": "system", "content": "You are a helpful assistant."},
                                         {"role": "user", "content": "y" * 820}], "temperature": 0.7}
    if stream:
        body["stream"] = True
    return json.dumps(body, separators=(",", ":"))


def write_files(workdir, stream_tokens, baseline):
    nginx_common = "worker_processes 1;\ndaemon off;\nerror_log {err} warn;\npid {pid};\n" \
                   "events {{ worker_connections 8192; }}\n"
    with open(os.path.join(workdir, "upstream.conf"), "w") as f:
        f.write(nginx_common.format(err=workdir + "/upstream.err", pid=workdir + "/upstream.pid"))
        f.write("http { access_log off; keepalive_requests 10000000;\n"
                f"  server {{ listen 127.0.0.1:{PORTS['upstream']};\n"
                f"    location / {{ default_type application/json; return 200 '{RESPONSE}'; }} }} }}\n")
    with open(os.path.join(workdir, "proxy.conf"), "w") as f:
        f.write(nginx_common.format(err=workdir + "/proxy.err", pid=workdir + "/proxy.pid"))
        f.write("http { access_log off; keepalive_requests 10000000;\n"
                f"  upstream up {{ server 127.0.0.1:{PORTS['upstream']}; keepalive 128; }}\n"
                f"  upstream mock {{ server 127.0.0.1:{PORTS['mock']}; keepalive 128; }}\n"
                f"  server {{ listen 127.0.0.1:{PORTS['nginx']};\n"
                "    proxy_http_version 1.1; proxy_set_header Connection \"\"; proxy_buffering off;\n"
                "    location /stream/ { proxy_pass http://mock/; }\n"
                "    location / { proxy_pass http://up; } } }\n")
    # The gateway as deployed, a second one without the request log (`log.requests: false`), to show what
    # writing a row per request costs on the shared CPU, and a third that logs to PostgreSQL (replicas' store).
    configs = [("switchboard.yaml", PORTS["switchboard"], "true"),
               ("switchboard-nolog.yaml", PORTS["switchboard-nolog"], "false"),
               ("switchboard-pg.yaml", PORTS["switchboard-pg"], "true")]
    if baseline:
        # The build compared against (--baseline-bin), configured exactly like the gateway under test.
        configs.append(("switchboard-baseline.yaml", PORTS["switchboard-baseline"], "true"))
    for name, port, requests in configs:
        with open(os.path.join(workdir, name), "w") as f:
            f.write(f"""server:
  host: 127.0.0.1
  port: {port}
  event_loop_threads: 1
log:
  level: info
  requests: {requests}
providers:
  bench:
    kind: openai
    base_url: http://127.0.0.1:{PORTS['upstream']}/v1
  mock:
    kind: openai
    base_url: http://127.0.0.1:{PORTS['mock']}/v1
""")
    for name, model, stream in (("post.lua", "bench/bench-model", False), ("post-direct.lua", "bench-model", False),
                                ("stream.lua", f"mock/m;tokens={stream_tokens}", True),
                                ("stream-direct.lua", f"m;tokens={stream_tokens}", True),
                                ("large-json.lua", f"mock/m;tokens={LARGE_JSON_TOKENS}", False),
                                ("large-json-direct.lua", f"m;tokens={LARGE_JSON_TOKENS}", False),
                                ("large-sse.lua", f"mock/m;tokens={LARGE_SSE_TOKENS}", True),
                                ("large-sse-direct.lua", f"m;tokens={LARGE_SSE_TOKENS}", True)):
        with open(os.path.join(workdir, name.replace(".lua", ".json")), "w") as body:
            body.write(request_body(model, stream))
        with open(os.path.join(workdir, name), "w") as f:
            f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                    f'local f = io.open("{workdir}/{name.replace(".lua", ".json")}"); wrk.body = f:read("*a"); f:close()\n')
    # The same request run through a Portkey config: a two-target fallback whose first target answers,
    # as the portkey-ai SDK sends it (inline JSON, on every request).
    with open(os.path.join(workdir, "post-config.lua"), "w") as f:
        config = json.dumps({"strategy": {"mode": "fallback"}, "retry": {"attempts": 2},
                             "targets": [{"provider": "bench", "override_params": {"model": "bench-model"}},
                                         {"provider": "mock"}]}, separators=(",", ":"))
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                f"wrk.headers[\"x-portkey-config\"] = '{config}'\n"
                f'local f = io.open("{workdir}/post.json"); wrk.body = f:read("*a"); f:close()\n')


# --- measurements ------------------------------------------------------------------------------

def parse_duration(text):
    value, unit = re.match(r"([\d.]+)(us|ms|s)", text).groups()
    return float(value) * {"us": 1, "ms": 1000, "s": 1_000_000}[unit]


def wrk(url, script, connections, seconds, warmup, allow_errors=False):
    """One wrk run: requests/s, latency percentiles, MB/s. Errors (non-2xx, socket errors, timeouts) stop the run,
    unless `allow_errors`: then they are counted in "errors" (a baseline build that stalls, say)."""
    if warmup:
        subprocess.run(pinned(LOAD_CPU, ["wrk", "-t1", f"-c{connections}", f"-d{warmup}s", "-s", script, url]),
                       capture_output=True, check=True)
    out = subprocess.run(pinned(LOAD_CPU, ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s",
                                           script, url]), capture_output=True, text=True, check=True).stdout
    result = {"rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))}
    transfer = re.search(r"Transfer/sec:\s+([\d.]+)(B|KB|MB|GB)", out)
    if transfer:
        result["mbps"] = float(transfer.group(1)) * {"B": 1 / 1024 ** 2, "KB": 1 / 1024, "MB": 1, "GB": 1024}[
            transfer.group(2)]
    for percentile in ("50", "90", "99"):
        result["p" + percentile] = parse_duration(re.search(rf"\s{percentile}%\s+(\S+)", out).group(1))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    if (errors or socket_errors) and not allow_errors:
        raise RuntimeError(f"errors against {url}:\n{out}")
    result["errors"] = (int(errors.group(1)) if errors else 0) + (
        sum(int(n) for n in re.findall(r"\d+", socket_errors.group(1))) if socket_errors else 0)
    return result


def time_to_first_byte(port, path, body, count):
    """Milliseconds from sending a request on a warm keep-alive connection to the first body byte."""
    connection = http.client.HTTPConnection("127.0.0.1", port)
    samples = []
    for index in range(count + 20):
        started = time.perf_counter()
        connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        response.read(1)
        elapsed = time.perf_counter() - started
        response.read()
        if response.status != 200:
            raise RuntimeError(f"status {response.status} from {port}{path}")
        if index >= 20:
            samples.append(elapsed * 1_000_000)
    connection.close()
    samples.sort()
    return {"p50": samples[len(samples) // 2], "p90": samples[int(len(samples) * 0.9)],
            "p99": samples[int(len(samples) * 0.99)]}


async def open_streams(port, path, body, count):
    """Opens `count` concurrent streaming requests and waits for each one's first chunk."""
    writers = []

    async def one():
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        request = (f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n{body}")
        writer.write(request.encode())
        await writer.drain()
        await reader.readuntil(b"data: ")
        writers.append(writer)

    try:
        await asyncio.wait_for(asyncio.gather(*(one() for _ in range(count))), timeout=60)
    except asyncio.TimeoutError:
        raise RuntimeError(f"only {len(writers)} of {count} streams started within 60 s")
    return writers


def start_to_ready(binary, config, workdir, runs=5):
    samples = []
    for attempt in range(runs):
        started = time.perf_counter()
        # A new store each time: the first start, migrations included.
        store = f"sqlite:{workdir}/ready-{attempt}.sqlite"
        process = subprocess.Popen(pinned(PROXY_CPU, [binary, "serve", "--config", config, "--store", store]),
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", PORTS["switchboard"], timeout=1)
                connection.request("GET", "/healthz")
                if connection.getresponse().status == 200:
                    break
            except OSError:
                time.sleep(0.0005)
        samples.append((time.perf_counter() - started) * 1000)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
    return statistics.median(samples)


# --- the run -----------------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bin", required=True, help="folder with the release switchboard and switchboard-mock")
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--rounds", type=int, default=3,
                        help="runs of each path, interleaved; the table shows medians (this machine is shared)")
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--stream-chunks", type=int, default=64)
    parser.add_argument("--streams", type=int, default=1000, help="concurrent open streams for the memory figure")
    parser.add_argument("--large-connections", type=int, default=16,
                        help="connections for the large-answer scenarios (256 KB JSON, 2 MB SSE)")
    parser.add_argument("--baseline-bin", help="folder with another build's release binaries: its gateway runs "
                        "beside this one in every throughput and light-load scenario, rounds interleaved (A/B)")
    parser.add_argument("--baseline-label", default="baseline", help="what to call the --baseline-bin build")
    parser.add_argument("--out", default=os.path.join(HERE, "out", "results.md"))
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="switchboard-bench-")
    # 64 SSE chunks = role chunk + tokens + finish chunk + [DONE].
    write_files(workdir, args.stream_chunks - 3, args.baseline_bin)
    switchboard = os.path.join(args.bin, "switchboard")
    mock = os.path.join(args.bin, "switchboard-mock")
    procs = Processes(workdir)
    postgres_folder = None
    for port in PORTS.values():
        ensure_free(port)
    try:
        procs.start("upstream", ["nginx", "-c", workdir + "/upstream.conf"], LOAD_CPU)
        procs.start("mock", [mock, "--port", str(PORTS["mock"])], LOAD_CPU)
        nginx = procs.start("nginx", ["nginx", "-c", workdir + "/proxy.conf"], PROXY_CPU)
        for name in ("upstream", "mock", "nginx"):
            wait_for_port(PORTS[name])
        idle_started = time.perf_counter()
        gateway = procs.start("switchboard", [switchboard, "serve", "--config", workdir + "/switchboard.yaml",
                                              "--store", f"sqlite:{workdir}/store.sqlite"],
                              PROXY_CPU)
        wait_for_port(PORTS["switchboard"])
        time.sleep(0.5)
        idle_rss = memory_kb(gateway.pid)
        gateway_nolog = procs.start("switchboard-nolog", [switchboard, "serve", "--config",
                                                          workdir + "/switchboard-nolog.yaml",
                                                          "--store", f"sqlite:{workdir}/store-nolog.sqlite"],
                                    PROXY_CPU)
        wait_for_port(PORTS["switchboard-nolog"])
        gateway_baseline = None
        if args.baseline_bin:
            gateway_baseline = procs.start("switchboard-baseline",
                                           [os.path.join(args.baseline_bin, "switchboard"), "serve", "--config",
                                            workdir + "/switchboard-baseline.yaml",
                                            "--store", f"sqlite:{workdir}/store-baseline.sqlite"], PROXY_CPU)
            wait_for_port(PORTS["switchboard-baseline"])

        def url(port, path):
            return f"http://127.0.0.1:{port}{path}"

        paths = {
            "direct": (url(PORTS["upstream"], "/v1/chat/completions"), "post-direct.lua",
                       url(PORTS["mock"], "/v1/chat/completions"), "stream-direct.lua"),
            "nginx": (url(PORTS["nginx"], "/v1/chat/completions"), "post-direct.lua",
                      url(PORTS["nginx"], "/stream/v1/chat/completions"), "stream-direct.lua"),
            "switchboard": (url(PORTS["switchboard"], "/v1/chat/completions"), "post.lua",
                            url(PORTS["switchboard"], "/v1/chat/completions"), "stream.lua"),
        }
        results = {}

        def measure(scenario, runs, allow_errors=False):
            """Runs each (name, url, script, connections) `args.rounds` times, interleaved; keeps medians."""
            samples = {name: [] for name, _, _, _ in runs}
            for round_index in range(args.rounds):
                for name, target, script, connections in runs:
                    log(f"{scenario:7} {name:12} {connections} connection(s), {args.seconds}s, round {round_index + 1}")
                    samples[name].append(wrk(target, os.path.join(workdir, script), connections, args.seconds,
                                             args.warmup if round_index == 0 else 1, allow_errors))
            for name, values in samples.items():
                results[(scenario, name)] = {key: statistics.median(v[key] for v in values) for key in values[0]}

        config_run = ("switchboard+config", paths["switchboard"][0], "post-config.lua")
        nolog_run = ("switchboard, log off", url(PORTS["switchboard-nolog"], "/v1/chat/completions"), "post.lua")
        baseline_url = url(PORTS["switchboard-baseline"], "/v1/chat/completions")
        for scenario, connections in (("chat", args.connections), ("stream", args.connections), ("light", 1)):
            runs = [(name, stream_url if scenario == "stream" else chat_url,
                     stream_script if scenario == "stream" else chat_script, connections)
                    for name, (chat_url, chat_script, stream_url, stream_script) in paths.items()]
            if scenario != "stream":
                runs.append(config_run + (connections,))
            if scenario == "chat":
                runs.append(nolog_run + (connections,))
            if gateway_baseline:
                runs.append((BASELINE, baseline_url, "stream.lua" if scenario == "stream" else "post.lua",
                             connections))
                if scenario != "stream":
                    # The same runs as the gateway under test, so both stores hold as many rows (a larger log
                    # table costs more per insert).
                    runs.append((BASELINE_CONFIG, baseline_url, "post-config.lua", connections))
            measure(scenario, runs)
        # Large answers, relayed at the reader's pace (flow control): the mock is the upstream of every path.
        large_paths = {"direct": (url(PORTS["mock"], "/v1/chat/completions"), "-direct"),
                       "nginx": (url(PORTS["nginx"], "/stream/v1/chat/completions"), "-direct"),
                       "switchboard": (paths["switchboard"][0], "")}
        if gateway_baseline:
            large_paths[BASELINE] = (baseline_url, "")
        for scenario in ("large-json", "large-sse"):
            # Errors are counted, not fatal: a baseline from before issue 17 stalls on these.
            measure(scenario, [(name, target, f"{scenario}{suffix}.lua", args.large_connections)
                               for name, (target, suffix) in large_paths.items()], allow_errors=True)
        # Light load again with everything on one CPU: without cross-CPU wake-ups (costly on a VM), the
        # added latency is the proxy's own work plus two context switches.
        for process in (nginx, gateway, gateway_nolog):
            move_to_cpu(process.pid, LOAD_CPU)
        # And a gateway whose request log goes to PostgreSQL on the other CPU, as replicas share a database on
        # another host: the gateway's CPU encodes and sends the rows, the database does the B-tree work.
        light1_runs = [(name, chat_url, chat_script, 1) for name, (chat_url, chat_script, _, _) in paths.items()]
        light1_runs.append(nolog_run + (1,))
        if gateway_baseline:
            move_to_cpu(gateway_baseline.pid, LOAD_CPU)
            light1_runs.append((BASELINE, baseline_url, "post.lua", 1))
        gateway_pg = None
        postgres_folder, postgres_url = start_postgres()
        if postgres_url:
            gateway_pg = procs.start("switchboard-pg", [switchboard, "serve", "--config",
                                                        workdir + "/switchboard-pg.yaml", "--store", postgres_url],
                                     LOAD_CPU)
            wait_for_port(PORTS["switchboard-pg"])
            light1_runs.append((PG_LOG, url(PORTS["switchboard-pg"], "/v1/chat/completions"), "post.lua", 1))
        measure("light1", light1_runs)
        if gateway_pg:
            procs.stop(gateway_pg)
        stop_postgres(postgres_folder)
        postgres_folder = None
        for process in (nginx, gateway, gateway_nolog):
            move_to_cpu(process.pid, PROXY_CPU)
        procs.stop(gateway_nolog)
        if gateway_baseline:
            procs.stop(gateway_baseline)
        # Time to first byte, interleaved like the wrk runs: medians of per-round percentiles.
        # Two kinds of stream: the 64 events written at once (the first read relays a ~12 KB burst), and paced
        # like a model's tokens (head at once, then an event every millisecond: the first event's own latency).
        ttfb_paths = {
            "direct": (PORTS["mock"], "/v1/chat/completions", ""),
            "nginx": (PORTS["nginx"], "/stream/v1/chat/completions", ""),
            "switchboard": (PORTS["switchboard"], "/v1/chat/completions", "mock/"),
        }
        ttfb = {}
        kinds = (("burst", "m;tokens=61", 1000), ("paced", "m;tokens=3;interval_ms=1", 300))

        def measure_ttfb(placement):
            for kind, model, count in kinds:
                samples = {name: [] for name in ttfb_paths}
                for round_index in range(args.rounds):
                    for name, (port, path, prefix) in ttfb_paths.items():
                        log(f"ttfb    {kind} {placement} {name:12} round {round_index + 1}")
                        body = request_body(prefix + model, True)
                        samples[name].append(time_to_first_byte(port, path, body, count))
                for name, values in samples.items():
                    ttfb[(placement, kind, name)] = {key: statistics.median(v[key] for v in values)
                                                     for key in values[0]}

        measure_ttfb("pinned apart")
        # Again with the proxies, the upstream and this client on one CPU, as for the light-load rows: the
        # proxy's own time to relay the first event, without the VM's cross-CPU wake-ups.
        move_to_cpu(nginx.pid, LOAD_CPU)
        move_to_cpu(gateway.pid, LOAD_CPU)
        own_cpus = os.sched_getaffinity(0)
        os.sched_setaffinity(0, {int(LOAD_CPU)})
        measure_ttfb("one CPU")
        os.sched_setaffinity(0, own_cpus)
        move_to_cpu(nginx.pid, PROXY_CPU)
        move_to_cpu(gateway.pid, PROXY_CPU)
        loaded_rss = memory_kb(gateway.pid)

        log(f"memory  {args.streams} concurrent open streams")
        slow = request_body("mock/m;tokens=100000;interval_ms=1000", True)

        async def hold_streams():
            writers = await open_streams(PORTS["switchboard"], "/v1/chat/completions", slow, args.streams)
            await asyncio.sleep(1.0)
            rss = memory_kb(gateway.pid)
            for writer in writers:
                writer.close()
            return rss

        streams_rss = asyncio.run(hold_streams())
        procs.stop(gateway)
        log("start   time to the first served request")
        ready_ms = start_to_ready(switchboard, workdir + "/switchboard.yaml", workdir)
    finally:
        procs.stop_all()
        stop_postgres(postgres_folder)

    cpu = "unknown CPU"
    try:
        cpu = re.search(r"model name\s*:\s*(.*)", open("/proc/cpuinfo").read()).group(1)
    except (OSError, AttributeError):
        pass
    lines = [f"Machine: {os.cpu_count()} CPUs ({cpu}), {platform.system()} {platform.release()}. "
             f"Proxy under test on CPU {PROXY_CPU}; wrk and the upstream on CPU {LOAD_CPU}. "
             f"wrk -t1, {args.seconds}s per run after a {args.warmup}s warm-up; medians of {args.rounds} interleaved runs.", "",
             "| scenario | path | req/s | p50 µs | p90 µs | p99 µs | vs nginx | vs direct |",
             "|---|---|---:|---:|---:|---:|---:|---:|"]
    for scenario, label in (("chat", f"chat, {args.connections} conns"),
                            ("stream", f"stream {args.stream_chunks} chunks, {args.connections} conns"),
                            ("light", "chat, 1 conn"), ("light1", "chat, 1 conn, one CPU")):
        for name in ("direct", "nginx", "switchboard", "switchboard+config", "switchboard, log off", PG_LOG, BASELINE,
                     BASELINE_CONFIG):
            if (scenario, name) not in results:
                continue
            r = results[(scenario, name)]
            vs_nginx = r["rps"] / results[(scenario, "nginx")]["rps"]
            vs_direct = r["rps"] / results[(scenario, "direct")]["rps"]
            shown = f"{name} ({args.baseline_label})" if name in (BASELINE, BASELINE_CONFIG) else name
            lines.append(f"| {label} | {shown} | {r['rps']:,.0f} | {r['p50']:.0f} | {r['p90']:.0f} | {r['p99']:.0f} | "
                         f"{vs_nginx:.2f} | {vs_direct:.2f} |")
    lines += ["", f"| large answers, {args.large_connections} conns | path | req/s | MB/s | p50 ms | p99 ms | vs nginx | "
                  "errors |", "|---|---|---:|---:|---:|---:|---:|---:|"]
    for scenario, label in (("large-json", "256 KB JSON"), ("large-sse", "2 MB SSE")):
        for name in ("direct", "nginx", "switchboard", BASELINE):
            if (scenario, name) not in results:
                continue
            r = results[(scenario, name)]
            shown = f"{name} ({args.baseline_label})" if name == BASELINE else name
            lines.append(f"| {label} | {shown} | {r['rps']:,.0f} | {r.get('mbps', 0):,.0f} | {r['p50'] / 1000:.1f} | "
                         f"{r['p99'] / 1000:.1f} | {r['rps'] / results[(scenario, 'nginx')]['rps']:.2f} | "
                         f"{r['errors']:.0f} |")
    lines += ["", "| added over direct, 1 connection | p50 µs | p99 µs |", "|---|---:|---:|"]
    for scenario, where in (("light", "pinned apart"), ("light1", "one CPU")):
        names = ("nginx", "switchboard", "switchboard+config", "switchboard, log off", PG_LOG, BASELINE, BASELINE_CONFIG)
        light = {name: results[(scenario, name)] for name in ("direct",) + names if (scenario, name) in results}
        for name in [n for n in names if n in light]:
            lines.append(f"| {name}, {where} | {light[name]['p50'] - light['direct']['p50']:.0f} | "
                         f"{light[name]['p99'] - light['direct']['p99']:.0f} |")
    lines += ["", "| stream time to first body byte (keep-alive, sequential) | p50 µs | p90 µs | p99 µs | added p50 µs |",
              "|---|---:|---:|---:|---:|"]
    for placement in ("pinned apart", "one CPU"):
        for kind, label in (("burst", "64 events at once"), ("paced", "paced, 1 ms apart")):
            for name in ("direct", "nginx", "switchboard"):
                t = ttfb[(placement, kind, name)]
                lines.append(f"| {label}, {placement}: {name} | {t['p50']:.0f} | {t['p90']:.0f} | {t['p99']:.0f} | "
                             f"{t['p50'] - ttfb[(placement, kind, 'direct')]['p50']:.0f} |")
    def mb(kb):
        return f"{kb / 1024:.1f} MB"

    lines += ["", "| switchboard footprint | RSS | of which private dirty |", "|---|---:|---:|",
              f"| idle | {mb(idle_rss[0])} | {mb(idle_rss[1])} |",
              f"| after the load runs | {mb(loaded_rss[0])} | {mb(loaded_rss[1])} |",
              f"| {args.streams} concurrent open streams | {mb(streams_rss[0])} | {mb(streams_rss[1])} |",
              "", f"Start to first served request (median of 5): {ready_ms:.0f} ms."]
    table = "\n".join(lines)
    print(table)
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        f.write(table + "\n")
    log(f"\nwritten to {args.out}")
    shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
