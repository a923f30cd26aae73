#!/usr/bin/env python3
"""The acceptance loop of issue 17, repeatable: starts `switchboard serve` (the bundled config, its demo mock),
sends each large answer N times on a new connection each (as the report's curl loop did), and counts the answers
that came back 200 with every byte equal to what the mock itself answers. Standard library only.

  benchmarks/load/soak.sh [--count 1000]
"""
import argparse
import hashlib
import http.client
import json
import os
import re
import subprocess
import sys
import tempfile
import time

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (label, path, body without the provider prefix): the report's sizes.
CASES = [
    ("44 KB JSON", "/v1/chat/completions", {"model": "mock-1;tokens=8000", "messages": [{"role": "user", "content": "hi"}]}),
    ("66 KB JSON", "/v1/chat/completions", {"model": "mock-1;tokens=12000", "messages": [{"role": "user", "content": "hi"}]}),
    ("165 KB JSON", "/v1/chat/completions", {"model": "mock-1;tokens=30000", "messages": [{"role": "user", "content": "hi"}]}),
    ("5.6 MB SSE", "/v1/chat/completions", {"model": "mock-1;tokens=30000", "stream": True,
                                            "messages": [{"role": "user", "content": "hi"}]}),
    ("130 KB embeddings", "/v1/embeddings", {"model": "mock-1", "input": ["hello world"] * 1600}),
]


def post(port, path, body):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    started = time.perf_counter()
    connection.request("POST", path, body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    data = response.read()
    elapsed = time.perf_counter() - started
    connection.close()
    return response.status, data, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", required=True, help="folder with the switchboard binary")
    parser.add_argument("--count", type=int, default=1000)
    args = parser.parse_args()

    folder = tempfile.mkdtemp(prefix="switchboard-soak-")
    log_path = os.path.join(folder, "serve.log")
    with open(log_path, "w") as log:
        process = subprocess.Popen([os.path.join(args.bin, "switchboard"), "serve", "--port", "0", "--store",
                                    f"sqlite:{folder}/store.sqlite"], cwd=REPO,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        port = mock_port = None
        deadline = time.time() + 30
        while time.time() < deadline and port is None:
            time.sleep(0.05)
            text = open(log_path).read()
            mock = re.search(r"demo provider started.*address=127\.0\.0\.1:(\d+)", text)
            listening = re.search(r"listening address=[^ ]*:(\d+)", text)
            if mock and listening:
                mock_port, port = int(mock.group(1)), int(listening.group(1))
        if port is None:
            sys.exit("switchboard did not start:\n" + open(log_path).read())
        print(f"| answer | requests | 200, every byte | p50 ms | p99 ms |\n|---|---:|---:|---:|---:|")
        failures = 0
        for label, path, body in CASES:
            direct = json.dumps(body)
            routed = json.dumps(dict(body, model="mock/" + body["model"]))
            # What the gateway must relay: the mock's own answer to the request the gateway sends it. (For the
            # stream, the gateway asks for the usage chunk and takes it out: the mock's answer without it.)
            status, expected, _ = post(mock_port, path, direct)
            assert status == 200, status
            digest = hashlib.sha256(expected).digest()
            good, times = 0, []
            for _ in range(args.count):
                status, data, elapsed = post(port, path, routed)
                times.append(elapsed * 1000)
                if status == 200 and len(data) == len(expected) and hashlib.sha256(data).digest() == digest:
                    good += 1
            failures += args.count - good
            times.sort()
            print(f"| {label} ({len(expected):,} bytes) | {args.count} | {good} | {times[len(times) // 2]:.1f} | "
                  f"{times[int(len(times) * 0.99)]:.1f} |", flush=True)
        sys.exit(1 if failures else 0)
    finally:
        process.terminate()
        process.wait(timeout=20)


if __name__ == "__main__":
    main()
