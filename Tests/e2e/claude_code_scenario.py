"""The Claude Code scenario, run INSIDE a loopback-only network namespace:

    unshare -n python3 Tests/e2e/claude_code_scenario.py --proxy-bin BIN --claude CLAUDE \
        --mode env|config|native|responses|gemini|launcher|overflow|compact|errors|switch --base DIR --out RESULT.json

It brings `lo` up, refuses to go on if the namespace has any other interface or any route off `lo` (or can
reach an outside address), starts the mock upstream(s) and the proxy, puts a byte-level relay in front of the
proxy that records the CLI's request heads (to see `x-stainless-retry-count`), runs the real `claude -p …
--output-format json` in a temporary HOME and working directory, and writes everything the test asserts on
into RESULT.json. It never raises on a failed expectation: the pytest side judges.

The mock scripts an agentic loop from the request it receives (the CLI drives the turns):
no tool result yet → a Write tool call (arguments streamed in fragments); the Write's result → a Bash tool call
(arguments whole); the Bash's result → the final answer. Requests without the Write tool are side requests
(titles, classifiers…) and get a short text. In `native` mode the proxy's one provider is `type: anthropic` and
the mock answers `POST /v1/messages` in Anthropic's wire format (tool_use blocks, `input_json_delta`s), scripting
the same loop from the `tool_result` blocks it receives. In `responses` mode the provider is `type:
openai-responses` and the mock answers `POST /v1/responses` in the Responses API's wire format (output items,
typed events), scripting the loop from the `function_call_output` items it receives; the CLI asks for
thinking (it does by default), so the Bash step carries a reasoning item that must come back encrypted on the
final turn. In `gemini` mode the provider is `type: gemini` and the mock (gemini_upstream.GeminiUpstream)
answers `:streamGenerateContent` in Gemini's wire format, signing each step's first function call (and the
Bash step's thought) as Gemini 3 does, and refusing, as Gemini 3 does, a request whose function calls of the
current turn come back without their signatures.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from harness import ProxyProcess, kill_with_parent, proxy_env_for  # noqa: E402
from mock_upstream import (  # noqa: E402
    JSONReply, MockUpstream, Recorded, SSEReply, anthropic_thinking_refusal, completion, openai_error, split_args,
    text_stream, tool_call, tool_call_stream, usage,
)

WRITE_ID = "call_e2e_write_1"
BASH_ID = "call_e2e_bash_1"
AGENT_ID = "call_e2e_agent_1"
PROMPT_MARKER = "[e2e-marker]"
SUBAGENT_MARKER = "[e2e-subagent]"
SUBAGENT_REPORT = "SUBAGENT-DONE: hello.txt written."
FINAL_TEXT = "E2E-DONE: hello.txt written and bash.txt created."
WRITE_CONTENT = "written through claude-code-proxy\n"
BASH_COMMAND = "echo bash-was-here > bash.txt"
PROMPT = "Create hello.txt with a greeting, then run a shell command that creates bash.txt. [e2e-marker]"
BASH_ARGS = {"command": BASH_COMMAND, "description": "Create bash.txt"}
LAUNCHER_CLIENT_KEY = "launcher-client-key-e2e"
NATIVE_KEY = "sk-ant-native-from-env"
NATIVE_MODEL = "native-model"
NATIVE_SIGNATURE = "EqQBe2eNativeSignature"
RESPONSES_KEY = "sk-openai-responses-from-env"
GEMINI_KEY = "gemini-key-from-env"
GEMINI_MODEL = "gemini-3-pro-preview"
RESPONSES_MODEL = "gpt-5-codex"
BASH_REASONING = "gAAAAABe2eBashStepEncryptedReasoning=="
# compact mode: the main route's window; the file the main loop writes, whose Write call takes Claude Code's
# context past its compaction threshold for that window (the window less 20,000 for output, less 13,000) but
# leaves the request under the window; the words of the CLI's compaction request; the summary
COMPACT_WINDOW = 120000
BIG_CONTENT = "".join(f"line {i:06d}: written through claude-code-proxy, long enough to fill a context window\n"
                      for i in range(3500))
COMPACTION_ASK = "create a detailed summary"
# errors mode: the wait the upstream's 429 asks for (the proxy passes it on in whole seconds: 2)
RATE_LIMIT_WAIT_MS = 1500
# switch mode: the second session's prompt (resumed on another model) and its answer
RESUME_PROMPT = "Now say you are done. [e2e-resume]"
RESUMED_TEXT = "E2E-RESUMED: done."
SUMMARY_TEXT = f"E2E-SUMMARY: the user wants hello.txt and bash.txt. {PROMPT_MARKER}"


# ------------------------------------------------------------------------------------------------------------
# namespace checks


def run(cmd: list[str]) -> str:
    return subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=10).stdout


def check_namespace() -> list[str]:
    """Problems that make this namespace unsafe (anything but loopback)."""
    problems = []
    links = [line.split(":")[1].strip().split("@")[0] for line in run(["ip", "-o", "link", "show"]).splitlines()
             if line.strip()]
    if links != ["lo"]:
        problems.append(f"interfaces other than lo exist: {links}")
    for family in ("-4", "-6"):
        try:
            out = run(["ip", family, "route", "show", "table", "all"]).strip()
        except subprocess.CalledProcessError:
            if family == "-6":
                continue  # IPv6 disabled: no IPv6 routes at all
            raise
        for line in out.splitlines():
            words = line.split()
            if "dev" not in words or words[words.index("dev") + 1] != "lo" or "via" in words:
                problems.append(f"route off loopback ({family}): {line}")
    # Belt and braces: an outside address must be unreachable.
    for addr in (("1.1.1.1", 443), ("8.8.8.8", 53)):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(2)
        try:
            s.connect(addr)
            problems.append(f"{addr[0]}:{addr[1]} is reachable from the namespace")
        except OSError:
            pass
        finally:
            s.close()
    return problems


def enter_namespace(result: dict) -> bool:
    """A scenario's start inside `unshare -n`: SIGTERM (the test's timeout) becomes SystemExit, so the caller's
    `finally` still cleans up and writes its result; `lo` comes up; the namespace's problems go to `result`.
    False when the namespace is not loopback-only (the scenario must not run)."""
    def terminate(signum, frame):
        raise SystemExit(f"terminated by signal {signum}")
    signal.signal(signal.SIGTERM, terminate)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True, timeout=10)
    result["namespace_problems"] = check_namespace()
    return not result["namespace_problems"]


# ------------------------------------------------------------------------------------------------------------
# the relay in front of the proxy: forwards bytes, records request heads


class HeadRecorder:
    """Parses the client→server byte stream of one connection into requests (head + Content-Length or
    chunked body) and records method, path, headers and the JSON body's model/stream/fields (and a digest of its
    messages, to find the request again upstream)."""

    def __init__(self, sink: list, lock: threading.Lock, conn_id: int):
        self.buf = b""
        self.sink = sink
        self.lock = lock
        self.conn_id = conn_id
        self.need_body: int | None = None
        self.chunked = False
        self.current: dict | None = None

    def feed(self, data: bytes) -> None:
        self.buf += data
        while True:
            if self.current is None:
                end = self.buf.find(b"\r\n\r\n")
                if end < 0:
                    return
                head = self.buf[:end].decode("latin-1")
                self.buf = self.buf[end + 4:]
                lines = head.split("\r\n")
                parts = lines[0].split(" ")
                headers = {}
                for line in lines[1:]:
                    k, _, v = line.partition(":")
                    headers[k.strip().lower()] = v.strip()
                self.current = {"conn": self.conn_id, "method": parts[0], "path": parts[1] if len(parts) > 1 else "",
                                "headers": headers, "time": time.monotonic()}
                self.chunked = "chunked" in headers.get("transfer-encoding", "").lower()
                self.need_body = None if self.chunked else int(headers.get("content-length") or 0)
                self.body = b""
            if self.chunked:
                # decode as much of the chunked body as is complete
                while True:
                    nl = self.buf.find(b"\r\n")
                    if nl < 0:
                        return
                    size = int(self.buf[:nl].split(b";")[0] or b"0", 16)
                    if len(self.buf) < nl + 2 + size + 2:
                        return
                    self.body += self.buf[nl + 2:nl + 2 + size]
                    self.buf = self.buf[nl + 2 + size + 2:]
                    if size == 0:
                        break
            else:
                if len(self.buf) < (self.need_body or 0):
                    return
                self.body = self.buf[:self.need_body]
                self.buf = self.buf[self.need_body:]
            self._finish()

    def _finish(self) -> None:
        rec = self.current
        assert rec is not None
        try:
            body = json.loads(self.body) if self.body else None
        except ValueError:
            body = None
        if isinstance(body, dict):
            rec["model"] = body.get("model")
            rec["stream"] = body.get("stream")
            rec["tools"] = [t.get("name") for t in body.get("tools") or []]
            rec["n_messages"] = len(body.get("messages") or [])
            rec["fields"] = sorted(body)
            rec["messages_digest"] = digest(body.get("messages"))
            rec["unsigned_digest"] = unsigned_digest(body.get("messages"))
        rec["body_bytes"] = len(self.body)
        with self.lock:
            self.sink.append(rec)
        self.current = None


class Relay:
    def __init__(self, target_port: int):
        self.target_port = target_port
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.stopped = False
        self.conn_count = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while not self.stopped:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            self.conn_count += 1
            threading.Thread(target=self._pipe, args=(client, self.conn_count), daemon=True).start()

    def _pipe(self, client: socket.socket, conn_id: int) -> None:
        try:
            upstream = socket.create_connection(("127.0.0.1", self.target_port), timeout=10)
        except OSError:
            client.close()
            return
        upstream.settimeout(None)
        recorder = HeadRecorder(self.requests, self.lock, conn_id)
        socks = [client, upstream]
        try:
            while True:
                readable, _, _ = select.select(socks, [], [], 1.0)
                if self.stopped:
                    return
                for s in readable:
                    data = s.recv(65536)
                    if not data:
                        return
                    if s is client:
                        try:
                            recorder.feed(data)
                        except Exception:  # never let recording break the relay
                            pass
                        upstream.sendall(data)
                    else:
                        client.sendall(data)
        except OSError:
            return
        finally:
            client.close()
            upstream.close()

    def stop(self) -> None:
        self.stopped = True
        self.sock.close()


# ------------------------------------------------------------------------------------------------------------
# the mock's agentic loop (both protocols: OpenAI function tools and tool messages, Anthropic tools and blocks)


def digest(value) -> str:
    return hashlib.sha256(json.dumps(value, sort_keys=True).encode()).hexdigest()


def unsigned_digest(messages) -> str:
    """The digest of messages with their thinking tokens blanked: the client holds them packed by the proxy,
    an Anthropic-native upstream gets its own back."""
    def blank(block):
        if isinstance(block, dict) and block.get("type") in ("thinking", "redacted_thinking"):
            return {**block, **({"signature": ""} if block["type"] == "thinking" else {"data": ""})}
        return block
    return digest([{**m, "content": [blank(b) for b in m["content"]]} if isinstance(m.get("content"), list) else m
                   for m in messages or []])


def tool_names(rec: Recorded) -> list[str]:
    return [t.get("name") or t.get("function", {}).get("name") for t in (rec.body or {}).get("tools") or []]


def conversation(rec: Recorded) -> list[dict]:
    """The request's history: Chat Completions / Anthropic `messages`, or Responses `input` items."""
    return rec.messages or (rec.body or {}).get("input") or []


