"""What bounds a contract run: every check's fair share of the request budget, the requests one
failure may spend shrinking, the run's time limit, and a backend that gives no answer at all.
Whatever the backend does, the run ends with a result per check."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
from contract_runs import run_over

from oai_mock import OpenAIMock
from oai_mock.contracts.checks import CATALOGUE
from oai_mock.contracts.probe import Allowance, Budget, BudgetExhausted
from oai_mock.contracts.runner import FairShares
from oai_mock.mockserver.transports import MockTransport


class Broken(httpx.BaseTransport):
    """Lists models; answers every other request whose body is longer than ``longest`` bytes
    with a plain-text 500, as a crashing server does."""

    def __init__(self, longest: int = -1) -> None:
        self.inner = MockTransport(OpenAIMock())
        self.longest = longest
        self.sent = 0
        self.first_failure = 0
        """How many requests had been sent when the first one failed."""

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.sent += 1
        if request.url.path.endswith("/models") or len(request.content) <= self.longest:
            return self.inner.handle_request(request)
        self.first_failure = self.first_failure or self.sent
        return httpx.Response(500, text="Internal Server Error")


def test_a_backend_failing_every_check_still_gets_every_check_run() -> None:
    run = [c for c in CATALOGUE if not c.expensive]
    budget = 2 * len(run)  # a shared budget the first checks' shrinking would use up
    transport = Broken()
    results = run_over(transport, None, max_examples=3, budget=budget)
    assert len(results.results) == len(run)
    unrun = [f"{r.check.id}: {r.message}" for r in results.results if "budget" in r.message]
    assert not unrun, "\n".join(unrun)
    assert results.count("failed") == len(run) - 3  # models.list passes; no key: 2 auth skips
    assert results.requests <= budget and transport.sent <= budget + 1  # + GET /models


def test_shrinking_one_failure_sends_at_most_its_share() -> None:
    def shrink_requests(cap: int) -> int:
        transport = Broken(longest=200)
        results = run_over(transport, ["chat.schema"], max_examples=20, shrink_requests=cap)
        assert results.results[0].outcome == "failed"
        assert len(json.dumps(results.results[0].example)) > 200
        return transport.sent - transport.first_failure

    assert shrink_requests(4) <= 4
    assert shrink_requests(1000) > 4  # the cap, not the failure, stopped it


def test_fair_shares_keep_a_reserve_for_the_checks_after() -> None:
    budget = Budget(100)
    shares = FairShares(budget, 10)
    first = shares.next()
    assert first.limit == 100 - 9 * 10  # what is left, less 10 for each of the 9 after it
    for _ in range(first.limit):
        first.take()
    try:
        first.take()
    except BudgetExhausted as exhausted:
        assert "share of the request budget (10 of 100)" in str(exhausted)
    else:
        raise AssertionError("a check went past its share")
    assert shares.next().limit == 10  # the next check gets its reserve, not less
    spare = FairShares(Budget(100), 10)
    spare.next()  # a check that sent nothing leaves its share to the later ones
    assert spare.next().limit == 100 - 8 * 10


def test_a_request_that_gets_no_answer_is_not_shrunk() -> None:
    mock = OpenAIMock()
    inner = MockTransport(mock)
    sent = {"chat": 0}

    class HangingChat(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/chat/completions"):
                sent["chat"] += 1
                raise httpx.ReadTimeout("timed out", request=request)
            return inner.handle_request(request)

    results = run_over(HangingChat(), ["chat.schema"], max_examples=3)
    assert results.results[0].outcome == "failed"
    assert "ReadTimeout" in results.results[0].message
    assert sent["chat"] == 1  # each smaller try would only wait out the timeout again


def test_an_answer_that_stalls_after_its_head_is_not_shrunk_either() -> None:
    inner = MockTransport(OpenAIMock())
    sent = {"chat": 0}

    class Stalled(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield b'{"id": "chatcmpl-1", '
            raise httpx.ReadTimeout("timed out")

    class StallingChat(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/chat/completions"):
                sent["chat"] += 1
                headers = {"content-type": "application/json"}
                return httpx.Response(200, headers=headers, stream=Stalled())
            return inner.handle_request(request)

    results = run_over(StallingChat(), ["chat.schema"], max_examples=10)
    assert results.results[0].outcome == "failed"
    assert "ReadTimeout" in results.results[0].message
    assert sent["chat"] == 1  # each smaller try would only wait out the timeout again


def test_the_run_ends_at_its_time_limit_with_a_result_per_check() -> None:
    inner = MockTransport(OpenAIMock())

    class Slow(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if not request.url.path.endswith("/models"):
                time.sleep(0.2)
            return inner.handle_request(request)

    chat_checks = [c.id for c in CATALOGUE if c.area == "chat"]
    begun = time.monotonic()
    results = run_over(Slow(), ["chat"], max_examples=3, run_timeout=1.0)
    assert time.monotonic() - begun < 30  # a bound only a hang would break
    assert [r.check.id for r in results.results] == chat_checks
    late = [r for r in results.results if r.message == "the run's time limit passed"]
    assert late and all(r.outcome == "skipped" for r in late)
    assert results.results[0].requests >= 1  # the run began before its time was up


def closed_port_url() -> str:
    with socket.socket() as taken:  # bound, then closed: nothing listens there any more
        taken.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{taken.getsockname()[1]}/v1"


def test_a_backend_that_is_down_still_gets_a_report_per_check(tmp_path: Path) -> None:
    url = closed_port_url()
    report = tmp_path / "down.json"
    command = ["contract", "--base-url", url, "--timeout", "2", "--only", "chat,models"]
    reports = ["--json", str(report), "--html", str(tmp_path / "down.html")]
    completed = subprocess.run(
        [sys.executable, "-m", "oai_mock.cli", *command, *reports],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 2
    assert completed.stderr.startswith(f"oai-mock: cannot reach {url}: ConnectError")
    written = json.loads(report.read_bytes())
    assert written["unreachable"].startswith(f"cannot reach {url}")
    assert written["skipped"] == len(written["results"]) > 10
    assert all(r["message"].startswith("not run: cannot reach") for r in written["results"])
    assert "cannot reach" in (tmp_path / "down.html").read_text()


def test_a_run_its_time_limit_cut_short_is_not_a_pass(tmp_path: Path) -> None:
    from served import ServedFake

    served = ServedFake(tmp_path / "serve.log", "--quiet")
    try:
        report = tmp_path / "cut.json"
        command = ["contract", "--base-url", served.url, "--only", "chat", "--json", str(report)]
        completed = subprocess.run(
            [sys.executable, "-m", "oai_mock.cli", *command, "--run-timeout", "0.001"],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        served.stop()
    written = json.loads(report.read_bytes())
    assert completed.returncode == 2, completed.stdout + completed.stderr
    assert written["failed"] == 0 and written["skipped"] == len(written["results"]) > 10
    assert f"before {written['skipped']} of {written['skipped']} checks" in completed.stderr


def test_an_allowance_stops_at_the_run_deadline() -> None:
    allowance = Allowance(Budget(10), 10, deadline=time.monotonic() - 1)
    try:
        allowance.take()
    except BudgetExhausted as exhausted:
        assert str(exhausted) == "the run's time limit passed"
    else:
        raise AssertionError("a request was allowed after the deadline")


def test_a_misbehaving_server_ends_within_its_time_with_a_report_per_check(
    tmp_path: Path,
) -> None:
    """A real server on 127.0.0.1 that hangs on chat, rate-limits embeddings for good and
    answers HTML to legacy completions: the command ends, no traceback, every check reported
    with what happened."""
    import asyncio
    import threading

    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import HTMLResponse, JSONResponse, Response
    from starlette.routing import Route

    async def models(request: Request) -> Response:
        return JSONResponse({"object": "list", "data": []})

    async def hang(request: Request) -> Response:
        await asyncio.sleep(3600)
        return Response()

    async def limited(request: Request) -> Response:
        return JSONResponse({"error": {"message": "slow down"}}, 429, {"retry-after": "0.1"})

    async def garbage(request: Request) -> Response:
        return HTMLResponse("<html><body>Welcome to nginx!</body></html>")

    app = Starlette(
        routes=[
            Route("/v1/models", models),
            Route("/v1/chat/completions", hang, methods=["POST"]),
            Route("/v1/embeddings", limited, methods=["POST"]),
            Route("/v1/completions", garbage, methods=["POST"]),
        ]
    )
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(200):  # bounded: up to 20 s to bind
        if server.started:
            break
        time.sleep(0.1)
    port = server.servers[0].sockets[0].getsockname()[1]
    report = tmp_path / "run.json"
    begun = time.monotonic()
    target = ["--base-url", f"http://127.0.0.1:{port}/v1", "--model", "gpt-4o-mini"]
    checks = ["--only", "chat.schema,chat.fields,embeddings.schema,completions.schema"]
    bounds = ["--timeout", "1", "--retries", "2", "--run-timeout", "30"]
    out = ["--json", str(report), "--quiet"]
    try:
        completed = subprocess.run(
            [sys.executable, "-m", "oai_mock.cli", "contract", *target, *checks, *bounds, *out],
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        server.should_exit = True
        thread.join(10)
    assert time.monotonic() - begun < 100  # a bound only a hang would break
    assert completed.returncode == 1 and "Traceback" not in completed.stderr, completed.stderr
    found = {r["id"]: r for r in json.loads(report.read_bytes())["results"]}
    assert set(found) == {"chat.schema", "chat.fields", "embeddings.schema", "completions.schema"}
    assert all(r["outcome"] == "failed" for r in found.values())
    assert "Timeout" in found["chat.schema"]["message"]
    assert "429" in found["embeddings.schema"]["message"]
    assert len(found["embeddings.schema"]["retries"]) == 2  # waited out twice, then reported
    assert "not JSON" in found["completions.schema"]["message"]
    assert "Welcome to nginx" in (found["completions.schema"]["response"] or "")
