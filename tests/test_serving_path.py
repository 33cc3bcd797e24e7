"""The served fake's per-request path: where engine work runs (``offload``), the body deadline,
the answer head built without a Starlette response, and the dev server's stop."""

from __future__ import annotations

import asyncio
import socket
import threading
from pathlib import Path
from typing import Any

import anyio
import httpx
import pytest
from served import ServedFake
from starlette.responses import Response

from oai_mock import OpenAIMock
from oai_mock.mockserver.asgi import raw_head
from oai_mock.mockserver.body_reading import BodyDeadline
from oai_mock.mockserver.devserver import STOPPING_MESSAGE, DevServerApp
from oai_mock.mockserver.messages import MockRequest, MockResponse
from oai_mock.mockserver.offload import Offload

HANG_BOUND = 10.0
"""Seconds after which a wait means the code under test hangs (never reached when it works)."""


class Engine:
    """A handler that notes the thread each request ran on and reports a chosen CPU time."""

    def __init__(self) -> None:
        self.threads: list[int] = []
        self.cpu = 0.0001
        self.release = threading.Event()
        self.release.set()

    def handle(self, request: MockRequest) -> MockResponse:
        self.threads.append(threading.get_ident())
        assert self.release.wait(HANG_BOUND)
        return MockResponse(200, body=request.body)


def offload_with(engine: Engine, **options: Any) -> Offload:
    """An offload that takes the CPU time of each answer from ``engine.cpu``."""

    def timed(handle: Any, request: MockRequest) -> tuple[MockResponse, float]:
        return handle(request), engine.cpu

    return Offload(
        anyio.CapacityLimiter(4), **{"budget": 0.002, "strikes": 2, "timed": timed, **options}
    )


QUICK, SLOW = 0.0001, 0.5
"""CPU seconds of an answer within the budget, and far over it."""


def placements(steps: list[tuple[str, int, float]], **options: Any) -> list[bool]:
    """Where each request ran, on the event loop (True) or in a worker thread: ``steps`` are
    requests in turn, each an operation, a body size and the CPU time its answer reports."""
    engine = Engine()
    offload = offload_with(engine, **options)

    async def main() -> list[bool]:
        loop_thread = threading.get_ident()
        for operation, size, cpu in steps:
            engine.cpu = cpu
            await offload.run(engine.handle, request(size), operation)
        return [thread == loop_thread for thread in engine.threads]

    return asyncio.run(main())


def request(size: int = 10) -> MockRequest:
    return MockRequest("POST", "/v1/chat/completions", body=b"x" * size)


def on_loop(engine: Engine, index: int, loop_thread: int) -> bool:
    return engine.threads[index] == loop_thread


def test_an_operation_runs_on_the_loop_once_it_has_answered_quickly() -> None:
    chat, embed = ("createChatCompletion", 10, QUICK), ("createEmbedding", 10, QUICK)
    assert placements([chat, chat, chat, embed]) == [False, True, True, False]


def test_a_body_larger_than_any_answered_quickly_goes_to_a_worker_thread() -> None:
    sizes = [100, 1225, 1224, 3474]  # 1225 > 2*100 + 1 KiB; 3474 = 2*1225 + 1 KiB
    steps = [("createEmbedding", size, QUICK) for size in sizes]
    assert placements(steps) == [False, False, True, True]


def test_an_operation_over_budget_too_often_stays_in_worker_threads() -> None:
    cpus = [QUICK, SLOW, SLOW, QUICK, QUICK]  # two strikes, then quick again: still threads
    steps = [("createEmbedding", 10, cpu) for cpu in cpus]
    assert placements(steps) == [False, True, True, False, False]


def test_a_rare_slow_answer_of_a_quick_operation_is_forgiven() -> None:
    # One slow answer in four: each strike is taken back before the next. Then slow twice in a
    # row: threads for good.
    cpus = [QUICK] + [SLOW, QUICK, QUICK, QUICK] * 5 + [SLOW, SLOW, QUICK, QUICK, QUICK, QUICK]
    placed = placements([("createChatCompletion", 10, cpu) for cpu in cpus], forgive=3)
    assert placed[0] is False and all(placed[1:21])
    assert placed[21:] == [True, True, False, False, False, False]


