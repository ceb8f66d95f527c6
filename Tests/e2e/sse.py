"""Raw access to the proxy's Anthropic SSE stream and a checker for the grammar of translation.md §5.1."""

from __future__ import annotations

import http.client
import json
from dataclasses import dataclass
from urllib.parse import urlparse

STOP_REASONS = {"end_turn", "max_tokens", "stop_sequence", "tool_use", "pause_turn", "refusal",
                "model_context_window_exceeded"}
USAGE_KEYS = {"input_tokens", "output_tokens", "cache_creation_input_tokens", "cache_read_input_tokens"}


@dataclass
class RawStream:
    status: int
    headers: dict[str, str]
    events: list[tuple[str | None, dict | str]]  # (event name, parsed data)
    text: str


def post_raw(base_url: str, body: dict, path: str = "/v1/messages", headers: dict | None = None,
             timeout: float = 30.0) -> RawStream:
    u = urlparse(base_url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request("POST", path, body=json.dumps(body),
                     headers={"content-type": "application/json", "anthropic-version": "2023-06-01",
                              "x-api-key": "e2e-client-key", **(headers or {})})
        resp = conn.getresponse()
        raw = resp.read().decode("utf-8", errors="replace")
        hdrs = {k.lower(): v for k, v in resp.getheaders()}
        return RawStream(resp.status, hdrs, parse_sse(raw) if "event-stream" in hdrs.get("content-type", "") else [],
                         raw)
    finally:
        conn.close()


def parse_sse(text: str) -> list[tuple[str | None, dict | str]]:
    events = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = None, []
        for line in block.split("\n"):
            if line.startswith(":") or not line:
                continue
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                name = value
            elif field == "data":
                data.append(value)
        if name is None and not data:
            continue
        joined = "\n".join(data)
        try:
            events.append((name, json.loads(joined)))
        except ValueError:
            events.append((name, joined))
    return events


def check_grammar(events: list[tuple[str | None, dict | str]], *, allow_error: bool = False) -> list[str]:
    """Violations of §5.1 (I1–I8) in a complete stream; [] when the stream is well formed.
    With allow_error, a stream may end with an `error` event after message_start instead of
    message_delta + message_stop."""
    problems: list[str] = []
    types = []
    for name, data in events:
        if not isinstance(data, dict):
            problems.append(f"event {name!r} has non-JSON data {data!r}")
            continue
        if name != data.get("type"):
            problems.append(f"event name {name!r} differs from data.type {data.get('type')!r}")
        types.append(data.get("type"))
    if problems:
        return problems
    datas = [d for _, d in events]
    non_ping = [d for d in datas if d["type"] != "ping"]
    if not non_ping or non_ping[0]["type"] != "message_start":
        return problems + [f"first event is not message_start: {[d['type'] for d in non_ping[:3]]}"]
    if types.count("message_start") != 1:
        problems.append("I1: message_start appears %d times" % types.count("message_start"))
    start_usage = non_ping[0]["message"].get("usage", {})
    if not USAGE_KEYS <= set(start_usage):
        problems.append(f"message_start usage lacks {USAGE_KEYS - set(start_usage)}")
    next_index = 0
    open_block: tuple[int, str] | None = None
    saw_tool = False
    ended = False
    saw_delta = False
    for d in non_ping[1:]:
        t = d["type"]
        if ended:
            problems.append(f"I6: {t} after message_stop/error")
            continue
        if t == "content_block_start":
            if saw_delta:
                problems.append("I6: content_block_start after message_delta")
            if open_block is not None:
                problems.append(f"I3: block {d['index']} starts while block {open_block[0]} is open")
            if d["index"] != next_index:
                problems.append(f"I2: block index {d['index']}, expected {next_index}")
            next_index = d["index"] + 1
            btype = d["content_block"]["type"]
            open_block = (d["index"], btype)
            if btype == "tool_use":
                saw_tool = True
        elif t == "content_block_delta":
            if open_block is None or open_block[0] != d["index"]:
                problems.append(f"I3: delta for block {d['index']} which is not open ({open_block})")
                continue
            expected = {"text": {"text_delta"}, "thinking": {"thinking_delta", "signature_delta"},
                        "tool_use": {"input_json_delta"}}.get(open_block[1], set())
            if d["delta"]["type"] not in expected:
                problems.append(f"I4: {d['delta']['type']} in a {open_block[1]} block")
        elif t == "content_block_stop":
            if open_block is None or open_block[0] != d["index"]:
                problems.append(f"I3: stop for block {d['index']} which is not open ({open_block})")
            open_block = None
        elif t == "message_delta":
            if open_block is not None:
                problems.append(f"I6: message_delta while block {open_block[0]} is open")
            if saw_delta:
                problems.append("message_delta twice")
            saw_delta = True
            sr = d["delta"].get("stop_reason")
            if sr not in STOP_REASONS:
                problems.append(f"I7: stop_reason {sr!r}")
            if (sr == "tool_use") != saw_tool:
                problems.append(f"I8: stop_reason {sr!r} but tool_use block emitted = {saw_tool}")
            if not USAGE_KEYS <= set(d.get("usage", {})):
                problems.append(f"message_delta usage lacks {USAGE_KEYS - set(d.get('usage', {}))}")
        elif t == "message_stop":
            if not saw_delta:
                problems.append("message_stop without message_delta")
            ended = True
        elif t == "error":
            if not allow_error:
                problems.append(f"unexpected error event {d}")
            ended = True
        else:
            problems.append(f"unknown event type {t!r}")
    if not ended:
        problems.append("stream did not end with message_stop (or error)")
    return problems


def tool_inputs(events: list[tuple[str | None, dict | str]]) -> dict[int, str]:
    """index → the concatenated partial_json of each tool_use block."""
    out: dict[int, str] = {}
    for _, d in events:
        if isinstance(d, dict) and d.get("type") == "content_block_start" and d["content_block"]["type"] == "tool_use":
            out[d["index"]] = ""
        if isinstance(d, dict) and d.get("type") == "content_block_delta" and d["delta"]["type"] == "input_json_delta":
            out[d["index"]] += d["delta"]["partial_json"]
    return out
