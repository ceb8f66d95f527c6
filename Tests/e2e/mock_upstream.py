"""A scriptable mock OpenAI-compatible upstream (`POST {base}/chat/completions`).

It listens on 127.0.0.1 (an ephemeral port), records every request it receives (method, path, headers, JSON
body) and answers from a per-test script: either a queue of replies (`enqueue`) or a function of the recorded
request (`respond_with`). Replies:

- `JSONReply(body, status=200, headers=None)`      a complete JSON answer (chat completion or an error body)
- `SSEReply(chunks, ...)`                           a streamed answer: one `data:` line per chunk, then
                                                    `data: [DONE]` unless `done=False`; `delay` between chunks
                                                    (slow streams), `drop=True` closes the socket mid-body
                                                    (no terminating chunk, no [DONE])
- `RawReply(status, body, content_type)`            anything else (HTML error pages, plain text)
- `DropReply()`                                     close the connection without answering at all

Builders for the OpenAI shapes (`completion`, `chunk`, `usage`, `text_stream`, `tool_call_stream`, …) keep the
tests short. Standard library only, so the Claude Code scenario can run it inside a network namespace.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

# --------------------------------------------------------------------------------------------------------------
# Replies


@dataclass
class JSONReply:
    body: Any
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds before answering


@dataclass
class SSEReply:
    chunks: list[Any]  # dicts are JSON-encoded; strings are sent verbatim as the `data:` payload; bytes are
    #                    written raw (SSE comments, `event:` lines, `data:` without a space)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds between chunks
    first_delay: float = 0.0  # seconds before the first chunk (after the response head)
    done: bool = True  # send `data: [DONE]` at the end
    drop: bool = False  # after the chunks, kill the connection mid-body (no last chunk, no [DONE])
    crlf: bool = False  # frame events with \r\n instead of \n
    split_bytes: int = 0  # >0: write the body in pieces of this many bytes (framing robustness)


@dataclass
class RawReply:
    status: int
    body: bytes | str
    content_type: str = "text/plain"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class DropReply:
    """Close the connection without sending a single byte."""


Reply = JSONReply | SSEReply | RawReply | DropReply


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]  # lower-cased names
    body: Any  # parsed JSON, or None
    raw: bytes
    time: float
    outcome: str = "pending"  # "answered", "client-gone" (the proxy hung up while we were writing), "dropped"

    @property
    def messages(self) -> list[dict]:
        return (self.body or {}).get("messages", [])

    @property
    def model(self) -> str | None:
        return (self.body or {}).get("model")

    @property
    def stream(self) -> bool:
        return bool((self.body or {}).get("stream"))


# --------------------------------------------------------------------------------------------------------------
# OpenAI shape builders


def usage(prompt: int, completion: int, cached: int | None = None, **extra: Any) -> dict:
    u: dict[str, Any] = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    if cached is not None:
        u["prompt_tokens_details"] = {"cached_tokens": cached}
    u.update(extra)
    return u


def tool_call(id: str, name: str, arguments: Any, index: int | None = None) -> dict:
    args = arguments if isinstance(arguments, str) else json.dumps(arguments)
    tc: dict[str, Any] = {"id": id, "type": "function", "function": {"name": name, "arguments": args}}
    if index is not None:
        tc["index"] = index
    return tc


def completion(
    text: str | None = None,
    *,
    tool_calls: list[dict] | None = None,
    reasoning: str | None = None,
    finish_reason: str | None = None,
    usage: dict | None = None,
    model: str = "mock-model",
) -> dict:
    message: dict[str, Any] = {"role": "assistant", "content": text}
    if tool_calls:
        message["tool_calls"] = tool_calls
    if reasoning is not None:
        message["reasoning_content"] = reasoning
    if finish_reason is None:
        finish_reason = "tool_calls" if tool_calls else "stop"
    body: dict[str, Any] = {
        "id": "chatcmpl-mock",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
    }
    if usage is not None:
        body["usage"] = usage
    return body


def chunk(delta: dict | None = None, finish_reason: str | None = None, *, usage: dict | None = None,
          choices: bool = True, model: str = "mock-model") -> dict:
    c: dict[str, Any] = {"id": "chatcmpl-mock", "object": "chat.completion.chunk", "created": int(time.time()),
                         "model": model}
    c["choices"] = [{"index": 0, "delta": delta or {}, "finish_reason": finish_reason}] if choices else []
    if usage is not None:
        c["usage"] = usage
    return c


def usage_chunk(u: dict) -> dict:
    """The trailing `include_usage` chunk: empty choices, usage set (sent after the finish_reason chunk)."""
    return chunk(choices=False, usage=u)


def text_stream(pieces: list[str], *, finish_reason: str = "stop", usage: dict | None = None,
                usage_mode: str = "trailing", reasoning: list[str] | None = None) -> list[dict]:
    """Chunks of a streamed text answer. usage_mode: 'trailing' (an empty-choices chunk after the finish),
    'inline' (on the finish chunk), 'absent'."""
    out = [chunk({"role": "assistant", "content": ""})]
    for r in reasoning or []:
        out.append(chunk({"reasoning_content": r}))
    for p in pieces:
        out.append(chunk({"content": p}))
    if usage is not None and usage_mode == "inline":
        out.append(chunk({}, finish_reason, usage=usage))
    else:
        out.append(chunk({}, finish_reason))
        if usage is not None and usage_mode == "trailing":
            out.append(usage_chunk(usage))
    return out


def split_args(arguments: Any, pieces: int) -> list[str]:
    text = arguments if isinstance(arguments, str) else json.dumps(arguments)
    size = max(1, -(-len(text) // pieces))
    return [text[i:i + size] for i in range(0, len(text), size)]


def tool_call_deltas(calls: list[tuple[str, str, Any]], *, fragments: int = 4) -> list[dict]:
    """Chunks announcing each (id, name, arguments) at its own `index` and streaming the arguments in
    `fragments` pieces (fragments=1: the arguments arrive whole in the announcing chunk)."""
    out = []
    for index, (id, name, arguments) in enumerate(calls):
        parts = split_args(arguments, fragments)
        if fragments == 1:
            out.append(chunk({"tool_calls": [{"index": index, "id": id, "type": "function",
                                              "function": {"name": name, "arguments": parts[0]}}]}))
            continue
        out.append(chunk({"tool_calls": [{"index": index, "id": id, "type": "function",
                                          "function": {"name": name, "arguments": ""}}]}))
        for p in parts:
            out.append(chunk({"tool_calls": [{"index": index, "function": {"arguments": p}}]}))
    return out


def tool_call_stream(calls: list[tuple[str, str, Any]], *, text: str | None = None, fragments: int = 4,
                     usage: dict | None = None, finish_reason: str = "tool_calls") -> list[dict]:
    out = [chunk({"role": "assistant", "content": None})]
    if text:
        out.append(chunk({"content": text}))
    out += tool_call_deltas(calls, fragments=fragments)
    out.append(chunk({}, finish_reason))
    if usage is not None:
        out.append(usage_chunk(usage))
    return out


def openai_error(status: int, message: str, type: str = "invalid_request_error", code: str | None = None,
                 headers: dict[str, str] | None = None) -> JSONReply:
    return JSONReply({"error": {"message": message, "type": type, "param": None, "code": code}}, status=status,
                     headers=headers or {})


# --------------------------------------------------------------------------------------------------------------
# Anthropic's checks of thinking


def answers_tool_call(body: dict) -> bool:
    """Whether a request's last message gives tool results (its assistant turn is a tool loop)."""
    last = (body.get("messages") or [{}])[-1]
    content = last.get("content")
    return isinstance(content, list) and any(b.get("type") in ("tool_result", "function_call_output") for b in content)


