"""How uvicorn serves the fake (``oai-mock serve``, ``oai-mock record`` and ``LiveServer``): one
place for its settings, so that the throughput benchmark's bare-route baseline runs under the same
ones, and the timeouts and limits that keep idle, slow or numerous clients from holding the server.

- ``header_timeout`` (10 s): a connection must send a complete request head within this long
  of opening, or of its previous answer, or it is closed (uvicorn itself has no such limit:
  a client that sends a byte at a time would hold its connection for ever);
- ``body_timeout`` (60 s): a request body must arrive within this long, or the answer is
  OpenAI's 408;
- ``send_timeout`` (60 s): a client that stops reading an answer for this long is cut off (an
  answer is sent in parts, each waiting for the client to take the one before: a client that
  never reads holds a part, not the whole answer);
- ``keep_alive`` (5 s): an idle keep-alive connection is closed after this long;
- ``max_connections`` (1,000): connections beyond it get a 503 at once.

HTTP/1.1 is parsed by h11 (pure Python, the default) or, with ``http="httptools"``
(``oai-mock serve --http httptools``, after ``pip install "oai-mock[fast]"``), by httptools'
C parser on uvloop's event loop when it is installed: the same answers, about twice the
requests per second, with the same timeouts and limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol

from oai_mock.mockserver.errors import APIError

logger = logging.getLogger("oai_mock.serve")


@dataclass(frozen=True)
class ServeLimits:
    header_timeout: float = 10.0
    body_timeout: float = 60.0
    keep_alive: float = 5.0
    send_timeout: float = 60.0
    max_connections: int = 1000


DEFAULT_LIMITS = ServeLimits()


def server_config(
    app: Any, host: str, port: int, limits: ServeLimits, http: str = "h11", **options: Any
) -> uvicorn.Config:
    """A uvicorn configuration for ``app`` that applies ``limits``; ``http``: the HTTP/1.1
    parser, ``h11`` or ``httptools`` (see the module's note)."""
    base = _httptools_head_timeout() if http == "httptools" else _HeadTimeout

    class Protocol(base):  # type: ignore[valid-type,misc]
        header_timeout = limits.header_timeout
        max_connections = limits.max_connections

    # Ctrl-C ends open streams after a second instead of waiting for them to finish.
    options.setdefault("timeout_graceful_shutdown", 1)

    return uvicorn.Config(
        app,
        host=host,
        port=port,
        http=Protocol,
        timeout_keep_alive=max(1, round(limits.keep_alive)),
        **uvicorn_options(http),
        **options,
    )


def uvicorn_options(http: str = "h11") -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config`` besides the app, host, port, protocol and
    limits. The event loop is asyncio's with h11, whatever else is installed (so installing
    uvloop changes nothing unasked), and uvloop's with httptools when it is installed."""
    loop = "auto" if http == "httptools" else "asyncio"
    return {"log_level": "warning", "access_log": False, "lifespan": "off", "loop": loop}


def run_until_interrupted(
    app: Any,
    host: str,
    port: int,
    announce: Callable[[str, int], list[str]],
    limits: ServeLimits = DEFAULT_LIMITS,
) -> None:
    """Serve ``app`` with uvicorn until Ctrl-C, printing ``announce(host, port)`` once the
    socket is bound (port 0 picks a free one: the line names the real port)."""
    server = uvicorn.Server(server_config(app, host, port, limits))
    original_startup = server.startup

    async def startup(sockets: object = None) -> None:
        await original_startup(sockets=sockets)  # type: ignore[arg-type]
        for listener in server.servers:
            for sock in listener.sockets:
                bound_host, bound_port = sock.getsockname()[:2]
                for line in announce(bound_host, bound_port):
                    print(line, flush=True)
                return

    server.startup = startup  # type: ignore[method-assign]
    with contextlib.suppress(KeyboardInterrupt):
        server.run()


CUT_OFF = "oai_mock.cut_off"
"""Set in a request's scope by the app that gives up on a client that does not read: its
connection is then aborted, not closed (closing waits for the unread answer to be sent)."""


class _ClosingThrough:
    """A transport whose ``close`` is another function; everything else is the transport's."""

    def __init__(self, transport: asyncio.Transport, close: Callable[[], None]) -> None:
        self._transport = transport
        self.close = close

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


