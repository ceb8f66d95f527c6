"""The anthropic SDK and `max_tokens` as each kind of upstream receives it: Claude Code's large values go as
asked to an upstream that speaks Anthropic's API and are capped at 16384 for a translated one; `max_tokens: 0`
(Anthropic's "read the prompt, generate nothing") reaches the Anthropic-native upstream as 0 and is answered by
the proxy itself, with no upstream call, for the translated one — in a form the SDK reads, streamed or not."""

from __future__ import annotations

import anthropic
import pytest

from harness import base_env
from mock_upstream import JSONReply

pytestmark = pytest.mark.timeout(60)

USER = [{"role": "user", "content": "Read the repository and wait."}]


@pytest.fixture
def two_upstreams(make_upstream, make_proxy, tmp_path):
    chat, native = make_upstream("chat"), make_upstream("native")
    config = tmp_path / "config.yaml"
    config.write_text(f"""\
server: {{ host: 127.0.0.1, port: 0, log_level: debug }}
providers:
  chat: {{ type: openai, base_url: "{chat.url}", api_key: sk-chat }}
  native: {{ type: anthropic, base_url: "{native.root}", api_key: sk-ant }}
models:
  - {{ match: "*native*", provider: native, model: upstream-model }}
  - {{ match: "*", provider: chat, model: gpt-4o }}
""")
    proxy = make_proxy(base_env(), ["--config", str(config)], workdir=str(tmp_path))
    client = anthropic.Anthropic(base_url=proxy.url, api_key="e2e-client-key", max_retries=0, timeout=30.0)
    yield client, chat, native
    client.close()


def native_message(usage):
    return {"id": "msg_n", "type": "message", "role": "assistant", "model": "upstream-model", "content": [],
            "stop_reason": "max_tokens", "stop_sequence": None, "usage": usage}


def test_large_max_tokens(two_upstreams):
    client, chat, native = two_upstreams
    native.enqueue(JSONReply(native_message({"input_tokens": 9, "output_tokens": 0})))
    client.messages.create(model="claude-native-5", max_tokens=128000, messages=USER)
    client.messages.create(model="claude-sonnet-4-5", max_tokens=128000, messages=USER)
    assert native.requests[-1].body["max_tokens"] == 128000
    assert chat.requests[-1].body["max_tokens"] == 16384


def test_zero_max_tokens(two_upstreams):
    client, chat, native = two_upstreams
    native.enqueue(JSONReply(native_message({"input_tokens": 9, "output_tokens": 0, "cache_creation_input_tokens": 700})))
    warmed = client.messages.create(model="claude-native-5", max_tokens=0, messages=USER)
    assert native.requests[-1].body["max_tokens"] == 0
    assert warmed.usage.cache_creation_input_tokens == 700

    answer = client.messages.create(model="claude-sonnet-4-5", max_tokens=0, messages=USER)
    assert answer.stop_reason == "max_tokens"
    assert "".join(block.text for block in answer.content if block.type == "text") == ""
    assert answer.usage.input_tokens > 0 and answer.usage.output_tokens == 0
    assert answer.model == "claude-sonnet-4-5"

    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=0, messages=USER) as stream:
        final = stream.get_final_message()
    assert final.stop_reason == "max_tokens" and final.content == []
    assert final.usage.input_tokens > 0 and final.usage.output_tokens == 0
    assert chat.requests == [], "nothing went to the translated upstream"
