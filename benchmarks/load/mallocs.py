#!/usr/bin/env python3
"""Heap allocations per request of a running gateway, counted exactly: a uprobe on libc's malloc (perf), attached
to the gateway's process while a fixed number of keep-alive requests of one kind go through it. The count
includes everything the process does meanwhile (the request log's writer, timers), so it is the whole cost of a
request. This VM has no hardware counters; a uprobe needs none. Needs root and `perf` (linux-perf).

  benchmarks/load/mallocs.py --bin DIR [--baseline-bin DIR] [--requests 20000] [--with-policies] [--with-cache]

--with-policies adds this build once more with a per-user token budget and a per-user rate limit that every
request falls under (docs/policies.md); every gateway then gets the same `x-portkey-metadata` header.
--with-cache adds this build once more with every request answered from the response cache (docs/cache.md: an
inline config with `cache`; the first request of each kind is the miss).
"""
import argparse
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time

MOCK_PORT, GATEWAY_PORT, BASELINE_PORT, POLICED_PORT, CACHED_PORT = 18391, 18394, 18395, 18396, 18397
HEADERS = {"Content-Type": "application/json"}
# Headers only one gateway gets, by port.
EXTRA_HEADERS = {CACHED_PORT: {"x-portkey-config": json.dumps({"provider": "mock", "cache": {"mode": "simple"}})}}
POLICIES = [
    ("/v1/policies/usage-limits", {"name": "bench", "conditions": [{"key": "metadata.user_id", "value": "*"}],
                                   "group_by": [{"key": "metadata.user_id"}], "type": "tokens",
                                   "credit_limit": 500000000}),
    ("/v1/policies/rate-limits", {"conditions": [{"key": "metadata.user_id", "value": "*"}],
                                  "group_by": [{"key": "metadata.user_id"}], "type": "requests", "unit": "rpm",
                                  "value": 10000000}),
]
LIBC = "/lib/x86_64-linux-gnu/libc.so.6"

# (label, body, requests): the load benchmark's chat and stream requests, and its large answers.
SCENARIOS = [
    ("chat, 0.5 KB answer", {"model": "mock/m;tokens=60", "messages": [{"role": "user", "content": "y" * 820}]}, 1.0),
    ("stream, 64 events", {"model": "mock/m;tokens=61", "stream": True,
                           "messages": [{"role": "user", "content": "y" * 820}]}, 1.0),
    ("256 KB JSON", {"model": "mock/m;tokens=46500", "messages": [{"role": "user", "content": "hi"}]}, 0.1),
    ("2 MB SSE", {"model": "mock/m;tokens=11300", "stream": True,
                  "messages": [{"role": "user", "content": "hi"}]}, 0.02),
]


def wait_for_port(port):
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.05)
    sys.exit(f"nothing answers on {port}")


def send(port, body, count):
    """Sends `count` requests on one keep-alive connection; False if one did not come back whole within 10 s
    (a build with issue 17's stall)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    payload = json.dumps(body)
    try:
        for _ in range(count):
            connection.request("POST", "/v1/chat/completions", body=payload,
                               headers={**HEADERS, **EXTRA_HEADERS.get(port, {})})
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                sys.exit(f"status {response.status} from {port}")
    except TimeoutError:
        return False
    finally:
        connection.close()
    return True


def mallocs(pid, port, body, count):
    """malloc calls in process `pid` while `count` requests go through `port`; None if one stalled."""
    perf = subprocess.Popen(["perf", "stat", "-x", ",", "-e", "probe_libc:malloc", "-p", str(pid)],
                            stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    whole = send(port, body, count)
    time.sleep(0.2)
    perf.send_signal(2)
    _, err = perf.communicate()
    if not whole:
        return None
    match = re.search(r"^(\d+),", err, re.M)
    if not match:
        sys.exit("perf stat printed no count:\n" + err)
    return int(match.group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="folder with the release switchboard and switchboard-mock")
    parser.add_argument("--baseline-bin", help="another build's folder, measured the same way, rounds interleaved")
    parser.add_argument("--baseline-label", default="baseline")
    parser.add_argument("--requests", type=int, default=20000, help="small requests per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--with-policies", action="store_true", help="this build again, every request policed")
    parser.add_argument("--with-cache", action="store_true", help="this build again, every request a cache hit")
    args = parser.parse_args()
    if args.with_policies:
        HEADERS["x-portkey-metadata"] = json.dumps({"user_id": "u1"})

    subprocess.run(["perf", "probe", "-q", "-x", LIBC, "--add", "malloc"], capture_output=True)
    folder = tempfile.mkdtemp(prefix="switchboard-mallocs-")
    processes = []
    try:
        processes.append(subprocess.Popen([os.path.join(args.bin, "switchboard-mock"), "--port", str(MOCK_PORT)],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        gateways = [("this build", args.bin, GATEWAY_PORT)]
        if args.baseline_bin:
            gateways.append((args.baseline_label, args.baseline_bin, BASELINE_PORT))
        if args.with_policies:
            gateways.append(("this build, policed", args.bin, POLICED_PORT))
        if args.with_cache:
            gateways.append(("this build, cache hits", args.bin, CACHED_PORT))
        pids = {}
        for label, binary, port in gateways:
            config = os.path.join(folder, f"{port}.yaml")
            with open(config, "w") as f:
                f.write(f"server: {{host: 127.0.0.1, port: {port}, event_loop_threads: 1}}\n"
                        f"log: {{level: warning}}\n"
                        f"providers:\n  mock: {{kind: openai, base_url: 'http://127.0.0.1:{MOCK_PORT}/v1'}}\n")
            process = subprocess.Popen([os.path.join(binary, "switchboard"), "serve", "--config", config, "--store",
                                        f"sqlite:{folder}/{port}.sqlite"],
                                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            processes.append(process)
            pids[label] = (process.pid, port)
        wait_for_port(MOCK_PORT)
        for _, (_, port) in pids.items():
            wait_for_port(port)
        if args.with_policies:
            for path, policy in POLICIES:
                connection = http.client.HTTPConnection("127.0.0.1", POLICED_PORT, timeout=10)
                connection.request("POST", path, body=json.dumps(policy), headers={"Content-Type": "application/json"})
                assert connection.getresponse().status == 200
        print("| mallocs per request | " + " | ".join(label for label, _, _ in gateways) + " |")
        print("|---|" + "---:|" * len(gateways))
        for name, body, share in SCENARIOS:
            count = max(100, int(args.requests * share))
            samples = {label: [] for label in pids}
            stalled = {label for label, (_, port) in pids.items() if not send(port, body, count // 5)}  # warm-up
            for _ in range(args.rounds):
                for label, (pid, port) in pids.items():
                    if label in stalled:
                        continue
                    total = mallocs(pid, port, body, count)
                    if total is None:
                        stalled.add(label)
                    else:
                        samples[label].append(total / count)
            cells = ["stalled" if label in stalled else
                     f"{min(values):.1f} (of {', '.join(f'{v:.1f}' for v in values)})"
                     for label, values in samples.items()]
            print(f"| {name}, {count} requests | " + " | ".join(cells) + " |", flush=True)
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)


if __name__ == "__main__":
    main()
