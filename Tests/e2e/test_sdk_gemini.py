"""The anthropic SDK through `type: gemini`: the proxy in front of a mock speaking Google's Gemini API
(gemini_upstream.py: every body it receives and every answer it sends checked against the `google-genai`
package's models, thought signatures checked as Gemini 3 checks them). The request becomes
`systemInstruction` + `contents` + `tools` + `toolConfig` + `generationConfig` at
`/v1beta/models/{model}:generateContent` (`:streamGenerateContent?alt=sse` for streams, `:countTokens` for
counts); the answer's parts become blocks; each thought signature goes back on the part it came on, through
tool loops created and streamed; Google's errors become the SDK's typed errors."""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.request

import anthropic
import pytest
from pydantic import BaseModel

from gemini_upstream import (
    DUMMY_SIGNATURE, KEY, MODEL, GeminiUpstream, InvalidRequest, Step, api_key_invalid, call, check_count_request,
    check_request, count_tokens, current_turn, new_signature, rate_limited, response, sse, stream_chunks, text,
    thought, too_many_tokens, unavailable, usage, validate_response,
)
from harness import base_env
from mock_upstream import MockUpstream
from sse import check_grammar, post_raw, tool_inputs

pytestmark = pytest.mark.timeout(60)

CLIENT_MODEL = "claude-sonnet-4-5"  # routed to gemini-3-pro-preview (thinks by level)
FLASH_CLIENT_MODEL = "claude-haiku-4-5"  # routed to gemini-2.5-flash (thinks by budget)
FLASH = "gemini-2.5-flash"
PNG = base64.b64encode(bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082")).decode()
READ = {"name": "Read", "description": "Read a file",
        "input_schema": {"$schema": "http://json-schema.org/draft-07/schema#", "type": "object",
                         "properties": {"path": {"type": "string"}}, "required": ["path"],
                         "additionalProperties": False}}
READ_DECLARATION = {"name": "Read", "description": "Read a file",
                    "parameters": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}}
ASK = [{"role": "user", "content": "What is in a.txt?"}]


def write_config(tmp_path, gemini_url: str) -> str:
    path = tmp_path / "config.yaml"
    path.write_text(f"""\
server: {{ host: 127.0.0.1, port: 0, log_level: debug }}
providers:
  g: {{ type: gemini, base_url: {gemini_url}, api_key: {KEY} }}
models:
  - {{ match: "*haiku*", provider: g, model: {FLASH} }}
  - {{ match: "*", provider: g, model: {MODEL} }}
""")
    return str(path)


@pytest.fixture
def gemini(make_upstream, make_proxy, tmp_path):
    """(client, gemini mock, proxy). Every request the proxy sent must have been valid Gemini, and accepted."""
    gem = GeminiUpstream(make_upstream("gemini"))
    proxy = make_proxy(base_env(), ["--config", write_config(tmp_path, gem.url)], workdir=str(tmp_path))
    client = anthropic.Anthropic(base_url=proxy.url, api_key="e2e-client-key", max_retries=0, timeout=30.0)
    yield client, gem, proxy
    client.close()
    gem.mock.wait_idle(timeout=15)
    assert not gem.mock.errors, f"mock script errors: {gem.mock.errors}"
    assert not gem.invalid, f"the proxy sent bodies Gemini would refuse: {gem.invalid}"
    assert not gem.refusals, f"the mock refused requests: {gem.refusals}"


def ask(client, stream: bool, **params):
    """One request, created or streamed; the message as the SDK built it."""
    if stream:
        with client.messages.stream(**params) as s:
            return s.get_final_message()
    return client.messages.create(**params)


def history(message) -> dict:
    """An answer as the client sends it back: the assistant turn, its content exactly as received."""
    return {"role": "assistant", "content": [b.model_dump(exclude_none=True) for b in message.content]}


def results(*pairs: tuple[str, str]) -> dict:
    return {"role": "user", "content": [{"type": "tool_result", "tool_use_id": i, "content": c} for i, c in pairs]}


def unpack(signature: str) -> dict:
    """The JSON object a proxy-made signature carries (`ccp1.` + base64url)."""
    assert signature.startswith("ccp1."), signature
    packed = signature[len("ccp1."):]
    return json.loads(base64.urlsafe_b64decode(packed + "=" * (-len(packed) % 4)))


def user(*parts: dict) -> dict:
    return {"role": "user", "parts": list(parts)}


def model(*parts: dict) -> dict:
    return {"role": "model", "parts": list(parts)}


def answered(name: str, output: str, error: bool = False) -> dict:
    return {"functionResponse": {"name": name, "response": {"error" if error else "output": output}}}


