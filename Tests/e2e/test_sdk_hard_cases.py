"""The translator's hard cases through the anthropic SDK: thinking (reasoning), usage with cached tokens,
usage trailing/inline/absent. (Tool result beside text and parallel tool calls: test_sdk_tools.py; an error
mid-stream: test_sdk_errors.py.)"""

from __future__ import annotations

import pytest

from mock_upstream import JSONReply, SSEReply, chunk, completion, text_stream, tool_call_stream, usage, usage_chunk
from sse import check_grammar, post_raw

pytestmark = pytest.mark.timeout(60)

ASK = [{"role": "user", "content": "Think, then answer."}]
THINK = {"type": "enabled", "budget_tokens": 8000}
WEATHER_TOOL = {"name": "get_weather", "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}}}


# ---------------------------------------------------------------------------------------------------- thinking

def test_stream_thinking_then_text(client, upstream):
    upstream.enqueue(SSEReply(text_stream(["The answer", " is 4."], reasoning=["2+2: ", "add them."],
                                          usage=usage(40, 30))))
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=16000, thinking=THINK, messages=ASK) as s:
        final = s.get_final_message()
    assert [b.type for b in final.content] == ["thinking", "text"]
    assert final.content[0].thinking == "2+2: add them."
    assert isinstance(final.content[0].signature, str) and final.content[0].signature, \
        "§5.6: a streamed thinking block always ends with a signature_delta"
    assert final.content[1].text == "The answer is 4."
    assert final.stop_reason == "end_turn"


def test_stream_thinking_raw_grammar(proxy, upstream):
    upstream.enqueue(SSEReply(text_stream(["Answer."], reasoning=["step 1. ", "step 2."], usage=usage(40, 30))))
    r = post_raw(proxy.url, {"model": "claude-sonnet-4-5", "max_tokens": 16000, "stream": True, "thinking": THINK,
                             "messages": ASK})
    assert check_grammar(r.events) == []
    starts = [d["content_block"] for _, d in r.events if d.get("type") == "content_block_start"]
    assert [b["type"] for b in starts] == ["thinking", "text"]
    deltas = [d["delta"]["type"] for _, d in r.events if d.get("type") == "content_block_delta" and d["index"] == 0]
    assert deltas[-1] == "signature_delta", deltas


def test_stream_reasoning_field_name(client, upstream):
    """vLLM ≥ 0.16 / OpenRouter name the field `reasoning`."""
    chunks = [chunk({"role": "assistant"}), chunk({"reasoning": "pondering"}), chunk({"content": "Done."}),
              chunk({}, "stop"), usage_chunk(usage(10, 5))]
    upstream.enqueue(SSEReply(chunks))
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=16000, thinking=THINK, messages=ASK) as s:
        final = s.get_final_message()
    assert [b.type for b in final.content] == ["thinking", "text"]
    assert final.content[0].thinking == "pondering"


def test_stream_thinking_then_tool_call(client, upstream):
    chunks = [chunk({"role": "assistant"}), chunk({"reasoning_content": "I need the weather."})]
    chunks += tool_call_stream([("call_t1", "get_weather", {"city": "Kyiv"})], fragments=2, usage=usage(30, 20))[1:]
    upstream.enqueue(SSEReply(chunks))
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=16000, thinking=THINK, tools=[WEATHER_TOOL],
                                messages=ASK) as s:
        final = s.get_final_message()
    assert [b.type for b in final.content] == ["thinking", "tool_use"]
    assert final.content[1].input == {"city": "Kyiv"}
    assert final.stop_reason == "tool_use"


def test_non_stream_thinking(client, upstream):
    upstream.enqueue(JSONReply(completion("It is 4.", reasoning="2 plus 2", usage=usage(20, 10))))
    msg = client.messages.create(model="claude-sonnet-4-5", max_tokens=16000, thinking=THINK, messages=ASK)
    assert [b.type for b in msg.content] == ["thinking", "text"]
    assert msg.content[0].thinking == "2 plus 2"
    assert msg.content[0].signature, "§5.6: non-streamed thinking blocks carry a non-empty signature"
    assert msg.content[1].text == "It is 4."


