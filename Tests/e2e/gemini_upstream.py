"""Google's Gemini API (`POST /v1beta/models/{model}:generateContent`, `:streamGenerateContent?alt=sse`,
`:countTokens`) for mock_upstream, written as the real wire: camelCase JSON, a `GenerateContentResponse` per
answer and per stream event (`data: <json>\\r\\n\\r\\n`, no `event:` lines, no `[DONE]`), Google's error
bodies (`{"error": {"code", "message", "status", "details"}}`).

Parts: `text`, `thought` (`{"text", "thought": true}`), `call` (`{"functionCall": {"name", "args"}}`).
Answers: `response(parts, ...)` (complete) and `stream_chunks(parts, ...)` (text and thoughts in pieces,
function calls whole, the last chunk with `finishReason` and the whole `usageMetadata`); errors:
`rate_limited`, `api_key_invalid`, `unavailable`, `too_many_tokens`; `count_tokens(n)`.

Both directions are checked against the typed models of the official `google-genai` package (3.6):
- every answer before it is sent (`GenerateContentResponse`, `CountTokensResponse`);
- every request the proxy sends (`contents` items as `Content`, `systemInstruction` as `Content`, `tools` as
  `Tool`, `toolConfig` as `ToolConfig`, `generationConfig` as `GenerationConfig`, plus the top-level fields
  the API takes), and what the API itself refuses beyond the models: function parameters outside Gemini's
  OpenAPI subset, an OBJECT with no properties, a Part with two kinds of data, a function response turn
  that does not answer the call turn before it part for part.
The package's models forbid unknown fields (`extra="forbid"`); they are still looked for at every level
(`sdk_models.extras`), so a future version that kept them would not let one through; its enums keep any string (with
a warning), so values outside an enum are looked for too. Fields are taken by their wire
names only (`by_name=False`: `maxOutputTokens`, never `max_output_tokens`), in JSON mode, strictly (bytes
fields such as `thoughtSignature` and `inlineData.data` must be base64).

`GeminiUpstream` wraps a `MockUpstream` and behaves like Gemini 3 on thought signatures: it puts a fresh
random signature on the first functionCall part of every answer (or on the last text part of an answer
without calls), remembers what it issued and on which part, and refuses (400, Google's wording) a request
whose current turn has a function-call step whose first call does not carry the signature issued for
exactly that call (or the documented `skip_thought_signature_validator`), and any request carrying one of
its signatures on another part than the one it was issued on.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import parse_qs, urlparse

from google.genai import types
from pydantic import BaseModel, ValidationError

from mock_upstream import JSONReply, MockUpstream, Recorded, SSEReply, split_args
from sdk_models import extras

MODEL = "gemini-3-pro-preview"
KEY = "test-key"
DUMMY_SIGNATURE = "skip_thought_signature_validator"

# Fields of the package's models that are the SDK's own, never on the wire.
_SDK_ONLY = {"sdkHttpResponse", "automaticFunctionCallingHistory", "parsed"}
# The Schema fields of the Gemini API (`FunctionDeclaration.parameters`), its OpenAPI subset.
SCHEMA_KEYS = {
    "type", "format", "title", "description", "nullable", "enum", "maxItems", "minItems", "properties", "required",
    "minProperties", "maxProperties", "minLength", "maxLength", "pattern", "example", "anyOf", "propertyOrdering",
    "default", "items", "minimum", "maximum",
}
# The fields of a GenerateContentRequest body (the model is in the URL).
REQUEST_KEYS = {"contents", "systemInstruction", "tools", "toolConfig", "generationConfig", "safetySettings",
                "cachedContent"}
# A Part's `data` oneof: exactly one of these.
PART_DATA = {"text", "inlineData", "fileData", "functionCall", "functionResponse", "executableCode",
             "codeExecutionResult"}


class InvalidRequest(ValueError):
    """What the Gemini API would answer 400 INVALID_ARGUMENT to."""


# --------------------------------------------------------------------------------------------------------------
# validation against the SDK's models


def _check(model: type[BaseModel], data: Any, where: str) -> BaseModel:
    """`data` parsed as `model` from its JSON text, by wire names only, strictly; raises InvalidRequest with
    every problem otherwise (an unknown field included)."""
    if not isinstance(data, dict):
        raise InvalidRequest(f"{where}: expected an object, got {type(data).__name__}")
    sdk_only = _SDK_ONLY & set(data)
    if sdk_only:
        raise InvalidRequest(f"{where}: fields of the SDK, not of the wire: {sorted(sdk_only)}")
    try:
        parsed = model.model_validate_json(json.dumps(data), strict=True, by_alias=True, by_name=False)
    except ValidationError as error:
        problems = [f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in error.errors()]
        raise InvalidRequest(f"{where} is not a valid {model.__name__}: {problems}") from None
    unknown = extras(parsed, where)
    if unknown:
        raise InvalidRequest(f"{where}: fields or enum values the google-genai models do not know: {unknown}")
    return parsed


def validate_response(data: dict) -> dict:
    """`data` if it is a valid `GenerateContentResponse` as the wire writes it; raises otherwise."""
    _check(types.GenerateContentResponse, data, "response")
    return data


def _check_schema(schema: Any, where: str) -> None:
    """Gemini's OpenAPI subset: no other keyword (`additionalProperties`, `$schema`, `const`, …), an OBJECT
    with properties, `required` naming only declared properties."""
    if not isinstance(schema, dict):
        raise InvalidRequest(f"{where}: a schema must be an object")
    unknown = set(schema) - SCHEMA_KEYS
    if unknown:
        name = sorted(unknown)[0]
        raise InvalidRequest(f'Invalid JSON payload received. Unknown name "{name}" at \'{where}\': Cannot find field.')
    if str(schema.get("type", "")).upper() == "OBJECT" and "properties" in schema and not schema["properties"]:
        raise InvalidRequest(f"{where}.properties: should be non-empty for OBJECT type")
    for i, name in enumerate(schema.get("required") or []):
        if name not in (schema.get("properties") or {}):
            raise InvalidRequest(f"{where}.required[{i}]: property is not defined")
    for name, sub in (schema.get("properties") or {}).items():
        _check_schema(sub, f"{where}.properties[{name}]")
    if "items" in schema:
        _check_schema(schema["items"], f"{where}.items")
    for i, sub in enumerate(schema.get("anyOf") or []):
        _check_schema(sub, f"{where}.anyOf[{i}]")


def _check_parts(content: dict, where: str) -> None:
    parts = content.get("parts")
    if not parts:
        raise InvalidRequest(f"{where}.parts: must not be empty")
    for i, part in enumerate(parts):
        data = PART_DATA & set(part)
        if len(data) != 1:
            raise InvalidRequest(f"{where}.parts[{i}]: a Part holds exactly one kind of data, got {sorted(data)}")
        if "text" in part and part["text"] == "" and "thoughtSignature" not in part:
            raise InvalidRequest(f"{where}.parts[{i}]: Unable to submit request because it has an empty text "
                                 "parameter.")


def _check_turns(contents: list[dict]) -> None:
    """Function responses answer the call turn right before them, one response per call, by name."""
    for i, content in enumerate(contents):
        responses = [p["functionResponse"] for p in content["parts"] if "functionResponse" in p]
        if not responses:
            continue
        previous = contents[i - 1] if i else {}
        calls = [p["functionCall"] for p in previous.get("parts", []) if "functionCall" in p]
        if content.get("role") != "user" or previous.get("role") != "model" or not calls:
            raise InvalidRequest("Please ensure that function response turn comes immediately after a function call "
                                 "turn.")
        if len(responses) != len(calls):
            raise InvalidRequest("Please ensure that the number of function response parts is equal to the number of "
                                 "function call parts of the function call turn.")
        if sorted(r.get("name") for r in responses) != sorted(c["name"] for c in calls):
            raise InvalidRequest(f"contents[{i}]: function responses {[r.get('name') for r in responses]} do not "
                                 f"name the calls {[c['name'] for c in calls]}")


def check_request(body: Any, model: str = MODEL) -> None:
    """Raises InvalidRequest when `body` is not a `generateContent` body the Gemini API takes for `model`."""
    if not isinstance(body, dict):
        raise InvalidRequest("Invalid JSON payload received.")
    unknown = set(body) - REQUEST_KEYS
    if unknown:
        raise InvalidRequest(f'Invalid JSON payload received. Unknown name "{sorted(unknown)[0]}": Cannot find field.')
    contents = body.get("contents")
    if not isinstance(contents, list) or not contents:
        raise InvalidRequest("* GenerateContentRequest.contents: contents is not specified")
    for i, content in enumerate(contents):
        _check(types.Content, content, f"contents[{i}]")
        if content.get("role") not in ("user", "model"):
            raise InvalidRequest(f"contents[{i}].role: Please use a valid role: user, model.")
        _check_parts(content, f"contents[{i}]")
    _check_turns(contents)
    if "systemInstruction" in body:
        system = body["systemInstruction"]
        _check(types.Content, system, "systemInstruction")
        _check_parts(system, "systemInstruction")
        if any(set(p) != {"text"} for p in system["parts"]):
            raise InvalidRequest("systemInstruction: only text parts")
    for i, tool in enumerate(body.get("tools") or []):
        _check(types.Tool, tool, f"tools[{i}]")
        for j, function in enumerate(tool.get("functionDeclarations") or []):
            if "parameters" in function:
                _check_schema(function["parameters"], f"tools[{i}].function_declarations[{j}].parameters")
    if "toolConfig" in body:
        _check(types.ToolConfig, body["toolConfig"], "toolConfig")
        if not body.get("tools"):
            raise InvalidRequest("toolConfig without tools")
    if "generationConfig" in body:
        _check(types.GenerationConfig, body["generationConfig"], "generationConfig")
        thinking = body["generationConfig"].get("thinkingConfig") or {}
        if "thinkingLevel" in thinking and "thinkingBudget" in thinking:
            raise InvalidRequest("thinking_budget and thinking_level are not supported together.")
        if "thinkingLevel" in thinking and not model.startswith("gemini-3"):
            raise InvalidRequest("Thinking level is not supported for this model.")


def check_count_request(body: Any, model: str = MODEL) -> None:
    """Raises InvalidRequest when `body` is not a `countTokens` body (`{"generateContentRequest": {...}}`)."""
    if not isinstance(body, dict) or set(body) != {"generateContentRequest"}:
        raise InvalidRequest(f"countTokens takes generateContentRequest, got {sorted(body or {})}")
    inner = dict(body["generateContentRequest"])
    if inner.pop("model", None) != f"models/{model}":
        raise InvalidRequest(f"generateContentRequest.model must be models/{model}")
    check_request(inner, model)


# --------------------------------------------------------------------------------------------------------------
# parts and answers


def text(t: str, signature: str | None = None) -> dict:
    return {"text": t, **({"thoughtSignature": signature} if signature else {})}


def thought(t: str, signature: str | None = None) -> dict:
    return {"text": t, "thought": True, **({"thoughtSignature": signature} if signature else {})}


def call(name: str, args: dict, signature: str | None = None) -> dict:
    return {"functionCall": {"name": name, "args": args}, **({"thoughtSignature": signature} if signature else {})}


def usage(prompt: int, candidates: int, thoughts: int | None = None, cached: int | None = None) -> dict:
    u: dict[str, Any] = {"promptTokenCount": prompt, "candidatesTokenCount": candidates,
                         "totalTokenCount": prompt + candidates + (thoughts or 0)}
    if thoughts is not None:
        u["thoughtsTokenCount"] = thoughts
    if cached is not None:
        u["cachedContentTokenCount"] = cached
    return u


def new_signature() -> str:
    """A random signature like Gemini's: opaque standard base64, a few hundred characters."""
    return base64.b64encode(secrets.token_bytes(190)).decode()