# ------------------------------------------------------------------------------------------------- the mock itself


def test_answers_are_checked_against_google_genai():
    """The builders' checker is strict: an unknown field, a snake_case name, a bad signature, a wrong type."""
    good = response([text("Hi.")], usage=usage(3, 1))
    assert validate_response(good) == good
    bad_answers = [
        {**good, "colour": "red"},
        {**good, "candidates": [{**good["candidates"][0], "safety": []}]},
        {**{k: v for k, v in good.items() if k != "usageMetadata"}, "usage_metadata": good["usageMetadata"]},
        {**good, "candidates": [{**good["candidates"][0], "content": {"role": "model", "parts": [
            {"text": "x", "thoughtSignature": "not base64!"}]}}]},
        {**good, "usageMetadata": {"promptTokenCount": "3"}},
        {**good, "sdkHttpResponse": {"headers": {}}},
    ]
    for bad in bad_answers:
        with pytest.raises(ValueError):
            validate_response(bad)
    assert count_tokens(7).body == {"totalTokens": 7}


@pytest.mark.filterwarnings("ignore:.* is not a valid :UserWarning")  # the package's, on the bad enum value
def test_requests_are_checked_against_google_genai():
    """What the mock takes as a generateContent body, and what it refuses as Gemini would."""
    q = user(text("hi"))
    ok = {"systemInstruction": {"parts": [{"text": "Be terse."}]}, "contents": [q],
          "tools": [{"functionDeclarations": [READ_DECLARATION, {"name": "Now"}]}],
          "toolConfig": {"functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["Read"]}},
          "generationConfig": {"maxOutputTokens": 100, "temperature": 0.5, "topK": 3,
                               "thinkingConfig": {"includeThoughts": True, "thinkingLevel": "low"}}}
    check_request(ok, MODEL)
    check_count_request({"generateContentRequest": {"model": f"models/{MODEL}", "contents": [q]}}, MODEL)
    schema = READ_DECLARATION["parameters"]
    bad_bodies = [
        {**ok, "contents": []},
        {**ok, "model": MODEL},  # the model is in the URL
        {**ok, "generationConfig": {"max_output_tokens": 100}},  # wire names only
        {**ok, "generationConfig": {"maxOutputTokens": "100"}},
        {**ok, "generationConfig": {"thinkingConfig": {"thinkingLevel": "low", "thinkingBudget": 10}}},
        {**ok, "contents": [{"role": "assistant", "parts": [{"text": "hi"}]}]},
        {**ok, "contents": [user({"text": "hi", "colour": 1})]},
        {**ok, "contents": [user({"text": "hi", "inlineData": {"mimeType": "image/png", "data": PNG}})]},
        {**ok, "contents": [user({"inlineData": {"mimeType": "image/png", "data": "@@@"}})]},
        {**ok, "contents": [user()]},
        {**ok, "contents": [user(text(""))]},
        {**ok, "contents": [q, model(call("Read", {})), user(answered("Read", "a"), answered("Read", "b"))]},
        {**ok, "contents": [q, user(answered("Read", "a"))]},
        {**ok, "tools": [{"functionDeclarations": [{"name": "Read", "parameters": {**schema, "$schema": "x"}}]}]},
        {**ok, "tools": [{"functionDeclarations": [{"name": "Read",
                                                    "parameters": {**schema, "additionalProperties": False}}]}]},
        {**ok, "tools": [{"functionDeclarations": [{"name": "Now", "parameters": {"type": "object",
                                                                                  "properties": {}}}]}]},
        {**ok, "tools": [{"functionDeclarations": [{"name": "Read", "parameters": {**schema, "required": ["p"]}}]}]},
        {**ok, "tools": [{"function_declarations": [READ_DECLARATION]}]},
        {**ok, "toolConfig": {"functionCallingConfig": {"mode": "SOMETIMES"}}},
        {**ok, "systemInstruction": {"parts": [{"inlineData": {"mimeType": "image/png", "data": PNG}}]}},
    ]
    for bad in bad_bodies:
        with pytest.raises(InvalidRequest):
            check_request(bad, MODEL)
    with pytest.raises(InvalidRequest):  # a level on a model that thinks by budget
        check_request(ok, FLASH)
    with pytest.raises(InvalidRequest):
        check_count_request({"contents": [q]}, MODEL)


def test_mock_checks_signatures_as_gemini_3():
    """The mock refuses what Gemini 3 refuses: a current-turn call step whose first call lacks its signature,
    a signature it never issued, one moved to another part; it takes the dummy, and older turns unchecked."""
    gem = GeminiUpstream(MockUpstream("unit"))
    parts = gem.sign(Step([text("Reading both."), call("Read", {"path": "a.txt"}), call("Read", {"path": "b.txt"})]))
    signature = parts[1]["thoughtSignature"]
    assert "thoughtSignature" not in parts[0] and "thoughtSignature" not in parts[2], "only the first call"
    q, responses = user(text("Read them.")), user(answered("Read", "A"), answered("Read", "B"))

    def refusal(*calls: dict, before: tuple = (q,), after: tuple = (responses,)):
        reply = gem.signature_refusal([*before, model(*calls), *after])
        return None if reply is None else (reply.status, reply.body["error"])

    assert refusal(*parts) is None
    assert refusal(call("Read", {"path": "a.txt"}, DUMMY_SIGNATURE), parts[2]) is None
    status, error = refusal(call("Read", {"path": "a.txt"}), parts[2])
    assert status == 400 and error["status"] == "INVALID_ARGUMENT"
    assert error["message"].startswith("Function call is missing a thought_signature in functionCall parts.")
    assert "`default_api:Read`" in error["message"]
    assert refusal(call("Read", {"path": "a.txt"}), call("Read", {"path": "b.txt"}, signature))[0] == 400
    assert refusal(call("Read", {"path": "c.txt"}, signature), parts[2])[0] == 400, "another call's signature"
    assert refusal(text("Reading both.", signature), call("Read", {"path": "a.txt"}, DUMMY_SIGNATURE),
                   parts[2])[0] == 400, "a call's signature on a text part"
    assert refusal(call("Read", {"path": "a.txt"}, new_signature()), parts[2])[0] == 400, "never issued"
    # a call step of an earlier turn is not checked (a user text came after it) — unless it carries a bad one
    assert refusal(call("Read", {"path": "a.txt"}), parts[2], after=(responses, user(text("Thanks.")))) is None
    assert current_turn([q, model(*parts), responses]) == 1
    assert current_turn([q, model(*parts), responses, model(text("ok")), user(text("more"))]) == 5


def test_mock_refuses_over_http(make_upstream):
    """Through its HTTP front: a missing signature and a bad body are 400s, recorded as refusals."""
    gem = GeminiUpstream(make_upstream("gemini-direct"))
    url = f"{gem.url}/v1beta/models/{MODEL}:generateContent"

    def post(body: dict, key: str = KEY) -> tuple[int, dict]:
        req = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"content-type": "application/json", "x-goog-api-key": key})
        try:
            with urllib.request.urlopen(req, timeout=10) as r:
                return r.status, json.loads(r.read())
        except urllib.error.HTTPError as e:
            return e.code, json.loads(e.read())

    status, body = post({"contents": [user(text("hi"))]})
    assert status == 200 and body["candidates"][0]["content"]["parts"][0]["text"] == "ok"
    unsigned = {"contents": [user(text("hi")), model(call("Read", {"path": "a"})), user(answered("Read", "x"))]}
    status, body = post(unsigned)
    assert status == 400 and "missing a thought_signature" in body["error"]["message"]
    status, body = post({"contents": [user(text("hi"))], "generation_config": {}})
    assert status == 400 and body["error"]["status"] == "INVALID_ARGUMENT"
    status, body = post({"contents": [user(text("hi"))]}, key="wrong")
    assert status == 400 and body["error"]["details"][0]["reason"] == "API_KEY_INVALID"
    assert len(gem.refusals) == 2 and len(gem.invalid) == 1


