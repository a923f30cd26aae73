"""Provider credentials through the official `portkey-ai` SDK: virtual keys, integrations and providers are
created, listed, updated and deleted; requests then route with the stored secret (the mock records the key it
received), and the secret never appears in an API response or the gateway's log."""
import json
import urllib.request

import pytest
from openai import OpenAI
from portkey_ai import Portkey

SECRET = "sk-e2e-secret-7f3a9c2b1d"


def admin(gateway):
    return Portkey(base_url=f"{gateway.base_url}/v1", api_key="pk-local-anything")


def last_upstream(gateway):
    with urllib.request.urlopen(f"http://127.0.0.1:{gateway.mock_port}/mock/requests") as response:
        request = json.load(response)[-1]
    headers = {name.lower(): value for name, value in request["headers"].items()}
    return headers.get("authorization"), json.loads(request["body"]).get("model")


def ask(client, model):
    return client.chat.completions.create(model=model, messages=[{"role": "user", "content": "hi"}])


def test_virtual_key_lifecycle_and_use(gateway):
    portkey = admin(gateway)
    mock_url = f"http://127.0.0.1:{gateway.mock_port}/v1"
    created = portkey.virtual_keys.create(name="E2E OpenAI", provider="openai", key=SECRET, custom_host=mock_url)
    slug = created.data["slug"] if isinstance(created.data, dict) else created.data.slug
    assert slug.startswith("e2e-openai-")

    listed = portkey.virtual_keys.list()
    assert slug in [item["slug"] for item in listed.data]
    retrieved = portkey.virtual_keys.retrieve(slug=slug)
    assert SECRET not in json.dumps(retrieved.model_dump() if hasattr(retrieved, "model_dump") else dict(retrieved))

    # The Portkey SDK's own option, and the catalog form through the plain openai SDK.
    routed = Portkey(base_url=f"{gateway.base_url}/v1", api_key="pk-local-anything", virtual_key=slug)
    assert ask(routed, "gpt-e2e").choices[0].message.content
    assert last_upstream(gateway) == (f"Bearer {SECRET}", "gpt-e2e")
    openai = OpenAI(base_url=f"{gateway.base_url}/v1", api_key="sk-client-own")
    ask(openai, f"@{slug}/gpt-catalog")
    assert last_upstream(gateway) == (f"Bearer {SECRET}", "gpt-catalog")

    portkey.virtual_keys.update(slug=slug, key="sk-e2e-second-secret-0000", note="rotated")
    ask(routed, "gpt-e2e")
    assert last_upstream(gateway)[0] == "Bearer sk-e2e-second-secret-0000"

    portkey.virtual_keys.delete(slug=slug)
    with pytest.raises(Exception) as failure:
        ask(routed, "gpt-e2e")
    assert slug in str(failure.value)
    assert SECRET not in gateway.log() and "sk-e2e-second-secret" not in gateway.log()


def test_integration_and_provider(gateway):
    portkey = admin(gateway)
    mock_url = f"http://127.0.0.1:{gateway.mock_port}/v1"
    portkey.integrations.create(
        name="E2E local", slug="e2e-local", ai_provider_id="openai", key=SECRET,
        configurations={"custom_host": mock_url},
    )
    detail = portkey.integrations.retrieve(slug="e2e-local")
    assert detail.masked_key == "sk-e********2b1d"
    portkey.providers.create(name="E2E team", integration_id="e2e-local", slug="e2e-team")
    assert "e2e-team" in [item.slug if hasattr(item, "slug") else item["slug"] for item in portkey.providers.list().data]

    openai = OpenAI(base_url=f"{gateway.base_url}/v1", api_key="sk-client-own")
    ask(openai, "@e2e-team/llama-e2e")
    assert last_upstream(gateway) == (f"Bearer {SECRET}", "llama-e2e")

    with pytest.raises(Exception) as in_use:
        portkey.integrations.delete(slug="e2e-local")
    assert "e2e-team" in str(in_use.value)
    portkey.providers.delete(slug="e2e-team")
    portkey.integrations.delete(slug="e2e-local")
    assert SECRET not in gateway.log()
