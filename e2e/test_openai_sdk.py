"""The official `openai` SDK, unchanged but for its base URL, against a real switchboard process."""
import json
import os
import signal
import subprocess
import time
import urllib.request

import httpx
import openai
import pytest

# What the demo mock answers: eight tokens of fixed text (see MockResponses.swift).
MOCK_TEXT = "Hello from the Switchboard mock provider. It"


@pytest.fixture
def client(gateway):
    return openai.OpenAI(base_url=gateway.base_url + "/v1", api_key="sk-anything", max_retries=0)


def test_chat_non_streaming(client):
    completion = client.chat.completions.create(
        model="mock/mock-1", messages=[{"role": "user", "content": "Say hello"}]
    )
    assert completion.choices[0].message.content == MOCK_TEXT
    assert completion.model == "mock-1"
    assert completion.usage.completion_tokens == 8
    assert completion.usage.total_tokens == completion.usage.prompt_tokens + 8


def test_chat_streaming(client):
    stream = client.chat.completions.create(
        model="mock/mock-1", messages=[{"role": "user", "content": "Say hello"}], stream=True,
        stream_options={"include_usage": True},
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == MOCK_TEXT
    assert chunks[-1].usage.completion_tokens == 8


def test_openrouter_base_path(gateway):
    client = openai.OpenAI(base_url=gateway.base_url + "/api/v1", api_key="x", max_retries=0)
    completion = client.chat.completions.create(model="mock/mock-1", messages=[{"role": "user", "content": "hi"}])
    assert completion.choices[0].message.content == MOCK_TEXT


def test_default_route_serves_bare_models(client):
    completion = client.chat.completions.create(model="mock-2", messages=[{"role": "user", "content": "hi"}])
    assert completion.model == "mock-2"


def test_completions(client):
    completion = client.completions.create(model="mock/mock-1", prompt="Once upon a time")
    assert completion.choices[0].text == MOCK_TEXT
    streamed = "".join(c.choices[0].text for c in client.completions.create(model="mock/mock-1", prompt="x", stream=True))
    assert streamed == MOCK_TEXT


def test_embeddings(client):
    # The SDK asks for base64 and decodes it itself.
    result = client.embeddings.create(model="mock/embed", input=["one", "two"])
    assert len(result.data) == 2
    # The mock's vectors reflect the text (64 dimensions, length 1): different inputs, different vectors.
    one, two = result.data[0].embedding, result.data[1].embedding
    assert len(one) == 64 and abs(sum(v * v for v in one) - 1) < 1e-4
    assert one != two


def test_models(client):
    ids = [m.id for m in client.models.list()]
    assert "mock/mock-1" in ids and "mock/mock-2" in ids


def test_upstream_error_passes_through(client):
    with pytest.raises(openai.RateLimitError) as raised:
        client.chat.completions.create(
            model="mock/mock-1;status=429;retry_after=1", messages=[{"role": "user", "content": "hi"}]
        )
    assert raised.value.status_code == 429
    assert raised.value.response.headers["retry-after"] == "1"
    assert "mock fault" in raised.value.message


def test_gateway_errors_are_clear(client):
    with pytest.raises(openai.BadRequestError) as raised:
        client.chat.completions.create(model="nope/x", messages=[])
    assert "Configured providers: mock, openai, anthropic, gemini, ollama" in raised.value.message


def test_trace_headers(client):
    raw = client.chat.completions.with_raw_response.create(
        model="mock/mock-1", messages=[{"role": "user", "content": "hi"}], extra_headers={"x-portkey-trace-id": "t-42"}
    )
    assert raw.headers["x-portkey-trace-id"] == "t-42"
    assert len(raw.headers["x-request-id"]) == 36
    assert raw.headers["x-portkey-provider"] == "mock"


def _last_mock_request(gateway):
    with urllib.request.urlopen(f"http://127.0.0.1:{gateway.mock_port}/mock/requests") as response:
        return json.loads(response.read())[-1]


def test_a_stream_cut_after_output_began_raises_in_the_sdk(client):
    # The upstream resets after 3 chunks: the gateway ends the stream with an error event, which the SDK raises.
    stream = client.chat.completions.create(
        model="mock/mock-1;reset_after=3;interval_ms=5", messages=[{"role": "user", "content": "hi"}], stream=True
    )
    received = []
    with pytest.raises(openai.APIError) as failure:
        for chunk in stream:
            received.append(chunk)
    assert len(received) == 3
    assert "failed after the response started" in str(failure.value)


def test_openrouter_models_list_falls_back(gateway):
    sdk = openai.OpenAI(base_url=f"{gateway.base_url}/api/v1", api_key="unused")
    completion = sdk.chat.completions.create(
        model="mock/mock-1;status=503",
        messages=[{"role": "user", "content": "hi"}],
        extra_body={"models": ["mock/mock-2"]},
    )
    assert completion.model == "mock-2"


def test_client_disconnect_cancels_the_upstream_stream(client, gateway):
    stream = client.chat.completions.create(
        model="mock/mock-1", messages=[{"role": "user", "content": "a long answer"}], stream=True,
        extra_headers={"x-mock-interval-ms": "50", "x-mock-tokens": "200"},
    )
    received = 0
    for _ in stream:
        received += 1
        if received == 3:
            break
    stream.close()
    time.sleep(0.5)
    first = _last_mock_request(gateway)["chunks_sent"]
    time.sleep(0.3)
    second = _last_mock_request(gateway)["chunks_sent"]
    assert first == second, "the mock kept streaming after the client left"
    assert second < 50
    # The gateway records the abandoned request as 499.
    metrics = httpx.get(gateway.base_url + "/metrics").text
    assert 'status="499"' in metrics


def test_access_log_has_one_line_per_request(gateway, client):
    client.chat.completions.create(
        model="mock/mock-1", messages=[{"role": "user", "content": "hi"}], extra_headers={"x-portkey-trace-id": "log-me"}
    )
    time.sleep(0.2)
    lines = [line for line in gateway.log().splitlines() if "trace_id=log-me" in line]
    assert len(lines) == 1
    assert "status=200" in lines[0] and "provider=mock" in lines[0] and "duration_ms=" in lines[0]


def test_sigterm_lets_an_in_flight_stream_finish(tmp_path):
    """A second gateway process: SIGTERM arrives mid-stream, the stream still completes, the process exits 0."""
    from conftest import BINARY, ROOT
    log_path = tmp_path / "sigterm.log"
    with open(log_path, "w") as log:
        process = subprocess.Popen([BINARY, "serve", "--port", "0", "--store", f"sqlite:{tmp_path}/store.sqlite"],
                                   cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        port = None
        for _ in range(600):
            time.sleep(0.05)
            text = log_path.read_text()
            if "listening address=" in text:
                port = int(text.split("listening address=")[1].split()[0].rsplit(":", 1)[1])
                break
        assert port, log_path.read_text()
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="x", max_retries=0)
        stream = client.chat.completions.create(
            model="mock/mock-1", messages=[{"role": "user", "content": "hi"}], stream=True,
            extra_headers={"x-mock-interval-ms": "100", "x-mock-tokens": "6"},
        )
        chunks = [next(iter(stream))]
        process.send_signal(signal.SIGTERM)
        chunks += list(stream)
        text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        assert text == "Hello from the Switchboard mock provider"
        assert process.wait(timeout=20) == 0
        assert "shutting down" in log_path.read_text()
    finally:
        if process.poll() is None:
            process.kill()
