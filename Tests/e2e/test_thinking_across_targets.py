"""Thinking when a conversation moves between targets, mid tool loop: the anthropic SDK starts a tool loop with
thinking on one target, answers the tool call on another, and asks its next question back on the first — for
every pair of four targets (a Responses API service, a Chat Completions one, two Anthropic-native ones). The
mocks check what a real service checks: an Anthropic-native one refuses a thinking block it did not sign, and
a tool loop whose calls do not start with thinking while thinking is on; a Responses one refuses reasoning it
did not encrypt. Every request of every pair must be accepted."""

from __future__ import annotations

import itertools
import json

import anthropic
import pytest

from harness import base_env
from mock_upstream import (
    JSONReply, SSEReply, answers_tool_call, anthropic_thinking_refusal, chunk, completion, tool_call, tool_call_stream,
)
from mock_upstream import usage as chat_usage
from responses_upstream import answer, function_call_item, message_item, reasoning_item
from responses_upstream import usage as responses_usage

pytestmark = pytest.mark.timeout(60)

TARGETS = ["resp", "chat", "first", "second"]  # the client model claude-<target> routes to that provider
CALL_ID = "toolu_e2e_read_1"
READ = {"name": "Read", "description": "Read a file",
        "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}}
THINKING = {"type": "enabled", "budget_tokens": 2048}


def native_events(blocks: list[dict], stop: str) -> list[bytes]:
    message = {"id": "msg_e2e", "type": "message", "role": "assistant", "model": "m", "content": [],
               "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 1}}
    events = [{"type": "message_start", "message": message}]
    for index, block in enumerate(blocks):
        if block["type"] == "thinking":
            events += [{"type": "content_block_start", "index": index,
                        "content_block": {"type": "thinking", "thinking": "", "signature": ""}},
                       {"type": "content_block_delta", "index": index,
                        "delta": {"type": "thinking_delta", "thinking": block["thinking"]}},
                       # a signature may come in more than one delta
                       {"type": "content_block_delta", "index": index,
                        "delta": {"type": "signature_delta", "signature": block["signature"][:5]}},
                       {"type": "content_block_delta", "index": index,
                        "delta": {"type": "signature_delta", "signature": block["signature"][5:]}}]
        elif block["type"] == "tool_use":
            events += [{"type": "content_block_start", "index": index,
                        "content_block": {**block, "input": {}}},
                       {"type": "content_block_delta", "index": index,
                        "delta": {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}}]
        else:
            events += [{"type": "content_block_start", "index": index, "content_block": block}]
        events.append({"type": "content_block_stop", "index": index})
    events += [{"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
                "usage": {"output_tokens": 9}}, {"type": "message_stop"}]
    return [f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events]


def serve_native(name: str):
    """An Anthropic-native service that signs its thinking `<name>-…` and checks what comes back."""
    def respond(rec):
        refusal = anthropic_thinking_refusal(rec.body, name)
        if refusal:
            return refusal
        if answers_tool_call(rec.body):
            blocks, stop = [{"type": "text", "text": f"a.txt read by {name}."}], "end_turn"
        else:
            blocks = [{"type": "thinking", "thinking": f"{name} reads first.", "signature": f"{name}-signature-1"},
                      {"type": "redacted_thinking", "data": f"{name}-redacted-1"},
                      {"type": "tool_use", "id": CALL_ID, "name": "Read", "input": {"path": "a.txt"}}]
            stop = "tool_use"
        if rec.stream:
            return SSEReply(native_events(blocks, stop), done=False)
        return JSONReply({"id": "msg_e2e", "type": "message", "role": "assistant", "model": "m", "content": blocks,
                          "stop_reason": stop, "stop_sequence": None,
                          "usage": {"input_tokens": 10, "output_tokens": 9}})
    return respond


def serve_responses(rec):
    """A Responses service that encrypts its reasoning `enc-resp-…` and refuses any other."""
    for item in rec.body.get("input") or []:
        if item.get("type") == "reasoning" and not item.get("encrypted_content", "").startswith("enc-resp-"):
            return JSONReply({"error": {"message": f"The encrypted content for item {item.get('id')} could not be "
                                        "verified.", "type": "invalid_request_error", "param": None,
                                        "code": "invalid_encrypted_content"}}, status=400)
    items = rec.body.get("input") or []
    if items and items[-1].get("type") == "function_call_output":
        return answer(rec, [message_item("a.txt read by resp.")], responses_usage(10, 9))
    return answer(rec, [reasoning_item(["resp reads first."], "enc-resp-1"),
                        function_call_item(CALL_ID, "Read", {"path": "a.txt"})], responses_usage(10, 9, reasoning=4))


def serve_chat(rec):
    """A Chat Completions service: it takes reasoning back as text, and checks nothing."""
    u = chat_usage(10, 9)
    messages = rec.body.get("messages") or []
    if messages and messages[-1].get("role") == "tool":
        if rec.stream:
            return SSEReply([chunk({"role": "assistant", "content": "a.txt read by chat."}), chunk({}, "stop"),
                             chunk(choices=False, usage=u)])
        return JSONReply(completion("a.txt read by chat.", usage=u))
    if rec.stream:
        return SSEReply([chunk({"role": "assistant", "content": None}), chunk({"reasoning_content": "chat reads first."})]
                        + tool_call_stream([(CALL_ID, "Read", {"path": "a.txt"})], usage=u)[1:])
    return JSONReply(completion(None, tool_calls=[tool_call(CALL_ID, "Read", {"path": "a.txt"})],
                                reasoning="chat reads first.", usage=u))


@pytest.fixture
def targets(make_upstream, make_proxy, tmp_path):
    """(client, {target: mock}): the proxy in front of the four mocks, claude-<target> routed to each."""
    mocks = {name: make_upstream(name) for name in TARGETS}
    mocks["resp"].respond_with(serve_responses)
    mocks["chat"].respond_with(serve_chat)
    mocks["first"].respond_with(serve_native("first"))
    mocks["second"].respond_with(serve_native("second"))
    config = tmp_path / "config.yaml"
    config.write_text(f"""\
server: {{ host: 127.0.0.1, port: 0, log_level: debug }}
providers:
  resp:   {{ type: openai-responses, base_url: {mocks['resp'].url}, api_key: k-resp }}
  chat:   {{ type: openai, base_url: {mocks['chat'].url}, api_key: k-chat, reasoning_passback: reasoning_content }}
  first:  {{ type: anthropic, base_url: {mocks['first'].root}, api_key: k-first }}
  second: {{ type: anthropic, base_url: {mocks['second'].root}, api_key: k-second }}
models:
  - {{ match: "*resp*", provider: resp, model: gpt-5-codex }}
  - {{ match: "*chat*", provider: chat, model: deepseek-reasoner }}
  - {{ match: "*first*", provider: first, model: first-model }}
  - {{ match: "*second*", provider: second, model: second-model }}
""")
    proxy = make_proxy(base_env(), ["--config", str(config)], workdir=str(tmp_path))
    client = anthropic.Anthropic(base_url=proxy.url, api_key="e2e-client-key", max_retries=0, timeout=30.0)
    yield client, mocks
    client.close()


def ask(client, target: str, messages: list[dict], stream: bool) -> dict:
    """One request to claude-<target>, streamed or not; the message as the SDK parsed it."""
    params = {"model": f"claude-{target}", "max_tokens": 4096, "thinking": THINKING, "tools": [READ],
              "messages": messages}
    if stream:
        with client.messages.stream(**params) as events:
            return events.get_final_message().model_dump(exclude_none=True)
    return client.messages.create(**params).model_dump(exclude_none=True)


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize("first,second", list(itertools.product(TARGETS, TARGETS)))
def test_a_tool_loop_moves_between_targets(targets, first, second, stream):
    client, mocks = targets
    question = {"role": "user", "content": "What is in a.txt?"}
    calling = ask(client, first, [question], stream)
    assert calling["stop_reason"] == "tool_use" and calling["content"][-1]["id"] == CALL_ID
    assert calling["content"][0]["type"] == "thinking"
    assert calling["content"][0]["signature"].startswith("ccp1."), "the proxy's signature, whoever thought"
    loop = [question, {"role": "assistant", "content": calling["content"]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": CALL_ID, "content": "hello"}]}]
    answered = ask(client, second, loop, stream)
    assert answered["content"][-1]["text"] == f"a.txt read by {second}."

    sent = mocks[second].requests[-1].body
    if second in ("first", "second"):
        returned = [b["type"] for b in sent["messages"][1]["content"]]
        if first == second:
            assert returned == ["thinking", "redacted_thinking", "tool_use"], returned
            assert sent["messages"][1]["content"][0]["signature"] == f"{second}-signature-1"
            assert sent["thinking"] == THINKING
        else:
            assert returned == ["tool_use"], returned
            assert "thinking" not in sent, "the loop's calls came without this target's thinking"
    if second == "resp":
        reasoning = [i for i in sent["input"] if i.get("type") == "reasoning"]
        assert [i["encrypted_content"] for i in reasoning] == (["enc-resp-1"] if first == "resp" else [])

    # the next question goes back to where the loop started
    back = loop + [{"role": "assistant", "content": answered["content"]}, {"role": "user", "content": "Thanks."}]
    again = ask(client, first, back, stream)
    assert again["stop_reason"] == "tool_use", again
