"""``oai-mock serve`` as a development server: the fake, its control API and inspector under
``/__oai_mock/``, a log line per exchange, a scenario file that can be watched, and a stop that
does not wait for streams nor print tracebacks.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import socket
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

from oai_mock import __version__
from oai_mock.mockserver.asgi import create_endpoint
from oai_mock.mockserver.control import PREFIX, ControlContext, control_app, is_control_path
from oai_mock.mockserver.control.exchanges import (
    ASGIApp,
    Exchange,
    ExchangeLog,
    ExchangeRecorder,
    Message,
    Receive,
    Scope,
    Send,
)
from oai_mock.mockserver.engine import OpenAIMock
from oai_mock.mockserver.origins import GuardedApp, OriginGuard
from oai_mock.mockserver.scenario import Rule
from oai_mock.mockserver.serve_logging import ExchangeLogger
from oai_mock.mockserver.serve_options import check_http, check_port
from oai_mock.mockserver.serving import DEFAULT_LIMITS, server_config

STOPPING_MESSAGE = (
    b'{"error":{"message":"oai-mock is stopping.","type":"server_error","param":null,"code":null}}'
)


def bind(host: str, port: int) -> socket.socket:
    """A socket bound to host:port, or OSError with a reason a person can act on."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as error:
        raise OSError(f"cannot listen on {host}:{port}: unknown host ({error.strerror})") from None
    sock = socket.socket(family, kind, proto)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind(address)
    except OSError as error:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {error.strerror or error}") from None
    sock.set_inheritable(True)
    return sock


class DevServerApp:
    """The dev server's one ASGI app: requests under the control prefix go to the control API,
    the rest to the (recorded) fake; and when the server stops, every in-flight exchange ends:
    a stream is closed where it is (the client sees it end), a request not yet answered gets a
    503. Without that the server would wait for the slowest stream before exiting.

    In-flight exchanges are the tasks running them, cancelled by ``stop``: a set of tasks costs
    a request less than a cancel scope of its own."""

    def __init__(self, control: ASGIApp, api: ASGIApp) -> None:
        self.control = control
        self.api = api
        self.stopping = False
        self._running: set[asyncio.Task[Any]] = set()
        self._stopped: set[asyncio.Task[Any]] = set()

    def stop(self) -> None:
        self.stopping = True
        for task in list(self._running):
            self._stopped.add(task)
            task.cancel()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.api(scope, receive, send)
            return
        app = self.control if is_control_path(scope["path"]) else self.api
        task = asyncio.current_task()
        assert task is not None
        watched = _Progress(send)
        self._running.add(task)
        if self.stopping:  # arrived as the server stops: answered at its first wait
            self._stopped.add(task)
            task.cancel()
        try:
            await app(scope, receive, watched.send)
        except asyncio.CancelledError:
            if task not in self._stopped:
                raise
            uncancel = getattr(task, "uncancel", None)  # Python 3.11+
            if uncancel is not None:
                uncancel()
        else:
            return
        finally:
            self._running.discard(task)
            self._stopped.discard(task)
        if watched.ended:
            return
        with contextlib.suppress(OSError):
            if watched.started:
                await send({"type": "http.response.body", "body": b"", "more_body": False})
            else:
                await send(
                    {
                        "type": "http.response.start",
                        "status": 503,
                        "headers": [(b"content-type", b"application/json")],
                    }
                )
                await send({"type": "http.response.body", "body": STOPPING_MESSAGE})


class _Progress:
    """How far an exchange's answer got: its head sent, its last body part sent."""

    __slots__ = ("_send", "ended", "started")

    def __init__(self, send: Send) -> None:
        self._send = send
        self.started = False
        self.ended = False

    async def send(self, message: Message) -> None:
        kind = message["type"]
        if kind == "http.response.start":
            self.started = True
        elif kind == "http.response.body" and not message.get("more_body"):
            self.ended = True
        await self._send(message)


