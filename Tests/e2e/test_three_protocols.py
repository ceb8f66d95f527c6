"""One route over three protocols: `type: openai-responses` first, then fallbacks to `type: openai` (Chat
Completions) and `type: anthropic` (Messages), each in front of its own mock. Whichever target answers —
the first, the second after the first failed 503, the third after both failed — the anthropic SDK sees the
same Anthropic answer (text, stop, usage, the client's model), created or streamed."""

from __future__ import annotations

import json

import anthropic
import pytest

from harness import base_env
from mock_upstream import JSONReply, SSEReply, completion, openai_error, text_stream
from mock_upstream import usage as chat_usage
from responses_upstream import MODEL, answer, message_item, responses_requests
from responses_upstream import usage as responses_usage

pytestmark = pytest.mark.timeout(60)

CLIENT_MODEL = "claude-sonnet-4-5"
SYSTEM = "You are terse."
ASK = [{"role": "user", "content": "Capital of France?"}]
TEXT = "Paris."
ROUTES = [f"resp/{MODEL}", "chat/gpt-4o", "native/claude-upstream"]
# each upstream counts 120 prompt tokens, 100 of them cached, and 3 output tokens in its own terms
EXPECTED_USAGE = (20, 100, 3)


def native_message(stop: str | None, output_tokens: int) -> dict:
    return {"id": "msg_native_3p", "type": "message", "role": "assistant", "model": "claude-upstream",
            "content": [] if stop is None else [{"type": "text", "text": TEXT}], "stop_reason": stop,
            "stop_sequence": None, "usage": {"input_tokens": 20, "output_tokens": output_tokens,
                                             "cache_read_input_tokens": 100, "cache_creation_input_tokens": 0}}


def native_events() -> list[bytes]:
    events = [
        {"type": "message_start", "message": native_message(None, 1)},
        {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Par"}},
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "is."}},
        {"type": "content_block_stop", "index": 0},
        {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
         "usage": {"output_tokens": 3}},
        {"type": "message_stop"},
    ]
    return [f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events]


def serve_responses(ok: bool):
    def respond(rec):
        if not ok:
            return openai_error(503, "The server is overloaded. Please try again later.", "server_error")
        return answer(rec, [message_item(TEXT)], responses_usage(120, 3, cached=100))
    return respond


def serve_chat(ok: bool):
    u = chat_usage(120, 3, cached=100)

    def respond(rec):
        if not ok:
            return openai_error(503, "The engine is currently overloaded, please try again later", "server_error")
        if rec.stream:
            return SSEReply(text_stream(["Par", "is."], usage=u))
        return JSONReply(completion(TEXT, usage=u))
    return respond


def serve_native(ok: bool):
    def respond(rec):
        if not ok:
            return JSONReply({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
                             status=529)
        if rec.stream:
            return SSEReply(native_events(), done=False)
        return JSONReply(native_message("end_turn", 3))
    return respond


@pytest.fixture
def chain(make_upstream, make_proxy, tmp_path):
    """(client, [responses mock, chat mock, native mock], serve(failing)) — serve(n) makes the first n fail."""
    mocks = [make_upstream(name) for name in ("responses", "chat", "native")]
    config = tmp_path / "config.yaml"
    config.write_text(f"""\
server: {{ host: 127.0.0.1, port: 0, log_level: debug }}
providers:
  resp:   {{ type: openai-responses, base_url: {mocks[0].url}, api_key: k-responses }}
  chat:   {{ type: openai, base_url: {mocks[1].url}, api_key: k-chat }}
  native: {{ type: anthropic, base_url: {mocks[2].root}, api_key: k-native }}
models:
  - match: "*"
    provider: resp
    model: {MODEL}
    fallbacks:
      - {{ provider: chat, model: gpt-4o }}
      - {{ provider: native, model: claude-upstream }}
""")
    proxy = make_proxy(base_env(), ["--config", str(config)], workdir=str(tmp_path))

    def serve(failing: int) -> None:
        for i, (mock, make) in enumerate(zip(mocks, (serve_responses, serve_chat, serve_native))):
            mock.respond_with(make(ok=i >= failing))

    client = anthropic.Anthropic(base_url=proxy.url, api_key="e2e-client-key", max_retries=0, timeout=30.0)
    yield client, mocks, serve
    client.close()


def check_requests(mocks, served: int, streamed: bool) -> None:
    """Every target up to the one that served got the request once, in its own protocol; the rest none."""
    for i, mock in enumerate(mocks):
        assert len(mock.requests) == (1 if i <= served else 0), (i, [r.path for r in mock.requests])
    resp, chat, native = (m.requests[0] if m.requests else None for m in mocks)
    assert responses_requests(mocks[0]) == [resp]
    assert resp.body["model"] == MODEL and resp.body["instructions"] == SYSTEM
    assert resp.body["input"] == [{"type": "message", "role": "user",
                                   "content": [{"type": "input_text", "text": ASK[0]["content"]}]}]
    assert bool(resp.body.get("stream")) == streamed
    if chat:
        assert chat.path == "/v1/chat/completions" and chat.body["model"] == "gpt-4o"
        assert chat.messages[0] == {"role": "system", "content": SYSTEM}
        assert chat.messages[1]["role"] == "user" and bool(chat.body.get("stream")) == streamed
    if native:
        assert native.path == "/v1/messages" and native.body["model"] == "claude-upstream"
        assert native.body["system"] == SYSTEM and native.body["messages"] == ASK
        assert bool(native.body.get("stream")) == streamed


@pytest.mark.parametrize("served", [0, 1, 2], ids=["responses", "chat-after-503", "native-after-two-503s"])
def test_create(chain, served):
    client, mocks, serve = chain
    serve(failing=served)
    raw = client.messages.with_raw_response.create(model=CLIENT_MODEL, max_tokens=200, system=SYSTEM, messages=ASK)
    result = raw.parse()
    assert raw.headers["x-proxy-route"] == ROUTES[served]
    assert result.model == CLIENT_MODEL and result.role == "assistant"
    assert [(b.type, b.text) for b in result.content] == [("text", TEXT)]
    assert result.stop_reason == "end_turn"
    u = result.usage
    assert (u.input_tokens, u.cache_read_input_tokens, u.output_tokens) == EXPECTED_USAGE
    check_requests(mocks, served, streamed=False)


@pytest.mark.parametrize("served", [0, 1, 2], ids=["responses", "chat-after-503", "native-after-two-503s"])
def test_stream(chain, served):
    client, mocks, serve = chain
    serve(failing=served)
    with client.messages.stream(model=CLIENT_MODEL, max_tokens=200, system=SYSTEM, messages=ASK) as s:
        text = "".join(s.text_stream)
        final = s.get_final_message()
        route = s.response.headers["x-proxy-route"]
    assert route == ROUTES[served]
    assert text == TEXT
    assert final.model == CLIENT_MODEL
    assert [(b.type, b.text) for b in final.content] == [("text", TEXT)]
    assert final.stop_reason == "end_turn"
    u = final.usage
    assert (u.input_tokens, u.cache_read_input_tokens, u.output_tokens) == EXPECTED_USAGE
    check_requests(mocks, served, streamed=True)


def test_all_fail(chain):
    """When every target fails, the client sees the last one's error."""
    client, mocks, serve = chain
    serve(failing=3)
    with pytest.raises(anthropic.APIStatusError) as e:
        client.messages.create(model=CLIENT_MODEL, max_tokens=200, system=SYSTEM, messages=ASK)
    assert e.value.status_code == 529 and e.value.body["error"]["type"] == "overloaded_error"
    assert [len(m.requests) for m in mocks] == [1, 1, 1]