def response(parts: list[dict], *, finish: str | None = "STOP", usage: dict | None = None, model: str = MODEL,
             response_id: str = "gem-resp-1", finish_message: str | None = None,
             candidate_extra: dict | None = None) -> dict:
    """A GenerateContentResponse (a complete answer, or one stream chunk when finish is None); a candidate
    without parts (a blocked answer) has no `content`."""
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}} if parts else {}
    candidate["index"] = 0
    candidate.update(candidate_extra or {})
    if finish:
        candidate["finishReason"] = finish
    if finish_message:
        candidate["finishMessage"] = finish_message
    body: dict[str, Any] = {"candidates": [candidate]}
    if usage is not None:
        body["usageMetadata"] = usage
    body.update(modelVersion=model, responseId=response_id)
    return validate_response(body)


def stream_chunks(parts: list[dict], *, finish: str = "STOP", usage: dict, pieces: int = 3, model: str = MODEL,
                  response_id: str = "gem-resp-1", text_signature_alone: bool = True,
                  thought_signature_alone: bool = False, candidate_extra: dict | None = None) -> list[dict]:
    """The events of a streamed answer: text and thoughts in `pieces` pieces, calls whole, each event a
    GenerateContentResponse with the usage so far. A signature comes on the last piece of its part, or with
    `text_signature_alone` (a text's, as Gemini sends it) / `thought_signature_alone` (a thought's) on an extra
    chunk `{"text": "", "thoughtSignature"}` (`"thought": true` too for a thought's). The last event carries
    the finishReason and the whole usage."""
    singles: list[dict] = []
    for part in parts:
        if "text" in part:
            signature = part.get("thoughtSignature")
            bits = split_args(part["text"], pieces) if part["text"] else [""]
            for n, bit in enumerate(bits):
                piece = {k: v for k, v in part.items() if k != "thoughtSignature"}
                piece["text"] = bit
                if signature and n == len(bits) - 1:
                    if not (thought_signature_alone if part.get("thought") else text_signature_alone):
                        piece["thoughtSignature"] = signature
                    else:
                        singles.append(piece)
                        piece = {**piece, "text": "", "thoughtSignature": signature}
                singles.append(piece)
        else:
            singles.append(part)
    prompt = usage["promptTokenCount"]
    chunks = []
    for n, piece in enumerate(singles or [None]):
        last = n == len(singles) - 1 or not singles
        so_far = {"promptTokenCount": prompt, "candidatesTokenCount": n + 1, "totalTokenCount": prompt + n + 1}
        chunks.append(response([piece] if piece else [], finish=finish if last else None,
                               usage=usage if last else so_far, model=model, response_id=response_id,
                               candidate_extra=candidate_extra if last else None))
    return chunks


