"""The anthropic SDK through `type: openai-responses` (and `type: azure-responses`): the proxy in front of a
mock speaking OpenAI's Responses API (`POST /v1/responses`, responses_upstream.py). The request becomes
`instructions` + `input` items, the answer's output items become content blocks, reasoning travels back as
the thinking block's signature, and stream events, stops, usage and errors come back in Anthropic's shapes."""

from __future__ import annotations

import base64
import json

import anthropic
import pytest

from harness import base_env
from mock_upstream import SSEReply, openai_error
from responses_upstream import (
    MODEL, error_event, failed, function_call_item, incomplete, input_token_count, item_events, json_reply, message_item,
    reasoning_item, responses_requests, response, sse, start, stream, stream_reply, usage, validate_event,
    validate_response,
)
from sse import check_grammar, post_raw, tool_inputs

pytestmark = pytest.mark.timeout(60)

CLIENT_MODEL = "claude-sonnet-4-5"
OTHER_REASONING_MODEL = "gpt-5.1"  # the route of *opus*
PLAIN_MODEL = "gpt-4.1"  # the route of *haiku*: not a reasoning model
KEY = "sk-openai-upstream"
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()
ENCRYPTED = "gAAAAABpZ3Jlc3BvbnNlcy1lMmUtZW5jcnlwdGVkLXJlYXNvbmluZy1pdGVtLTAwMQ=="
READ = {"name": "Read", "description": "Read a file",
        "input_schema": {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                         "properties": {"path": {"type": "string"}}, "required": ["path"]}}
READ_FUNCTION = {"type": "function", "name": "Read", "description": "Read a file",
                 "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]},
                 "strict": False}
ASK = [{"role": "user", "content": "hello"}]


def config(tmp_path, provider: str, limits: str = "{}") -> str:
    path = tmp_path / "config.yaml"
    path.write_text(f"""\
server: {{ host: 127.0.0.1, port: 0, log_level: debug }}
limits: {limits}
providers:
{provider}
models:
  - {{ match: "*opus*", provider: resp, model: {OTHER_REASONING_MODEL} }}
  - {{ match: "*haiku*", provider: resp, model: {PLAIN_MODEL} }}
  - {{ match: "*", provider: resp, model: {MODEL} }}
""")
    return str(path)


@pytest.fixture
def responses(make_upstream, make_proxy, tmp_path):
    upstream = make_upstream("responses")
    provider = f"  resp: {{ type: openai-responses, base_url: {upstream.url}, api_key: {KEY} }}"
    proxy = make_proxy(base_env(), ["--config", config(tmp_path, provider)], workdir=str(tmp_path))
    client = anthropic.Anthropic(base_url=proxy.url, api_key="e2e-client-key", max_retries=0, timeout=30.0)
    yield client, upstream, proxy
    client.close()


def sent(upstream) -> list:
    reqs = responses_requests(upstream)
    assert len(reqs) == len(upstream.requests), f"requests off /responses: {[r.path for r in upstream.requests]}"
    return reqs


def parsed(items: list[dict]) -> list[dict]:
    """`input` with every function_call's arguments parsed (their JSON text may be spaced either way)."""
    return [{**i, "arguments": json.loads(i["arguments"])} if i.get("type") == "function_call" else i for i in items]


def user(*parts: dict) -> dict:
    return {"type": "message", "role": "user", "content": list(parts)}


def text_part(text: str) -> dict:
    return {"type": "input_text", "text": text}


def assistant_text(text: str) -> dict:
    return {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": text}]}


def call(call_id: str, name: str, arguments: dict) -> dict:
    return {"type": "function_call", "call_id": call_id, "name": name, "arguments": arguments}


def output(call_id: str, text: str) -> dict:
    return {"type": "function_call_output", "call_id": call_id, "output": text}


def unpack(signature: str) -> dict:
    """The JSON object a proxy-made signature carries (`ccp1.` + base64url)."""
    assert signature.startswith("ccp1."), signature
    packed = signature[len("ccp1."):]
    return json.loads(base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)))


def history(final) -> list[dict]:
    """An answer's content as the client sends it back."""
    return [b.model_dump(exclude_none=True) for b in final.content]


# ------------------------------------------------------------------------------------------------- the mock itself


