"""Throughput of the fake through the official SDK, against baselines measured in the same run.

    .venv/bin/python benchmarks/bench_engine.py [--requests N]

- in-process: ``openai.OpenAI`` (3.x, httpx2) -> oai-mock's in-process transport, sequential
  non-streaming chat completions; baseline: the same SDK against a static transport that returns
  fixed bytes (the SDK's own floor).
- loopback: the SDK -> ``oai-mock serve`` (uvicorn, in a thread) over 127.0.0.1; baseline: the
  same SDK -> a bare Starlette route returning the same bytes, under the same uvicorn.
- engine construction: a fresh ``OpenAIMock()`` once the bundle is loaded, and a cold import +
  bundle load in a new interpreter.

Each setup and its baseline run in alternating short rounds (``paired_rates``), and the ratio is
the median of the rounds' ratios: measured one after the other, best of three long rounds each,
the same ratio moved by two times between runs on a shared machine.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx2
import openai
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from oai_mock import OpenAIMock
from oai_mock.mockserver.live import LiveServer
from oai_mock.mockserver.sdk import openai_client
from oai_mock.mockserver.serving import DEFAULT_LIMITS, server_config

MESSAGES = [{"role": "user", "content": "Say hello"}]


@dataclass
class Paired:
    """A setup measured against its baseline in alternating short rounds."""

    baseline: float
    """Requests per second of the baseline (median over its rounds)."""
    subject: float
    """Requests per second of the setup measured (median over its rounds)."""
    ratio: float
    """The median of the rounds' ratios (subject over the baseline of the same pair)."""
    low: float
    high: float
    """The first and third quartiles of those ratios."""
    rounds: int


def paired_rates(
    baseline: Callable[[], Any], subject: Callable[[], Any], requests: int, rounds: int = 30
) -> Paired:
    """``requests`` calls of each, in ``rounds`` alternating rounds (the baseline first, then
    the subject): each pair of rounds runs a second or less apart, so a slow spell of a shared
    machine falls on both, and the median of the pairs' ratios ignores the pairs it split."""
    per_round = max(20, requests // rounds)
    for _ in range(min(50, per_round)):
        baseline()
        subject()

    def one_round(call: Callable[[], Any]) -> float:
        started = time.perf_counter()
        for _ in range(per_round):
            call()
        return per_round / (time.perf_counter() - started)

    base_rates, subject_rates, ratios = [], [], []
    for _ in range(rounds):
        base_rates.append(one_round(baseline))
        subject_rates.append(one_round(subject))
        ratios.append(subject_rates[-1] / base_rates[-1])
    quartiles = statistics.quantiles(ratios, n=4)
    return Paired(
        statistics.median(base_rates),
        statistics.median(subject_rates),
        statistics.median(ratios),
        quartiles[0],
        quartiles[2],
        rounds,
    )


def static_answer() -> tuple[bytes, list[tuple[str, str]]]:
    response = OpenAIMock().request(
        "POST", "/v1/chat/completions", json={"model": "gpt-4o-mini", "messages": MESSAGES}
    )
    return response.body, [("content-type", "application/json")]


class StaticTransport(httpx2.BaseTransport):
    def __init__(self, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.body = body
        self.headers = headers

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        return httpx2.Response(200, headers=self.headers, content=self.body, request=request)


def bare_starlette_server(body: bytes) -> tuple[uvicorn.Server, threading.Thread, str]:
    async def endpoint(request: Request) -> Response:
        await request.body()
        return Response(body, media_type="application/json")

    app = Starlette(routes=[Route("/v1/chat/completions", endpoint, methods=["POST"])])
    config = server_config(app, "127.0.0.1", 0, DEFAULT_LIMITS)  # as LiveServer's
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    port = server.servers[0].sockets[0].getsockname()[1]
    return server, thread, f"http://127.0.0.1:{port}/v1"


def sdk_rates(n: int) -> dict[str, Paired]:
    """Chat completions per second through the official SDK, in pairs: the in-process fake
    against the static-transport floor, and the fake served over loopback against a bare
    Starlette route over loopback (both servers up at once, in threads of this process)."""
    body, headers = static_answer()

    def chat(client: Any) -> Callable[[], Any]:
        return lambda: client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    static_client = openai.OpenAI(
        api_key="sk-x",
        base_url="http://static.local/v1",
        http_client=httpx2.Client(transport=StaticTransport(body, headers)),
    )
    mock_client = openai_client(OpenAIMock())
    in_process = paired_rates(chat(static_client), chat(mock_client), n)

    server, thread, bare_url = bare_starlette_server(body)
    try:
        with LiveServer(OpenAIMock()) as live:
            loopback = paired_rates(
                chat(openai.OpenAI(api_key="sk-x", base_url=bare_url)),
                chat(openai.OpenAI(api_key="sk-x", base_url=live.url)),
                n // 2,
            )
    finally:
        server.should_exit = True
        thread.join()
    return {"in_process": in_process, "loopback": loopback}


def print_sdk_rates(n: int, rates: dict[str, Paired]) -> None:
    in_process, loopback = rates["in_process"], rates["loopback"]
    print(
        f"openai {openai.__version__}, sequential chat completions in {in_process.rounds} "
        f"alternating pairs of rounds ({n} in-process, {n // 2} over loopback, per setup): "
        "median rates, and the median of the pairs' ratios with its quartiles"
    )
    print(f"{'setup':<46}{'req/s':>8}{'ratio':>8}{'quartiles':>14}")
    rows = [
        ("SDK -> static transport (floor)", in_process.baseline, None),
        ("SDK -> oai-mock in-process", in_process.subject, in_process),
        ("SDK -> bare Starlette route over loopback", loopback.baseline, None),
        ("SDK -> oai-mock serve over loopback", loopback.subject, loopback),
    ]
    for label, rate, pair in rows:
        if pair is None:
            print(f"{label:<46}{rate:>8.0f}{1:>8.2f}")
        else:
            spread = f"{pair.low:.2f}-{pair.high:.2f}"
            print(f"{label:<46}{rate:>8.0f}{pair.ratio:>8.2f}{spread:>14}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1500)
    args = parser.parse_args()
    n = args.requests
    rates = sdk_rates(n)

    OpenAIMock()
    builds = []
    for _ in range(200):
        started = time.perf_counter()
        OpenAIMock()
        builds.append(time.perf_counter() - started)
    cold = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", "from oai_mock import OpenAIMock; OpenAIMock()"], check=True
        )
        cold.append(time.perf_counter() - started)
    baseline_python = []
    for _ in range(5):
        started = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        baseline_python.append(time.perf_counter() - started)

    print_sdk_rates(n, rates)
    print(f"fresh OpenAIMock() (bundle loaded): median {statistics.median(builds) * 1e6:.0f} us")
    print(
        f"new interpreter importing oai_mock and building a mock: median "
        f"{statistics.median(cold) * 1000:.0f} ms (bare interpreter: "
        f"{statistics.median(baseline_python) * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
