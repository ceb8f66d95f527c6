"""A tool loop that moves from Gemini to a Chat Completions fallback and back, in one conversation: the route's
first target is `type: gemini` (gemini_upstream.py, checking thought signatures as Gemini 3 does), its
fallback `type: openai` (a chat-completions mock checking ids as OpenAI does: at most 40 characters, every
tool message answering a call before it). Turn 1 on Gemini makes a signed call; turn 2 finds Gemini
unavailable (503) and goes to the fallback, which takes Gemini's long tool_use id (shortened) and calls a
tool of its own; turn 3 is Gemini's again, and it must take the whole turn: its own call with its signature,
the other target's with the documented dummy."""

from __future__ import annotations

import re

import anthropic
import pytest

from gemini_upstream import DUMMY_SIGNATURE, KEY, MODEL, GeminiUpstream, Step, call, text, unavailable
from harness import base_env
from mock_upstream import JSONReply, SSEReply, completion, openai_error, tool_call, tool_call_stream
from mock_upstream import usage as chat_usage

pytestmark = pytest.mark.timeout(60)

CLIENT_MODEL = "claude-sonnet-4-5"
CHAT_MODEL = "gpt-4o"
CHAT_CALL_ID = "call_chat_b1"
READ = {"name": "Read", "description": "Read a file",
        "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}}
ASK = [{"role": "user", "content": "What is in a.txt and b.txt?"}]
ID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")


def chat_refusal(body: dict) -> JSONReply | None:
    """OpenAI's 400s for ids it cannot take: over 40 characters, or a tool message answering no call."""
    seen: set[str] = set()
    for i, m in enumerate(body.get("messages") or []):
        for j, tc in enumerate(m.get("tool_calls") or []):
            if not ID.match(tc.get("id", "")):
                return openai_error(400, f"Invalid 'messages[{i}].tool_calls[{j}].id': string too long. Expected a "
                                         f"string with maximum length 40, but got a string with length "
                                         f"{len(tc.get('id', ''))} instead.", code="string_above_max_length")
            seen.add(tc["id"])
        if m.get("role") == "tool":
            if not ID.match(m.get("tool_call_id", "")):
                return openai_error(400, f"Invalid 'messages[{i}].tool_call_id': string too long. Expected a string "
                                         "with maximum length 40.", code="string_above_max_length")
            if m["tool_call_id"] not in seen:
                return openai_error(400, "Invalid parameter: messages with role 'tool' must be a response to a "
                                         "preceeding message with 'tool_calls'.")
    return None


def serve_chat(rec):
    refusal = chat_refusal(rec.body)
    if refusal is not None:
        return refusal
    u = chat_usage(200, 12)
    calls = [(CHAT_CALL_ID, "Read", {"path": "b.txt"})]
    if rec.stream:
        return SSEReply(tool_call_stream(calls, usage=u))
    return JSONReply(completion(None, tool_calls=[tool_call(*calls[0])], usage=u))


@pytest.fixture
def route(make_upstream, make_proxy, tmp_path):
    """(client, gemini mock, chat mock): one route, Gemini first, the chat-completions target its fallback."""
    gem = GeminiUpstream(make_upstream("gemini"))
    chat = make_upstream("chat")
    chat.respond_with(serve_chat)
    config = tmp_path / "config.yaml"
    config.write_text(f"""\
server: {{ host: 127.0.0.1, port: 0, log_level: debug }}
providers:
  g:    {{ type: gemini, base_url: {gem.url}, api_key: {KEY} }}
  chat: {{ type: openai, base_url: {chat.url}, api_key: k-chat }}
models:
  - match: "*"
    provider: g
    model: {MODEL}
    fallbacks:
      - {{ provider: chat, model: {CHAT_MODEL} }}
""")
    proxy = make_proxy(base_env(), ["--config", str(config)], workdir=str(tmp_path))
    client = anthropic.Anthropic(base_url=proxy.url, api_key="e2e-client-key", max_retries=0, timeout=30.0)
    yield client, gem, chat
    client.close()
    gem.mock.wait_idle(timeout=15)
    assert not gem.mock.errors and not chat.errors, (gem.mock.errors, chat.errors)
    assert not gem.invalid, f"the proxy sent bodies Gemini would refuse: {gem.invalid}"


def ask(client, stream: bool, messages: list[dict]):
    """(message, the x-proxy-route that served it)."""
    params = {"model": CLIENT_MODEL, "max_tokens": 1000, "tools": [READ], "messages": messages}
    if stream:
        with client.messages.stream(**params) as s:
            return s.get_final_message(), s.response.headers["x-proxy-route"]
    raw = client.messages.with_raw_response.create(**params)
    return raw.parse(), raw.headers["x-proxy-route"]


def history(message) -> dict:
    return {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in message.content]}