def test_validator_rejects_malformed_events():
    """The builders' checker is strict: a wrong field name, a wrong type, an unknown field or event fails."""
    good = {"type": "response.output_text.delta", "sequence_number": 3, "item_id": "msg_1", "output_index": 0,
            "content_index": 0, "delta": "Hi", "logprobs": []}
    assert validate_event(good) == good
    for bad in ({**{k: v for k, v in good.items() if k != "delta"}, "text": "Hi"},  # text for delta
                {**good, "output_index": "0"},  # a string for an int
                {**good, "colour": "red"},  # a field the model does not know
                {k: v for k, v in good.items() if k != "logprobs"},  # a required field missing
                {**good, "type": "response.output_text.deltas"},
                {"type": "response.output_item.done", "sequence_number": 1, "output_index": 0,
                 "item": {**message_item("x"), "status": "finished"}}):  # not one of the item's statuses
        with pytest.raises(ValueError):
            validate_event(bad)
    with pytest.raises(ValueError):
        validate_response({**response([], usage=usage(1, 1)),
                           "usage": {"input_tokens": 1, "output_tokens": 1, "total_tokens": 2}})
    with pytest.raises(ValueError):
        sse([{"type": "response.function_call_arguments.delta", "item_id": "fc_1", "output_index": 0,
              "arguments": "{}"}])


# ------------------------------------------------------------------------------------------------- requests


def test_create_translates_request_and_answer(responses):
    client, upstream, _ = responses
    upstream.enqueue(json_reply([
        reasoning_item(["**Reading**", "The file first."], ENCRYPTED),
        message_item("Let me look."),
        function_call_item("call_Ab12", "Read", {"path": "b.txt"}),
    ], usage=usage(1200, 50, cached=1000, reasoning=20)))
    result = client.messages.create(
        model=CLIENT_MODEL, max_tokens=2000, extra_body={"temperature": 1},
        system=[{"type": "text", "text": "x-anthropic-billing-header: cc_version=2.1.331.a1b; cc_entrypoint=cli; cch=0;"},
                {"type": "text", "text": "You are Claude Code.", "cache_control": {"type": "ephemeral"}},
                {"type": "text", "text": "Be brief."}],
        tools=[READ], tool_choice={"type": "auto"}, thinking={"type": "enabled", "budget_tokens": 2000},
        messages=[
            {"role": "user", "content": [
                {"type": "text", "text": "Look at these."},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}},
                {"type": "image", "source": {"type": "url", "url": "https://example.com/cat.png"}}]},
            {"role": "assistant", "content": [
                {"type": "text", "text": "I'll read it."},
                {"type": "tool_use", "id": "toolu_01", "name": "Read", "input": {"path": "a.txt"}}]},
            {"role": "user", "content": [
                {"type": "text", "text": "And then b.txt."},
                {"type": "tool_result", "tool_use_id": "toolu_01", "content": "alpha"}]},
        ],
    )
    (req,) = sent(upstream)
    assert req.method == "POST" and req.path == "/v1/responses"
    assert req.headers["authorization"] == f"Bearer {KEY}"
    body = req.body
    assert body["model"] == MODEL and body["store"] is False and not body.get("stream")
    assert body["instructions"] == "You are Claude Code.\n\nBe brief."
    assert body["max_output_tokens"] == 2000
    assert parsed(body["input"]) == [
        user(text_part("Look at these."),
             {"type": "input_image", "image_url": f"data:image/png;base64,{PNG}", "detail": "auto"},
             {"type": "input_image", "image_url": "https://example.com/cat.png", "detail": "auto"}),
        assistant_text("I'll read it."),
        call("toolu_01", "Read", {"path": "a.txt"}),
        output("toolu_01", "alpha"),  # the tool result first, then the turn's other content
        user(text_part("And then b.txt.")),
    ]
    assert body["tools"] == [READ_FUNCTION] and body["tool_choice"] == "auto"
    assert body["reasoning"] == {"effort": "low", "summary": "auto"}
    assert body["include"] == ["reasoning.encrypted_content"]
    assert "temperature" not in body and "top_p" not in body, "a reasoning model takes no sampling parameters"
    assert "previous_response_id" not in body

    assert result.model == CLIENT_MODEL
    assert [b.type for b in result.content] == ["thinking", "text", "tool_use"]
    assert result.content[0].thinking == "**Reading**\n\nThe file first."
    assert ENCRYPTED in unpack(result.content[0].signature).values()
    assert result.content[1].text == "Let me look."
    tool = result.content[2]
    assert (tool.id, tool.name, tool.input) == ("call_Ab12", "Read", {"path": "b.txt"})
    assert result.stop_reason == "tool_use" and result.stop_sequence is None
    assert (result.usage.input_tokens, result.usage.cache_read_input_tokens, result.usage.output_tokens) == \
        (200, 1000, 50)


