"""Guardrails against the real binary with the official SDKs: an input guardrail stops a request before the
provider (446), and output guardrails on streams end them with `event: hook_results` — which the `openai` (chat
and Responses) and `anthropic` SDKs read past without error."""
import json

import anthropic
import httpx
import openai
import pytest

# The mock answers "Hello from the Switchboard mock provider. …": this output guardrail fails on it.
NO_MOCK = {"provider": "mock", "output_guardrails": [{"default.regexMatch": {"rule": "mock provider", "not": True}}]}
NO_CARDS = {
    "provider": "mock",
    "input_guardrails": [{"default.regexMatch": {"rule": "\\d{16}", "not": True}, "deny": True}],
}


def headers(config):
    return {"x-portkey-config": json.dumps(config)}


def test_an_input_guardrail_stops_the_request(gateway):
    client = openai.OpenAI(base_url=gateway.base_url + "/v1", api_key="sk-anything", max_retries=0)
    with pytest.raises(openai.APIStatusError) as failure:
        client.chat.completions.create(
            model="mock-1",
            messages=[{"role": "user", "content": "my card is 4111111111111111"}],
            extra_headers=headers(NO_CARDS),
        )
    assert failure.value.status_code == 446
    assert failure.value.response.json()["hook_results"]["before_request_hooks"][0]["verdict"] is False


def test_sdks_read_streams_that_end_with_hook_results(gateway):
    client = openai.OpenAI(base_url=gateway.base_url + "/v1", api_key="sk-anything", max_retries=0)
    stream = client.chat.completions.create(
        model="mock-1", messages=[{"role": "user", "content": "hi"}], stream=True, extra_headers=headers(NO_MOCK)
    )
    text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
    assert text.startswith("Hello from")

    with client.responses.stream(model="mock-1", input="hi", extra_headers=headers(NO_MOCK)) as stream:
        final = stream.get_final_response()
    assert final.output_text.startswith("Hello from")

    claude = anthropic.Anthropic(base_url=gateway.base_url, api_key="sk-ant-anything", max_retries=0)
    with claude.messages.stream(
        model="mock-1", max_tokens=9, messages=[{"role": "user", "content": "hi"}], extra_headers=headers(NO_MOCK)
    ) as stream:
        message = stream.get_final_message()
    assert message.content[0].text.startswith("Hello from")

    # A raw reader sees the results after the stream's own end.
    raw = httpx.post(
        gateway.base_url + "/v1/chat/completions",
        headers=headers(NO_MOCK),
        json={"model": "mock-1", "stream": True, "messages": [{"role": "user", "content": "hi"}]},
    )
    events = [e for e in raw.text.split("\n\n") if e]
    assert events[-2] == "data: [DONE]"
    assert events[-1].startswith("event: hook_results\ndata: ")
    results = json.loads(events[-1].split("data: ", 1)[1])["hook_results"]
    assert results["after_request_hooks"][0]["verdict"] is False
