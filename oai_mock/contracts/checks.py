"""The check catalogue: what an OpenAI-compatible backend must (or should) do, each with an
id, a description, a severity and the source of the rule.

Severities: ``required`` (the API reference or the wire format says so; clients break
otherwise), ``recommended`` (OpenAI does it and clients rely on it), ``extension`` (OpenAI
features a compatible server may leave out).
"""

from __future__ import annotations

import base64
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import jsonschema_rs
import orjson
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from oai_mock.contracts import strategies
from oai_mock.contracts.probe import BudgetExhausted, Exchange, Probe

Severity = Literal["required", "recommended", "extension"]
REFERENCE = "OpenAI API reference"
WIRE = "OpenAI's wire format (as the official SDKs parse it)"
FINISH_REASONS = {"stop", "length", "tool_calls", "content_filter", "function_call"}


class CheckFailed(AssertionError):
    def __init__(self, message: str, exchange: Exchange | None = None, example: Any = None) -> None:
        super().__init__(message)
        self.exchange = exchange
        self.example = example


class CheckSkipped(Exception):
    pass


@dataclass(frozen=True)
class Check:
    id: str
    area: str
    description: str
    severity: Severity
    source: str
    run: Callable[[Probe, int], None]
    expensive: bool = False


CATALOGUE: list[Check] = []


def check(
    id: str,
    description: str,
    severity: Severity = "required",
    source: str = REFERENCE,
    expensive: bool = False,
) -> Callable[[Callable[[Probe, int], None]], Callable[[Probe, int], None]]:
    def register(function: Callable[[Probe, int], None]) -> Callable[[Probe, int], None]:
        CATALOGUE.append(
            Check(id, id.split(".")[0], description, severity, source, function, expensive)
        )
        return function

    return register


def expect(condition: bool, message: str, exchange: Exchange | None = None) -> None:
    if not condition:
        raise CheckFailed(message, exchange)


def ok_json(exchange: Exchange) -> Any:
    expect(exchange.error is None, f"no answer: {exchange.error}", exchange)
    expect(200 <= exchange.status < 300, f"expected a 2xx, got {exchange.summary()}", exchange)
    value = exchange.json
    expect(value is not None, "the body is not JSON", exchange)
    return value


def prop(
    probe: Probe, examples: int, strategy: st.SearchStrategy[Any], test: Callable[[Any], None]
) -> None:
    """Run ``test`` on ``examples`` generated inputs; report the shrunk failing one."""
    seen: dict[str, Any] = {}

    @hypothesis_seed(probe.seed)
    @settings(
        max_examples=examples,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate, Phase.shrink],
    )
    @given(strategy)
    def run(value: Any) -> None:
        seen["example"] = value
        try:
            test(value)
        except CheckFailed as failure:
            seen.setdefault("first", failure)
            raise

    try:
        run()
    except CheckFailed as failure:
        failure.example = seen.get("example")
        raise
    except BudgetExhausted:
        first = seen.get("first")
        if first is None:
            raise
        raise first from None  # the budget ran out while shrinking: report what was found


def first_choice(exchange: Exchange) -> dict[str, Any]:
    """The first choice of a chat answer (empty when there is none)."""
    choice: dict[str, Any] = (ok_json(exchange).get("choices") or [{}])[0]
    return choice


def reply_text(exchange: Exchange) -> str:
    return str((first_choice(exchange).get("message") or {}).get("content") or "")


# A prompt whose honest answer is long, so that a small max_tokens must cut it.
LONG_REPLY_WANTED = [{"role": "user", "content": "Write a long story about the sea."}]


def chat(probe: Probe, **body: Any) -> Exchange:
    payload = {
        "model": probe.model,
        "messages": [{"role": "user", "content": "Say hello in three words."}],
        "max_tokens": 32,
    }
    payload.update(body)
    return probe.post("/chat/completions", payload)


def error_envelope(exchange: Exchange, status: int | tuple[int, ...]) -> dict[str, Any]:
    expected = (status,) if isinstance(status, int) else status
    expect(
        exchange.status in expected,
        f"expected {' or '.join(map(str, expected))}, got {exchange.summary()}",
        exchange,
    )
    body = exchange.json
    expect(
        isinstance(body, dict) and isinstance(body.get("error"), dict),
        f"the error is not in OpenAI's envelope: {exchange.summary()}",
        exchange,
    )
    error: dict[str, Any] = body["error"]
    expect(isinstance(error.get("message"), str), "error.message is not a string", exchange)
    expect({"type", "param", "code"} <= set(error), "error lacks type, param or code", exchange)
    return error


