"""The anthropic SDK through the proxy to a real llama-server, once per upstream protocol (`way`): chat
completions (`type: openai`, the llamacpp profile) and /v1/messages (`type: anthropic`, the llamacpp-anthropic
profile). A server written by others catches what a mock sharing the translator's mistakes would not."""

from __future__ import annotations

import json
import re

import anthropic
import pytest
from cases import WEATHER, overflow, request
from real_server import CONTEXT
from server_differences import grammar_problems, prompt_tokens
from sse import post_raw, tool_inputs

STOPS = {"end_turn", "max_tokens"}


def text_of(message) -> str:
    return "".join(b.text for b in message.content if b.type == "text")


def streamed_text(events) -> str:
    return "".join(d["delta"]["text"] for _, d in events
                   if isinstance(d, dict) and d.get("type") == "content_block_delta" and d["delta"]["type"] == "text_delta")


def test_plain_answer(client, model):
    """A plain request gets an Anthropic message: the client's model name, text, a stop reason, real usage."""
    m = client.messages.create(**request("plain", model))
    assert m.type == "message" and m.role == "assistant"
    assert m.model == model
    assert [b.type for b in m.content] == ["text"] and text_of(m).strip()
    assert m.stop_reason in STOPS
    assert prompt_tokens(m.usage) > 10  # system + user + the template's tokens
    assert 0 < m.usage.output_tokens <= 40


def test_streamed_answer_is_the_same_answer(client, proxy, way, model):
    """The stream is well formed (translation.md §5.1) and, the server being deterministic (--temp 0), says
    what the non-streamed answer said, with the same usage."""
    whole = client.messages.create(**request("plain", model))
    raw = post_raw(proxy.url, request("plain", model, stream=True), timeout=90)
    assert raw.status == 200, raw.text
    assert grammar_problems(raw.events, way) == []
    assert streamed_text(raw.events) == text_of(whole)
    start = raw.events[0][1]["message"] if raw.events[0][0] == "message_start" else None
    assert start is not None and start["model"] == model
    delta = next(d for _, d in raw.events if isinstance(d, dict) and d.get("type") == "message_delta")
    assert delta["delta"]["stop_reason"] == whole.stop_reason
    assert delta["usage"]["output_tokens"] == whole.usage.output_tokens
    with client.messages.stream(**request("plain", model)) as s:
        final = s.get_final_message()
    assert text_of(final) == text_of(whole)


def test_tool_call(client, proxy, way, model):
    """With a tool offered the model calls it: a tool_use block with JSON input and stop_reason tool_use,
    created and streamed alike (the streamed input_json_delta fragments join to the same input)."""
    m = client.messages.create(**request("tool_call", model))
    assert m.stop_reason == "tool_use", m
    calls = [b for b in m.content if b.type == "tool_use"]
    assert len(calls) == 1 and calls[0].name == "get_weather"
    assert isinstance(calls[0].input, dict) and "city" in calls[0].input
    assert calls[0].id
    raw = post_raw(proxy.url, request("tool_call", model, stream=True), timeout=90)
    assert raw.status == 200, raw.text
    assert grammar_problems(raw.events, way) == []
    assert [json.loads(v) for v in tool_inputs(raw.events).values()] == [calls[0].input]


def test_tool_result_turn(client, proxy, way, model):
    """The turn after a tool call (its tool_use and tool_result sent back) is accepted and answered, and the
    result reached the prompt: more prompt tokens than the request that asked for the call."""
    first = client.messages.create(**request("tool_call", model))
    m = client.messages.create(**request("tool_result", model))
    assert m.stop_reason in STOPS | {"tool_use"}
    assert m.content
    assert prompt_tokens(m.usage) >= prompt_tokens(first.usage) + len(WEATHER.split())
    raw = post_raw(proxy.url, request("tool_result", model, stream=True), timeout=90)
    assert raw.status == 200, raw.text
    assert grammar_problems(raw.events, way) == []


@pytest.mark.parametrize("stream", [False, True])
def test_context_overflow_is_the_error_claude_code_compacts_on(client, model, stream):
    """A prompt over the server's context comes back as Anthropic's 400 invalid_request_error "prompt is too
    long: N tokens > M maximum" with the server's own numbers, before any stream starts."""
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(model=model, stream=stream, **overflow())
    e = caught.value
    assert e.status_code == 400
    assert e.body["type"] == "error" and e.body["error"]["type"] == "invalid_request_error", e.body
    match = re.search(r"prompt is too long: (\d+) tokens > (\d+) maximum", e.body["error"]["message"])
    assert match, e.body
    assert int(match[1]) > CONTEXT and int(match[2]) == CONTEXT
