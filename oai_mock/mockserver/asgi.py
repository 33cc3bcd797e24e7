"""The engine as a Starlette (ASGI) application: what ``oai-mock serve`` and the live test
server run under uvicorn.

The event loop only moves bytes: each request's engine work (validation, behaviours, synthesis)
and each stream's next chunks run in worker threads (at most ``WORKER_THREADS`` at once, a
limiter of the app's own), so a heavy request never holds up a light one on another connection.
A body is read up to its operation's limit and no further: a larger one is refused with 413
before it is held in memory.

>>> from oai_mock import OpenAIMock
>>> from oai_mock.mockserver.asgi import create_app
>>> app = create_app(OpenAIMock())
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from urllib.parse import parse_qsl

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from oai_mock.mockserver import limits
from oai_mock.mockserver.engine import OpenAIMock
from oai_mock.mockserver.errors import APIError
from oai_mock.mockserver.messages import Disconnect, MockRequest, MockResponse, Pause, WireItem
from oai_mock.mockserver.origins import OriginGuard

logger = logging.getLogger("oai_mock.serve")
WORKER_THREADS = 32
"""Requests whose engine work runs at once; more wait for a free worker (not the loop)."""
STREAM_BATCH = 64
"""Stream items taken per worker hop (a pause or a drop ends a batch early)."""


class ConnectionDropped(Exception):
    """Raised inside a response to make the server close the connection mid-answer."""


class _BodyTooLarge(Exception):
    def __init__(self, size: int, limit: int) -> None:
        self.size, self.limit = size, limit


def create_app(
    mock: OpenAIMock,
    *,
    log_requests: bool = False,
    host: str | None = None,
    allowed_origins: Iterable[str] = (),
    body_timeout: float | None = None,
) -> Starlette:
    """``host``: the address the server binds; when given, requests naming another Host, and
    browser requests from origins not in ``allowed_origins``, get a 403 (see ``origins``).
    ``body_timeout``: seconds a request body may take to arrive (then a 408)."""
    guard = None if host is None else OriginGuard(host, allowed_origins)
    endpoint = MockEndpoint(mock, log_requests, guard, body_timeout)
    # methods=None: an ASGI app mounted this way gets every method, so TRACE or an unknown
    # method is answered by the engine in OpenAI's envelope, not by Starlette in plain text.
    return Starlette(routes=[Route("/{path:path}", endpoint, methods=None)])


class MockEndpoint:
    """The ASGI endpoint that answers every path from the engine.

    A plain ASGI app rather than a request-response function (Starlette mounts an object, and
    wraps functions in its ``Request``/``Response`` cycle): it reads what it needs straight from
    the scope, which keeps the cost per request close to a bare route's."""

    def __init__(
        self,
        mock: OpenAIMock,
        log_requests: bool = False,
        guard: OriginGuard | None = None,
        body_timeout: float | None = None,
    ) -> None:
        self.mock = mock
        self.log_requests = log_requests
        self.guard = guard
        self.body_timeout = body_timeout
        self.workers = anyio.CapacityLimiter(WORKER_THREADS)
        _quiet_expected_events()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        plain = plain_request(scope, b"")
        cors: list[tuple[str, str]] = []
        if self.guard is not None:
            refusal = self.guard.refusal(plain.headers)
            if refusal is not None:
                await _send_answer(self.mock.refuse(plain, refusal), scope, receive, send, self)
                return
            cors = self.guard.cors_headers(plain.headers)
            if cors and plain.method == "OPTIONS":  # a browser's preflight
                await Response(status_code=204, headers=dict(cors))(scope, receive, send)
                return
        answer = await self._answer(plain, receive)
        if answer is None:
            return  # the client left before sending its whole request: nobody to answer
        scope.setdefault("state", {})["oai_mock_answer"] = answer  # for the dev server's journal
        if self.log_requests:
            # From the answer itself: the journal's last entry may be another request's.
            op = answer.operation_id or "-"
            elapsed = (time.perf_counter() - started) * 1000
            logger.info(
                "%s %s -> %d %s (%.1f ms)", plain.method, plain.path, answer.status, op, elapsed
            )
        answer.headers.extend(cors)
        if answer.delay:
            await anyio.sleep(answer.delay)
        await _send_answer(answer, scope, receive, send, self)

    async def _answer(self, plain: MockRequest, receive: Receive) -> MockResponse | None:
        limit = self.mock.body_limit(plain.method, plain.path)
        try:
            with anyio.fail_after(self.body_timeout):
                body = await _read_body(receive, plain.headers.get("content-length", ""), limit)
        except TimeoutError:
            error = APIError(
                408,
                f"The request body did not arrive within {self.body_timeout} seconds.",
                code="timeout",
            )
            return _closing(self.mock.refuse(plain, error))
        except _BodyTooLarge as refused:
            return _closing(self.mock.refuse(plain, limits.too_large(refused.size, refused.limit)))
        if body is None:
            logger.info("%s %s: the client left before sending its body", plain.method, plain.path)
            return None
        plain = MockRequest(plain.method, plain.path, plain.query, plain.headers, body)
        return await anyio.to_thread.run_sync(self.mock.handle, plain, limiter=self.workers)


