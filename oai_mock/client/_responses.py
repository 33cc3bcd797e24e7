"""Binary answers: downloaded whole, or streamed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from types import TracebackType

import httpx

from oai_mock.client._errors import connection_error


class BinaryResponse:
    """A binary body (speech, file content, video, skill archive), read whole."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.content: bytes = response.content

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    @property
    def media_type(self) -> str:
        return str(self.response.headers.get("content-type", ""))

    def write_to_file(self, path: str) -> None:
        with open(path, "wb") as handle:
            handle.write(self.content)


class BinaryStream:
    """A binary body streamed: ``with client.files.download_file_streaming(id) as body:``."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response

    def iter_bytes(self, chunk_size: int | None = None) -> Iterator[bytes]:
        try:
            yield from self.response.iter_bytes(chunk_size)
        except httpx.RequestError as error:
            raise connection_error(error, self.response.request) from error

    def close(self) -> None:
        self.response.close()

    def __enter__(self) -> BinaryStream:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncBinaryStream:
    """``async with client.files.download_file_streaming(id) as body:`` sends the request on
    entry and closes the connection on exit."""

    def __init__(self, open_response: Callable[[], Awaitable[httpx.Response]]) -> None:
        self._open = open_response
        self.response: httpx.Response | None = None

    async def aiter_bytes(self, chunk_size: int | None = None) -> AsyncIterator[bytes]:
        if self.response is None:
            raise RuntimeError("use the stream as an async context manager first")
        try:
            async for chunk in self.response.aiter_bytes(chunk_size):
                yield chunk
        except httpx.RequestError as error:
            raise connection_error(error, self.response.request) from error

    async def aclose(self) -> None:
        if self.response is not None:
            await self.response.aclose()

    async def __aenter__(self) -> AsyncBinaryStream:
        self.response = await self._open()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()