def schema_problems(probe: Probe, op_id: str, value: Any, stream: bool = False) -> list[str]:
    op = probe.bundle.operation(op_id)
    schema = op.streaming.event_schema if stream and op.streaming else op.success_schema
    return probe.validate(value, dict(schema or {}))


# -- errors and auth ---------------------------------------------------------------------------


@check("errors.malformed-json", "malformed JSON gets a 400 in OpenAI's error envelope")
def _(probe: Probe, examples: int) -> None:
    error_envelope(probe.post("/chat/completions", None, raw=b'{"model": '), 400)


@check(
    "errors.missing-field", "a missing required field gets a 400 naming it in param", "recommended"
)
def _(probe: Probe, examples: int) -> None:
    exchange = probe.post("/chat/completions", {"model": probe.model})
    error = error_envelope(exchange, 400)
    expect(
        error.get("param") == "messages",
        f"param is {error.get('param')!r}, not 'messages'",
        exchange,
    )


@check("errors.wrong-type", "a field of the wrong type gets a 400")
def _(probe: Probe, examples: int) -> None:
    error_envelope(chat(probe, messages="hello"), 400)


@check("errors.out-of-range", "an out-of-range value (temperature 5) gets a 400")
def _(probe: Probe, examples: int) -> None:
    error_envelope(chat(probe, temperature=5), 400)


@check("errors.unknown-parameter", "an unknown body argument gets a 400", "recommended")
def _(probe: Probe, examples: int) -> None:
    error_envelope(chat(probe, oai_contract_unknown_argument=1), 400)


@check("auth.missing-key", "a request without a key gets a 401 in OpenAI's envelope", "recommended")
def _(probe: Probe, examples: int) -> None:
    if not probe.api_key:
        raise CheckSkipped("no --api-key given: the backend may not require one")
    error_envelope(probe.send("GET", "/models", authenticate=False), 401)


# -- chat ----------------------------------------------------------------------------------------


@check("chat.schema", "chat completions conform to the response schema")
def _(probe: Probe, examples: int) -> None:
    def test(body: dict[str, Any]) -> None:
        exchange = probe.post("/chat/completions", body)
        problems = schema_problems(probe, "createChatCompletion", ok_json(exchange))
        expect(not problems, "; ".join(problems[:3]), exchange)

    prop(probe, examples, strategies.chat_body(probe.model), test)


@check("chat.fields", "id, object, created and model are present and typed")
def _(probe: Probe, examples: int) -> None:
    exchange = chat(probe)
    value = ok_json(exchange)
    expect(
        isinstance(value.get("id"), str) and value["id"] != "",
        "id is missing or not a string",
        exchange,
    )
    expect(value.get("object") == "chat.completion", f"object is {value.get('object')!r}", exchange)
    expect(
        isinstance(value.get("created"), int) and value["created"] > 0,
        f"created is {value.get('created')!r}",
        exchange,
    )
    expect(isinstance(value.get("model"), str), "model is missing", exchange)


@check("chat.n", "n choices come back, indexed 0..n-1")
def _(probe: Probe, examples: int) -> None:
    exchange = chat(probe, n=2, max_tokens=8)
    choices = ok_json(exchange).get("choices") or []
    expect(
        sorted(c.get("index") for c in choices) == [0, 1],
        f"{len(choices)} choices for n=2",
        exchange,
    )


@check("chat.finish-reason", "finish_reason is one of OpenAI's, and 'length' when max_tokens cuts")
def _(probe: Probe, examples: int) -> None:
    exchange = chat(
        probe,
        max_tokens=1,
        messages=LONG_REPLY_WANTED,
    )
    choice = first_choice(exchange)
    expect(
        choice.get("finish_reason") in FINISH_REASONS,
        f"finish_reason {choice.get('finish_reason')!r}",
        exchange,
    )
    expect(
        choice.get("finish_reason") == "length",
        f"max_tokens=1 gave finish_reason {choice.get('finish_reason')!r}",
        exchange,
    )


@check("chat.max-tokens", "max_tokens bounds the completion tokens")
def _(probe: Probe, examples: int) -> None:
    exchange = chat(
        probe,
        max_tokens=3,
        messages=LONG_REPLY_WANTED,
    )
    usage = ok_json(exchange).get("usage") or {}
    expect(
        isinstance(usage.get("completion_tokens"), int) and usage["completion_tokens"] <= 3,
        f"completion_tokens {usage.get('completion_tokens')!r} for max_tokens=3",
        exchange,
    )


