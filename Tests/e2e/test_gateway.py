"""The proxy as a team's gateway: three replicas on a real PostgreSQL behind a real HAProxy, driven by the
`anthropic` SDK with managed keys; then one replica on SQLite. Limits across replicas, revocation and pool-key
cooldowns reaching every replica, a replica SIGKILLed and PostgreSQL restarted under load — and every answer a
client saw succeed is in the usage ledger. Each test prints the figures it measured."""

from __future__ import annotations

import hashlib
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import anthropic
import pytest

from gateway_cluster import (
    ADMIN_KEY, PRICED_USAGE, REQUEST_COST, STATIC_KEY, GatewayCluster, http, message, wait_until,
)
from mock_upstream import JSONReply, SSEReply, completion, text_stream

pytestmark = pytest.mark.timeout(240)

POOL = ["sk-e2e-gateway-pool-key-1", "sk-e2e-gateway-pool-key-2"]


def priced_reply(delay: float = 0.0):
    """The mock's answer to every request: priced at exactly REQUEST_COST, streamed when asked."""
    def respond(rec):
        if rec.stream:
            return SSEReply(text_stream(["all ", "good"], usage=PRICED_USAGE), delay=delay / 3)
        return JSONReply(completion("all good", usage=PRICED_USAGE), delay=delay)
    return respond


@pytest.fixture
def mock(make_upstream):
    upstream = make_upstream("gateway")
    upstream.respond_with(priced_reply())
    return upstream


@pytest.fixture
def cluster(proxy_bin, mock, tmp_path):
    providers = f'  mock: {{ type: openai, base_url: "{mock.url}", api_keys: ["{POOL[0]}", "{POOL[1]}"] }}'
    c = GatewayCluster(proxy_bin, providers, replicas=3, base=tmp_path).start()
    yield c
    c.stop()


def sdk(url: str, key: str) -> anthropic.Anthropic:
    return anthropic.Anthropic(base_url=url, api_key=key, max_retries=0, timeout=30.0)


def test_sdk_through_the_balancer_with_a_managed_key(cluster, mock):
    key = cluster.create_key("alice", "--budget", "5", "--rpm", "1000")
    client = sdk(cluster.url, key)
    ids = []
    for _ in range(6):
        raw = client.messages.with_raw_response.create(**{k: v for k, v in message().items() if k != "stream"})
        assert raw.parse().content[0].text == "all good"
        ids.append(raw.headers["request-id"])
    with client.messages.stream(**{k: v for k, v in message().items() if k != "stream"}) as stream:
        assert stream.get_final_text() == "all good"
        ids.append(stream.response.headers["request-id"])
    rows = cluster.ledger("request_id, key_name, status, replica, cost_usd, input_tokens, output_tokens")
    by_id = {row[0]: row for row in rows}
    # Committed before each answer ended: every request is in the ledger the moment the client has its answer.
    assert set(ids) <= set(by_id), (ids, rows)
    assert {by_id[i][1] for i in ids} == {"alice"}
    assert all(by_id[i][2] == "200" and abs(float(by_id[i][4]) - REQUEST_COST) < 1e-9 for i in ids)
    assert {by_id[i][5] for i in ids} == {"1000"} and {by_id[i][6] for i in ids} == {"100"}
    replicas = {by_id[i][3] for i in ids}
    print(f"\n7 requests through HAProxy: served by {len(replicas)} replicas, all 7 in the ledger")
    assert len(replicas) >= 2, "round robin spreads requests over the replicas"
    client.close()


