"""The official anthropic SDK against the proxy: create and stream, model mapping, system blocks, images,
count_tokens, routes. The mock upstream records what the proxy sent."""

from __future__ import annotations

import base64
import json
import time
import urllib.request

import anthropic
import pytest

from mock_upstream import (
    JSONReply, SSEReply, chunk, completion, text_stream, usage,
)
from sse import check_grammar, post_raw

pytestmark = pytest.mark.timeout(60)

USER = [{"role": "user", "content": "Say hello."}]


def test_create_text(client, upstream):
    upstream.enqueue(JSONReply(completion("Hello from the mock.", usage=usage(21, 5))))
    msg = client.messages.create(model="claude-sonnet-4-5", max_tokens=200, messages=USER)
    assert msg.type == "message" and msg.role == "assistant"
    assert msg.id.startswith("msg_")
    assert msg.model == "claude-sonnet-4-5", "the client's model name is echoed, not the upstream id"
    assert [b.type for b in msg.content] == ["text"]
    assert msg.content[0].text == "Hello from the mock."
    assert msg.stop_reason == "end_turn" and msg.stop_sequence is None
    assert msg.usage.input_tokens == 21 and msg.usage.output_tokens == 5
    assert msg.usage.cache_read_input_tokens == 0 and msg.usage.cache_creation_input_tokens == 0

    sent = upstream.last()
    assert sent.method == "POST" and sent.path == "/v1/chat/completions"
    assert sent.headers.get("authorization") == "Bearer sk-upstream-e2e"
    assert sent.body["model"] == "middle-model"
    assert sent.body["messages"] == [{"role": "user", "content": "Say hello."}]
    assert not sent.body.get("stream")
    assert "stream_options" not in sent.body, "stream_options without stream is a 400 on OpenAI"
    for anthropic_only in ("system", "metadata", "thinking", "anthropic_version", "top_k", "stop_sequences"):
        assert anthropic_only not in sent.body


@pytest.mark.parametrize("model,upstream_model", [
    ("claude-haiku-4-5-20251001", "small-model"),
    ("claude-3-5-haiku-latest", "small-model"),
    ("claude-sonnet-4-5", "middle-model"),
    ("claude-opus-4-5", "big-model"),
    ("claude-opus-4-6[1m]", "big-model"),
    ("gpt-4o-mini", "gpt-4o-mini"),
])
def test_model_mapping(client, upstream, model, upstream_model):
    msg = client.messages.create(model=model, max_tokens=100, messages=USER)
    assert upstream.last().body["model"] == upstream_model
    assert msg.model == model


def test_max_tokens_and_sampling_forwarded(client, upstream):
    # this SDK version no longer types temperature/top_p; Claude Code still may send them
    client.messages.create(model="claude-sonnet-4-5", max_tokens=2000, stop_sequences=["END"], messages=USER,
                           extra_body={"temperature": 0.3, "top_p": 0.9})
    body = upstream.last().body
    limit = body.get("max_completion_tokens", body.get("max_tokens"))
    assert limit == 2000, f"max_tokens 2000 (under MAX_TOKENS_LIMIT 16384) must reach the upstream, got {body}"
    assert body.get("temperature") == pytest.approx(0.3)
    assert body.get("top_p") == pytest.approx(0.9)
    assert body.get("stop") == ["END"]


def test_stream_text_with_sdk_helpers(client, upstream):
    upstream.enqueue(SSEReply(text_stream(["Hel", "lo", ", wor", "ld"], usage=usage(30, 4))))
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=100, messages=USER) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert "".join(pieces) == "Hello, world"
    assert final.content[0].type == "text" and final.content[0].text == "Hello, world"
    assert final.stop_reason == "end_turn"
    assert final.model == "claude-sonnet-4-5"
    assert final.usage.output_tokens == 4
    assert final.usage.input_tokens == 30

    sent = upstream.last().body
    assert sent["stream"] is True
    assert sent.get("stream_options") == {"include_usage": True}


def test_stream_grammar_and_headers(proxy, upstream):
    upstream.enqueue(SSEReply(text_stream(["a", "b", "c"], usage=usage(10, 3))))
    r = post_raw(proxy.url, {"model": "claude-sonnet-4-5", "max_tokens": 50, "stream": True, "messages": USER})
    assert r.status == 200
    assert r.headers["content-type"].startswith("text/event-stream")
    assert "no-cache" in r.headers.get("cache-control", "")
    assert check_grammar(r.events) == []
    start = r.events[0][1]["message"]
    assert start["model"] == "claude-sonnet-4-5" and start["content"] == [] and start["stop_reason"] is None


def test_stream_crlf_and_split_upstream_framing(client, upstream):
    """The upstream frames events with \\r\\n and writes them 7 bytes at a time."""
    upstream.enqueue(SSEReply(text_stream(["split ", "across ", "reads"], usage=usage(9, 3)), crlf=True,
                              split_bytes=7))
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=100, messages=USER) as stream:
        final = stream.get_final_message()
    assert final.content[0].text == "split across reads"