TOO_MANY_CONNECTIONS = (
    APIError(
        503,
        "oai-mock is serving as many connections as --max-connections allows; try again shortly.",
        type="server_error",
        code="too_many_connections",
    )
    .to_response()
    .body
)


async def _too_many_connections(scope: Any, receive: Any, send: Any) -> None:
    """What a connection over ``max_connections`` is answered: a 503 in OpenAI's shape, which
    the SDKs retry, and the connection closed."""
    if scope["type"] != "http":
        return
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(TOO_MANY_CONNECTIONS)).encode()),
        (b"retry-after", b"1"),
        (b"connection", b"close"),
    ]
    await send({"type": "http.response.start", "status": 503, "headers": headers})
    await send({"type": "http.response.body", "body": TOO_MANY_CONNECTIONS})


class _HeadTimer:
    """The head timeout both HTTP protocols share: a connection whose request head does not
    arrive in ``header_timeout`` seconds is closed. The protocol arms and disarms the timer.
    Both also abort, rather than close, a connection whose client the app cut off."""

    header_timeout = 10.0
    max_connections: int | None = None
    _head_timer: asyncio.TimerHandle | None = None
    connections: set[Any]
    app: Any
    loop: asyncio.AbstractEventLoop
    transport: asyncio.Transport

    def _connected(self) -> None:
        """What both protocols do once uvicorn has taken a connection."""
        self._limit_connections()
        self._abort_cut_off_clients()
        self._arm()

    def _limit_connections(self) -> None:
        """A connection beyond ``max_connections`` gets :func:`_too_many_connections` as its
        app (uvicorn's own limit answers in plain text)."""
        limit = self.max_connections
        if limit is not None and len(self.connections) > limit:
            logger.warning("more than %d connections: answering 503", limit)
            self.app = _too_many_connections

    def _abort_cut_off_clients(self) -> None:
        """uvicorn closes the connection of an answer the app gave up on; a close waits until
        the buffered answer has been sent, which a client that does not read never allows.
        When the app marked the exchange cut off, the connection is aborted instead."""
        transport = self.transport
        close = transport.close

        def close_or_abort() -> None:
            cycle = getattr(self, "cycle", None)
            scope = getattr(cycle, "scope", None) or {}
            if scope.get(CUT_OFF):
                # Reset, not a closing handshake: the kernel drops what it still holds for
                # the client instead of trying to deliver it for minutes.
                sock = transport.get_extra_info("socket")
                if sock is not None:
                    with contextlib.suppress(OSError):
                        sock.setsockopt(
                            socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                        )
                transport.abort()
            else:
                close()

        try:
            transport.close = close_or_abort  # type: ignore[method-assign]
        except AttributeError:  # a transport written in C (uvloop's) takes no new attribute
            self.transport = _ClosingThrough(transport, close_or_abort)  # type: ignore[assignment]

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.header_timeout, self._expire)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def _waiting_for_head(self) -> bool:
        return True

    def _expire(self) -> None:
        self._head_timer = None
        if self._waiting_for_head() and not self.transport.is_closing():
            self.transport.close()


class _HeadTimeout(_HeadTimer, H11Protocol):
    """uvicorn's h11 protocol, closing connections whose request head does not arrive in
    ``header_timeout`` seconds."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._connected()

    def handle_events(self) -> None:
        super().handle_events()
        if self.conn.their_state is not h11.IDLE:
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _waiting_for_head(self) -> bool:
        return self.conn.their_state is h11.IDLE


def _httptools_head_timeout() -> type:
    """uvicorn's httptools protocol with the same head timeout as :class:`_HeadTimeout`
    (imported only when asked for: httptools is an optional dependency)."""
    from oai_mock.extras import require

    require("httptools", "fast", "--http httptools")
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    class HttpToolsHeadTimeout(_HeadTimer, HttpToolsProtocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._connected()

        def on_headers_complete(self) -> None:
            self._disarm()
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            waiting = bool(self.pipeline)  # a pipelined request whose head has arrived
            super().on_response_complete()
            if not waiting:
                self._arm()

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HttpToolsHeadTimeout
