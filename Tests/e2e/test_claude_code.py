"""The real Claude Code CLI (bundled in the claude-agent-sdk wheel) driving an agentic loop through the proxy,
inside a loopback-only network namespace (see claude_code_scenario.py, which runs under `unshare -n`)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
SCENARIO = HERE / "claude_code_scenario.py"
sys.path.insert(0, str(HERE))

from claude_cli import claude_binary, run_in_namespace  # noqa: E402
from claude_code_scenario import (  # noqa: E402
    AGENT_ID, BASH_ARGS, BASH_ID, BASH_REASONING, FINAL_TEXT, GEMINI_KEY, GEMINI_MODEL, NATIVE_KEY, NATIVE_MODEL,
    NATIVE_SIGNATURE, RESPONSES_KEY,
    RESPONSES_MODEL, RESUMED_TEXT, SUBAGENT_REPORT, WRITE_CONTENT, WRITE_ID, tool_use_block, write_args,
)

pytestmark = pytest.mark.timeout(300)


def run_scenario(proxy_bin: str, mode: str, tmp_path: Path, model: str = "claude-opus-4-5") -> dict:
    return run_in_namespace(SCENARIO, ["--proxy-bin", proxy_bin, "--claude", claude_binary(), "--mode", mode,
                                       "--model", model, "--timeout", "180"], tmp_path)


def explain(r: dict) -> str:
    keep = {k: r.get(k) for k in ("returncode", "timed_out", "seconds", "stderr", "files", "exception",
                                  "client_requests", "upstream", "mock_errors", "proxy_alive")}
    return (json.dumps(keep, indent=1, default=str)[-12000:] + "\n--- proxy log (tail) ---\n"
            + (r.get("proxy_log") or "")[-4000:] + "\n--- claude debug (tail) ---\n"
            + (r.get("claude_debug_tail") or "")[-4000:] + f"\n(full record: {r['_path']})")


def check_common(r: dict) -> None:
    assert r.get("namespace_problems") == [], (
        f"refusing to run Claude Code: the network namespace is not loopback-only: {r.get('namespace_problems')}")
    assert not r.get("exception"), explain(r)
    assert not r.get("timed_out"), "claude -p did not finish in time\n" + explain(r)
    assert r["returncode"] == 0, explain(r)
    cli = r.get("cli_json")
    assert isinstance(cli, dict), "claude printed no JSON result\n" + explain(r)
    assert cli.get("is_error") is False, explain(r)
    assert cli.get("subtype") == "success", explain(r)
    assert cli.get("api_error_status") in (None, 0), explain(r)
    assert cli.get("result") == FINAL_TEXT, explain(r)
    assert r["files"].get("hello.txt") == WRITE_CONTENT, explain(r)
    assert r["files"].get("bash.txt") == "bash-was-here\n", explain(r)
    assert r.get("proxy_alive"), "the proxy died\n" + explain(r)
    assert not any(r["mock_errors"].values()), explain(r)

    # The CLI never retried: every request it sent carries x-stainless-retry-count 0 …
    client = [c for c in r["client_requests"] if c["path"].startswith("/v1/messages")]
    assert client, explain(r)
    retries = [(c["path"], c["headers"].get("x-stainless-retry-count")) for c in client
               if c["headers"].get("x-stainless-retry-count", "0") != "0"]
    assert not retries, f"Claude Code retried: {retries}\n" + explain(r)
    # … never fell back to a non-streaming request (its answer to a broken stream) …
    non_stream = [(c["path"], c.get("model")) for c in client if c["path"].startswith("/v1/messages?")
                  and "count_tokens" not in c["path"] and c.get("stream") is not True]
    assert not non_stream, f"Claude Code sent non-streaming requests (stream fallback?): {non_stream}\n" + explain(r)
    # … and every upstream request was answered (none cut short by the proxy or the client).
    for name, reqs in r["upstream"].items():
        for q in reqs:
            assert q.get("outcome", "answered") == "answered", f"{name}: {q}\n" + explain(r)


def steps(reqs: list[dict], kind: str) -> list[str]:
    return [q["step"] for q in reqs if q.get("kind") == kind]


def test_claude_code_env_setup(proxy_bin, tmp_path):
    """Seed env variables: one OpenAI provider; opus → BIG_MODEL. Write → Bash → final answer."""
    r = run_scenario(proxy_bin, "env", tmp_path)
    check_common(r)
    main = r["upstream"]["main"]
    # exactly one upstream request per turn of the loop, in order, all streamed, all for the opus mapping
    assert steps(main, "main") == ["write", "bash", "final"], explain(r)
    for q in main:
        if q["kind"] == "main":
            assert q["model"] == "big-model" and q["stream"] is True, explain(r)
            assert q["authorization"] == "Bearer sk-upstream-e2e", explain(r)
    # the tool results went back as OpenAI tool messages bound to the right calls
    bash_turn = next(q for q in main if q.get("step") == "bash")
    assert bash_turn["tool_results"] == [WRITE_ID], explain(r)
    assert bash_turn["roles"][-2:] == ["assistant", "tool"], explain(r)
    final_turn = next(q for q in main if q.get("step") == "final")
    assert final_turn["tool_results"] == [BASH_ID], explain(r)
    assert r["cli_json"].get("num_turns") == 3, explain(r)


def test_claude_code_config_two_providers(proxy_bin, tmp_path):
    """config.yaml with two providers: the opus main loop goes to `second` (ollama type, no auth, model
    big-one) and delegates to a haiku subagent, whose requests go to `first` (openai type, key from ${VAR},
    model small-one). Agent → (subagent: Write → report) → Bash → final answer."""
    r = run_scenario(proxy_bin, "config", tmp_path)
    check_common(r)
    first, second = r["upstream"]["first"], r["upstream"]["second"]

    # opus → second, nothing else
    assert steps(second, "main") == ["agent", "bash", "final"], explain(r)
    assert all(q["kind"] == "main" for q in second), explain(r)
    for q in second:
        assert q["model"] == "big-one" and q["stream"] is True, explain(r)
        assert q["path"] == "/v1/chat/completions", explain(r)
        assert q["authorization"] is None, "an ollama provider without api_key must send no Authorization\n" + explain(r)
    # haiku (the subagent) → first, nothing else
    assert steps(first, "subagent") == ["sub-write", "sub-report"], explain(r)
    assert all(q["kind"] == "subagent" for q in first), explain(r)
    for q in first:
        assert q["model"] == "small-one" and q["stream"] is True, explain(r)
        assert q["authorization"] == "Bearer k1-from-env", explain(r)
    # the client really asked for a haiku model for the subagent and opus for the main loop
    models = {c.get("model") for c in r["client_requests"] if c["path"].startswith("/v1/messages")}
    assert "claude-opus-4-5" in models and any("haiku" in (m or "") for m in models), explain(r)
    # the subagent's report came back to the main loop as the Agent tool's result
    bash_turn = next(q for q in second if q.get("step") == "bash")
    assert bash_turn["tool_results"] == [AGENT_ID], explain(r)
    assert any(SUBAGENT_REPORT in c for c in bash_turn["tool_contents"]), explain(r)


def test_claude_code_native_anthropic(proxy_bin, tmp_path):
    """config.yaml with one `type: anthropic` provider (key from ${VAR}, drop_fields: [context_management]) in
    front of a mock speaking /v1/messages: the CLI's requests reach it as sent but for model and the dropped
    field, its events come back as written. Write → Bash → final answer."""
    r = run_scenario(proxy_bin, "native", tmp_path)
    check_common(r)
    native = r["upstream"]["native"]
    assert steps(native, "main") == ["write", "bash", "final"], explain(r)

    # every CLI request reached the upstream (none was answered by the proxy alone) …
    sent = [c for c in r["client_requests"] if c["path"].split("?")[0] == "/v1/messages"]
    assert len(native) == len(sent), explain(r)
    assert any("context_management" in c["fields"] for c in sent), "the CLI sent no context_management\n" + explain(r)
    by_messages = {c["unsigned_digest"]: c for c in sent}
    for q in native:
        # … at /v1/messages with the provider's key, the route's model and the client's headers …
        assert q["method"] == "POST" and q["path"] == "/v1/messages", explain(r)
        assert q["headers"].get("x-api-key") == NATIVE_KEY and "authorization" not in q["headers"], explain(r)
        assert q["model"] == NATIVE_MODEL and q["stream"] is True, explain(r)
        # … with the client's messages (but for thinking signatures: the client's are packed, the upstream gets
        # its own back) and its fields but the dropped one
        c = by_messages.get(q["unsigned_digest"])
        assert c is not None, f"the upstream got messages the CLI never sent: {q}\n" + explain(r)
        assert q["fields"] == [f for f in c["fields"] if f != "context_management"], explain(r)
        assert q["headers"].get("anthropic-version") == c["headers"]["anthropic-version"], explain(r)
        assert q["headers"].get("anthropic-beta") == c["headers"].get("anthropic-beta"), explain(r)

    # the mock's tool_use blocks and the CLI's tool_result blocks went back as they were, one turn each
    write = tool_use_block(WRITE_ID, "Write", write_args(str((tmp_path / "scenario" / "work").resolve())))
    bash = tool_use_block(BASH_ID, "Bash", BASH_ARGS)
    bash_turn = next(q for q in native if q.get("step") == "bash")
    assert bash_turn["tool_results"] == [WRITE_ID], explain(r)
    assert bash_turn["roles"] == ["user", "assistant", "user"], explain(r)
    assert bash_turn["tool_uses"] == [write], explain(r)
    assert [b["tool_use_id"] for b in bash_turn["result_blocks"]] == [WRITE_ID], explain(r)
    final_turn = next(q for q in native if q.get("step") == "final")
    assert final_turn["tool_results"] == [BASH_ID], explain(r)
    assert final_turn["roles"] == ["user", "assistant", "user", "assistant", "user"], explain(r)
    assert final_turn["tool_uses"] == [write, bash], explain(r)
    assert [b["tool_use_id"] for b in final_turn["result_blocks"]] == [WRITE_ID, BASH_ID], explain(r)
    assert not any(b.get("is_error") for b in final_turn["result_blocks"]), explain(r)
    # the thinking of each step went back to the upstream with the signature it made, and on with thinking on
    assert final_turn["thinking_tokens"] == [f"{NATIVE_SIGNATURE}-write", f"{NATIVE_SIGNATURE}-bash"], explain(r)
    assert final_turn["thinking"] is not None, explain(r)

    # the CLI saw its own model name, never the upstream's
    assert set(r["cli_json"].get("modelUsage") or {}) == {"claude-opus-4-5"}, explain(r)
    assert r["cli_json"].get("num_turns") == 3, explain(r)


def test_claude_code_openai_responses(proxy_bin, tmp_path):
    """config.yaml with one `type: openai-responses` provider (key from ${VAR}) in front of a mock speaking the
    Responses API: the CLI's requests arrive as `instructions` + `input` items, the mock's typed events come
    back as Anthropic events, and the thinking the CLI got for the Bash step goes back as the same encrypted
    reasoning item. Write → Bash → final answer."""
    r = run_scenario(proxy_bin, "responses", tmp_path)
    check_common(r)
    upstream = r["upstream"]["responses"]
    assert steps(upstream, "main") == ["write", "bash", "final"], explain(r)

    # every CLI request reached the upstream (none was answered by the proxy alone) …
    sent = [c for c in r["client_requests"] if c["path"].split("?")[0] == "/v1/messages"]
    assert len(upstream) == len(sent), explain(r)
    for q in upstream:
        # … at /v1/responses with the provider's key and the route's model, streamed, stateless …
        assert q["method"] == "POST" and q["path"] == "/v1/responses", explain(r)
        assert q["headers"].get("authorization") == f"Bearer {RESPONSES_KEY}", explain(r)
        assert q["model"] == RESPONSES_MODEL and q["stream"] is True and q["store"] is False, explain(r)
        assert "previous_response_id" not in q["fields"], explain(r)
        # … with Claude Code's system prompt as instructions, minus its per-request billing line
        assert q["instructions"] and "x-anthropic-billing-header" not in q["instructions"], explain(r)
    for q in upstream:
        if q["kind"] == "main":
            assert q["reasoning"] and q["reasoning"]["summary"] == "auto", "the CLI asked for thinking\n" + explain(r)
            assert q["include"] == ["reasoning.encrypted_content"], explain(r)
            assert {"Write", "Bash"} <= set(q["tools"]), explain(r)

    # the tool calls went back as function_call items, each answered by its function_call_output
    write = {"type": "function_call", "call_id": WRITE_ID, "name": "Write",
             "arguments": write_args(str((tmp_path / "scenario" / "work").resolve()))}
    bash = {"type": "function_call", "call_id": BASH_ID, "name": "Bash", "arguments": BASH_ARGS}
    bash_turn = next(q for q in upstream if q.get("step") == "bash")
    assert bash_turn["tool_results"] == [WRITE_ID], explain(r)
    assert bash_turn["items"] == ["message user", "message assistant", f"function_call {WRITE_ID}",
                                  f"function_call_output {WRITE_ID}"], explain(r)
    assert bash_turn["function_calls"] == [write], explain(r)
    final_turn = next(q for q in upstream if q.get("step") == "final")
    assert final_turn["tool_results"] == [BASH_ID], explain(r)
    # the Bash step's reasoning item goes back right before the call it led to
    assert final_turn["items"] == bash_turn["items"] + ["reasoning", f"function_call {BASH_ID}",
                                                        f"function_call_output {BASH_ID}"], explain(r)
    assert final_turn["function_calls"] == [write, bash], explain(r)
    assert final_turn["reasoning_items"] == [{"type": "reasoning", "encrypted_content": BASH_REASONING,
                                              "summary": [{"type": "summary_text", "text": "Now the shell command."}]}], \
        explain(r)
    assert not any(o["output"].startswith("Error: ") for o in final_turn["outputs"]), explain(r)

    # the CLI saw its own model name, never the upstream's
    assert set(r["cli_json"].get("modelUsage") or {}) == {"claude-opus-4-5"}, explain(r)
    assert r["cli_json"].get("num_turns") == 3, explain(r)


def test_claude_code_gemini(proxy_bin, tmp_path):
    """config.yaml with one `type: gemini` provider in front of a mock of Gemini's API that signs its function
    calls and thoughts and refuses, like Gemini 3, a tool loop whose calls come back without their signatures:
    Write → Bash → final answer, every signature back on the part it was issued on."""
    r = run_scenario(proxy_bin, "gemini", tmp_path)
    check_common(r)
    upstream = r["upstream"]["gemini"]
    assert r["gemini_refusals"] == [], explain(r)
    assert steps(upstream, "main") == ["write", "bash", "final"], explain(r)

    # every CLI request reached the upstream, streamed, with the provider's key and the route's model
    sent = [c for c in r["client_requests"] if c["path"].split("?")[0] == "/v1/messages"]
    assert len(upstream) == len(sent), explain(r)
    for q in upstream:
        assert q["method"] == "POST", explain(r)
        assert q["path"] == f"/v1beta/models/{GEMINI_MODEL}:streamGenerateContent?alt=sse", explain(r)
        assert q["headers"].get("x-goog-api-key") == GEMINI_KEY, explain(r)
    main = [q for q in upstream if q["kind"] == "main"]
    assert all({"Write", "Bash"} <= set(q["tools"]) for q in main), explain(r)
    assert main[0]["thinking"] and main[0]["thinking"]["includeThoughts"] is True, "the CLI asked for thinking\n" + explain(r)

    # the final request holds the whole loop: each call signed with what the mock issued on it, the Bash
    # step's thought with its own, each call answered by its function response
    final = next(q for q in upstream if q["step"] == "final")
    model_parts = [p for c in final["contents"] if c["role"] == "model" for p in c["parts"]]
    calls = [p for p in model_parts if p["kind"] == "functionCall"]
    assert [c["name"] for c in calls] == ["Write", "Bash"], explain(r)
    assert calls[1]["args"] == BASH_ARGS, explain(r)
    issued = r["gemini_issued"]
    for c in calls:
        assert c["signature"] and issued.get(c["signature"], [None])[:2] == ["call", c["name"]], explain(r)
    thoughts = [p for p in model_parts if p["kind"] == "thought"]
    assert len(thoughts) == 1 and issued.get(thoughts[0]["signature"], [None])[0] == "thought", explain(r)
    responses = [p["name"] for c in final["contents"] if c["role"] == "user" for p in c["parts"]
                 if p["kind"] == "functionResponse"]
    assert responses == ["Write", "Bash"], explain(r)

    # the CLI saw its own model name, never the upstream's
    assert set(r["cli_json"].get("modelUsage") or {}) == {"claude-opus-4-5"}, explain(r)
    assert r["cli_json"].get("num_turns") == 3, explain(r)


def test_claude_code_through_the_launcher(proxy_bin, tmp_path):
    """`claude-code-proxy code --claude CLI -- -p …`: the launcher serves config.yaml on a free loopback port
    and runs the CLI against it with the client key (server.api_keys is set: without it every request would be a 401) and model discovery on. Write → Bash → final answer, the
    CLI's exit status passed through, the configured model discovered."""
    r = run_scenario(proxy_bin, "launcher", tmp_path)
    assert r.get("namespace_problems") == [], r.get("namespace_problems")
    assert not r.get("exception"), explain(r)
    assert not r.get("timed_out"), explain(r)
    assert r["returncode"] == 0, explain(r)
    cli = r.get("cli_json")
    assert isinstance(cli, dict) and cli.get("subtype") == "success" and cli.get("result") == FINAL_TEXT, explain(r)
    assert r["files"].get("hello.txt") == WRITE_CONTENT, explain(r)
    assert r["files"].get("bash.txt") == "bash-was-here\n", explain(r)
    main = r["upstream"]["main"]
    assert steps(main, "main") == ["write", "bash", "final"], explain(r)
    assert all(q["model"] == "big-model" for q in main if q["kind"] == "main"), explain(r)
    assert not any(r["mock_errors"].values()), explain(r)
    assert "ERROR" not in r["stderr"], "the launcher's proxy logged an error\n" + explain(r)
    assert any("1 model" in line for line in r.get("discovery_lines", [])), (
        "Claude Code did not discover the configured model\n" + json.dumps(r.get("discovery_lines")) + explain(r))
    print("discovery:", r.get("discovery_lines"))