def test_stream_without_done_marker_after_finish(client, upstream):
    """Some servers end after the finish chunk without `data: [DONE]`: a normal end (§5.2)."""
    upstream.enqueue(SSEReply(text_stream(["no done"], usage=usage(9, 2)), done=False))
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=100, messages=USER) as stream:
        final = stream.get_final_message()
    assert final.content[0].text == "no done" and final.stop_reason == "end_turn"


def test_stream_ignores_keepalive_comments_and_empty_choices(client, upstream):
    chunks = [b": OPENROUTER PROCESSING\n\n", {"choices": [], "prompt_filter_results": []},
              b"event: completion\nid: 7\ndata:" + json.dumps(chunk({"role": "assistant"})).encode() + b"\n\n"]
    chunks += text_stream(["ok"], usage=usage(5, 1))
    upstream.enqueue(SSEReply(chunks))
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=100, messages=USER) as stream:
        final = stream.get_final_message()
    assert final.content[0].text == "ok"


def test_slow_stream_is_flushed_incrementally(client, upstream):
    """Each upstream chunk 0.4 s apart: the first text must reach the SDK long before the stream ends."""
    upstream.enqueue(SSEReply(text_stream(["one ", "two ", "three ", "four ", "five"], usage=usage(5, 5)),
                              delay=0.4))
    t0 = time.monotonic()
    first = None
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=100, messages=USER) as stream:
        for _ in stream.text_stream:
            if first is None:
                first = time.monotonic() - t0
        final = stream.get_final_message()
    total = time.monotonic() - t0
    assert final.content[0].text == "one two three four five"
    assert total >= 2.0
    assert first is not None and first < total - 1.2, f"first text after {first:.2f}s of {total:.2f}s: buffered"


def test_slow_first_token_then_stream(client, upstream):
    upstream.enqueue(SSEReply(text_stream(["late"], usage=usage(5, 1)), first_delay=3.0))
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=100, messages=USER) as stream:
        final = stream.get_final_message()
    assert final.content[0].text == "late"


def test_system_blocks(client, upstream):
    client.messages.create(
        model="claude-sonnet-4-5", max_tokens=100, messages=USER,
        system=[
            {"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.331; cc_entrypoint=cli; cch=71fea;"},
            {"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}},
            {"type": "text", "text": "Be brief."},
        ],
    )
    msgs = upstream.last().body["messages"]
    assert msgs[0]["role"] == "system"
    system = msgs[0]["content"]
    if isinstance(system, list):
        system = "\n\n".join(p["text"] for p in system)
    assert system == "You are Claude Code.\n\nBe brief."
    assert [m["role"] for m in msgs] == ["system", "user"]
    assert "x-anthropic-billing-header" not in json.dumps(upstream.last().body)


def test_system_string(client, upstream):
    client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=USER, system="Be terse.")
    assert upstream.last().body["messages"][0] == {"role": "system", "content": "Be terse."}


# a 1×1 PNG
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()


def test_image_base64(client, upstream):
    client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=[{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
        {"type": "text", "text": "What is in the picture?"},
    ]}])
    user = upstream.last().body["messages"][-1]
    assert user["role"] == "user"
    assert user["content"] == [
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG}"}},
        {"type": "text", "text": "What is in the picture?"},
    ]


def test_image_url(client, upstream):
    client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=[{"role": "user", "content": [
        {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}},
        {"type": "text", "text": "Describe."},
    ]}])
    parts = upstream.last().body["messages"][-1]["content"]
    assert {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}} in parts


def test_multi_turn_conversation(client, upstream):
    client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=[
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": [{"type": "text", "text": "Hello!"}]},
        {"role": "user", "content": [{"type": "text", "text": "How are you?"}]},
    ])
    assert upstream.last().body["messages"] == [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello!"},
        {"role": "user", "content": "How are you?"},
    ]


def test_count_tokens(client, upstream):
    small = client.messages.count_tokens(model="claude-sonnet-4-5", messages=USER)
    big = client.messages.count_tokens(
        model="claude-sonnet-4-5", system="You are a helpful assistant. " * 20,
        messages=[{"role": "user", "content": "Tell me a long story about a dragon. " * 50}])
    assert isinstance(small.input_tokens, int) and small.input_tokens > 0
    assert big.input_tokens > small.input_tokens * 10
    assert upstream.chat_requests() == [], "count_tokens must not call the upstream chat endpoint"


