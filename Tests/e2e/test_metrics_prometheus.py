"""`GET /metrics` read by a real Prometheus server (Debian's `prometheus`, installed by scripts/install-deps and
started here on loopback): it scrapes the proxy during traffic, with the client key as its credentials, and the
series are read back through Prometheus' query API. `promtool check metrics` lints the exposition."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request

import anthropic
import pytest

from harness import base_env, free_port
from mock_upstream import JSONReply, SSEReply, completion, text_stream, usage

pytestmark = pytest.mark.timeout(90)

CLIENT_KEY = "e2e-metrics-client-key"
FIRST_KEYS = ["sk-first-pool-key-a", "sk-first-pool-key-b"]


def short_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:8]


def fetch(url: str, headers: dict | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


@pytest.fixture
def proxied(make_upstream, make_proxy, tmp_path):
    first, second = make_upstream("first"), make_upstream("second")
    config = tmp_path / "config.yaml"
    config.write_text(f"""\
server: {{ api_keys: ["{CLIENT_KEY}"], metrics: key, log_level: info }}
providers:
  first: {{ type: openai, base_url: "{first.url}", api_keys: ["{FIRST_KEYS[0]}", "{FIRST_KEYS[1]}"] }}
  second: {{ type: openai, base_url: "{second.url}", api_key: sk-2 }}
models:
  - {{ match: "*", provider: first, model: gpt-4o, fallbacks: [{{ provider: second, model: gpt-4o-mini }}] }}
""")
    proxy = make_proxy(base_env(), ["--config", str(config)], workdir=str(tmp_path))
    return proxy, first, second


@pytest.fixture
def prometheus(proxied, tmp_path):
    binary = shutil.which("prometheus")
    if binary is None:
        pytest.fail("prometheus is not installed: run scripts/install-deps", pytrace=False)
    proxy = proxied[0]
    port = free_port()
    (tmp_path / "prometheus.yml").write_text(f"""\
global: {{ scrape_interval: 1s, scrape_timeout: 1s }}
scrape_configs:
  - job_name: proxy
    authorization: {{ credentials: "{CLIENT_KEY}" }}
    static_configs: [{{ targets: ["127.0.0.1:{proxy.port}"] }}]
""")
    log = open(tmp_path / "prometheus.log", "wb")
    process = subprocess.Popen(
        [binary, f"--config.file={tmp_path / 'prometheus.yml'}", f"--storage.tsdb.path={tmp_path / 'tsdb'}",
         f"--web.listen-address=127.0.0.1:{port}"], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not ready(url):
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail("Prometheus did not start:\n" + (tmp_path / "prometheus.log").read_text(errors="replace")[-3000:])
        time.sleep(0.2)
    yield url
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=5)
    log.close()


def ready(url: str) -> bool:
    try:
        return fetch(f"{url}/-/ready")[0] == 200
    except OSError:
        return False


def query(prometheus: str, expression: str) -> list[dict]:
    status, body = fetch(f"{prometheus}/api/v1/query?" + urllib.parse.urlencode({"query": expression}))
    assert status == 200, body
    return json.loads(body)["data"]["result"]


def wait_for(prometheus: str, expression: str, want: float, timeout: float = 30.0) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        result = query(prometheus, expression)
        if result and float(result[0]["value"][1]) == want:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"{expression} never reached {want}: {result}")
        time.sleep(0.5)


def test_prometheus_scrapes_the_proxy(proxied, prometheus):
    proxy, first, second = proxied
    client = anthropic.Anthropic(base_url=proxy.url, api_key=CLIENT_KEY, max_retries=0, timeout=30.0)
    request = {"model": "claude-sonnet-4-5", "max_tokens": 100, "messages": [{"role": "user", "content": "hi"}]}
    first.enqueue(JSONReply(completion("one", usage=usage(12, 5))),
                  SSEReply(text_stream(["a", "b"], usage=usage(20, 7))),
                  JSONReply({"error": {"message": "busy"}}, status=503))
    second.enqueue(JSONReply(completion("two", usage=usage(30, 2))))
    assert client.messages.create(**request).content[0].text == "one"
    with client.messages.stream(**request) as stream:
        assert stream.get_final_message().content[0].text == "ab"
    assert client.messages.create(**request).content[0].text == "two"

    requests = wait_for(prometheus, 'sum(claude_code_proxy_requests_total{client_model="claude-sonnet-4-5"})', 3)
    by_route = {r["metric"]["route"]: float(r["value"][1]) for r in
                query(prometheus, "sum by (route) (claude_code_proxy_requests_total)")}
    assert by_route == {"first/gpt-4o": 2, "second/gpt-4o-mini": 1}
    tokens = query(prometheus, 'sum by (provider, type) (claude_code_proxy_tokens_total)')
    assert {(t["metric"]["provider"], t["metric"]["type"]): float(t["value"][1]) for t in tokens} == {
        ("first", "input"): 32, ("first", "output"): 12, ("second", "input"): 30, ("second", "output"): 2}
    assert float(query(prometheus, 'claude_code_proxy_fallbacks_total{provider="first"}')[0]["value"][1]) == 1
    ttft = query(prometheus, 'claude_code_proxy_time_to_first_token_seconds_count{provider="first"}')
    assert float(ttft[0]["value"][1]) == 1
    assert float(query(prometheus, 'up{job="proxy"}')[0]["value"][1]) == 1
    calls = query(prometheus, 'sum by (key, status) (claude_code_proxy_upstream_calls_total{provider="first"})')
    by_key = {(c["metric"]["key"], c["metric"]["status"]): float(c["value"][1]) for c in calls}
    a, b = (short_hash(key) for key in FIRST_KEYS)
    assert by_key == {(a, "200"): 1, (b, "200"): 1, (a, "503"): 1}, "the pool's keys in turn, each by its hash"
    print("Prometheus query sum by (key, status) (claude_code_proxy_upstream_calls_total{provider=\"first\"}):",
          json.dumps({f"{key}/{status}": value for (key, status), value in by_key.items()}))
    print("Prometheus query sum(claude_code_proxy_requests_total) by route:", json.dumps(by_route),
          "| raw:", json.dumps(requests))


def test_metrics_need_the_key_and_pass_promtool(proxied):
    proxy, first, _ = proxied
    status, body = fetch(f"{proxy.url}/metrics", {"x-api-key": CLIENT_KEY})
    assert status == 200 and b"claude_code_proxy_requests_in_flight 0" in body, "the gauges exist before any traffic"
    first.enqueue(SSEReply(text_stream(["a"], usage=usage(20, 7))))
    client = anthropic.Anthropic(base_url=proxy.url, api_key=CLIENT_KEY, max_retries=0, timeout=30.0)
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=100, messages=[{"role": "user", "content": "hi"}]) as stream:
        stream.get_final_message()
    assert fetch(f"{proxy.url}/metrics")[0] == 401
    status, body = fetch(f"{proxy.url}/metrics", {"x-api-key": CLIENT_KEY})
    assert status == 200 and b"# HELP claude_code_proxy_requests_total " in body
    check = subprocess.run(["promtool", "check", "metrics"], input=body, capture_output=True, timeout=30)
    assert check.returncode == 0, check.stdout.decode() + check.stderr.decode()
