"""A team gateway on one machine, for the e2e tests: a real PostgreSQL server (Debian's, on loopback, as a
non-root user, via scripts/test-postgres), N proxy replicas sharing it, and a real load balancer in front
(Debian's HAProxy, with the shipped Examples/deploy/haproxy.cfg) — or one replica on an SQLite file.
Standard library only: the Claude Code gateway scenario imports it inside a network namespace."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

from harness import ProxyProcess, free_port, kill_with_parent

ROOT = Path(__file__).resolve().parents[2]
TEST_POSTGRES = ROOT / "scripts" / "test-postgres"
HAPROXY_CONFIG = ROOT / "Examples" / "deploy" / "haproxy.cfg"
STATIC_KEY = "sk-static-e2e-gateway-key"
ADMIN_KEY = "admin-e2e-gateway-key"
# The mock's answers cost exactly $0.002 at these prices: 1000 input tokens at $1/M, 100 output at $10/M.
PRICED_USAGE = {"prompt_tokens": 1000, "completion_tokens": 100}
REQUEST_COST = 0.002


def http(method: str, url: str, body: dict | None = None, key: str | None = None, timeout: float = 30) -> tuple[int, dict, bytes]:
    """One request; returns status, headers (lower-cased) and body, whatever the status."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("content-type", "application/json")
    if key:
        request.add_header("x-api-key", key)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


class Postgres:
    """`scripts/test-postgres` in a directory of its own under /tmp (which the server's user, not root, can
    reach: pytest's own temporary directories are private); stopped by `stop`, or by its watcher when the
    test process dies."""

    def __init__(self):
        parent = Path(tempfile.mkdtemp(prefix="ccp-e2e-pg-"))
        parent.chmod(0o755)
        self.directory = parent / "server"
        self.url = ""

    def start(self) -> "Postgres":
        out = subprocess.run([str(TEST_POSTGRES), "start", str(self.directory), "--watch", str(os.getpid())],
                             capture_output=True, text=True, timeout=120)
        if out.returncode != 0:
            raise RuntimeError(f"scripts/test-postgres start failed: {out.stdout}{out.stderr}")
        self.url = out.stdout.strip()
        return self

    def control(self, command: str) -> None:
        subprocess.run([str(TEST_POSTGRES), command, str(self.directory)], check=True, capture_output=True,
                       text=True, timeout=120)

    def sql(self, query: str) -> list[list[str]]:
        """Rows of a query through psql, as text."""
        out = subprocess.run(["psql", self.url.replace("?sslmode=disable", ""), "-At", "-F", "\t", "-c", query],
                             check=True, capture_output=True, text=True, timeout=30)
        return [line.split("\t") for line in out.stdout.splitlines() if line]

    def stop(self) -> None:
        subprocess.run([str(TEST_POSTGRES), "stop", str(self.directory)], capture_output=True, timeout=60)
        shutil.rmtree(self.directory.parent, ignore_errors=True)


class HAProxy:
    """Debian's haproxy in the foreground on the shipped config, filled in with this cluster's addresses."""

    def __init__(self, directory: Path, replicas: list[str]):
        self.directory = directory
        self.replicas = replicas
        self.port = 0
        self.proc: subprocess.Popen | None = None

    def start(self) -> "HAProxy":
        self.port = free_port()
        text = HAPROXY_CONFIG.read_text()
        # On loopback only: the shipped config listens on every interface.
        assert "bind :@LISTEN_PORT@" in text, "Examples/deploy/haproxy.cfg no longer binds :@LISTEN_PORT@"
        text = text.replace("bind :@LISTEN_PORT@", f"bind 127.0.0.1:{self.port}")
        for index, address in enumerate(self.replicas, start=1):
            text = text.replace(f"@REPLICA_{index}@", address)
        config = self.directory / "haproxy.cfg"
        config.write_text(text)
        log = open(self.directory / "haproxy.log", "ab")
        self.proc = subprocess.Popen([shutil.which("haproxy") or "/usr/sbin/haproxy", "-db", "-f", str(config)],
                                     stdout=log, stderr=log, stdin=subprocess.DEVNULL, preexec_fn=kill_with_parent)
        log.close()
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if http("GET", f"{self.url}/health", timeout=2)[0] == 200:
                    return self
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.05)
        raise RuntimeError("haproxy did not start:\n" + (self.directory / "haproxy.log").read_text(errors="replace"))

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)


