"""A real server on a real port, in a background thread: for code that runs in a subprocess,
in another language, or through a proxy.

>>> import httpx
>>> from oai_mock import OpenAIMock
>>> from oai_mock.mockserver.live import LiveServer
>>> with LiveServer(OpenAIMock()) as server:
...     httpx.get(server.url + "/models").status_code
200
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from types import TracebackType

from oai_mock.extras import require

uvicorn = require("uvicorn", "server", "the live server")
require("starlette", "server", "the live server")

from oai_mock.mockserver.asgi import create_app  # noqa: E402  (after the extra's check)
from oai_mock.mockserver.engine import OpenAIMock  # noqa: E402
from oai_mock.mockserver.serving import DEFAULT_LIMITS, ServeLimits, server_config  # noqa: E402

STARTUP_TIMEOUT = 10.0


class LiveServer:
    """Serve ``mock`` with uvicorn on ``host`` (127.0.0.1) and a free port (``port=0``).

    ``url`` is the API base, ending in ``/v1``. Use it as a context manager, or call ``start``
    and ``stop``.
    """

    def __init__(
        self,
        mock: OpenAIMock,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        log_requests: bool = False,
        limits: ServeLimits = DEFAULT_LIMITS,
        allowed_origins: Iterable[str] = (),
    ) -> None:
        self.mock = mock
        self.host = host
        app = create_app(
            mock,
            log_requests=log_requests,
            host=host,
            allowed_origins=allowed_origins,
            body_timeout=limits.body_timeout,
            send_timeout=limits.send_timeout,
        )
        config = server_config(app, host, port, limits, timeout_graceful_shutdown=1)
        self._server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None
        self.port = port

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT``"""
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT/v1``: the base URL an OpenAI client takes."""
        return self.base_url + "/v1"

    def start(self) -> LiveServer:
        self._thread = threading.Thread(
            target=self._server.run, name="oai-mock-server", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"oai-mock could not start a server on {self.host}:{self.port}")
            time.sleep(0.01)
        for server in self._server.servers:
            for sock in server.sockets:
                self.port = sock.getsockname()[1]
                break
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> LiveServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