def anthropic_thinking_refusal(body: dict, signer: str) -> JSONReply | None:
    """The 400 Anthropic's API answers a Messages request whose thinking it cannot accept, as it words it — a
    thinking or redacted block it did not sign (this mock signs `<signer>-…`), a tool loop whose calls do not
    start with thinking while thinking is on — or None when it would take the request."""
    messages = body.get("messages") or []
    message = None
    for i, m in enumerate(messages):
        content = m.get("content")
        for j, block in enumerate(content if isinstance(content, list) else []):
            token = {"thinking": block.get("signature"), "redacted_thinking": block.get("data")}.get(block.get("type"))
            if token is not None and not token.startswith(f"{signer}-"):
                message = f"messages.{i}.content.{j}: Invalid `signature` in `{block['type']}` block"
                break
        if message:
            break
    if message is None and (body.get("thinking") or {}).get("type") in ("enabled", "adaptive") and answers_tool_call(body):
        index, calling = next(((i, m) for i, m in reversed(list(enumerate(messages))) if m.get("role") == "assistant"),
                              (0, {}))
        content = calling.get("content")
        first = content[0] if isinstance(content, list) and content else {"type": "text"}
        if first.get("type") not in ("thinking", "redacted_thinking"):
            message = (f"messages.{index}.content.0.type: Expected `thinking` or `redacted_thinking`, but found "
                       f"`{first.get('type')}`. When `thinking` is enabled, a final `assistant` message must start "
                       "with a thinking block (preceeding the lastmost set of `tool_use` and `tool_result` blocks).")
    if message is None:
        return None
    return JSONReply({"type": "error", "error": {"type": "invalid_request_error", "message": message}}, status=400)