@check("chat.stop", "stop sequences end the reply before them")
def _(probe: Probe, examples: int) -> None:
    words = reply_text(chat(probe, seed=7)).split()
    if len(words) < 3:
        raise CheckSkipped("the reply is too short to pick a stop sequence from")
    stop = words[2]
    exchange = chat(probe, seed=7, stop=[stop])
    text = reply_text(exchange)
    expect(stop not in text, f"the reply still contains the stop sequence {stop!r}", exchange)


@check("chat.usage", "usage adds up: total = prompt + completion")
def _(probe: Probe, examples: int) -> None:
    def test(body: dict[str, Any]) -> None:
        exchange = probe.post("/chat/completions", body)
        usage = ok_json(exchange).get("usage") or {}
        expect(isinstance(usage.get("total_tokens"), int), "no usage.total_tokens", exchange)
        expect(
            usage["total_tokens"]
            == usage.get("prompt_tokens", 0) + usage.get("completion_tokens", 0),
            f"usage does not add up: {usage}",
            exchange,
        )

    prop(probe, examples, strategies.chat_body(probe.model), test)


def _tool_test(probe: Probe, schema: dict[str, Any], tool_choice: Any) -> None:
    tool = {"type": "function", "function": {"name": "lookup", "parameters": schema}}
    exchange = chat(probe, tools=[tool], tool_choice=tool_choice, max_tokens=200)
    choice = first_choice(exchange)
    calls = (choice.get("message") or {}).get("tool_calls") or []
    expect(bool(calls), "no tool call although one was forced", exchange)
    arguments = calls[0].get("function", {}).get("arguments")
    expect(
        isinstance(arguments, str),
        f"arguments is a {type(arguments).__name__}, not a JSON string",
        exchange,
    )
    try:
        parsed = orjson.loads(arguments)
    except orjson.JSONDecodeError:
        raise CheckFailed(f"arguments are not JSON: {arguments[:200]!r}", exchange) from None
    expect(
        bool(jsonschema_rs.validator_for(schema).is_valid(parsed)),
        f"arguments {arguments[:200]} break the tool's schema",
        exchange,
    )
    expect(
        choice.get("finish_reason") == "tool_calls",
        f"finish_reason {choice.get('finish_reason')!r} after a tool call",
        exchange,
    )


@check(
    "chat.tool-named",
    "a named tool_choice yields that call, with arguments valid against its schema",
)
def _(probe: Probe, examples: int) -> None:
    prop(
        probe,
        examples,
        strategies.tool_schema(),
        lambda schema: _tool_test(
            probe, schema, {"type": "function", "function": {"name": "lookup"}}
        ),
    )


@check("chat.tool-required", "tool_choice 'required' yields a tool call")
def _(probe: Probe, examples: int) -> None:
    _tool_test(
        probe,
        {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]},
        "required",
    )


@check("chat.tool-none", "tool_choice 'none' yields text, no tool call")
def _(probe: Probe, examples: int) -> None:
    tool = {
        "type": "function",
        "function": {"name": "lookup", "parameters": {"type": "object", "properties": {}}},
    }
    exchange = chat(probe, tools=[tool], tool_choice="none")
    message = first_choice(exchange).get("message") or {}
    expect(not message.get("tool_calls"), "a tool call although tool_choice was 'none'", exchange)


@check("chat.json-object", "response_format json_object answers a JSON object")
def _(probe: Probe, examples: int) -> None:
    exchange = chat(
        probe,
        response_format={"type": "json_object"},
        messages=[{"role": "user", "content": "Answer in JSON: a color."}],
        max_tokens=200,
    )
    content = reply_text(exchange)
    try:
        expect(
            isinstance(orjson.loads(content), dict),
            "the content is JSON but not an object",
            exchange,
        )
    except orjson.JSONDecodeError:
        raise CheckFailed(f"the content is not JSON: {content[:200]!r}", exchange) from None


@check("chat.json-schema", "response_format json_schema answers JSON valid against the schema")
def _(probe: Probe, examples: int) -> None:
    def test(schema: dict[str, Any]) -> None:
        exchange = chat(
            probe,
            response_format={
                "type": "json_schema",
                "json_schema": {"name": "answer", "schema": schema, "strict": True},
            },
            max_tokens=300,
        )
        content = (ok_json(exchange).get("choices") or [{}])[0].get("message", {}).get(
            "content"
        ) or ""
        try:
            parsed = orjson.loads(content)
        except orjson.JSONDecodeError:
            raise CheckFailed(f"the content is not JSON: {content[:200]!r}", exchange) from None
        expect(
            bool(jsonschema_rs.validator_for(schema).is_valid(parsed)),
            f"{content[:200]} breaks the schema",
            exchange,
        )

    prop(probe, examples, strategies.tool_schema(), test)