def test_mid_conversation_system_message_and_error_result(responses):
    client, upstream, _ = responses
    upstream.enqueue(json_reply([message_item("Noted.")], usage=usage(30, 2)))
    client.post("/v1/messages", cast_to=object, body={
        "model": CLIENT_MODEL, "max_tokens": 10, "tools": [READ], "messages": [
            {"role": "user", "content": "hi"},
            {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_9", "name": "Read",
                                               "input": {"path": "/nope"}}]},
            {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_9", "is_error": True,
                                          "content": [{"type": "text", "text": "No such file"}]}]},
            {"role": "system", "content": "MCP server instructions: be nice"},
            {"role": "user", "content": "again"}]})
    body = sent(upstream)[0].body
    assert parsed(body["input"]) == [
        user(text_part("hi")),
        call("toolu_9", "Read", {"path": "/nope"}),
        output("toolu_9", "Error: No such file"),
        {"type": "message", "role": "developer", "content": [text_part("MCP server instructions: be nice")]},
        user(text_part("again")),
    ]
    assert "reasoning" not in body and "include" not in body, "no thinking asked for"


def test_max_output_tokens_floor(make_upstream, make_proxy, tmp_path):
    """Limits that let a tiny max_tokens through still send at least 16 (the API's minimum)."""
    upstream = make_upstream("responses")
    provider = f"  resp: {{ type: openai-responses, base_url: {upstream.url}, api_key: {KEY} }}"
    proxy = make_proxy(base_env(), ["--config", config(tmp_path, provider, "{ min_tokens: 1 }")],
                       workdir=str(tmp_path))
    upstream.enqueue(json_reply([message_item("ok")], usage=usage(10, 1)),
                     json_reply([message_item("ok")], usage=usage(10, 1)))
    with anthropic.Anthropic(base_url=proxy.url, api_key="e2e-client-key", max_retries=0, timeout=30.0) as client:
        client.messages.create(model=CLIENT_MODEL, max_tokens=5, messages=ASK)
        client.messages.create(model=CLIENT_MODEL, max_tokens=40, messages=ASK)
    assert [r.body["max_output_tokens"] for r in sent(upstream)] == [16, 40]


@pytest.mark.parametrize("choice,expected", [
    ({"type": "auto"}, "auto"),
    ({"type": "any"}, "required"),
    ({"type": "tool", "name": "Read"}, {"type": "function", "name": "Read"}),
    ({"type": "none"}, "none"),
], ids=["auto", "any", "tool", "none"])
def test_tool_choice(responses, choice, expected):
    client, upstream, _ = responses
    upstream.enqueue(json_reply([message_item("ok")], usage=usage(10, 1)))
    client.messages.create(model=CLIENT_MODEL, max_tokens=100, tools=[READ], tool_choice=choice, messages=ASK)
    body = sent(upstream)[0].body
    assert body["tool_choice"] == expected
    assert body.get("parallel_tool_calls", True) is True


def test_disable_parallel_tool_use(responses):
    client, upstream, _ = responses
    upstream.enqueue(json_reply([message_item("ok")], usage=usage(10, 1)))
    client.messages.create(model=CLIENT_MODEL, max_tokens=100, tools=[READ], messages=ASK,
                           tool_choice={"type": "auto", "disable_parallel_tool_use": True})
    body = sent(upstream)[0].body
    assert body["tool_choice"] == "auto" and body["parallel_tool_calls"] is False


@pytest.mark.parametrize("thinking,effort", [
    ({"type": "enabled", "budget_tokens": 1024}, "low"),
    ({"type": "enabled", "budget_tokens": 4096}, "medium"),
    ({"type": "enabled", "budget_tokens": 16383}, "medium"),
    ({"type": "enabled", "budget_tokens": 16384}, "high"),
    ({"type": "adaptive"}, "medium"),  # docs/translation.md §3.9: adaptive without an effort
], ids=["1024", "4096", "16383", "16384", "adaptive"])
def test_thinking_becomes_reasoning_effort(responses, thinking, effort):
    client, upstream, _ = responses
    upstream.enqueue(json_reply([message_item("ok")], usage=usage(10, 1)))
    client.messages.create(model=CLIENT_MODEL, max_tokens=16000, thinking=thinking, messages=ASK)
    body = sent(upstream)[0].body
    assert body["reasoning"] == {"effort": effort, "summary": "auto"}
    assert body["include"] == ["reasoning.encrypted_content"]


