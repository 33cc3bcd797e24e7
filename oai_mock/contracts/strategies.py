"""Hypothesis strategies for valid OpenAI requests.

OpenAI-aware strategies cover the shapes contracts exercise most (chat, embeddings); the
generic fallback builds any operation's body from the spec bundle. The generic one is written
here rather than taken from hypothesis-jsonschema: its current release fails with current
Hypothesis, and the bundle's normalized schemas let a small builder stay exact and fast.
Every body drawn is valid in the strict profile (tested).

Cost-aware: ``max_tokens`` stays small, ``n`` is 1 unless a check asks for more, and the model
comes from the caller.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from hypothesis import strategies as st

from oai_mock.spec import load_bundle

WORDS = st.sampled_from(
    [
        "hello",
        "weather",
        "paris",
        "summary",
        "list",
        "three",
        "colors",
        "why",
        "sky",
        "blue",
        "the",
        "a",
    ]
)
TEXT = st.lists(WORDS, min_size=1, max_size=8).map(" ".join)


def chat_messages() -> st.SearchStrategy[list[dict[str, Any]]]:
    system = st.builds(lambda t: {"role": "system", "content": t}, TEXT)
    user = st.builds(lambda t: {"role": "user", "content": t}, TEXT)
    return st.tuples(st.lists(system, max_size=1), st.lists(user, min_size=1, max_size=2)).map(
        lambda parts: [*parts[0], *parts[1]]
    )


def chat_body(model: str, **fixed: Any) -> st.SearchStrategy[dict[str, Any]]:
    """A chat completion request: messages, and optionally temperature, max_tokens, seed."""
    optional = st.fixed_dictionaries(
        {},
        optional={
            "temperature": st.sampled_from([0, 0.5, 1]),
            "max_tokens": st.integers(min_value=1, max_value=24),
            "seed": st.integers(min_value=0, max_value=1000),
            "user": st.just("oai-mock-contracts"),
        },
    )
    return st.tuples(chat_messages(), optional).map(
        lambda parts: {"model": model, "messages": parts[0], **parts[1], **fixed}
    )


def tool_schema() -> st.SearchStrategy[dict[str, Any]]:
    """A function's parameters: an object of a few typed, required properties."""
    kinds = st.sampled_from(
        [
            {"type": "string"},
            {"type": "integer", "minimum": 0, "maximum": 100},
            {"type": "boolean"},
            {"type": "string", "enum": ["celsius", "fahrenheit"]},
            {"type": "array", "items": {"type": "string"}},
        ]
    )
    names = st.lists(
        st.sampled_from(["city", "unit", "days", "query", "limit", "flag"]),
        min_size=1,
        max_size=3,
        unique=True,
    )
    return names.flatmap(
        lambda props: st.tuples(*[kinds for _ in props]).map(
            lambda types: {
                "type": "object",
                "properties": dict(zip(props, types, strict=True)),
                "required": list(props),
                "additionalProperties": False,
            }
        )
    )


def embedding_body(model: str) -> st.SearchStrategy[dict[str, Any]]:
    inputs = st.one_of(TEXT, st.lists(TEXT, min_size=1, max_size=3))
    return inputs.map(lambda value: {"model": model, "input": value})


def completion_body(model: str) -> st.SearchStrategy[dict[str, Any]]:
    """A legacy completion request: a prompt string or list, small max_tokens."""
    prompts = st.one_of(TEXT, st.lists(TEXT, min_size=1, max_size=2))
    return st.tuples(prompts, st.integers(min_value=1, max_value=16)).map(
        lambda parts: {"model": model, "prompt": parts[0], "max_tokens": parts[1]}
    )


def moderation_body() -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(TEXT, st.lists(TEXT, min_size=1, max_size=3)).map(
        lambda value: {"input": value}
    )


def responses_body(model: str) -> st.SearchStrategy[dict[str, Any]]:
    """A Responses request: text or message input, optional instructions, small output."""
    messages = st.lists(
        st.builds(lambda t: {"role": "user", "content": t}, TEXT), min_size=1, max_size=2
    )
    inputs = st.one_of(TEXT, messages)
    optional = st.fixed_dictionaries(
        {}, optional={"instructions": TEXT, "temperature": st.sampled_from([0, 1])}
    )
    return st.tuples(inputs, optional).map(
        lambda parts: {"model": model, "input": parts[0], "max_output_tokens": 32, **parts[1]}
    )


def image_body(model: str = "dall-e-2") -> st.SearchStrategy[dict[str, Any]]:
    sizes = st.sampled_from(["256x256", "512x512"])
    return st.tuples(TEXT, sizes).map(
        lambda parts: {
            "model": model,
            "prompt": parts[0],
            "size": parts[1],
            "n": 1,
            "response_format": "b64_json",
        }
    )


def speech_body(model: str = "tts-1") -> st.SearchStrategy[dict[str, Any]]:
    formats = st.sampled_from(["mp3", "wav", "opus", "flac", "aac", "pcm"])
    return st.tuples(TEXT, formats).map(
        lambda parts: {
            "model": model,
            "voice": "alloy",
            "input": parts[0],
            "response_format": parts[1],
        }
    )


def upload_file() -> st.SearchStrategy[tuple[str, bytes]]:
    """A file for the files API: a name and a few lines of text."""
    return st.tuples(
        st.sampled_from(["notes.txt", "data.jsonl"]), st.lists(TEXT, min_size=1, max_size=4)
    ).map(lambda parts: (parts[0], ("\n".join(parts[1]) + "\n").encode()))


def schema_value(schema: Mapping[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Valid values for a bundle schema (required properties only, shallow)."""
    bundle = load_bundle()
    schema = bundle.resolve(schema)
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from([v for v in schema["enum"] if v is not None] or [None])
    if "anyOf" in schema and "properties" not in schema:
        branches = [b for b in schema["anyOf"] if bundle.resolve(b).get("type") != "null"]
        return (
            st.one_of([schema_value(b, depth + 1) for b in branches[:3]]) if branches else st.none()
        )
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind == "object" or "properties" in schema:
        required = list(schema.get("required", []))
        props = schema.get("properties", {})
        if depth > 4:
            return st.just({})
        return st.fixed_dictionaries(
            {
                name: schema_value(props.get(name, {}), depth + 1)
                for name in required
                if name in props
            }
        )
    if kind == "array":
        low = int(schema.get("minItems", 0))
        return st.lists(
            schema_value(schema.get("items", {}), depth + 1),
            min_size=max(low, 1),
            max_size=max(low, 1),
        )
    if kind == "integer":
        return st.integers(
            min_value=int(schema.get("minimum", 0)),
            max_value=int(schema.get("maximum", max(int(schema.get("minimum", 0)), 10))),
        )
    if kind == "number":
        floor = float(schema.get("minimum", 0))
        return st.floats(
            min_value=floor, max_value=float(schema.get("maximum", floor + 1)), allow_nan=False
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "string":
        low = int(schema.get("minLength", 1))
        high = int(schema.get("maxLength", max(low, 12)))
        return st.text(alphabet="abcdefghij", min_size=low, max_size=max(low, min(high, 12)))
    return st.none()


def operation_body(op_id: str, **fixed: Any) -> st.SearchStrategy[Any]:
    """A JSON body for any operation, built from its normalized request schema."""
    op = load_bundle().operation(op_id)
    if op.body is None or "application/json" not in op.body.schemas:
        return st.just(None)
    return schema_value(op.body.schemas["application/json"]).map(
        lambda value: {**value, **fixed} if isinstance(value, dict) else value
    )
