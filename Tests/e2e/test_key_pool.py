"""A provider with a key pool (`api_keys`) behind the real binary, driven by the `anthropic` SDK: requests spread
over the keys, a Claude Code session keeps to one, a key the upstream rate-limits or refuses is skipped before the
client sees anything, and neither the log nor `/metrics` ever shows a key."""

from __future__ import annotations

import hashlib
import urllib.request

import anthropic
import pytest

from harness import base_env
from mock_upstream import JSONReply, completion

pytestmark = pytest.mark.timeout(60)

KEYS = ["sk-e2e-pool-key-one-1111", "sk-e2e-pool-key-two-2222", "sk-e2e-pool-key-three-3333"]
REQUEST = {"model": "claude-sonnet-4-5", "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]}


def short_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:8]


@pytest.fixture
def pooled(make_upstream, make_proxy, tmp_path):
    upstream = make_upstream("pool")
    config = tmp_path / "config.yaml"
    keys = ", ".join(f'"{key}"' for key in KEYS)
    config.write_text(f"""\
server: {{ metrics: open, log_level: debug }}
providers:
  pool: {{ type: openai, base_url: "{upstream.url}", api_keys: [{keys}] }}
models:
  - {{ match: "*", provider: pool, model: gpt-4o }}
""")
    proxy = make_proxy(base_env(), ["--config", str(config)], workdir=str(tmp_path))
    client = anthropic.Anthropic(base_url=proxy.url, api_key="unused", max_retries=0, timeout=30.0)
    return proxy, upstream, client


def key_of(record) -> str:
    return record.headers["authorization"].removeprefix("Bearer ")


def test_requests_spread_and_sessions_stick(pooled):
    proxy, upstream, client = pooled
    for _ in range(6):
        assert client.messages.create(**REQUEST).content[0].text
    assert [key_of(r) for r in upstream.requests] == KEYS * 2, "requests without a session take the keys in turn"

    upstream.reset()
    sessions = ["s-alpha", "s-beta", "s-gamma", "s-delta", "s-epsilon", "s-zeta"] * 3
    for session in sessions:
        client.messages.create(**REQUEST, extra_headers={"x-claude-code-session-id": session})
    by_session: dict[str, set[str]] = {}
    for session, record in zip(sessions, upstream.requests, strict=True):
        by_session.setdefault(session, set()).add(key_of(record))
    assert all(len(keys) == 1 for keys in by_session.values()), f"a session changed keys: {by_session}"
    assert len(set.union(*by_session.values())) > 1, f"six sessions on one key: {by_session}"


def test_a_rate_limited_key_is_skipped_and_cools_down(pooled):
    proxy, upstream, client = pooled

    def answer(record):
        if key_of(record) == KEYS[0]:
            return JSONReply({"error": {"message": f"Rate limit reached for {KEYS[0]}"}}, status=429,
                             headers={"retry-after": "30"})
        return JSONReply(completion("fine"))

    upstream.respond_with(answer)
    for _ in range(6):
        assert client.messages.create(**REQUEST).content[0].text == "fine", "the client never sees the 429"
    used = [key_of(r) for r in upstream.requests]
    assert used.count(KEYS[0]) == 1, f"the key is not asked again while it cools down: {used}"
    assert len(used) == 7

    with urllib.request.urlopen(f"{proxy.url}/metrics", timeout=5) as response:
        metrics = response.read().decode()
    assert f'claude_code_proxy_upstream_calls_total{{provider="pool",key="{short_hash(KEYS[0])}",status="429"}} 1' in metrics
    served = sum(float(line.rsplit(" ", 1)[1]) for line in metrics.splitlines()
                 if line.startswith("claude_code_proxy_upstream_calls_total{") and 'status="200"' in line)
    assert served == 6
    assert "claude_code_proxy_cooldowns_active 1" in metrics
    log = proxy.log()
    assert f"refused key {short_hash(KEYS[0])}" in log, "the log names the key by its hash"
    assert not any(key in metrics or key in log for key in KEYS), "no key in the metrics or the log"


def test_every_key_refused_is_the_clients_401(pooled):
    proxy, upstream, client = pooled
    upstream.respond_with(lambda record: JSONReply(
        {"error": {"message": f"Incorrect API key provided: {key_of(record)}"}}, status=401))
    with pytest.raises(anthropic.AuthenticationError) as refused:
        client.messages.create(**REQUEST)
    assert "Incorrect API key provided: [REDACTED]" in refused.value.message
    assert sorted(key_of(r) for r in upstream.requests) == sorted(KEYS), "each key was tried once"
    assert not any(key in refused.value.message or key in proxy.log() for key in KEYS)
