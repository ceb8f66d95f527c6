"""The anthropic SDK through `type: anthropic`: the proxy in front of an Anthropic-native upstream (a mock that
speaks `/v1/messages`). The client's body reaches the upstream as sent but for `model` and the fields the
provider's config drops; answers, streams and errors come back as the upstream wrote them, with the client's
model name."""

from __future__ import annotations

import base64
import json

import anthropic
import pytest

from harness import base_env
from mock_upstream import JSONReply, SSEReply

pytestmark = pytest.mark.timeout(60)

CLIENT_MODEL = "claude-sonnet-4-5"


@pytest.fixture
def native(make_upstream, make_proxy, tmp_path):
    upstream = make_upstream("native")
    config = tmp_path / "config.yaml"
    config.write_text(f"""\
server: {{ host: 127.0.0.1, port: 0, log_level: debug }}
providers:
  native:
    type: anthropic
    base_url: {upstream.root}
    api_key: sk-ant-upstream
    drop_fields: [context_management]
models:
  - {{ match: "*", provider: native, model: upstream-model }}
""")
    proxy = make_proxy(base_env(), ["--config", str(config)], workdir=str(tmp_path))
    client = anthropic.Anthropic(base_url=proxy.url, api_key="e2e-client-key", max_retries=0, timeout=30.0)
    yield client, upstream
    client.close()


def message(content, *, model="upstream-model", stop="end_turn", usage=None):
    return {"id": "msg_native1", "type": "message", "role": "assistant", "model": model, "content": content,
            "stop_reason": stop, "stop_sequence": None,
            "usage": usage or {"input_tokens": 21, "output_tokens": 4, "cache_read_input_tokens": 500,
                               "cache_creation_input_tokens": 0}}


def events(*pairs):
    return [f"event: {name}\ndata: {json.dumps(data)}\n\n".encode() for name, data in pairs]


