"""Errors as the anthropic SDK's typed exceptions (§6): upstream statuses before the stream commits, errors
after it started (drop, truncation, in-band error chunk), unreachable upstreams, client auth, bad requests,
and cancellation of the upstream when the client goes away."""

from __future__ import annotations

import json
import socket

import anthropic
import pytest

from harness import free_port, proxy_env_for
from mock_upstream import DropReply, JSONReply, RawReply, SSEReply, chunk, openai_error, text_stream, usage
from sse import check_grammar, post_raw

pytestmark = pytest.mark.timeout(60)

ASK = [{"role": "user", "content": "hello"}]


def assert_anthropic_error(err: anthropic.APIStatusError, status: int | tuple[int, ...], etype: str) -> None:
    statuses = status if isinstance(status, tuple) else (status,)
    assert err.status_code in statuses, f"status {err.status_code}, expected {status}: {err.body}"
    assert isinstance(err.body, dict) and err.body.get("type") == "error", err.body
    assert err.body["error"]["type"] == etype, err.body
    assert isinstance(err.body["error"].get("message"), str) and err.body["error"]["message"]
    assert err.response.headers.get("content-type", "").startswith("application/json")


CASES = [
    # upstream reply, SDK exception, Anthropic status, Anthropic error type
    (openai_error(429, "Rate limit reached", "rate_limit_exceeded", headers={"retry-after": "7"}),
     anthropic.RateLimitError, 429, "rate_limit_error"),
    (openai_error(401, "Incorrect API key provided", "invalid_request_error", "invalid_api_key"),
     anthropic.AuthenticationError, 401, "authentication_error"),
    (openai_error(403, "Country, region, or territory not supported", "invalid_request_error",
                  "unsupported_country_region_territory"),
     anthropic.PermissionDeniedError, 403, "permission_error"),
    (openai_error(404, "The model `middle-model` does not exist", "invalid_request_error", "model_not_found"),
     anthropic.NotFoundError, 404, "not_found_error"),
    (openai_error(400, "Invalid 'messages[1].content': bad", "invalid_request_error"),
     anthropic.BadRequestError, 400, "invalid_request_error"),
    (openai_error(422, "Unprocessable entity", "invalid_request_error"),
     anthropic.BadRequestError, 400, "invalid_request_error"),
    (openai_error(500, "The server had an error", "server_error"),
     anthropic.InternalServerError, 500, "api_error"),
    (openai_error(503, "The engine is currently overloaded, please try again later", "server_error"),
     anthropic.APIStatusError, 529, "overloaded_error"),
    (openai_error(402, "You exceeded your current quota", "insufficient_quota", "insufficient_quota"),
     anthropic.APIStatusError, 402, "billing_error"),
    # §6.2: an upstream 502 (here a gateway's HTML page) stays a 502 api_error
    (RawReply(502, "<html><body><h1>502 Bad Gateway</h1></body></html>", "text/html"),
     anthropic.InternalServerError, 502, "api_error"),
]
IDS = ["429", "401", "403", "404", "400", "422", "500", "503-overloaded", "402-quota", "502-html"]


@pytest.mark.parametrize("reply,exc,status,etype", CASES, ids=IDS)
def test_upstream_error_non_stream(client, upstream, reply, exc, status, etype):
    upstream.enqueue(reply)
    with pytest.raises(exc) as e:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=ASK)
    assert_anthropic_error(e.value, status, etype)
    assert len(upstream.chat_requests()) == 1, "the proxy must not retry on its own here"


@pytest.mark.parametrize("reply,exc,status,etype", CASES, ids=IDS)
def test_upstream_error_before_stream_commits(client, upstream, reply, exc, status, etype):
    """An upstream failure before the first byte is an HTTP error, not a 200 with an error event (§5.7)."""
    upstream.enqueue(reply)
    with pytest.raises(exc) as e:
        with client.messages.stream(model="claude-sonnet-4-5", max_tokens=100, messages=ASK) as s:
            s.get_final_message()
    assert_anthropic_error(e.value, status, etype)


def test_rate_limit_retry_after_header(client, upstream):
    upstream.enqueue(openai_error(429, "Rate limit reached", "rate_limit_exceeded", headers={"retry-after": "7"}))
    with pytest.raises(anthropic.RateLimitError) as e:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=ASK)
    assert e.value.response.headers.get("retry-after") == "7", dict(e.value.response.headers)


def test_upstream_401_says_do_not_retry(client, upstream):
    """§6.2: 401 carries x-should-retry: false (else Claude Code retries it up to 10 times)."""
    upstream.enqueue(openai_error(401, "Incorrect API key provided", "invalid_request_error", "invalid_api_key"))
    with pytest.raises(anthropic.AuthenticationError) as e:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=ASK)
    assert e.value.response.headers.get("x-should-retry") == "false", dict(e.value.response.headers)
    assert "sk-upstream-e2e" not in json.dumps(e.value.body), "never echo keys"


