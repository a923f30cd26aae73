"""The store across processes: kill -9 during writes loses no acknowledged config, and two gateway processes
sharing one store see each other's changes within 2 s. SQLite always; PostgreSQL when scripts/test.sh started
its private server (SWITCHBOARD_TEST_POSTGRES)."""
import glob
import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pytest

from conftest import BINARY, ROOT

KINDS = ["sqlite"] + (["postgres"] if os.environ.get("SWITCHBOARD_TEST_POSTGRES") else [])


def fresh_store(kind, tmp_path):
    if kind == "sqlite":
        return f"sqlite:{tmp_path}/store.sqlite"
    url = urllib.parse.urlparse(os.environ["SWITCHBOARD_TEST_POSTGRES"])
    name = "e2e_" + uuid.uuid4().hex[:8]
    psql = sorted(glob.glob("/usr/lib/postgresql/*/bin/psql"))[-1]
    admin = url._replace(path="/postgres").geturl()
    subprocess.run([psql, admin, "-qc", f"CREATE DATABASE {name}"], check=True, capture_output=True)
    return url._replace(path=f"/{name}").geturl()


class Serve:
    def __init__(self, store, tmp_path, name):
        self.log_path = tmp_path / f"{name}.log"
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [BINARY, "serve", "--config", os.path.join(ROOT, "config", "switchboard.yaml"), "--port", "0",
                 "--store", store], cwd=ROOT, stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "SWITCHBOARD_MASTER_KEY": MASTER_KEY})
        deadline = time.time() + 30
        self.port = None
        while time.time() < deadline and self.port is None:
            time.sleep(0.05)
            match = re.search(r"listening address=[^ ]*:(\d+)", self.log_path.read_text())
            if match:
                self.port = int(match.group(1))
            assert self.process.poll() is None, self.log_path.read_text()
        assert self.port, self.log_path.read_text()

    def call(self, method, path, body=None, headers=None, timeout=5):
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.port}{path}", method=method,
            data=json.dumps(body).encode() if body is not None else None,
            headers={"content-type": "application/json", **(headers or {})})
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def stop(self):
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=15)


CONFIG = {"provider": "mock", "override_params": {"model": "mock-2"}}
# Replicas sharing a store share the master key that seals provider secrets.
MASTER_KEY = "e2e master key shared by replicas"


@pytest.mark.parametrize("kind", KINDS)
def test_kill_9_during_writes_loses_no_acknowledged_config(kind, tmp_path):
    store = fresh_store(kind, tmp_path)
    gateway = Serve(store, tmp_path, "first")
    acknowledged, lock, stop = [], threading.Lock(), threading.Event()

    def writer(worker):
        index = 0
        while not stop.is_set():
            slug = f"pc-crash-{worker}-{index}"
            index += 1
            try:
                status, _ = gateway.call("POST", "/v1/configs", {"name": slug, "slug": slug, "config": CONFIG})
            except OSError:
                return  # the gateway is gone
            if status == 200:
                with lock:
                    acknowledged.append(slug)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    # Kill once enough writes were acknowledged to mean something (a busy machine writes slower), mid-stream.
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with lock:
            if len(acknowledged) >= 30:
                break
        time.sleep(0.05)
    gateway.process.send_signal(signal.SIGKILL)
    gateway.process.wait()
    stop.set()
    for thread in threads:
        thread.join()
    assert len(acknowledged) > 10, "too few writes before the kill to mean anything"

    restarted = Serve(store, tmp_path, "second")
    try:
        status, listed = restarted.call("GET", "/v1/configs")
        assert status == 200
        stored = {item["slug"] for item in listed["data"]}
        missing = [slug for slug in acknowledged if slug not in stored]
        assert not missing, f"acknowledged but lost: {missing[:5]}"
        # Every stored config is whole and routable.
        for slug in list(stored)[:20]:
            status, got = restarted.call("GET", f"/v1/configs/{slug}")
            assert status == 200 and got["data"]["config"] == CONFIG
        status, _ = restarted.call("POST", "/v1/chat/completions", {"model": "mock-1", "messages": []},
                                   headers={"x-portkey-config": acknowledged[0]})
        assert status == 200
        assert restarted.call("GET", "/readyz")[0] == 200
    finally:
        restarted.stop()


@pytest.mark.parametrize("kind", KINDS)
def test_two_gateway_processes_share_one_store(kind, tmp_path):
    store = fresh_store(kind, tmp_path)
    first, second = Serve(store, tmp_path, "a"), Serve(store, tmp_path, "b")
    try:
        status, created = first.call("POST", "/v1/configs", {"name": "shared", "config": CONFIG})
        assert status == 200
        slug = created["slug"]
        deadline, status = time.time() + 2.0, 0
        while time.time() < deadline:
            status, body = second.call("POST", "/v1/chat/completions", {"model": "mock-1", "messages": []},
                                       headers={"x-portkey-config": slug})
            if status == 200:
                assert body["model"] == "mock-2"
                break
            time.sleep(0.05)
        assert status == 200, "the second process did not use the new config within 2 s"
        # And a change back the other way.
        status, _ = second.call("PUT", f"/v1/configs/{slug}", {"status": "archived"})
        assert status == 200
        deadline = time.time() + 2.0
        while time.time() < deadline:
            status, _ = first.call("POST", "/v1/chat/completions", {"model": "mock-1", "messages": []},
                                   headers={"x-portkey-config": slug})
            if status == 400:
                break
            time.sleep(0.05)
        assert status == 400, "the first process still used the archived config after 2 s"
        # A provider secret stored through one replica is opened and used by the other.
        status, created = first.call("POST", "/v1/virtual-keys",
                                     {"name": "shared", "slug": "shared-vk", "provider": "mock", "key": "sk-shared"})
        assert status == 200, created
        deadline = time.time() + 2.0
        while time.time() < deadline:
            status, body = second.call("POST", "/v1/chat/completions", {"model": "mock-1", "messages": []},
                                       headers={"x-portkey-virtual-key": "shared-vk"})
            if status == 200:
                break
            time.sleep(0.05)
        assert status == 200, f"the second process could not use the virtual key within 2 s: {body}"
        assert "sk-shared" not in first.log_path.read_text() + second.log_path.read_text()
    finally:
        first.stop()
        second.stop()