# ------------------------------------------------------------------------------------------------- requests


def test_request_translation(gemini):
    client, gem, _ = gemini
    gem.enqueue_step(Step([text("Done.")], usage=usage(40, 2)))
    tools = [READ,
             {"name": "Now", "description": "The time", "input_schema": {"type": "object", "properties": {}}},
             {"name": "Grep", "input_schema": {
                 "type": "object", "additionalProperties": False, "required": ["pattern"],
                 "properties": {"pattern": {"type": "string"}, "limit": {"type": "integer", "exclusiveMinimum": 0},
                                "mode": {"const": "fast"}, "tag": {"type": ["string", "null"]}}}}]
    result = client.messages.create(
        model=CLIENT_MODEL, max_tokens=1000, system="You are terse.", tools=tools, tool_choice={"type": "auto"},
        extra_body={"temperature": 0.5, "top_p": 0.9, "top_k": 40, "stop_sequences": ["END"]},
        messages=[
            {"role": "user", "content": [
                {"type": "text", "text": "Look at this."},
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": PNG}}]},
            {"role": "assistant", "content": [
                {"type": "text", "text": "I'll read it."},
                {"type": "tool_use", "id": "toolu_01", "name": "Read", "input": {"path": "a.txt"}}]},
            {"role": "user", "content": [
                {"type": "text", "text": "And then b.txt."},
                {"type": "tool_result", "tool_use_id": "toolu_01", "is_error": True, "content": "No such file"}]},
        ])
    assert result.content[0].text == "Done." and result.model == CLIENT_MODEL
    (sent,) = gem.calls()
    assert sent.path == f"/v1beta/models/{MODEL}:generateContent"
    assert sent.headers["x-goog-api-key"] == KEY and "authorization" not in sent.headers
    body = sent.body
    assert body["systemInstruction"] == {"parts": [{"text": "You are terse."}]}
    assert body["contents"] == [
        user(text("Look at this."), {"inlineData": {"mimeType": "image/png", "data": PNG}}),
        # a call of an earlier turn (a user text came after it) goes without a signature
        model(text("I'll read it."), call("Read", {"path": "a.txt"})),
        user(answered("Read", "No such file", error=True), text("And then b.txt.")),  # the response first
    ]
    (declarations,) = [t["functionDeclarations"] for t in body["tools"]]
    assert declarations[0] == READ_DECLARATION
    assert declarations[1] == {"name": "Now", "description": "The time"}, "no parameters for a tool without any"
    grep = declarations[2]["parameters"]
    assert grep["required"] == ["pattern"] and grep["properties"]["tag"] == {"type": "string", "nullable": True}
    assert grep["properties"]["limit"] == {"type": "integer"}
    assert body["toolConfig"] == {"functionCallingConfig": {"mode": "AUTO"}}
    assert body["generationConfig"] == {"maxOutputTokens": 1000, "temperature": 0.5, "topP": 0.9, "topK": 40,
                                        "stopSequences": ["END"]}


@pytest.mark.parametrize("choice,expected", [
    ({"type": "any"}, {"mode": "ANY"}),
    ({"type": "tool", "name": "Read"}, {"mode": "ANY", "allowedFunctionNames": ["Read"]}),
    ({"type": "none"}, {"mode": "NONE"}),
], ids=["any", "tool", "none"])
def test_tool_choice(gemini, choice, expected):
    client, gem, _ = gemini
    gem.enqueue_step(Step([text("ok")]))
    client.messages.create(model=CLIENT_MODEL, max_tokens=100, tools=[READ], tool_choice=choice, messages=ASK)
    assert gem.calls()[0].body["toolConfig"] == {"functionCallingConfig": expected}


@pytest.mark.parametrize("client_model,budget,config", [
    (FLASH_CLIENT_MODEL, 3000, {"includeThoughts": True, "thinkingBudget": 3000}),
    (CLIENT_MODEL, 1024, {"includeThoughts": True, "thinkingLevel": "low"}),
    (CLIENT_MODEL, 2048, {"includeThoughts": True, "thinkingLevel": "low"}),
    (CLIENT_MODEL, 2049, {"includeThoughts": True, "thinkingLevel": "high"}),
    (CLIENT_MODEL, None, None),
], ids=["2.5-budget", "3-1024-low", "3-2048-low", "3-2049-high", "3-no-thinking"])
def test_thinking_config(gemini, client_model, budget, config):
    client, gem, _ = gemini
    gem.enqueue_step(Step([text("ok")]))
    extra = {"thinking": {"type": "enabled", "budget_tokens": budget}} if budget else {}
    client.messages.create(model=client_model, max_tokens=8000, messages=ASK, **extra)
    (sent,) = gem.calls()
    assert sent.model == (FLASH if client_model == FLASH_CLIENT_MODEL else MODEL)
    generation = sent.body["generationConfig"]
    assert generation["maxOutputTokens"] == 8000
    assert generation.get("thinkingConfig") == config


class Person(BaseModel):
    name: str
    born: int


def test_structured_output(gemini):
    """A schema in `output_config.format` (what `messages.parse` sends) asks Gemini for JSON in that schema."""
    client, gem, _ = gemini
    gem.enqueue_step(Step([text('{"name": "Ada Lovelace", "born": 1815}')]))
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "born": {"type": "integer"}},
              "required": ["name", "born"], "additionalProperties": False}
    msg = client.messages.create(model=CLIENT_MODEL, max_tokens=300, messages=ASK,
                                 output_config={"format": {"type": "json_schema", "schema": schema}})
    assert json.loads(msg.content[0].text) == {"name": "Ada Lovelace", "born": 1815}
    generation = gem.calls()[0].body["generationConfig"]
    assert generation["responseMimeType"] == "application/json"
    assert generation["responseJsonSchema"] == schema
    gem.enqueue_step(Step([text('{"name": "Grace Hopper", "born": 1906}')]))
    parsed = client.messages.parse(model=CLIENT_MODEL, max_tokens=300, messages=ASK, output_format=Person)
    assert parsed.parsed_output == Person(name="Grace Hopper", born=1906)
    sent = gem.calls()[1].body["generationConfig"]["responseJsonSchema"]
    assert set(sent["properties"]) == {"name", "born"} and set(sent["required"]) == {"name", "born"}


