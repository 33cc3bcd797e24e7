"""respx routes that send matching httpx traffic to the engine, for code that builds its own
``httpx`` clients (openai 2.x included) and cannot be handed a transport.

>>> import httpx, respx
>>> from oai_mock import OpenAIMock
>>> from oai_mock.mockserver.respx_routes import route_to_mock
>>> with respx.mock(assert_all_called=False) as router:
...     _ = route_to_mock(router, OpenAIMock())
...     httpx.get("https://api.openai.com/v1/models").status_code
200
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx

from oai_mock.extras import require
from oai_mock.mockserver.engine import OpenAIMock
from oai_mock.mockserver.messages import Disconnect, Pause
from oai_mock.mockserver.transports import DROPPED, to_mock_request

if TYPE_CHECKING:
    import respx
else:
    respx = require("respx", "respx", "respx routes")

OPENAI_HOST = "api.openai.com"


def route_to_mock(router: respx.Router, mock: OpenAIMock, host: str = OPENAI_HOST) -> Any:
    """Add a route for every request to ``host`` (any scheme, any path) answered by ``mock``."""

    def answer(request: httpx.Request) -> httpx.Response:
        reply = mock.handle(to_mock_request(request, request.read()))
        if reply.dropped:
            raise httpx.RemoteProtocolError(DROPPED, request=request)
        if reply.stream is None:
            return httpx.Response(reply.status, headers=reply.headers, content=reply.body)
        # respx serves one byte stream to sync and async clients alike: the stream is
        # materialised, pauses are skipped, and a scripted drop becomes a protocol error.
        parts: list[bytes] = []
        for item in reply.stream:
            if isinstance(item, Disconnect):
                raise httpx.RemoteProtocolError(DROPPED, request=request)
            if not isinstance(item, Pause):
                parts.append(item)
        return httpx.Response(reply.status, headers=reply.headers, content=b"".join(parts))

    return router.route(host=host).mock(side_effect=answer)
