"""Where llama-server's own /v1/messages differs from Anthropic's API (docs/real-upstream.md lists them with
what they mean for a client). The proxy relays a `type: anthropic` upstream's events as written, so these
show through that way; the chat-completions way builds Anthropic's events itself and has none of them."""

from __future__ import annotations

from sse import check_grammar

# Usage fields Anthropic always sends that the server leaves out: cache_creation_input_tokens everywhere, and
# message_delta carries output_tokens alone (no input or cache counts).
USAGE_GAPS = ("message_start usage lacks", "message_delta usage lacks")


def grammar_problems(events: list, way: str) -> list[str]:
    """check_grammar's problems, less the server's missing usage fields when its events are relayed."""
    problems = check_grammar(events)
    return [p for p in problems if not (way == "messages" and p.startswith(USAGE_GAPS))]


def prompt_tokens(usage) -> int:
    """The whole prompt, as Anthropic counts it: input_tokens is what was not read from the cache. The server
    keeps its slot's prompt cache between requests, so the split depends on what came before."""
    get = usage.get if isinstance(usage, dict) else lambda k: getattr(usage, k, None)
    return sum(get(k) or 0 for k in ("input_tokens", "cache_read_input_tokens", "cache_creation_input_tokens"))