SYSTEM = [{"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}}]
TOOL = {"name": "Read", "description": "Read a file",
        "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}}


def test_create_passes_the_request_through(native):
    client, upstream = native
    upstream.enqueue(JSONReply(message([
        {"type": "thinking", "thinking": "Look first.", "signature": "EqQBCgIYAhIMupstream"},
        {"type": "tool_use", "id": "toolu_01", "name": "Read", "input": {"path": "a.txt"}},
    ], stop="tool_use")))
    result = client.messages.create(
        model=CLIENT_MODEL, max_tokens=2000, system=SYSTEM, tools=[TOOL],
        thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[{"role": "user", "content": "Read a.txt"}],
        extra_body={"context_management": {"edits": [{"type": "clear_thinking_20251015"}]}},
        extra_headers={"anthropic-beta": "interleaved-thinking-2025-05-14"},
    )
    assert result.model == CLIENT_MODEL
    assert [b.type for b in result.content] == ["thinking", "tool_use"]
    packed = result.content[0].signature
    assert packed.startswith("ccp1."), "the signature packed with who made it"
    assert unpacked(packed) == {"k": "ant", "o": unpacked(packed)["o"], "m": "upstream-model", "ec": "EqQBCgIYAhIMupstream"}
    assert result.content[1].input == {"path": "a.txt"} and result.stop_reason == "tool_use"
    assert result.usage.cache_read_input_tokens == 500
    (sent,) = upstream.requests
    assert sent.path == "/v1/messages"
    assert sent.headers["x-api-key"] == "sk-ant-upstream" and "authorization" not in sent.headers
    assert sent.headers["anthropic-beta"] == "interleaved-thinking-2025-05-14"
    assert sent.headers["anthropic-version"] == client.default_headers["anthropic-version"], "the client's version"
    assert sent.body["model"] == "upstream-model"
    assert "context_management" not in sent.body
    assert sent.body["system"] == SYSTEM and sent.body["tools"] == [TOOL]
    assert sent.body["thinking"] == {"type": "enabled", "budget_tokens": 1024}

    # the tool loop goes on: the thinking goes back to the service with its own signature
    upstream.enqueue(JSONReply(message([{"type": "text", "text": "a.txt says hi."}])))
    client.messages.create(
        model=CLIENT_MODEL, max_tokens=2000, tools=[TOOL], thinking={"type": "enabled", "budget_tokens": 1024},
        messages=[{"role": "user", "content": "Read a.txt"},
                  {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in result.content]},
                  {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_01", "content": "hi"}]}])
    returned = upstream.requests[-1].body["messages"][1]["content"][0]
    assert returned == {"type": "thinking", "thinking": "Look first.", "signature": "EqQBCgIYAhIMupstream"}
    assert upstream.requests[-1].body["thinking"] == {"type": "enabled", "budget_tokens": 1024}


def unpacked(signature: str) -> dict:
    """What a signature the proxy made carries: `ccp1.` + base64url (unpadded) of a JSON object."""
    payload = signature.removeprefix("ccp1.")
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_stream_is_relayed(native):
    client, upstream = native
    upstream.enqueue(SSEReply(events(
        ("message_start", {"type": "message_start", "message": message([], stop=None, usage={"input_tokens": 30, "output_tokens": 1})}),
        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
        ("ping", {"type": "ping"}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello "}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "there"}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None},
                           "usage": {"output_tokens": 7}}),
        ("message_stop", {"type": "message_stop"}),
    ), done=False))
    with client.messages.stream(model=CLIENT_MODEL, max_tokens=500, messages=[{"role": "user", "content": "hi"}]) as s:
        final = s.get_final_message()
    assert final.model == CLIENT_MODEL
    assert final.content[0].text == "Hello there"
    assert final.usage.output_tokens == 7 and final.usage.input_tokens == 30
    assert upstream.requests[0].body["stream"] is True


def test_errors_come_back_typed(native):
    client, upstream = native
    upstream.enqueue(
        JSONReply({"type": "error", "error": {"type": "rate_limit_error", "message": "slow down"}}, status=429,
                  headers={"retry-after": "3"}),
        JSONReply({"type": "error", "error": {"type": "invalid_request_error", "message": "bad field"}}, status=400),
    )
    with pytest.raises(anthropic.RateLimitError) as limited:
        client.messages.create(model=CLIENT_MODEL, max_tokens=10, messages=[{"role": "user", "content": "x"}])
    assert limited.value.response.headers["retry-after"] == "3"
    assert "slow down" in str(limited.value)
    with pytest.raises(anthropic.BadRequestError) as bad:
        client.messages.create(model=CLIENT_MODEL, max_tokens=10, messages=[{"role": "user", "content": "x"}])
    assert "bad field" in str(bad.value)


def test_count_tokens_is_the_upstreams(native):
    """count_tokens goes to the upstream's `/v1/messages/count_tokens` with the route's model and the provider's
    drop_fields applied; the client gets the upstream's count. When the upstream cannot count, the proxy's
    estimate answers."""
    client, upstream = native
    upstream.enqueue(JSONReply(anthropic.types.MessageTokensCount(input_tokens=1234).model_dump()))
    raw = client.messages.with_raw_response.count_tokens(
        model=CLIENT_MODEL, system=SYSTEM, tools=[TOOL], messages=[{"role": "user", "content": "Read a.txt"}],
        extra_body={"context_management": {"edits": [{"type": "clear_thinking_20251015"}]}})
    assert raw.parse().input_tokens == 1234
    assert raw.headers["x-proxy-token-count"] == "upstream" and raw.headers["x-proxy-route"] == "native/upstream-model"
    (sent,) = upstream.requests
    assert sent.path == "/v1/messages/count_tokens"
    assert sent.headers["x-api-key"] == "sk-ant-upstream"
    assert sent.body["model"] == "upstream-model" and sent.body["system"] == SYSTEM and sent.body["tools"] == [TOOL]
    assert "context_management" not in sent.body

    upstream.enqueue(JSONReply({"type": "error", "error": {"type": "not_found_error", "message": "Not Found"}}, status=404))
    raw = client.messages.with_raw_response.count_tokens(model=CLIENT_MODEL, messages=[{"role": "user", "content": "hi"}])
    assert raw.headers["x-proxy-token-count"] == "estimated" and raw.parse().input_tokens > 0

