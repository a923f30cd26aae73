"""Answers of hundreds of kilobytes to megabytes through a real switchboard process, as the report of issue 17 tried
them: with curl-like keep-alive-less requests, with the official `openai` SDK (JSON, streamed, embeddings) and with a
reader that stops for a while in the middle. Every answer must arrive whole."""
import http.client
import json
import time

import openai
import pytest

WORDS = ["Hello", " from", " the", " Switchboard", " mock", " provider", ".", " It"]


def mock_text(tokens):
    """The text the demo mock answers with `tokens` tokens (MockResponses.text)."""
    cycle = "".join(WORDS)
    return cycle * (tokens // len(WORDS)) + "".join(WORDS[: tokens % len(WORDS)])


@pytest.fixture
def client(gateway):
    return openai.OpenAI(base_url=gateway.base_url + "/v1", api_key="sk-anything", max_retries=0, timeout=60)


@pytest.mark.parametrize("tokens", [8_000, 12_000, 30_000])
def test_the_reported_loop_answers_every_time(gateway, tokens):
    """The report's loop: a new connection per request, 44 KB to 165 KB answers; each one 200 and whole."""
    body = json.dumps({"model": f"mock/mock-1;tokens={tokens}", "messages": [{"role": "user", "content": "hi"}]})
    for _ in range(40):
        connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=10)
        connection.request("POST", "/v1/chat/completions", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        data = response.read()
        connection.close()
        assert response.status == 200
        assert len(data) == int(response.getheader("content-length"))
        assert json.loads(data)["choices"][0]["message"]["content"] == mock_text(tokens)


def test_sdk_large_json_answers_on_one_keep_alive_connection(client):
    for _ in range(20):
        completion = client.chat.completions.create(
            model="mock/mock-1;tokens=190000", messages=[{"role": "user", "content": "Tell me everything"}]
        )
        assert completion.choices[0].message.content == mock_text(190_000)
        assert completion.usage.completion_tokens == 190_000


def test_sdk_streams_megabytes(client):
    for _ in range(3):
        stream = client.chat.completions.create(
            model="mock/mock-1;tokens=30000", messages=[{"role": "user", "content": "Tell me everything"}],
            stream=True,
        )
        text = "".join(chunk.choices[0].delta.content or "" for chunk in stream if chunk.choices)
        assert text == mock_text(30_000)


def test_sdk_large_embeddings(client):
    result = client.embeddings.create(model="mock/mock-1", input=["hello world"] * 1600)
    assert len(result.data) == 1600
    assert [item.index for item in result.data] == list(range(1600))


def test_reader_that_stops_for_a_while_gets_everything(gateway):
    """Reads 64 KB of a ~5.6 MB stream, stops for three seconds, then reads the rest."""
    body = json.dumps({"model": "mock/mock-1;tokens=30000", "stream": True,
                       "messages": [{"role": "user", "content": "hi"}]})
    connection = http.client.HTTPConnection("127.0.0.1", gateway.port, timeout=30)
    connection.request("POST", "/v1/chat/completions", body=body, headers={"Content-Type": "application/json"})
    response = connection.getresponse()
    assert response.status == 200
    first = response.read(64 * 1024)
    time.sleep(3)
    rest = response.read()
    connection.close()
    events = (first + rest).decode().split("\n\n")
    data = [event[len("data: "):] for event in events if event.startswith("data: ")]
    assert data[-1] == "[DONE]"
    text = "".join(json.loads(item)["choices"][0]["delta"].get("content") or "" for item in data[:-1])
    assert text == mock_text(30_000)
