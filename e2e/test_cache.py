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
