"""Tool use through the anthropic SDK: tool calls streamed in fragments and whole, non-streamed, parallel,
the round trip of results, tool results beside text (hard case), tool_choice, schema cleanup."""

from __future__ import annotations

import json

import pytest

from mock_upstream import (
    JSONReply, SSEReply, chunk, completion, tool_call, tool_call_stream, usage,
)
from sse import check_grammar, post_raw, tool_inputs

pytestmark = pytest.mark.timeout(60)

READ_TOOL = {
    "name": "Read", "description": "Read a file",
    "input_schema": {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                     "properties": {"path": {"type": "string"}, "limit": {"type": "integer"}},
                     "required": ["path"], "additionalProperties": False},
}
WEATHER_TOOL = {
    "name": "get_weather", "description": "Weather for a city",
    "input_schema": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]},
}
ASK = [{"role": "user", "content": "Open a.txt"}]
ARGS = {"path": "/tmp/a.txt", "limit": 20, "note": "quotes \" and unicode ü → ok"}


@pytest.mark.parametrize("fragments", [1, 3, 12], ids=["whole", "3-fragments", "12-fragments"])
def test_stream_tool_call(client, upstream, fragments):
    upstream.enqueue(SSEReply(tool_call_stream([("call_abc123", "Read", ARGS)], text="Reading.",
                                               fragments=fragments, usage=usage(50, 12))))
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=200, tools=[READ_TOOL],
                                messages=ASK) as stream:
        final = stream.get_final_message()
    assert [b.type for b in final.content] == ["text", "tool_use"]
    assert final.content[0].text == "Reading."
    tu = final.content[1]
    assert tu.id == "call_abc123" and tu.name == "Read" and tu.input == ARGS
    assert final.stop_reason == "tool_use"


def test_stream_tool_call_raw_grammar(proxy, upstream):
    upstream.enqueue(SSEReply(tool_call_stream([("call_1", "Read", ARGS)], text="Reading.", fragments=6,
                                               usage=usage(50, 12))))
    r = post_raw(proxy.url, {"model": "claude-sonnet-4-5", "max_tokens": 200, "stream": True, "tools": [READ_TOOL],
                             "messages": ASK})
    assert check_grammar(r.events) == []
    inputs = tool_inputs(r.events)
    assert list(inputs) == [1]
    assert json.loads(inputs[1]) == ARGS


def test_stream_tool_call_without_arguments(proxy, upstream):
    """An empty arguments string must still yield a valid (empty) JSON object (§5.1 I5)."""
    chunks = [chunk({"role": "assistant"}),
              chunk({"tool_calls": [{"index": 0, "id": "call_e", "type": "function",
                                     "function": {"name": "get_weather", "arguments": ""}}]}),
              chunk({}, "tool_calls")]
    upstream.enqueue(SSEReply(chunks))
    r = post_raw(proxy.url, {"model": "claude-sonnet-4-5", "max_tokens": 200, "stream": True,
                             "tools": [WEATHER_TOOL], "messages": ASK})
    assert check_grammar(r.events) == []
    assert json.loads(tool_inputs(r.events)[0] or "{}") == {}


def test_non_stream_tool_call(client, upstream):
    upstream.enqueue(JSONReply(completion("Let me check.", tool_calls=[tool_call("call_w1", "get_weather",
                                                                                {"city": "Paris"})],
                                          usage=usage(40, 9))))
    msg = client.messages.create(model="claude-sonnet-4-5", max_tokens=200, tools=[WEATHER_TOOL], messages=ASK)
    assert [b.type for b in msg.content] == ["text", "tool_use"]
    assert msg.content[1].input == {"city": "Paris"} and msg.content[1].id == "call_w1"
    assert msg.stop_reason == "tool_use"


def test_tool_definitions_translated(client, upstream):
    client.messages.create(model="claude-sonnet-4-5", max_tokens=200, tools=[READ_TOOL, WEATHER_TOOL], messages=ASK)
    tools = upstream.last().body["tools"]
    assert [t["type"] for t in tools] == ["function", "function"]
    read = tools[0]["function"]
    assert read["name"] == "Read" and read["description"] == "Read a file"
    assert read["parameters"]["properties"] == READ_TOOL["input_schema"]["properties"]
    assert read["parameters"]["required"] == ["path"]
    assert "$schema" not in read["parameters"]


