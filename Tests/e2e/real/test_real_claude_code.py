"""The real Claude Code CLI through the proxy to the real llama-server, in a loopback-only network namespace,
once per upstream protocol. Claude Code's default first request (~12,200 tokens, 12 tools) would not fit the
model's 8,192-token context, so it runs with a short system prompt and one tool (Read): the check is the
protocol, not the model's skill."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from claude_cli import claude_binary, run_in_namespace

SCENARIO = Path(__file__).parent / "claude_code_real.py"

pytestmark = pytest.mark.timeout(300)


def explain(r: dict) -> str:
    keep = {k: r.get(k) for k in ("returncode", "timed_out", "seconds", "stderr", "stdout", "exception",
                                  "client_requests", "answers", "proxy_alive", "server_alive")}
    return (json.dumps(keep, indent=1, default=str)[-10000:] + "\n--- proxy log (tail) ---\n"
            + (r.get("proxy_log") or "")[-4000:] + "\n--- llama-server log (tail) ---\n"
            + (r.get("server_log") or "")[-2000:] + "\n--- claude debug (tail) ---\n"
            + (r.get("claude_debug_tail") or "")[-3000:] + f"\n(full record: {r['_path']})")


@pytest.mark.parametrize("way", ["chat", "messages"])
def test_claude_code_on_the_real_model(proxy_bin, tmp_path, way):
    """`claude -p` ends with a JSON result; every answer the proxy gave was 2xx, Claude Code never retried,
    and its requests streamed (no fallback to a non-streaming request after a broken stream)."""
    r = run_in_namespace(SCENARIO, ["--proxy-bin", proxy_bin, "--claude", claude_binary(), "--way", way,
                                    "--timeout", "180"], tmp_path)
    assert r.get("namespace_problems") == [], f"the namespace is not loopback-only: {r.get('namespace_problems')}"
    assert not r.get("exception"), explain(r)
    assert not r.get("timed_out"), "claude -p did not finish in time\n" + explain(r)
    cli = r.get("cli_json")
    assert isinstance(cli, dict) and cli.get("type") == "result", "claude printed no JSON result\n" + explain(r)
    assert cli.get("api_error_status") in (None, 0), explain(r)
    assert r.get("proxy_alive") and r.get("server_alive"), explain(r)
    messages = [a for a in r["answers"] if a["path"].startswith("/v1/messages")]
    assert messages, "the proxy logged no /v1/messages answer\n" + explain(r)
    assert all(200 <= a["status"] < 300 for a in r["answers"]), explain(r)
    client = [q for q in r["client_requests"] if q["path"].startswith("/v1/messages")]
    assert len(client) == len(messages), explain(r)
    retries = [q["headers"].get("x-stainless-retry-count") for q in client
               if q["headers"].get("x-stainless-retry-count") not in (None, "0")]
    assert not retries, f"Claude Code retried: {retries}\n" + explain(r)
    assert all(q.get("stream") for q in client if q["path"] == "/v1/messages"), explain(r)
