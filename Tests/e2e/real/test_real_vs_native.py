"""The proxy's answers next to the reference: the same requests sent straight to llama-server's own
/v1/messages (its own Anthropic implementation, written by others) and through the proxy, both ways (`chat`:
the proxy translates to chat completions and back; `messages`: it relays). The server is deterministic
(--temp 0, one slot), so both must say the same thing in the same shape: block types, text, tool calls, stop
reason, usage fields and counts, and the order of stream events. Where the server's own endpoint differs
from Anthropic's API, the difference is listed below (and in docs/real-upstream.md); any other difference
fails."""

from __future__ import annotations

import json

import pytest
from cases import CASES, overflow, request
from real_server import MODEL
from server_differences import prompt_tokens
from sse import post_raw

NATIVE = "native"


def message_summary(m: dict) -> dict:
    """What a created message says, without what may differ by design (ids, the model name)."""
    return {
        "blocks": [b["type"] for b in m["content"]],
        "text": "".join(b.get("text", "") for b in m["content"] if b["type"] == "text"),
        "tools": [(b["name"], b["input"]) for b in m["content"] if b["type"] == "tool_use"],
        "stop_reason": m["stop_reason"],
        "stop_sequence": m.get("stop_sequence"),
        "usage_fields": sorted(k for k, v in m["usage"].items() if v is not None),
        "prompt_tokens": prompt_tokens(m["usage"]),
        "output_tokens": m["usage"].get("output_tokens"),
        "id_prefix": m["id"].split("_")[0].split("-")[0],
    }


def collapse(names: list[str]) -> list[str]:
    """Runs of the same event as one (`content_block_delta:text_delta` once, however many tokens)."""
    return [n for i, n in enumerate(names) if i == 0 or names[i - 1] != n]


def stream_summary(events: list) -> dict:
    """What a stream says: its event sequence (pings left out: the proxy sends them on its own clock), the
    assembled blocks, the stop reason and the usage of message_start and message_delta."""
    datas = [d for _, d in events if isinstance(d, dict) and d.get("type") != "ping"]
    names = []
    for d in datas:
        kind = d.get("content_block", {}).get("type") or d.get("delta", {}).get("type")
        names.append(d["type"] + (f":{kind}" if d["type"].startswith("content_block_") and kind else ""))
    start = next(d["message"] for d in datas if d["type"] == "message_start")
    delta = next((d for d in datas if d["type"] == "message_delta"), {})
    blocks = [d["content_block"] for d in datas if d["type"] == "content_block_start"]
    text = "".join(d["delta"]["text"] for d in datas
                   if d["type"] == "content_block_delta" and d["delta"]["type"] == "text_delta")
    tool_json = {d["index"]: "" for d in datas if d["type"] == "content_block_start"
                 and d["content_block"]["type"] == "tool_use"}
    for d in datas:
        if d["type"] == "content_block_delta" and d["delta"]["type"] == "input_json_delta":
            tool_json[d["index"]] += d["delta"]["partial_json"]
    return {
        "events": collapse(names),
        "blocks": [b["type"] for b in blocks],
        "text": text,
        "tools": [(b["name"], json.loads(tool_json[i] or "{}"))
                  for i, b in zip(sorted(tool_json), [b for b in blocks if b["type"] == "tool_use"])],
        "stop_reason": delta.get("delta", {}).get("stop_reason"),
        "tool_start_fields": sorted({k for b in blocks if b["type"] == "tool_use" for k in b}),
        "start_usage_fields": sorted(start.get("usage", {})),
        "delta_usage_fields": sorted(delta.get("usage", {})),
        # the final count: message_delta's when it has one (a translated stream knows the prompt's size only at
        # the end, and message_start carries an estimate), else message_start's
        "prompt_tokens": prompt_tokens(delta.get("usage", {})) or prompt_tokens(start.get("usage", {})),
        "output_tokens": delta.get("usage", {}).get("output_tokens"),
        "id_prefix": start["id"].split("_")[0].split("-")[0],
    }


def answer(base_url: str, body: dict) -> dict:
    raw = post_raw(base_url, body, timeout=90)
    assert raw.status == 200, f"{base_url}: {raw.status} {raw.text[:2000]}"
    return stream_summary(raw.events) if body.get("stream") else message_summary(json.loads(raw.text))


def differences(native: dict, proxied: dict) -> dict:
    return {k: (native.get(k), proxied.get(k)) for k in sorted(set(native) | set(proxied))
            if native.get(k) != proxied.get(k)}


ALL_USAGE = ["cache_creation_input_tokens", "cache_read_input_tokens", "input_tokens", "output_tokens"]
SERVER_USAGE = ["cache_read_input_tokens", "input_tokens", "output_tokens"]

# Where the server's own endpoint is not Anthropic's API, as (the server's value, the proxy's) when the proxy
# builds the answer itself (the chat way). The messages way relays the server's events, so it shows the
# server's values and must differ in nothing.
SERVER_DIFFERENCES = {
    # message ids are the server's chat-completion ids, not msg_…
    "id_prefix": ("chatcmpl", "msg"),
    # no cache_creation_input_tokens, in a created message or in message_start
    "usage_fields": (SERVER_USAGE, ALL_USAGE),
    "start_usage_fields": (SERVER_USAGE, ALL_USAGE),
    # message_delta carries output_tokens alone
    "delta_usage_fields": (["output_tokens"], ALL_USAGE),
    # a streamed tool_use block starts without its (empty) `input`
    "tool_start_fields": (["id", "name", "type"], ["id", "input", "name", "type"]),
}


def expected_differences(way: str, native: dict) -> dict:
    """Wherever the server's answer shows one of its differences, the proxy's (chat way) shows Anthropic's."""
    if way == "messages":
        return {}
    return {k: v for k, v in SERVER_DIFFERENCES.items() if k in native and native[k] == v[0]}


@pytest.mark.parametrize("stream", [False, True], ids=["created", "streamed"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_proxy_matches_the_servers_own_messages_endpoint(real_server, proxy, way, model, case, stream):
    """The proxy's answer and the server's own /v1/messages answer to the same request differ only where
    SERVER_DIFFERENCES says: same blocks, text, tool calls, stop reason, prompt and output token counts, and
    stream event sequence."""
    native = answer(real_server.url, request(case, MODEL, stream))
    proxied = answer(proxy.url, request(case, model, stream))
    diff = {k: tuple(v) for k, v in differences(native, proxied).items()}
    assert diff == expected_differences(way, native), json.dumps(diff, indent=1, default=str)


def test_context_overflow_native_and_proxied(real_server, proxy, way, model):
    """The server's own /v1/messages reports an overflow in its OpenAI-style error body (type
    exceed_context_size_error, no Anthropic `type: error`); through the proxy, either way, it is Anthropic's
    400 invalid_request_error with the server's numbers in the sentence Claude Code compacts on."""
    native = post_raw(real_server.url, {**overflow(), "model": MODEL}, timeout=60)
    assert native.status == 400
    error = json.loads(native.text)
    assert "type" not in error and error["error"]["type"] == "exceed_context_size_error", error
    n, limit = error["error"]["n_prompt_tokens"], error["error"]["n_ctx"]
    proxied = post_raw(proxy.url, {**overflow(), "model": model}, timeout=60)
    assert proxied.status == 400
    body = json.loads(proxied.text)
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error", body
    assert f"prompt is too long: {n} tokens > {limit} maximum" in body["error"]["message"], body