def test_non_reasoning_model_keeps_sampling_and_gets_no_reasoning(responses):
    client, upstream, _ = responses
    upstream.enqueue(json_reply([message_item("ok")], usage=usage(10, 1), model=PLAIN_MODEL))
    result = client.messages.create(model="claude-haiku-4-5", max_tokens=300, messages=ASK,
                                    thinking={"type": "enabled", "budget_tokens": 2000},
                                    extra_body={"temperature": 0.3, "top_p": 0.9})
    body = sent(upstream)[0].body
    assert body["model"] == PLAIN_MODEL
    assert body["temperature"] == 0.3 and body["top_p"] == 0.9
    assert "reasoning" not in body and "include" not in body
    assert result.model == "claude-haiku-4-5" and result.content[0].text == "ok"


def test_prompt_cache_key_from_session_header(responses):
    client, upstream, _ = responses
    upstream.respond_with(lambda rec: json_reply([message_item("ok")], usage=usage(10, 1)))
    for session in ("session-aaaa-1111", "session-aaaa-1111", "session-bbbb-2222"):
        client.messages.create(model=CLIENT_MODEL, max_tokens=100, messages=ASK,
                               extra_headers={"x-claude-code-session-id": session})
    client.messages.create(model=CLIENT_MODEL, max_tokens=100, messages=ASK)
    keys = [r.body.get("prompt_cache_key") for r in sent(upstream)]
    assert isinstance(keys[0], str) and keys[0] and "session-aaaa-1111" not in keys[0], keys
    assert keys[0] == keys[1] and keys[2] not in (None, keys[0]), "one key per session, stable"
    assert keys[3] is None, "no session header, no key"


# ------------------------------------------------------------------------------------------------- streams


def test_stream_text(responses):
    client, upstream, _ = responses
    upstream.enqueue(stream_reply([message_item("Hello there, how can I help?")], fragments=4,
                                  usage=usage(812, 9, cached=768)))
    with client.messages.stream(model=CLIENT_MODEL, max_tokens=500, messages=ASK) as s:
        pieces = list(s.text_stream)
        final = s.get_final_message()
    assert len(pieces) == 4 and "".join(pieces) == "Hello there, how can I help?"
    assert final.model == CLIENT_MODEL
    assert [b.type for b in final.content] == ["text"] and final.content[0].text == "Hello there, how can I help?"
    assert final.stop_reason == "end_turn"
    assert (final.usage.input_tokens, final.usage.cache_read_input_tokens, final.usage.output_tokens) == (44, 768, 9)
    assert sent(upstream)[0].body["stream"] is True


def test_stream_grammar_reasoning_text_tool(responses):
    """A reasoning item with two summary parts, a message and a function call, as raw Anthropic events."""
    client, upstream, proxy = responses
    items = [reasoning_item(["**Plan**", "Read the file."], ENCRYPTED), message_item("Reading."),
             function_call_item("call_Zz9", "Read", {"path": "/tmp/a.txt"})]
    upstream.enqueue(stream_reply(items, usage=usage(300, 40, reasoning=16)))
    r = post_raw(proxy.url, {"model": CLIENT_MODEL, "max_tokens": 4000, "stream": True, "tools": [READ],
                             "thinking": {"type": "enabled", "budget_tokens": 2000}, "messages": ASK})
    assert r.status == 200 and check_grammar(r.events) == []
    events = [d for _, d in r.events if d["type"] != "ping"]
    blocks = [d["content_block"] for d in events if d["type"] == "content_block_start"]
    assert [b["type"] for b in blocks] == ["thinking", "text", "tool_use"]
    assert (blocks[2]["id"], blocks[2]["name"], blocks[2]["input"]) == ("call_Zz9", "Read", {})
    deltas = [d["delta"] for d in events if d["type"] == "content_block_delta" and d["index"] == 0]
    assert "".join(d.get("thinking", "") for d in deltas) == "**Plan**\n\nRead the file."
    assert deltas[-1]["type"] == "signature_delta" and [d["type"] for d in deltas].count("signature_delta") == 1
    assert ENCRYPTED in unpack(deltas[-1]["signature"]).values(), "the whole content, from output_item.done"
    assert json.loads(tool_inputs(r.events)[2]) == {"path": "/tmp/a.txt"}
    end = next(d for d in events if d["type"] == "message_delta")
    assert end["delta"]["stop_reason"] == "tool_use" and end["usage"]["output_tokens"] == 40
    assert events[0]["message"]["model"] == CLIENT_MODEL


