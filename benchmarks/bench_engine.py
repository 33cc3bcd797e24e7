"""Throughput of the fake through the official SDK, against baselines measured in the same run.

    .venv/bin/python benchmarks/bench_engine.py [--requests N]

- in-process: ``openai.OpenAI`` (3.x, httpx2) -> oai-mock's in-process transport, sequential
  non-streaming chat completions; baseline: the same SDK against a static transport that returns
  fixed bytes (the SDK's own floor).
- loopback: the SDK -> ``oai-mock serve`` (uvicorn, in a thread) over 127.0.0.1; baseline: the
  same SDK -> a bare Starlette route returning the same bytes, under the same uvicorn.
- engine construction: a fresh ``OpenAIMock()`` once the bundle is loaded, and a cold import +
  bundle load in a new interpreter.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
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


def rate(call: Callable[[], Any], requests: int, rounds: int = 3) -> float:
    """Best-of-rounds requests per second (the least disturbed round on a shared machine)."""
    for _ in range(min(50, requests)):
        call()
    best = 0.0
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(requests):
            call()
        best = max(best, requests / (time.perf_counter() - started))
    return best


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


def sdk_rates(n: int) -> dict[str, float]:
    """Chat completions per second through the official SDK: the static-transport floor, the
    in-process fake, a bare Starlette route over loopback and the fake served over loopback."""
    body, headers = static_answer()

    def chat(client: Any) -> Callable[[], Any]:
        return lambda: client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)

    static_client = openai.OpenAI(
        api_key="sk-x",
        base_url="http://static.local/v1",
        http_client=httpx2.Client(transport=StaticTransport(body, headers)),
    )
    mock_client = openai_client(OpenAIMock())
    floor = rate(chat(static_client), n)
    in_process = rate(chat(mock_client), n)

    server, thread, bare_url = bare_starlette_server(body)
    bare = rate(chat(openai.OpenAI(api_key="sk-x", base_url=bare_url)), n // 2)
    server.should_exit = True
    thread.join()
    with LiveServer(OpenAIMock()) as live:
        loopback = rate(chat(openai.OpenAI(api_key="sk-x", base_url=live.url)), n // 2)
    return {"floor": floor, "in_process": in_process, "bare": bare, "loopback": loopback}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=1500)
    args = parser.parse_args()
    n = args.requests
    rates = sdk_rates(n)
    floor, in_process = rates["floor"], rates["in_process"]
    bare, loopback = rates["bare"], rates["loopback"]

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

    print(f"openai {openai.__version__}, {n} sequential chat completions per round, best of 3")
    print(f"{'setup':<52}{'req/s':>10}{'ratio':>10}")
    print(f"{'SDK -> static transport (floor)':<52}{floor:>10.0f}{1:>10.2f}")
    print(f"{'SDK -> oai-mock in-process':<52}{in_process:>10.0f}{in_process / floor:>10.2f}")
    print(f"{'SDK -> bare Starlette route over loopback':<52}{bare:>10.0f}{1:>10.2f}")
    print(f"{'SDK -> oai-mock serve over loopback':<52}{loopback:>10.0f}{loopback / bare:>10.2f}")
    print(f"fresh OpenAIMock() (bundle loaded): median {statistics.median(builds) * 1e6:.0f} us")
    print(
        f"new interpreter importing oai_mock and building a mock: median "
        f"{statistics.median(cold) * 1000:.0f} ms (bare interpreter: "
        f"{statistics.median(baseline_python) * 1000:.0f} ms)"
    )


if __name__ == "__main__":
    main()
