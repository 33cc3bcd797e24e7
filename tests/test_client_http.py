"""The reference client on a user's own httpx client: its headers, query params, timeout, auth,
event hooks and transport stay in force, the client's headers go on top; every transport-level
failure, mid-stream included, is the client's own error with the request attached."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Generator, Iterator
from typing import Any

import httpx
import pytest

from oai_mock import OpenAIMock
from oai_mock.client import AsyncOpenAIClient, OpenAIClient
from oai_mock.client._errors import APIConnectionError, APITimeoutError
from oai_mock.mockserver.transports import AsyncMockTransport, MockTransport

MESSAGES = [{"role": "user", "content": "Hi"}]
BASE = "http://gateway.local/v1"


class Signature(httpx.Auth):
    """An auth flow of the user's: signs every request with a header."""

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["X-Signature"] = "signed:" + request.url.path
        yield request


def test_a_user_client_keeps_headers_params_timeout_auth_hooks_and_transport() -> None:
    mock = OpenAIMock()
    seen: list[tuple[str, Any]] = []
    http = httpx.Client(
        headers={"X-Trace": "trace-1", "User-Agent": "my-app/2.0"},
        params={"tenant": "acme"},
        timeout=httpx.Timeout(3.0),
        auth=Signature(),
        event_hooks={
            "request": [lambda r: seen.append(("request", r.extensions["timeout"]))],
            "response": [lambda r: seen.append(("response", r.status_code))],
        },
        transport=MockTransport(mock),
    )
    client = OpenAIClient(api_key="sk-test", base_url=BASE, http_client=http)
    assert client.models.list_models().data
    entry = mock.journal.last()
    assert entry.headers["x-trace"] == "trace-1"
    assert entry.headers["user-agent"] == "my-app/2.0"  # the user's own stays
    assert entry.headers["x-signature"] == "signed:/v1/models"
    assert entry.headers["authorization"].startswith("Bearer ")  # the client's, on top
    assert entry.headers["accept"] == "application/json"
    assert ("tenant", "acme") in entry.query
    assert seen == [("request", httpx.Timeout(3.0).as_dict()), ("response", 200)]
    assert client.timeout == httpx.Timeout(3.0)


def test_the_clients_own_timeout_wins_over_the_http_clients() -> None:
    timeouts: list[Any] = []
    http = httpx.Client(
        timeout=3.0,
        event_hooks={"request": [lambda r: timeouts.append(r.extensions["timeout"]["read"])]},
        transport=MockTransport(OpenAIMock()),
    )
    client = OpenAIClient(api_key="k", base_url=BASE, http_client=http, timeout=7.0)
    client.models.list_models()
    client.models.list_models(timeout=1.5)
    assert timeouts == [7.0, 1.5]


def test_without_a_user_client_the_default_user_agent_is_the_clients() -> None:
    mock = OpenAIMock()
    client = OpenAIClient(
        api_key="k", base_url=BASE, http_client=httpx.Client(transport=MockTransport(mock))
    )
    client.models.list_models()
    assert mock.journal.last().headers["user-agent"].startswith("oai-mock-client/")


def test_an_async_user_client_keeps_its_settings() -> None:
    mock = OpenAIMock()
    seen: list[str] = []

    async def hook(request: httpx.Request) -> None:
        seen.append(str(request.extensions["timeout"]["read"]))

    async def run() -> None:
        http = httpx.AsyncClient(
            headers={"X-Trace": "async-1"},
            timeout=4.0,
            auth=Signature(),
            event_hooks={"request": [hook]},
            transport=AsyncMockTransport(mock),
        )
        client = AsyncOpenAIClient(api_key="k", base_url=BASE, http_client=http)
        await client.models.list_models()
        await client.close()

    asyncio.run(run())
    entry = mock.journal.last()
    assert entry.headers["x-trace"] == "async-1"
    assert entry.headers["x-signature"] == "signed:/v1/models"
    assert seen == ["4.0"]


