"""Starting and stopping the proxy binary on a free loopback port. Standard library only (the Claude Code
scenario imports it inside a network namespace, without the venv's packages being required)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def base_env() -> dict[str, str]:
    """A clean environment: nothing from the caller's shell that could change the proxy's settings."""
    env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TZ") if k in os.environ}
    env.setdefault("PATH", "/usr/local/bin:/usr/bin:/bin")
    return env


def kill_with_parent() -> None:
    """In a child before exec: SIGKILL it when the parent dies (Linux prctl PR_SET_PDEATHSIG), so nothing
    outlives a killed scenario."""
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)


class ProxyProcess:
    """`claude-code-proxy serve --host 127.0.0.1 --port P [extra args]` with the given environment, run in a
    fresh working directory (so no stray ./config.yaml or ./.env is picked up). stderr goes to a log file."""

    def __init__(self, binary: str, env: dict[str, str], args: list[str] | None = None,
                 workdir: str | None = None, startup_timeout: float = 20.0, die_with_parent: bool = False):
        self.die_with_parent = die_with_parent
        self.binary = binary
        self.env = {**base_env(), **env}
        self.args = args or []
        self._own_dir = workdir is None
        self.workdir = workdir or tempfile.mkdtemp(prefix="ccp-e2e-proxy-")
        self.startup_timeout = startup_timeout
        self.port = 0
        self.proc: subprocess.Popen | None = None
        self.log_path = Path(self.workdir) / "proxy.log"

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> "ProxyProcess":
        last_error = ""
        for _attempt in range(3):  # the port can be taken between free_port() and bind: try another
            self.port = free_port()
            log = open(self.log_path, "ab")
            self.proc = subprocess.Popen(
                [self.binary, "serve", "--host", "127.0.0.1", "--port", str(self.port), *self.args],
                env=self.env, cwd=self.workdir, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                start_new_session=True, preexec_fn=kill_with_parent if self.die_with_parent else None,
            )
            log.close()
            deadline = time.monotonic() + self.startup_timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    last_error = f"exited with status {self.proc.returncode}"
                    break
                try:
                    with urllib.request.urlopen(f"{self.url}/health", timeout=1) as r:
                        if r.status == 200:
                            return self
                except (urllib.error.URLError, OSError):
                    pass
                time.sleep(0.05)
            else:
                last_error = f"/health did not answer 200 within {self.startup_timeout}s"
            self.stop()
        raise RuntimeError(f"proxy failed to start: {last_error}\n--- proxy log ---\n{self.log()}")

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=5)
        self.proc = None


def proxy_env_for(upstream_url: str, **extra: str) -> dict[str, str]:
    """The seed's environment-variable setup pointing at one mock upstream."""
    env = {
        "OPENAI_API_KEY": "sk-upstream-e2e",
        "OPENAI_BASE_URL": upstream_url,
        "BIG_MODEL": "big-model",
        "MIDDLE_MODEL": "middle-model",
        "SMALL_MODEL": "small-model",
        "LOG_LEVEL": "debug",
    }
    env.update(extra)
    return env