# ------------------------------------------------------------------------------------------------- answers


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_answer_blocks_and_usage(gemini, stream):
    """Thoughts → a signed thinking block, text → text, a function call → tool_use; Gemini's usage in
    Anthropic's terms (cached tokens out of input_tokens, thoughts counted as output)."""
    client, gem, _ = gemini
    gem.enqueue_step(Step([thought("The file first."), text("Reading."), call("Read", {"path": "b.txt"})],
                          usage=usage(1200, 50, thoughts=20, cached=1000), sign_thoughts=True))
    msg = ask(client, stream, model=CLIENT_MODEL, max_tokens=4000, tools=[READ], messages=ASK,
              thinking={"type": "enabled", "budget_tokens": 1024})
    assert [b.type for b in msg.content] == ["thinking", "text", "tool_use"]
    thinking, said, tool = msg.content
    assert thinking.thinking == "The file first."
    packed = unpack(thinking.signature)
    assert packed["m"] == MODEL and gem.issued[packed["ec"]] == ("thought", "The file first.")
    assert said.text == "Reading."
    assert tool.id.startswith("toolu_") and (tool.name, tool.input) == ("Read", {"path": "b.txt"})
    assert msg.stop_reason == "tool_use" and msg.model == CLIENT_MODEL
    assert (msg.usage.input_tokens, msg.usage.cache_read_input_tokens, msg.usage.output_tokens) == (200, 1000, 70)
    assert gem.calls()[0].path.endswith(":streamGenerateContent?alt=sse" if stream else ":generateContent")