def _closing(answer: MockResponse) -> MockResponse:
    answer.headers.append(("connection", "close"))
    return answer


def plain_request(scope: Scope, body: bytes) -> MockRequest:
    """The engine's request from an ASGI scope: the same path, query and headers Starlette's
    ``Request`` gives (``request.url.path``, ``query_params.multi_items()``, ``headers``)."""
    path: str = scope["path"].replace("?", "%3F").replace("#", "%23").replace("\\", "%5C")
    query_string: bytes = scope.get("query_string", b"")
    query = (
        tuple(parse_qsl(query_string.decode("latin-1"), keep_blank_values=True))
        if query_string
        else ()
    )
    headers = {
        name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]
    }
    return MockRequest(method=scope["method"], path=path, query=query, headers=headers, body=body)


async def _read_body(receive: Receive, declared: str, limit: int) -> bytes | None:
    """The body, read no further than ``limit`` bytes (None when the client left)."""
    if declared.isdigit() and int(declared) > limit:
        raise _BodyTooLarge(int(declared), limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge(size, limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send_answer(
    answer: MockResponse, scope: Scope, receive: Receive, send: Send, endpoint: MockEndpoint
) -> None:
    headers = dict(answer.headers)
    media_type = headers.pop("content-type", None)
    if answer.dropped:
        dropped = StreamingResponse(_dropped(), status_code=answer.status, headers=headers)
        await dropped(scope, receive, send)
    elif answer.stream is not None:
        streamed = StreamingResponse(
            _chunks(answer.stream, endpoint.workers),
            status_code=answer.status,
            headers=headers,
            media_type=media_type,
        )
        await streamed(scope, receive, send)
    else:
        plain = Response(
            answer.body, status_code=answer.status, headers=headers, media_type=media_type
        )
        await send(
            {
                "type": "http.response.start",
                "status": plain.status_code,
                "headers": plain.raw_headers,
            }
        )
        await send({"type": "http.response.body", "body": plain.body})


def _next_items(items: Iterator[WireItem]) -> list[WireItem]:
    """The stream's next items, up to ``STREAM_BATCH``, ending after a pause or a drop."""
    batch: list[WireItem] = []
    for item in items:
        batch.append(item)
        if not isinstance(item, bytes) or len(batch) >= STREAM_BATCH:
            break
    return batch


async def _chunks(
    items: Iterator[WireItem], workers: anyio.CapacityLimiter
) -> AsyncIterator[bytes]:
    while True:
        batch = await anyio.to_thread.run_sync(_next_items, items, limiter=workers)
        if not batch:
            return
        for item in batch:
            if isinstance(item, Pause):
                await anyio.sleep(item.seconds)
            elif isinstance(item, Disconnect):
                logger.info("oai-mock dropped the connection mid-answer, as scripted")
                raise ConnectionDropped("oai-mock dropped the connection as scripted")
            else:
                yield item


async def _dropped() -> AsyncIterator[bytes]:
    logger.info("oai-mock dropped the connection, as scripted")
    raise ConnectionDropped("oai-mock dropped the connection as scripted")
    yield b""  # pragma: no cover - makes this an async generator


class _ExpectedEvents(logging.Filter):
    """Keeps the server's traceback for a scripted drop out of the log: the drop is logged in
    one line where it happens."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not (record.exc_info and _is_drop(record.exc_info[1]))


def _is_drop(error: BaseException | None) -> bool:
    inner = getattr(error, "exceptions", None)  # an exception group from the server's tasks
    if inner:
        return all(_is_drop(e) for e in inner)
    return isinstance(error, ConnectionDropped)


def _quiet_expected_events() -> None:
    server_log = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _ExpectedEvents) for f in server_log.filters):
        server_log.addFilter(_ExpectedEvents())