def test_claude_code_prompt_over_the_context_window(proxy_bin, tmp_path):
    """A route whose `context_window` (4,000) is below Claude Code's first request: the proxy answers
    `prompt is too long: N tokens > 4000 maximum` (400 invalid_request_error) without calling the upstream,
    and the CLI reports it as the prompt-too-long condition it compacts on."""
    r = run_scenario(proxy_bin, "overflow", tmp_path)
    assert r.get("namespace_problems") == [], r.get("namespace_problems")
    assert not r.get("exception"), explain(r)
    assert not r.get("timed_out"), explain(r)
    assert r["upstream"]["main"] == [], "the upstream was asked although the prompt cannot fit\n" + explain(r)
    cli = r.get("cli_json")
    assert isinstance(cli, dict) and cli.get("is_error") is True, explain(r)
    assert "prompt is too long" in json.dumps(cli).lower(), explain(r)
    assert "4000 maximum" in (r.get("claude_debug_tail") or "") + json.dumps(cli), explain(r)
    print("CLI result:", cli.get("result"))


def test_claude_code_compacts_on_the_compaction_route(proxy_bin, tmp_path):
    """`code` with a route for Claude Code's `compaction` requests and a main route whose window is 120,000:
    the launcher exports that window and the hint headers. The main loop's Write of a 290 KB file takes the
    context past the CLI's threshold for that window (its own window for claude-opus-4-5 is 200,000: it would
    not compact yet), so the CLI compacts before its next request, while the proxy would still serve it; the
    compaction request goes to the compaction route's upstream alone, and the session goes on from the summary
    to its end."""
    r = run_scenario(proxy_bin, "compact", tmp_path)
    assert r.get("namespace_problems") == [], r.get("namespace_problems")
    assert not r.get("exception") and not r.get("timed_out"), explain(r)
    assert r["returncode"] == 0, explain(r)
    cli = r.get("cli_json")
    assert isinstance(cli, dict) and cli.get("subtype") == "success" and cli.get("result") == FINAL_TEXT, explain(r)
    assert r["files"].get("hello.txt", "").startswith("line 000000:"), explain(r)
    assert r["files"].get("bash.txt") == "bash-was-here\n", explain(r)
    assert not any(r["mock_errors"].values()), explain(r)
    compactor, main = r["upstream"]["compactor"], r["upstream"]["main"]
    assert compactor and all(q["asks_summary"] and q["model"] == "summary-model" for q in compactor), explain(r)
    assert not any(q.get("asks_summary") for q in main), "a compaction request reached the main route\n" + explain(r)
    first_summary = next(i for i, q in enumerate(main) if q.get("has_summary"))
    assert any(q.get("step") == "write" for q in main[:first_summary]), explain(r)
    assert [q["step"] for q in main[first_summary:] if q["kind"] == "main"][-1] == "final", explain(r)
    print("compaction requests:", len(compactor), "main requests:", len(main))


