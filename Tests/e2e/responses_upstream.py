"""Answers of OpenAI's Responses API (`POST /v1/responses`) for mock_upstream, written as the real wire: a
`response` object for JSON replies, and event streams (`event: <type>` + `data: <json>`, a `sequence_number`
on every event, no `[DONE]`: send them with `SSEReply(..., done=False)`).

Items: `message_item`, `function_call_item`, `reasoning_item` (the finished items of `output`). Streams:
`start()` (response.created, response.in_progress), `item_events(index, item)` (output_item.added, the
deltas in fragments, the .done events, output_item.done), the terminal `completed` / `incomplete` /
`failed`, and the `error` event; `sse(events)` numbers them and encodes them. `stream(items, ...)` is the
whole of a normal answer.

Every object is checked against the typed models of the official `openai` package (3.57) before it is sent:
strict types (no "1" for 1), every required field present, no field the models do not know (the package's
models allow extras, so they are looked for at every level). The one extra allowed is `obfuscation` on delta
events, which OpenAI adds to them by default (`stream_options.include_obfuscation`).
"""

from __future__ import annotations

import json
import typing
from typing import Any

from openai.types.responses import InputTokenCountResponse, Response, ResponseStreamEvent
from pydantic import BaseModel

from mock_upstream import JSONReply, Recorded, SSEReply, split_args
from sdk_models import extras

MODEL = "gpt-5-codex"
CREATED_AT = 1767225600

_EVENT_MODELS: dict[str, type[BaseModel]] = {
    typing.get_args(m.model_fields["type"].annotation)[0]: m
    for m in typing.get_args(typing.get_args(ResponseStreamEvent)[0])
}
_OBFUSCATED = {"response.output_text.delta", "response.function_call_arguments.delta",
               "response.reasoning_summary_text.delta"}


# --------------------------------------------------------------------------------------------------------------
# validation against the SDK's models


def _check(model: type[BaseModel], data: dict, allowed_extras: set[str] = frozenset()) -> dict:
    parsed = model.model_validate(data, strict=True)
    unknown = [p for p in extras(parsed, "") if p not in allowed_extras]
    if unknown:
        raise ValueError(f"{model.__name__}: fields the openai models do not know: {unknown}")
    return data


def validate_response(data: dict) -> dict:
    """`data` if it is a valid `openai.types.responses.Response`; raises otherwise."""
    return _check(Response, data)


def input_token_count(tokens: int) -> JSONReply:
    """The answer of `POST /v1/responses/input_tokens`, checked as an `InputTokenCountResponse`."""
    return JSONReply(_check(InputTokenCountResponse, {"object": "response.input_tokens", "input_tokens": tokens}))


def validate_event(data: dict) -> dict:
    """`data` if it is a valid member of `ResponseStreamEvent` (the one its `type` names); raises otherwise."""
    model = _EVENT_MODELS.get(data.get("type"))
    if model is None:
        raise ValueError(f"not a Responses stream event type: {data.get('type')!r}")
    return _check(model, data, {".obfuscation"} if data["type"] in _OBFUSCATED else set())


# --------------------------------------------------------------------------------------------------------------
# output items (finished)


def message_item(text: str, id: str = "msg_1") -> dict:
    return {"id": id, "type": "message", "role": "assistant", "status": "completed",
            "content": [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}]}


def function_call_item(call_id: str, name: str, arguments: Any, id: str = "fc_1") -> dict:
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    return {"id": id, "type": "function_call", "status": "completed", "call_id": call_id, "name": name,
            "arguments": args}


def reasoning_item(summary: list[str], encrypted_content: str, id: str = "rs_1") -> dict:
    return {"id": id, "type": "reasoning", "summary": [{"type": "summary_text", "text": s} for s in summary],
            "encrypted_content": encrypted_content}


def usage(input_tokens: int, output_tokens: int, cached: int = 0, reasoning: int = 0) -> dict:
    return {"input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": 0},
            "output_tokens": output_tokens, "output_tokens_details": {"reasoning_tokens": reasoning},
            "total_tokens": input_tokens + output_tokens}


# --------------------------------------------------------------------------------------------------------------
# the response object


def response(output: list[dict], *, status: str = "completed", usage: dict | None = None,
             incomplete_reason: str | None = None, error: dict | None = None, model: str = MODEL,
             id: str = "resp_1") -> dict:
    """A response object as the API returns it (non-streaming, or inside the stream's lifecycle events)."""
    return validate_response({
        "id": id, "object": "response", "created_at": CREATED_AT, "status": status,
        "background": False, "error": error,
        "incomplete_details": {"reason": incomplete_reason} if incomplete_reason else None,
        "instructions": None, "max_output_tokens": None, "metadata": {}, "model": model, "output": output,
        "parallel_tool_calls": True, "previous_response_id": None,
        "reasoning": {"effort": "medium", "summary": "auto"}, "temperature": 1.0,
        "text": {"format": {"type": "text"}, "verbosity": "medium"}, "tool_choice": "auto", "tools": [],
        "top_p": 1.0, "truncation": "disabled", "usage": usage,
    })


def json_reply(output: list[dict], **kw: Any) -> JSONReply:
    return JSONReply(response(output, **kw))