class GatewayCluster:
    """N replicas of the proxy on one store, behind HAProxy (or one replica on SQLite, with no balancer).

    `providers` is the config's providers section (YAML); every route goes to `mock/gpt-4o`, priced so that
    the mock's `PRICED_USAGE` costs `REQUEST_COST`."""

    def __init__(self, proxy_bin: str, providers: str, replicas: int = 3, store: str = "postgres",
                 store_options: str = "", base: Path | None = None):
        self.proxy_bin = proxy_bin
        self.providers = providers
        self.count = replicas
        self.kind = store
        self.store_options = store_options
        self.base = base or Path(tempfile.mkdtemp(prefix="ccp-gateway-"))
        self.base.mkdir(parents=True, exist_ok=True)
        self.postgres: Postgres | None = None
        self.replicas: list[ProxyProcess] = []
        self.balancer: HAProxy | None = None
        self.config = self.base / "config.yaml"

    def start(self) -> "GatewayCluster":
        if self.kind == "postgres":
            self.postgres = Postgres().start()
            url = self.postgres.url
        else:
            url = f"sqlite:{self.base / 'proxy.db'}"
        options = f", {self.store_options}" if self.store_options else ""
        self.config.write_text(f"""\
server:
  api_keys: ["{STATIC_KEY}"]
  admin_keys: ["{ADMIN_KEY}"]
  log_level: debug
  shutdown_grace_period: 3
store: {{ url: "{url}", replica: "${{CCP_REPLICA}}"{options} }}
providers:
{self.providers}
models:
  - {{ match: "*", provider: mock, model: gpt-4o, input_cost_per_mtok: 1, output_cost_per_mtok: 10 }}
""")
        # The replicas start at once and migrate the empty database together: the schema's lock sorts them out.
        for index in range(self.count):
            workdir = self.base / f"replica-{index + 1}"
            workdir.mkdir()
            # One config file for all; each replica names itself in the ledger.
            self.replicas.append(ProxyProcess(self.proxy_bin, {"CCP_REPLICA": f"replica-{index + 1}"},
                                              ["--config", str(self.config)], workdir=str(workdir), die_with_parent=True))
        for replica in self.replicas:
            replica.start()
        for replica in self.replicas:
            self.wait_ready(replica)
        if self.kind == "postgres":
            self.balancer = HAProxy(self.base, [f"127.0.0.1:{r.port}" for r in self.replicas]).start()
        return self

    @staticmethod
    def wait_ready(replica: ProxyProcess, timeout: float = 30) -> None:
        """Until the replica's store is migrated and its keys read (its /health says store ok)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            status, _, body = http("GET", f"{replica.url}/health", timeout=2)
            if status == 200 and json.loads(body).get("store") == "ok":
                return
            time.sleep(0.05)
        raise RuntimeError("a replica's store never became ready:\n" + replica.log()[-4000:])

    @property
    def url(self) -> str:
        """Where clients go: the balancer, or the one replica."""
        return self.balancer.url if self.balancer else self.replicas[0].url

    def keys(self, *args: str) -> dict:
        """`claude-code-proxy keys ARGS --json --config …`, parsed."""
        out = subprocess.run([self.proxy_bin, "keys", *args, "--json", "--config", str(self.config)],
                             capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, f"keys {' '.join(args)} failed: {out.stdout}{out.stderr}"
        return json.loads(out.stdout)

    def create_key(self, name: str, *options: str) -> str:
        """A new managed key; returns its secret once every replica knows it."""
        secret = self.keys("create", name, *options)["key"]
        deadline = time.monotonic() + 5
        pending = list(self.replicas)
        while pending and time.monotonic() < deadline:
            pending = [r for r in pending if r.alive() and http(
                "POST", f"{r.url}/v1/messages/count_tokens",
                {"model": "claude-haiku-4-5", "messages": [{"role": "user", "content": "x"}]}, key=secret)[0] != 200]
            time.sleep(0.02)
        assert not pending, "not every replica learned the new key within 5 s"
        return secret

    def ledger(self, columns: str = "request_id, key_name, status, replica, cost_usd") -> list[list[str]]:
        if self.postgres:
            return self.postgres.sql(f"SELECT {columns} FROM ccp_usage ORDER BY at_ms")
        out = subprocess.run(["python3", "-c", (
            "import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
            "print('\\n'.join('\\t'.join('' if v is None else str(v) for v in r) for r in c.execute(sys.argv[2])))"),
            str(self.base / "proxy.db"), f"SELECT {columns} FROM ccp_usage ORDER BY at_ms"],
            check=True, capture_output=True, text=True, timeout=30)
        return [line.split("\t") for line in out.stdout.splitlines() if line]

    def metric(self, replica: ProxyProcess, series: str) -> float | None:
        status, _, body = http("GET", f"{replica.url}/metrics", key=STATIC_KEY)
        assert status == 200
        for line in body.decode().splitlines():
            if line.startswith(series + " "):
                return float(line.rsplit(" ", 1)[1])
        return None

    def kill(self, index: int) -> None:
        """SIGKILL replica `index` (0-based): no graceful stop, nothing flushed."""
        replica = self.replicas[index]
        if replica.proc and replica.proc.poll() is None:
            os.killpg(replica.proc.pid, signal.SIGKILL)
            replica.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.balancer:
            self.balancer.stop()
        for replica in self.replicas:
            replica.stop()
        if self.postgres:
            self.postgres.stop()

    def logs(self) -> str:
        return "\n".join(f"--- replica {i + 1} ---\n{r.log()[-3000:]}" for i, r in enumerate(self.replicas))


def message(model: str = "claude-haiku-4-5", stream: bool = False, session: str | None = None) -> dict:
    body = {"model": model, "max_tokens": 64, "stream": stream, "messages": [{"role": "user", "content": "hi"}]}
    if session:
        body["metadata"] = {"user_id": f"user_e2e_account__session_{session}"}
    return body


def wait_until(condition, timeout: float, interval: float = 0.02) -> float | None:
    """Seconds until `condition()` held, or None when it did not within `timeout`."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if condition():
            return time.monotonic() - start
        time.sleep(interval)
    return None
