"""Structured outputs with the anthropic SDK: `messages.parse` / `messages.stream` with a pydantic
`output_format` (sent as `output_config.format`), a schema dict in `output_config`, and the beta's top-level
`output_format`. The schema reaches the upstream as `response_format` (strict only when it keeps OpenAI's
strict-mode rules), the answer is an ordinary text block the SDK parses; a `response_format: json_object`
provider gets JSON mode and the schema in its system prompt."""

from __future__ import annotations

import json

import anthropic
import pytest
from pydantic import BaseModel

from harness import base_env
from mock_upstream import JSONReply, SSEReply, completion, text_stream, usage

pytestmark = pytest.mark.timeout(60)

USER = [{"role": "user", "content": "Who wrote the first published program?"}]
ANSWER = {"name": "Ada Lovelace", "born": 1815, "languages": ["English", "French"]}


class Person(BaseModel):
    name: str
    born: int
    languages: list[str]


def sent_format(upstream) -> dict:
    body = upstream.last().body
    assert "output_config" not in body and "output_format" not in body
    return body["response_format"]


def test_parse_sends_a_strict_json_schema_and_reads_the_text_block(client, upstream):
    upstream.enqueue(JSONReply(completion(json.dumps(ANSWER), usage=usage(40, 20))))
    msg = client.messages.parse(model="claude-sonnet-4-5", max_tokens=300, messages=USER, output_format=Person)
    assert [b.type for b in msg.content] == ["text"]
    assert json.loads(msg.content[0].text) == ANSWER
    assert msg.parsed_output == Person(**ANSWER)
    assert msg.stop_reason == "end_turn"

    fmt = sent_format(upstream)
    assert fmt["type"] == "json_schema"
    spec = fmt["json_schema"]
    assert spec["name"] == "structured_output"
    assert spec["strict"] is True, "the SDK's schema is closed and fully required: strict mode accepts it"
    assert spec["schema"]["additionalProperties"] is False
    assert set(spec["schema"]["required"]) == {"name", "born", "languages"}
    assert upstream.last().body["messages"] == USER, "an enforced schema leaves the prompt alone"


def test_stream_with_output_format(client, upstream):
    text = json.dumps(ANSWER)
    upstream.enqueue(SSEReply(text_stream([text[:10], text[10:25], text[25:]], usage=usage(40, 20))))
    with client.messages.stream(model="claude-sonnet-4-5", max_tokens=300, messages=USER,
                                output_format=Person) as stream:
        pieces = list(stream.text_stream)
        final = stream.get_final_message()
    assert "".join(pieces) == text
    assert [b.type for b in final.content] == ["text"]
    assert final.parsed_output == Person(**ANSWER)

    sent = upstream.last().body
    assert sent["stream"] is True
    assert sent["response_format"]["json_schema"]["strict"] is True


def test_schema_dict_with_an_optional_property_goes_non_strict(client, upstream):
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "nickname": {"type": "string"}},
              "required": ["name"], "additionalProperties": False}
    upstream.enqueue(JSONReply(completion('{"name":"Ada"}')))
    msg = client.messages.create(model="claude-sonnet-4-5", max_tokens=300, messages=USER,
                                 output_config={"format": {"type": "json_schema", "schema": schema}})
    assert msg.content[0].type == "text" and json.loads(msg.content[0].text) == {"name": "Ada"}
    spec = sent_format(upstream)["json_schema"]
    assert spec["schema"] == schema
    assert spec["strict"] is False, "strict mode would reject the optional property with a 400"


def test_beta_output_format_is_still_read(client, upstream):
    schema = {"type": "object", "properties": {"ok": {"type": "boolean"}}, "required": ["ok"],
              "additionalProperties": False}
    upstream.enqueue(JSONReply(completion('{"ok":true}')))
    msg = client.messages.create(model="claude-sonnet-4-5", max_tokens=300, messages=USER,
                                 extra_headers={"anthropic-beta": "structured-outputs-2025-11-13"},
                                 extra_body={"output_format": {"type": "json_schema", "schema": schema}})
    assert msg.content[0].text == '{"ok":true}'
    assert sent_format(upstream) == {"type": "json_schema",
                                     "json_schema": {"name": "structured_output", "schema": schema, "strict": True}}


def test_malformed_format_is_a_400(client, upstream):
    with pytest.raises(anthropic.BadRequestError) as caught:
        client.messages.create(model="claude-sonnet-4-5", max_tokens=300, messages=USER,
                               output_config={"format": {"type": "json_schema"}})
    assert "output_config.format.schema" in str(caught.value)
    assert upstream.chat_requests() == []


def test_json_object_provider_gets_json_mode_and_the_schema_in_the_prompt(make_upstream, make_proxy, tmp_path):
    upstream = make_upstream("json-mode")
    config = tmp_path / "config.yaml"
    config.write_text(f"""\
server: {{ host: 127.0.0.1, port: 0, log_level: debug }}
providers:
  jsonmode:
    type: openai
    base_url: {upstream.url}
    api_key: sk-upstream
    response_format: json_object
models:
  - {{ match: "*", provider: jsonmode, model: json-mode-model }}
""")
    proxy = make_proxy(base_env(), ["--config", str(config)], workdir=str(tmp_path))
    upstream.enqueue(JSONReply(completion(json.dumps(ANSWER))))
    with anthropic.Anthropic(base_url=proxy.url, api_key="e2e-client-key", max_retries=0, timeout=30.0) as client:
        msg = client.messages.parse(model="claude-sonnet-4-5", max_tokens=300, system="You answer history questions.",
                                    messages=USER, output_format=Person)
    assert msg.parsed_output == Person(**ANSWER)

    body = upstream.last().body
    assert body["response_format"] == {"type": "json_object"}
    system = body["messages"][0]
    assert system["role"] == "system"
    assert system["content"].startswith("You answer history questions.\n\n")
    assert "JSON Schema" in system["content"], "JSON mode needs the word JSON in the prompt (DeepSeek)"
    assert '"required":["name","born","languages"]' in system["content"]