@pytest.mark.parametrize("choice,expected", [
    ({"type": "auto"}, "auto"),
    ({"type": "any"}, "required"),
    ({"type": "none"}, "none"),
    ({"type": "tool", "name": "get_weather"}, {"type": "function", "function": {"name": "get_weather"}}),
])
def test_tool_choice(client, upstream, choice, expected):
    client.messages.create(model="claude-sonnet-4-5", max_tokens=200, tools=[WEATHER_TOOL], tool_choice=choice,
                           messages=ASK)
    assert upstream.last().body.get("tool_choice") == expected


def test_disable_parallel_tool_use(client, upstream):
    client.messages.create(model="claude-sonnet-4-5", max_tokens=200, tools=[WEATHER_TOOL],
                           tool_choice={"type": "auto", "disable_parallel_tool_use": True}, messages=ASK)
    assert upstream.last().body.get("parallel_tool_calls") is False


def test_tool_choice_without_tools_is_not_sent(client, upstream):
    """Claude Code's title request: tools [] → no tools and no tool_choice upstream (OpenAI 400s otherwise)."""
    client.messages.create(model="claude-haiku-4-5", max_tokens=200, tools=[], tool_choice={"type": "auto"},
                           messages=ASK)
    body = upstream.last().body
    assert "tool_choice" not in body and not body.get("tools")


def test_tool_round_trip(client, upstream):
    """Turn 1: the model calls a tool. Turn 2: the SDK sends the result back; the upstream sees the assistant
    tool_calls and a tool message bound to the same id; the final answer is text."""
    upstream.enqueue(SSEReply(tool_call_stream([("call_rt1", "get_weather", {"city": "Oslo"})], fragments=3,
                                               usage=usage(40, 9))))
    messages = [{"role": "user", "content": "Weather in Oslo?"}]
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=200, tools=[WEATHER_TOOL],
                                messages=messages) as s:
        first = s.get_final_message()
    tu = first.content[-1]
    assert tu.type == "tool_use"

    upstream.enqueue(SSEReply([chunk({"role": "assistant", "content": "It is sunny."}), chunk({}, "stop")]))
    messages += [{"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in first.content]},
                 {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tu.id,
                                               "content": "sunny, 21°C"}]}]
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=200, tools=[WEATHER_TOOL],
                                messages=messages) as s:
        second = s.get_final_message()
    assert second.content[0].text == "It is sunny." and second.stop_reason == "end_turn"

    sent = upstream.last().body["messages"]
    assert [m["role"] for m in sent] == ["user", "assistant", "tool"]
    assistant, tool = sent[1], sent[2]
    assert assistant["tool_calls"] == [{"id": "call_rt1", "type": "function",
                                        "function": {"name": "get_weather", "arguments": assistant["tool_calls"][0]["function"]["arguments"]}}]
    assert json.loads(assistant["tool_calls"][0]["function"]["arguments"]) == {"city": "Oslo"}
    assert assistant.get("content") in (None, "")
    assert tool == {"role": "tool", "tool_call_id": "call_rt1", "content": "sunny, 21°C"}


def test_tool_result_beside_text(client, upstream):
    """Hard case (§3.4 R2): one user turn carries a tool_result AND text (Claude Code's system reminders).
    The upstream must get the tool message first, right after the assistant's tool_calls, then the user text."""
    client.messages.create(model="claude-sonnet-4-5", max_tokens=200, tools=[READ_TOOL], messages=[
        {"role": "user", "content": "open a.txt"},
        {"role": "assistant", "content": [{"type": "text", "text": "Reading."},
                                          {"type": "tool_use", "id": "toolu_01", "name": "Read",
                                           "input": {"path": "a.txt"}}]},
        {"role": "user", "content": [
            {"type": "text", "text": "<system-reminder>todo list empty</system-reminder>"},
            {"type": "tool_result", "tool_use_id": "toolu_01", "content": [{"type": "text", "text": "hello"}]},
            {"type": "text", "text": "Now summarise it."},
        ]},
    ])
    msgs = upstream.last().body["messages"]
    assert [m["role"] for m in msgs] == ["user", "assistant", "tool", "user"]
    assert msgs[1]["content"] == "Reading."
    assert msgs[1]["tool_calls"][0]["id"] == "toolu_01"
    assert msgs[2] == {"role": "tool", "tool_call_id": "toolu_01", "content": "hello"}
    user = msgs[3]["content"]
    texts = [user] if isinstance(user, str) else [p["text"] for p in user]
    assert "".join(texts).count("todo list empty") == 1 and "Now summarise it." in "\n".join(texts)
    assert texts.index(next(t for t in texts if "todo" in t)) <= texts.index(next(t for t in texts if "summarise" in t))


