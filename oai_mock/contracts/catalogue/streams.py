"""Chat completion streams: SSE framing, chunk schema and the invariants across chunks."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oai_mock.contracts import strategies
from oai_mock.contracts.answers import FINISH_REASONS, usage_problems
from oai_mock.contracts.core import WIRE, check, expect
from oai_mock.contracts.probe import Probe
from oai_mock.contracts.properties import (
    LONG_REPLY_WANTED,
    PLAIN,
    chat_answer,
    deltas,
    expect_valid,
    message_text,
    parsed_json,
    prop,
    stream_chunks,
    streamed_text,
)

JSON = dict[str, Any]
CHUNK = "OpenAI API reference, The chat completion chunk object"
STREAMING = "OpenAI API reference, Streaming (stream, stream_options.include_usage)"


def _streams(probe: Probe, **fixed: Any) -> st.SearchStrategy[JSON]:
    return strategies.chat_body(probe.model, stream=True, **fixed)


def _each(probe: Probe, examples: int, test: Any, *, schema: bool = True, **fixed: Any) -> None:
    """``test`` on each generated stream; ``schema=False`` for the checks of the wire format,
    which a chunk that breaks its schema (another check's finding) must not stop."""
    prop(
        probe,
        examples,
        _streams(probe, **fixed),
        lambda body: test(body, *stream_chunks(probe, body, schema=schema)),
    )


@check("stream.content-type", "streams are sent as text/event-stream", source=WIRE)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON, exchange: Any, chunks: list[JSON]) -> None:
        expect(
            exchange.media_type == "text/event-stream",
            f"content-type {exchange.media_type!r}",
            exchange,
        )

    _each(probe, examples, test, schema=False)


@check(
    "stream.framing",
    "each event is a 'data: ' line, LF-terminated, and the stream ends with data: [DONE]",
    source=WIRE,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON, exchange: Any, chunks: list[JSON]) -> None:
        text = exchange.content.decode("utf-8", "replace")
        expect(
            text.rstrip().endswith("data: [DONE]"),
            "the stream does not end with data: [DONE]",
            exchange,
        )
        lines = [
            line
            for line in text.replace("\r\n", "\n").split("\n")
            if line and not line.startswith(":")
        ]
        expect(
            all(line.startswith("data: ") for line in lines),
            "a line is not of the form 'data: ...'",
            exchange,
        )
        expect("\r" not in text, "lines end with CRLF, not LF", exchange)

    _each(probe, examples, test, schema=False)


@check(
    "stream.chunk-schema",
    "every chunk conforms to the chunk schema, with timestamps in seconds",
    source=CHUNK,
)
def _(probe: Probe, examples: int) -> None:
    _each(probe, examples, lambda body, exchange, chunks: None)


@check("stream.object", "every chunk's object is 'chat.completion.chunk'", source=CHUNK)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON, exchange: Any, chunks: list[JSON]) -> None:
        objects = {c.get("object") for c in chunks}
        expect(
            objects == {"chat.completion.chunk"},
            f"object values {sorted(map(str, objects))}",
            exchange,
        )

    _each(probe, examples, test)


@check("stream.constant-fields", "id, created and model stay the same across chunks", source=WIRE)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON, exchange: Any, chunks: list[JSON]) -> None:
        seen = {(c.get("id"), c.get("created"), c.get("model")) for c in chunks}
        expect(
            len(seen) == 1, f"{len(seen)} different (id, created, model) across chunks", exchange
        )

    _each(probe, examples, test)


@check("stream.role-first", "the role comes in each choice's first delta only", "recommended", WIRE)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON, exchange: Any, chunks: list[JSON]) -> None:
        for index in range(body.get("n") or 1):
            roles = [bool(d.get("role")) for d in deltas(chunks, index)]
            expect(
                bool(roles) and roles[0] and not any(roles[1:]),
                f"choice {index}: role in deltas {roles[:6]}",
                exchange,
            )

    _each(probe, examples, test)


@check(
    "stream.finish-once", "each choice gets exactly one finish_reason, one of OpenAI's", source=WIRE
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON, exchange: Any, chunks: list[JSON]) -> None:
        for index in range(body.get("n") or 1):
            reasons = [
                ch.get("finish_reason")
                for c in chunks
                for ch in c.get("choices") or []
                if ch.get("index") == index and ch.get("finish_reason")
            ]
            expect(
                len(reasons) == 1, f"choice {index}: {len(reasons)} finish_reason values", exchange
            )
            expect(reasons[0] in FINISH_REASONS, f"finish_reason {reasons[0]!r}", exchange)

    _each(probe, examples, test)


@check(
    "stream.n-indexes",
    "with n > 1, chunks pair each delta with a choice index 0..n-1",
    source=CHUNK,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON, exchange: Any, chunks: list[JSON]) -> None:
        indexes = {ch.get("index") for c in chunks for ch in c.get("choices") or []}
        expect(
            indexes == set(range(body["n"])),
            f"choice indexes {sorted(map(str, indexes))} for n={body['n']}",
            exchange,
        )

    _each(probe, examples, test, n=st.integers(2, 3))