@check(
    "chat.logprobs",
    "logprobs: present when asked, top_logprobs counted, values <= 0, tokens concatenate to the content",
)
def _(probe: Probe, examples: int) -> None:
    exchange = chat(probe, logprobs=True, top_logprobs=2)
    choice = first_choice(exchange)
    entries = (choice.get("logprobs") or {}).get("content") or []
    expect(
        isinstance(entries, list) and bool(entries),
        "no logprobs.content although logprobs was asked for",
        exchange,
    )
    expect(all(e.get("logprob", 1) <= 0 for e in entries), "a logprob above 0", exchange)
    expect(
        all(len(e.get("top_logprobs") or []) == 2 for e in entries),
        "top_logprobs does not hold 2 entries",
        exchange,
    )
    content = (choice.get("message") or {}).get("content") or ""
    expect(
        "".join(e.get("token", "") for e in entries) == content,
        "the tokens do not concatenate to the content",
        exchange,
    )


@check("chat.seed", "the same seed gives the same answer", "recommended")
def _(probe: Probe, examples: int) -> None:
    first = chat(probe, seed=42, temperature=0)
    second = chat(probe, seed=42, temperature=0)
    expect(
        reply_text(first) == reply_text(second), "two seeded requests answered differently", second
    )


# -- chat streams --------------------------------------------------------------------------------


def _stream(probe: Probe, **body: Any) -> tuple[Exchange, list[dict[str, Any]]]:
    exchange = chat(probe, stream=True, **body)
    expect(
        exchange.error is None and exchange.status == 200,
        f"the stream failed: {exchange.summary()}",
        exchange,
    )
    chunks = []
    for event in exchange.events:
        if event.is_done:
            continue
        try:
            chunks.append(orjson.loads(event.data))
        except orjson.JSONDecodeError:
            raise CheckFailed(
                f"a stream event is not JSON: {event.data[:200]!r}", exchange
            ) from None
    expect(bool(chunks), "the stream carried no chunk", exchange)
    return exchange, chunks


@check("stream.content-type", "streams are sent as text/event-stream", source=WIRE)
def _(probe: Probe, examples: int) -> None:
    exchange, _ = _stream(probe)
    expect(
        exchange.media_type == "text/event-stream",
        f"content-type {exchange.media_type!r}",
        exchange,
    )


@check(
    "stream.framing",
    "each event is a 'data: ' line and the stream ends with data: [DONE]",
    source=WIRE,
)
def _(probe: Probe, examples: int) -> None:
    exchange, _ = _stream(probe)
    text = exchange.content.decode("utf-8", "replace")
    expect(
        text.rstrip().endswith("data: [DONE]"),
        "the stream does not end with data: [DONE]",
        exchange,
    )
    lines = [
        line for line in text.replace("\r\n", "\n").split("\n") if line and not line.startswith(":")
    ]
    expect(
        all(line.startswith("data: ") for line in lines),
        "a line is not of the form 'data: ...'",
        exchange,
    )
    expect("\r" not in text, "lines end with CRLF, not LF", exchange)


@check("stream.constant-fields", "id, created and model stay the same across chunks", source=WIRE)
def _(probe: Probe, examples: int) -> None:
    exchange, chunks = _stream(probe)
    seen = {(c.get("id"), c.get("created"), c.get("model")) for c in chunks}
    expect(len(seen) == 1, f"{len(seen)} different (id, created, model) across chunks", exchange)


@check("stream.chunk-schema", "every chunk conforms to the chunk schema")
def _(probe: Probe, examples: int) -> None:
    exchange, chunks = _stream(probe)
    for chunk in chunks:
        problems = schema_problems(probe, "createChatCompletion", chunk, stream=True)
        expect(not problems, "; ".join(problems[:3]), exchange)


@check("stream.role-first", "the role comes in the first delta only", "recommended", WIRE)
def _(probe: Probe, examples: int) -> None:
    exchange, chunks = _stream(probe)
    roles = [
        bool(((c.get("choices") or [{}]) or [{}])[0].get("delta", {}).get("role"))
        for c in chunks
        if c.get("choices")
    ]
    expect(
        bool(roles) and roles[0] and not any(roles[1:]), f"role in deltas: {roles[:6]}", exchange
    )


@check("stream.finish-once", "each choice gets exactly one finish_reason", source=WIRE)
def _(probe: Probe, examples: int) -> None:
    exchange, chunks = _stream(probe)
    reasons = [
        ch.get("finish_reason")
        for c in chunks
        for ch in c.get("choices") or []
        if ch.get("finish_reason")
    ]
    expect(len(reasons) == 1, f"{len(reasons)} finish_reason values in the stream", exchange)
    expect(reasons[0] in FINISH_REASONS, f"finish_reason {reasons[0]!r}", exchange)