def test_thinking_history_round_trip(client, upstream):
    """Claude Code sends earlier thinking blocks back (with their signature): accepted, not forwarded as text."""
    upstream.enqueue(JSONReply(completion("It is 4.", reasoning="2 plus 2", usage=usage(20, 10))))
    first = client.messages.create(model="claude-sonnet-4-5", max_tokens=16000, thinking=THINK, messages=ASK)
    client.messages.create(model="claude-sonnet-4-5", max_tokens=16000, thinking=THINK, messages=ASK + [
        {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
        {"role": "user", "content": "And 3+3?"}])
    msgs = upstream.last().body["messages"]
    assert [m["role"] for m in msgs] == ["user", "assistant", "user"]
    assert msgs[1]["content"] == "It is 4."
    assert "2 plus 2" not in str(msgs[1].get("content"))


def test_adaptive_thinking_and_disabled_are_accepted(client, upstream):
    client.messages.create(model="claude-opus-4-5", max_tokens=1000, messages=ASK,
                           thinking={"type": "adaptive"}, output_config={"effort": "medium"})
    client.messages.create(model="claude-haiku-4-5", max_tokens=1000, messages=ASK,
                           thinking={"type": "disabled"}, output_config={"effort": "low"})
    assert len(upstream.chat_requests()) == 2
    body = upstream.last().body
    assert "reasoning_effort" not in body, "thinking disabled: no reasoning_effort (§3.9)"
    for anthropic_only in ("thinking", "output_config", "context_management"):
        assert anthropic_only not in body


# ---------------------------------------------------------------------------------------------------- usage

def test_stream_usage_with_cached_tokens_trailing(client, upstream):
    """Hard case (§5.5): prompt_tokens includes cached tokens; Anthropic's input_tokens excludes them."""
    upstream.enqueue(SSEReply(text_stream(["cached"], usage=usage(1200, 40, cached=1000), usage_mode="trailing")))
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=100, messages=ASK) as s:
        final = s.get_final_message()
    assert final.usage.input_tokens == 200
    assert final.usage.cache_read_input_tokens == 1000
    assert final.usage.cache_creation_input_tokens == 0
    assert final.usage.output_tokens == 40


def test_stream_usage_inline_on_finish_chunk(client, upstream):
    upstream.enqueue(SSEReply(text_stream(["inline"], usage=usage(300, 7, cached=100), usage_mode="inline")))
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=100, messages=ASK) as s:
        final = s.get_final_message()
    assert (final.usage.input_tokens, final.usage.cache_read_input_tokens, final.usage.output_tokens) == (200, 100, 7)


def test_non_stream_usage_with_cached_tokens(client, upstream):
    upstream.enqueue(JSONReply(completion("cached", usage=usage(1200, 40, cached=1000))))
    msg = client.messages.create(model="claude-sonnet-4-5", max_tokens=100, messages=ASK)
    assert msg.usage.input_tokens == 200
    assert msg.usage.cache_read_input_tokens == 1000
    assert msg.usage.output_tokens == 40


def test_stream_usage_raw_message_delta(proxy, upstream):
    upstream.enqueue(SSEReply(text_stream(["x"], usage=usage(1200, 40, cached=1000))))
    r = post_raw(proxy.url, {"model": "claude-sonnet-4-5", "max_tokens": 100, "stream": True, "messages": ASK})
    assert check_grammar(r.events) == []
    delta = next(d for _, d in r.events if d.get("type") == "message_delta")
    assert delta["usage"] == {"input_tokens": 200, "output_tokens": 40, "cache_creation_input_tokens": 0,
                              "cache_read_input_tokens": 1000}


def test_stream_full_cache_hit_keeps_input_positive(proxy, upstream):
    """§5.5: Claude Code keeps message_start's input estimate unless message_delta carries a value > 0, so
    after an estimate a full cache hit must still send input_tokens ≥ 1 (else estimate + cache_read double
    count)."""
    upstream.enqueue(SSEReply(text_stream(["x"], usage=usage(1000, 5, cached=1000))))
    r = post_raw(proxy.url, {"model": "claude-sonnet-4-5", "max_tokens": 100, "stream": True, "messages": ASK})
    start = r.events[0][1]["message"]["usage"]
    delta = next(d for _, d in r.events if d.get("type") == "message_delta")["usage"]
    assert delta["cache_read_input_tokens"] == 1000
    if start["input_tokens"] > 0:
        assert delta["input_tokens"] >= 1, (start, delta)


def test_stream_usage_absent(client, upstream):
    """The provider ignores include_usage: usage is estimated, never missing, never hard-coded zeros."""
    upstream.enqueue(SSEReply(text_stream(["some words of output here"], usage=None)))
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=100,
                                messages=[{"role": "user", "content": "a reasonably long question " * 10}]) as s:
        final = s.get_final_message()
    assert final.content[0].text == "some words of output here"
    assert final.usage.input_tokens > 0
    assert final.usage.output_tokens > 0


def test_non_stream_usage_absent(client, upstream):
    upstream.enqueue(JSONReply(completion("no usage reported")))
    msg = client.messages.create(model="claude-sonnet-4-5", max_tokens=100,
                                 messages=[{"role": "user", "content": "a reasonably long question " * 10}])
    assert msg.usage.input_tokens > 0
    assert msg.usage.output_tokens >= 0