FINISHES = {  # finish reason, parts, the client's stop reason, its text
    "stop": ("STOP", [text("All done.")], "end_turn", "All done."),
    "max-tokens": ("MAX_TOKENS", [text("The answer was cu")], "max_tokens", "The answer was cu"),
    "safety": ("SAFETY", [], "refusal", None),
}


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
@pytest.mark.parametrize("finish,parts,stop,said", FINISHES.values(), ids=FINISHES.keys())
def test_finish_reasons(gemini, stream, finish, parts, stop, said):
    client, gem, _ = gemini
    ratings = {"safetyRatings": [{"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "probability": "HIGH",
                                  "blocked": True}]} if finish == "SAFETY" else None
    gem.enqueue_step(Step(parts, finish=finish, usage=usage(30, 16), candidate_extra=ratings))
    msg = ask(client, stream, model=CLIENT_MODEL, max_tokens=16, messages=ASK)
    assert msg.stop_reason == stop
    texts = [b.text for b in msg.content if b.type == "text"]
    if said is not None:
        assert texts == [said]
    else:
        assert len(texts) == 1 and "SAFETY" in texts[0], msg.content


def test_stream_events(gemini):
    """A streamed thought, text in pieces and a call, as raw Anthropic events: well formed, in order."""
    client, gem, proxy = gemini
    gem.enqueue_step(Step([thought("Plan: read."), text("Reading it now."), call("Read", {"path": "/tmp/a.txt"})],
                          usage=usage(300, 40, thoughts=16), pieces=3))
    r = post_raw(proxy.url, {"model": CLIENT_MODEL, "max_tokens": 4000, "stream": True, "tools": [READ],
                             "thinking": {"type": "enabled", "budget_tokens": 1024}, "messages": ASK})
    assert r.status == 200 and check_grammar(r.events) == []
    events = [d for _, d in r.events if d["type"] != "ping"]
    blocks = [d["content_block"] for d in events if d["type"] == "content_block_start"]
    assert [b["type"] for b in blocks] == ["thinking", "text", "tool_use"]
    deltas = [d["delta"] for d in events if d["type"] == "content_block_delta"]
    assert "".join(d.get("thinking", "") for d in deltas) == "Plan: read."
    assert [d["text"] for d in deltas if d["type"] == "text_delta"] == ["Readi", "ng it", " now."]
    assert blocks[2]["name"] == "Read" and blocks[2]["id"].startswith("toolu_")
    assert json.loads(tool_inputs(r.events)[2]) == {"path": "/tmp/a.txt"}
    end = next(d for d in events if d["type"] == "message_delta")
    assert end["delta"]["stop_reason"] == "tool_use"
    assert (end["usage"]["input_tokens"], end["usage"]["output_tokens"]) == (300, 56)
    assert events[0]["message"]["model"] == CLIENT_MODEL
    (sent,) = gem.calls()
    assert sent.path == f"/v1beta/models/{MODEL}:streamGenerateContent?alt=sse"
    assert sent.headers["x-goog-api-key"] == KEY


