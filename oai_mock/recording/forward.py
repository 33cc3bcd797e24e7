"""Send a request to the real upstream and record the answer: the synchronous path, used when
a test records through the in-process fake (``@pytest.mark.oai_mock(record=...)``).

The upstream's answer reaches the client unchanged, streams event by event as they arrive; the
exchange is written once the answer is complete. A transport error, or an answer cut off
midway, is passed on and nothing is written.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import httpx

from oai_mock.mockserver.errors import APIError
from oai_mock.mockserver.messages import Disconnect, MockRequest, MockResponse, StreamItem
from oai_mock.recording.exchange import (
    HOP_BY_HOP,
    EventSplitter,
    RecordedResponse,
)
from oai_mock.recording.recorder import Recorder

# Captured when this module is imported, before a test's interception patches the class: the
# recorder must reach the real upstream even when its host is one the fake intercepts.
_NETWORK_HANDLE = httpx.HTTPTransport.handle_request


class _NetworkTransport(httpx.HTTPTransport):
    handle_request = _NETWORK_HANDLE


def upstream_url(base: str, path: str) -> str:
    """The upstream URL for a request path: the upstream's origin and the request's path (a
    client points at the recorder with the same path prefix as the upstream's, ``/v1``)."""
    origin = httpx.URL(base)
    return str(origin.copy_with(path=path, query=None))


def forwarded_headers(headers: dict[str, str], api_key: str | None) -> dict[str, str]:
    out = {k: v for k, v in headers.items() if k not in HOP_BY_HOP}
    if api_key:
        out.pop("api-key", None)
        out["authorization"] = f"Bearer {api_key}"
    return out


def upstream_failure(base: str, error: Exception) -> APIError:
    """The 502 a client gets when the upstream could not answer."""
    return APIError(
        502,
        f"oai-mock record: the upstream {base} did not answer: "
        f"{type(error).__name__}: {error or 'no details'}",
        type="upstream_error",
        code="upstream_unavailable",
    )


class Forwarder:
    def __init__(
        self,
        upstream: str,
        recorder: Recorder,
        *,
        api_key: str | None = None,
        timeout: float = 600.0,
    ) -> None:
        self.upstream = upstream
        self.recorder = recorder
        self.api_key = api_key
        self._client = httpx.Client(transport=_NetworkTransport(), timeout=timeout)

    def close(self) -> None:
        self._client.close()

    def forward(self, request: MockRequest) -> MockResponse:
        started = time.perf_counter()
        outgoing = self._client.build_request(
            request.method,
            upstream_url(self.upstream, request.path),
            params=list(request.query),
            headers=forwarded_headers(dict(request.headers), self.api_key),
            content=request.body,
        )
        try:
            upstream = self._client.send(outgoing, stream=True)
        except httpx.HTTPError as error:
            raise upstream_failure(self.upstream, error) from None
        after = time.perf_counter() - started
        headers = [(k, v) for k, v in upstream.headers.multi_items() if k not in HOP_BY_HOP]
        media = upstream.headers.get("content-type", "")
        if not media.startswith("text/event-stream"):
            try:
                body = upstream.read()
            except httpx.HTTPError as error:
                raise upstream_failure(self.upstream, error) from None
            finally:
                upstream.close()
            answer = RecordedResponse(upstream.status_code, headers, body, after=after)
            self.recorder.add(request, answer)
            return MockResponse(upstream.status_code, headers, body)
        recorded = RecordedResponse(upstream.status_code, headers, after=after)
        return MockResponse(
            upstream.status_code, headers, stream=self._relay(request, upstream, recorded)
        )

    def _relay(
        self, request: MockRequest, upstream: httpx.Response, recorded: RecordedResponse
    ) -> Iterator[StreamItem]:
        head = time.perf_counter()
        splitter = EventSplitter()
        chunks = upstream.iter_bytes()
        try:
            for chunk in chunks:
                splitter.feed(chunk, time.perf_counter() - head)
                yield chunk
        except httpx.HTTPError:
            upstream.close()
            yield Disconnect()  # the client sees the stream cut, as the upstream cut it
            return
        except GeneratorExit:
            # The client stopped reading (the SDK stops at [DONE], before the stream's end):
            # read the rest, so that a complete answer is still recorded.
            try:
                for chunk in chunks:
                    splitter.feed(chunk, time.perf_counter() - head)
            except httpx.HTTPError:
                return
            finally:
                upstream.close()
            recorded.events = splitter.close(time.perf_counter() - head)
            self.recorder.add(request, recorded)
            raise
        upstream.close()
        recorded.events = splitter.close(time.perf_counter() - head)
        self.recorder.add(request, recorded)