def test_claude_code_gets_past_a_rate_limit_and_an_overflow(proxy_bin, tmp_path):
    """Upstream errors as the CLI reads them: a 429 whose wait comes as `retry-after-ms: 1500` reaches the CLI
    as `retry-after: 2` (whole seconds), and the CLI sends the same request again two seconds later; OpenAI's
    context-overflow wording reaches it as `prompt is too long: N tokens > M maximum`, on which it compacts and
    goes on. The session ends as usual."""
    r = run_scenario(proxy_bin, "errors", tmp_path)
    check_common(r)
    main = r["upstream"]["main"]
    assert [q["step"] for q in main].count("rate-limited") == 1, explain(r)
    assert [q["step"] for q in main].count("overflowed") == 1, explain(r)
    client = [c for c in r["client_requests"] if c["path"].split("?")[0] == "/v1/messages" and "Write" in c.get("tools", [])]
    # Claude Code retries in its own loop (the SDK's retry count stays 0): the same request, sent again.
    retried = [(a, b) for a, b in zip(client, client[1:]) if a["messages_digest"] == b["messages_digest"]]
    assert retried, "the CLI did not send the rate-limited request again\n" + explain(r)
    waited = retried[0][1]["time"] - retried[0][0]["time"]
    assert 2.0 <= waited < 10, f"the CLI retried after {waited:.2f} s, not after the 2 s it was told\n" + explain(r)
    overflowed = next(i for i, q in enumerate(main) if q["step"] == "overflowed")
    after = main[overflowed + 1:]
    assert any(q["step"] == "summary" for q in after), "the CLI did not compact on the overflow\n" + explain(r)
    assert any(q.get("has_summary") and q["step"] == "final" for q in after), explain(r)
    print(f"retried after {waited:.2f} s; requests after the overflow: {[q['step'] for q in after]}")


