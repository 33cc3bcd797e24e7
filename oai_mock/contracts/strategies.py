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

import base64
import math
from collections.abc import Mapping
from typing import Any

import orjson
from hypothesis import strategies as st

from oai_mock.spec import load_bundle
from oai_mock.spec.walk import (
    ArrayFacts,
    NumberFacts,
    ObjectFacts,
    StringFacts,
    branch,
    branches,
    kind,
    merge,
    merge_all_of,
    non_null_branches,
    shared,
)

WORD_LIST = [
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
]
WORDS = st.sampled_from(WORD_LIST)
TEXT = st.lists(WORDS, min_size=1, max_size=8).map(" ".join)
# Message texts are drawn whole (one choice each, not one per word): a rich chat body makes
# dozens of choices, and Hypothesis's cost grows with their number.
PHRASES = [
    "hello",
    "What is the weather in Paris?",
    "List three colors.",
    "Why is the sky blue?",
    "Summarize: the sky is blue because of Rayleigh scattering.",
    "Say hello in three words.",
    "Write a long story about the sea.",
    "Convert 20 celsius to fahrenheit.",
]
PHRASE = st.sampled_from(PHRASES)

# A 1x1 PNG and an empty WAV: small, real formats (a backend may look at them).
PNG_DATA_URL = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR4nGNgYGD4DwAB"
    "BAEAwS2OUAAAAABJRU5ErkJggg=="
)
WAV_BASE64 = "UklGRiQAAABXQVZFZm10IBAAAAABAAEAQB8AAIA+AAACABAAZGF0YQAAAAA="
TOOL_NAMES = ("lookup", "search", "convert", "schedule")
Draw = Any  # Hypothesis's draw function inside a composite strategy


