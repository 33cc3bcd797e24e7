"""What validating a stream costs per chunk, against decoding the chunk alone, in the same run.

    .venv/bin/python benchmarks/bench_stream_validation.py [--chunks 2000]

The chunks are a real chat stream from the fake (one content delta per chunk, a finish chunk
and a usage chunk). Rows, each the best of 5 passes over every chunk:

- decode: ``orjson.loads`` of the ``data:`` payload (what any client does; the baseline);
- strict: decode + ``SchemaChecker.check`` against ``CreateChatCompletionStreamResponse``, the
  check the contracts and the fake's self-check run on every chunk;
- lenient on deviating chunks: the same chunks without ``finish_reason`` (a common deviation),
  checked in the lenient profile, which names the deviation (the slow path: strict fails
  first, then the lenient validator runs and the problems are explained);
- pure-Python ``jsonschema`` (Draft 2020-12) on the same schema set, for comparison.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from typing import Any

import orjson

from oai_mock import OpenAIMock
from oai_mock.spec import SchemaChecker, load_bundle

CHUNK_SCHEMA = {"$ref": "#/$defs/CreateChatCompletionStreamResponse"}


def stream_payloads(chunks: int) -> list[bytes]:
    mock = OpenAIMock(seed=1)
    mock.on("chat").stream(" ".join(f"w{i}" for i in range(chunks)))
    response = mock.request(
        "POST",
        "/v1/chat/completions",
        json={
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "Tell me a story"}],
            "stream": True,
            "stream_options": {"include_usage": True},
        },
    )
    assert response.stream is not None
    body = b"".join(item for item in response.stream if isinstance(item, bytes))
    lines = body.split(b"\n\n")
    return [line.removeprefix(b"data: ") for line in lines if line and line != b"data: [DONE]"]


def best_per_item(work: Callable[[list[Any]], None], items: list[Any], passes: int = 5) -> float:
    """Microseconds per item, best of ``passes`` (the least disturbed pass)."""
    work(items[:50])  # compile validators, warm caches
    best = float("inf")
    for _ in range(passes):
        started = time.perf_counter()
        work(items)
        best = min(best, time.perf_counter() - started)
    return best / len(items) * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--chunks", type=int, default=2000)
    args = parser.parse_args()

    payloads = stream_payloads(args.chunks)
    bundle = load_bundle()
    checker = SchemaChecker(bundle)

    def without_finish_reason(payload: bytes) -> bytes:
        chunk = orjson.loads(payload)
        for choice in chunk["choices"]:
            choice.pop("finish_reason", None)
        return orjson.dumps(chunk)

    # The usage chunk (choices: []) has nothing to remove: it stays valid.
    deviating = [without_finish_reason(p) for p in payloads if orjson.loads(p)["choices"]]

    def decode(items: list[bytes]) -> None:
        for item in items:
            orjson.loads(item)

    def strict(items: list[bytes]) -> None:
        for item in items:
            assert checker.check(orjson.loads(item), CHUNK_SCHEMA, "strict").ok

    def lenient(items: list[bytes]) -> None:
        for item in items:
            report = checker.check(orjson.loads(item), CHUNK_SCHEMA, "lenient")
            assert report.ok  # tolerated, each deviation named in report.deviations

    import jsonschema

    python_validator = jsonschema.Draft202012Validator(
        {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$defs": dict(bundle.schemas),
            **CHUNK_SCHEMA,
        }
    )

    def pure_python(items: list[bytes]) -> None:
        for item in items:
            assert python_validator.is_valid(orjson.loads(item))

    rows = [
        ("decode only (baseline)", best_per_item(decode, payloads)),
        ("decode + strict check (jsonschema-rs)", best_per_item(strict, payloads)),
        ("decode + lenient check of deviating chunks", best_per_item(lenient, deviating)),
        (
            "decode + pure-Python jsonschema",
            best_per_item(pure_python, payloads[:200], passes=3),
        ),
    ]
    baseline = rows[0][1]
    print(
        f"{len(payloads)} chunks of a chat stream, {sum(map(len, payloads)) // len(payloads)} "
        "bytes each on average"
    )
    print(f"{'per chunk':<46}{'us':>9}{'ratio':>9}{'added us':>10}")
    for name, micros in rows:
        print(f"{name:<46}{micros:>9.2f}{micros / baseline:>9.1f}{micros - baseline:>10.2f}")


if __name__ == "__main__":
    main()
