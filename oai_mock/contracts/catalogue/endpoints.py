"""Legacy completions, moderations, images and speech."""

from __future__ import annotations

import base64
from typing import Any

import orjson
from hypothesis import strategies as st

from oai_mock.contracts import strategies
from oai_mock.contracts.answers import answer
from oai_mock.contracts.core import WIRE, CheckFailed, check, expect, offered
from oai_mock.contracts.probe import Probe
from oai_mock.contracts.properties import prop, with_fixed

JSON = dict[str, Any]
COMPLETIONS = "OpenAI API reference, Create completion (legacy, POST /completions)"
MODERATIONS = "OpenAI API reference, Create moderation (POST /moderations)"


def _complete(probe: Probe, body: JSON) -> tuple[Any, JSON]:
    exchange = probe.post("/completions", body)
    return exchange, answer(probe, "createCompletion", exchange, body)


def _completions(probe: Probe, **fixed: Any) -> st.SearchStrategy[JSON]:
    return with_fixed(strategies.completion_body(probe.model), fixed)


@check(
    "completions.schema",
    "legacy completions conform to the response schema, choices indexed in order",
    "extension",
    COMPLETIONS,
)
def _(probe: Probe, examples: int) -> None:
    prop(probe, examples, _completions(probe), lambda body: _complete(probe, body))


@check("completions.n", "legacy completions answer n choices per prompt", "extension", COMPLETIONS)
def _(probe: Probe, examples: int) -> None:
    prop(
        probe,
        examples,
        st.integers(2, 3).flatmap(lambda n: _completions(probe, n=n)),
        lambda body: _complete(probe, body),
    )


@check(
    "completions.length",
    "a legacy completion cut by max_tokens ends with finish_reason 'length'",
    "extension",
    COMPLETIONS,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, value = _complete(probe, body)
        reasons = [c.get("finish_reason") for c in value.get("choices") or []]
        expect(
            all(r == "length" for r in reasons),
            f"finish_reason {reasons} for max_tokens=1",
            exchange,
        )

    prop(
        probe,
        examples,
        _completions(probe, prompt="Write a long story about the sea.", max_tokens=1),
        test,
    )


@check(
    "completions.stream",
    "legacy completion streams are data: lines of text_completion chunks ending with [DONE]",
    "extension",
    WIRE,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange = probe.post("/completions", {**body, "stream": True})
        offered(exchange)
        expect(
            exchange.error is None and exchange.status == 200,
            f"the stream failed: {exchange.summary()}",
            exchange,
        )
        events = exchange.events
        expect(
            bool(events) and events[-1].is_done,
            "the stream does not end with data: [DONE]",
            exchange,
        )
        for event in events[:-1]:
            try:
                chunk = orjson.loads(event.data)
            except orjson.JSONDecodeError:
                raise CheckFailed(
                    f"a stream event is not JSON: {event.data[:200]!r}", exchange
                ) from None
            expect(
                isinstance(chunk, dict) and chunk.get("object") == "text_completion",
                f"a chunk of object {chunk.get('object') if isinstance(chunk, dict) else chunk!r}",
                exchange,
            )

    prop(probe, examples, _completions(probe), test)


@check(
    "moderations.schema",
    "moderations conform to the response schema, one result per input",
    "extension",
    MODERATIONS,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        answer(probe, "createModeration", probe.post("/moderations", body), body)

    prop(probe, examples, strategies.moderation_body(), test)


@check(
    "moderations.scores",
    "every category has a boolean flag and a score in [0, 1]; flagged agrees with them",
    "extension",
    MODERATIONS,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange = probe.post("/moderations", body)
        value = answer(probe, "createModeration", exchange, body)
        for result in value.get("results") or []:
            flags, scores = result.get("categories") or {}, result.get("category_scores") or {}
            expect(set(flags) <= set(scores) or not scores, "a category without a score", exchange)
            expect(
                all(0 <= s <= 1 for s in scores.values() if isinstance(s, int | float)),
                "a score outside [0, 1]",
                exchange,
            )
            expect(
                result.get("flagged") == any(v is True for v in flags.values()),
                "flagged disagrees with the categories",
                exchange,
            )

    prop(probe, examples, strategies.moderation_body(), test)


@check(
    "images.schema",
    "image generations conform to the schema and carry PNG data",
    "extension",
    expensive=True,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange = probe.post("/images/generations", body)
        value = answer(probe, "createImage", exchange, body)
        data = base64.b64decode((value.get("data") or [{}])[0].get("b64_json") or "")
        expect(data.startswith(b"\x89PNG"), "b64_json is not a PNG", exchange)

    prop(probe, examples, strategies.image_body(), test)


SIGNATURES = {
    "mp3": (b"\xff", b"ID3"),
    "wav": (b"RIFF",),
    "opus": (b"OggS",),
    "flac": (b"fLaC",),
    "aac": (b"\xff",),
    "pcm": (b"",),
}


@check(
    "audio.speech",
    "speech answers audio bytes of the requested format",
    "extension",
    expensive=True,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange = probe.post("/audio/speech", body)
        offered(exchange)
        expect(
            exchange.status == 200 and bool(exchange.content),
            f"no audio: {exchange.summary()}",
            exchange,
        )
        expect(
            exchange.content.startswith(SIGNATURES[body["response_format"]]),
            f"not {body['response_format']} audio",
            exchange,
        )

    prop(probe, examples, strategies.speech_body(), test)