# --------------------------------------------------------------------------------------------------------------
# The server


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: "_Server"

    def log_message(self, format: str, *args: Any) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def _handle(self) -> None:
        mock = self.server.mock
        length = int(self.headers.get("content-length") or 0)
        raw = b""
        if self.headers.get("transfer-encoding", "").lower() == "chunked":
            raw = self._read_chunked()
        elif length:
            raw = self.rfile.read(length)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        rec = Recorded(self.command, self.path, {k.lower(): v for k, v in self.headers.items()}, body, raw,
                       time.monotonic())
        mock._record(rec)
        try:
            reply = mock._reply_for(rec)
            self._send(reply, rec)
            if rec.outcome == "pending":
                rec.outcome = "answered"
        except (BrokenPipeError, ConnectionResetError, ConnectionAbortedError, socket.timeout):
            rec.outcome = "client-gone"
            self.close_connection = True
        except Exception as error:  # a bug in a test's script: answer 500 so the test sees something
            mock.errors.append(f"{type(error).__name__}: {error}")
            rec.outcome = "script-error"
            try:
                self._send(JSONReply({"error": {"message": f"mock script error: {error}"}}, status=500), rec)
            except OSError:
                pass
        finally:
            mock._done(rec)

    def _read_chunked(self) -> bytes:
        data = b""
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                self.rfile.readline()
                return data
            data += self.rfile.read(size)
            self.rfile.readline()

    def _head(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)

    def _send(self, reply: Reply, rec: Recorded) -> None:
        if isinstance(reply, DropReply):
            rec.outcome = "dropped"
            self._kill()
            return
        if isinstance(reply, (JSONReply, RawReply)):
            if isinstance(reply, JSONReply):
                if reply.delay:
                    time.sleep(reply.delay)
                payload = json.dumps(reply.body).encode()
                ctype = "application/json"
            else:
                payload = reply.body.encode() if isinstance(reply.body, str) else reply.body
                ctype = reply.content_type
            self._head(reply.status, {"Content-Type": ctype, "Content-Length": str(len(payload)), **reply.headers})
            self.end_headers()
            self.wfile.write(payload)
            self.wfile.flush()
            return
        assert isinstance(reply, SSEReply)
        self._head(reply.status, {"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                                  "Transfer-Encoding": "chunked", **reply.headers})
        self.end_headers()
        self.wfile.flush()
        nl = "\r\n" if reply.crlf else "\n"
        if reply.first_delay:
            time.sleep(reply.first_delay)
        for i, c in enumerate(reply.chunks):
            if i and reply.delay:
                time.sleep(reply.delay)
            if isinstance(c, bytes):  # raw SSE text (comments, odd framing), written as is
                self._write_chunk(c, reply.split_bytes)
                continue
            data = c if isinstance(c, str) else json.dumps(c)
            self._write_chunk(f"data: {data}{nl}{nl}".encode(), reply.split_bytes)
        if reply.drop:
            rec.outcome = "dropped"
            time.sleep(0.05)
            self._kill()
            return
        if reply.done:
            if reply.delay:
                time.sleep(reply.delay)
            self._write_chunk(f"data: [DONE]{nl}{nl}".encode(), reply.split_bytes)
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    def _write_chunk(self, data: bytes, split: int) -> None:
        pieces = [data[i:i + split] for i in range(0, len(data), split)] if split else [data]
        for p in pieces:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(p), p))
            self.wfile.flush()

    def _kill(self) -> None:
        self.wfile.flush()
        self.close_connection = True
        try:
            # FIN mid-body, as when the upstream process dies: the chunked body never gets its last chunk.
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    mock: "MockUpstream"