def test_upstream_error_message_is_kept(client, upstream):
    upstream.enqueue(openai_error(400, "Invalid 'messages[1].content': zebra", "invalid_request_error"))
    with pytest.raises(anthropic.BadRequestError) as e:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=ASK)
    assert "zebra" in e.value.body["error"]["message"]


def test_context_overflow_rewritten_for_claude_code(client, upstream):
    """§6.3: an upstream context-length error becomes Anthropic's 'prompt is too long: N tokens > M maximum'."""
    upstream.enqueue(openai_error(400, "This model's maximum context length is 128000 tokens. However, your "
                                       "messages resulted in 130512 tokens. Please reduce the length of the "
                                       "messages.", "invalid_request_error", "context_length_exceeded"))
    with pytest.raises(anthropic.BadRequestError) as e:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=ASK)
    assert "prompt is too long" in e.value.body["error"]["message"].lower()


def test_upstream_closes_without_answer(client, upstream):
    # every attempt is dropped: libcurl may legitimately retry once when a reused keep-alive connection dies
    # before the first response byte, so a single drop can be invisible
    upstream.respond_with(lambda rec: DropReply())
    with pytest.raises(anthropic.APIStatusError) as e:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=ASK)
    assert_anthropic_error(e.value, 502, "api_error")
    assert len(upstream.chat_requests()) <= 2


def test_upstream_unreachable(make_proxy, tmp_path):
    """Connection refused → 502 api_error naming the provider (§6.2)."""
    dead = free_port()  # nothing listens there
    proxy = make_proxy(proxy_env_for(f"http://127.0.0.1:{dead}/v1"))
    client = anthropic.Anthropic(base_url=proxy.url, api_key="k", max_retries=0, timeout=30)
    with pytest.raises(anthropic.APIStatusError) as e:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=ASK)
    assert_anthropic_error(e.value, 502, "api_error")
    with pytest.raises(anthropic.APIStatusError) as e:
        with client.messages.stream(model="claude-sonnet-4-5", max_tokens=100, messages=ASK) as s:
            s.get_final_message()
    assert_anthropic_error(e.value, 502, "api_error")


def test_upstream_timeout(make_proxy, make_upstream):
    """REQUEST_TIMEOUT=2 and an upstream that answers after 6 s → 504 timeout_error (§6.2), in well under 6 s."""
    import time

    mock = make_upstream("slow")
    mock.enqueue(JSONReply({"choices": []}, delay=6))
    proxy = make_proxy(proxy_env_for(mock.url, REQUEST_TIMEOUT="2"))
    client = anthropic.Anthropic(base_url=proxy.url, api_key="k", max_retries=0, timeout=30)
    t0 = time.monotonic()
    with pytest.raises(anthropic.APIStatusError) as e:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=ASK)
    assert time.monotonic() - t0 < 5.5
    assert_anthropic_error(e.value, 504, "timeout_error")


# ------------------------------------------------------------------------------------------- mid-stream errors

def _stream_until_error(client):
    texts = []
    with pytest.raises(anthropic.APIStatusError) as e:
        with client.messages.stream(model="claude-sonnet-4-5", max_tokens=100, messages=ASK) as s:
            for t in s.text_stream:
                texts.append(t)
            s.get_final_message()
    return "".join(texts), e.value


def test_drop_mid_stream_raises(client, upstream):
    """Hard case (§6.5): the upstream dies after some text. The SDK must raise (an `error` event), not
    return a message that looks complete."""
    upstream.enqueue(SSEReply(text_stream(["partial ", "answer"])[:-1], drop=True, done=False))
    text, err = _stream_until_error(client)
    assert text == "partial answer"
    assert isinstance(err.body, dict) and err.body.get("type") == "error", err.body
    assert err.body["error"]["type"] in {"api_error", "overloaded_error"}


def test_drop_mid_stream_raw_events(proxy, upstream):
    upstream.enqueue(SSEReply(text_stream(["partial"])[:-1], drop=True, done=False))
    r = post_raw(proxy.url, {"model": "claude-sonnet-4-5", "max_tokens": 100, "stream": True, "messages": ASK})
    assert r.status == 200
    assert check_grammar(r.events, allow_error=True) == []
    types = [d["type"] for _, d in r.events]
    assert types[-1] == "error", types
    assert "message_stop" not in types and "message_delta" not in types


def test_truncated_stream_without_finish_is_an_error(client, upstream):
    """§5.3.7: the body ends cleanly but with neither finish_reason nor [DONE] → error, not end_turn."""
    upstream.enqueue(SSEReply(text_stream(["cut ", "short"])[:-1], done=False))
    text, err = _stream_until_error(client)
    assert text == "cut short"
    assert err.body["error"]["type"] == "api_error"


