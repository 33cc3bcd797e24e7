"""What each layer of ``oai-mock serve``'s app costs a chat completion, driven in-process (no
socket, no uvicorn), against a bare Starlette route returning the same bytes in the same run.

    .venv/bin/python benchmarks/bench_serve_layers.py [--rounds 15] [--requests 1000]

Layers, each measured alone and wrapped by the next: the engine's ``handle``; the ASGI endpoint
around it (scope, body, offload rule, answer head); the exchange recorder; the dev server's app
(as ``oai-mock serve`` builds it). Each keeps its best round (the least disturbed one).
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from oai_mock import OpenAIMock
from oai_mock.mockserver.control import ControlContext
from oai_mock.mockserver.control.exchanges import ExchangeLog, ExchangeRecorder
from oai_mock.mockserver.devserver import serve_app
from oai_mock.mockserver.messages import MockRequest

BODY = b'{"model":"gpt-4o-mini","messages":[{"role":"user","content":"Say hello"}]}'
HEADERS = [
    (b"host", b"127.0.0.1:8000"),
    (b"authorization", b"Bearer sk-bench"),
    (b"content-type", b"application/json"),
    (b"content-length", str(len(BODY)).encode()),
]
App = Callable[[MutableMapping[str, Any], Any, Any], Awaitable[None]]


def scope() -> dict[str, Any]:
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": "1.1",
        "server": ("127.0.0.1", 8000),
        "client": ("127.0.0.1", 5555),
        "scheme": "http",
        "method": "POST",
        "root_path": "",
        "path": "/v1/chat/completions",
        "raw_path": b"/v1/chat/completions",
        "query_string": b"",
        "headers": HEADERS,
        "state": {},
    }


async def per_request(app: App, requests: int) -> float:
    """Microseconds per request through ``app``."""

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": BODY, "more_body": False}

    statuses: list[int] = []

    async def send(message: MutableMapping[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.perf_counter()
    for _ in range(requests):
        await app(scope(), receive, send)
    elapsed = time.perf_counter() - started
    assert set(statuses) == {200}, statuses[:3]
    return elapsed / requests * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()

    mock = OpenAIMock(journal_limit=1000)  # serve's journal
    context = ControlContext(mock, ExchangeLog(1000), key=None, file_rules=lambda: [])
    dev_server = serve_app(mock, context, host="127.0.0.1")  # as `oai-mock serve --quiet`
    recorder = dev_server.api
    assert isinstance(recorder, ExchangeRecorder)
    endpoint = recorder.app
    fixed = (
        OpenAIMock()
        .handle(
            MockRequest(
                "POST", "/v1/chat/completions", (), {"content-type": "application/json"}, BODY
            )
        )
        .body
    )

    async def chat(request: Request) -> Response:
        await request.body()
        return Response(fixed, media_type="application/json")

    bare = Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])
    request = MockRequest("POST", "/v1/chat/completions", (), dict(
        (k.decode(), v.decode()) for k, v in HEADERS
    ), BODY)  # fmt: skip

    requests: int = args.requests

    def engine() -> float:
        started = time.perf_counter()
        for _ in range(requests):
            mock.handle(request)
        return (time.perf_counter() - started) / requests * 1e6

    layers: dict[str, App] = {
        "bare Starlette route (baseline)": bare,
        "engine endpoint": endpoint,
        "+ exchange recorder": recorder,
        "+ dev server app (serve)": dev_server,
    }

    async def measure() -> dict[str, float]:
        best = {"engine handle": float("inf"), **{name: float("inf") for name in layers}}
        for _ in range(args.rounds):
            best["engine handle"] = min(best["engine handle"], engine())
            for name, app in layers.items():
                best[name] = min(best[name], await per_request(app, args.requests))
        return best

    best = asyncio.run(measure())
    print(f"chat completion, in-process ASGI, best of {args.rounds} rounds of {args.requests}")
    for name, micros in best.items():
        print(f"{name:<36}{micros:>8.0f} us")


if __name__ == "__main__":
    main()