def sse(chunks: list[dict], **kw: Any) -> SSEReply:
    """Chunks as Gemini frames them: `data: <json>\\r\\n\\r\\n`, nothing else."""
    return SSEReply(chunks, done=False, crlf=True, **kw)


def google_error(code: int, status: str, message: str, details: list[dict] | None = None) -> JSONReply:
    error: dict[str, Any] = {"code": code, "message": message, "status": status}
    if details is not None:
        error["details"] = details
    return JSONReply({"error": error}, status=code)


def rate_limited(retry_delay: str = "7s", message: str = "You exceeded your current quota, please check your "
                 "plan and billing details.") -> JSONReply:
    """Gemini's 429: RESOURCE_EXHAUSTED, the wait as a `google.rpc.RetryInfo`."""
    return google_error(429, "RESOURCE_EXHAUSTED", message, [{"@type": "type.googleapis.com/google.rpc.RetryInfo",
                                                              "retryDelay": retry_delay}])


def api_key_invalid() -> JSONReply:
    return google_error(400, "INVALID_ARGUMENT", "API key not valid. Please pass a valid API key.",
                        [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                          "domain": "googleapis.com"}])


def unavailable() -> JSONReply:
    return google_error(503, "UNAVAILABLE", "The model is overloaded. Please try again later.")