def test_in_band_error_chunk(client, upstream):
    """OpenRouter-style `{"error": {...}}` chunk mid-stream → an Anthropic error event."""
    chunks = text_stream(["some "])[:-1] + [{"error": {"message": "Provider returned error", "code": 502}}]
    upstream.enqueue(SSEReply(chunks))
    text, err = _stream_until_error(client)
    assert text == "some "
    assert err.body["error"]["type"] in {"api_error", "overloaded_error"}
    assert "Provider returned error" in err.body["error"]["message"]


def test_finish_reason_error_chunk(client, upstream):
    chunks = text_stream(["x"])[:-1] + [chunk({}, "error")]
    upstream.enqueue(SSEReply(chunks))
    _, err = _stream_until_error(client)
    assert err.body["type"] == "error"


def test_client_disconnect_cancels_upstream(client, upstream):
    """§5.7: when the client goes away mid-stream, the proxy stops the upstream request at once."""
    pieces = [f"w{i} " for i in range(100)]
    upstream.enqueue(SSEReply(text_stream(pieces, usage=usage(5, 100)), delay=0.1))
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=1000, messages=ASK) as s:
        it = iter(s.text_stream)
        next(it)
        next(it)
    # leaving the with-block closes the connection; the mock notices when its next write fails
    assert upstream.wait_for(lambda m: m.last().outcome == "client-gone", timeout=8), \
        f"upstream still streaming after the client left (outcome {upstream.last().outcome})"


# --------------------------------------------------------------------------------------------- client side

def test_client_api_key_enforced(make_proxy, make_upstream):
    mock = make_upstream("auth")
    proxy = make_proxy(proxy_env_for(mock.url, ANTHROPIC_API_KEY="client-secret"))
    bad = anthropic.Anthropic(base_url=proxy.url, api_key="wrong", max_retries=0, timeout=30)
    with pytest.raises(anthropic.AuthenticationError) as e:
        bad.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=ASK)
    assert_anthropic_error(e.value, 401, "authentication_error")
    assert "client-secret" not in json.dumps(e.value.body) and "wrong" not in e.value.body["error"]["message"]
    assert mock.chat_requests() == []

    good = anthropic.Anthropic(base_url=proxy.url, api_key="client-secret", max_retries=0, timeout=30)
    assert good.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=ASK).content[0].text == "ok"
    bearer = anthropic.Anthropic(base_url=proxy.url, auth_token="client-secret", max_retries=0, timeout=30)
    assert bearer.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=ASK).content[0].text == "ok"
    with pytest.raises(anthropic.AuthenticationError):
        bad.messages.count_tokens(model="claude-sonnet-4-5", messages=ASK)


def test_malformed_json_is_400(proxy, upstream):
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", proxy.port, timeout=10)
    conn.request("POST", "/v1/messages", body=b"{not json", headers={"content-type": "application/json"})
    resp = conn.getresponse()
    body = json.loads(resp.read())
    conn.close()
    assert resp.status == 400
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"


def test_missing_messages_is_400(client, upstream):
    with pytest.raises(anthropic.BadRequestError) as e:
        client.post("/v1/messages", cast_to=object, body={"model": "claude-sonnet-4-5", "max_tokens": 10})
    assert_anthropic_error(e.value, 400, "invalid_request_error")
    assert upstream.chat_requests() == []


def test_unknown_blocks_and_fields_are_tolerated(client, upstream):
    """§0.2: unknown content-block types and top-level fields must not 4xx the request."""
    client.post("/v1/messages", cast_to=object, body={
        "model": "claude-sonnet-4-5", "max_tokens": 50,
        "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
        "some_future_field": {"x": 1},
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "hi"},
                                         {"type": "some_future_block", "payload": 1}]},
        ]})
    assert upstream.last().body["messages"][-1]["content"] in ("hi", [{"type": "text", "text": "hi"}])
    assert "some_future_field" not in upstream.last().body


def test_mid_conversation_system_message(client, upstream):
    """§3.3: Claude Code ≥ 2.1.9x puts role "system" inside messages; it must not be rejected."""
    client.post("/v1/messages", cast_to=object, body={
        "model": "claude-sonnet-4-5", "max_tokens": 50, "messages": [
            {"role": "user", "content": "hi"},
            {"role": "system", "content": "MCP server instructions: be nice"},
            {"role": "user", "content": "again"}]})
    sent = json.dumps(upstream.last().body["messages"])
    assert "MCP server instructions: be nice" in sent


def test_socket_level_garbage_does_not_kill_proxy(proxy, upstream):
    s = socket.create_connection(("127.0.0.1", proxy.port), timeout=5)
    s.sendall(b"\x16\x03\x01\x00\xa5garbage\r\n\r\n")
    try:
        s.recv(100)
    except OSError:
        pass
    s.close()
    assert proxy.alive()