# ------------------------------------------------------------------------------------------------- signatures


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_single_call_round_trip(gemini, stream):
    """ask → tool_use → the tool's result with the assistant turn as received: Gemini gets its signature back
    on the call it signed."""
    client, gem, _ = gemini
    gem.enqueue_step(Step([text("I'll read it."), call("Read", {"path": "a.txt"})], usage=usage(100, 20)),
                     Step([text("It says hello.")], usage=usage(130, 5)))
    calling = ask(client, stream, model=CLIENT_MODEL, max_tokens=1000, tools=[READ], messages=ASK)
    assert [b.type for b in calling.content] == ["text", "tool_use"] and calling.stop_reason == "tool_use"
    tool = calling.content[1]
    assert tool.id.startswith("toolu_") and tool.input == {"path": "a.txt"}
    done = ask(client, stream, model=CLIENT_MODEL, max_tokens=1000, tools=[READ],
               messages=ASK + [history(calling), results((tool.id, "hello"))])
    assert done.content[0].text == "It says hello." and done.stop_reason == "end_turn"
    (signature,) = gem.issued_on("Read")
    assert gem.calls()[1].contents == [
        user(text(ASK[0]["content"])),
        model(text("I'll read it."), call("Read", {"path": "a.txt"}, signature)),
        user(answered("Read", "hello")),
    ]


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_parallel_calls_round_trip(gemini, stream):
    """Two calls in one answer, only the first signed: both go back, the signature on the first alone."""
    client, gem, _ = gemini
    gem.enqueue_step(Step([call("Read", {"path": "a.txt"}), call("Read", {"path": "b.txt"})]),
                     Step([text("A and B.")]))
    calling = ask(client, stream, model=CLIENT_MODEL, max_tokens=1000, tools=[READ], messages=ASK)
    a, b = calling.content
    assert (a.type, b.type) == ("tool_use", "tool_use") and a.id != b.id
    assert (a.input, b.input) == ({"path": "a.txt"}, {"path": "b.txt"})
    done = ask(client, stream, model=CLIENT_MODEL, max_tokens=1000, tools=[READ],
               messages=ASK + [history(calling), results((a.id, "A"), (b.id, "B"))])
    assert done.content[0].text == "A and B."
    (signature,) = gem.issued_on("Read")
    assert gem.calls()[1].contents[1:] == [
        model(call("Read", {"path": "a.txt"}, signature), call("Read", {"path": "b.txt"})),
        user(answered("Read", "A"), answered("Read", "B")),
    ]


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_multi_step_loop(gemini, stream):
    """Two call steps in one turn: on the third request both steps carry their own signatures."""
    client, gem, _ = gemini
    gem.enqueue_step(Step([call("Read", {"path": "a.txt"})]),
                     Step([thought("Now b."), call("Read", {"path": "b.txt"})]),
                     Step([text("Both read.")]))
    think = {"type": "enabled", "budget_tokens": 4096}
    messages = list(ASK)
    for step in range(2):
        calling = ask(client, stream, model=CLIENT_MODEL, max_tokens=8000, tools=[READ], thinking=think,
                      messages=messages)
        assert calling.stop_reason == "tool_use", (step, calling.content)
        tool = calling.content[-1]
        messages += [history(calling), results((tool.id, f"content {step}"))]
    done = ask(client, stream, model=CLIENT_MODEL, max_tokens=8000, tools=[READ], thinking=think, messages=messages)
    assert [b.text for b in done.content if b.type == "text"] == ["Both read."]
    first, second = gem.issued_on("Read")
    third = gem.calls()[2]
    assert third.body["generationConfig"]["thinkingConfig"] == {"includeThoughts": True, "thinkingLevel": "high"}
    calls = [(i, p) for i, c in enumerate(third.contents) for p in c["parts"] if "functionCall" in p]
    assert [(i, p["functionCall"]["args"], p.get("thoughtSignature")) for i, p in calls] == [
        (1, {"path": "a.txt"}, first), (3, {"path": "b.txt"}, second)]
    assert [c["role"] for c in third.contents] == ["user", "model", "user", "model", "user"]


