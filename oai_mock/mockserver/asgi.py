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
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from oai_mock.mockserver import limits
from oai_mock.mockserver.engine import OpenAIMock
from oai_mock.mockserver.errors import APIError
from oai_mock.mockserver.messages import Disconnect, MockRequest, MockResponse, Pause, StreamItem
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
    workers = anyio.CapacityLimiter(WORKER_THREADS)
    guard = None if host is None else OriginGuard(host, allowed_origins)
    _quiet_expected_events()

    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        path = request.url.path
        cors: list[tuple[str, str]] = []
        if guard is not None:
            refusal = guard.refusal(request.headers)
            if refusal is not None:
                return await _respond(mock.refuse(_plain(request, b""), refusal), workers)
            cors = guard.cors_headers(request.headers)
            if cors and request.method == "OPTIONS":  # a browser's preflight
                return Response(status_code=204, headers=dict(cors))
        try:
            with anyio.fail_after(body_timeout):
                body = await _read_body(request, mock.body_limit(request.method, path))
        except TimeoutError:
            error = APIError(
                408,
                f"The request body did not arrive within {body_timeout} seconds.",
                code="timeout",
            )
            answer = mock.refuse(_plain(request, b""), error)
            answer.headers.append(("connection", "close"))
        except ClientDisconnect:
            logger.info(
                "%s %s: the client disconnected before sending its body", request.method, path
            )
            return Response(status_code=499)  # never reaches anyone: the client is gone
        except _BodyTooLarge as refused:
            error = limits.too_large(refused.size, refused.limit)
            answer = mock.refuse(_plain(request, b""), error)
            answer.headers.append(("connection", "close"))
        else:
            plain = _plain(request, body)
            answer = await anyio.to_thread.run_sync(mock.handle, plain, limiter=workers)
        if log_requests:
            # From the answer itself: the journal's last entry may be another request's.
            op = answer.operation_id or "-"
            elapsed = (time.perf_counter() - started) * 1000
            logger.info(
                "%s %s -> %d %s (%.1f ms)", request.method, path, answer.status, op, elapsed
            )
        answer.headers.extend(cors)
        return await _respond(answer, workers)

    return Starlette(routes=[Route("/{path:path}", _EveryMethod(endpoint))])


class _EveryMethod:
    """The endpoint as a plain ASGI app, so that the route passes every method to the engine
    (which answers TRACE or an unknown method in OpenAI's envelope, not Starlette's text)."""

    def __init__(self, endpoint: Callable[[Request], Awaitable[Response]]) -> None:
        self.endpoint = endpoint

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = await self.endpoint(Request(scope, receive))
        await response(scope, receive, send)


def _plain(request: Request, body: bytes) -> MockRequest:
    return MockRequest(
        method=request.method,
        path=request.url.path,
        query=tuple(request.query_params.multi_items()),
        headers={k.lower(): v for k, v in request.headers.items()},
        body=body,
    )


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise _BodyTooLarge(int(declared), limit)
    parts: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _BodyTooLarge(size, limit)
        parts.append(chunk)
    return b"".join(parts)


async def _respond(answer: MockResponse, workers: anyio.CapacityLimiter) -> Response:
    if answer.delay:
        await anyio.sleep(answer.delay)
    headers = dict(answer.headers)
    media_type = headers.pop("content-type", None)
    if answer.dropped:
        return StreamingResponse(_dropped(), status_code=answer.status, headers=headers)
    if answer.stream is not None:
        return StreamingResponse(
            _chunks(answer.stream, workers),
            status_code=answer.status,
            headers=headers,
            media_type=media_type,
        )
    return Response(answer.body, status_code=answer.status, headers=headers, media_type=media_type)


def _next_items(items: Iterator[StreamItem]) -> list[StreamItem]:
    """The stream's next items, up to ``STREAM_BATCH``, ending after a pause or a drop."""
    batch: list[StreamItem] = []
    for item in items:
        batch.append(item)
        if not isinstance(item, bytes) or len(batch) >= STREAM_BATCH:
            break
    return batch


async def _chunks(
    items: Iterator[StreamItem], workers: anyio.CapacityLimiter
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