def result(tool_use_id: str, content: str) -> dict:
    return {"role": "user", "content": [{"type": "tool_result", "tool_use_id": tool_use_id, "content": content}]}


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_tool_loop_falls_back_to_chat_and_returns_to_gemini(route, stream):
    client, gem, chat = route
    gem.enqueue_step(Step([call("Read", {"path": "a.txt"})]),  # turn 1: Gemini's signed call
                     Step(reply=unavailable()),  # turn 2: Gemini is unavailable once
                     Step([text("a.txt says A, b.txt says B.")]))  # turn 3

    first, served = ask(client, stream, ASK)
    assert served == f"g/{MODEL}"
    (gemini_call,) = first.content
    assert gemini_call.type == "tool_use" and gemini_call.input == {"path": "a.txt"}
    assert len(gemini_call.id) > 40, "the id carries Gemini's signature"
    messages = ASK + [history(first), result(gemini_call.id, "A")]

    second, served = ask(client, stream, messages)
    assert served == f"chat/{CHAT_MODEL}", "Gemini's 503 went to the fallback"
    (chat_call,) = second.content
    assert (chat_call.type, chat_call.id, chat_call.input) == ("tool_use", CHAT_CALL_ID, {"path": "b.txt"})
    messages += [history(second), result(CHAT_CALL_ID, "B")]

    third, served = ask(client, stream, messages)
    assert served == f"g/{MODEL}"
    assert [b.text for b in third.content if b.type == "text"] == ["a.txt says A, b.txt says B."]
    assert third.stop_reason == "end_turn"

    # what each target saw
    assert gem.refusals == [], "Gemini took every request of the turn"
    calls = gem.generation_calls()
    assert len(calls) == 3 and all(c.stream == stream for c in calls)
    (signature,) = gem.issued_on("Read")
    assert calls[2].contents == [
        {"role": "user", "parts": [{"text": ASK[0]["content"]}]},
        {"role": "model", "parts": [{"functionCall": {"name": "Read", "args": {"path": "a.txt"}},
                                     "thoughtSignature": signature}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "Read", "response": {"output": "A"}}}]},
        {"role": "model", "parts": [{"functionCall": {"name": "Read", "args": {"path": "b.txt"}},
                                     "thoughtSignature": DUMMY_SIGNATURE}]},
        {"role": "user", "parts": [{"functionResponse": {"name": "Read", "response": {"output": "B"}}}]},
    ]
    (sent,) = chat.chat_requests()
    assert sent.body["model"] == CHAT_MODEL and bool(sent.body.get("stream")) == stream
    assistant, tool = sent.messages[1], sent.messages[2]
    (sent_call,) = assistant["tool_calls"]
    assert sent_call["id"] != gemini_call.id and ID.match(sent_call["id"]), "shortened to OpenAI's 40"
    assert sent_call["function"]["name"] == "Read"
    assert tool == {"role": "tool", "tool_call_id": sent_call["id"], "content": "A"}