def test_quick_requests_leave_the_loop_while_unknown_work_runs_in_a_thread() -> None:
    engine = Engine()
    offload = offload_with(engine)

    async def main() -> None:
        loop_thread = threading.get_ident()
        await offload.run(engine.handle, request(), "listModels")  # learnt: quick
        engine.release.clear()
        async with anyio.create_task_group() as tasks:
            tasks.start_soon(offload.run, engine.handle, request(), "createEmbedding")
            with anyio.fail_after(HANG_BOUND):
                while len(engine.threads) < 2:  # the unknown one is in its thread
                    await anyio.sleep(0.01)
            engine.release.set()
            await offload.run(engine.handle, request(), "listModels")
        assert not on_loop(engine, 2, loop_thread)
        await offload.run(engine.handle, request(), "listModels")
        assert on_loop(engine, 3, loop_thread)

    asyncio.run(main())


def test_a_body_that_does_not_arrive_in_time_raises_timeout_error() -> None:
    deadline = BodyDeadline(0.2)

    async def never() -> dict[str, Any]:
        await asyncio.sleep(HANG_BOUND)
        return {"type": "http.request", "body": b"", "more_body": False}

    async def whole() -> dict[str, Any]:
        return {"type": "http.request", "body": b"{}", "more_body": False}

    async def main() -> None:
        assert await deadline.read(whole, "2", 100) == b"{}"
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(deadline.read(never, "", 100), HANG_BOUND)
        await asyncio.sleep(0.3)  # past the deadline's next check: nothing left to cancel
        assert await deadline.read(whole, "2", 100) == b"{}"

    asyncio.run(main())


@pytest.mark.parametrize(
    "answer",
    [
        MockResponse(200, [("content-type", "application/json"), ("x-request-id", "r")], b"{}"),
        MockResponse(201, [("X-Upper", "v"), ("content-type", "text/plain")], b"caf\xc3\xa9"),
        MockResponse(200, [("content-type", "text/event-stream; charset=utf-8")], b"data: 1"),
        MockResponse(204, [("x-a", "1"), ("x-a", "2")], b""),
        MockResponse(200, [("content-length", "2")], b"ab"),
        MockResponse(304, [], b""),
        MockResponse(200, [("Content-Type", "text/csv"), ("content-type", "text/html")], b"x"),
    ],
)
def test_the_answer_head_is_the_one_starlette_would_send(answer: MockResponse) -> None:
    headers = dict(answer.headers)
    media_type = headers.pop("content-type", None)
    starlette = Response(answer.body, answer.status, headers=headers, media_type=media_type)
    assert raw_head(answer) == starlette.raw_headers


def test_stopping_the_dev_server_ends_what_is_in_flight() -> None:
    sent: dict[str, list[dict[str, Any]]] = {"waiting": [], "streaming": [], "late": []}
    entered: list[str] = []

    async def api(scope: Any, receive: Any, send: Any) -> None:
        entered.append(scope["path"])
        if scope["path"] == "/streaming":
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"1", "more_body": True})
        await asyncio.sleep(HANG_BOUND)

    app = DevServerApp(control=api, api=api)

    async def exchange(name: str) -> None:
        async def send(message: dict[str, Any]) -> None:
            sent[name].append(message)

        scope = {"type": "http", "path": f"/{name}", "method": "GET", "headers": []}
        await app(scope, None, send)

    async def main() -> None:
        tasks = [asyncio.create_task(exchange(name)) for name in ("waiting", "streaming")]
        while len(entered) < 2 or len(sent["streaming"]) < 2:
            await asyncio.sleep(0.01)
        app.stop()
        await asyncio.gather(*tasks)
        await exchange("late")  # arrives as the server stops

    asyncio.run(asyncio.wait_for(main(), HANG_BOUND))
    for name in ("waiting", "late"):
        assert sent[name][0]["status"] == 503
        assert sent[name][1]["body"] == STOPPING_MESSAGE
    assert sent["streaming"][-1] == {"type": "http.response.body", "body": b"", "more_body": False}