def test_parallel_tool_results_keep_order(client, upstream):
    client.messages.create(model="claude-sonnet-4-5", max_tokens=200, tools=[WEATHER_TOOL], messages=[
        {"role": "user", "content": "Weather in A and B?"},
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": "toolu_a", "name": "get_weather", "input": {"city": "A"}},
            {"type": "tool_use", "id": "toolu_b", "name": "get_weather", "input": {"city": "B"}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": "toolu_a", "content": "rain"},
            {"type": "tool_result", "tool_use_id": "toolu_b", "content": "snow", "is_error": True}]},
    ])
    msgs = upstream.last().body["messages"]
    assert [m["role"] for m in msgs] == ["user", "assistant", "tool", "tool"]
    assert [tc["id"] for tc in msgs[1]["tool_calls"]] == ["toolu_a", "toolu_b"]
    assert msgs[1]["content"] is None or msgs[1]["content"] == ""
    assert msgs[2]["tool_call_id"] == "toolu_a" and msgs[2]["content"] == "rain"
    assert msgs[3]["tool_call_id"] == "toolu_b" and "snow" in msgs[3]["content"]
    assert msgs[3]["content"] != "snow", "is_error must be marked in the tool text (OpenAI has no error flag)"


def test_stream_parallel_tool_calls(client, upstream):
    """Hard case: two tool calls in one streamed answer (index 0 and 1), arguments in fragments."""
    calls = [("call_p1", "get_weather", {"city": "Paris"}), ("call_p2", "get_weather", {"city": "Tokyo"})]
    upstream.enqueue(SSEReply(tool_call_stream(calls, text="Checking both.", fragments=3, usage=usage(60, 20))))
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=200, tools=[WEATHER_TOOL],
                                messages=ASK) as s:
        final = s.get_final_message()
    assert [b.type for b in final.content] == ["text", "tool_use", "tool_use"]
    assert [(b.id, b.input) for b in final.content[1:]] == [("call_p1", {"city": "Paris"}),
                                                          ("call_p2", {"city": "Tokyo"})]
    assert final.stop_reason == "tool_use"


def test_stream_parallel_tool_calls_interleaved_raw(proxy, upstream):
    """Fragments of two calls interleaved (vLLM/OpenAI can do this): block indexes stay distinct, each block's
    JSON is complete, and no block is open while another starts."""
    chunks = [chunk({"role": "assistant"}),
              chunk({"tool_calls": [{"index": 0, "id": "call_i1", "type": "function",
                                     "function": {"name": "get_weather", "arguments": "{\"ci"}}]}),
              chunk({"tool_calls": [{"index": 0, "function": {"arguments": "ty\": \"Rome\"}"}}]}),
              chunk({"tool_calls": [{"index": 1, "id": "call_i2", "type": "function",
                                     "function": {"name": "get_weather", "arguments": "{\"city\""}}]}),
              chunk({"tool_calls": [{"index": 1, "function": {"arguments": ": \"Lima\"}"}}]}),
              chunk({}, "tool_calls"), chunk(choices=False, usage=usage(30, 10))]
    upstream.enqueue(SSEReply(chunks))
    r = post_raw(proxy.url, {"model": "claude-sonnet-4-5", "max_tokens": 200, "stream": True,
                             "tools": [WEATHER_TOOL], "messages": ASK})
    assert check_grammar(r.events) == []
    inputs = tool_inputs(r.events)
    assert [json.loads(v) for v in inputs.values()] == [{"city": "Rome"}, {"city": "Lima"}]


def test_non_stream_parallel_tool_calls(client, upstream):
    upstream.enqueue(JSONReply(completion(None, tool_calls=[
        tool_call("call_n1", "get_weather", {"city": "Paris"}),
        tool_call("call_n2", "get_weather", {"city": "Tokyo"})], usage=usage(60, 20))))
    msg = client.messages.create(model="claude-sonnet-4-5", max_tokens=200, tools=[WEATHER_TOOL], messages=ASK)
    uses = [b for b in msg.content if b.type == "tool_use"]
    assert [(b.id, b.input) for b in uses] == [("call_n1", {"city": "Paris"}), ("call_n2", {"city": "Tokyo"})]
    assert msg.stop_reason == "tool_use"


def test_tool_call_finished_with_stop(client, upstream):
    """Ollama (older) and Gemini compat finish tool-call turns with "stop": stop_reason must be tool_use."""
    upstream.enqueue(SSEReply(tool_call_stream([("call_s", "get_weather", {"city": "Bern"})], fragments=1,
                                               finish_reason="stop")))
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=200, tools=[WEATHER_TOOL],
                                messages=ASK) as s:
        final = s.get_final_message()
    assert final.stop_reason == "tool_use"
    assert final.content[-1].input == {"city": "Bern"}
