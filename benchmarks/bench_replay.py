"""Replaying a cassette against the fake answering itself, and reading a cassette against
parsing its YAML alone, in one run.

    .venv/bin/python benchmarks/bench_replay.py

- answers: a chat request answered by the in-process engine, from a 200-exchange cassette
  (matched on its canonical body) and by the fake's own behaviour;
- load: a 200-exchange cassette read and validated into exchanges, against PyYAML's C loader
  reading the same text into plain data (the floor for any YAML cassette).
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
import yaml

from oai_mock import OpenAIMock
from oai_mock.mockserver.messages import MockRequest
from oai_mock.recording.cassette import CassetteWriter, load_cassette
from oai_mock.recording.exchange import Exchange, RecordedResponse
from oai_mock.recording.replay import ReplaySource

EXCHANGES = 200


def best(call: Callable[[], Any], repeat: int = 5, number: int = 200) -> float:
    results = []
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(number):
            call()
        results.append((time.perf_counter() - started) / number)
    return min(results)


def chat_body(number: int) -> bytes:
    return orjson.dumps(
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": f"Question {number}"}]}
    )


def main() -> None:
    fake = OpenAIMock(self_check=False)
    recorded = []
    for number in range(EXCHANGES):
        request = MockRequest(
            "POST",
            "/v1/chat/completions",
            headers={"content-type": "application/json"},
            body=chat_body(number),
        )
        answer = fake.handle(request)
        recorded.append(Exchange(request, RecordedResponse(200, list(answer.headers), answer.body)))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "c.yaml"
        writer = CassetteWriter(path)
        for exchange in recorded:
            writer.add(exchange)
        text = path.read_text()
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        load = best(lambda: load_cassette(path), repeat=3, number=3)
        parse = best(lambda: list(yaml.load_all(text, Loader=loader)), repeat=3, number=3)

    replaying = OpenAIMock(self_check=False)
    replaying.replay = ReplaySource(recorded, pace=0)
    request = MockRequest(
        "POST",
        "/v1/chat/completions",
        headers={"content-type": "application/json"},
        body=chat_body(100),
    )
    replay = best(lambda: replaying.handle(request, record=False))
    answer = best(lambda: fake.handle(request, record=False))

    print(f"chat answered from a {EXCHANGES}-exchange cassette: {replay * 1e6:,.0f} us")
    print(f"chat answered by the fake itself:               {answer * 1e6:,.0f} us")
    print(f"  ratio replay / fake: {replay / answer:.2f}")
    print(
        f"load a {EXCHANGES}-exchange cassette ({len(text) / 1024:,.0f} KiB): {load * 1e3:,.1f} ms"
    )
    print(f"PyYAML's C loader on the same text:        {parse * 1e3:,.1f} ms")
    print(f"  ratio load / parse: {load / parse:.2f}")


if __name__ == "__main__":
    main()
