"""Values the fake generates for a user's JSON schema (structured outputs, forced tool calls)
satisfy every keyword OpenAI documents as supported; a schema nothing satisfies gets OpenAI's
invalid-schema 400, through the official SDK in strict response validation."""

from __future__ import annotations

import re
from typing import Any

import jsonschema_rs
import openai
import orjson
import pytest

from oai_mock import OpenAIMock
from oai_mock.mockserver.behaviours.instances import SchemaError, instance_for
from oai_mock.spec.patterns import string_matching

PATTERNS = [
    r"^[A-Z]{3}-\d{4}$",
    r"^(cat|dog|bird)s?$",
    r"^\S+@\S+\.\w{2,}$",
    r"^[^,;]+$",
    r"^\+?[1-9]\d{1,14}$",
    r"^(?:[01]\d|2[0-3]):[0-5]\d$",
    r"^(?P<year>\d{4})-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$",
    r"^#[0-9a-fA-F]{6}$",
    r"^[\w.-]+\.(png|jpe?g)$",
    r"^\s*\d+\s*$",
    r"abc",
    r"^a.b$",
    r"^[a-z][a-z0-9_]{2,15}$",
    r"^(ab)+c{2}$",
    r"^\d{3}\.\d{2}$",
    r"^[\u0041-\u005A]{2}\x21$",
]


@pytest.mark.parametrize("pattern", PATTERNS)
@pytest.mark.parametrize("salt", ["", "one", "two"])
def test_pattern_strings_match(pattern: str, salt: str) -> None:
    value = string_matching(pattern, salt)
    assert value is not None and re.search(pattern, value), (pattern, value)
    assert jsonschema_rs.validator_for({"type": "string", "pattern": pattern}).is_valid(value)


def test_pattern_strings_honour_lengths() -> None:
    assert string_matching(r"^[a-z]+$", min_length=5, max_length=6) == "aaaaa"
    assert string_matching(r"abc", min_length=8) == "abcxxxxx"
    assert string_matching(r"^a{3}$", max_length=2) is None
    assert string_matching(r"(?=a)b") is None  # lookarounds are outside the subset
    assert string_matching(r"^[a-") is None


SCHEMAS: list[dict[str, Any]] = [
    {"type": "string", "pattern": r"^[A-Z]{3}-\d{4}$"},
    {"type": "integer", "multipleOf": 5, "minimum": 12},
    {"type": "integer", "multipleOf": 7, "minimum": 10, "maximum": 20},
    {"type": "number", "multipleOf": 0.25, "exclusiveMinimum": 3, "maximum": 4},
    {"type": "integer", "maximum": -3},
    {"type": "number", "exclusiveMinimum": 0, "exclusiveMaximum": 1},
    {"type": "array", "items": {"enum": ["a", "b", "c"]}, "minItems": 3, "uniqueItems": True},
    {"type": "array", "items": {"type": "boolean"}, "minItems": 2, "uniqueItems": True},
    {"type": "array", "items": {"type": "integer"}, "minItems": 4, "maxItems": 4},
    {
        "type": "array",
        "items": {"type": "string", "pattern": r"^[a-z]{2}\d$"},
        "minItems": 3,
        "maxItems": 3,
        "uniqueItems": True,
    },
    {"type": "string", "format": "date-time"},
    {"type": "string", "format": "uuid"},
    {"type": "string", "format": "email", "pattern": r"@example\.com$"},
    {"const": {"fixed": [1, 2]}},
    {"enum": [3, "x", None]},
]
FORMATS = ["date-time", "date", "time", "email", "uuid", "uri", "hostname", "ipv4", "ipv6"]


@pytest.mark.parametrize("schema", SCHEMAS, ids=lambda s: orjson.dumps(s).decode()[:60])
def test_generated_values_satisfy_the_schema(schema: dict[str, Any]) -> None:
    validator = jsonschema_rs.validator_for(schema)
    for salt in ("", "a", "b"):
        assert validator.is_valid(instance_for(schema, salt)), schema


@pytest.mark.parametrize("name", [*FORMATS, "duration"])
def test_generated_values_satisfy_formats(name: str) -> None:
    schema = {"type": "string", "format": name}
    value = instance_for(schema)
    assert jsonschema_rs.validator_for(schema, validate_formats=True).is_valid(value)


