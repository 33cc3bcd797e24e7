"""The uvicorn settings ``oai-mock serve`` and the live test server share.

One place, so that the throughput benchmark's bare-route baseline runs under the same settings and
its ratio measures the fake, not a difference in server configuration.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any


def uvicorn_options() -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config`` besides the app, host and port."""
    return {"log_level": "warning", "access_log": False, "lifespan": "off"}


def run_until_interrupted(
    app: Any, host: str, port: int, announce: Callable[[str, int], list[str]]
) -> None:
    """Serve ``app`` with uvicorn until Ctrl-C, printing ``announce(host, port)`` once the
    socket is bound (port 0 picks a free one: the line names the real port)."""
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, **uvicorn_options()))
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