SIGNED_THOUGHTS = {  # (stream, the streamed thought's signature on an empty thought part of its own)
    "json": (False, False), "stream": (True, False), "stream-signature-alone": (True, True)}


@pytest.mark.parametrize("stream,alone", SIGNED_THOUGHTS.values(), ids=SIGNED_THOUGHTS.keys())
def test_thought_signature_round_trip(gemini, stream, alone):
    """With thinking on, a thought's signature rides in its thinking block and goes back on the thought part
    of the next request. The signature on the answer's text is not kept (Gemini does not check it; it could
    only ride in a block after the text): the text goes back bare, and no block carries it."""
    client, gem, _ = gemini
    gem.enqueue_step(Step([thought("It is Paris."), text("Paris.")], sign_thoughts=True,
                          thought_signature_alone=alone), Step([text("Madrid.")]))
    think = {"type": "enabled", "budget_tokens": 1024}
    first = ask(client, stream, model=CLIENT_MODEL, max_tokens=4000, thinking=think,
                messages=[{"role": "user", "content": "Capital of France?"}])
    assert [(b.type, getattr(b, "thinking", getattr(b, "text", None))) for b in first.content] == [
        ("thinking", "It is Paris."), ("text", "Paris.")]
    issued = {kind: sig for sig, kind in gem.issued.items()}
    assert set(issued) == {("thought", "It is Paris."), ("text", "Paris.")}
    assert unpack(first.content[0].signature)["ec"] == issued[("thought", "It is Paris.")]
    ask(client, stream, model=CLIENT_MODEL, max_tokens=4000, thinking=think,
        messages=[{"role": "user", "content": "Capital of France?"}, history(first),
                  {"role": "user", "content": "And of Spain?"}])
    assert gem.calls()[1].contents[1] == model(thought("It is Paris.", issued[("thought", "It is Paris.")]),
                                               text("Paris."))


@pytest.mark.parametrize("stream", [False, True], ids=["json", "stream"])
def test_call_not_made_here_gets_the_dummy_signature(gemini, stream):
    """A current-turn call the proxy did not get from this model (a conversation from elsewhere) goes with
    `skip_thought_signature_validator`, which Gemini takes."""
    client, gem, _ = gemini
    gem.enqueue_step(Step([text("It says hello.")]))
    done = ask(client, stream, model=CLIENT_MODEL, max_tokens=1000, tools=[READ], messages=ASK + [
        {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_manual1", "name": "Read",
                                           "input": {"path": "a.txt"}}]},
        results(("toolu_manual1", "hello"))])
    assert done.content[0].text == "It says hello."
    assert gem.calls()[0].contents[1] == model(call("Read", {"path": "a.txt"}, DUMMY_SIGNATURE))


def test_call_made_by_another_model_gets_the_dummy_signature(gemini):
    """gemini-3's signed call answered on the gemini-2.5 route: that model cannot verify it, so it goes with
    the dummy; back on gemini-3 the real signature returns."""
    client, gem, _ = gemini
    gem.enqueue_step(Step([call("Read", {"path": "a.txt"})]), Step([text("From flash.")]), Step([text("From 3.")]))
    calling = client.messages.create(model=CLIENT_MODEL, max_tokens=1000, tools=[READ], messages=ASK)
    loop = ASK + [history(calling), results((calling.content[0].id, "hello"))]
    assert client.messages.create(model=FLASH_CLIENT_MODEL, max_tokens=1000, tools=[READ],
                                  messages=loop).content[0].text == "From flash."
    assert client.messages.create(model=CLIENT_MODEL, max_tokens=1000, tools=[READ],
                                  messages=loop).content[0].text == "From 3."
    (signature,) = gem.issued_on("Read")
    on_flash, on_three = gem.calls()[1:]
    assert on_flash.model == FLASH and on_three.model == MODEL
    assert on_flash.contents[1] == model(call("Read", {"path": "a.txt"}, DUMMY_SIGNATURE))
    assert on_three.contents[1] == model(call("Read", {"path": "a.txt"}, signature))


# ------------------------------------------------------------------------------------------------- errors


QUOTA_MESSAGES = {
    # what the Gemini API says on a per-minute limit (free tier and paid alike), with its RetryInfo
    "gemini-api": "You exceeded your current quota, please check your plan and billing details. For more information "
                  "on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. * Quota exceeded for "
                  "metric: generativelanguage.googleapis.com/generate_content_paid_tier_input_token_count, limit: "
                  "1000000, model: gemini-3-pro\nPlease retry in 6.2s.",
    "resource-exhausted": "Resource has been exhausted (e.g. check quota).",
}


