"""Budgets and rate limits (docs/policies.md) through the real `switchboard serve`: two processes on one store
share one token budget under concurrency (streams included) and the store's usage is what they answered; the
official SDKs raise their own rate-limit errors on a refusal."""
import concurrent.futures
import json
import time
import urllib.error
import urllib.request

import anthropic
import openai
import pytest

from test_store import KINDS, Serve, fresh_store

LIMIT = 1500


def chat(gateway, user, stream=False, max_tokens=16):
    body = {"model": "mock/mock-1", "max_tokens": max_tokens, "messages": [{"role": "user", "content": "hi"}]}
    if stream:
        body.update(stream=True, stream_options={"include_usage": True})
    request = urllib.request.Request(
        f"http://127.0.0.1:{gateway.port}/v1/chat/completions", method="POST", data=json.dumps(body).encode(),
        headers={"content-type": "application/json", "x-portkey-metadata": json.dumps({"user_id": user})})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            text = response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, 0
    if not stream:
        return 200, json.loads(text)["usage"]["total_tokens"]
    used = 0
    for line in text.splitlines():
        if line.startswith("data: {") and '"usage":{' in line:
            used = json.loads(line[6:])["usage"]["total_tokens"]
    return 200, used


def wait_for_policies(gateway):
    """Polls until `gateway` enforces the probe rate limit (1 request a minute), so it has loaded the policies."""
    deadline = time.time() + 5
    while time.time() < deadline:
        if chat(gateway, "probe")[0] == 429:
            return
        time.sleep(0.1)
    raise AssertionError("the replica did not load the policies within 5 s")


@pytest.mark.parametrize("kind", KINDS)
def test_two_serve_processes_on_one_store_share_one_budget(kind, tmp_path):
    store = fresh_store(kind, tmp_path)
    first, second = Serve(store, tmp_path, "a"), Serve(store, tmp_path, "b")
    try:
        status, created = first.call("POST", "/v1/policies/usage-limits", {
            "name": "per-user tokens", "conditions": [{"key": "metadata.user_id", "value": "*"}],
            "group_by": [{"key": "metadata.user_id"}], "type": "tokens", "credit_limit": LIMIT})
        assert status == 200, created
        policy = created["id"]
        status, _ = first.call("POST", "/v1/policies/rate-limits", {
            "conditions": [{"key": "metadata.user_id", "value": "probe"}], "group_by": [{"key": "metadata.user_id"}],
            "type": "requests", "unit": "rpm", "value": 1})
        assert status == 200
        wait_for_policies(first)
        wait_for_policies(second)

        jobs = [(first if n % 2 else second, n % 3 == 0) for n in range(90)]
        with concurrent.futures.ThreadPoolExecutor(max_workers=30) as pool:
            results = list(pool.map(lambda job: chat(job[0], "zoe", stream=job[1]), jobs))
        statuses = {status for status, _ in results}
        answered = sum(used for status, used in results if status == 200)
        assert statuses <= {200, 412}, statuses
        assert 412 in statuses, "the budget never refused a request"
        # Every request keeps to its reservation (prompt estimate + max_tokens), so the budget holds exactly.
        assert 0 < answered <= LIMIT

        # Each replica reports what it used within a second; the store then holds exactly what was answered.
        deadline, usage = time.time() + 5, None
        while time.time() < deadline:
            status, entities = first.call("GET", f"/v1/policies/usage-limits/{policy}/entities?search=zoe")
            assert status == 200
            usage = entities["data"][0]["current_usage"] if entities["data"] else None
            if usage == answered:
                break
            time.sleep(0.2)
        assert usage == answered

        # What is left after the burst (slices held by requests in flight refused some early) is spent request by
        # request until the budget has no room for one more; the refusal names the policy.
        for _ in range(100):
            status, body = second.call("POST", "/v1/chat/completions", {
                "model": "mock/mock-1", "max_tokens": 16, "messages": [{"role": "user", "content": "hi"}]},
                headers={"x-portkey-metadata": json.dumps({"user_id": "zoe"})})
            if status != 200:
                break
            answered += body["usage"]["total_tokens"]
        assert status == 412
        assert answered <= LIMIT
        assert body["error"]["code"] == "usage_limit_exceeded"
        assert "per-user tokens" in body["error"]["message"]
    finally:
        first.stop()
        second.stop()


def test_sdks_raise_their_rate_limit_errors(gateway):
    base = gateway.base_url
    policy = {"name": "sdk", "conditions": [{"key": "metadata.user_id", "value": "sdk-user"}],
              "group_by": [{"key": "metadata.user_id"}], "type": "requests", "unit": "rpm", "value": 1}
    request = urllib.request.Request(f"{base}/v1/policies/rate-limits", method="POST",
                                     data=json.dumps(policy).encode(), headers={"content-type": "application/json"})
    with urllib.request.urlopen(request, timeout=5) as response:
        assert response.status == 200
    headers = {"x-portkey-metadata": json.dumps({"user_id": "sdk-user"})}
    client = openai.OpenAI(base_url=f"{base}/v1", api_key="unused", max_retries=0, default_headers=headers)
    deadline = time.time() + 5
    while time.time() < deadline:
        try:
            client.chat.completions.create(model="mock/mock-1", messages=[{"role": "user", "content": "hi"}])
        except openai.RateLimitError as error:
            assert error.status_code == 429
            assert int(error.response.headers["retry-after"]) >= 1
            assert "sdk" in str(error)
            break
        time.sleep(0.05)
    else:
        raise AssertionError("the openai SDK never saw a 429")
    claude = anthropic.Anthropic(base_url=base, api_key="unused", max_retries=0, default_headers=headers)
    with pytest.raises(anthropic.RateLimitError) as raised:
        claude.messages.create(model="mock/mock-1", max_tokens=16, messages=[{"role": "user", "content": "hi"}])
    assert raised.value.status_code == 429