def too_many_tokens(count: int = 1200000, maximum: int = 1048576) -> JSONReply:
    return google_error(400, "INVALID_ARGUMENT", f"The input token count ({count}) exceeds the maximum number of "
                        f"tokens allowed ({maximum}).")


def invalid_argument(message: str) -> JSONReply:
    return google_error(400, "INVALID_ARGUMENT", message)


def count_tokens(total: int) -> JSONReply:
    body = {"totalTokens": total}
    _check(types.CountTokensResponse, body, "countTokens answer")
    return JSONReply(body)


def missing_signature(name: str, position: int) -> JSONReply:
    return invalid_argument(
        "Function call is missing a thought_signature in functionCall parts. This is required for tools to work "
        "correctly, and missing thought_signature may lead to degraded model performance. Additional data, "
        f"function call `default_api:{name}` , position {position}. Please refer to "
        "https://ai.google.dev/gemini-api/docs/thought-signatures for more details.")


# --------------------------------------------------------------------------------------------------------------
# the mock


@dataclass
class Call:
    """One request the mock received at a Gemini method."""
    rec: Recorded
    model: str
    method: str  # generateContent, streamGenerateContent, countTokens
    query: dict[str, list[str]]

    @property
    def body(self) -> dict:
        return self.rec.body

    @property
    def headers(self) -> dict[str, str]:
        return self.rec.headers

    @property
    def path(self) -> str:
        return self.rec.path

    @property
    def stream(self) -> bool:
        return self.method == "streamGenerateContent"

    @property
    def contents(self) -> list[dict]:
        return (self.body or {}).get("contents", [])