@pytest.mark.parametrize("message", QUOTA_MESSAGES.values(), ids=QUOTA_MESSAGES.keys())
def test_rate_limit_with_retry_info(gemini, message):
    """A 429 RESOURCE_EXHAUSTED with a RetryInfo is a rate limit (the wait is Google's `retryDelay`), whatever
    its sentence says about quotas."""
    client, gem, _ = gemini
    gem.enqueue_step(Step(reply=rate_limited("7s", message)))
    with pytest.raises(anthropic.RateLimitError) as e:
        client.messages.create(model=CLIENT_MODEL, max_tokens=100, messages=ASK)
    assert e.value.status_code == 429 and e.value.body["error"]["type"] == "rate_limit_error"
    assert message.split("\n")[0] in e.value.body["error"]["message"]
    assert e.value.response.headers.get("retry-after") == "7"


def test_invalid_api_key_is_an_authentication_error(gemini):
    client, gem, _ = gemini
    gem.enqueue_step(Step(reply=api_key_invalid()))
    with pytest.raises(anthropic.AuthenticationError) as e:
        client.messages.create(model=CLIENT_MODEL, max_tokens=100, messages=ASK)
    assert e.value.status_code == 401 and e.value.body["error"]["type"] == "authentication_error"
    assert "API key not valid" in e.value.body["error"]["message"]


def test_unavailable_is_overloaded(gemini):
    client, gem, _ = gemini
    gem.enqueue_step(Step(reply=unavailable()))
    with pytest.raises(anthropic.APIStatusError) as e:
        client.messages.create(model=CLIENT_MODEL, max_tokens=100, messages=ASK)
    assert e.value.status_code == 529 and e.value.body["error"]["type"] == "overloaded_error"


@pytest.mark.parametrize("stream", [False, True], ids=["create", "stream"])
def test_context_overflow(gemini, stream):
    client, gem, _ = gemini
    gem.enqueue_step(Step(reply=too_many_tokens(1200000, 1048576)))
    with pytest.raises(anthropic.BadRequestError) as e:
        ask(client, stream, model=CLIENT_MODEL, max_tokens=100, messages=ASK)
    assert e.value.body["error"]["type"] == "invalid_request_error"
    assert e.value.body["error"]["message"].startswith("prompt is too long: 1200000 tokens > 1048576 maximum"), \
        e.value.body


@pytest.mark.parametrize("drop", [False, True], ids=["ends", "dropped"])
def test_stream_cut_before_finish_is_an_error_event(gemini, drop):
    """A stream whose body ends (or whose connection drops) before any finishReason: the client's stream ends
    with an `error` event after the text so far, no message_stop."""
    client, gem, proxy = gemini
    cut = stream_chunks([text("partial answer")], usage=usage(10, 3))[:-1]
    gem.enqueue_step(Step(reply=sse(cut, drop=drop)), Step(reply=sse(cut, drop=drop)))
    pieces = []
    with pytest.raises(anthropic.APIStatusError) as e:
        with client.messages.stream(model=CLIENT_MODEL, max_tokens=100, messages=ASK) as s:
            for piece in s.text_stream:
                pieces.append(piece)
            s.get_final_message()
    assert "".join(pieces) == "partial an"
    assert e.value.body["type"] == "error" and e.value.body["error"]["type"] in {"api_error", "overloaded_error"}
    r = post_raw(proxy.url, {"model": CLIENT_MODEL, "max_tokens": 100, "stream": True, "messages": ASK})
    assert r.status == 200 and check_grammar(r.events, allow_error=True) == []
    types = [d["type"] for _, d in r.events]
    assert types[-1] == "error" and "message_stop" not in types, types


# ------------------------------------------------------------------------------------------------- count_tokens


def test_count_tokens_is_geminis(gemini):
    client, gem, _ = gemini
    gem.set_count(4242)
    raw = client.messages.with_raw_response.count_tokens(
        model=CLIENT_MODEL, system="You are terse.", tools=[READ], messages=ASK)
    assert raw.parse().input_tokens == 4242
    assert raw.headers["x-proxy-token-count"] == "upstream"
    (sent,) = gem.calls()
    assert sent.path == f"/v1beta/models/{MODEL}:countTokens" and sent.headers["x-goog-api-key"] == KEY
    assert sent.body == {"generateContentRequest": {
        "model": f"models/{MODEL}", "systemInstruction": {"parts": [{"text": "You are terse."}]},
        "contents": [user(text(ASK[0]["content"]))], "tools": [{"functionDeclarations": [READ_DECLARATION]}]}}