def fixed_fields(fixed: Mapping[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """Fixed fields of a body: plain values as they are, strategies drawn."""
    return st.fixed_dictionaries(
        {
            name: value if isinstance(value, st.SearchStrategy) else st.just(value)
            for name, value in fixed.items()
        }
    )


PROPERTY_LEAVES = [
    {"type": "string"},
    {"type": "string", "description": "a name"},
    {"type": "integer", "minimum": 0, "maximum": 100},
    {"type": "number", "minimum": -1, "maximum": 1},
    {"type": "boolean"},
    {"type": "string", "enum": ["celsius", "fahrenheit"]},
    {"type": ["string", "null"]},
    {"type": "array", "items": {"type": "string"}},
    {"type": "array", "items": {"type": "integer"}},
]
PROPERTY_NAMES = ["city", "unit", "days", "query", "limit", "flag", "tags", "where"]


# Strategies built once: building one inside a composite costs more than drawing from it.
_INCLUDE_USAGE = st.sampled_from([None, True, False])
_PROPERTY_NAME_LIST = st.lists(st.sampled_from(PROPERTY_NAMES), min_size=1, max_size=3, unique=True)
_PROPERTY_SHAPE = st.sampled_from(["leaf", "leaf", "object", "array-of-objects"])
_PROPERTY_LEAF = st.sampled_from(PROPERTY_LEAVES)


def _pool(values: list[Any]) -> st.SearchStrategy[Any]:
    """One draw from values built ahead, smallest first, so that a failure shrinks to the
    simplest one that still shows it."""
    return st.sampled_from(sorted(values, key=lambda v: len(orjson.dumps(v))))


def _user(content: Any) -> dict[str, Any]:
    return {"role": "user", "content": content}


def _file_part(text: str) -> dict[str, Any]:
    encoded = base64.b64encode(text.encode()).decode()
    return {
        "type": "file",
        "file": {"filename": "notes.txt", "file_data": f"data:text/plain;base64,{encoded}"},
    }


def _conversations() -> list[list[dict[str, Any]]]:
    """Conversations over every role and content-part kind, for one-draw generation: an
    optional system or developer message, an earlier turn (plain, in parts with a refusal, or
    tool calls answered by tool messages) and a last user message in every content form."""
    text = {"type": "text", "text": "What is the weather in Paris?"}
    image = {"type": "image_url", "image_url": {"url": PNG_DATA_URL, "detail": "low"}}
    remote_image = {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}}
    audio = {"type": "input_audio", "input_audio": {"data": WAV_BASE64, "format": "wav"}}
    mp3 = {"type": "input_audio", "input_audio": {"data": WAV_BASE64, "format": "mp3"}}
    file = _file_part("The sky is blue.")
    instructions: list[list[dict[str, Any]]] = [
        [],
        [{"role": "system", "content": "You are terse."}],
        [{"role": "developer", "content": [{"type": "text", "text": "Answer briefly."}]}],
        [{"role": "system", "content": "Be kind.", "name": "ada"}],
    ]
    call = {"id": "call_0", "type": "function", "function": {"name": "lookup", "arguments": "{}"}}
    second = {**call, "id": "call_1", "function": {"name": "search", "arguments": '{"q": "x"}'}}
    histories: list[list[dict[str, Any]]] = [
        [],
        [_user("hello"), {"role": "assistant", "content": "Hello!"}],
        [
            _user([text, remote_image]),
            {
                "role": "assistant",
                "content": [{"type": "refusal", "refusal": "I cannot see images."}],
            },
        ],
        [
            _user("Look it up."),
            {"role": "assistant", "content": None, "tool_calls": [call]},
            {"role": "tool", "tool_call_id": "call_0", "content": "sunny"},
        ],
        [
            _user("Look both up."),
            {"role": "assistant", "content": None, "tool_calls": [call, second]},
            {"role": "tool", "tool_call_id": "call_0", "content": "sunny"},
            {"role": "tool", "tool_call_id": "call_1", "content": [text]},
        ],
    ]
    lasts = [
        _user("Say hello in three words."),
        _user("Write a long story about the sea."),
        _user([text]),
        _user([text, image]),
        _user([audio]),
        _user([text, mp3]),
        _user([file]),
        _user([text, image, audio, file]),
        {"role": "user", "content": "List three colors.", "name": "bob"},
    ]
    return [[*i, *h, last] for i in instructions for h in histories for last in lasts]


def _schemas() -> list[dict[str, Any]]:
    """Parameter schemas for one-draw generation: each leaf type alone, pairs, and objects and
    arrays of objects nested one level."""

    def obj(properties: dict[str, Any]) -> dict[str, Any]:
        return {
            "type": "object",
            "properties": properties,
            "required": list(properties),
            "additionalProperties": False,
        }

    leaves = PROPERTY_LEAVES
    found = [obj({PROPERTY_NAMES[i]: leaf}) for i, leaf in enumerate(leaves[: len(PROPERTY_NAMES)])]
    found += [
        obj({"city": a, "days": b}) for a, b in zip(leaves, leaves[1:] + leaves[:1], strict=True)
    ]
    found += [
        obj({"where": obj({"city": leaves[0], "unit": leaves[5]})}),
        obj({"tags": {"type": "array", "items": obj({"query": leaves[0], "limit": leaves[2]})}}),
        obj({"query": leaves[0], "where": obj({"flag": leaves[4]}), "days": leaves[8]}),
    ]
    return found


CONVERSATION = _pool(_conversations())


def chat_messages() -> st.SearchStrategy[list[dict[str, Any]]]:
    """A conversation over every role and content-part kind (see :func:`_conversations`)."""
    return CONVERSATION


PARAMETERS = _pool(_schemas())
# The values each sampling parameter takes; a body sets any subset of them.
SAMPLING_VALUES: dict[str, list[Any]] = {
    "temperature": [0, 0.5, 1, 2],
    "top_p": [0.1, 1],
    "seed": [0, 42, 2**31],
    "stop": ["sky", ["blue"], ["why", "sky"], "three", ["hello", "paris", "list", "colors"]],
    "n": [1, 2],
    "presence_penalty": [-2, 0, 1.5],
    "frequency_penalty": [-1, 0, 2],
    "user": ["oai-mock-contracts"],
    "metadata": [{"suite": "contracts"}],
}
_TURNS = max(len(values) for values in SAMPLING_VALUES.values())


def _unique(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return list({orjson.dumps(v, option=orjson.OPT_SORT_KEYS): v for v in values}.values())


def _sampling() -> list[dict[str, Any]]:
    """Every subset of the sampling parameters, with the values turned from one copy to the
    next, so that every value of every parameter appears."""
    names = list(SAMPLING_VALUES)
    return _unique(
        [
            {
                name: SAMPLING_VALUES[name][(mask + turn) % len(SAMPLING_VALUES[name])]
                for bit, name in enumerate(names)
                if mask >> bit & 1
            }
            for mask in range(2 ** len(names))
            for turn in range(_TURNS)
        ]
    )


def _limits() -> list[dict[str, Any]]:
    """``max_tokens`` or ``max_completion_tokens`` of 1 to 24, with logprobs unset, off, or on
    with 0 to 5 ``top_logprobs``."""
    found = []
    for limit in range(1, 25):
        for name in ("max_tokens", "max_completion_tokens"):
            found.append({name: limit})
            found.append({name: limit, "logprobs": False})
            found += [{name: limit, "logprobs": True, "top_logprobs": t} for t in range(6)]
    return found


def _tool_sections() -> list[dict[str, Any]]:
    """One to three tools whose parameters take turns through the schemas, under every
    ``tool_choice`` form (left out, none, auto, required, a named function, allowed_tools in
    either mode) and with ``parallel_tool_calls`` left out, on or off."""
    schemas = _schemas()
    forms = [None, "none", "auto", "required", "named", "allowed_tools"]
    found = []
    for count in (1, 2, 3):
        for first in range(len(schemas)):
            tools = [
                {
                    "type": "function",
                    "function": {
                        "name": name,
                        "description": f"{name} something",
                        "parameters": schemas[(first + j) % len(schemas)],
                    },
                }
                for j, name in enumerate(TOOL_NAMES[:count])
            ]
            for turn, form in enumerate(forms):
                name = TOOL_NAMES[(first + turn) % count]
                choice = _tool_choice(form, name, ("auto", "required")[(first + turn) % 2])
                for parallel in (None, True, False):
                    section: dict[str, Any] = {"tools": tools}
                    if choice is not None:
                        section["tool_choice"] = choice
                    if parallel is not None:
                        section["parallel_tool_calls"] = parallel
                    found.append(section)
    return found


def _tool_choice(form: str | None, name: str, mode: str) -> Any:
    function = {"type": "function", "function": {"name": name}}
    if form == "named":
        return function
    if form == "allowed_tools":
        return {"type": "allowed_tools", "allowed_tools": {"mode": mode, "tools": [function]}}
    return form


def _settings() -> list[dict[str, Any]]:
    """Sampling parameters and token limits side by side: every subset of the one beside a
    turn of the other, so that every value of both appears."""
    sampling, limits = _sampling(), _limits()
    return [{**sampling[i], **limits[i % len(limits)]} for i in range(len(sampling))]


def json_schema_format(schema: dict[str, Any]) -> dict[str, Any]:
    """A strict ``response_format`` of type ``json_schema`` around ``schema``."""
    return {
        "type": "json_schema",
        "json_schema": {"name": "answer", "schema": schema, "strict": True},
    }


def _formats() -> list[dict[str, Any]]:
    """``response_format`` left out, text, json_object or json_schema (over the schemas), each
    a quarter of the pool."""
    schemas = _schemas()
    plain: list[dict[str, Any]] = [{"type": "text"}, {"type": "json_object"}]
    found: list[dict[str, Any]] = [{} for _ in schemas]
    for plain_format in plain:
        found += [{"response_format": plain_format} for _ in schemas]
    return found + [{"response_format": json_schema_format(schema)} for schema in schemas]


# Each part of a chat body is one draw from values built ahead (smallest first): a body costs
# a handful of draws, not one per field, and still shrinks to the simplest request.
SETTINGS = _pool(_settings())
TOOL_SECTIONS = _pool(_tool_sections())
_COIN = st.booleans()
FORMATS = _pool(_formats())


@st.composite
def _chat_body(draw: Draw, model: str, stream: bool) -> dict[str, Any]:
    body: dict[str, Any] = {"model": model, "messages": draw(CONVERSATION)}
    body.update(draw(SETTINGS))
    if draw(_COIN):  # a coin, not empty entries in the pool: its draws lean to the front
        body.update(draw(TOOL_SECTIONS))
    body.update(draw(FORMATS))
    if body.get("response_format", {}).get("type") == "json_object":
        # OpenAI refuses json_object unless a message asks for JSON.
        body["messages"] = [{"role": "system", "content": "Answer in JSON."}, *body["messages"]]
    if stream:
        body["stream"] = True
        include = draw(_INCLUDE_USAGE)
        if include is not None:
            body["stream_options"] = {"include_usage": include}
    return body


def chat_body(
    model: str, *, stream: bool = False, **fixed: Any
) -> st.SearchStrategy[dict[str, Any]]:
    """A chat completion request over the documented parameter space: every message role and
    content-part kind, tools with varied schemas and every ``tool_choice`` form, both
    structured ``response_format`` kinds, ``stop`` as a string or a list, ``n``, logprobs,
    ``seed``, ``max_tokens`` or ``max_completion_tokens``, sampling parameters and, for a
    stream, ``stream_options``. ``fixed`` fields (values or strategies) override what is drawn;
    a field fixed to ``None`` is left out.

    Cost stays small: at most 24 tokens and ``n`` of 2 unless ``fixed`` says otherwise.
    """
    if not fixed:
        return _chat_body(model, stream)
    return st.tuples(_chat_body(model, stream), fixed_fields(fixed)).map(
        lambda parts: {
            k: v for k, v in {**parts[0], **parts[1]}.items() if v is not None or k not in fixed
        }
    )


def _object_schema(draw: Draw, depth: int) -> dict[str, Any]:
    names = draw(_PROPERTY_NAME_LIST)
    properties = {}
    for name in names:
        shape = draw(_PROPERTY_SHAPE)
        if depth >= 1 or shape == "leaf":
            properties[name] = draw(_PROPERTY_LEAF)
        elif shape == "object":
            properties[name] = _object_schema(draw, depth + 1)
        else:
            properties[name] = {"type": "array", "items": _object_schema(draw, depth + 1)}
    return {
        "type": "object",
        "properties": properties,
        "required": list(names),
        "additionalProperties": False,
    }


def lookup_tool(schema: dict[str, Any]) -> list[dict[str, Any]]:
    """``tools``: one function, ``lookup``, taking ``schema``."""
    return [{"type": "function", "function": {"name": "lookup", "parameters": schema}}]


def json_schema_formats() -> st.SearchStrategy[dict[str, Any]]:
    return tool_schema().map(json_schema_format)


def lookup_tools() -> st.SearchStrategy[list[dict[str, Any]]]:
    """``tools`` of one function whose parameters are drawn from :func:`tool_schema`."""
    return tool_schema().map(lookup_tool)


@st.composite
def tool_schema(draw: Draw) -> dict[str, Any]:
    """A function's parameters (and a strict ``json_schema``): an object of one to three
    required properties of every JSON type, enums, nullable types, arrays, and objects and
    arrays of objects one level down. Every property is required and no others are allowed,
    as OpenAI's strict mode demands."""
    return _object_schema(draw, 0)


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


MAX_BODY_DEPTH = 10
"""How deep :func:`schema_value` follows required properties before it answers ``{}`` (request
bodies nest content parts about eight levels down)."""


def schema_value(schema: Mapping[str, Any], depth: int = 0) -> st.SearchStrategy[Any]:
    """Valid values for a bundle schema (required properties only, shallow), read through the
    shared schema walk: a union draws from its first three branches (a discriminated one with
    each branch's discriminator value), ``allOf`` from its merged parts, and numbers, strings
    and arrays within their bounds, ``pattern`` and ``format``."""
    refs = load_bundle().refs
    schema = refs.resolve(schema)
    shape = kind(schema)
    if shape == "const":
        return st.just(schema["const"])
    if shape == "enum":
        return st.sampled_from([v for v in schema["enum"] if v is not None] or [None])
    if shape == "union" and "properties" not in schema:
        kept = non_null_branches(schema, refs)
        picks = [i for i, b in enumerate(branches(schema)) if any(b is k for k in kept)][:3]
        if not picks:
            return st.none()
        return st.one_of([schema_value(branch(schema, i, refs), depth + 1) for i in picks])
    if shape == "union":  # an object whose anyOf says which properties it needs
        return schema_value(merge([shared(schema), branches(schema)[0]], refs), depth)
    if shape == "all_of":
        return schema_value(merge_all_of(schema, refs), depth)
    if shape == "object":
        if depth > MAX_BODY_DEPTH:
            return st.just({})
        facts = ObjectFacts.of(schema)
        return st.fixed_dictionaries(
            {
                name: schema_value(facts.properties[name], depth + 1)
                for name in facts.required
                if name in facts.properties
            }
        )
    if shape == "array":
        return _array_value(ArrayFacts.of(schema), depth)
    if shape == "integer":
        return _integer_value(NumberFacts.of(schema).integral())
    if shape == "number":
        return _number_value(NumberFacts.of(schema))
    if shape == "boolean":
        return st.booleans()
    if shape == "string":
        return _string_value(StringFacts.of(schema), "minLength" in schema)
    return st.none()


def _array_value(facts: ArrayFacts, depth: int) -> st.SearchStrategy[list[Any]]:
    size = max(facts.min_items, 1)
    if facts.max_items is not None:
        size = min(size, facts.max_items)
    items = schema_value(facts.items, depth + 1)
    if facts.unique:
        return st.lists(items, min_size=size, max_size=size, unique_by=_canonical)
    return st.lists(items, min_size=size, max_size=size)


def _canonical(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS)


def _integer_value(facts: NumberFacts) -> st.SearchStrategy[int]:
    step: float = facts.step or 1
    low, high = _multiples(facts, step)
    if step == 1:
        return st.integers(min_value=low, max_value=high)
    return st.integers(min_value=low, max_value=high).map(lambda k: int(k * step))


def _number_value(facts: NumberFacts) -> st.SearchStrategy[float]:
    step = facts.step
    if step is not None:
        low, high = _multiples(facts, step)
        return st.integers(min_value=low, max_value=high).map(lambda k: round(k * step, 9))
    floor = 0.0 if facts.low is None else float(facts.low)
    if facts.high is not None and floor > facts.high:
        floor = float(facts.high) - 1
    ceiling = floor + 1 if facts.high is None else float(facts.high)
    return st.floats(
        min_value=floor,
        max_value=ceiling,
        exclude_min=facts.low_open and floor == facts.low,
        exclude_max=facts.high_open,
        allow_nan=False,
    )


def _multiples(facts: NumberFacts, step: float) -> tuple[int, int]:
    """The range of ``k`` for which ``k * step`` is within the bounds (0 to 10 where unsaid)."""
    low = high = None
    if facts.low is not None:
        low = math.ceil(facts.low / step)
        if facts.low_open and low * step <= facts.low:
            low += 1
    if facts.high is not None:
        high = math.floor(facts.high / step)
        if facts.high_open and high * step >= facts.high:
            high -= 1
    if low is None:
        low = 0 if high is None else min(0, high)
    if high is None:
        high = max(low, math.floor(10 / step))
    return low, high


def _string_value(facts: StringFacts, says_min_length: bool) -> st.SearchStrategy[str]:
    low = facts.min_length if says_min_length else 1
    high = facts.max_length if facts.max_length is not None else max(low, 12)
    fits = facts.fit
    if facts.example is not None:
        return st.just(fits(facts.example))
    if facts.pattern is not None:
        return st.from_regex(facts.pattern, fullmatch=True).filter(
            lambda text: low <= len(text) <= high
        )
    return st.text(alphabet="abcdefghij", min_size=low, max_size=max(low, min(high, 12)))


def operation_body(op_id: str, **fixed: Any) -> st.SearchStrategy[Any]:
    """A JSON body for any operation, built from its normalized request schema."""
    op = load_bundle().operation(op_id)
    if op.body is None or "application/json" not in op.body.schemas:
        return st.just(None)
    return schema_value(op.body.schemas["application/json"]).map(
        lambda value: {**value, **fixed} if isinstance(value, dict) else value
    )