def _raw(url: str, data: bytes) -> bytes:
    """What the server sends back on a fresh connection to ``data`` until it closes it."""
    host, port = url.split("//")[1].split("/")[0].split(":")
    received = b""
    with socket.create_connection((host, int(port)), timeout=HANG_BOUND) as sock:
        sock.sendall(data)
        while chunk := sock.recv(65536):
            received += chunk
    return received


def test_serve_with_httptools_answers_alike_and_keeps_its_timeouts(tmp_path: Path) -> None:
    fake = ServedFake(
        tmp_path / "serve.log", "--http", "httptools", "--header-timeout", "1",
        "--body-timeout", "1",
    )  # fmt: skip
    try:
        chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello"}]}
        with httpx.Client(timeout=HANG_BOUND) as client:
            answers = [client.post(fake.url + "/chat/completions", json=chat) for _ in range(3)]
            stream = client.post(fake.url + "/chat/completions", json={**chat, "stream": True})
        assert [a.status_code for a in answers] == [200, 200, 200]
        expected = OpenAIMock().request("POST", "/v1/chat/completions", json=chat)
        created = {"created": 0}  # the only field that moves with the clock
        assert {**answers[0].json(), **created} == {**expected.value, **created}
        assert answers[2].headers["x-ratelimit-limit-requests"] == "10000"
        assert stream.text.rstrip().endswith("data: [DONE]")
        # A head that never ends: the connection is closed, nothing answered.
        assert _raw(fake.url, b"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ") == b""
        # A body that never comes: OpenAI's 408.
        slow = _raw(
            fake.url,
            b"POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        )
        assert slow.startswith(b"HTTP/1.1 408"), slow[:200]
    finally:
        assert fake.stop() == 0


def test_an_answer_that_waits_costs_its_wall_time_not_its_cpu_time() -> None:
    # A behaviour that sleeps (or waits on I/O) uses no CPU, yet on the event loop it would hold
    # every other connection for its whole wait: it must not be learnt as quick.
    from oai_mock.mockserver import offload

    def sleeping(request: MockRequest) -> MockResponse:
        threading.Event().wait(0.1)
        return MockResponse(200, body=b"{}")

    def computing(request: MockRequest) -> MockResponse:
        return MockResponse(200, body=b"{}")

    assert offload._timed(sleeping, request())[1] >= 0.1
    assert offload._timed(computing, request())[1] < offload.BUDGET

    real = Offload(anyio.CapacityLimiter(4))

    async def main() -> None:
        for _ in range(3):
            await real.run(sleeping, request(), "listModels")

    anyio.run(main)
    assert not real.fits("listModels", 10)


def test_the_http_option_picks_uvicorns_protocol_and_loop() -> None:
    # The served tests answer the same under either parser: this is what tells them apart.
    from uvicorn.protocols.http.h11_impl import H11Protocol
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    from oai_mock.mockserver.serving import DEFAULT_LIMITS, server_config

    h11 = server_config(object(), "127.0.0.1", 0, DEFAULT_LIMITS)
    assert issubclass(h11.http, H11Protocol) and h11.loop == "asyncio"
    fast = server_config(object(), "127.0.0.1", 0, DEFAULT_LIMITS, "httptools")
    assert issubclass(fast.http, HttpToolsProtocol) and fast.loop == "auto"
    assert fast.http.header_timeout == DEFAULT_LIMITS.header_timeout


def test_asking_for_httptools_without_it_names_the_extra(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from oai_mock.mockserver.serve_options import check_http

    assert check_http("h11") is None
    monkeypatch.setitem(sys.modules, "httptools", None)  # an import of it now fails
    assert check_http("httptools") == (
        '--http httptools needs httptools, which is not installed: pip install "oai-mock[fast]"'
    )
