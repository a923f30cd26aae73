"""The official `openrouter` SDK drives every presets endpoint of a real `switchboard serve`
(`server_url=http://…/api/v1`), then chats through `@preset/SLUG`; the mock shows the merged body it got."""
import json
import urllib.request
import uuid

import pytest
from openai import OpenAI
from openrouter import OpenRouter


def client(gateway):
    return OpenRouter(api_key="sk-or-local-anything", server_url=f"{gateway.base_url}/api/v1")


def last_upstream_body(gateway):
    with urllib.request.urlopen(f"http://127.0.0.1:{gateway.mock_port}/mock/requests") as response:
        return json.loads(json.load(response)[-1]["body"])


def test_presets_endpoints_and_inference(gateway):
    router = client(gateway)
    slug = "sdk-" + uuid.uuid4().hex[:6]
    created = router.presets.create_presets_chat_completions(
        slug=slug,
        model="mock/mock-1",
        temperature=0.4,
        max_tokens=50,
        messages=[{"role": "system", "content": "Reply in haiku."}, {"role": "user", "content": "ignored"}],
    )
    assert created.data.slug == slug
    assert created.data.designated_version.version == 1
    assert created.data.designated_version.system_prompt == "Reply in haiku."
    assert created.data.designated_version.config == {"model": "mock/mock-1", "temperature": 0.4, "max_tokens": 50}

    second = router.presets.create_presets_messages(
        slug=slug, model="mock/mock-2", max_tokens=20, system="Reply in limericks.",
        messages=[{"role": "user", "content": "ignored"}],
    )
    assert second.data.designated_version.version == 2
    third = router.presets.create_presets_responses(
        slug=slug, model="mock/mock-1", instructions="Reply in sonnets.", temperature=0.2, input="ignored",
    )
    assert third.data.designated_version.version == 3

    listed = router.presets.list(limit=100)
    assert slug in [preset.slug for preset in listed.result.data]
    assert listed.result.total_count >= 1
    got = router.presets.get(slug=slug)
    assert got.data.designated_version.system_prompt == "Reply in sonnets."
    versions = router.presets.list_versions(slug=slug)
    assert [version.version for version in versions.result.data] == [1, 2, 3]
    first = router.presets.get_version(slug=slug, version="1")
    assert first.data.config["temperature"] == 0.4

    # Inference through the preset: the openai SDK, a model-less request filled from the preset.
    openai = OpenAI(base_url=f"{gateway.base_url}/v1", api_key="sk-anything")
    answer = openai.chat.completions.create(
        model=f"@preset/{slug}", messages=[{"role": "user", "content": "hello"}], max_tokens=7,
    )
    assert answer.choices[0].message.content
    sent = last_upstream_body(gateway)
    assert sent["model"] == "mock-1"
    assert sent["temperature"] == 0.2 and sent["max_tokens"] == 7
    assert sent["messages"][0] == {"role": "system", "content": "Reply in sonnets."}

    # The openrouter SDK's own chat, through /api/v1, with the `MODEL@preset/SLUG` form.
    router.chat.send(model=f"mock/mock-2@preset/{slug}", messages=[{"role": "user", "content": "hi"}])
    sent = last_upstream_body(gateway)
    assert sent["model"] == "mock-2" and sent["temperature"] == 0.2


def test_unknown_preset_is_a_404_naming_it(gateway):
    router = client(gateway)
    with pytest.raises(Exception) as failure:
        router.presets.get(slug="no-such-preset")
    assert "no-such-preset" in str(failure.value)
    openai = OpenAI(base_url=f"{gateway.base_url}/v1", api_key="sk-anything")
    with pytest.raises(Exception) as inference:
        openai.chat.completions.create(model="@preset/no-such-preset", messages=[{"role": "user", "content": "x"}])
    assert "no-such-preset" in str(inference.value) and "404" in str(inference.value)
