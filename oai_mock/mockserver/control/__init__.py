"""The control API and the inspector of ``oai-mock serve``, under the reserved prefix
``/__oai_mock/`` (no OpenAI path starts with it).

>>> from oai_mock import OpenAIMock
>>> from oai_mock.mockserver.control import ControlContext, control_app
>>> from oai_mock.mockserver.control.exchanges import ExchangeLog
>>> app = control_app(ControlContext(OpenAIMock(), ExchangeLog()))
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from oai_mock.mockserver.control.api import (
    PREFIX,
    ControlContext,
    control_routes,
    error_response,
    json_response,
)
from oai_mock.mockserver.control.inspector import inspector_routes
from oai_mock.mockserver.control.openapi import control_openapi
from oai_mock.mockserver.errors import APIError

__all__ = ["PREFIX", "ControlContext", "control_app", "is_control_path"]


def is_control_path(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def control_app(context: ControlContext) -> Starlette:
    document = json_response(control_openapi()).body

    async def openapi(request: Request) -> Response:
        return Response(document, media_type="application/json")

    async def unknown(request: Request) -> Response:
        return error_response(
            APIError(
                404,
                f"Invalid URL ({request.method} {request.url.path}): the control API's paths "
                f"are listed at {PREFIX}/openapi.json.",
            )
        )

    routes = [
        *control_routes(context),
        Route(PREFIX + "/openapi.json", openapi, methods=["GET"]),
        *inspector_routes(context),
        Route("/{path:path}", unknown, methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"]),
    ]
    return Starlette(routes=routes)
