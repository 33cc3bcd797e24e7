"""The inspector: a page at ``/__oai_mock/`` that shows what the server answered, live.

The page and its assets ship inside the package (no CDN: it works offline) and hold no data;
everything it shows comes from the control API, with the server's key when one is set, and
from ``/__oai_mock/events``, a server-sent event stream of exchanges and changes.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from importlib import resources
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from oai_mock.mockserver.control.api import PREFIX, ControlContext, authorize, error_response
from oai_mock.mockserver.control.exchanges import Exchange
from oai_mock.mockserver.errors import APIError

ASSETS = {
    "inspector.html": "text/html; charset=utf-8",
    "inspector.css": "text/css; charset=utf-8",
    "inspector.js": "text/javascript; charset=utf-8",
}
KEEP_ALIVE_SECONDS = 15.0
QUEUE_LIMIT = 1000


def _asset(name: str) -> bytes:
    return (
        resources.files("oai_mock.mockserver.control")
        .joinpath("static")
        .joinpath(name)
        .read_bytes()
    )


def inspector_routes(context: ControlContext) -> list[Route]:
    async def page(request: Request) -> Response:
        return Response(_asset("inspector.html"), media_type=ASSETS["inspector.html"])

    async def asset(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in ASSETS:
            return error_response(APIError(404, f"No inspector asset {name!r}."))
        return Response(
            _asset(name), media_type=ASSETS[name], headers={"cache-control": "no-cache"}
        )

    async def events(request: Request) -> Response:
        try:
            authorize(request, context.key)
        except APIError as error:
            return error_response(error)
        return StreamingResponse(
            _event_stream(context),
            media_type="text/event-stream",
            headers={"cache-control": "no-cache", "x-accel-buffering": "no"},
        )

    return [
        Route(PREFIX, page, methods=["GET"]),
        Route(PREFIX + "/", page, methods=["GET"]),
        Route(PREFIX + "/static/{name}", asset, methods=["GET"]),
        Route(PREFIX + "/events", events, methods=["GET"]),
    ]


async def _event_stream(context: ControlContext) -> AsyncIterator[bytes]:
    """Each exchange as it starts and ends, and a note when rules, state or the clock change.
    Listeners may be called from other threads (a reloaded scenario file): the event loop
    takes the item over."""
    loop = asyncio.get_running_loop()
    queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(QUEUE_LIMIT)

    def put(item: dict[str, Any]) -> None:
        with contextlib.suppress(asyncio.QueueFull):  # a reader that stalls misses some
            queue.put_nowait(item)

    def listener(kind: str, exchange: Exchange | None) -> None:
        item = {"kind": kind, "exchange": exchange.summary() if exchange is not None else None}
        loop.call_soon_threadsafe(put, item)

    context.exchanges.listeners.append(listener)
    try:
        yield b"retry: 1000\n: connected\n\n"
        while True:
            try:
                item = await asyncio.wait_for(queue.get(), KEEP_ALIVE_SECONDS)
            except asyncio.TimeoutError:
                yield b": keep-alive\n\n"
                continue
            kind = "exchange" if item["kind"] == "exchange" else "changed"
            yield b"event: " + kind.encode() + b"\ndata: " + orjson.dumps(item) + b"\n\n"
    finally:
        context.exchanges.listeners.remove(listener)