class MockUpstream:
    """Run with `start()`; `url` is the base URL to configure (`…/v1`)."""

    def __init__(self, name: str = "mock", host: str = "127.0.0.1"):
        self.name = name
        self.host = host
        self._lock = threading.Condition()
        self.requests: list[Recorded] = []
        self.errors: list[str] = []
        self._queue: list[Reply] = []
        self._responder: Callable[[Recorded], Reply] | None = None
        self.default: Reply = JSONReply(completion("ok", usage=usage(10, 1)))
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._active = 0

    # lifecycle
    def start(self) -> "MockUpstream":
        self._server = _Server((self.host, 0), _Handler)
        self._server.mock = self
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"mock-upstream-{self.name}", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def port(self) -> int:
        assert self._server
        return self._server.server_address[1]

    @property
    def root(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.root}/v1"

    # scripting
    def reset(self) -> None:
        with self._lock:
            self.requests.clear()
            self.errors.clear()
            self._queue.clear()
            self._responder = None

    def enqueue(self, *replies: Reply) -> None:
        with self._lock:
            self._queue.extend(replies)

    def respond_with(self, fn: Callable[[Recorded], Reply]) -> None:
        self._responder = fn

    def _reply_for(self, rec: Recorded) -> Reply:
        with self._lock:
            if self._queue:
                return self._queue.pop(0)
        if self._responder is not None:
            return self._responder(rec)
        if not rec.path.rstrip("/").endswith("/chat/completions"):
            return JSONReply({"error": {"message": f"mock: no route {rec.path}"}}, status=404)
        return self.default

    def _record(self, rec: Recorded) -> None:
        with self._lock:
            self.requests.append(rec)
            self._active += 1
            self._lock.notify_all()

    def _done(self, rec: Recorded) -> None:
        with self._lock:
            self._active -= 1
            self._lock.notify_all()

    # inspection
    def chat_requests(self) -> list[Recorded]:
        with self._lock:
            return [r for r in self.requests if r.path.split("?")[0].rstrip("/").endswith("/chat/completions")]

    def last(self) -> Recorded:
        reqs = self.chat_requests()
        assert reqs, f"mock upstream '{self.name}' received no chat request"
        return reqs[-1]

    def wait_for(self, predicate: Callable[["MockUpstream"], bool], timeout: float = 10.0) -> bool:
        deadline = time.monotonic() + timeout
        with self._lock:
            while not predicate(self):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._lock.wait(min(left, 0.1))
            return True

    def wait_idle(self, timeout: float = 10.0) -> bool:
        return self.wait_for(lambda m: m._active == 0, timeout)