@check(
    "stream.tool-deltas",
    "tool-call deltas carry index and assemble into JSON valid against the schema",
    source=WIRE,
)
def _(probe: Probe, examples: int) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
    tool = {"type": "function", "function": {"name": "lookup", "parameters": schema}}
    exchange, chunks = _stream(probe, tools=[tool], tool_choice="required", max_tokens=200)
    deltas = [
        d
        for c in chunks
        for ch in c.get("choices") or []
        for d in (ch.get("delta") or {}).get("tool_calls") or []
    ]
    expect(bool(deltas), "no tool-call delta although a tool was required", exchange)
    expect(
        all(isinstance(d.get("index"), int) for d in deltas),
        "a tool-call delta without index",
        exchange,
    )
    arguments = "".join(
        d.get("function", {}).get("arguments") or ""
        for d in deltas
        if isinstance(d.get("function", {}).get("arguments"), str)
    )
    try:
        parsed = orjson.loads(arguments)
    except orjson.JSONDecodeError:
        raise CheckFailed(
            f"the assembled arguments are not JSON: {arguments[:200]!r}", exchange
        ) from None
    expect(
        bool(jsonschema_rs.validator_for(schema).is_valid(parsed)),
        "the assembled arguments break the schema",
        exchange,
    )


@check(
    "stream.usage-chunk",
    "with include_usage, a last chunk carries usage and choices: []",
    source=WIRE,
)
def _(probe: Probe, examples: int) -> None:
    exchange, chunks = _stream(probe, stream_options={"include_usage": True})
    last = chunks[-1]
    expect(bool(last.get("usage")), "no usage chunk although include_usage was true", exchange)
    expect(
        last.get("choices") == [],
        f"the usage chunk's choices is {last.get('choices')!r}, not []",
        exchange,
    )


@check(
    "stream.no-usage-unasked", "without include_usage, no chunk carries usage", "recommended", WIRE
)
def _(probe: Probe, examples: int) -> None:
    exchange, chunks = _stream(probe)
    expect(
        not any(c.get("usage") for c in chunks),
        "a usage chunk although include_usage was not asked",
        exchange,
    )


@check(
    "stream.equals-non-stream",
    "a seeded stream carries the text of the same request unstreamed",
    "recommended",
)
def _(probe: Probe, examples: int) -> None:
    exchange, chunks = _stream(probe, seed=11, temperature=0)
    streamed = "".join(
        (ch.get("delta") or {}).get("content") or ""
        for c in chunks
        for ch in c.get("choices") or []
    )
    whole = ok_json(chat(probe, seed=11, temperature=0))
    expect(
        streamed == (whole.get("choices") or [{}])[0].get("message", {}).get("content"),
        "the streamed text differs",
        exchange,
    )


# -- embeddings and models -----------------------------------------------------------------------


@check("embeddings.schema", "embeddings conform to the response schema, one vector per input")
def _(probe: Probe, examples: int) -> None:
    def test(body: dict[str, Any]) -> None:
        exchange = probe.post("/embeddings", {**body, "encoding_format": "float"})
        value = ok_json(exchange)
        problems = schema_problems(probe, "createEmbedding", value)
        expect(not problems, "; ".join(problems[:3]), exchange)
        inputs = body["input"] if isinstance(body["input"], list) else [body["input"]]
        expect(len(value.get("data") or []) == len(inputs), "not one vector per input", exchange)

    prop(probe, examples, strategies.embedding_body(probe.embedding_model), test)


@check("embeddings.dimensions", "dimensions shortens the vectors", "extension")
def _(probe: Probe, examples: int) -> None:
    exchange = probe.post(
        "/embeddings",
        {
            "model": probe.embedding_model,
            "input": "hello",
            "dimensions": 64,
            "encoding_format": "float",
        },
    )
    vector = (ok_json(exchange).get("data") or [{}])[0].get("embedding") or []
    expect(len(vector) == 64, f"{len(vector)} dimensions for dimensions=64", exchange)


