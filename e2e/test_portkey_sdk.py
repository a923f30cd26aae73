"""The official `portkey-ai` SDK routes through Switchboard with configs: inline JSON and a saved slug."""
import json
import urllib.request

import pytest
from portkey_ai import Portkey

FALLBACK = {
    "strategy": {"mode": "fallback", "on_status_codes": [503]},
    "targets": [
        {"provider": "mock", "override_params": {"model": "mock-1;status=503"}},
        {"provider": "mock", "override_params": {"model": "mock-2"}},
    ],
}


def client(gateway, config):
    return Portkey(base_url=f"{gateway.base_url}/v1", api_key="pk-local-anything", config=config)


def mock_models(gateway):
    with urllib.request.urlopen(f"http://127.0.0.1:{gateway.mock_port}/mock/requests") as response:
        requests = json.load(response)
    return [json.loads(r["body"]).get("model") for r in requests if r["body"].startswith("{")]


def test_inline_config_falls_back(gateway):
    portkey = client(gateway, FALLBACK)
    completion = portkey.chat.completions.create(model="mock-1", messages=[{"role": "user", "content": "hello"}])
    assert completion.choices[0].message.content
    assert completion.model == "mock-2"
    headers = completion.get_headers()
    assert headers["last-used-option-index"] == "config.targets[1]"
    assert headers["provider"] == "mock"
    assert mock_models(gateway)[-2:] == ["mock-1;status=503", "mock-2"]


def test_streaming_falls_back_before_the_first_byte(gateway):
    portkey = client(gateway, FALLBACK)
    stream = portkey.chat.completions.create(
        model="mock-1", messages=[{"role": "user", "content": "hello"}], stream=True
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text


def test_saved_config_by_slug(gateway):
    portkey = client(gateway, "demo-fallback")
    completion = portkey.chat.completions.create(model="mock-1", messages=[{"role": "user", "content": "hi"}])
    assert completion.model == "mock-2"


def test_invalid_config_is_a_clear_400(gateway):
    portkey = client(gateway, {"strategy": {"mode": "sometimes"}, "targets": [{"provider": "mock"}]})
    with pytest.raises(Exception) as failure:
        portkey.chat.completions.create(model="mock-1", messages=[{"role": "user", "content": "hi"}])
    assert "sometimes" in str(failure.value)


def test_configs_api_with_the_sdk(gateway):
    """The SDK's configs API against the local store, then the saved config used by slug."""
    portkey = Portkey(base_url=f"{gateway.base_url}/v1", api_key="pk-local-anything")
    created = portkey.configs.create(name="SDK fallback", config=FALLBACK)
    assert created.slug.startswith("pc-sdk-fallback-")
    assert created.version_id

    listed = portkey.configs.list()
    assert created.slug in [item["slug"] for item in listed.data]

    got = portkey.configs.retrieve(slug=created.slug)
    assert got.config["strategy"]["mode"] == "fallback"

    updated = portkey.configs.update(slug=created.slug, name="SDK fallback v2", config=FALLBACK, status="active")
    assert updated.version_id and updated.version_id != created.version_id

    routed = client(gateway, created.slug).chat.completions.create(
        model="mock-1", messages=[{"role": "user", "content": "hi"}]
    )
    assert routed.model == "mock-2"

    portkey.configs.delete(slug=created.slug)
    with pytest.raises(Exception) as failure:
        portkey.configs.retrieve(slug=created.slug)
    assert "not found" in str(failure.value)
