"""Fixtures: the proxy binary (PROXY_BIN, set by scripts/e2e), one mock upstream and one proxy per session in
the seed's env-variable setup (the mock's script and records are reset before every test), the anthropic SDK
client, and a factory for tests that need a proxy of their own."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from harness import ProxyProcess, proxy_env_for  # noqa: E402
from mock_upstream import MockUpstream  # noqa: E402


@pytest.fixture(scope="session")
def proxy_bin() -> str:
    path = os.environ.get("PROXY_BIN")
    if not path:
        pytest.fail("PROXY_BIN is not set: run the suite through scripts/e2e (it builds the proxy)", pytrace=False)
    if not os.access(path, os.X_OK):
        pytest.fail(f"PROXY_BIN={path} is not an executable file", pytrace=False)
    return path


@pytest.fixture(scope="session")
def session_upstream():
    mock = MockUpstream("session").start()
    yield mock
    mock.stop()


@pytest.fixture(scope="session")
def session_proxy(proxy_bin, session_upstream):
    proxy = ProxyProcess(proxy_bin, proxy_env_for(session_upstream.url)).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def upstream(session_upstream, session_proxy, request):
    """The session's mock upstream, reset for this test. After the test it waits for in-flight requests to end
    so that one test's slow reply cannot leak into the next."""
    session_upstream.reset()
    yield session_upstream
    session_upstream.wait_idle(timeout=15)
    assert session_proxy.alive(), "the proxy process died during this test:\n" + session_proxy.log()[-4000:]
    assert not session_upstream.errors, f"mock script errors: {session_upstream.errors}"


@pytest.fixture
def proxy(session_proxy, upstream) -> ProxyProcess:
    return session_proxy


@pytest.fixture
def client(proxy):
    import anthropic

    c = anthropic.Anthropic(base_url=proxy.url, api_key="e2e-client-key", max_retries=0, timeout=30.0)
    yield c
    c.close()


@pytest.fixture
def make_proxy(proxy_bin):
    """Start extra proxies (own settings); all are stopped at the end of the test."""
    started: list[ProxyProcess] = []

    def make(env: dict[str, str], args: list[str] | None = None, workdir: str | None = None) -> ProxyProcess:
        p = ProxyProcess(proxy_bin, env, args, workdir=workdir)
        started.append(p)
        return p.start()

    yield make
    for p in started:
        p.stop()


@pytest.fixture
def make_upstream():
    started: list[MockUpstream] = []

    def make(name: str = "extra") -> MockUpstream:
        m = MockUpstream(name).start()
        started.append(m)
        return m

    yield make
    for m in started:
        m.stop()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """On failure, attach the tail of the session proxy's log to the report."""
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        proxy = item.funcargs.get("session_proxy") or item.funcargs.get("proxy")
        if isinstance(proxy, ProxyProcess):
            report.sections.append(("proxy log (tail)", proxy.log()[-3000:]))
