"""The requests both suites send to the real server, through the proxy and straight to its /v1/messages.
Every one is small (a few hundred prompt tokens, a few dozen output tokens): the model is tiny and the CPU
slow, and the checks are about the protocol, not the answers."""

from __future__ import annotations

import copy

from real_server import CONTEXT

WEATHER_TOOL = {
    "name": "get_weather",
    "description": "Get the current weather in a city",
    "input_schema": {
        "type": "object",
        "properties": {"city": {"type": "string", "description": "The city, e.g. Paris"}},
        "required": ["city"],
    },
}
TOOL_USE_ID = "toolu_e2e_real_1"
WEATHER = "18 degrees Celsius and sunny"


def plain() -> dict:
    return {"max_tokens": 40, "system": "You are a terse assistant.",
            "messages": [{"role": "user", "content": "Name three colours."}]}


def tool_call() -> dict:
    return {"max_tokens": 60, "tools": [WEATHER_TOOL],
            "messages": [{"role": "user", "content": "What is the weather in Paris?"}]}


def tool_result() -> dict:
    """The turn after tool_call(): its tool_use, and the result of running it."""
    body = tool_call()
    body["max_tokens"] = 40
    body["messages"] += [
        {"role": "assistant", "content": [
            {"type": "tool_use", "id": TOOL_USE_ID, "name": "get_weather", "input": {"city": "Paris"}}]},
        {"role": "user", "content": [
            {"type": "tool_result", "tool_use_id": TOOL_USE_ID, "content": WEATHER}]},
    ]
    return body


def overflow() -> dict:
    """A prompt over the server's context (one token per repeated word, and then some)."""
    return {"max_tokens": 16, "messages": [{"role": "user", "content": "hello " * (CONTEXT + 500)}]}


CASES = {"plain": plain, "tool_call": tool_call, "tool_result": tool_result}


def request(case: str, model: str, stream: bool = False) -> dict:
    return {**copy.deepcopy(CASES[case]()), "model": model, **({"stream": True} if stream else {})}
