"""Embeddings: one vector per input, in order, of the asked dimensions and encoding."""

from __future__ import annotations

import base64
import struct
from typing import Any

from hypothesis import strategies as st

from oai_mock.contracts import strategies
from oai_mock.contracts.answers import answer
from oai_mock.contracts.core import check, expect
from oai_mock.contracts.probe import Probe
from oai_mock.contracts.properties import prop, with_fixed

JSON = dict[str, Any]
EMBEDDINGS = "OpenAI API reference, Create embeddings (POST /embeddings)"


def _embed(probe: Probe, body: JSON) -> tuple[Any, JSON]:
    exchange = probe.post("/embeddings", body)
    return exchange, answer(probe, "createEmbedding", exchange, body)


def _bodies(probe: Probe, **fixed: Any) -> st.SearchStrategy[JSON]:
    return with_fixed(strategies.embedding_body(probe.embedding_model), fixed)


@check(
    "embeddings.schema",
    "embeddings conform to the response schema, one vector per input, indexed in order",
    source=EMBEDDINGS,
)
def _(probe: Probe, examples: int) -> None:
    prop(probe, examples, _bodies(probe, encoding_format="float"), lambda body: _embed(probe, body))


@check(
    "embeddings.usage",
    "usage.total_tokens equals usage.prompt_tokens, both positive",
    "recommended",
    EMBEDDINGS,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, value = _embed(probe, body)
        usage = value.get("usage") or {}
        expect(
            isinstance(usage.get("prompt_tokens"), int) and usage["prompt_tokens"] > 0,
            f"usage {usage}",
            exchange,
        )

    prop(probe, examples, _bodies(probe), test)


@check(
    "embeddings.token-input", "input as arrays of token ids is accepted", "extension", EMBEDDINGS
)
def _(probe: Probe, examples: int) -> None:
    tokens = st.lists(
        st.lists(st.integers(0, 50_000), min_size=1, max_size=8), min_size=1, max_size=3
    )
    prop(
        probe,
        examples,
        tokens.map(lambda ids: {"model": probe.embedding_model, "input": ids}),
        lambda body: _embed(probe, body),
    )


@check("embeddings.dimensions", "dimensions shortens the vectors", "extension", EMBEDDINGS)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, value = _embed(probe, body)
        lengths = {len(d.get("embedding") or []) for d in value.get("data") or []}
        expect(
            lengths == {body["dimensions"]},
            f"{sorted(lengths)} dimensions for dimensions={body['dimensions']}",
            exchange,
        )

    prop(
        probe,
        examples,
        st.integers(8, 256).flatmap(
            lambda k: _bodies(probe, dimensions=k, encoding_format="float")
        ),
        test,
    )


@check(
    "embeddings.base64",
    "encoding_format base64 decodes to the float vector",
    "recommended",
    EMBEDDINGS,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        _, floats = _embed(probe, {**body, "encoding_format": "float"})
        exchange, encoded = _embed(probe, {**body, "encoding_format": "base64"})
        for plain, packed in zip(floats.get("data") or [], encoded.get("data") or [], strict=False):
            text = packed.get("embedding")
            expect(isinstance(text, str), "the embedding is not a base64 string", exchange)
            data = base64.b64decode(text)
            decoded = struct.unpack(f"<{len(data) // 4}f", data)
            expected = plain.get("embedding") or []
            expect(
                len(decoded) == len(expected)
                and all(abs(a - b) < 1e-5 for a, b in zip(decoded, expected, strict=True)),
                "base64 does not decode to the float vector",
                exchange,
            )

    prop(probe, examples, _bodies(probe), test)
