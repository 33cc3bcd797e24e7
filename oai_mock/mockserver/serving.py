"""The uvicorn settings ``oai-mock serve`` and the live test server share.

One place, so that the throughput benchmark's bare-route baseline runs under the same settings and
its ratio measures the fake, not a difference in server configuration.
"""

from __future__ import annotations

from typing import Any


def uvicorn_options() -> dict[str, Any]:
    """Keyword arguments for ``uvicorn.Config`` besides the app, host and port."""
    return {"log_level": "warning", "access_log": False, "lifespan": "off"}