def test_claude_code_switches_between_anthropic_services(proxy_bin, tmp_path):
    """Two Anthropic-native services that each refuse thinking they did not sign (and a tool loop whose calls
    do not start with thinking while thinking is on), as Anthropic does. The Write → Bash → final loop starts
    on the first; it is overloaded at the Bash step, so the loop goes on on the second (the fallback) and
    ends on the first; then the session is resumed on the other model (`--resume`, `--model`). Every request
    is accepted: each service gets back only its own thinking."""
    r = run_scenario(proxy_bin, "switch", tmp_path)
    check_common(r)
    first, second = r["upstream"]["first"], r["upstream"]["second"]
    assert not any(q["step"] == "refused" for q in first + second), "a service refused the thinking\n" + explain(r)
    assert steps(first, "main") == ["write", "bash-overloaded", "final"], explain(r)
    bash = next(q for q in second if q["step"] == "bash")
    assert bash["thinking_tokens"] == [] and bash["thinking"] is None, "mid-loop on another service\n" + explain(r)
    final = next(q for q in first if q["step"] == "final")
    assert final["thinking_tokens"] == ["first-write"], "the first service's own thinking, as it signed it\n" + explain(r)
    resumed = r["resumed"]
    assert resumed.get("returncode") == 0 and (resumed.get("cli_json") or {}).get("result") == RESUMED_TEXT, (
        json.dumps(resumed, default=str)[-3000:] + explain(r))
    turn = next(q for q in second if q["step"] == "resumed")
    assert turn["thinking_tokens"] == [t for t in turn["thinking_tokens"] if t.startswith("second-")], explain(r)
    assert turn["thinking"] is not None, "a new turn keeps thinking on\n" + explain(r)


