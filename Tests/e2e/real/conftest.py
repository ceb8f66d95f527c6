"""Fixtures for the suite against a real model server (make e2e-real): one llama-server for the session
(scripts/real-upstream must have built it), one proxy in front of it with both ways to reach it, and SDK
clients for the proxy and for the server's own /v1/messages."""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from harness import ProxyProcess  # noqa: E402
from real_server import RealServer, proxy_config  # noqa: E402

# The model names that pick each way (proxy_config's routes): chat completions, and /v1/messages.
ROUTES = {"chat": "real-chat", "messages": "real-messages"}


@pytest.fixture(scope="session")
def real_server():
    server = RealServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def real_proxy(proxy_bin, real_server):
    workdir = tempfile.mkdtemp(prefix="ccp-e2e-real-proxy-")
    config = Path(workdir) / "config.yaml"
    config.write_text(proxy_config(real_server.url))
    proxy = ProxyProcess(proxy_bin, {}, ["--config", str(config)], workdir=workdir).start()
    yield proxy
    proxy.stop()


@pytest.fixture
def proxy(real_proxy, real_server) -> ProxyProcess:
    """The session's proxy, checked alive (with its server) after each test."""
    yield real_proxy
    assert real_proxy.alive(), "the proxy died during this test:\n" + real_proxy.log()[-4000:]
    assert real_server.alive(), "llama-server died during this test:\n" + real_server.log()[-4000:]


@pytest.fixture(params=sorted(ROUTES))
def way(request) -> str:
    """Each upstream protocol the proxy speaks to llama-server: `chat` (type openai) and `messages` (type
    anthropic)."""
    return request.param


@pytest.fixture
def model(way) -> str:
    return ROUTES[way]


@pytest.fixture
def client(proxy):
    import anthropic

    c = anthropic.Anthropic(base_url=proxy.url, api_key="e2e-client-key", max_retries=0, timeout=90.0)
    yield c
    c.close()


@pytest.fixture
def native_client(real_server):
    """The anthropic SDK straight to llama-server's own /v1/messages: the reference."""
    import anthropic

    c = anthropic.Anthropic(base_url=real_server.url, api_key="unused", max_retries=0, timeout=90.0)
    yield c
    c.close()
