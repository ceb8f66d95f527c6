"""The real Claude Code CLI through the proxy to a real llama-server, run INSIDE a loopback-only network
namespace:

    unshare -n python3 Tests/e2e/real/claude_code_real.py --proxy-bin BIN --claude CLAUDE --way chat|messages \
        --base DIR --out RESULT.json

Like claude_code_scenario.py (whose namespace check and request-recording relay it uses), it brings `lo` up,
refuses to go on unless the namespace is loopback-only, starts llama-server (scripts/real-upstream, already
built) and the proxy with one provider (`chat`: type openai, `messages`: type anthropic), and runs `claude -p …
--output-format json` with a short system prompt and one tool (Read), so that the prompt fits the model's
8192-token context and a turn takes seconds. It writes what the test asserts on into RESULT.json and never
raises on a failed expectation.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from claude_code_scenario import Relay, enter_namespace, finish_claude, start_claude  # noqa: E402
from harness import ProxyProcess  # noqa: E402
from real_server import MODEL, RealServer  # noqa: E402

SYSTEM_PROMPT = "You are a helpful assistant. Answer briefly. Use the Read tool to read files."
PROMPT = "Read the file notes.txt and tell me what it says."
NOTES = "The meeting is on Tuesday.\n"
LOG_LINE = re.compile(r"\b(GET|POST|PUT|DELETE|HEAD) (/\S*) (\d{3})\b")


def config(way: str, server_url: str) -> str:
    provider = {"chat": f'profile: llamacpp, base_url: "{server_url}/v1"',
                "messages": f'profile: llamacpp-anthropic, base_url: "{server_url}"'}[way]
    return f"""\
server: {{ host: 127.0.0.1, port: 8082, log_level: debug }}
providers:
  real: {{ {provider} }}
models:
  - {{ match: "*", provider: real, model: {MODEL} }}
"""


def answers(proxy_log: str) -> list[dict]:
    """The proxy's one line per request (`POST /v1/messages 200 …`): every answer it gave."""
    return [{"method": m[1], "path": m[2], "status": int(m[3]), "line": line.strip()[-300:]}
            for line in proxy_log.splitlines() if (m := LOG_LINE.search(line)) and "/health" not in m[2]]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--proxy-bin", required=True)
    ap.add_argument("--claude", required=True)
    ap.add_argument("--way", choices=["chat", "messages"], required=True)
    ap.add_argument("--base", required=True, help="an empty temporary directory")
    ap.add_argument("--out", required=True)
    ap.add_argument("--timeout", type=float, default=150)
    a = ap.parse_args()

    result: dict = {"way": a.way, "namespace_problems": None}
    base = Path(a.base)
    home, work, tmp = base / "home", base / "work", base / "tmp"
    for d in (home, work, tmp):
        d.mkdir(parents=True, exist_ok=True)
    (work / "notes.txt").write_text(NOTES)
    server = proxy = relay = proc = None

    try:
        if not enter_namespace(result):
            return 3
        server = RealServer(die_with_parent=True).start()
        config_path = base / "config.yaml"
        config_path.write_text(config(a.way, server.url))
        result["config"] = config_path.read_text()
        proxy = ProxyProcess(a.proxy_bin, {}, ["--config", str(config_path)], workdir=str(base),
                             die_with_parent=True).start()
        relay = Relay(proxy.port)
        claude_env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(home), "USER": "e2e", "SHELL": "/bin/bash", "LANG": "C.UTF-8", "TERM": "dumb",
            "ANTHROPIC_BASE_URL": f"http://127.0.0.1:{relay.port}",
            "ANTHROPIC_API_KEY": "sk-ant-e2e-client",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1", "DISABLE_TELEMETRY": "1", "DISABLE_ERROR_REPORTING": "1",
            "CLAUDE_CODE_MAX_RETRIES": "2",  # a retry would show in the relay's record
            # The tiny model rambles after a tool result (it loops on <tool_response> until the limit), and Claude
            # Code then asks it to go on a few times: a small limit keeps the whole run to seconds.
            "CLAUDE_CODE_MAX_OUTPUT_TOKENS": "64",
            "MAX_THINKING_TOKENS": "0",
            "XDG_CONFIG_HOME": str(home / ".config"), "TMPDIR": str(tmp),
        }
        cmd = [a.claude, "-p", PROMPT, "--output-format", "json", "--model", "claude-sonnet-4-5", "--bare",
               "--system-prompt", SYSTEM_PROMPT, "--tools", "Read", "--allowedTools", "Read", "--max-turns", "3",
               "--strict-mcp-config", "--disable-slash-commands", "--no-session-persistence",
               "--debug-file", str(base / "claude-debug.log")]
        result["cmd"] = cmd
        proc = start_claude(cmd, str(work), claude_env)
        finish_claude(proc, a.timeout, result)
        return 0
    except BaseException:
        result["exception"] = traceback.format_exc()
        return 2
    finally:
        if proc is not None and proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if relay:
            result["client_requests"] = relay.requests
            relay.stop()
        if proxy:
            result["proxy_alive"] = proxy.alive()
            proxy.stop()
            result["proxy_log"] = proxy.log()[-30000:]
            result["answers"] = answers(proxy.log())
        if server:
            result["server_alive"] = server.alive()
            server.stop()
            result["server_log"] = server.log()[-8000:]
        debug = base / "claude-debug.log"
        if debug.exists():
            result["claude_debug_tail"] = debug.read_text(errors="replace")[-15000:]
        Path(a.out).write_text(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    sys.exit(main())
