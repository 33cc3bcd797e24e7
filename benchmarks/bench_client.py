"""The reference client's model representation against the official SDK's, in one run.

    .venv/bin/python benchmarks/bench_client.py

- import time: ``import oai_mock.client`` and ``import openai`` in new interpreters;
- decode: a large chat completion (50 choices with logprobs) and a 2,000-chunk stream, turned
  into typed objects and read field by field, as each library does for its users (the SDK
  builds its pydantic models with ``construct_type``, what it runs for every response);
- memory: the peak that decoding and reading the large completion allocates (tracemalloc).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import orjson
from openai._models import construct_type
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from oai_mock import OpenAIMock
from oai_mock.client._generated import models


def interpreter(code: str, runs: int = 7) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def best(call: Callable[[], Any], repeat: int = 5, number: int = 20) -> float:
    results = []
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(number):
            call()
        results.append((time.perf_counter() - started) / number)
    return min(results)


def large_completion() -> bytes:
    mock = OpenAIMock()
    body = {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "a long answer please " * 20}],
        "n": 50,
        "logprobs": True,
        "top_logprobs": 3,
    }
    return mock.request("POST", "/v1/chat/completions", json=body).body


def stream_chunks(count: int) -> list[bytes]:
    mock = OpenAIMock()
    mock.on("chat").reply(" ".join(f"word{i}" for i in range(count - 3)))
    response = mock.request(
        "POST",
        "/v1/chat/completions",
        json={"model": "gpt-4o", "messages": [{"role": "user", "content": "x"}], "stream": True},
    )
    frames = b"".join(item for item in response.stream or [] if isinstance(item, bytes))
    return [line[6:] for line in frames.split(b"\n\n") if line.startswith(b"data: {")]


def read_ours(raw: bytes) -> int:
    completion = models.decode_create_chat_completion(orjson.loads(raw))
    total = 0
    for choice in completion.choices:
        total += len(choice.message.content or "")
        for entry in choice.logprobs.content if choice.logprobs else []:
            total += len(entry.top_logprobs)
    return total + completion.usage.total_tokens


def read_sdk(raw: bytes) -> int:
    completion = construct_type(type_=ChatCompletion, value=orjson.loads(raw))
    total = 0
    for choice in completion.choices:
        total += len(choice.message.content or "")
        for entry in choice.logprobs.content if choice.logprobs else []:
            total += len(entry.top_logprobs)
    return total + completion.usage.total_tokens


def stream_ours(chunks: list[bytes]) -> str:
    decode = models.events_create_chat_completion
    return "".join(decode(orjson.loads(c)).choices[0].delta.content or "" for c in chunks)


def stream_sdk(chunks: list[bytes]) -> str:
    out = []
    for c in chunks:
        chunk = construct_type(type_=ChatCompletionChunk, value=orjson.loads(c))
        out.append(chunk.choices[0].delta.content or "")
    return "".join(out)


def peak(call: Callable[[], Any]) -> int:
    tracemalloc.start()
    call()
    _, top = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return top


def main() -> None:
    bare = interpreter("pass")
    ours_import = interpreter("import oai_mock.client")
    sdk_import = interpreter("import openai")
    ours_first = interpreter(
        "from oai_mock import OpenAIMock; c = OpenAIMock().client();"
        "c.chat.create_chat_completion(model='m', messages=[{'role': 'user', 'content': 'x'}]).choices[0].message.content"
    )
    raw = large_completion()
    chunks = stream_chunks(2000)
    assert read_ours(raw) == read_sdk(raw)
    assert stream_ours(chunks) == stream_sdk(chunks)
    decode_ours = best(lambda: read_ours(raw))
    decode_sdk = best(lambda: read_sdk(raw))
    stream_o = best(lambda: stream_ours(chunks), number=3)
    stream_s = best(lambda: stream_sdk(chunks), number=3)
    mem_ours = peak(lambda: read_ours(raw))
    mem_sdk = peak(lambda: read_sdk(raw))

    print(f"{'measure':<58}{'oai-mock':>12}{'openai SDK':>12}{'ratio':>8}")
    rows = [
        (
            "import, ms above a bare interpreter",
            (ours_import - bare) * 1e3,
            (sdk_import - bare) * 1e3,
        ),
        (
            f"decode + read a chat completion ({len(raw) // 1024} KB), ms",
            decode_ours * 1e3,
            decode_sdk * 1e3,
        ),
        (f"decode + read a {len(chunks)}-chunk stream, ms", stream_o * 1e3, stream_s * 1e3),
        ("peak memory decoding that completion, KB", mem_ours / 1024, mem_sdk / 1024),
    ]
    for name, ours, sdk in rows:
        print(f"{name:<58}{ours:>12.1f}{sdk:>12.1f}{ours / sdk:>8.2f}")
    print(
        f"new interpreter: import, build a client, one chat call in-process: {ours_first * 1e3:.0f} ms"
    )


if __name__ == "__main__":
    main()