# --------------------------------------------------------------------------------------------------------------
# streams


def start(model: str = MODEL) -> list[dict]:
    """response.created and response.in_progress (an empty response, no usage yet)."""
    r = response([], status="in_progress", model=model)
    return [{"type": "response.created", "response": r}, {"type": "response.in_progress", "response": r}]


def _delta(event: dict) -> dict:
    return {**event, "obfuscation": "q1x"}


def item_events(index: int, item: dict, fragments: int = 3) -> list[dict]:
    """One output item streamed: announced, its text / arguments / summary in `fragments` pieces, finished."""
    at = {"output_index": index}
    ids = {"item_id": item["id"], **at}
    kind = item["type"]
    if kind == "message":
        out = [{"type": "response.output_item.added", **at, "item": {**item, "status": "in_progress", "content": []}}]
        for c, part in enumerate(item["content"]):
            empty = {**part, "text": ""}
            out.append({"type": "response.content_part.added", **ids, "content_index": c, "part": empty})
            out += [_delta({"type": "response.output_text.delta", **ids, "content_index": c, "delta": p,
                            "logprobs": []}) for p in split_args(part["text"], fragments)]
            out += [{"type": "response.output_text.done", **ids, "content_index": c, "text": part["text"],
                     "logprobs": []},
                    {"type": "response.content_part.done", **ids, "content_index": c, "part": part}]
    elif kind == "function_call":
        out = [{"type": "response.output_item.added", **at,
                "item": {**item, "status": "in_progress", "arguments": ""}}]
        out += [_delta({"type": "response.function_call_arguments.delta", **ids, "delta": p})
                for p in split_args(item["arguments"], fragments)]
        out.append({"type": "response.function_call_arguments.done", **ids, "arguments": item["arguments"]})
    elif kind == "reasoning":
        # the encrypted content on output_item.added "may be incomplete" (the SDK's docstring): only the one on
        # output_item.done is whole
        partial = item["encrypted_content"][: len(item["encrypted_content"]) // 2]
        out = [{"type": "response.output_item.added", **at,
                "item": {**item, "summary": [], "encrypted_content": partial}}]
        for s, part in enumerate(item["summary"]):
            empty = {**part, "text": ""}
            out.append({"type": "response.reasoning_summary_part.added", **ids, "summary_index": s, "part": empty})
            out += [_delta({"type": "response.reasoning_summary_text.delta", **ids, "summary_index": s, "delta": p})
                    for p in split_args(part["text"], fragments)]
            out += [{"type": "response.reasoning_summary_text.done", **ids, "summary_index": s, "text": part["text"]},
                    {"type": "response.reasoning_summary_part.done", **ids, "summary_index": s, "part": part}]
    else:
        raise ValueError(f"no stream for a {kind} item")
    return out + [{"type": "response.output_item.done", **at, "item": item}]


def completed(items: list[dict], usage: dict, model: str = MODEL) -> dict:
    return {"type": "response.completed", "response": response(items, usage=usage, model=model)}


def incomplete(items: list[dict], usage: dict, reason: str = "max_output_tokens", model: str = MODEL) -> dict:
    return {"type": "response.incomplete",
            "response": response(items, status="incomplete", usage=usage, incomplete_reason=reason, model=model)}


def failed(code: str, message: str, items: list[dict] | None = None, model: str = MODEL) -> dict:
    return {"type": "response.failed", "response": response(items or [], status="failed", model=model,
                                                            error={"code": code, "message": message})}


def error_event(message: str, code: str | None = None, param: str | None = None) -> dict:
    return {"type": "error", "code": code, "message": message, "param": param}


def sse(events: list[dict]) -> list[bytes]:
    """The events numbered from 0, validated, each framed as `event: <type>\\ndata: <json>\\n\\n`."""
    out = []
    for n, e in enumerate(events):
        e = validate_event({"type": e["type"], "sequence_number": n, **e})
        out.append(f"event: {e['type']}\ndata: {json.dumps(e)}\n\n".encode())
    return out


def stream(items: list[dict], *, usage: dict, fragments: int = 3, model: str = MODEL) -> list[bytes]:
    """A whole streamed answer: start, every item, response.completed."""
    events = start(model)
    for i, item in enumerate(items):
        events += item_events(i, item, fragments)
    return sse(events + [completed(items, usage, model)])


def stream_reply(items: list[dict], *, usage: dict, fragments: int = 3, model: str = MODEL, **kw: Any) -> SSEReply:
    return SSEReply(stream(items, usage=usage, fragments=fragments, model=model), done=False, **kw)


def answer(rec: Recorded, items: list[dict], usage: dict, fragments: int = 3) -> JSONReply | SSEReply:
    """The answer a request asks for: a stream when its body has `stream: true`, else a JSON response."""
    if rec.stream:
        return stream_reply(items, usage=usage, fragments=fragments)
    return json_reply(items, usage=usage)


def responses_requests(mock) -> list[Recorded]:
    """The requests a mock received at a `…/responses` path (query string ignored)."""
    return [r for r in mock.requests if r.path.split("?")[0].endswith("/responses")]