@check("embeddings.base64", "encoding_format base64 decodes to the float vector", "recommended")
def _(probe: Probe, examples: int) -> None:
    floats = ok_json(
        probe.post(
            "/embeddings",
            {"model": probe.embedding_model, "input": "hello", "encoding_format": "float"},
        )
    )
    exchange = probe.post(
        "/embeddings",
        {"model": probe.embedding_model, "input": "hello", "encoding_format": "base64"},
    )
    encoded = (ok_json(exchange).get("data") or [{}])[0].get("embedding")
    expect(isinstance(encoded, str), "the embedding is not a base64 string", exchange)
    data = base64.b64decode(encoded)
    decoded = struct.unpack(f"<{len(data) // 4}f", data)
    expected = floats["data"][0]["embedding"]
    expect(
        len(decoded) == len(expected)
        and all(abs(a - b) < 1e-5 for a, b in zip(decoded, expected, strict=True)),
        "base64 does not decode to the float vector",
        exchange,
    )


@check("models.list", "GET /models lists models with id, object, created and owned_by")
def _(probe: Probe, examples: int) -> None:
    exchange = probe.get("/models")
    value = ok_json(exchange)
    problems = schema_problems(probe, "listModels", value)
    expect(not problems, "; ".join(problems[:3]), exchange)


# -- other endpoints ----------------------------------------------------------------------------


def _schema_property(
    probe: Probe, examples: int, op_id: str, path: str, strategy: st.SearchStrategy[Any]
) -> None:
    def test(body: dict[str, Any]) -> None:
        exchange = probe.post(path, body)
        problems = schema_problems(probe, op_id, ok_json(exchange))
        expect(not problems, "; ".join(problems[:3]), exchange)

    prop(probe, examples, strategy, test)


@check("completions.schema", "legacy completions conform to the response schema", "extension")
def _(probe: Probe, examples: int) -> None:
    _schema_property(
        probe, examples, "createCompletion", "/completions", strategies.completion_body(probe.model)
    )


@check(
    "moderations.schema",
    "moderations conform to the response schema, one result per input",
    "extension",
)
def _(probe: Probe, examples: int) -> None:
    _schema_property(
        probe, examples, "createModeration", "/moderations", strategies.moderation_body()
    )


@check("responses.schema", "Responses conform to the response schema", "extension")
def _(probe: Probe, examples: int) -> None:
    _schema_property(
        probe, examples, "createResponse", "/responses", strategies.responses_body(probe.model)
    )


@check(
    "images.schema",
    "image generations conform to the schema and carry PNG data",
    "extension",
    expensive=True,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: dict[str, Any]) -> None:
        exchange = probe.post("/images/generations", body)
        value = ok_json(exchange)
        problems = schema_problems(probe, "createImage", value)
        expect(not problems, "; ".join(problems[:3]), exchange)
        data = base64.b64decode((value.get("data") or [{}])[0].get("b64_json") or "")
        expect(data.startswith(b"\x89PNG"), "b64_json is not a PNG", exchange)

    prop(probe, examples, strategies.image_body(), test)


@check(
    "audio.speech",
    "speech answers audio bytes of the requested format",
    "extension",
    expensive=True,
)
def _(probe: Probe, examples: int) -> None:
    signatures = {
        "mp3": (b"\xff", b"ID3"),
        "wav": (b"RIFF",),
        "opus": (b"OggS",),
        "flac": (b"fLaC",),
        "aac": (b"\xff",),
        "pcm": (b"",),
    }

    def test(body: dict[str, Any]) -> None:
        exchange = probe.post("/audio/speech", body)
        expect(
            exchange.status == 200 and bool(exchange.content),
            f"no audio: {exchange.summary()}",
            exchange,
        )
        expect(
            exchange.content.startswith(signatures[body["response_format"]]),
            f"not {body['response_format']} audio",
            exchange,
        )

    prop(probe, examples, strategies.speech_body(), test)


@check("errors.unknown-model", "an unknown model gets a 404 (model_not_found)", "recommended")
def _(probe: Probe, examples: int) -> None:
    exchange = chat(probe, model="oai-contract-no-such-model")
    error = error_envelope(exchange, (400, 404))
    expect(
        exchange.status == 404 or error.get("code") == "model_not_found",
        f"status {exchange.status}, code {error.get('code')!r}",
        exchange,
    )


# -- Responses and stateful flows ----------------------------------------------------------------


@check(
    "responses.stream",
    "Responses streams: event names match type, sequence_number counts up, created first, completed last",
    "extension",
)
def _(probe: Probe, examples: int) -> None:
    exchange = probe.post(
        "/responses",
        {"model": probe.model, "input": "Say hi", "stream": True, "max_output_tokens": 32},
    )
    expect(exchange.status == 200, f"the stream failed: {exchange.summary()}", exchange)
    events = [e for e in exchange.events if e.data]
    payloads = [orjson.loads(e.data) for e in events]
    expect(
        all(e.event == p.get("type") for e, p in zip(events, payloads, strict=True)),
        "an event name differs from its type",
        exchange,
    )
    numbers = [p.get("sequence_number") for p in payloads]
    expect(
        numbers == sorted(numbers) and len(set(numbers)) == len(numbers),
        "sequence_number does not increase",
        exchange,
    )
    expect(
        payloads[0].get("type") == "response.created",
        "the first event is not response.created",
        exchange,
    )
    expect(
        payloads[-1].get("type") in ("response.completed", "response.incomplete"),
        "the last event is not response.completed",
        exchange,
    )