def parse_path(path: str) -> tuple[str, str, dict[str, list[str]]] | None:
    """(model, method, query) of `/v1beta/models/{model}:{method}?…`; None for any other path."""
    u = urlparse(path)
    prefix = "/v1beta/models/"
    if not u.path.startswith(prefix) or ":" not in u.path[len(prefix):]:
        return None
    model, method = u.path[len(prefix):].rsplit(":", 1)
    return model, method, parse_qs(u.query)


def _kind(part: dict) -> tuple:
    """What a signature is issued on: a call (its name and args), a thought or a text (its text)."""
    if "functionCall" in part:
        fc = part["functionCall"]
        return ("call", fc.get("name"), json.dumps(fc.get("args") or {}, sort_keys=True))
    if part.get("thought"):
        return ("thought", part.get("text"))
    return ("text", part.get("text"))


def current_turn(contents: list[dict]) -> int:
    """The index after the last user content with a part other than a function response: the contents of the
    current turn start there (Gemini checks the signatures of their calls)."""
    start = 0
    for i, content in enumerate(contents):
        if content.get("role") == "user" and any("functionResponse" not in p for p in content.get("parts", [])):
            start = i + 1
    return start


Responder = Callable[[Call], Any]


@dataclass
class Step:
    """An answer the test scripts: parts without signatures (the mock signs them), finish, usage; or `reply`,
    a ready reply (an error, a broken stream) sent as is."""
    parts: list[dict] = field(default_factory=list)
    usage: dict = field(default_factory=lambda: usage(10, 2))
    finish: str = "STOP"
    pieces: int = 3
    sign: bool = True  # Gemini 3's signatures: first call, else last text part
    sign_thoughts: bool = False  # also a signature on each thought part (Gemini 2.5 style)
    thought_signature_alone: bool = False  # streamed: a thought's signature on an empty thought part after it
    finish_message: str | None = None
    candidate_extra: dict | None = None  # e.g. safetyRatings on the (last) candidate
    reply: Any = None


