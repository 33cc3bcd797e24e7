"""The engine as a Starlette (ASGI) application: what ``oai-mock serve`` and the live test
server run under uvicorn.

A request's engine work (validation, behaviours, synthesis) runs on the event loop when its
operation is known to answer quickly, else in a worker thread (see ``offload``), and each
stream's next chunks run in worker threads (at most ``WORKER_THREADS`` at once, a limiter of
the app's own), so a heavy request never holds up a light one on another connection. A body is
read up to its operation's limit and no further: a larger one is refused with 413 before it is
held in memory.

>>> from oai_mock import OpenAIMock
>>> from oai_mock.mockserver.asgi import create_app
>>> app = create_app(OpenAIMock())
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any
from urllib.parse import parse_qsl

import anyio
import anyio.to_thread
from starlette.applications import Starlette
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Message, Receive, Scope, Send

from oai_mock.mockserver import limits
from oai_mock.mockserver.body_reading import BodyDeadline, BodyTooLarge, read_body
from oai_mock.mockserver.engine import OpenAIMock
from oai_mock.mockserver.errors import APIError, unexpected_error
from oai_mock.mockserver.messages import Disconnect, MockRequest, MockResponse, Pause, WireItem
from oai_mock.mockserver.offload import Offload
from oai_mock.mockserver.origins import OriginGuard
from oai_mock.mockserver.serving import CUT_OFF

logger = logging.getLogger("oai_mock.serve")
WORKER_THREADS = 32
"""Requests whose engine work runs at once; more wait for a free worker (not the loop)."""
STREAM_BATCH = 64
"""Stream items taken per worker hop (a pause or a drop ends a batch early)."""


class ConnectionDropped(Exception):
    """Raised inside a response to make the server close the connection mid-answer."""


def create_app(
    mock: OpenAIMock,
    *,
    log_requests: bool = False,
    host: str | None = None,
    allowed_origins: Iterable[str] = (),
    body_timeout: float | None = None,
    send_timeout: float | None = None,
) -> Starlette:
    """``host``: the address the server binds; when given, requests naming another Host, and
    browser requests from origins not in ``allowed_origins``, get a 403 (see ``origins``).
    ``body_timeout``: seconds a request body may take to arrive (then a 408); ``send_timeout``:
    seconds a client may leave an answer unread (then it is cut off)."""
    endpoint = create_endpoint(
        mock,
        log_requests=log_requests,
        host=host,
        allowed_origins=allowed_origins,
        body_timeout=body_timeout,
        send_timeout=send_timeout,
    )
    # methods=None: an ASGI app mounted this way gets every method, so TRACE or an unknown
    # method is answered by the engine in OpenAI's envelope, not by Starlette in plain text.
    return Starlette(routes=[Route("/{path:path}", endpoint, methods=None)])


def create_endpoint(
    mock: OpenAIMock,
    *,
    log_requests: bool = False,
    host: str | None = None,
    allowed_origins: Iterable[str] = (),
    body_timeout: float | None = None,
    send_timeout: float | None = None,
) -> MockEndpoint:
    """The same fake as :func:`create_app`, as a bare ASGI app (no Starlette router and
    middleware around it): what ``oai-mock serve`` runs, where every request goes to it."""
    guard = None if host is None else OriginGuard(host, allowed_origins)
    return MockEndpoint(mock, log_requests, guard, body_timeout, send_timeout)


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
        send_timeout: float | None = None,
    ) -> None:
        self.mock = mock
        self.send_timeout = send_timeout
        self.log_requests = log_requests
        self.guard = guard
        self.body_timeout = body_timeout
        self.deadline = None if body_timeout is None else BodyDeadline(body_timeout)
        self.workers = anyio.CapacityLimiter(WORKER_THREADS)
        self.offload = Offload(self.workers)
        _quiet_expected_events()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await _not_http(scope, receive, send)
            return
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
        operation = self.mock.operation_at(plain.method, plain.path)
        limit = limits.body_limit(operation, self.mock.max_body_bytes)
        declared = plain.headers.get("content-length", "")
        try:
            if self.deadline is None:
                body = await read_body(receive, declared, limit)
            else:
                body = await self.deadline.read(receive, declared, limit)
        except TimeoutError:
            error = APIError(
                408,
                f"The request body did not arrive within {self.body_timeout} seconds.",
                code="timeout",
            )
            return _closing(self.mock.refuse(plain, error))
        except BodyTooLarge as refused:
            return _closing(self.mock.refuse(plain, limits.too_large(refused.size, refused.limit)))
        if body is None:
            logger.info("%s %s: the client left before sending its body", plain.method, plain.path)
            return None
        plain = MockRequest(plain.method, plain.path, plain.query, plain.headers, body)
        return await self.offload.run(self.mock.handle, plain, operation)


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


SEND_PART = 256 * 1024
"""Bytes of a large answer sent at a time: each part waits until the client has taken enough of
the one before (uvicorn's flow control), so a client that does not read holds one part in the
server's memory, not the whole answer."""


class ClientTooSlow(ConnectionDropped):
    """The client left an answer unread for longer than the send timeout: cut off."""


def _timed(send: Send, seconds: float | None, scope: Scope) -> Send:
    """``send``, giving up after ``seconds`` of waiting for a client that does not read (the
    scope is marked so that the server aborts the connection: see ``serving.CUT_OFF``). One
    timer handle per send, cancelled once it returns: a stream's chunks pay about a
    microsecond each for it (a cancel scope per send costs ten)."""
    if seconds is None:
        return send
    loop = asyncio.get_running_loop()
    fired = False

    def give_up(task: asyncio.Task[Any]) -> None:
        nonlocal fired
        fired = True
        task.cancel()

    async def timed_send(message: Message) -> None:
        # The task that sends: a streamed answer sends from a task of its own.
        task = asyncio.current_task()
        assert task is not None
        timer = loop.call_later(seconds, give_up, task)
        try:
            await send(message)
        except asyncio.CancelledError:
            if not fired:  # cancelled for another reason (the server stopping)
                raise
            uncancel = getattr(task, "uncancel", None)  # Python 3.11+
            if uncancel is not None:
                uncancel()
            scope[CUT_OFF] = True
            logger.info("a client left its answer unread for %g s: cut off", seconds)
            raise ClientTooSlow(f"the client read nothing for {seconds:g} s") from None
        finally:
            timer.cancel()

    return timed_send


async def _send_answer(
    answer: MockResponse, scope: Scope, receive: Receive, send: Send, endpoint: MockEndpoint
) -> None:
    if not answer.dropped and answer.events is None:
        try:  # encoded before anything is sent: a failure can still be answered as a 500
            body, head = answer.body, raw_head(answer)
        except Exception as error:
            answer = _unsendable(answer, error, scope)
            body, head = answer.body, raw_head(answer)
        if len(body) <= SEND_PART:  # fits the connection's buffer: sent at once, no timer
            await send({"type": "http.response.start", "status": answer.status, "headers": head})
            await send({"type": "http.response.body", "body": body})
            return
        send = _timed(send, endpoint.send_timeout, scope)
        await send({"type": "http.response.start", "status": answer.status, "headers": head})
        with memoryview(body) as view:
            for start in range(0, len(body), SEND_PART):
                part = bytes(view[start : start + SEND_PART])
                more = start + SEND_PART < len(body)
                await send({"type": "http.response.body", "body": part, "more_body": more})
        return
    send = _timed(send, endpoint.send_timeout, scope)
    headers = dict(answer.headers)
    media_type = headers.pop("content-type", None)
    if answer.dropped:
        dropped = StreamingResponse(_dropped(), status_code=answer.status, headers=headers)
        await dropped(scope, receive, send)
    elif answer.stream is not None:
        streamed = StreamingResponse(
            _chunks(answer.stream, endpoint.workers, answer.header("x-request-id") or "-"),
            status_code=answer.status,
            headers=headers,
            media_type=media_type,
        )
        await streamed(scope, receive, send)


def raw_head(answer: MockResponse) -> list[tuple[bytes, bytes]]:
    """The head of a plain (not streamed) answer as ASGI sends it: what Starlette's
    ``Response(body, status, headers, media_type)`` makes of it, without building one per
    request (the content type and length last, a text type given its charset)."""
    headers = dict(answer.headers)
    media_type = headers.pop("content-type", None)
    raw = [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in headers.items()]
    names = {name for name, _ in raw}
    status = answer.status
    if b"content-length" not in names and not (status < 200 or status in (204, 304)):
        raw.append((b"content-length", str(len(answer.body)).encode("latin-1")))
    if media_type is not None and b"content-type" not in names:
        if media_type.startswith("text/") and "charset=" not in media_type.lower():
            media_type += "; charset=utf-8"
        raw.append((b"content-type", media_type.encode("latin-1")))
    return raw


def _next_items(items: Iterator[WireItem]) -> list[WireItem]:
    """The stream's next items, up to ``STREAM_BATCH``, ending after a pause or a drop."""
    batch: list[WireItem] = []
    for item in items:
        batch.append(item)
        if not isinstance(item, bytes) or len(batch) >= STREAM_BATCH:
            break
    return batch


def _unsendable(answer: MockResponse, error: Exception, scope: Scope) -> MockResponse:
    """A 500 in OpenAI's shape for an answer that could not be encoded (a bug in the fake),
    its traceback logged with the answer's request id."""
    request_id = answer.header("x-request-id") or "-"
    request = MockRequest(scope["method"], scope["path"], (), {}, b"")
    failed = unexpected_error(error, request, request_id)
    failed.headers.append(("x-request-id", request_id))
    return failed


async def _chunks(
    items: Iterator[WireItem], workers: anyio.CapacityLimiter, request_id: str = "-"
) -> AsyncIterator[bytes]:
    while True:
        try:
            batch = await anyio.to_thread.run_sync(_next_items, items, limiter=workers)
        except Exception:  # a bug in the fake mid-stream: logged once, the connection closed
            logger.exception(
                "oai-mock failed in the middle of a stream (request id %s)", request_id
            )
            raise ConnectionDropped("oai-mock failed mid-stream") from None
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


async def _not_http(scope: Scope, receive: Receive, send: Send) -> None:
    """What Starlette's router does with what is not an HTTP request when mounted bare: a
    websocket is refused (closed), a lifespan is answered as supported."""
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1000})
    elif scope["type"] == "lifespan":
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await send({"type": "lifespan.shutdown.complete"})
                return


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