def first_user_text(rec: Recorded) -> str:
    for m in conversation(rec):
        if m.get("role") == "user":
            c = m.get("content")
            if isinstance(c, str):
                return c
            return "\n".join(p.get("text", "") for p in c or [] if isinstance(p, dict))
    return ""


def classify(rec: Recorded) -> str:
    """`subagent`, `main` (the prompt, or a compaction's summary of it, with the Write tool), or `side`."""
    if SUBAGENT_MARKER in first_user_text(rec):
        return "subagent"
    if "Write" in tool_names(rec) and (PROMPT_MARKER in first_user_text(rec) or SUMMARY_TEXT in all_text(rec)):
        return "main"
    return "side"


def blocks_of(message: dict, kind: str) -> list[dict]:
    """The Anthropic content blocks of one type in a message (none when its content is a string)."""
    content = message.get("content")
    return [b for b in content if isinstance(b, dict) and b.get("type") == kind] if isinstance(content, list) else []


def results_after_last_assistant(rec: Recorded) -> list[str]:
    """The ids answered after the last assistant message: tool messages' tool_call_id (OpenAI), tool_result
    blocks' tool_use_id (Anthropic), function_call_output items' call_id after the last function_call
    (Responses)."""
    ids = []
    for m in reversed(conversation(rec)):
        if m.get("role") == "assistant" or m.get("type") == "function_call":
            break
        if m.get("role") == "tool":
            ids.append(m.get("tool_call_id"))
        if m.get("type") == "function_call_output":
            ids.append(m.get("call_id"))
        ids += [b.get("tool_use_id") for b in blocks_of(m, "tool_result")]
    return ids