# -- transport-level failures ---------------------------------------------------------------


def failing(error: type[httpx.RequestError]) -> httpx.Client:
    def handler(request: httpx.Request) -> httpx.Response:
        raise error("boom", request=request)

    return httpx.Client(transport=httpx.MockTransport(handler))


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (httpx.ConnectError, APIConnectionError),
        (httpx.RemoteProtocolError, APIConnectionError),
        (httpx.ReadTimeout, APITimeoutError),
        (httpx.ConnectTimeout, APITimeoutError),
        (httpx.TooManyRedirects, APIConnectionError),
        (httpx.DecodingError, APIConnectionError),
    ],
)
def test_failures_before_the_answer_are_the_clients_errors(
    error: type[httpx.RequestError], expected: type[Exception]
) -> None:
    client = OpenAIClient(api_key="k", base_url=BASE, http_client=failing(error), max_retries=0)
    with pytest.raises(expected) as raised:
        client.models.list_models()
    assert type(raised.value) is expected
    assert raised.value.request is not None  # type: ignore[attr-defined]
    assert str(raised.value.request.url) == f"{BASE}/models"  # type: ignore[attr-defined]
    assert isinstance(raised.value.__cause__, error)


def test_a_stream_cut_mid_way_is_a_connection_error_sync_and_async() -> None:
    mock = OpenAIMock()
    mock.on("chat", times=2).cut_stream(after=2)
    client = OpenAIClient(
        api_key="k", base_url=BASE, http_client=httpx.Client(transport=MockTransport(mock))
    )
    stream = client.chat.create_chat_completion_stream(model="gpt-4o", messages=MESSAGES)
    received = []
    with pytest.raises(APIConnectionError) as raised:
        for chunk in stream:
            received.append(chunk)
    assert len(received) == 2
    assert str(raised.value.request.url).endswith("/chat/completions")  # type: ignore[union-attr]
    assert isinstance(raised.value.__cause__, httpx.RemoteProtocolError)

    async def run() -> int:
        http = httpx.AsyncClient(transport=AsyncMockTransport(mock))
        client = AsyncOpenAIClient(api_key="k", base_url=BASE, http_client=http)
        stream = await client.chat.create_chat_completion_stream(model="gpt-4o", messages=MESSAGES)
        count = 0
        with pytest.raises(APIConnectionError) as raised:
            async for _ in stream:
                count += 1
        assert raised.value.request is not None
        return count

    assert asyncio.run(run()) == 2


class StallingStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """One event, then the read times out."""

    def __init__(self, request: httpx.Request) -> None:
        self.request = request

    def __iter__(self) -> Iterator[bytes]:
        yield b'data: {"id": "c1", "object": "chat.completion.chunk", "created": 1, "model": "m", "choices": []}\n\n'
        raise httpx.ReadTimeout("stalled", request=self.request)

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


def test_a_stream_that_stalls_is_a_timeout_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            200, headers={"content-type": "text/event-stream"}, stream=StallingStream(request)
        )

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = OpenAIClient(api_key="k", base_url=BASE, http_client=http)
    with pytest.raises(APITimeoutError) as raised:
        list(client.chat.create_chat_completion_stream(model="m", messages=MESSAGES))
    assert raised.value.request is not None


def test_a_binary_stream_cut_mid_way_is_a_connection_error() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        def body() -> Iterator[bytes]:
            yield b"RIFF"
            raise httpx.RemoteProtocolError("peer closed", request=request)

        return httpx.Response(200, headers={"content-type": "audio/mpeg"}, stream=_Bytes(body()))

    http = httpx.Client(transport=httpx.MockTransport(handler))
    client = OpenAIClient(api_key="k", base_url=BASE, http_client=http)
    with (
        client.files.download_file_streaming("file-1") as body,
        pytest.raises(APIConnectionError) as raised,
    ):
        list(body.iter_bytes())
    assert raised.value.request is not None


class _Bytes(httpx.SyncByteStream):
    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self._chunks