@check(
    "stream.tool-deltas",
    "tool-call deltas carry index and assemble into JSON valid against the schema",
    source=WIRE,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON, exchange: Any, chunks: list[JSON]) -> None:
        schema = body["tools"][0]["function"]["parameters"]
        calls = [d for delta in deltas(chunks) for d in delta.get("tool_calls") or []]
        expect(bool(calls), "no tool-call delta although a tool was required", exchange)
        expect(
            all(isinstance(d.get("index"), int) for d in calls),
            "a tool-call delta without index",
            exchange,
        )
        first = [d for d in calls if d.get("index") == 0]
        arguments = "".join(
            str((d.get("function") or {}).get("arguments") or "")
            for d in first
            if isinstance((d.get("function") or {}).get("arguments"), str)
        )
        parsed = parsed_json(arguments, exchange, "the assembled arguments")
        expect_valid(parsed, schema, exchange, "the assembled arguments")

    tools = strategies.lookup_tools()
    _each(
        probe,
        examples,
        test,
        tools=tools,
        tool_choice="required",
        response_format=None,
        n=1,
        max_tokens=300,
        max_completion_tokens=None,
    )


@check(
    "stream.usage-chunk",
    "with include_usage, a last chunk carries usage that adds up and choices: []",
    source=STREAMING,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON, exchange: Any, chunks: list[JSON]) -> None:
        last = chunks[-1]
        expect(bool(last.get("usage")), "no usage chunk although include_usage was true", exchange)
        expect(
            last.get("choices") == [],
            f"the usage chunk's choices is {last.get('choices')!r}, not []",
            exchange,
        )
        problems = usage_problems(last.get("usage"), ("prompt_tokens", "completion_tokens"))
        expect(not problems, "; ".join(problems), exchange)
        expect(
            not any(c.get("usage") for c in chunks[:-1]), "usage before the last chunk", exchange
        )

    _each(probe, examples, test, stream_options={"include_usage": True})


@check(
    "stream.no-usage-unasked",
    "without include_usage, no chunk carries usage",
    "recommended",
    STREAMING,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON, exchange: Any, chunks: list[JSON]) -> None:
        expect(
            not any(c.get("usage") for c in chunks),
            "a usage chunk although include_usage was not asked",
            exchange,
        )

    _each(probe, examples, test, stream_options=st.sampled_from([None, {"include_usage": False}]))


@check(
    "stream.max-tokens", "a stream cut by max_tokens ends with finish_reason 'length'", source=CHUNK
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON, exchange: Any, chunks: list[JSON]) -> None:
        reasons = [
            ch.get("finish_reason")
            for c in chunks
            for ch in c.get("choices") or []
            if ch.get("finish_reason")
        ]
        expect(
            bool(reasons) and all(r == "length" for r in reasons),
            f"finish_reason {reasons} for max_tokens=1",
            exchange,
        )

    _each(
        probe,
        examples,
        test,
        messages=LONG_REPLY_WANTED,
        max_tokens=1,
        max_completion_tokens=None,
        stop=None,
        **PLAIN,
    )


@check(
    "stream.equals-non-stream",
    "a seeded stream carries the text of the same request unstreamed",
    "recommended",
    STREAMING,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON, exchange: Any, chunks: list[JSON]) -> None:
        plain = {k: v for k, v in body.items() if k not in ("stream", "stream_options")}
        _, whole = chat_answer(probe, plain)
        expect(
            streamed_text(chunks) == message_text(whole),
            "the streamed text differs from the unstreamed one",
            exchange,
        )

    _each(probe, examples, test, seed=st.integers(0, 1000), temperature=0, n=1, **PLAIN)


@check(
    "stream.logprobs",
    "streamed logprobs tokens concatenate to the streamed content",
    "extension",
    CHUNK,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON, exchange: Any, chunks: list[JSON]) -> None:
        tokens = "".join(
            e.get("token", "")
            for c in chunks
            for ch in c.get("choices") or []
            for e in ((ch.get("logprobs") or {}).get("content") or [])
        )
        expect(
            tokens == streamed_text(chunks),
            "the streamed logprob tokens differ from the content",
            exchange,
        )

    _each(probe, examples, test, logprobs=True, top_logprobs=st.integers(0, 3), n=1, **PLAIN)


@check(
    "stream.json-schema",
    "a streamed json_schema answer assembles into JSON valid against the schema",
    "extension",
    STREAMING,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON, exchange: Any, chunks: list[JSON]) -> None:
        text = streamed_text(chunks)
        reasons = [
            ch.get("finish_reason")
            for c in chunks
            for ch in c.get("choices") or []
            if ch.get("finish_reason")
        ]
        if "length" in reasons:
            return
        parsed = parsed_json(text, exchange, "the streamed content")
        schema = body["response_format"]["json_schema"]["schema"]
        expect_valid(parsed, schema, exchange, "the answer")

    formats = strategies.json_schema_formats()
    _each(
        probe,
        examples,
        test,
        response_format=formats,
        tools=None,
        tool_choice=None,
        n=1,
        max_tokens=400,
        max_completion_tokens=None,
    )