class _HideScriptedDrops(logging.Filter):
    """A connection dropped on purpose (a scripted fault) is not a server error: the exchange's
    own log line says it was dropped."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        return type(error).__name__ != "ConnectionDropped"


def serve_app(
    mock: OpenAIMock,
    context: ControlContext,
    *,
    host: str,
    allowed_origins: Sequence[str] = (),
    body_timeout: float | None = DEFAULT_LIMITS.body_timeout,
    send_timeout: float | None = DEFAULT_LIMITS.send_timeout,
    on_end: Callable[[Exchange], None] | None = None,
) -> DevServerApp:
    """The app ``oai-mock serve`` runs: the fake, each exchange recorded in the context's
    exchange log, and the control API; both answer only requests for ``host`` and browsers of
    ``allowed_origins``."""
    api = create_endpoint(
        mock,
        host=host,
        allowed_origins=allowed_origins,
        body_timeout=body_timeout,
        send_timeout=send_timeout,
    )
    fake = ExchangeRecorder(api, context.exchanges, on_end=on_end)
    # The control API is guarded like the fake (Host and Origin: no DNS rebinding).
    control = GuardedApp(control_app(context), OriginGuard(host, allowed_origins))
    return DevServerApp(control, fake)


def run(
    mock: OpenAIMock,
    args: argparse.Namespace,
    file_rules: Sequence[Rule] = (),
    key: str | None = None,
) -> int:
    """Serve ``mock`` until Ctrl-C; the exit code."""
    import uvicorn

    http = getattr(args, "http", "h11")
    problem = check_port(args.port) or check_http(http)
    if problem is not None:
        print(f"oai-mock: {problem}", file=sys.stderr)
        return 2
    try:
        sock = bind(args.host, args.port)
    except OSError as error:
        print(f"oai-mock: {error}", file=sys.stderr)
        return 2

    logging.getLogger("uvicorn.error").addFilter(_HideScriptedDrops())
    exchanges = ExchangeLog(args.journal_limit)
    last_good = {"rules": list(file_rules)}
    context = ControlContext(mock, exchanges, key=key, file_rules=lambda: last_good["rules"])
    on_end = None if args.quiet else ExchangeLogger(args.log_format, args.log_bodies)
    limits = getattr(args, "serve_limits", DEFAULT_LIMITS)
    app = serve_app(
        mock,
        context,
        host=args.host,
        allowed_origins=getattr(args, "allow_origin", ()),
        body_timeout=limits.body_timeout,
        send_timeout=limits.send_timeout,
        on_end=on_end,
    )

    watcher = None
    if args.watch and args.scenario:
        from oai_mock.mockserver.scenario_watch import ScenarioWatcher

        source = str(Path(args.scenario))

        def reloaded() -> None:
            last_good["rules"] = [r for r in mock.scenario.rules() if r.source == source]
            exchanges.notify("rules")

        def timing_update(value: Any) -> Callable[[], None]:
            from oai_mock.mockserver.timing import Timing

            where = f"{source}: timing"
            timing = None if value is None else Timing.from_value(value, where, seed=args.seed)

            def apply() -> None:
                mock.timing = timing

            return apply

        watcher = ScenarioWatcher(
            args.scenario,
            mock.scenario,
            report=lambda line: print(line, file=sys.stderr, flush=True),
            on_reload=reloaded,
            # --timing on the command line wins over the file's, as at start-up.
            timing=None if getattr(args, "timing", None) else timing_update,
        )

    config = server_config(app, args.host, args.port, limits, http)
    server = uvicorn.Server(config)
    original_startup, original_shutdown = server.startup, server.shutdown

    async def startup(sockets: list[socket.socket] | None = None) -> None:
        await original_startup(sockets=sockets)
        host, port = sock.getsockname()[:2]
        base = f"http://{host}:{port}"
        print(f"oai-mock {__version__} serving the OpenAI API at {base}/v1", flush=True)
        print(f"control API and inspector at {base}{PREFIX}/", flush=True)
        print("press Ctrl-C to stop", flush=True)

    async def shutdown(sockets: list[socket.socket] | None = None) -> None:
        app.stop()
        await original_shutdown(sockets=sockets)

    server.startup = startup  # type: ignore[method-assign]
    server.shutdown = shutdown  # type: ignore[method-assign]
    if watcher is not None:
        watcher.start()
    stopped = False
    try:
        with contextlib.suppress(KeyboardInterrupt):
            server.run(sockets=[sock])
        stopped = True
    finally:
        with _ctrl_c_ignored():  # pressed again while stopping: the stop still ends cleanly
            if watcher is not None:
                watcher.stop()
            sock.close()
            if stopped:
                print("oai-mock stopped", flush=True)
    return 0


@contextlib.contextmanager
def _ctrl_c_ignored() -> Iterator[None]:
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
