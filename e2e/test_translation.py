"""Any client against any provider kind (issue 20), with the official SDKs unchanged but for their base URL:
the `anthropic` SDK (what Claude Code speaks) against an OpenAI-chat and an OpenAI-Responses provider, the `openai`
SDK's Responses and chat clients (what Codex speaks) against an Anthropic provider — text, tools, reasoning,
streaming through the SDKs' own stream helpers, usage, errors. The providers are a `switchboard-mock` process
speaking each protocol."""
import json
import os
import socket
import subprocess
import time

import anthropic
import openai
import pytest

from conftest import BINARY, run_gateway

MOCK_BINARY = os.path.join(os.path.dirname(BINARY), "switchboard-mock")
TOOL = {"name": "get_weather", "description": "Weather now",
        "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory):
    folder = tmp_path_factory.mktemp("translation")
    port = free_port()
    mock = subprocess.Popen([MOCK_BINARY, "--port", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.STDOUT)
    deadline = time.time() + 20
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.05)
    config = folder / "switchboard.yaml"
    config.write_text(f"""
log: {{level: info}}
providers:
  mock: {{kind: mock}}
  chat: {{kind: openai-chat, base_url: "http://127.0.0.1:{port}/v1", api_key: sk-chat}}
  resp: {{kind: openai-responses, base_url: "http://127.0.0.1:{port}/v1", api_key: sk-resp}}
  ant: {{kind: anthropic, base_url: "http://127.0.0.1:{port}/v1", api_key: sk-ant}}
  gem: {{kind: gemini, base_url: "http://127.0.0.1:{port}/v1beta", api_key: sk-gem}}
default_route: {{provider: chat}}
""")
    try:
        yield from run_gateway(folder, config=str(config))
    finally:
        mock.terminate()
        mock.wait(timeout=10)


@pytest.fixture
def claude(gateway):
    return anthropic.Anthropic(base_url=gateway.base_url, api_key="sk-client", max_retries=0)


@pytest.fixture
def oai(gateway):
    return openai.OpenAI(base_url=gateway.base_url + "/v1", api_key="sk-client", max_retries=0)


ANTHROPIC_TOOL = {"name": TOOL["name"], "description": TOOL["description"], "input_schema": TOOL["parameters"]}


@pytest.mark.parametrize("provider", ["chat", "resp"])
def test_anthropic_sdk_against_openai_providers(claude, provider):
    message = claude.messages.create(
        model=f"{provider}/gpt-x;tokens=3;tool=1;thinking=1", max_tokens=200, tools=[ANTHROPIC_TOOL],
        messages=[{"role": "user", "content": "Weather in Paris?"}],
    )
    kinds = [block.type for block in message.content]
    assert kinds == ["thinking", "text", "tool_use"]
    assert message.content[1].text == "Hello from the"
    assert message.content[2].name == "get_weather" and message.content[2].input == {"city": "Paris"}
    assert message.stop_reason == "tool_use"
    assert message.usage.output_tokens == 3 and message.usage.input_tokens > 0


@pytest.mark.parametrize("provider", ["chat", "resp"])
def test_anthropic_sdk_stream_against_openai_providers(claude, provider):
    with claude.messages.stream(
        model=f"{provider}/gpt-x;tokens=4;tool=1;thinking=1", max_tokens=200, tools=[ANTHROPIC_TOOL],
        messages=[{"role": "user", "content": "Weather in Paris?"}],
    ) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "Hello from the Switchboard"
    assert final.content[0].thinking == "Let me think."
    assert final.content[-1].input == {"city": "Paris"}
    assert final.stop_reason == "tool_use"
    # Never 0/0: the final usage is the provider's own count.
    assert final.usage.output_tokens == 4 and final.usage.input_tokens > 0


def test_anthropic_sdk_errors_are_its_own_exceptions(claude):
    with pytest.raises(anthropic.RateLimitError) as raised:
        claude.messages.create(model="chat/gpt-x;status=429", max_tokens=10,
                               messages=[{"role": "user", "content": "hi"}])
    assert "mock fault: status 429" in str(raised.value)
    with pytest.raises(anthropic.BadRequestError) as refused:
        claude.messages.create(model="chat/gpt-x", max_tokens=10, messages=[{"role": "user", "content": "hi"}],
                               tools=[{"type": "web_search_20250305", "name": "web_search"}])
    assert "tools[0].type" in str(refused.value)


def test_a_thinking_block_round_trips_with_its_signature(claude, gateway):
    """The signature an Anthropic provider gave goes back to it intact through a Responses client's next turn."""
    oai = openai.OpenAI(base_url=gateway.base_url + "/v1", api_key="sk-client", max_retries=0)
    first = oai.responses.create(model="ant/claude-x;tokens=2;thinking=1", input="Think.",
                                 include=["reasoning.encrypted_content"])
    reasoning = [item for item in first.output if item.type == "reasoning"][0]
    assert reasoning.encrypted_content == "sig-mock"
    second_input = [{"role": "user", "content": "Think."}] + [item.model_dump(exclude_none=True) for item in first.output] \
        + [{"role": "user", "content": "Again."}]
    oai.responses.create(model="ant/claude-x;tokens=2", input=second_input)
    sent = json.loads(mock_requests(gateway)[-1]["body"])
    assistant = [m for m in sent["messages"] if m["role"] == "assistant"][0]
    assert assistant["content"][0] == {"type": "thinking", "thinking": "Let me think.", "signature": "sig-mock"}


def mock_requests(gateway):
    import urllib.request
    port = int(open(gateway_config_path(gateway)).read().split("127.0.0.1:")[1].split("/")[0])
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/mock/requests") as response:
        return json.loads(response.read())


def gateway_config_path(gateway):
    return os.path.join(os.path.dirname(gateway.log_path), "switchboard.yaml")


RESPONSES_TOOL = {"type": "function", **TOOL}


@pytest.mark.parametrize("provider", ["ant", "chat"])
def test_openai_responses_against_other_providers(oai, provider):
    response = oai.responses.create(model=f"{provider}/m;tokens=3;tool=1", input="Weather in Paris?",
                                    instructions="Be brief.", tools=[RESPONSES_TOOL])
    assert response.output_text == "Hello from the"
    call = [item for item in response.output if item.type == "function_call"][0]
    assert call.name == "get_weather" and json.loads(call.arguments) == {"city": "Paris"}
    assert response.status == "completed"
    assert response.usage.output_tokens == 3 and response.usage.input_tokens > 0


@pytest.mark.parametrize("provider", ["ant", "chat"])
def test_openai_responses_stream_against_other_providers(oai, provider):
    with oai.responses.stream(model=f"{provider}/m;tokens=4;tool=1;thinking=1", input="Weather in Paris?",
                              tools=[RESPONSES_TOOL]) as stream:
        deltas = [event.delta for event in stream if event.type == "response.output_text.delta"]
        final = stream.get_final_response()
    assert "".join(deltas) == "Hello from the Switchboard"
    assert final.output_text == "Hello from the Switchboard"
    assert [item.type for item in final.output] == ["reasoning", "message", "function_call"]
    assert json.loads(final.output[-1].arguments) == {"city": "Paris"}
    assert final.usage.output_tokens == 4


def test_openai_responses_errors_are_its_own_exceptions(oai):
    with pytest.raises(openai.RateLimitError):
        oai.responses.create(model="ant/m;status=429", input="hi")
    with pytest.raises(openai.BadRequestError) as refused:
        oai.responses.create(model="ant/m", input="hi", previous_response_id="resp_123")
    assert "previous_response_id" in str(refused.value)


def test_openai_chat_against_anthropic(oai):
    stream = oai.chat.completions.create(
        model="ant/claude-x;tokens=3;tool=1;thinking=1", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "user", "content": "Weather in Paris?"}],
        tools=[{"type": "function", "function": TOOL}],
    )
    chunks = list(stream)
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    arguments = "".join(c.choices[0].delta.tool_calls[0].function.arguments or ""
                        for c in chunks if c.choices and c.choices[0].delta.tool_calls)
    assert text == "Hello from the"
    assert json.loads(arguments) == {"city": "Paris"}
    assert [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason] == ["tool_calls"]
    assert chunks[-1].usage.completion_tokens == 3
    completion = oai.chat.completions.create(model="ant/claude-x;tokens=2",
                                             messages=[{"role": "user", "content": "hi"}])
    assert completion.choices[0].message.content == "Hello from"
    assert completion.usage.completion_tokens == 2


