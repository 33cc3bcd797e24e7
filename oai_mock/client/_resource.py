"""What the generated resource methods call: one place turns a call into a request."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, Protocol, TypeAlias

import httpx
import orjson

from oai_mock.client._endpoint import Endpoint
from oai_mock.client._pagination import AsyncPage, Page
from oai_mock.client._responses import AsyncBinaryStream, BinaryResponse, BinaryStream
from oai_mock.client._streaming import AsyncStream, Stream


class NotGiven:
    """Marks an argument left out (distinct from an explicit ``None``, which is sent as null)."""

    _instance: NotGiven | None = None

    def __new__(cls) -> NotGiven:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __bool__(self) -> Literal[False]:
        return False

    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()
Headers: TypeAlias = Mapping[str, str]
Query: TypeAlias = Mapping[str, object]
Body: TypeAlias = Mapping[str, object]
Timeout: TypeAlias = "float | httpx.Timeout | None"
CallArgs: TypeAlias = Mapping[str, Any]
Decoder: TypeAlias = "Callable[[Any], Any] | None"
"""A generated model's decoder; None keeps the JSON value as it is."""


class NoContent:
    """Passed as the decoder of an operation that answers nothing: the method returns None."""


NO_CONTENT = NoContent()


def body_value(response: httpx.Response) -> Any:
    """The JSON of an answer. A text answer (a transcription or translation asked for as text,
    srt or vtt: OpenAI sends text/plain or text/vtt although its spec declares only JSON)
    becomes ``{"text": <the body>}``, so that ``.text`` holds it whatever the format."""
    if not response.content:
        return {}
    if response.headers.get("content-type", "").startswith("text/"):
        return {"text": response.text}
    return orjson.loads(response.content)


class RequestBuilder(Protocol):
    """What a resource asks of its client to build a request (``BaseClient`` does it)."""

    def _build(
        self,
        op: Endpoint,
        args: CallArgs,
        extra_headers: Headers | None,
        extra_query: Query | None,
        extra_body: Body | None,
        timeout: Any,
        stream_switch: str | None = None,
    ) -> httpx.Request: ...


class SyncSender(RequestBuilder, Protocol):
    """The client of a synchronous resource (``OpenAIClient``): described here, not imported,
    so that the resources do not depend on the client that is built from them."""

    def _send(self, request: httpx.Request, stream: bool = False) -> httpx.Response: ...


class AsyncSender(RequestBuilder, Protocol):
    """The client of an asynchronous resource (``AsyncOpenAIClient``)."""

    async def _send(self, request: httpx.Request, stream: bool = False) -> httpx.Response: ...


class SyncResource:
    def __init__(self, client: SyncSender) -> None:
        self._client = client

    def _request(
        self,
        endpoint: Endpoint,
        args: CallArgs,
        headers: Headers | None,
        query: Query | None,
        body: Body | None,
        timeout: Any,
        decode: Decoder | NoContent,
    ) -> Any:
        request = self._client._build(endpoint, args, headers, query, body, timeout)
        response = self._client._send(request)
        if isinstance(decode, NoContent):
            return None
        value = body_value(response)
        return decode(value) if decode else value

    def _stream(
        self,
        endpoint: Endpoint,
        args: CallArgs,
        headers: Headers | None,
        query: Query | None,
        body: Body | None,
        timeout: Any,
        decode: Decoder,
        kind: str,
        switch: str,
    ) -> Stream[Any]:
        request = self._client._build(
            endpoint, args, headers, query, body, timeout, stream_switch=switch
        )
        response = self._client._send(request, stream=True)
        return Stream(response, decode, kind)

    def _page(
        self,
        endpoint: Endpoint,
        args: CallArgs,
        headers: Headers | None,
        query: Query | None,
        body: Body | None,
        timeout: Any,
        kind: str,
        decode_item: Decoder,
    ) -> Page[Any]:
        def fetch(extra: dict[str, Any]) -> dict[str, Any]:
            merged = {**(query or {}), **extra}
            request = self._client._build(endpoint, args, headers, merged, body, timeout)
            result: dict[str, Any] = self._client._send(request).json()
            return result

        return Page(fetch({}), decode_item, kind, fetch)

    def _binary(
        self,
        endpoint: Endpoint,
        args: CallArgs,
        headers: Headers | None,
        query: Query | None,
        body: Body | None,
        timeout: Any,
    ) -> BinaryResponse:
        return BinaryResponse(
            self._client._send(self._client._build(endpoint, args, headers, query, body, timeout))
        )

    def _binary_stream(
        self,
        endpoint: Endpoint,
        args: CallArgs,
        headers: Headers | None,
        query: Query | None,
        body: Body | None,
        timeout: Any,
    ) -> BinaryStream:
        request = self._client._build(endpoint, args, headers, query, body, timeout)
        return BinaryStream(self._client._send(request, stream=True))


class AsyncResource:
    def __init__(self, client: AsyncSender) -> None:
        self._client = client

    async def _request(
        self,
        endpoint: Endpoint,
        args: CallArgs,
        headers: Headers | None,
        query: Query | None,
        body: Body | None,
        timeout: Any,
        decode: Decoder | NoContent,
    ) -> Any:
        request = self._client._build(endpoint, args, headers, query, body, timeout)
        response = await self._client._send(request)
        if isinstance(decode, NoContent):
            return None
        value = body_value(response)
        return decode(value) if decode else value

    async def _stream(
        self,
        endpoint: Endpoint,
        args: CallArgs,
        headers: Headers | None,
        query: Query | None,
        body: Body | None,
        timeout: Any,
        decode: Decoder,
        kind: str,
        switch: str,
    ) -> AsyncStream[Any]:
        request = self._client._build(
            endpoint, args, headers, query, body, timeout, stream_switch=switch
        )
        response = await self._client._send(request, stream=True)
        return AsyncStream(response, decode, kind)

    def _page(
        self,
        endpoint: Endpoint,
        args: CallArgs,
        headers: Headers | None,
        query: Query | None,
        body: Body | None,
        timeout: Any,
        kind: str,
        decode_item: Decoder,
    ) -> AsyncPage[Any]:
        async def fetch(extra: dict[str, Any]) -> dict[str, Any]:
            merged = {**(query or {}), **extra}
            request = self._client._build(endpoint, args, headers, merged, body, timeout)
            result: dict[str, Any] = (await self._client._send(request)).json()
            return result

        return AsyncPage(fetch, decode_item, kind)

    async def _binary(
        self,
        endpoint: Endpoint,
        args: CallArgs,
        headers: Headers | None,
        query: Query | None,
        body: Body | None,
        timeout: Any,
    ) -> BinaryResponse:
        request = self._client._build(endpoint, args, headers, query, body, timeout)
        return BinaryResponse(await self._client._send(request))

    def _binary_stream(
        self,
        endpoint: Endpoint,
        args: CallArgs,
        headers: Headers | None,
        query: Query | None,
        body: Body | None,
        timeout: Any,
    ) -> AsyncBinaryStream:
        request = self._client._build(endpoint, args, headers, query, body, timeout)
        return AsyncBinaryStream(lambda: self._client._send(request, stream=True))
