"""DNS-rebinding and cross-site protection for a served fake: the Host a request names must be
the address the server is bound to (or a loopback name for it), and a browser's Origin must be
the fake itself or one the user allowed (``--allow-origin``). CORS headers are sent only for
allowed origins; by default none are.

A web page the developer visits cannot reach the local fake by pointing its own domain name at
127.0.0.1 (its requests name that domain in Host), nor read answers from another origin.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

import orjson
from starlette.types import ASGIApp, Receive, Scope, Send

from oai_mock.mockserver.errors import APIError

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1", "[::1]"})
ANY_HOST = frozenset({"0.0.0.0", "::", ""})


class OriginGuard:
    """``host``: the address the server binds; ``allowed_origins``: browser origins (like
    ``http://localhost:3000``) that may call the fake, ``*`` for any."""

    def __init__(self, host: str, allowed_origins: Iterable[str] = ()) -> None:
        self.host = host
        self.allowed_origins = frozenset(o.rstrip("/") for o in allowed_origins)
        self.hosts = None if host in ANY_HOST else {host.lower(), *LOOPBACK_NAMES}
        """Host names a request may name; None when bound to every address (the user chose to
        expose the fake; names are then not checked)."""

    def refusal(self, headers: Mapping[str, str]) -> APIError | None:
        """OpenAI's 403 envelope for a request from an unexpected host or origin; else None."""
        if self.hosts is not None:
            name = _hostname(headers.get("host", ""))
            if name not in self.hosts:
                return APIError(
                    403,
                    f"oai-mock does not answer requests for host '{name}': it serves "
                    f"{self.host}. (This protects the local server from DNS rebinding.)",
                    code="host_not_allowed",
                )
        origin = headers.get("origin")
        if origin is not None and not self.allows(origin, headers):
            return APIError(
                403,
                f"oai-mock does not answer browser requests from origin '{origin}'; start it "
                "with --allow-origin to allow one.",
                code="origin_not_allowed",
            )
        return None

    def allows(self, origin: str, headers: Mapping[str, str]) -> bool:
        origin = origin.rstrip("/")
        if "*" in self.allowed_origins or origin in self.allowed_origins:
            return True
        # The fake's own pages (same origin as the request) are always allowed.
        return _hostname(urlsplit(origin).netloc) == _hostname(headers.get("host", "")) != ""

    def cors_headers(self, headers: Mapping[str, str]) -> list[tuple[str, str]]:
        """The CORS answer headers for an allowed cross-origin request (none otherwise)."""
        origin = headers.get("origin")
        if origin is None or not self.allowed_origins or not self.allows(origin, headers):
            return []
        return [
            ("access-control-allow-origin", origin),
            ("access-control-allow-headers", headers.get("access-control-request-headers", "*")),
            ("access-control-allow-methods", "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS"),
            ("access-control-expose-headers", "*"),
            ("vary", "Origin"),
        ]


def _hostname(netloc: str) -> str:
    netloc = netloc.strip().lower()
    if netloc.startswith("["):
        return netloc[: netloc.find("]") + 1]
    return netloc.rsplit(":", 1)[0] if netloc.count(":") == 1 else netloc


class GuardedApp:
    """An ASGI app (the control API) behind an :class:`OriginGuard`: refused requests get the
    guard's 403 envelope and never reach it."""

    def __init__(self, app: ASGIApp, guard: OriginGuard) -> None:
        self.app = app
        self.guard = guard

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {
                k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]
            }
            refusal = self.guard.refusal(headers)
            if refusal is not None:
                body = orjson.dumps(refusal.body())
                await send(
                    {
                        "type": "http.response.start",
                        "status": refusal.status,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)
