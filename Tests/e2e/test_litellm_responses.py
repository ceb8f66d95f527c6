"""`type: openai-responses` against a Responses API server somebody else wrote: LiteLLM's proxy (its own venv,
LITELLM_BIN, set by scripts/e2e) serves `POST /v1/responses` and bridges it to a chat-completions mock. What
LiteLLM accepts from the proxy and what its event stream becomes on the way back are checked; the mock records
what LiteLLM made of the proxy's request."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import anthropic
import pytest

from harness import ProxyProcess, free_port
from mock_upstream import JSONReply, MockUpstream, SSEReply, completion, text_stream, tool_call_stream, usage
from sse import check_grammar, post_raw, tool_inputs

pytestmark = pytest.mark.timeout(120)

MASTER_KEY = "sk-" + "5f" * 32  # LiteLLM refuses to start without a master key
TOOLS = [{"name": "Read", "description": "Read a file",
          "input_schema": {"type": "object", "properties": {"path": {"type": "string"}}, "required": ["path"]}}]


@pytest.fixture(scope="module")
def chat():
    mock = MockUpstream("litellm-chat").start()
    yield mock
    mock.stop()


@pytest.fixture(scope="module")
def litellm(chat, tmp_path_factory):
    """LiteLLM's proxy on loopback with one model, `gpt-5-codex`, served by the chat mock. LiteLLM's
    `deepseek/` provider speaks chat-completions to its `api_base`, so LiteLLM's own Responses bridge runs."""
    binary = os.environ.get("LITELLM_BIN")
    if not binary or not os.access(binary, os.X_OK):
        pytest.fail("LITELLM_BIN is not set: run the suite through scripts/e2e (it installs LiteLLM)", pytrace=False)
    work = tmp_path_factory.mktemp("litellm")
    (work / "config.yaml").write_text(f"""\
model_list:
  - model_name: gpt-5-codex
    litellm_params: {{ model: deepseek/small-model, api_base: "{chat.url}", api_key: sk-mock }}
""")
    port = free_port()
    env = {**os.environ, "LITELLM_MASTER_KEY": MASTER_KEY, "LITELLM_LOG": "ERROR", "NO_DOCS": "True",
           "LITELLM_TELEMETRY": "False"}
    log = open(work / "litellm.log", "wb")
    proc = subprocess.Popen([binary, "--config", str(work / "config.yaml"), "--host", "127.0.0.1", "--port", str(port)],
                            cwd=work, env=env, stdout=log, stderr=log, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{url}/health/liveliness", timeout=1):
                break
        except OSError:
            if proc.poll() is not None or time.monotonic() > deadline:
                os.killpg(proc.pid, signal.SIGKILL)
                pytest.fail("LiteLLM did not start:\n" + (work / "litellm.log").read_text(errors="replace")[-3000:])
            time.sleep(0.2)
    yield url
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=5)
    log.close()


@pytest.fixture(scope="module")
def proxy(litellm, proxy_bin, tmp_path_factory):
    work = tmp_path_factory.mktemp("proxy")
    (work / "config.yaml").write_text(f"""\
server: {{ log_level: debug }}
providers:
  litellm: {{ type: openai-responses, base_url: "{litellm}/v1", api_key: "{MASTER_KEY}" }}
models:
  - {{ match: "*", provider: litellm, model: gpt-5-codex }}
""")
    process = ProxyProcess(proxy_bin, {}, ["--config", str(work / "config.yaml")], workdir=str(work)).start()
    yield process
    process.stop()


@pytest.fixture
def client(proxy, chat):
    chat.reset()
    c = anthropic.Anthropic(base_url=proxy.url, api_key="e2e-client-key", max_retries=0, timeout=60.0)
    yield c
    c.close()
    assert proxy.alive(), proxy.log()[-3000:]