def main_step(rec: Recorded, delegate: bool) -> str:
    """The main loop's next step, from the tool results the request carries."""
    done = results_after_last_assistant(rec)
    if BASH_ID in done:
        return "final"
    if WRITE_ID in done or AGENT_ID in done:
        return "bash"
    return "agent" if delegate else "write"


def write_args(workdir: str, content: str = WRITE_CONTENT) -> dict:
    return {"file_path": os.path.join(workdir, "hello.txt"), "content": content}


def make_responder(workdir: str, delegate: bool, compact: bool = False):
    """The main loop's plan: Write → Bash → final answer; with `delegate`, Agent(model haiku) → Bash → final,
    where the subagent (recognised by its prompt) does Write → its report. With `compact`, the Write is of
    BIG_CONTENT, every answer reports the prompt's size as a tokenizer would (a token per three bytes), and a
    conversation that starts from the compaction's summary goes on with the Bash step."""
    u = usage(3000, 40, cached=2048)
    content = BIG_CONTENT if compact else WRITE_CONTENT

    def tool_reply(rec: Recorded, call_id: str, name: str, args: dict, text: str | None, fragments: int):
        tokens = usage(len(rec.raw) // 3, 40) if compact else u
        if rec.stream:
            return SSEReply(tool_call_stream([(call_id, name, args)], text=text, fragments=fragments, usage=tokens))
        return JSONReply(completion(text, tool_calls=[tool_call(call_id, name, args)], usage=tokens))

    def text_reply(rec: Recorded, pieces: list[str], reasoning: list[str] | None = None):
        if rec.stream:
            return SSEReply(text_stream(pieces, usage=u, reasoning=reasoning))
        return JSONReply(completion("".join(pieces), usage=u, reasoning="".join(reasoning or []) or None))

    agent_args = {"description": "Write hello file", "prompt": f"{SUBAGENT_MARKER} Write hello.txt.",
                  "subagent_type": "general-purpose", "model": "haiku", "run_in_background": False}

    def respond(rec: Recorded):
        kind = classify(rec)
        if kind == "side":
            rec.step = "side"  # type: ignore[attr-defined]
            return text_reply(rec, ["E2E side answer"])
        if kind == "subagent":
            step = "sub-report" if WRITE_ID in results_after_last_assistant(rec) else "sub-write"
            rec.step = step  # type: ignore[attr-defined]
            if step == "sub-write":
                return tool_reply(rec, WRITE_ID, "Write", write_args(workdir, content), "Writing the file.", 5)
            return text_reply(rec, [SUBAGENT_REPORT])
        step = main_step(rec, delegate)
        if compact and step == "write" and SUMMARY_TEXT in all_text(rec):
            step = "bash"
        rec.step = step  # type: ignore[attr-defined]
        if step == "write":
            return tool_reply(rec, WRITE_ID, "Write", write_args(workdir, content), "I'll write the file.", 5)
        if step == "agent":
            return tool_reply(rec, AGENT_ID, "Agent", agent_args, "Delegating the file.", 3)
        if step == "bash":
            return tool_reply(rec, BASH_ID, "Bash", BASH_ARGS, None, 1)
        return text_reply(rec, ["E2E-DONE: hello.txt written", " and bash.txt created."], ["All steps done."])
    return respond


def all_text(rec: Recorded) -> str:
    """Every text of the request's messages, joined."""
    parts = []
    for m in conversation(rec):
        c = m.get("content")
        parts += [c] if isinstance(c, str) else [p.get("text", "") for p in c or [] if isinstance(p, dict)]
    return "\n".join(parts)


def make_summarizer():
    """The compaction route's model: a summary for whatever it is asked, in the tags Claude Code reads."""
    def respond(rec: Recorded):
        rec.step = "summary"  # type: ignore[attr-defined]
        text = f"<analysis>The user asked for two files.</analysis>\n<summary>{SUMMARY_TEXT}</summary>"
        if rec.stream:
            return SSEReply(text_stream([text], usage=usage(2000, 60)))
        return JSONReply(completion(text, usage=usage(2000, 60)))
    return respond


def make_failing_responder(workdir: str):
    """The main loop with two failures the CLI must get past (errors mode): its first request is refused
    with a 429 that asks, as OpenAI does, for RATE_LIMIT_WAIT_MS milliseconds; its first request after the
    Write with OpenAI's context overflow. The CLI's compaction request gets the summary; the loop then starts
    again from it."""
    loop = make_responder(workdir, delegate=False)
    summarizer = make_summarizer()
    failed: set[str] = set()

    def respond(rec: Recorded):
        if COMPACTION_ASK in all_text(rec):
            return summarizer(rec)
        step = main_step(rec, delegate=False) if classify(rec) == "main" else None
        if step == "write" and "rate-limit" not in failed:
            failed.add("rate-limit")
            rec.step = "rate-limited"  # type: ignore[attr-defined]
            return openai_error(429, "Rate limit reached for big-model on requests per min (RPM): Limit 3, Used 3.",
                                type="requests", code="rate_limit_exceeded",
                                headers={"retry-after-ms": str(RATE_LIMIT_WAIT_MS)})
        if step == "bash" and "overflow" not in failed:
            failed.add("overflow")
            rec.step = "overflowed"  # type: ignore[attr-defined]
            return openai_error(400, "This model's maximum context length is 128000 tokens. However, your messages "
                                "resulted in 130512 tokens. Please reduce the length of the messages.",
                                code="context_length_exceeded")
        return loop(rec)
    return respond


# ------------------------------------------------------------------------------------------------------------
# the same loop in Anthropic's wire format (native mode)


def native_message(id: str, blocks: list[dict], stop: str | None, output_tokens: int = 40) -> dict:
    """An answer; `id` must differ between turns (Claude Code merges the assistant messages of one id)."""
    return {"id": id, "type": "message", "role": "assistant", "model": NATIVE_MODEL,
            "content": blocks, "stop_reason": stop, "stop_sequence": None,
            "usage": {"input_tokens": 3000, "output_tokens": output_tokens, "cache_read_input_tokens": 2048,
                      "cache_creation_input_tokens": 0}}


def event(name: str, data: dict) -> bytes:
    return f"event: {name}\ndata: {json.dumps({'type': name, **data})}\n\n".encode()


def block_events(index: int, block: dict, fragments: int) -> list[bytes]:
    """content_block_start with the block empty, its deltas (the text or the input's JSON in `fragments`
    pieces; thinking, then its signature), content_block_stop."""
    if block["type"] == "tool_use":
        opened = {**block, "input": {}}
        deltas = [{"type": "input_json_delta", "partial_json": p} for p in split_args(block["input"], fragments)]
    elif block["type"] == "thinking":
        opened = {"type": "thinking", "thinking": "", "signature": ""}
        deltas = [{"type": "thinking_delta", "thinking": block["thinking"]},
                  {"type": "signature_delta", "signature": block["signature"]}]
    else:
        opened = {"type": "text", "text": ""}
        deltas = [{"type": "text_delta", "text": p} for p in split_args(block["text"], fragments)]
    return [event("content_block_start", {"index": index, "content_block": opened}),
            *(event("content_block_delta", {"index": index, "delta": d}) for d in deltas),
            event("content_block_stop", {"index": index})]


def native_events(id: str, blocks: list[dict], stop: str, fragments: int) -> list[bytes]:
    """A streamed answer as Anthropic sends it: message_start, ping, the blocks, message_delta, message_stop."""
    out = [event("message_start", {"message": native_message(id, [], None, output_tokens=1)}), event("ping", {})]
    for index, block in enumerate(blocks):
        out += block_events(index, block, fragments)
    out.append(event("message_delta", {"delta": {"stop_reason": stop, "stop_sequence": None},
                                       "usage": {"output_tokens": 40}}))
    return out + [event("message_stop", {})]


def text_block(text: str) -> dict:
    return {"type": "text", "text": text}


def tool_use_block(id: str, name: str, input: dict) -> dict:
    return {"type": "tool_use", "id": id, "name": name, "input": input}


def make_native_responder(workdir: str):
    """make_responder's Write → Bash → final loop, answered as Anthropic does: events when the request
    streams, a message otherwise. Everything but the main loop is a side request."""

    def reply(rec: Recorded, blocks: list[dict], stop: str = "end_turn", fragments: int = 1):
        id = f"msg_e2e_{rec.step}"  # type: ignore[attr-defined]
        if rec.stream:
            return SSEReply(native_events(id, blocks, stop, fragments), done=False)
        return JSONReply(native_message(id, blocks, stop))

    def respond(rec: Recorded):
        if rec.path != "/v1/messages":
            return JSONReply({"type": "error", "error": {"type": "not_found_error",
                                                         "message": f"mock: no route {rec.path}"}}, status=404)
        step = main_step(rec, delegate=False) if classify(rec) == "main" else "side"
        rec.step = step  # type: ignore[attr-defined]
        if step == "side":
            return reply(rec, [text_block("E2E side answer")])
        # under a thinking budget, Anthropic's answers start with thinking
        thought = [{"type": "thinking", "thinking": f"Now the {step} step.", "signature": f"{NATIVE_SIGNATURE}-{step}"}]
        if ((rec.body or {}).get("thinking") or {}).get("type") not in ("enabled", "adaptive"):
            thought = []
        if step == "write":
            return reply(rec, thought + [text_block("I'll write the file."),
                                         tool_use_block(WRITE_ID, "Write", write_args(workdir))], "tool_use", 5)
        if step == "bash":
            return reply(rec, thought + [tool_use_block(BASH_ID, "Bash", BASH_ARGS)], "tool_use")
        return reply(rec, thought + [text_block(FINAL_TEXT)], fragments=2)
    return respond


def make_signing_responder(workdir: str, signer: str, overloaded_step: str | None = None):
    """The native loop (switch mode) from an Anthropic-native service that checks thinking as Anthropic does
    (`anthropic_thinking_refusal`) and signs its own `<signer>-…`: each main-loop answer starts with a thinking
    block when the request asks for thinking; the request of `overloaded_step` is answered 529 once; a request
    whose last message is RESUME_PROMPT gets RESUMED_TEXT."""
    overloaded = {overloaded_step}

    def reply(rec: Recorded, blocks: list[dict], stop: str = "end_turn"):
        if ((rec.body or {}).get("thinking") or {}).get("type") in ("enabled", "adaptive"):
            blocks = [{"type": "thinking", "thinking": f"{signer} thinks.", "signature": f"{signer}-{rec.step}"}] + blocks
        id = f"msg_e2e_{signer}_{rec.step}"  # type: ignore[attr-defined]
        if rec.stream:
            return SSEReply(native_events(id, blocks, stop, 2), done=False)
        return JSONReply(native_message(id, blocks, stop))

    def respond(rec: Recorded):
        refusal = anthropic_thinking_refusal(rec.body or {}, signer)
        rec.step = "refused" if refusal else None  # type: ignore[attr-defined]
        if refusal:
            return refusal
        last = rec.messages[-1] if rec.messages else {}
        resumed = isinstance(last.get("content"), str) and RESUME_PROMPT in last["content"] or any(
            RESUME_PROMPT in b.get("text", "") for b in blocks_of(last, "text"))
        step = "resumed" if resumed else main_step(rec, delegate=False) if classify(rec) == "main" else "side"
        rec.step = step  # type: ignore[attr-defined]
        if step in overloaded:
            overloaded.discard(step)
            rec.step = f"{step}-overloaded"  # type: ignore[attr-defined]
            return JSONReply({"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
                             status=529)
        if step == "side":
            return reply(rec, [text_block("E2E side answer")])
        if step == "resumed":
            return reply(rec, [text_block(RESUMED_TEXT)])
        if step == "write":
            return reply(rec, [tool_use_block(WRITE_ID, "Write", write_args(workdir))], "tool_use")
        if step == "bash":
            return reply(rec, [tool_use_block(BASH_ID, "Bash", BASH_ARGS)], "tool_use")
        return reply(rec, [text_block(FINAL_TEXT)])
    return respond


# ------------------------------------------------------------------------------------------------------------
# the same loop in the Responses API's wire format (responses mode)


def make_responses_responder(workdir: str):
    """make_responder's Write → Bash → final loop, answered as the Responses API does: typed events when the
    request streams, a response object otherwise. A request that asks for reasoning gets a reasoning item
    (with its encrypted content, as `include` asks) before the Bash call."""
    # imported here: it needs the venv's openai package, and the other modes stay standard library only
    from responses_upstream import answer, function_call_item, message_item, reasoning_item
    from responses_upstream import usage as responses_usage

    u = responses_usage(3000, 40, cached=2048)

    def respond(rec: Recorded):
        if rec.path != "/v1/responses":
            return openai_error(404, f"mock: no route {rec.path}")
        step = main_step(rec, delegate=False) if classify(rec) == "main" else "side"
        rec.step = step  # type: ignore[attr-defined]
        if step == "side":
            return answer(rec, [message_item("E2E side answer", id="msg_side")], u)
        if step == "write":
            return answer(rec, [message_item("I'll write the file.", id="msg_write"),
                                function_call_item(WRITE_ID, "Write", write_args(workdir), id="fc_write")], u, 5)
        if step == "bash":
            thought = [reasoning_item(["Now the shell command."], BASH_REASONING, id="rs_bash")]
            call = function_call_item(BASH_ID, "Bash", BASH_ARGS, id="fc_bash")
            return answer(rec, (thought if "reasoning" in rec.body else []) + [call], u, 1)
        return answer(rec, [message_item(FINAL_TEXT, id="msg_final")], u, 2)
    return respond


# ------------------------------------------------------------------------------------------------------------
# the same loop in Gemini's wire format (gemini mode)


def make_gemini_responder(workdir: str):
    """make_responder's Write → Bash → final loop, answered as Gemini's API does, the step told by the function
    responses of the last user turn. The mock signs each answer (gemini_upstream.GeminiUpstream.sign); the Bash
    step starts with a thought, signed too."""
    from gemini_upstream import Step, call, text, thought, usage as gemini_usage

    u = gemini_usage(3000, 40, thoughts=12, cached=2048)

    def respond(c):
        declared = [d.get("name") for t in (c.body or {}).get("tools", []) for d in t.get("functionDeclarations", [])]
        answered = [p["functionResponse"].get("name") for p in (c.contents[-1].get("parts", []) if c.contents else [])
                    if "functionResponse" in p]
        step = "side" if "Write" not in declared else "final" if "Bash" in answered else "bash" if answered else "write"
        c.rec.step = step  # type: ignore[attr-defined]
        if step == "side":
            return Step([text("E2E side answer")], usage=u)
        if step == "write":
            return Step([text("I'll write the file."), call("Write", write_args(workdir))], usage=u)
        if step == "bash":
            return Step([thought("Now the shell command."), call("Bash", BASH_ARGS)], usage=u, sign_thoughts=True)
        return Step([text(FINAL_TEXT)], usage=u)
    return respond


def summarize_gemini(mock: MockUpstream) -> list[dict]:
    def part(p: dict) -> dict:
        kind = next((k for k in ("functionCall", "functionResponse") if k in p), "thought" if p.get("thought") else "text")
        out = {"kind": kind, "signature": p.get("thoughtSignature")}
        if kind in ("functionCall", "functionResponse"):
            out["name"] = p[kind].get("name")
        if kind == "functionCall":
            out["args"] = p[kind].get("args")
        return out
    return [{
        "path": r.path, "method": r.method, "step": getattr(r, "step", None), "outcome": r.outcome,
        "kind": "main" if getattr(r, "step", "side") != "side" else "side", "headers": r.headers,
        "contents": [{"role": c.get("role"), "parts": [part(p) for p in c.get("parts", [])]}
                     for c in (r.body or {}).get("contents", [])],
        "thinking": ((r.body or {}).get("generationConfig") or {}).get("thinkingConfig"),
        "tools": [d.get("name") for t in (r.body or {}).get("tools", []) for d in t.get("functionDeclarations", [])],
    } for r in mock.requests]


def summarize(mock: MockUpstream) -> list[dict]:
    out = []
    for r in mock.chat_requests():
        out.append({
            "path": r.path, "model": r.model, "stream": r.stream, "kind": classify(r),
            "step": getattr(r, "step", None), "outcome": r.outcome,
            "authorization": r.headers.get("authorization"),
            "tool_results": results_after_last_assistant(r),
            "tool_contents": [str(m.get("content"))[:4000] for m in r.messages if m.get("role") == "tool"],
            "roles": [m.get("role") for m in r.messages],
            "n_tools": len(tool_names(r)),
            "asks_summary": COMPACTION_ASK in all_text(r),
            "has_summary": SUMMARY_TEXT in all_text(r),
        })
    for r in mock.requests:
        if r not in mock.chat_requests():
            out.append({"path": r.path, "method": r.method, "kind": "other"})
    return out


def summarize_native(mock: MockUpstream) -> list[dict]:
    return [{
        "path": r.path, "method": r.method, "model": r.model, "stream": r.stream, "kind": classify(r),
        "step": getattr(r, "step", None), "outcome": r.outcome, "headers": r.headers,
        "fields": sorted(r.body or {}), "messages_digest": digest(r.messages), "unsigned_digest": unsigned_digest(r.messages),
        "tool_results": results_after_last_assistant(r),
        "result_blocks": [b for m in r.messages for b in blocks_of(m, "tool_result")],
        "tool_uses": [b for m in r.messages for b in blocks_of(m, "tool_use")],
        "roles": [m.get("role") for m in r.messages],
        "thinking": (r.body or {}).get("thinking"),
        "thinking_tokens": [b.get("signature") for m in r.messages for b in blocks_of(m, "thinking")],
    } for r in mock.requests]


def summarize_responses(mock: MockUpstream) -> list[dict]:
    out = []
    for r in mock.requests:
        items = conversation(r)
        out.append({
            "path": r.path, "method": r.method, "model": r.model, "stream": r.stream, "kind": classify(r),
            "step": getattr(r, "step", None), "outcome": r.outcome, "headers": r.headers,
            "fields": sorted(r.body or {}), "store": (r.body or {}).get("store"),
            "instructions": (r.body or {}).get("instructions"), "reasoning": (r.body or {}).get("reasoning"),
            "include": (r.body or {}).get("include"), "tools": tool_names(r),
            "tool_results": results_after_last_assistant(r),
            "items": [" ".join(filter(None, (i.get("type"), i.get("role"), i.get("call_id")))) for i in items],
            "function_calls": [{**i, "arguments": json.loads(i["arguments"])} for i in items
                               if i.get("type") == "function_call"],
            "outputs": [i for i in items if i.get("type") == "function_call_output"],
            "reasoning_items": [i for i in items if i.get("type") == "reasoning"],
        })
    return out


def one_provider_config(base: Path, name: str, section: str, model: str) -> Path:
    """A config.yaml with one provider (`section`: its keys after the name, its key from the environment),
    every model routed to it."""
    config = base / "config.yaml"
    config.write_text(f"""\
server: {{ host: 127.0.0.1, port: 8082, log_level: debug }}
providers:
  {name}: {{ {section} }}
models:
  - {{ match: "*", provider: {name}, model: {model} }}
""")
    return config


# ------------------------------------------------------------------------------------------------------------


def start_claude(cmd: list[str], cwd: str, env: dict[str, str]) -> subprocess.Popen:
    """The CLI in a session of its own (so a timeout can kill its whole group), dying with this script."""
    return subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, start_new_session=True, preexec_fn=kill_with_parent)


def finish_claude(proc: subprocess.Popen, timeout: float, result: dict) -> None:
    """Waits for the CLI (killing its group after `timeout` s) and records how it ended and what it printed."""
    t0 = time.monotonic()
    try:
        out, err = proc.communicate(timeout=timeout)
        result["timed_out"] = False
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=10)
        result["timed_out"] = True
    result["seconds"] = round(time.monotonic() - t0, 2)
    result["returncode"] = proc.returncode
    result["stdout"] = out.decode(errors="replace")[-20000:]
    result["stderr"] = err.decode(errors="replace")[-5000:]
    try:
        result["cli_json"] = json.loads(out)
    except ValueError:
        result["cli_json"] = None


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--proxy-bin", required=True)
    ap.add_argument("--claude", required=True)
    ap.add_argument("--mode", choices=["env", "config", "native", "responses", "gemini", "launcher", "overflow", "compact",
                                       "errors", "switch"],
                    required=True)
    ap.add_argument("--base", required=True, help="an empty temporary directory")
    ap.add_argument("--out", required=True)
    ap.add_argument("--model", default="claude-opus-4-5")
    ap.add_argument("--timeout", type=float, default=150)
    a = ap.parse_args()

    result: dict = {"mode": a.mode, "model": a.model, "namespace_problems": None}
    base = Path(a.base)
    home, work = base / "home", base / "work"
    home.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    mocks: dict[str, MockUpstream] = {}
    proxy = relay = proc = None

    try:
        if not enter_namespace(result):
            return 3

        workdir = str(work.resolve())
        if a.mode in ("launcher", "overflow"):  # `claude-code-proxy code` starts the proxy and claude itself
            mocks["main"] = MockUpstream("main").start()
            mocks["main"].respond_with(make_responder(workdir, delegate=False))
            # overflow: a window far below Claude Code's first request (~12k tokens of tools and prompt)
            window = ", context_window: 4000" if a.mode == "overflow" else ""
            config = base / "config.yaml"
            config.write_text(f"""\
server: {{ api_keys: ["{LAUNCHER_CLIENT_KEY}"] }}
providers:
  main: {{ type: openai, base_url: "{mocks['main'].url}", api_key: sk-upstream-e2e }}
models:
  - {{ match: "*", provider: main, model: big-model, display_name: "Big model via the proxy"{window} }}
""")
            result["config"] = config.read_text()
        elif a.mode == "compact":  # `code` too, with a compaction route and a window it exports to the CLI
            mocks["main"] = MockUpstream("main").start()
            mocks["main"].respond_with(make_responder(workdir, delegate=False, compact=True))
            mocks["compactor"] = MockUpstream("compactor").start()
            mocks["compactor"].respond_with(make_summarizer())
            config = base / "config.yaml"
            config.write_text(f"""\
server: {{ api_keys: ["{LAUNCHER_CLIENT_KEY}"] }}
providers:
  main: {{ type: openai, base_url: "{mocks['main'].url}", api_key: sk-upstream-e2e }}
  compactor: {{ type: openai, base_url: "{mocks['compactor'].url}", api_key: sk-compactor-e2e }}
models:
  - {{ match: "*", when: {{ request_class: compaction }}, provider: compactor, model: summary-model }}
  - {{ match: "*", provider: main, model: big-model, context_window: {COMPACT_WINDOW} }}
""")
            result["config"] = config.read_text()
        elif a.mode == "errors":
            mocks["main"] = MockUpstream("main").start()
            mocks["main"].respond_with(make_failing_responder(workdir))
            config = base / "config.yaml"
            config.write_text(f"""\
server: {{ host: 127.0.0.1, port: 8082, log_level: debug }}
providers:
  main: {{ type: openai, base_url: "{mocks['main'].url}", api_key: sk-upstream-e2e }}
models:
  - {{ match: "*", provider: main, model: big-model }}
""")
            result["config"] = config.read_text()
            proxy = ProxyProcess(a.proxy_bin, {"LOG_LEVEL": "debug"}, ["--config", str(config)], workdir=str(base),
                                 die_with_parent=True)
        elif a.mode == "switch":
            # opus → first, falling back to second; sonnet → second: two Anthropic-native services that check
            # thinking signatures. first is overloaded at the Bash step: the loop moves to second mid-way.
            mocks["first"] = MockUpstream("first").start()
            mocks["first"].respond_with(make_signing_responder(workdir, "first", overloaded_step="bash"))
            mocks["second"] = MockUpstream("second").start()
            mocks["second"].respond_with(make_signing_responder(workdir, "second"))
            config = base / "config.yaml"
            config.write_text(f"""\
server: {{ host: 127.0.0.1, port: 8082, log_level: debug }}
providers:
  first:  {{ type: anthropic, base_url: "{mocks['first'].root}", api_key: sk-ant-first }}
  second: {{ type: anthropic, base_url: "{mocks['second'].root}", api_key: sk-ant-second }}
models:
  - {{ match: "*sonnet*", provider: second, model: second-model }}
  - {{ match: "*", provider: first, model: first-model, fallbacks: [{{ provider: second, model: second-model }}] }}
""")
            result["config"] = config.read_text()
            proxy = ProxyProcess(a.proxy_bin, {"LOG_LEVEL": "debug"}, ["--config", str(config)], workdir=str(base),
                                 die_with_parent=True)
        elif a.mode == "env":
            mocks["main"] = MockUpstream("main").start()
            mocks["main"].respond_with(make_responder(workdir, delegate=False))
            proxy = ProxyProcess(a.proxy_bin, proxy_env_for(mocks["main"].url), workdir=str(base),
                                 die_with_parent=True)
        elif a.mode == "native":
            mocks["native"] = MockUpstream("native").start()
            mocks["native"].respond_with(make_native_responder(workdir))
            config = one_provider_config(
                base, "native", f'type: anthropic, base_url: "http://127.0.0.1:{mocks["native"].port}", api_key: "${{E2E_NATIVE_KEY}}", '
                "drop_fields: [context_management]", NATIVE_MODEL)
            result["config"] = config.read_text()
            proxy = ProxyProcess(a.proxy_bin, {"E2E_NATIVE_KEY": NATIVE_KEY, "LOG_LEVEL": "debug"},
                                 ["--config", str(config)], workdir=str(base), die_with_parent=True)
        elif a.mode == "gemini":
            from gemini_upstream import GeminiUpstream
            mocks["gemini"] = MockUpstream("gemini").start()
            gemini = GeminiUpstream(mocks["gemini"], key=GEMINI_KEY)
            gemini.serve(make_gemini_responder(workdir))
            result["gemini_refusals"] = gemini.refusals  # the mock appends to it; written out at the end
            result["gemini_issued"] = gemini.issued
            config = one_provider_config(
                base, "gem", f'type: gemini, base_url: "http://127.0.0.1:{mocks["gemini"].port}", api_key: "${{E2E_GEMINI_KEY}}"',
                GEMINI_MODEL)
            result["config"] = config.read_text()
            proxy = ProxyProcess(a.proxy_bin, {"E2E_GEMINI_KEY": GEMINI_KEY, "LOG_LEVEL": "debug"},
                                 ["--config", str(config)], workdir=str(base), die_with_parent=True)
        elif a.mode == "responses":
            mocks["responses"] = MockUpstream("responses").start()
            mocks["responses"].respond_with(make_responses_responder(workdir))
            config = one_provider_config(
                base, "resp",
                f'type: openai-responses, base_url: "http://127.0.0.1:{mocks["responses"].port}/v1", api_key: "${{E2E_RESPONSES_KEY}}"',
                RESPONSES_MODEL)
            result["config"] = config.read_text()
            proxy = ProxyProcess(a.proxy_bin, {"E2E_RESPONSES_KEY": RESPONSES_KEY, "LOG_LEVEL": "debug"},
                                 ["--config", str(config)], workdir=str(base), die_with_parent=True)
        else:
            for name in ("first", "second"):
                mocks[name] = MockUpstream(name).start()
                mocks[name].respond_with(make_responder(workdir, delegate=True))
            config = base / "config.yaml"
            config.write_text(f"""\
server: {{ host: 127.0.0.1, port: 8082, log_level: debug }}
providers:
  first:  {{ type: openai, base_url: "http://127.0.0.1:{mocks['first'].port}/v1", api_key: "${{E2E_FIRST_KEY}}" }}
  second: {{ type: ollama, base_url: "http://127.0.0.1:{mocks['second'].port}" }}
models:
  - {{ match: "*haiku*", provider: first, model: small-one }}
  - {{ match: "*opus*",  provider: second, model: big-one }}
  - {{ match: "*",       provider: first }}
""")
            result["config"] = config.read_text()
            proxy = ProxyProcess(a.proxy_bin, {"E2E_FIRST_KEY": "k1-from-env", "LOG_LEVEL": "debug"},
                                 ["--config", str(config)], workdir=str(base), die_with_parent=True)
        if proxy:
            proxy.start()
            relay = Relay(proxy.port)

        claude_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home),
            "USER": "e2e", "SHELL": "/bin/bash", "LANG": "C.UTF-8", "TERM": "dumb",
            **({"ANTHROPIC_BASE_URL": f"http://127.0.0.1:{relay.port}", "ANTHROPIC_API_KEY": "sk-ant-e2e-client",
                "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1"} if relay else {}),
            "DISABLE_AUTOUPDATER": "1",
            "DISABLE_TELEMETRY": "1",
            "DISABLE_ERROR_REPORTING": "1",
            "CLAUDE_CODE_MAX_RETRIES": "2",  # a retry still shows; a broken proxy fails in seconds, not minutes
            "XDG_CONFIG_HOME": str(home / ".config"),
            "TMPDIR": str(base / "tmp"),
        }
        (base / "tmp").mkdir(exist_ok=True)
        cmd = [a.claude, "-p", PROMPT, "--output-format", "json", "--model", a.model,
               "--permission-mode", "acceptEdits", "--allowedTools", "Write,Bash,Agent",
               "--debug-file", str(base / "claude-debug.log")]
        if a.mode in ("launcher", "overflow", "compact"):
            cmd = [a.proxy_bin, "code", "--config", str(base / "config.yaml"), "--claude", a.claude, "--"] + cmd[1:]
        result["cmd"] = cmd
        proc = start_claude(cmd, workdir, claude_env)
        finish_claude(proc, a.timeout, result)
        if a.mode == "switch":  # the same session, resumed on the other model
            session = (result.get("cli_json") or {}).get("session_id")
            resumed: dict = {}
            cmd = [a.claude, "-p", RESUME_PROMPT, "--resume", str(session), "--output-format", "json",
                   "--model", "claude-sonnet-4-5", "--debug-file", str(base / "claude-debug-resumed.log")]
            result["resumed_cmd"] = cmd
            proc = start_claude(cmd, workdir, claude_env)
            finish_claude(proc, a.timeout, resumed)
            result["resumed"] = resumed
        for m in mocks.values():
            m.wait_idle(timeout=5)
        files = {}
        for p in sorted(work.rglob("*")):
            if p.is_file():
                files[str(p.relative_to(work))] = p.read_text(errors="replace")[:2000]
        result["files"] = files
        return 0
    except Exception:
        result["exception"] = traceback.format_exc()
        return 2
    finally:
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            result.setdefault("exception", "the scenario was interrupted while claude was running")
        if relay:
            result["client_requests"] = relay.requests
            relay.stop()
        summary = {"native": summarize_native, "switch": summarize_native, "responses": summarize_responses,
                   "gemini": summarize_gemini}.get(
            a.mode, summarize)
        result["upstream"] = {name: summary(m) for name, m in mocks.items()}
        result["mock_errors"] = {name: m.errors for name, m in mocks.items()}
        if proxy:
            result["proxy_alive"] = proxy.alive()
            proxy.stop()
            result["proxy_log"] = proxy.log()[-30000:]
        for m in mocks.values():
            m.stop()
        debug = base / "claude-debug.log"
        if debug.exists():
            text = debug.read_text(errors="replace")
            result["claude_debug_tail"] = text[-15000:]
            result["discovery_lines"] = [line for line in text.splitlines() if "gatewayDiscovery" in line][:10]
        Path(a.out).write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    sys.exit(main())