def test_count_tokens_with_tools_counts_them(client, upstream):
    tools = [{"name": f"tool_{i}", "description": "Does a thing with a long description. " * 10,
              "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}}} for i in range(5)]
    without = client.messages.count_tokens(model="claude-sonnet-4-5", messages=USER)
    with_tools = client.messages.count_tokens(model="claude-sonnet-4-5", messages=USER, tools=tools)
    assert with_tools.input_tokens > without.input_tokens + 100


def test_count_tokens_beta_query(proxy, upstream):
    r = post_raw(proxy.url, {"model": "claude-sonnet-4-5", "messages": USER}, path="/v1/messages/count_tokens?beta=true")
    assert r.status == 200, r.text
    assert json.loads(r.text)["input_tokens"] > 0


def test_messages_beta_query_is_routed(proxy, upstream):
    """Claude Code posts to /v1/messages?beta=true."""
    r = post_raw(proxy.url, {"model": "claude-sonnet-4-5", "max_tokens": 50, "messages": USER},
                 path="/v1/messages?beta=true")
    assert r.status == 200, r.text
    assert json.loads(r.text)["content"][0]["text"] == "ok"


def test_health_and_root(proxy, upstream):
    with urllib.request.urlopen(f"{proxy.url}/health", timeout=5) as r:
        assert r.status == 200
    with urllib.request.urlopen(f"{proxy.url}/", timeout=5) as r:
        assert r.status == 200


def test_unknown_route_is_anthropic_404(client, upstream):
    with pytest.raises(anthropic.NotFoundError) as e:
        client.post("/v1/no-such-endpoint", cast_to=object, body={})
    assert e.value.status_code == 404
    assert e.value.body["type"] == "error"
    assert e.value.body["error"]["type"] == "not_found_error"


def test_large_body_is_fast_and_sends_no_expect(client, upstream):
    """Claude Code contexts pass 1 MiB: no `Expect: 100-continue` stall."""
    big = "lorem ipsum dolor sit amet " * 60000  # ~1.6 MB
    t0 = time.monotonic()
    client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=[{"role": "user", "content": big}])
    elapsed = time.monotonic() - t0
    rec = upstream.last()
    assert rec.body["messages"][-1]["content"] == big
    assert "100-continue" not in rec.headers.get("expect", "")
    assert elapsed < 5


def test_concurrent_requests(client, upstream):
    from concurrent.futures import ThreadPoolExecutor

    def reply(rec):
        text = rec.body["messages"][-1]["content"]
        return SSEReply(text_stream([f"echo:{text}"], usage=usage(5, 2)), delay=0.05)
    upstream.respond_with(reply)

    def one(i):
        with client.messages.stream(model="claude-sonnet-4-5", max_tokens=50,
                                    messages=[{"role": "user", "content": f"n{i}"}]) as s:
            return s.get_final_message().content[0].text
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(one, range(16)))
    assert results == [f"echo:n{i}" for i in range(16)]


def test_non_stream_finish_length(client, upstream):
    upstream.enqueue(JSONReply(completion("truncated", finish_reason="length", usage=usage(5, 100))))
    msg = client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=USER)
    assert msg.stop_reason == "max_tokens"


def test_stream_finish_length(client, upstream):
    upstream.enqueue(SSEReply(text_stream(["cut"], finish_reason="length", usage=usage(5, 100))))
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=100, messages=USER) as s:
        final = s.get_final_message()
    assert final.stop_reason == "max_tokens"


def test_stream_content_filter_is_refusal(client, upstream):
    upstream.enqueue(SSEReply(text_stream([], finish_reason="content_filter", usage=usage(5, 0))))
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=100, messages=USER) as s:
        final = s.get_final_message()
    assert final.stop_reason == "refusal"


def test_empty_upstream_content_non_stream(client, upstream):
    upstream.enqueue(JSONReply(completion("", usage=usage(5, 0))))
    msg = client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=USER)
    assert msg.stop_reason == "end_turn"
    assert msg.content and msg.content[0].type == "text"


def test_role_chunk_with_empty_content_opens_no_block(proxy, upstream):
    """Ollama/vLLM send `"content":""` with the role chunk: no empty text block before the tool call."""
    chunks = [chunk({"role": "assistant", "content": ""}),
              chunk({"tool_calls": [{"index": 0, "id": "call_x", "type": "function",
                                     "function": {"name": "Read", "arguments": "{\"path\":\"a\"}"}}]}),
              chunk({}, "tool_calls")]
    upstream.enqueue(SSEReply(chunks))
    r = post_raw(proxy.url, {"model": "claude-sonnet-4-5", "max_tokens": 50, "stream": True, "messages": USER,
                             "tools": [{"name": "Read", "input_schema": {"type": "object"}}]})
    assert check_grammar(r.events) == []
    starts = [d["content_block"]["type"] for _, d in r.events if d.get("type") == "content_block_start"]
    assert starts == ["tool_use"]


@pytest.mark.parametrize("asked,expected", [(50, 1024), (100, 100), (20000, 16384)])
def test_max_tokens_clamped_to_limits(client, upstream, asked, expected):
    """The seed README's rule: below MIN_TOKENS_LIMIT (100) → DEFAULT_MAX_TOKENS (1024); capped at MAX_TOKENS_LIMIT."""
    client.messages.create(model="claude-sonnet-4-5", max_tokens=asked, messages=USER)
    body = upstream.last().body
    assert body.get("max_completion_tokens", body.get("max_tokens")) == expected
