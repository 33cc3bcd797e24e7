"""In-process transports: an ``httpx`` (or ``httpx2``) client talks to the engine with no socket.

>>> import httpx
>>> from oai_mock import OpenAIMock
>>> from oai_mock.mockserver.transports import MockTransport
>>> client = httpx.Client(transport=MockTransport(OpenAIMock()), base_url="http://mock/v1")
>>> client.get("/models").json()["object"]
'list'

The official ``openai`` package uses httpx before 3.0 and httpx2 from 3.0 on; ``for_httpx2``
builds the same transports for httpx2::

    transport = for_httpx2(mock).sync()      # openai.OpenAI(http_client=httpx2.Client(...))
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Iterator
from types import ModuleType
from typing import Any

import anyio
import httpx

from oai_mock.mockserver.messages import Disconnect, MockRequest, MockResponse, Pause

DROPPED = "peer closed connection without sending complete message body (oai-mock fault)"


def to_mock_request(request: Any, body: bytes) -> MockRequest:
    """An httpx or httpx2 request as the engine's plain request."""
    url = request.url
    # Most API calls have no query string; parsing an empty one still builds QueryParams.
    query = tuple(url.params.multi_items()) if url.query else ()
    return MockRequest(
        method=request.method,
        path=url.path,
        query=query,
        # httpx's items() already gives lower-case names, repeated headers joined.
        headers=dict(request.headers.items()),
        body=body,
    )


def _read_timeout(request: Any) -> float | None:
    timeout = request.extensions.get("timeout") or {}
    value = timeout.get("read")
    return float(value) if value is not None else None


class _Adapter:
    """The pieces that differ between httpx and httpx2: the module and its exceptions."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module

    def response(self, answer: MockResponse, request: Any, stream: Any) -> Any:
        headers = list(answer.headers)
        if answer.stream is None:
            return self.module.Response(
                answer.status, headers=headers, content=answer.body, request=request
            )
        return self.module.Response(answer.status, headers=headers, stream=stream, request=request)

    def dropped(self, request: Any) -> Exception:
        error: Exception = self.module.RemoteProtocolError(DROPPED, request=request)
        return error

    def timed_out(self, request: Any) -> Exception:
        error: Exception = self.module.ReadTimeout("timed out (oai-mock delay)", request=request)
        return error


def _sync_transport_class(adapter: _Adapter) -> type:
    module = adapter.module

    class SyncStream(module.SyncByteStream):  # type: ignore[misc, name-defined]
        def __init__(self, items: Iterator[bytes | Pause | Disconnect], request: Any) -> None:
            self._items = items
            self._request = request

        def __iter__(self) -> Iterator[bytes]:
            limit = _read_timeout(self._request)
            for item in self._items:
                if isinstance(item, Pause):
                    # A gap between chunks longer than the read timeout times out, as it
                    # does on a socket.
                    if limit is not None and item.seconds > limit:
                        time.sleep(limit)
                        raise adapter.timed_out(self._request)
                    time.sleep(item.seconds)
                elif isinstance(item, Disconnect):
                    raise adapter.dropped(self._request)
                else:
                    yield item

        def close(self) -> None:
            close = getattr(self._items, "close", None)
            if close is not None:
                close()

    class Transport(module.BaseTransport):  # type: ignore[misc, name-defined]
        def __init__(self, mock: Any) -> None:
            self.mock = mock

        def handle_request(self, request: Any) -> Any:
            answer = self.mock.handle(to_mock_request(request, request.read()))
            if answer.delay:
                limit = _read_timeout(request)
                if limit is not None and answer.delay > limit:
                    time.sleep(limit)
                    raise adapter.timed_out(request)
                time.sleep(answer.delay)
            if answer.dropped:
                raise adapter.dropped(request)
            stream = SyncStream(answer.stream, request) if answer.stream is not None else None
            return adapter.response(answer, request, stream)

    Transport.__name__ = "MockTransport"
    Transport.__qualname__ = "MockTransport"
    return Transport


def _async_transport_class(adapter: _Adapter) -> type:
    module = adapter.module

    class AsyncStream(module.AsyncByteStream):  # type: ignore[misc, name-defined]
        def __init__(self, items: Iterator[bytes | Pause | Disconnect], request: Any) -> None:
            self._items = items
            self._request = request

        async def __aiter__(self) -> AsyncIterator[bytes]:
            limit = _read_timeout(self._request)
            for item in self._items:
                if isinstance(item, Pause):
                    if limit is not None and item.seconds > limit:
                        await anyio.sleep(limit)
                        raise adapter.timed_out(self._request)
                    await anyio.sleep(item.seconds)
                elif isinstance(item, Disconnect):
                    raise adapter.dropped(self._request)
                else:
                    yield item

        async def aclose(self) -> None:
            close = getattr(self._items, "close", None)
            if close is not None:
                close()

    class AsyncTransport(module.AsyncBaseTransport):  # type: ignore[misc, name-defined]
        def __init__(self, mock: Any) -> None:
            self.mock = mock

        async def handle_async_request(self, request: Any) -> Any:
            body = await request.aread()
            answer = self.mock.handle(to_mock_request(request, body))
            if answer.delay:
                limit = _read_timeout(request)
                if limit is not None and answer.delay > limit:
                    await anyio.sleep(limit)
                    raise adapter.timed_out(request)
                await anyio.sleep(answer.delay)
            if answer.dropped:
                raise adapter.dropped(request)
            stream = AsyncStream(answer.stream, request) if answer.stream is not None else None
            return adapter.response(answer, request, stream)

    AsyncTransport.__name__ = "AsyncMockTransport"
    AsyncTransport.__qualname__ = "AsyncMockTransport"
    return AsyncTransport


class TransportFamily:
    """The sync and async transport classes for one HTTP library (httpx or httpx2)."""

    def __init__(self, module: ModuleType) -> None:
        adapter = _Adapter(module)
        self.module = module
        self.sync_class = _sync_transport_class(adapter)
        self.async_class = _async_transport_class(adapter)

    def sync(self, mock: Any) -> Any:
        return self.sync_class(mock)

    def asynchronous(self, mock: Any) -> Any:
        return self.async_class(mock)


HTTPX = TransportFamily(httpx)
MockTransport: Callable[[Any], httpx.BaseTransport] = HTTPX.sync_class
"""``httpx.Client(transport=MockTransport(mock))``"""
AsyncMockTransport: Callable[[Any], httpx.AsyncBaseTransport] = HTTPX.async_class
"""``httpx.AsyncClient(transport=AsyncMockTransport(mock))``"""

_httpx2_family: TransportFamily | None = None


def httpx2_transports() -> TransportFamily:
    """The transports for httpx2 (the HTTP library of openai 3.x), built on first use so that
    httpx2 stays optional."""
    global _httpx2_family
    if _httpx2_family is None:
        import httpx2

        _httpx2_family = TransportFamily(httpx2)
    return _httpx2_family