def test_create(client, chat):
    chat.enqueue(JSONReply(completion("hello from chat", usage=usage(10, 3))))
    message = client.messages.create(model="claude-sonnet-4-5", max_tokens=100, system="Be brief.",
                                     messages=[{"role": "user", "content": "hi"}])
    assert message.model == "claude-sonnet-4-5"
    assert [b.text for b in message.content] == ["hello from chat"]
    assert message.stop_reason == "end_turn"
    assert (message.usage.input_tokens, message.usage.output_tokens) == (10, 3)
    sent = chat.last().body
    assert sent["messages"] == [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "hi"}], \
        "the proxy's instructions and input items, as LiteLLM read them"
    assert sent["max_tokens"] == 100


def test_stream_with_reasoning_and_cached_usage(proxy, client, chat):
    chat.enqueue(SSEReply(text_stream(["Hel", "lo"], reasoning=["think a", " bit"], usage=usage(30, 7, cached=20))))
    raw = post_raw(proxy.url, {"model": "claude-sonnet-4-5", "max_tokens": 3000, "stream": True,
                               "thinking": {"type": "enabled", "budget_tokens": 2000},
                               "messages": [{"role": "user", "content": "hi"}]})
    assert raw.status == 200
    assert check_grammar(raw.events) == []
    deltas = [d["delta"] for _, d in raw.events if isinstance(d, dict) and d.get("type") == "content_block_delta"]
    assert "".join(d.get("thinking", "") for d in deltas) == "think a bit"
    assert "".join(d.get("text", "") for d in deltas) == "Hello"
    final = [d for _, d in raw.events if isinstance(d, dict) and d.get("type") == "message_delta"][0]
    assert final["usage"]["cache_read_input_tokens"] == 20
    assert final["usage"]["input_tokens"] == 10
    assert chat.last().body["stream"] is True


def test_parallel_tool_calls_then_results(proxy, client, chat):
    chat.enqueue(SSEReply(tool_call_stream([("call_1", "Read", {"path": "a.txt"}), ("call_2", "Read", {"path": "b.txt"})])))
    raw = post_raw(proxy.url, {"model": "claude-sonnet-4-5", "max_tokens": 200, "stream": True, "tools": TOOLS,
                               "messages": [{"role": "user", "content": "read a and b"}]})
    assert check_grammar(raw.events) == []
    assert [json.loads(v) for v in tool_inputs(raw.events).values()] == [{"path": "a.txt"}, {"path": "b.txt"}]
    starts = [d["content_block"] for _, d in raw.events
              if isinstance(d, dict) and d.get("type") == "content_block_start" and d["content_block"]["type"] == "tool_use"]
    assert [(b["id"], b["name"]) for b in starts] == [("call_1", "Read"), ("call_2", "Read")]

    chat.enqueue(JSONReply(completion("both read", usage=usage(40, 2))))
    message = client.messages.create(model="claude-sonnet-4-5", max_tokens=200, tools=TOOLS, messages=[
        {"role": "user", "content": "read a and b"},
        {"role": "assistant", "content": [{"type": "tool_use", "id": b["id"], "name": "Read", "input": {"path": p}}
                                          for b, p in zip(starts, ["a.txt", "b.txt"])]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": "AAA"},
                                     {"type": "tool_result", "tool_use_id": "call_2", "content": "BBB", "is_error": True}]},
    ])
    assert [b.text for b in message.content] == ["both read"]
    sent = chat.last().body["messages"]
    calls = [m for m in sent if m["role"] == "assistant"][0]["tool_calls"]
    assert [(c["id"], json.loads(c["function"]["arguments"])) for c in calls] == [
        ("call_1", {"path": "a.txt"}), ("call_2", {"path": "b.txt"})]
    results = [(m["tool_call_id"], m["content"]) for m in sent if m["role"] == "tool"]
    assert results == [("call_1", "AAA"), ("call_2", "Error: BBB")]
    assert chat.last().body["tools"][0]["function"]["name"] == "Read"