class GeminiUpstream:
    """A Gemini API on a MockUpstream. `serve(fn)`: fn(call) returns a `Step` (or a list of parts, or a
    reply) for each generateContent/streamGenerateContent request that passed the checks; `enqueue_step`
    queues steps used before fn. `issued` maps each signature the mock gave out to the part it was on;
    `refusals` lists the 400s it answered (bad bodies, bad signatures), `invalid` the bad bodies alone."""

    def __init__(self, mock: MockUpstream, key: str = KEY):
        self.mock = mock
        self.key = key
        self.issued: dict[str, tuple] = {}
        self.refusals: list[str] = []
        self.invalid: list[str] = []
        self._steps: list[Any] = []
        self._fn: Responder | None = None
        self._count = 0
        self._lock = threading.Lock()
        mock.respond_with(self._respond)

    @property
    def url(self) -> str:
        return self.mock.root

    def serve(self, fn: Responder) -> None:
        self._fn = fn

    def enqueue_step(self, *steps: Any) -> None:
        with self._lock:
            self._steps.extend(steps)

    def set_count(self, total: int) -> None:
        self._count = total

    def issued_on(self, name: str) -> list[str]:
        """The signatures issued on calls of function `name`, oldest first."""
        return [sig for sig, kind in self.issued.items() if kind[:2] == ("call", name)]

    def calls(self, method: str | None = None) -> list[Call]:
        out = []
        for rec in list(self.mock.requests):
            parsed = parse_path(rec.path)
            if parsed and (method is None or parsed[1] == method):
                out.append(Call(rec, *parsed))
        return out

    def generation_calls(self) -> list[Call]:
        return [c for c in self.calls() if c.method in ("generateContent", "streamGenerateContent")]

    # signatures

    def signature_refusal(self, contents: list[dict]) -> JSONReply | None:
        """Gemini 3's check of the signatures a request carries; None when it passes."""
        for i, content in enumerate(contents):
            for j, part in enumerate(content.get("parts", [])):
                sig = part.get("thoughtSignature")
                if sig is None or sig == DUMMY_SIGNATURE:
                    continue
                issued = self.issued.get(sig)
                if issued is None:
                    return invalid_argument(f"Corrupted thought signature. (contents[{i}].parts[{j}])")
                if issued != _kind(part):
                    return invalid_argument(f"Thought signature is not valid for contents[{i}].parts[{j}]: it was "
                                            f"issued on a {issued[0]} part, not this {_kind(part)[0]} part.")
        for i in range(current_turn(contents), len(contents)):
            content = contents[i]
            calls = [p for p in content.get("parts", []) if "functionCall" in p]
            if content.get("role") != "model" or not calls:
                continue
            first = calls[0]
            sig = first.get("thoughtSignature")
            if sig != DUMMY_SIGNATURE and (sig is None or self.issued.get(sig) != _kind(first)):
                return missing_signature(first["functionCall"].get("name"), i)
        return None

    def sign(self, step: Step) -> list[dict]:
        """The step's parts with Gemini 3's signatures added (and remembered)."""
        parts = [dict(p) for p in step.parts]
        if step.sign:
            calls = [p for p in parts if "functionCall" in p]
            texts = [p for p in parts if "text" in p and not p.get("thought")]
            target = calls[0] if calls else (texts[-1] if texts else None)
            if target is not None and "thoughtSignature" not in target:
                target["thoughtSignature"] = new_signature()
        if step.sign_thoughts:
            for p in parts:
                if p.get("thought") and "thoughtSignature" not in p:
                    p["thoughtSignature"] = new_signature()
        for p in parts:
            if "thoughtSignature" in p:
                self.issued[p["thoughtSignature"]] = _kind(p)
        return parts

    # the server

    def _refuse(self, reply: JSONReply, invalid: bool) -> JSONReply:
        self.refusals.append(reply.body["error"]["message"])
        if invalid:
            self.invalid.append(reply.body["error"]["message"])
        return reply

    def _respond(self, rec: Recorded):
        parsed = parse_path(rec.path)
        if rec.method != "POST" or parsed is None:
            return google_error(404, "NOT_FOUND", f"mock: no route {rec.method} {rec.path}")
        model, method, query = parsed
        if rec.headers.get("x-goog-api-key") != self.key:
            return api_key_invalid()
        if rec.headers.get("content-type", "").split(";")[0].strip() != "application/json":
            return self._refuse(invalid_argument("content-type must be application/json"), True)
        c = Call(rec, model, method, query)
        try:
            if method == "countTokens":
                if query:
                    raise InvalidRequest(f"countTokens takes no query, got {query}")
                check_count_request(rec.body, model)
            elif method == "generateContent":
                if query:
                    raise InvalidRequest(f"generateContent takes no query, got {query}")
                check_request(rec.body, model)
            elif method == "streamGenerateContent":
                if query != {"alt": ["sse"]}:
                    raise InvalidRequest(f"streamGenerateContent without alt=sse: {query}")
                check_request(rec.body, model)
            else:
                return google_error(404, "NOT_FOUND", f"mock: no method {method}")
        except InvalidRequest as error:
            return self._refuse(invalid_argument(str(error)), True)
        if method == "countTokens":
            return count_tokens(self._count)
        refusal = self.signature_refusal(c.contents)
        if refusal is not None:
            return self._refuse(refusal, False)
        with self._lock:
            step = self._steps.pop(0) if self._steps else None
        if step is None:
            step = self._fn(c) if self._fn else Step([text("ok")])
        if isinstance(step, list):
            step = Step(step)
        if not isinstance(step, Step):
            return step
        if step.reply is not None:
            return step.reply
        parts = self.sign(step)
        if c.stream:
            return sse(stream_chunks(parts, finish=step.finish, usage=step.usage, pieces=step.pieces, model=model,
                                     thought_signature_alone=step.thought_signature_alone,
                                     candidate_extra=step.candidate_extra))
        return JSONReply(response(parts, finish=step.finish, usage=step.usage, model=model,
                                  finish_message=step.finish_message, candidate_extra=step.candidate_extra))