GATEWAY = HERE / "claude_code_gateway.py"


def test_claude_code_through_a_team_gateway(proxy_bin, tmp_path):
    """Three replicas on PostgreSQL behind HAProxy, all in the namespace: Claude Code with a managed key runs
    its Write → Bash loop, every request in the ledger under the key with its request class; a key whose budget
    is spent gets the spend-limit message, not retried."""
    r = run_in_namespace(GATEWAY, ["--proxy-bin", proxy_bin, "--claude", claude_binary(), "--timeout", "150"], tmp_path)
    assert r.get("namespace_problems") == [], r.get("namespace_problems")
    context = json.dumps({k: r.get(k) for k in ("exception", "run", "refused", "ledger")}, default=str)[-12000:] + (
        r.get("logs") or "")[-4000:]
    assert not r.get("exception"), context
    run = r["run"]
    assert run["returncode"] == 0 and run["cli_json"]["is_error"] is False, context
    assert run["cli_json"]["result"] == FINAL_TEXT, context
    assert run["files"].get("hello.txt") == WRITE_CONTENT and run["files"].get("bash.txt") == "bash-was-here\n", context
    client = [c for c in r["client_requests"] if c["path"].split("?")[0] == "/v1/messages"]
    assert client and all(c["headers"].get("x-stainless-retry-count", "0") == "0" for c in client), context
    # Every request of the run is in the ledger, under the key, with the class Claude Code gave it.
    ledger = [row for row in r["ledger"] if row[1] == "dev"]
    assert len(ledger) == len(client), context
    assert {row[2] for row in ledger} == {"200"}, context
    classes = {row[3] for row in ledger}
    assert "main" in classes, f"request classes recorded: {classes}\n{context}"
    assert len({row[5] for row in ledger}) >= 2, "HAProxy spread the run over the replicas"

    refused = r["refused"]
    assert r["spending_request_status"] == 200
    cli = refused["cli_json"]
    assert refused["returncode"] == 1 and cli["is_error"] is True, context
    assert cli.get("api_error_status") == 429, context
    assert "spend limit reached · resets" in cli["result"] and "key 'broke' has spent" in cli["result"], cli["result"]
    # x-should-retry: false and the spend-cap reason: the CLI asked once and stopped.
    asked = [c for c in r["refused_client_requests"] if c["path"].split("?")[0] == "/v1/messages"]
    assert len(asked) == 1, asked
    assert all(r["replicas_alive"])
