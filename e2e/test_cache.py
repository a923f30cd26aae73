"""The response cache (docs/cache.md) through the real `switchboard serve` and the official openai SDK: two
processes on one store share an answer (the second never calls its provider), a stream is replayed with the same
content, and a forced refresh goes upstream again."""
import json
import time

import openai
import pytest

from test_store import KINDS, Serve, fresh_store

CACHING = json.dumps({"provider": "mock", "cache": {"mode": "simple", "max_age": 3600}})


def client(gateway, **headers):
    return openai.OpenAI(base_url=f"http://127.0.0.1:{gateway.port}/v1", api_key="unused",
                         default_headers={"x-portkey-config": CACHING, **headers})


def ask(gateway, content, **headers):
    raw = client(gateway, **headers).chat.completions.with_raw_response.create(
        model="mock-1", messages=[{"role": "user", "content": content}])
    return raw.headers.get("x-portkey-cache-status"), raw.parse().choices[0].message.content


def stored_entries(gateway):
    status, stats = gateway.call("GET", "/v1/cache")
    assert status == 200, stats
    return stats["store"]["entries"]


@pytest.mark.parametrize("kind", KINDS)
def test_two_serve_processes_share_cached_answers(kind, tmp_path):
    store = fresh_store(kind, tmp_path)
    first, second = Serve(store, tmp_path, "a"), Serve(store, tmp_path, "b")
    try:
        status, answer = ask(first, "What is a gateway?")
        assert status == "MISS"
        assert ask(first, "What is a gateway?") == ("HIT", answer)
        # Written to the store behind the answer; then the other process answers from it.
        deadline = time.time() + 5
        while stored_entries(first) < 1 and time.time() < deadline:
            time.sleep(0.05)
        assert ask(second, "What is a gateway?") == ("HIT", answer)

        # A stream is replayed: the same text, event for event.
        def streamed():
            raw = client(second).chat.completions.with_raw_response.create(
                model="mock-1", stream=True, messages=[{"role": "user", "content": "Stream it"}])
            text = "".join(chunk.choices[0].delta.content or "" for chunk in raw.parse() if chunk.choices)
            return raw.headers.get("x-portkey-cache-status"), text
        miss, text = streamed()
        assert miss == "MISS" and text
        assert streamed() == ("HIT", text)

        # Forced refresh goes upstream and is stored again; a namespace keeps its own answers.
        assert ask(second, "What is a gateway?", **{"x-portkey-cache-force-refresh": "true"})[0] == "REFRESH"
        assert ask(second, "What is a gateway?", **{"x-portkey-cache-namespace": "team-b"})[0] == "MISS"
        status, deleted = second.call("DELETE", "/v1/cache?namespace=team-b")
        assert status == 200 and deleted["deleted"] >= 0, deleted
    finally:
        first.stop()
        second.stop()


SEMANTIC = json.dumps({"provider": "mock",
                       "cache": {"mode": "semantic", "max_age": 3600, "embedding_model": "mock/embed"}})


def test_semantic_cache_answers_the_same_question_in_other_words(tmp_path):
    """The same question in other words is a SEMANTIC HIT; the prompt's embedding is a request of its own through
    the gateway (logged at INFO under the chat request's trace id), and the hit says so in the access log."""
    gateway = Serve(fresh_store("sqlite", tmp_path), tmp_path, "semantic")
    try:
        sdk = openai.OpenAI(base_url=f"http://127.0.0.1:{gateway.port}/v1", api_key="unused",
                            default_headers={"x-portkey-config": SEMANTIC})

        def ask_semantic(content, **extra):
            raw = sdk.chat.completions.with_raw_response.create(
                model="mock-1", messages=[{"role": "user", "content": content}], **extra)
            return raw.headers.get("x-portkey-cache-status"), raw.parse().choices[0].message.content

        status, answer = ask_semantic("What is the capital of France?")
        assert status == "MISS"
        assert ask_semantic("what is the capital of France") == ("SEMANTIC HIT", answer)
        # Other words that mean something else, or other parameters, are misses.
        assert ask_semantic("Write a haiku about the sea")[0] == "MISS"
        assert ask_semantic("what is the capital of France", temperature=1.5)[0] == "MISS"
        time.sleep(0.2)
        log = gateway.log_path.read_text()
        assert log.count("path=/v1/embeddings") == 4, log
        assert 'cache="SEMANTIC HIT"' in log, log
    finally:
        gateway.stop()
