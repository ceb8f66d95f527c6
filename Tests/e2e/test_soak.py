"""Soak test: a few thousand mixed requests against the real binary — normal and streamed answers, upstream
errors, upstream drops before and during a stream, clients that hang up mid-stream — then the proxy's file
descriptors, threads and memory must be back at their warmed-up baseline. Bounded in count and
time, loopback only."""

from __future__ import annotations

import http.client
import json
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from harness import proxy_env_for
from mock_upstream import DropReply, JSONReply, MockUpstream, SSEReply, completion, openai_error, text_stream, usage

KINDS = ["text", "stream", "upstream_500", "drop_mid_stream", "drop_before_answer", "client_hangup"]
SOAK_REQUESTS = 3000
WARMUP_REQUESTS = 300
CONCURRENCY = 16
TIME_LIMIT = 150.0


def reply_for(rec) -> object:
    kind = rec.body["messages"][0]["content"].split(":")[0]
    if kind == "text":
        return JSONReply(completion("fine", usage=usage(20, 3)))
    if kind == "stream":
        return SSEReply(text_stream(["a", "b", "c"], usage=usage(20, 3)))
    if kind == "upstream_500":
        return JSONReply(openai_error(500, "upstream broke", "server_error"), status=500)
    if kind == "drop_mid_stream":
        return SSEReply(text_stream(["a", "b"])[:2], done=False, drop=True)
    if kind == "drop_before_answer":
        return DropReply()
    return SSEReply(text_stream(["x"] * 20), delay=0.02)  # client_hangup: long enough to hang up mid-way


def body(kind: str, n: int) -> bytes:
    return json.dumps({
        "model": "claude-3-5-haiku-20241022", "max_tokens": 200, "stream": kind not in ("text", "upstream_500"),
        "messages": [{"role": "user", "content": f"{kind}:{n}"}],
    }).encode()


def one_request(port: int, kind: str, n: int) -> str:
    """Sends one request of `kind`; returns a short outcome that the test checks per kind."""
    if kind == "client_hangup":
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            payload = body(kind, n)
            s.sendall(b"POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                      + f"Content-Length: {len(payload)}\r\n\r\n".encode() + payload)
            s.recv(200)  # the head and the first events, then hang up
        return "hung up"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=20)
    try:
        connection.request("POST", "/v1/messages", body(kind, n), {"content-type": "application/json"})
        response = connection.getresponse()
        text = response.read().decode(errors="replace")
        if response.status != 200:
            return f"{response.status}"
        if kind in ("text",):
            return "ok" if '"type":"message"' in text else "bad"
        if "event: error" in text:
            return "stream error"
        return "stream ok" if "event: message_stop" in text else "stream cut"
    finally:
        connection.close()


EXPECTED = {
    "text": {"ok"}, "stream": {"stream ok"}, "upstream_500": {"500"}, "drop_mid_stream": {"stream error"},
    "drop_before_answer": {"502"}, "client_hangup": {"hung up"},
}


def process_stats(pid: int) -> dict[str, int]:
    status = Path(f"/proc/{pid}/status").read_text()
    fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
    return {
        "fds": len(list(Path(f"/proc/{pid}/fd").iterdir())),
        "threads": int(fields["Threads"].strip()),
        "rss_kb": int(fields["VmRSS"].strip().split()[0]),
    }


def run_batch(port: int, count: int, offset: int, deadline: float) -> dict[str, dict[str, int]]:
    outcomes: dict[str, dict[str, int]] = {kind: {} for kind in KINDS}
    jobs = [(KINDS[(offset + i) % len(KINDS)], offset + i) for i in range(count)]
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        futures = [(kind, pool.submit(one_request, port, kind, n)) for kind, n in jobs]
        for kind, future in futures:
            outcome = future.result(timeout=max(1.0, deadline - time.monotonic()))
            outcomes[kind][outcome] = outcomes[kind].get(outcome, 0) + 1
    return outcomes


def settle(mock: MockUpstream, pid: int) -> dict[str, int]:
    mock.wait_idle(timeout=15)
    time.sleep(1.5)
    return process_stats(pid)


@pytest.mark.timeout(240)
def test_soak_leaves_no_leaks(make_proxy):
    mock = MockUpstream("soak").start()
    try:
        mock.respond_with(reply_for)
        proxy = make_proxy(proxy_env_for(mock.url, LOG_LEVEL="error", REQUEST_TIMEOUT="10"))
        pid = proxy.proc.pid
        deadline = time.monotonic() + TIME_LIMIT

        warmup = run_batch(proxy.port, WARMUP_REQUESTS, 0, deadline)
        baseline = settle(mock, pid)
        soak = run_batch(proxy.port, SOAK_REQUESTS, WARMUP_REQUESTS, deadline)
        after = settle(mock, pid)

        for outcomes in (warmup, soak):
            for kind, seen in outcomes.items():
                assert set(seen) <= EXPECTED[kind], f"{kind}: unexpected outcomes {seen}"
        assert sum(sum(seen.values()) for seen in soak.values()) == SOAK_REQUESTS
        assert proxy.alive(), proxy.log()[-3000:]
        print(f"\nsoak: baseline {baseline}, after {SOAK_REQUESTS} requests {after}")
        # Idle upstream connections stay in libcurl's cache and the client's keep-alives may linger: a few
        # descriptors of slack, not one per request.
        assert after["fds"] <= baseline["fds"] + 8, f"file descriptors leaked: {baseline} → {after}"
        assert after["threads"] <= baseline["threads"] + 2, f"threads leaked: {baseline} → {after}"
        assert after["rss_kb"] <= baseline["rss_kb"] + 16 * 1024, f"memory grew: {baseline} → {after}"
    finally:
        mock.stop()