def test_a_budget_spent_from_three_replicas_at_once_is_overshot_by_at_most_the_requests_in_flight(cluster, mock):
    mock.respond_with(priced_reply(delay=0.25))
    budget_requests = 10
    key = cluster.create_key("team", "--budget", str(budget_requests * REQUEST_COST), "--budget-period", "day")
    per_replica = 4
    in_flight = per_replica * len(cluster.replicas)
    successes = []
    refusals = []
    lock = threading.Lock()

    def worker(replica):
        # Each worker keeps one request in flight on its replica until the budget refuses it.
        for _ in range(20):
            status, headers, body = http("POST", f"{replica.url}/v1/messages", message(), key=key)
            with lock:
                if status == 200:
                    successes.append(headers["request-id"])
                elif status == 429:
                    refusals.append((headers, json.loads(body)))
                    return
                else:
                    raise AssertionError(f"unexpected {status}: {body!r}")

    with ThreadPoolExecutor(max_workers=in_flight) as pool:
        list(pool.map(worker, [r for r in cluster.replicas for _ in range(per_replica)]))
    spend = float(cluster.postgres.sql("SELECT COALESCE(SUM(cost_usd), 0) FROM ccp_usage WHERE key_name = 'team'")[0][0])
    print(f"\nbudget worth {budget_requests} requests, {in_flight} in flight at a time over 3 replicas: "
          f"{len(successes)} succeeded (overshoot {len(successes) - budget_requests}, bound {in_flight}), "
          f"spend ${spend:.4f} of ${budget_requests * REQUEST_COST:.4f}, {len(refusals)} refusals")
    assert budget_requests <= len(successes) <= budget_requests + in_flight
    assert abs(spend - len(successes) * REQUEST_COST) < 1e-9, "every success is priced in the ledger"
    headers, body = refusals[0]
    assert body["error"]["type"] == "rate_limit_error"
    assert body["error"]["message"].startswith("spend limit reached · resets ")
    assert headers["x-should-retry"] == "false"
    assert headers["anthropic-ratelimit-unified-overage-disabled-reason"] == "org_spend_cap_reached"
    # Spent is spent, on every replica.
    for replica in cluster.replicas:
        assert http("POST", f"{replica.url}/v1/messages", message(), key=key)[0] == 429


def test_a_rate_limit_holds_across_replicas(cluster, mock):
    key = cluster.create_key("bob", "--rpm", "6")
    statuses = [http("POST", f"{cluster.replicas[i % 3].url}/v1/messages", message(), key=key)[0] for i in range(12)]
    print(f"\nrpm 6, 12 requests round robin over 3 replicas: {statuses}")
    assert statuses[:6] == [200] * 6
    assert set(statuses[6:]) == {429}
    assert len(mock.chat_requests()) == 6


def test_a_revoked_key_is_refused_on_every_replica_within_a_second(cluster):
    key = cluster.create_key("carol")
    revoked_at = time.monotonic()
    cluster.keys("revoke", "carol")
    times = []
    for replica in cluster.replicas:
        refused = wait_until(lambda: http("POST", f"{replica.url}/v1/messages/count_tokens",
                                          {"model": "m", "messages": [{"role": "user", "content": "x"}]}, key=key)[0] == 401,
                             timeout=5, interval=0.005)
        assert refused is not None, "a replica still accepts the revoked key"
        times.append(time.monotonic() - revoked_at)
    print(f"\nrevocation refused on each replica after {', '.join(f'{t * 1000:.0f} ms' for t in times)} "
          "(including the keys command's own start)")
    assert max(times) < 1.0


