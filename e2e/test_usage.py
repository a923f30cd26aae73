"""Usage and cost through a real `switchboard serve` with the openai SDK: a stream whose client did not ask for
usage gets no usage chunk, yet its tokens are counted exactly; /metrics, /v1/logs and analytics agree."""
import json
import time
import urllib.request
import uuid

from openai import OpenAI


def get(gateway, path):
    with urllib.request.urlopen(f"{gateway.base_url}{path}") as response:
        return json.load(response) if path.startswith("/v1") or path.startswith("/model") else response.read().decode()


def test_stream_usage_is_counted_without_reaching_the_client(gateway):
    client = OpenAI(base_url=f"{gateway.base_url}/v1", api_key="sk-anything")
    trace = "usage-" + uuid.uuid4().hex[:8]
    stream = client.with_options(default_headers={"x-portkey-trace-id": trace}).chat.completions.create(
        model="mock/mock-1", messages=[{"role": "user", "content": "hi"}], stream=True,
    )
    chunks = list(stream)
    assert chunks and all(chunk.usage is None for chunk in chunks)
    assert all(chunk.choices for chunk in chunks), "the usage-only chunk was taken out"

    # With usage asked for, it arrives, and the logged counts equal it.
    asked = client.chat.completions.create(
        model="mock/mock-1", messages=[{"role": "user", "content": "hi"}], stream=True,
        stream_options={"include_usage": True},
    )
    usage = [chunk.usage for chunk in asked if chunk.usage][0]
    assert usage.completion_tokens > 0

    deadline = time.time() + 5
    logs = {"data": []}
    while time.time() < deadline and not logs["data"]:
        logs = get(gateway, f"/v1/logs?trace_id={trace}")
        time.sleep(0.1)
    assert logs["total"] == 1, logs
    metrics = logs["data"][0]["metrics"]
    assert metrics["usage_source"] == "reported"
    assert metrics["res_units"] == sum(1 for chunk in chunks if chunk.choices[0].delta.content)
    assert metrics["stream_mode"] == 1  # Portkey's schema types it as an integer

    text = get(gateway, "/metrics")
    assert 'switchboard_tokens_total{provider="mock",model="mock-1",type="completion"}' in text
    assert "switchboard_gateway_overhead_seconds_bucket" in text


def test_pricing_and_cost_query(gateway):
    price = get(gateway, "/model-configs/pricing/openai/gpt-4o-mini")
    assert price["pay_as_you_go"]["request_token"]["price"] == 0.000015
    cost = get(
        gateway,
        "/v1/analytics/graphs/cost?time_of_generation_min=2000-01-01T00:00:00Z&time_of_generation_max=2100-01-01T00:00:00Z",
    )
    assert cost["object"] == "analytics-graph" and "total" in cost["summary"]