@check("flows.files", "file upload -> retrieve -> content -> delete -> 404", "extension")
def _(probe: Probe, examples: int) -> None:
    data = b"oai-mock contract file\n"
    files = {"file": ("contract.txt", data, "text/plain")}
    headers = {"Authorization": f"Bearer {probe.api_key}"} if probe.api_key else {}
    response = probe.http.post(
        probe.base_url + "/files", files=files, data={"purpose": "assistants"}, headers=headers
    )
    probe.sent += 1
    created = Exchange(
        "POST",
        probe.base_url + "/files",
        headers,
        "multipart",
        response.status_code,
        dict(response.headers),
        response.content,
    )
    file_id = ok_json(created).get("id")
    expect(isinstance(file_id, str), "the upload answered no id", created)
    try:
        expect(
            ok_json(probe.get(f"/files/{file_id}")).get("id") == file_id,
            "retrieve answered another file",
        )
        content = probe.get(f"/files/{file_id}/content")
        expect(content.content == data, "the content differs from the bytes uploaded", content)
    finally:
        probe.send("DELETE", f"/files/{file_id}")
    gone = probe.get(f"/files/{file_id}")
    error_envelope(gone, 404)


def _upload(probe: Probe, name: str, data: bytes, purpose: str) -> str:
    headers = {"Authorization": f"Bearer {probe.api_key}"} if probe.api_key else {}
    response = probe.http.post(
        probe.base_url + "/files",
        files={"file": (name, data, "application/octet-stream")},
        data={"purpose": purpose},
        headers=headers,
    )
    probe.sent += 1
    exchange = Exchange(
        "POST",
        probe.base_url + "/files",
        headers,
        "multipart",
        response.status_code,
        dict(response.headers),
        response.content,
    )
    file_id = ok_json(exchange).get("id")
    expect(isinstance(file_id, str), "the upload answered no id", exchange)
    return str(file_id)


def _poll(
    probe: Probe, path: str, done: set[str], attempts: int = 20
) -> tuple[Exchange, dict[str, Any]]:
    exchange = probe.get(path)
    value = ok_json(exchange)
    for _ in range(attempts):
        if value.get("status") in done:
            break
        exchange = probe.get(path)
        value = ok_json(exchange)
    return exchange, value


@check(
    "responses.final-equals-retrieved",
    "the streamed final response equals the one retrieved afterwards",
    "extension",
)
def _(probe: Probe, examples: int) -> None:
    exchange = probe.post(
        "/responses",
        {"model": probe.model, "input": "Say hi", "stream": True, "max_output_tokens": 32},
    )
    expect(exchange.status == 200, f"the stream failed: {exchange.summary()}", exchange)
    final = orjson.loads([e for e in exchange.events if e.data][-1].data).get("response") or {}
    expect(isinstance(final.get("id"), str), "the last event carries no response", exchange)
    retrieved = probe.get(f"/responses/{final['id']}")
    stored = ok_json(retrieved)
    expect(
        stored.get("output") == final.get("output"),
        "the retrieved response differs from the streamed one",
        retrieved,
    )


@check(
    "flows.previous-response",
    "previous_response_id chains a second turn onto the first",
    "extension",
)
def _(probe: Probe, examples: int) -> None:
    first = ok_json(
        probe.post(
            "/responses",
            {"model": probe.model, "input": "My name is Ada.", "max_output_tokens": 32},
        )
    )
    exchange = probe.post(
        "/responses",
        {
            "model": probe.model,
            "input": "What is my name?",
            "previous_response_id": first.get("id"),
            "max_output_tokens": 32,
        },
    )
    second = ok_json(exchange)
    expect(
        second.get("previous_response_id") == first.get("id"),
        "previous_response_id is not echoed",
        exchange,
    )
    expect(
        (second.get("usage") or {}).get("input_tokens", 0)
        > (first.get("usage") or {}).get("input_tokens", 0),
        "the second turn's input does not include the first",
        exchange,
    )