def test_a_pool_key_that_got_a_429_on_one_replica_is_skipped_by_the_others(cluster, mock):
    # The session's key (a stable hash of the session) is refused once on replica 1; replicas 2 and 3 must go
    # straight to the pool's other key for the same session, and come back to it when nothing cools.
    session = "gateway-session-1"
    hits = {}

    def respond(rec):
        auth = rec.headers.get("authorization", "")
        hits.setdefault(auth, 0)
        hits[auth] += 1
        if len(mock.chat_requests()) == 1:
            return JSONReply({"error": {"message": "slow down", "type": "rate_limit"}}, status=429,
                             headers={"retry-after": "30"})
        return JSONReply(completion("ok", usage=PRICED_USAGE))

    mock.respond_with(respond)
    headers_of = lambda rec: rec.headers.get("authorization", "")  # noqa: E731
    status, _, _ = http("POST", f"{cluster.replicas[0].url}/v1/messages", message(session=session), key=STATIC_KEY)
    assert status == 200
    first, second = [headers_of(r) for r in mock.chat_requests()]
    assert first != second, "replica 1 moved to the pool's other key"
    cooled_at = time.monotonic()
    short = hashlib.sha256(first.removeprefix("Bearer ").encode()).hexdigest()[:8]
    seen = wait_until(lambda: all(cluster.metric(r, "claude_code_proxy_cooldowns_active") == 1 for r in cluster.replicas),
                      timeout=5, interval=0.01)
    assert seen is not None, "the cooldown did not reach every replica"
    print(f"\ncooldown of pool key {short} on every replica after {(time.monotonic() - cooled_at) * 1000:.0f} ms")
    assert seen < 1.0
    for replica in cluster.replicas[1:]:
        before = len(mock.chat_requests())
        assert http("POST", f"{replica.url}/v1/messages", message(session=session), key=STATIC_KEY)[0] == 200
        assert [headers_of(r) for r in mock.chat_requests()[before:]] == [second], "the cooling key was not tried first"


def run_load(cluster, key: str, seconds: float, during=None, clients: int = 8) -> tuple[list[str], list[tuple[int, str]]]:
    """`clients` threads sending through the balancer for `seconds` (half of them streaming); `during` runs
    meanwhile. Returns the request ids of the answers that arrived whole, and every failure seen."""
    successes, failures = [], []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker(index: int):
        client = sdk(cluster.url, key)
        while time.monotonic() < stop:
            try:
                if index % 2:
                    with client.messages.stream(model="claude-haiku-4-5", max_tokens=64,
                                                messages=[{"role": "user", "content": "hi"}]) as stream:
                        text = stream.get_final_text()
                        request_id = stream.response.headers["request-id"]
                else:
                    raw = client.messages.with_raw_response.create(
                        model="claude-haiku-4-5", max_tokens=64, messages=[{"role": "user", "content": "hi"}])
                    text, request_id = raw.parse().content[0].text, raw.headers["request-id"]
                with lock:
                    (successes.append(request_id) if text == "all good" else failures.append((0, f"text {text!r}")))
            except Exception as error:  # noqa: BLE001 - a cut connection surfaces as many types; each is a failure
                with lock:
                    failures.append((getattr(error, "status_code", 0) or 0, type(error).__name__))
        client.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    if during:
        during()
    for t in threads:
        t.join(timeout=seconds + 60)
    return successes, failures


def test_a_replica_sigkilled_under_load_loses_no_answer_a_client_saw_succeed(cluster, mock):
    mock.respond_with(priced_reply(delay=0.15))
    key = cluster.create_key("load")

    def kill_one():
        time.sleep(2)
        cluster.kill(1)

    successes, failures = run_load(cluster, key, seconds=6, during=kill_one)
    rows = cluster.ledger("request_id, status")
    ok_rows = {row[0] for row in rows if row[1] == "200"}
    missing = [i for i in successes if i not in ok_rows]
    print(f"\nreplica 2 SIGKILLed under load: {len(successes)} successes, {len(failures)} failures "
          f"({sorted(set(failures))[:4]}), {len(ok_rows)} ledger rows with status 200, {len(missing)} successes missing, "
          f"{len(ok_rows) - len(successes)} rows of answers cut by the kill after their commit")
    assert successes and not missing
    # A row without a success is an answer committed, then cut by the kill before its last bytes: at most the
    # requests in flight on the killed replica.
    assert len(ok_rows) - len(successes) <= 8


