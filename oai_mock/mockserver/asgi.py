"""The engine as a Starlette (ASGI) application: what ``oai-mock serve`` and the live test
server run under uvicorn.

>>> from oai_mock import OpenAIMock
>>> from oai_mock.mockserver.asgi import create_app
>>> app = create_app(OpenAIMock())
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Iterator
from urllib.parse import parse_qsl

import anyio
from starlette.applications import Starlette
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from oai_mock.mockserver.engine import OpenAIMock
from oai_mock.mockserver.messages import Disconnect, MockRequest, MockResponse, Pause, StreamItem

logger = logging.getLogger("oai_mock.serve")
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class ConnectionDropped(Exception):
    """Raised inside a response to make the server close the connection mid-answer."""


def create_app(mock: OpenAIMock, *, log_requests: bool = False) -> Starlette:
    return Starlette(
        routes=[Route("/{path:path}", MockEndpoint(mock, log_requests), methods=METHODS)]
    )


class MockEndpoint:
    """The ASGI endpoint that answers every path from the engine.

    A plain ASGI app rather than a request-response function (Starlette mounts an object, and
    wraps functions in its ``Request``/``Response`` cycle): it reads what it needs straight from
    the scope, which keeps the cost per request close to a bare route's."""

    def __init__(self, mock: OpenAIMock, log_requests: bool = False) -> None:
        self.mock = mock
        self.log_requests = log_requests

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        body = await _read_body(receive)
        if body is None:
            return  # the client left before sending its whole request: nobody to answer
        plain = plain_request(scope, body)
        answer = self.mock.handle(plain)
        scope.setdefault("state", {})["oai_mock_answer"] = answer  # for the dev server's journal
        if self.log_requests:
            # From the answer itself: the journal's last entry may be another request's.
            op = answer.operation_id or "-"
            elapsed = (time.perf_counter() - started) * 1000
            logger.info(
                "%s %s -> %d %s (%.1f ms)", plain.method, plain.path, answer.status, op, elapsed
            )
        if answer.delay:
            await anyio.sleep(answer.delay)
        await _send_answer(answer, scope, receive, send)


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


async def _read_body(receive: Receive) -> bytes | None:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)


async def _send_answer(answer: MockResponse, scope: Scope, receive: Receive, send: Send) -> None:
    headers = dict(answer.headers)
    media_type = headers.pop("content-type", None)
    if answer.dropped:
        dropped = StreamingResponse(_dropped(), status_code=answer.status, headers=headers)
        await dropped(scope, receive, send)
    elif answer.stream is not None:
        streamed = StreamingResponse(
            _chunks(answer.stream),
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


async def _chunks(items: Iterator[StreamItem]) -> AsyncIterator[bytes]:
    for item in items:
        if isinstance(item, Pause):
            await anyio.sleep(item.seconds)
        elif isinstance(item, Disconnect):
            raise ConnectionDropped("oai-mock dropped the connection as scripted")
        else:
            yield item


async def _dropped() -> AsyncIterator[bytes]:
    raise ConnectionDropped("oai-mock dropped the connection as scripted")
    yield b""  # pragma: no cover - makes this an async generator