# The `google-genai` SDK (Gemini) against every other provider kind, and the other SDKs against a Gemini provider.

GEMINI_TOOL = {"function_declarations": [{"name": TOOL["name"], "description": TOOL["description"],
                                          "parameters_json_schema": TOOL["parameters"]}]}


@pytest.fixture
def gemini(gateway):
    from google import genai
    from google.genai import types
    return genai.Client(api_key="sk-client", http_options=types.HttpOptions(base_url=gateway.base_url))


@pytest.mark.parametrize("provider", ["chat", "resp", "ant"])
def test_google_genai_against_other_providers(gemini, provider):
    from google.genai import types
    response = gemini.models.generate_content(
        model=f"{provider}/m;tokens=3;tool=1", contents="Weather in Paris?",
        config=types.GenerateContentConfig(system_instruction="Be brief.", tools=[GEMINI_TOOL]),
    )
    assert response.text == "Hello from the"
    call = response.function_calls[0]
    assert call.name == "get_weather" and call.args == {"city": "Paris"}
    assert response.usage_metadata.candidates_token_count == 3
    assert response.usage_metadata.prompt_token_count > 0


@pytest.mark.parametrize("provider", ["chat", "ant"])
def test_google_genai_stream_against_other_providers(gemini, provider):
    chunks = list(gemini.models.generate_content_stream(model=f"{provider}/m;tokens=4", contents="Hi"))
    assert "".join(chunk.text or "" for chunk in chunks) == "Hello from the Switchboard"
    assert chunks[-1].candidates[0].finish_reason == "STOP"
    assert chunks[-1].usage_metadata.candidates_token_count == 4