def test_postgres_restarted_under_load_answers_go_on_and_the_ledger_is_complete_afterwards(cluster, mock):
    mock.respond_with(priced_reply(delay=0.1))
    key = cluster.create_key("steady")

    def restart():
        time.sleep(1.5)
        cluster.postgres.control("restart")

    started = time.monotonic()
    successes, failures = run_load(cluster, key, seconds=6, during=restart)
    drained = wait_until(lambda: all(cluster.metric(r, "claude_code_proxy_ledger_queue_rows") == 0 for r in cluster.replicas),
                         timeout=30, interval=0.1)
    assert drained is not None, "the replicas' queues did not drain after the restart"
    rows = {row[0] for row in cluster.ledger("request_id, status") if row[1] == "200"}
    missing = [i for i in successes if i not in rows]
    dropped = sum(cluster.metric(r, 'claude_code_proxy_ledger_rows_total{outcome="dropped"}') or 0 for r in cluster.replicas)
    print(f"\nPostgreSQL restarted under load: {len(successes)} successes, {len(failures)} failures "
          f"({sorted(set(failures))[:4]}), {len(rows)} ledger rows with status 200, {len(missing)} missing, "
          f"{dropped:.0f} dropped; queues drained {time.monotonic() - started:.1f} s after the load began")
    # What the docs promise: the key works from the replicas' copy, answers are not held while the store is
    # down, and the rows queued meanwhile are written once it is back.
    assert not failures
    assert not missing and dropped == 0


def test_one_machine_on_sqlite(proxy_bin, mock, tmp_path):
    providers = f'  mock: {{ type: openai, base_url: "{mock.url}", api_key: sk-upstream }}'
    single = GatewayCluster(proxy_bin, providers, replicas=1, store="sqlite", base=tmp_path).start()
    try:
        key = single.create_key("solo", "--budget", str(3 * REQUEST_COST), "--rpm", "100")
        client = sdk(single.url, key)
        for _ in range(3):
            assert client.messages.create(model="claude-haiku-4-5", max_tokens=8,
                                          messages=[{"role": "user", "content": "x"}]).content[0].text == "all good"
        with pytest.raises(anthropic.RateLimitError) as refused:
            client.messages.create(model="claude-haiku-4-5", max_tokens=8, messages=[{"role": "user", "content": "x"}])
        assert refused.value.response.headers["x-should-retry"] == "false"
        assert len(single.ledger()) == 4
        usage = single.keys("usage", "solo")["data"][0]
        assert usage["requests"] == 4 and usage["failed"] == 1 and abs(usage["cost_usd"] - 3 * REQUEST_COST) < 1e-9
        # Revoked from another process (the keys command), refused by the server within a second.
        other = single.create_key("other")
        revoked_at = time.monotonic()
        single.keys("revoke", "other")
        took = wait_until(lambda: http("POST", f"{single.url}/v1/messages", message(), key=other)[0] == 401, timeout=3)
        assert took is not None and time.monotonic() - revoked_at < 1.0
        print(f"\nSQLite: revocation by another process refused after {(time.monotonic() - revoked_at) * 1000:.0f} ms")
        # SIGKILLed after its answers: every one is in the file.
        before = len(single.ledger())
        for _ in range(5):
            assert http("POST", f"{single.url}/v1/messages", message(), key=STATIC_KEY)[0] == 200
        single.kill(0)
        assert len(single.ledger()) == before + 5
        client.close()
    finally:
        single.stop()


def test_the_admin_api_through_the_balancer(cluster):
    status, _, body = http("POST", f"{cluster.url}/admin/keys", {"name": "dana", "rpm": 5}, key=ADMIN_KEY)
    assert status == 201
    secret = json.loads(body)["key"]
    assert wait_until(lambda: all(http("POST", f"{r.url}/v1/messages/count_tokens",
                                       {"model": "m", "messages": [{"role": "user", "content": "x"}]}, key=secret)[0] == 200
                                  for r in cluster.replicas), timeout=2) is not None
    assert http("GET", f"{cluster.url}/admin/keys", key=STATIC_KEY)[0] == 401
    listed = json.loads(http("GET", f"{cluster.url}/admin/keys", key=ADMIN_KEY)[2])["data"]
    assert [k["name"] for k in listed] == ["dana"]