def test_tool_call_in_fragments_then_result(responses):
    client, upstream, _ = responses
    args = {"path": "/work/notes/todo.md", "limit": 40}
    upstream.enqueue(
        stream_reply([message_item("I'll read it."), function_call_item("call_Rd1", "Read", args)], fragments=6,
                     usage=usage(400, 30)),
        stream_reply([message_item("It lists three tasks.")], usage=usage(480, 8)),
    )
    first = [{"role": "user", "content": "What's in todo.md?"}]
    with client.messages.stream(model=CLIENT_MODEL, max_tokens=1000, tools=[READ], messages=first) as s:
        final = s.get_final_message()
    assert [b.type for b in final.content] == ["text", "tool_use"]
    assert (final.content[1].id, final.content[1].name, final.content[1].input) == ("call_Rd1", "Read", args)
    assert final.stop_reason == "tool_use"
    turn2 = first + [{"role": "assistant", "content": history(final)},
                     {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_Rd1",
                                                   "content": "1. a\n2. b\n3. c"}]}]
    with client.messages.stream(model=CLIENT_MODEL, max_tokens=1000, tools=[READ], messages=turn2) as s:
        answer = s.get_final_message()
    assert answer.content[0].text == "It lists three tasks." and answer.stop_reason == "end_turn"
    items = sent(upstream)[1].body["input"]
    assert parsed(items) == [user(text_part("What's in todo.md?")), assistant_text("I'll read it."),
                             call("call_Rd1", "Read", args), output("call_Rd1", "1. a\n2. b\n3. c")]
    assert "id" not in items[2], "a function_call sent with an id needs its reasoning item (docs §2.3)"


def test_parallel_tool_calls(responses):
    client, upstream, _ = responses
    calls = [("call_P1", "Read", {"path": "a.txt"}), ("call_P2", "Read", {"path": "b.txt"}),
             ("call_P3", "Read", {"path": "c.txt"})]
    upstream.enqueue(
        stream_reply([function_call_item(c, n, a, id=f"fc_{i}") for i, (c, n, a) in enumerate(calls)], fragments=3,
                     usage=usage(200, 60)),
        json_reply([message_item("Two read, one missing.")], usage=usage(300, 6)),
    )
    with client.messages.stream(model=CLIENT_MODEL, max_tokens=1000, tools=[READ], messages=ASK) as s:
        final = s.get_final_message()
    assert [(b.id, b.name, b.input) for b in final.content] == calls
    assert final.stop_reason == "tool_use"
    results = [{"type": "tool_result", "tool_use_id": "call_P1", "content": "A"},
               {"type": "tool_result", "tool_use_id": "call_P2", "content": "missing", "is_error": True},
               {"type": "tool_result", "tool_use_id": "call_P3", "content": [{"type": "text", "text": "C"}]}]
    client.messages.create(model=CLIENT_MODEL, max_tokens=1000, tools=[READ], messages=ASK + [
        {"role": "assistant", "content": history(final)}, {"role": "user", "content": results}])
    assert parsed(sent(upstream)[1].body["input"]) == [
        user(text_part("hello")), *(call(*c) for c in calls),
        output("call_P1", "A"), output("call_P2", "Error: missing"), output("call_P3", "C")]


