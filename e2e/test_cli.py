"""The command line: --help everywhere, config validation, refusal to serve a bad file, env vars."""
import os
import subprocess

from conftest import BINARY, ROOT

MOCK_BINARY = os.path.join(os.path.dirname(BINARY), "switchboard-mock")

BAD = """\
server:
  port: 99999
providers:
  openai:
    kind: openai
    base_url: ftp://nowhere
    api_key: ${SWITCHBOARD_TEST_UNSET_KEY}
  broken:
    base_url: http://127.0.0.1:1
default_route:
  provider: nobody
"""


def run(*args, env=None):
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=60, env=env)


def test_help_on_every_command():
    for args in ([BINARY, "--help"], [BINARY, "serve", "--help"], [BINARY, "check-config", "--help"], [BINARY, "migrate", "--help"],
                 [MOCK_BINARY, "--help"]):
        result = run(*args)
        assert result.returncode == 0, result.stderr
        assert "USAGE" in result.stdout.upper()
    assert "SWITCHBOARD_PORT" in run(BINARY, "serve", "--help").stdout


def test_check_config_accepts_the_bundled_file():
    result = run(BINARY, "check-config", "config/switchboard.yaml")
    assert result.returncode == 0, result.stderr
    assert "OK" in result.stdout


def test_check_config_reports_every_error_with_its_place(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    result = run(BINARY, "check-config", str(path))
    assert result.returncode == 1
    errors = result.stderr
    assert f"{path}:2:9: server.port: 99999 is out of range" in errors
    assert f"{path}:6:15: providers.openai.base_url:" in errors
    assert "providers.openai.api_key: environment variable SWITCHBOARD_TEST_UNSET_KEY is not set" in errors
    assert "providers.broken.kind: missing" in errors
    assert "default_route.provider: unknown provider 'nobody'" in errors
    assert "5 errors" in errors


def test_serve_refuses_an_invalid_file_with_the_same_messages(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(BAD)
    result = run(BINARY, "serve", "--config", str(path), "--port", "0")
    assert result.returncode == 1
    assert "server.port: 99999 is out of range" in result.stderr


def test_migrate_creates_and_upgrades_the_store(tmp_path):
    store = f"sqlite:{tmp_path}/s/store.sqlite"
    first = run(BINARY, "migrate", "--store", store)
    assert first.returncode == 0, first.stderr
    assert "schema 0 →" in first.stdout
    again = run(BINARY, "migrate", "--store", store)
    assert "(up to date)" in again.stdout
    bad = run(BINARY, "migrate", "--store", "mysql://nope")
    assert bad.returncode != 0
    assert "sqlite:PATH" in bad.stderr


def test_missing_config_file_is_explained(tmp_path):
    result = run(BINARY, "check-config", str(tmp_path / "absent.yaml"))
    assert result.returncode == 1
    assert "cannot read the configuration file" in result.stderr


def test_environment_variables_mirror_flags(tmp_path):
    env = dict(os.environ, SWITCHBOARD_PORT="not-a-number")
    result = run(BINARY, "serve", env=env)
    assert result.returncode != 0
    assert "SWITCHBOARD_PORT=not-a-number is not an integer" in result.stderr


def test_beyond_loopback_every_request_needs_a_key(tmp_path):
    """Bound to 0.0.0.0 (a container), a fresh gateway refuses keyless requests; SWITCHBOARD_ADMIN_KEY gets in."""
    import json
    import re
    import subprocess
    import time
    import urllib.error
    import urllib.request

    log_path = tmp_path / "serve.log"
    env = dict(os.environ, SWITCHBOARD_ADMIN_KEY="sb-test-admin-key")
    with open(log_path, "w") as log:
        process = subprocess.Popen([BINARY, "serve", "--host", "0.0.0.0", "--port", "0",
                                    "--store", f"sqlite:{tmp_path}/store.sqlite"],
                                   cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        port = None
        for _ in range(600):
            time.sleep(0.05)
            match = re.search(r"listening address=[^ ]*:(\d+)", log_path.read_text())
            if match:
                port = int(match.group(1))
                break
        assert port, log_path.read_text()

        def chat(headers):
            request = urllib.request.Request(
                f"http://127.0.0.1:{port}/v1/chat/completions", method="POST",
                data=json.dumps({"model": "mock/mock-1", "messages": []}).encode(),
                headers={"content-type": "application/json", **headers})
            try:
                with urllib.request.urlopen(request, timeout=5) as response:
                    return response.status
            except urllib.error.HTTPError as error:
                return error.code

        assert chat({}) == 401
        assert chat({"authorization": "Bearer sk-some-provider-key"}) == 401
        assert chat({"authorization": "Bearer sb-test-admin-key"}) == 200
        assert "sb-test-admin-key" not in log_path.read_text()
    finally:
        process.terminate()
        process.wait(timeout=15)
