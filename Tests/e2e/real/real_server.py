"""llama.cpp's `llama-server` with SmolLM2-135M-Instruct (scripts/real-upstream) as a child process on a free
loopback port. Standard library only: the Claude Code scenario starts it inside its network namespace."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import tempfile
import time
import urllib.error
import sys
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness import free_port, kill_with_parent  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
SCRIPT = REPO / "scripts" / "real-upstream"
MODEL = "smollm2-135m-instruct"  # the server's --alias: every answer names it, whatever the request asked
CONTEXT = 8192  # the model's training context, the server's -c


class RealServer:
    """`scripts/real-upstream serve --port P`: the server process itself (the script execs it), in a session of
    its own so that stop() ends it whatever happens to the caller."""

    def __init__(self, startup_timeout: float = 90.0, die_with_parent: bool = False):
        self.startup_timeout = startup_timeout
        self.die_with_parent = die_with_parent
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(tempfile.mkdtemp(prefix="ccp-e2e-real-")) / "llama-server.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "RealServer":
        last_error = ""
        for _attempt in range(3):  # the port can be taken between free_port() and bind: try another
            self.port = free_port()
            with open(self.log_path, "ab") as log:
                self.proc = subprocess.Popen(
                    [str(SCRIPT), "serve", "--port", str(self.port)], stdin=subprocess.DEVNULL, stdout=log,
                    stderr=log, start_new_session=True, preexec_fn=kill_with_parent if self.die_with_parent else None,
                    env={**os.environ, "PYTHON": os.environ.get("PYTHON", "python3")},
                )
            deadline = time.monotonic() + self.startup_timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    last_error = f"exited with status {self.proc.returncode}"
                    break
                if self.healthy():
                    return self
                time.sleep(0.2)
            else:
                last_error = f"/health did not say ok within {self.startup_timeout}s"
            self.stop()
        raise RuntimeError(f"llama-server failed to start: {last_error}\n--- its log ---\n{self.log()[-4000:]}")

    def healthy(self) -> bool:
        """/health says ok only once the model is loaded (/v1/models answers 200 before, chat requests 503)."""
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=2) as r:
                return r.status == 200 and json.load(r).get("status") == "ok"
        except (urllib.error.URLError, OSError, ValueError):
            return False

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
                try:
                    os.killpg(self.proc.pid, sig)
                except ProcessLookupError:
                    break
                try:
                    self.proc.wait(timeout=wait)
                    break
                except subprocess.TimeoutExpired:
                    continue
        self.proc = None


def proxy_config(server_url: str, log_level: str = "debug") -> str:
    """A config.yaml with both ways to the server: `type: openai` (the `llamacpp` profile, chat completions) for
    models named `*chat*`, `type: anthropic` (the `llamacpp-anthropic` profile, /v1/messages) for the rest."""
    return f"""\
server: {{ host: 127.0.0.1, port: 8082, log_level: {log_level} }}
providers:
  chat:
    profile: llamacpp
    base_url: "{server_url}/v1"
  messages:
    profile: llamacpp-anthropic
    base_url: "{server_url}"
models:
  - {{ match: "*chat*", provider: chat, model: {MODEL} }}
  - {{ match: "*", provider: messages, model: {MODEL} }}
"""
