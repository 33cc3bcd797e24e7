"""Soak: a mixed workload of many requests against one fake, in-process, with the bounds
`oai-mock serve` uses; resident memory is sampled as it goes and must stay flat after warm-up.

    .venv/bin/python benchmarks/bench_soak.py            # 200,000 requests
    .venv/bin/python benchmarks/bench_soak.py --requests 50000 --max-objects 5000

The workload stores without deleting (Responses, files, vector stores, assistants and threads),
so the store fills and evicts, the journal keeps only its newest entries, and embeddings of ever
new texts go through the embedding cache. Each line reports the RSS after that many requests;
the summary gives the growth from the end of warm-up (the first quarter) to the end.
"""

from __future__ import annotations

import argparse
import gc
import resource
import sys
import time
from pathlib import Path

import orjson

from oai_mock import OpenAIMock
from oai_mock.mockserver.messages import MockRequest


def rss_mib() -> float:
    """Resident memory now (from /proc; the peak from getrusage where /proc is missing)."""
    statm = Path("/proc/self/statm")
    if statm.exists():
        pages = int(statm.read_text().split()[1])
        return pages * resource.getpagesize() / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def json_request(method: str, path: str, body: object | None = None) -> MockRequest:
    data = b"" if body is None else orjson.dumps(body)
    headers = {"content-type": "application/json"} if body is not None else {}
    return MockRequest(method, path, headers=headers, body=data)


def upload_request(n: int) -> MockRequest:
    boundary = "soakboundary"
    content = (f"line {n} " * 64).encode()
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="f{n}.txt"\r\n'
            "Content-Type: text/plain\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return MockRequest(
        "POST",
        "/v1/files",
        headers={"content-type": f"multipart/form-data; boundary={boundary}"},
        body=body,
    )


def workload(n: int) -> MockRequest:
    """Request number ``n`` of the mix (ten kinds, in turn)."""
    kind = n % 10
    text = f"soak request {n} about testing code that calls a model"
    if kind in (0, 1, 2):
        return json_request(
            "POST", "/v1/chat/completions",
            {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]},
        )  # fmt: skip
    if kind == 3:
        return json_request(
            "POST", "/v1/embeddings", {"model": "text-embedding-3-small", "input": text}
        )
    if kind == 4:
        return json_request("POST", "/v1/responses", {"model": "gpt-4o-mini", "input": text})
    if kind == 5:
        return upload_request(n)
    if kind == 6:
        return json_request("POST", "/v1/vector_stores", {"name": f"store {n}"})
    if kind == 7:
        return json_request("POST", "/v1/assistants", {"model": "gpt-4o-mini"})
    if kind == 8:
        return json_request(
            "POST", "/v1/threads", {"messages": [{"role": "user", "content": text}]}
        )
    return json_request("GET", "/v1/models")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200_000)
    parser.add_argument("--max-objects", type=int, default=20_000)
    parser.add_argument("--journal-limit", type=int, default=1000)
    parser.add_argument("--samples", type=int, default=10)
    args = parser.parse_args()

    mock = OpenAIMock(
        max_objects=args.max_objects, journal_limit=args.journal_limit, self_check=False
    )
    every = max(1, args.requests // args.samples)
    samples: list[tuple[int, float]] = [(0, rss_mib())]
    errors = 0
    started = time.perf_counter()
    for n in range(1, args.requests + 1):
        answer = mock.handle(workload(n))
        errors += answer.status >= 400
        if n % every == 0:
            gc.collect()
            samples.append((n, rss_mib()))
            print(
                f"{n:>8} requests  RSS {samples[-1][1]:7.1f} MiB  stored objects "
                f"{mock.state.stored_objects:>6}  evicted {mock.state.evicted:>7}  "
                f"journal {len(mock.journal):>5}",
                flush=True,
            )
    elapsed = time.perf_counter() - started
    warm = next(rss for n, rss in samples if n >= args.requests // 4)
    end = samples[-1][1]
    print(
        f"{args.requests} requests in {elapsed:.0f} s, {errors} errors; RSS after warm-up "
        f"{warm:.1f} MiB, at the end {end:.1f} MiB: x{end / warm:.3f} "
        f"(+{end - warm:.1f} MiB over the last {args.requests - args.requests // 4} requests)"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