def test_reasoning_round_trip(responses):
    """Turn 1 streams a reasoning item before a function call; turn 2 sends the thinking block back, and its
    encrypted content goes upstream as a reasoning item right before the function call it preceded."""
    client, upstream, _ = responses
    summary = ["**Locating the config**", "It should be in the repo root."]
    upstream.enqueue(
        stream_reply([reasoning_item(summary, ENCRYPTED), function_call_item("call_T1", "Read", {"path": "c.yaml"})],
                     usage=usage(500, 90, reasoning=64)),
        stream_reply([reasoning_item(["Done."], ENCRYPTED + "2", id="rs_2"), message_item("Found it.")],
                     usage=usage(600, 20)),
    )
    think = {"type": "enabled", "budget_tokens": 8000}
    first = [{"role": "user", "content": "Find the config."}]
    with client.messages.stream(model=CLIENT_MODEL, max_tokens=16000, thinking=think, tools=[READ],
                                messages=first) as s:
        final = s.get_final_message()
    assert [b.type for b in final.content] == ["thinking", "tool_use"]
    assert final.content[0].thinking == "\n\n".join(summary)
    turn2 = first + [{"role": "assistant", "content": history(final)},
                     {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_T1", "content": "k: v"}]}]
    with client.messages.stream(model=CLIENT_MODEL, max_tokens=16000, thinking=think, tools=[READ],
                                messages=turn2) as s:
        answer = s.get_final_message()
    assert [b.type for b in answer.content] == ["thinking", "text"]
    body = sent(upstream)[1].body
    assert parsed(body["input"]) == [
        user(text_part("Find the config.")),
        {"type": "reasoning", "summary": [{"type": "summary_text", "text": "\n\n".join(summary)}],
         "encrypted_content": ENCRYPTED},
        call("call_T1", "Read", {"path": "c.yaml"}),
        output("call_T1", "k: v"),
    ]
    assert body["include"] == ["reasoning.encrypted_content"] and body["store"] is False


def test_reasoning_without_summary_round_trip(responses):
    """OpenAI often sends a reasoning item with an empty summary: the thinking block is empty but signed, and
    the item goes back with no summary and the same encrypted content."""
    client, upstream, _ = responses
    items = [reasoning_item([], ENCRYPTED), message_item("Four.")]
    upstream.enqueue(stream_reply(items, usage=usage(50, 30, reasoning=28)),
                     json_reply([message_item("Five.")], usage=usage(70, 2)))
    think = {"type": "enabled", "budget_tokens": 2000}
    with client.messages.stream(model=CLIENT_MODEL, max_tokens=4000, thinking=think, messages=ASK) as s:
        final = s.get_final_message()
    assert [(b.type, getattr(b, "thinking", None)) for b in final.content] == [("thinking", ""), ("text", None)]
    assert ENCRYPTED in unpack(final.content[0].signature).values()
    client.messages.create(model=CLIENT_MODEL, max_tokens=4000, thinking=think, messages=ASK + [
        {"role": "assistant", "content": history(final)}, {"role": "user", "content": "And plus one?"}])
    assert sent(upstream)[1].body["input"] == [
        user(text_part("hello")), {"type": "reasoning", "summary": [], "encrypted_content": ENCRYPTED},
        assistant_text("Four."), user(text_part("And plus one?"))]


def test_thinking_from_elsewhere_is_dropped(responses):
    """Only the proxy's own reasoning for the same upstream model is replayed: a thinking block signed by
    Anthropic, or one the proxy made for another model (the *opus* route's), is left out."""
    client, upstream, _ = responses
    upstream.respond_with(lambda rec: json_reply(
        [reasoning_item(["Hmm."], ENCRYPTED), message_item("Earlier answer.")], usage=usage(50, 10),
        model=rec.body["model"]))
    think = {"type": "enabled", "budget_tokens": 2000}
    other = client.messages.create(model="claude-opus-4-5", max_tokens=4000, thinking=think, messages=ASK)
    assert sent(upstream)[0].body["model"] == OTHER_REASONING_MODEL
    for thinking in ({"type": "thinking", "thinking": "Hmm.", "signature": "EqQBCgIYAhIMnativeAnthropicSig"},
                     history(other)[0]):
        client.messages.create(model=CLIENT_MODEL, max_tokens=4000, thinking=think, messages=ASK + [
            {"role": "assistant", "content": [thinking, {"type": "text", "text": "Earlier answer."}]},
            {"role": "user", "content": "Go on."}])
        assert sent(upstream)[-1].body["input"] == [
            user(text_part("hello")), assistant_text("Earlier answer."), user(text_part("Go on."))]
    # the same block is replayed on its own model's route
    client.messages.create(model="claude-opus-4-5", max_tokens=4000, thinking=think, messages=ASK + [
        {"role": "assistant", "content": history(other)}, {"role": "user", "content": "Go on."}])
    assert sent(upstream)[-1].body["input"][1] == {
        "type": "reasoning", "summary": [{"type": "summary_text", "text": "Hmm."}], "encrypted_content": ENCRYPTED}


# ------------------------------------------------------------------------------------------------- stops and errors


@pytest.mark.parametrize("reason,stop", [("max_output_tokens", "max_tokens"), ("content_filter", "refusal")])
def test_incomplete_non_stream(responses, reason, stop):
    client, upstream, _ = responses
    upstream.enqueue(json_reply([message_item("The answer was cut")], status="incomplete", incomplete_reason=reason,
                                usage=usage(100, 16)))
    result = client.messages.create(model=CLIENT_MODEL, max_tokens=16, messages=ASK)
    assert result.stop_reason == stop
    assert result.content[0].text == "The answer was cut" and result.usage.output_tokens == 16


@pytest.mark.parametrize("reason,stop", [("max_output_tokens", "max_tokens"), ("content_filter", "refusal")])
def test_incomplete_stream(responses, reason, stop):
    client, upstream, _ = responses
    item = {**message_item("The answer was cut"), "status": "incomplete"}
    upstream.enqueue(SSEReply(sse(start() + item_events(0, item) + [incomplete([item], usage(100, 16), reason)]),
                              done=False))
    with client.messages.stream(model=CLIENT_MODEL, max_tokens=16, messages=ASK) as s:
        final = s.get_final_message()
    assert final.stop_reason == stop and final.content[0].text == "The answer was cut"
    assert final.usage.output_tokens == 16


def partial_text(text: str) -> list[dict]:
    """A message item opened and one text delta sent, nothing finished."""
    item = message_item(text)
    return item_events(0, item, fragments=1)[:3]


BROKEN_STREAMS = {  # events after some text, the message the client's error must carry
    "response.failed": (start() + partial_text("partial ") + [failed("server_error", "The model crashed")],
                        "The model crashed"),
    "error event": (start() + partial_text("partial ") + [error_event("The model crashed", "server_error")],
                    "The model crashed"),
    "no terminal event": (start() + partial_text("partial "), ""),
}


@pytest.mark.parametrize("events,message", BROKEN_STREAMS.values(), ids=BROKEN_STREAMS.keys())
def test_broken_stream_is_an_error_event(responses, events, message):
    client, upstream, proxy = responses
    upstream.enqueue(SSEReply(sse(events), done=False), SSEReply(sse(events), done=False))
    texts = []
    with pytest.raises(anthropic.APIStatusError) as e:
        with client.messages.stream(model=CLIENT_MODEL, max_tokens=100, messages=ASK) as s:
            for t in s.text_stream:
                texts.append(t)
            s.get_final_message()
    assert "".join(texts) == "partial "
    assert e.value.body["type"] == "error" and e.value.body["error"]["type"] in {"api_error", "overloaded_error"}
    assert message in e.value.body["error"]["message"]
    r = post_raw(proxy.url, {"model": CLIENT_MODEL, "max_tokens": 100, "stream": True, "messages": ASK})
    assert r.status == 200 and check_grammar(r.events, allow_error=True) == []
    types = [d["type"] for _, d in r.events]
    assert types[-1] == "error" and "message_stop" not in types and "message_delta" not in types, types


def test_nested_error_event(responses):
    """The `error` event as some servers nest it (docs/responses-api.md §4.2; the SDK's model is flat, so this
    one is written by hand): its message and type still reach the client."""
    client, upstream, _ = responses
    nested = {"type": "error", "sequence_number": 4,
              "error": {"type": "invalid_request_error", "code": "context_length_exceeded", "param": "input",
                        "message": "Your input exceeds the context window of this model."}}
    upstream.enqueue(SSEReply(sse(start() + partial_text("partial ")) + [
        f"event: error\ndata: {json.dumps(nested)}\n\n".encode()], done=False))
    with pytest.raises(anthropic.APIStatusError) as e:
        with client.messages.stream(model=CLIENT_MODEL, max_tokens=100, messages=ASK) as s:
            s.get_final_message()
    assert e.value.body["error"]["type"] == "invalid_request_error"
    assert "exceeds the context window" in e.value.body["error"]["message"]


def test_stray_done_line_is_ignored(responses):
    """A `data: [DONE]` after response.completed (compatible servers send one) changes nothing."""
    client, upstream, _ = responses
    upstream.enqueue(SSEReply(stream([message_item("Fine.")], usage=usage(10, 2)), done=True))
    with client.messages.stream(model=CLIENT_MODEL, max_tokens=100, messages=ASK) as s:
        final = s.get_final_message()
    assert final.content[0].text == "Fine." and final.stop_reason == "end_turn"


def test_context_overflow_in_stream(responses):
    """An `error` event saying the input is too long, before any content: the client's error event says
    `prompt is too long`, the sentence Claude Code compacts on."""
    client, upstream, _ = responses
    upstream.enqueue(SSEReply(sse(start() + [error_event("Your input exceeds the context window of this model.",
                                                         "context_length_exceeded", "input")]), done=False))
    with pytest.raises(anthropic.APIStatusError) as e:
        with client.messages.stream(model=CLIENT_MODEL, max_tokens=100, messages=ASK) as s:
            s.get_final_message()
    assert e.value.body["error"]["type"] == "invalid_request_error"
    assert e.value.body["error"]["message"].startswith("prompt is too long"), e.value.body


def test_rate_limit(responses):
    client, upstream, _ = responses
    upstream.enqueue(openai_error(429, "Rate limit reached for gpt-5-codex", "requests", "rate_limit_exceeded",
                                  headers={"retry-after": "600"}))
    with pytest.raises(anthropic.RateLimitError) as e:
        client.messages.create(model=CLIENT_MODEL, max_tokens=100, messages=ASK)
    assert e.value.body["error"]["type"] == "rate_limit_error"
    assert "Rate limit reached" in e.value.body["error"]["message"]
    assert e.value.response.headers.get("retry-after") == "60", "capped"


@pytest.mark.parametrize("streamed", [False, True], ids=["create", "stream"])
def test_context_overflow(responses, streamed):
    client, upstream, _ = responses
    upstream.enqueue(openai_error(400, "Your input exceeds the context window of this model. Please adjust your "
                                       "input and try again.", "invalid_request_error", "context_length_exceeded"))
    with pytest.raises(anthropic.BadRequestError) as e:
        if streamed:
            with client.messages.stream(model=CLIENT_MODEL, max_tokens=100, messages=ASK) as s:
                s.get_final_message()
        else:
            client.messages.create(model=CLIENT_MODEL, max_tokens=100, messages=ASK)
    assert e.value.body["error"]["type"] == "invalid_request_error"
    assert e.value.body["error"]["message"].startswith("prompt is too long"), e.value.body


# ------------------------------------------------------------------------------------------------- Azure


@pytest.mark.parametrize("version,path", [
    (None, "/openai/v1/responses"),
    ("2025-04-01-preview", "/openai/responses?api-version=2025-04-01-preview"),
], ids=["v1", "api_version"])
def test_azure_responses(make_upstream, make_proxy, tmp_path, version, path):
    upstream = make_upstream("azure")
    extra = f", api_version: {version}" if version else ""
    provider = (f"  resp: {{ type: azure-responses, base_url: {upstream.root}, api_key: az-key-123{extra} }}")
    proxy = make_proxy(base_env(), ["--config", config(tmp_path, provider)], workdir=str(tmp_path))
    upstream.enqueue(json_reply([message_item("From Azure.")], usage=usage(20, 3)),
                     stream_reply([message_item("Streamed from Azure.")], usage=usage(20, 4)))
    with anthropic.Anthropic(base_url=proxy.url, api_key="e2e-client-key", max_retries=0, timeout=30.0) as client:
        result = client.messages.create(model=CLIENT_MODEL, max_tokens=100, messages=ASK)
        with client.messages.stream(model=CLIENT_MODEL, max_tokens=100, messages=ASK) as s:
            final = s.get_final_message()
    assert result.content[0].text == "From Azure." and final.content[0].text == "Streamed from Azure."
    assert len(upstream.requests) == 2
    for req in upstream.requests:
        assert req.method == "POST" and req.path == path
        assert req.headers.get("api-key") == "az-key-123" and "authorization" not in req.headers
        assert req.body["model"] == MODEL and req.body["store"] is False


def test_count_tokens_is_the_upstreams(responses):
    """count_tokens goes to `/responses/input_tokens` with the translated body and the route's model; the
    client gets the upstream's count."""
    client, upstream, _ = responses
    upstream.enqueue(input_token_count(3210))
    raw = client.messages.with_raw_response.count_tokens(
        model=CLIENT_MODEL, system="You are terse.", tools=[READ], messages=ASK)
    assert raw.parse().input_tokens == 3210
    assert raw.headers["x-proxy-token-count"] == "upstream"
    (sent,) = upstream.requests
    assert sent.path == "/v1/responses/input_tokens"
    assert sent.headers["authorization"] == f"Bearer {KEY}"
    assert sent.body["model"] == MODEL and sent.body["instructions"] == "You are terse."
    assert sent.body["tools"] == [READ_FUNCTION]
    assert not {"stream", "store", "max_output_tokens", "include"} & set(sent.body), sorted(sent.body)

