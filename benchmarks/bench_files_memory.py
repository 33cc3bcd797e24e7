"""Memory and speed of the fake holding 10,000 stored files, against baselines in the same run.

    .venv/bin/python benchmarks/bench_files_memory.py [--files 10000] [--size 1024]

Files are uploaded through the engine (multipart bodies parsed, validated, stored, journaled),
as a test's code or `oai-mock serve` would send them. Figures:

- memory: Python heap held after the uploads (tracemalloc, a fresh process), per file and as a
  ratio to the payload bytes stored (the baseline: the file contents themselves), with the
  journal keeping every request (the default in tests) and with ``journal_limit=1000`` (the
  default of `oai-mock serve`); and the process's resident set growth;
- speed: uploading, retrieving one file and listing a page of 100, with 10,000 files stored, as a ratio to
  the same requests with 100 files stored (one full page).
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import time
from collections.abc import Callable

from oai_mock import OpenAIMock
from oai_mock.mockserver.messages import MockRequest

BOUNDARY = "oai-mock-bench"


def upload_request(index: int, size: int) -> MockRequest:
    content = (f"line {index}\n".encode() * size)[:size]
    body = (
        (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nassistants\r\n'
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; '
            f'filename="notes-{index}.txt"\r\nContent-Type: text/plain\r\n\r\n'
        ).encode()
        + content
        + f"\r\n--{BOUNDARY}--\r\n".encode()
    )
    headers = {"content-type": f"multipart/form-data; boundary={BOUNDARY}"}
    return MockRequest.from_url("POST", "/v1/files", headers, body)


def measure_memory(files: int, size: int, journal_limit: int | None) -> dict[str, float]:
    """Run in a fresh interpreter, so that one configuration's garbage is not another's."""
    import tracemalloc

    def rss_kb() -> int:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * 4

    mock = OpenAIMock(journal_limit=journal_limit)
    requests = [upload_request(i, size) for i in range(files)]
    gc.collect()
    rss_before = rss_kb()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    for request in requests:
        assert mock.handle(request).status == 200
    del requests
    gc.collect()
    held = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return {
        "held_bytes": held,
        "rss_growth_kb": rss_kb() - rss_before,
        "stored": mock.state.count("file"),
    }


def per_request_us(mock: OpenAIMock, call: Callable[[], object], repeat: int = 300) -> float:
    for _ in range(20):
        call()
    best = float("inf")
    for _ in range(5):
        started = time.perf_counter()
        for _ in range(repeat):
            call()
        best = min(best, time.perf_counter() - started)
    return best / repeat * 1e6


def lookup_speed(files: int, size: int) -> tuple[float, float, float, float]:
    warm = OpenAIMock(journal_limit=0)  # compile the validators the requests use, once
    for i in range(20):
        warm.handle(upload_request(i, size))
        warm.request("GET", "/v1/files?limit=100")
    mock = OpenAIMock(journal_limit=0)
    uploads = [upload_request(i, size) for i in range(files)]
    started = time.perf_counter()
    for request in uploads:
        mock.handle(request)
    upload = (time.perf_counter() - started) / files * 1e6
    some_id = json.loads(mock.request("GET", "/v1/files?limit=1").body)["data"][0]["id"]
    middle = json.loads(mock.request("GET", f"/v1/files?limit={files // 2 or 1}").body)
    cursor = middle["last_id"]
    retrieve = per_request_us(mock, lambda: mock.request("GET", f"/v1/files/{some_id}"))
    first_page = per_request_us(mock, lambda: mock.request("GET", "/v1/files?limit=100"))
    deep_page = per_request_us(
        mock, lambda: mock.request("GET", f"/v1/files?limit=100&after={cursor}")
    )
    return upload, retrieve, first_page, deep_page


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--files", type=int, default=10_000)
    parser.add_argument("--size", type=int, default=1024, help="bytes per file")
    parser.add_argument("--child", choices=["all", "limited"], help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        limit = None if args.child == "all" else 1000
        print(json.dumps(measure_memory(args.files, args.size, limit)))
        return

    payload = args.files * args.size
    print(f"{args.files} files of {args.size} bytes ({payload / 1024 / 1024:.1f} MiB of payload)")
    print(f"{'memory held':<44}{'MiB':>8}{'per file':>10}{'ratio':>8}{'RSS MiB':>9}")
    print(f"{'the payload bytes (baseline)':<44}{payload / 2**20:>8.1f}{args.size:>10}{1:>8.2f}")
    for child, label in (
        ("all", "fake, journal keeps every request"),
        ("limited", "fake, journal_limit=1000 (serve's default)"),
    ):
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--files",
                str(args.files),
                "--size",
                str(args.size),
                "--child",
                child,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        figures = json.loads(out)
        assert figures["stored"] == args.files
        held = figures["held_bytes"]
        print(
            f"{label:<44}{held / 2**20:>8.1f}{held / args.files:>10.0f}{held / payload:>8.2f}"
            f"{figures['rss_growth_kb'] / 1024:>9.1f}"
        )

    print()
    small = lookup_speed(100, args.size)
    large = lookup_speed(args.files, args.size)
    print(f"{'request':<44}{'100 files us':>13}{f'{args.files} files us':>16}{'ratio':>8}")
    for name, a, b in zip(
        (
            "upload one file (multipart, through the engine)",
            "retrieve one file",
            "list the first page of 100",
            "list a page of 100 mid-way (after=)",
        ),
        small,
        large,
        strict=True,
    ):
        print(f"{name:<44}{a:>13.0f}{b:>16.0f}{b / a:>8.1f}")


if __name__ == "__main__":
    main()