@pytest.mark.parametrize(
    ("schema", "context"),
    [
        ({"type": "integer", "multipleOf": 5, "minimum": 1, "maximum": 4}, ()),
        ({"type": "array", "items": {"type": "boolean"}, "minItems": 3, "uniqueItems": True}, ()),
        (
            {"type": "object", "properties": {"x": {"type": "string", "pattern": "(?=a)b"}}},
            ("properties", "x"),
        ),
        (
            {
                "type": "object",
                "properties": {"x": {"type": "string", "minLength": 3, "maxLength": 1}},
            },
            ("properties", "x"),
        ),
        ({"enum": []}, ()),
    ],
)
def test_unsatisfiable_schemas_say_where(schema: dict[str, Any], context: tuple[str, ...]) -> None:
    with pytest.raises(SchemaError) as raised:
        instance_for(schema)
    assert raised.value.context == context


ANSWER = {
    "type": "object",
    "properties": {
        "code": {"type": "string", "pattern": r"^[A-Z]{3}-\d{4}$"},
        "step": {"type": "integer", "multipleOf": 5, "minimum": 12, "maximum": 40},
        "tags": {
            "type": "array",
            "items": {"type": "string", "enum": ["red", "green", "blue"]},
            "minItems": 2,
            "maxItems": 3,
            "uniqueItems": True,
        },
        "when": {"type": "string", "format": "date-time"},
        "kind": {"const": "answer"},
    },
    "required": ["code", "step", "tags", "when", "kind"],
    "additionalProperties": False,
}
VALID = jsonschema_rs.validator_for(ANSWER)
UNSATISFIABLE = {
    "type": "object",
    "properties": {"n": {"type": "integer", "multipleOf": 10, "minimum": 1, "maximum": 9}},
    "required": ["n"],
    "additionalProperties": False,
}


@pytest.fixture
def sdk() -> openai.OpenAI:
    client: openai.OpenAI = OpenAIMock(self_check=True).openai(_strict_response_validation=True)
    return client


def test_chat_structured_output_satisfies_the_schema(sdk: openai.OpenAI) -> None:
    completion = sdk.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "hi"}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "answer", "schema": ANSWER, "strict": True},
        },
    )
    assert VALID.is_valid(orjson.loads(completion.choices[0].message.content or ""))


def test_forced_tool_arguments_satisfy_the_schema(sdk: openai.OpenAI) -> None:
    tool = {"type": "function", "function": {"name": "answer", "parameters": ANSWER}}
    completion = sdk.chat.completions.create(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "hi"}],
        tools=[tool],  # type: ignore[list-item]
        tool_choice={"type": "function", "function": {"name": "answer"}},
    )
    call = completion.choices[0].message.tool_calls[0]  # type: ignore[index]
    assert VALID.is_valid(orjson.loads(call.function.arguments))  # type: ignore[union-attr]


def test_responses_structured_output_satisfies_the_schema(sdk: openai.OpenAI) -> None:
    response = sdk.responses.create(
        model="gpt-4o-mini",
        input="hi",
        text={"format": {"type": "json_schema", "name": "answer", "schema": ANSWER}},
    )
    assert VALID.is_valid(orjson.loads(response.output_text))


def test_run_forced_tool_arguments_satisfy_the_schema(sdk: openai.OpenAI) -> None:
    tool = {"type": "function", "function": {"name": "answer", "parameters": ANSWER}}
    assistant = sdk.beta.assistants.create(model="gpt-4o-mini", tools=[tool])  # type: ignore[list-item]
    run = sdk.beta.threads.create_and_run_poll(
        assistant_id=assistant.id,
        thread={"messages": [{"role": "user", "content": "hi"}]},
        tool_choice={"type": "function", "function": {"name": "answer"}},
    )
    assert run.required_action is not None
    call = run.required_action.submit_tool_outputs.tool_calls[0]
    assert VALID.is_valid(orjson.loads(call.function.arguments))


def test_an_unsatisfiable_schema_gets_openais_invalid_schema_error(sdk: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError) as raised:
        sdk.chat.completions.create(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "hi"}],
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "numbers", "schema": UNSATISFIABLE},
            },
        )
    error = raised.value.body
    assert isinstance(error, dict)
    assert error["message"].startswith(
        "Invalid schema for response_format 'numbers': In context=('properties', 'n'), "
    )
    assert error["param"] == "response_format"
    assert error["type"] == "invalid_request_error"
