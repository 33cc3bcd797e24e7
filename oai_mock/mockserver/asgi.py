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

import anyio
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from oai_mock.mockserver.engine import OpenAIMock
from oai_mock.mockserver.messages import Disconnect, MockRequest, Pause, StreamItem

logger = logging.getLogger("oai_mock.serve")
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class ConnectionDropped(Exception):
    """Raised inside a response to make the server close the connection mid-answer."""


def create_app(mock: OpenAIMock, *, log_requests: bool = False) -> Starlette:
    async def endpoint(request: Request) -> Response:
        started = time.perf_counter()
        body = await request.body()
        plain = MockRequest(
            method=request.method,
            path=request.url.path,
            query=tuple(request.query_params.multi_items()),
            headers={k.lower(): v for k, v in request.headers.items()},
            body=body,
        )
        answer = mock.handle(plain)
        request.state.oai_mock_answer = answer  # read by the dev server's exchange recorder
        if log_requests:
            # From the answer itself: the journal's last entry may be another request's.
            op = answer.operation_id or "-"
            elapsed = (time.perf_counter() - started) * 1000
            logger.info(
                "%s %s -> %d %s (%.1f ms)",
                request.method,
                request.url.path,
                answer.status,
                op,
                elapsed,
            )
        if answer.delay:
            await anyio.sleep(answer.delay)
        headers = dict(answer.headers)
        media_type = headers.pop("content-type", None)
        if answer.dropped:
            return StreamingResponse(_dropped(), status_code=answer.status, headers=headers)
        if answer.stream is not None:
            return StreamingResponse(
                _chunks(answer.stream),
                status_code=answer.status,
                headers=headers,
                media_type=media_type,
            )
        return Response(
            answer.body, status_code=answer.status, headers=headers, media_type=media_type
        )

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=METHODS)])


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
