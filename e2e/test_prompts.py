"""The `portkey-ai` SDK's prompts API against the real binary: a prompt with a partial, rendered and completed
(JSON and streamed) through the normal routing, versions published with `publish`, bad variables named."""
import json
import urllib.request

import pytest
from portkey_ai import Portkey

TEMPLATE = json.dumps(
    [
        {"role": "system", "content": "{{>e2e-tone}}"},
        {"role": "user", "content": "Tell me about {{topic}}."},
    ]
)


def portkey(gateway):
    return Portkey(base_url=f"{gateway.base_url}/v1", api_key="pk-local-anything")


def last_upstream_body(gateway):
    with urllib.request.urlopen(f"http://127.0.0.1:{gateway.mock_port}/mock/requests") as response:
        requests = json.load(response)
    return json.loads(requests[-1]["body"])


def post(gateway, path, body):
    request = urllib.request.Request(
        f"{gateway.base_url}{path}", data=json.dumps(body).encode(), headers={"content-type": "application/json"}
    )
    with urllib.request.urlopen(request) as response:
        return json.load(response)


def test_render_and_complete_a_prompt_with_the_sdk(gateway):
    client = portkey(gateway)
    post(gateway, "/v1/prompts/partials", {"name": "tone", "slug": "e2e-tone", "string": "Answer {{style}}."})
    created = client.prompts.create(
        name="E2E explainer",
        collection_id="e2e",
        string=TEMPLATE,
        parameters={"temperature": 0.2, "max_tokens": 30},
        virtual_key="mock",
        model="mock-1",
    )
    slug = created.slug

    rendered = client.prompts.render(prompt_id=slug, variables={"style": "briefly", "topic": "tides"}, max_tokens=7)
    assert rendered.success is True
    messages = rendered.data.messages
    assert messages[0]["content"] == "Answer briefly."
    assert messages[1]["content"] == "Tell me about tides."
    assert rendered.data.max_tokens == 7

    completion = client.prompts.completions.create(prompt_id=slug, variables={"style": "briefly", "topic": "tides"})
    assert completion.choices[0]["message"]["content"].startswith("Hello from")
    sent = last_upstream_body(gateway)
    assert sent["model"] == "mock-1"
    assert sent["messages"][1]["content"] == "Tell me about tides."
    assert sent["temperature"] == 0.2

    stream = client.prompts.completions.create(
        prompt_id=slug, variables={"style": "briefly", "topic": "tides"}, stream=True
    )
    text = "".join((chunk.choices[0]["delta"].get("content") or "") for chunk in stream if chunk.choices)
    assert text.startswith("Hello from")

    # A new version is used once published; the old one stays reachable by number.
    client.prompts.update(slug, string="Only {{topic}}.")
    client.prompts.publish(slug, version=2)
    completion = client.prompts.completions.create(prompt_id=slug, variables={"topic": "tides"})
    assert completion.choices
    assert last_upstream_body(gateway)["messages"] == [{"role": "user", "content": "Only tides."}]
    old = client.prompts.render(prompt_id=f"{slug}@1", variables={"style": "x", "topic": "y"})
    assert len(old.data.messages) == 2


def test_missing_variables_are_named(gateway):
    client = portkey(gateway)
    created = client.prompts.create(
        name="E2E strict", collection_id="e2e", string="{{a}} and {{b}}", parameters={}, model="mock-1",
        virtual_key="mock",
    )
    with pytest.raises(Exception) as failure:
        client.prompts.completions.create(prompt_id=created.slug, variables={"a": "x"})
    assert "Missing variables: b" in str(failure.value)