def test_google_genai_errors_are_its_own_exceptions(gemini):
    from google.genai import errors
    with pytest.raises(errors.ClientError) as raised:
        gemini.models.generate_content(model="ant/m;status=429", contents="hi")
    assert raised.value.code == 429 and "mock fault" in str(raised.value)


def test_every_sdk_against_a_gemini_provider(gateway, claude, oai, gemini):
    """A Gemini-kind provider serves the Anthropic, OpenAI chat and Responses clients, and Gemini's own natively."""
    message = claude.messages.create(model="gem/gemini-x;tokens=3;tool=1", max_tokens=100, tools=[ANTHROPIC_TOOL],
                                     messages=[{"role": "user", "content": "Weather in Paris?"}])
    assert message.content[0].text == "Hello from the" and message.content[1].input == {"city": "Paris"}
    assert message.stop_reason == "tool_use"
    completion = oai.chat.completions.create(model="gem/gemini-x;tokens=2",
                                             messages=[{"role": "user", "content": "hi"}])
    assert completion.choices[0].message.content == "Hello from"
    response = oai.responses.create(model="gem/gemini-x;tokens=2", input="hi")
    assert response.output_text == "Hello from"
    native = gemini.models.generate_content(model="gem/gemini-x;tokens=2", contents="hi")
    assert native.text == "Hello from"
    sent = mock_requests(gateway)[-1]
    assert sent["uri"] == "/v1beta/models/gemini-x;tokens=2:generateContent"
    assert sent["headers"]["x-goog-api-key"] == "sk-gem"