@check(
    "flows.vector-store",
    "a file attached to a vector store reaches completed and is counted",
    "extension",
)
def _(probe: Probe, examples: int) -> None:
    file_id = _upload(probe, "contract.txt", b"oai-mock contract vector store text", "assistants")
    store = ok_json(probe.post("/vector_stores", {"name": "oai-mock-contract"}))
    try:
        probe.post(
            f"/vector_stores/{store['id']}/files",
            {"file_id": file_id},
            headers={"OpenAI-Beta": "assistants=v2"},
        )
        exchange, attached = _poll(
            probe,
            f"/vector_stores/{store['id']}/files/{file_id}",
            {"completed", "failed", "cancelled"},
        )
        expect(
            attached.get("status") == "completed",
            f"the file is {attached.get('status')!r}",
            exchange,
        )
        counted = probe.get(f"/vector_stores/{store['id']}")
        expect(
            (ok_json(counted).get("file_counts") or {}).get("completed") == 1,
            "file_counts.completed is not 1",
            counted,
        )
    finally:
        probe.send("DELETE", f"/vector_stores/{store['id']}")
        probe.send("DELETE", f"/files/{file_id}")


@check(
    "flows.assistants-run",
    "an assistants run with a function tool asks for it, takes the output and completes",
    "extension",
)
def _(probe: Probe, examples: int) -> None:
    beta = {"OpenAI-Beta": "assistants=v2"}
    tool = {
        "type": "function",
        "function": {
            "name": "lookup",
            "parameters": {
                "type": "object",
                "properties": {"q": {"type": "string"}},
                "required": ["q"],
            },
        },
    }
    assistant = ok_json(
        probe.post("/assistants", {"model": probe.model, "tools": [tool]}, headers=beta)
    )
    try:
        thread = ok_json(
            probe.post(
                "/threads", {"messages": [{"role": "user", "content": "Look up x."}]}, headers=beta
            )
        )
        run = ok_json(
            probe.post(
                f"/threads/{thread['id']}/runs",
                {
                    "assistant_id": assistant["id"],
                    "tool_choice": {"type": "function", "function": {"name": "lookup"}},
                },
                headers=beta,
            )
        )
        exchange, run = _poll(
            probe,
            f"/threads/{thread['id']}/runs/{run['id']}",
            {"requires_action", "completed", "failed", "cancelled", "expired", "incomplete"},
        )
        expect(
            run.get("status") == "requires_action",
            f"the run is {run.get('status')!r}, not requires_action",
            exchange,
        )
        calls = ((run.get("required_action") or {}).get("submit_tool_outputs") or {}).get(
            "tool_calls"
        ) or []
        expect(bool(calls), "requires_action without tool calls", exchange)
        outputs = [{"tool_call_id": c["id"], "output": "42"} for c in calls]
        probe.post(
            f"/threads/{thread['id']}/runs/{run['id']}/submit_tool_outputs",
            {"tool_outputs": outputs},
            headers=beta,
        )
        exchange, run = _poll(
            probe,
            f"/threads/{thread['id']}/runs/{run['id']}",
            {"completed", "failed", "cancelled", "expired", "incomplete"},
        )
        expect(
            run.get("status") == "completed",
            f"after the outputs the run is {run.get('status')!r}",
            exchange,
        )
    finally:
        probe.send("DELETE", f"/assistants/{assistant['id']}", headers=beta)


@check(
    "flows.batch",
    "a batch of chat lines completes with one output line each",
    "extension",
    expensive=True,
)
def _(probe: Probe, examples: int) -> None:
    line = {
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": probe.model,
            "messages": [{"role": "user", "content": "hi"}],
            "max_tokens": 8,
        },
    }
    data = b"".join(orjson.dumps({**line, "custom_id": f"c{i}"}) + b"\n" for i in range(2))
    file_id = _upload(probe, "contract.jsonl", data, "batch")
    batch = ok_json(
        probe.post(
            "/batches",
            {
                "input_file_id": file_id,
                "endpoint": "/v1/chat/completions",
                "completion_window": "24h",
            },
        )
    )
    exchange, batch = _poll(
        probe,
        f"/batches/{batch['id']}",
        {"completed", "failed", "expired", "cancelled"},
        attempts=60,
    )
    expect(batch.get("status") == "completed", f"the batch is {batch.get('status')!r}", exchange)
    output = probe.get(f"/files/{batch['output_file_id']}/content")
    expect(
        len(output.content.strip().splitlines()) == 2,
        "the output file does not hold one line per request",
        output,
    )


def select(only: set[str] | None = None, include_expensive: bool = False) -> list[Check]:
    """The checks of the given areas (all when None)."""
    return [
        c
        for c in CATALOGUE
        if (only is None or c.area in only) and (include_expensive or not c.expensive)
    ]
