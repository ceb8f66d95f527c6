"""The real Claude Code CLI through a team gateway, run INSIDE a loopback-only network namespace:

    unshare -n python3 Tests/e2e/claude_code_gateway.py --proxy-bin BIN --claude CLAUDE --base DIR --out RESULT.json

Everything the CLI talks to runs in the namespace too: a PostgreSQL server, three proxy replicas on it and
HAProxy in front (gateway_cluster.py), and the mock upstream scripting the Write → Bash → answer loop
(claude_code_scenario.py). The CLI runs twice with managed keys: once with a key that has a budget and a
rate limit (the loop must succeed, each request landing in the ledger with Claude Code's request class), once
with a key whose budget is already spent (the CLI must report the spend limit without retrying). RESULT.json
gets what the test asserts on; this script never judges.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import traceback
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from claude_code_scenario import (  # noqa: E402
    PROMPT, Relay, enter_namespace, finish_claude, make_responder, start_claude, summarize,
)
from gateway_cluster import GatewayCluster, http, message  # noqa: E402
from mock_upstream import MockUpstream  # noqa: E402


def claude_env(base: Path, home: Path, url: str, key: str) -> dict[str, str]:
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home), "USER": "e2e", "SHELL": "/bin/bash", "LANG": "C.UTF-8", "TERM": "dumb",
        "ANTHROPIC_BASE_URL": url, "ANTHROPIC_API_KEY": key,
        "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
        # The request class and agent type of every request, for the ledger.
        "CLAUDE_CODE_GATEWAY_HINT_HEADERS": "1",
        "DISABLE_AUTOUPDATER": "1", "DISABLE_TELEMETRY": "1", "DISABLE_ERROR_REPORTING": "1",
        "CLAUDE_CODE_MAX_RETRIES": "2",
        "XDG_CONFIG_HOME": str(home / ".config"), "TMPDIR": str(base / "tmp"),
    }


def run_claude(a, base: Path, name: str, url: str, key: str, workdir: Path) -> dict:
    home = base / f"home-{name}"
    home.mkdir()
    workdir.mkdir()
    result: dict = {}
    cmd = [a.claude, "-p", PROMPT, "--output-format", "json", "--model", "claude-opus-4-5",
           "--permission-mode", "acceptEdits", "--allowedTools", "Write,Bash", "--debug-file", str(base / f"{name}-debug.log")]
    proc = start_claude(cmd, str(workdir), claude_env(base, home, url, key))
    try:
        finish_claude(proc, a.timeout, result)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    result["files"] = {str(p.relative_to(workdir)): p.read_text(errors="replace")[:2000]
                       for p in sorted(workdir.rglob("*")) if p.is_file()}
    debug = base / f"{name}-debug.log"
    result["debug_tail"] = debug.read_text(errors="replace")[-8000:] if debug.exists() else ""
    return result


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--proxy-bin", required=True)
    ap.add_argument("--claude", required=True)
    ap.add_argument("--base", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--timeout", type=float, default=150)
    a = ap.parse_args()
    base = Path(a.base)
    (base / "tmp").mkdir(parents=True, exist_ok=True)
    result: dict = {"namespace_problems": None}
    mock = cluster = relay = None

    try:
        if not enter_namespace(result):
            return 3
        work = base / "work"
        mock = MockUpstream("gateway").start()
        mock.respond_with(make_responder(str(work.resolve()), delegate=False))
        providers = f'  mock: {{ type: openai, base_url: "{mock.url}", api_key: sk-upstream-e2e }}'
        cluster = GatewayCluster(a.proxy_bin, providers, replicas=3, base=base / "cluster").start()
        relay = Relay(cluster.balancer.port)
        url = f"http://127.0.0.1:{relay.port}"

        key = cluster.create_key("dev", "--budget", "5", "--budget-period", "day", "--rpm", "120")
        result["run"] = run_claude(a, base, "run", url, key, work)
        result["client_requests"] = list(relay.requests)
        result["upstream"] = summarize(mock)
        result["ledger"] = cluster.ledger(
            "request_id, key_name, status, request_class, session_id, replica, input_tokens, output_tokens, cost_usd")

        # A key whose budget is spent before Claude Code starts.
        spent = cluster.create_key("broke", "--budget", "0.001", "--budget-period", "month")
        mock.respond_with(make_responder(str(work.resolve()), delegate=False))
        status, _, _ = http("POST", f"{cluster.url}/v1/messages", message(), key=spent)
        result["spending_request_status"] = status
        relay.requests.clear()
        result["refused"] = run_claude(a, base, "refused", url, spent, base / "work-refused")
        result["refused_client_requests"] = list(relay.requests)
        result["replicas_alive"] = [r.alive() for r in cluster.replicas]
        return 0
    except Exception:
        result["exception"] = traceback.format_exc()
        return 2
    finally:
        if relay:
            relay.stop()
        if cluster:
            result["logs"] = cluster.logs()[-20000:]
            cluster.stop()
        if mock:
            mock.stop()
        Path(a.out).write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    sys.exit(main())
