"""Starts a real `switchboard serve` (the debug build, bundled config, in-process demo mock) for the SDK tests."""
import os
import re
import subprocess
import time

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = os.environ.get("SWITCHBOARD_BIN", os.path.join(ROOT, ".build", "debug", "switchboard"))


class Gateway:
    def __init__(self, port: int, mock_port: int, process: subprocess.Popen, log_path: str):
        self.port = port
        self.mock_port = mock_port
        self.process = process
        self.log_path = log_path
        self.base_url = f"http://127.0.0.1:{port}"

    def log(self) -> str:
        with open(self.log_path) as f:
            return f.read()


@pytest.fixture(scope="session")
def gateway(tmp_path_factory):
    yield from run_gateway(tmp_path_factory.mktemp("gateway"))


def run_gateway(folder, extra_env=None, config=None):
    """Starts `switchboard serve` with a fresh SQLite store in `folder` (and the bundled config, or `config`);
    yields it, then stops it cleanly."""
    log_path = str(folder / "switchboard.log")
    store = "sqlite:" + str(folder / "switchboard.sqlite")
    env = dict(os.environ)
    env.pop("OPENAI_API_KEY", None)
    env.pop("ANTHROPIC_API_KEY", None)
    env.pop("GEMINI_API_KEY", None)
    env.update(extra_env or {})
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [BINARY, "serve", "--config", config or os.path.join(ROOT, "config", "switchboard.yaml"), "--port", "0",
             "--store", store],
            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env,
        )
    port = mock_port = None
    deadline = time.time() + 30
    while time.time() < deadline and port is None:
        time.sleep(0.05)
        with open(log_path) as f:
            text = f.read()
        mock = re.search(r"demo provider started.*address=127\.0\.0\.1:(\d+)", text)
        listening = re.search(r"listening address=[^ ]*:(\d+)", text)
        if mock and listening:
            mock_port, port = int(mock.group(1)), int(listening.group(1))
        if process.poll() is not None:
            raise RuntimeError("switchboard exited early:\n" + text)
    if port is None:
        process.kill()
        raise RuntimeError("switchboard did not start:\n" + open(log_path).read())
    yield Gateway(port, mock_port, process, log_path)
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        raise
    assert process.returncode == 0, open(log_path).read()
