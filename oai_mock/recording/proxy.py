"""``oai-mock record``: a recording proxy on 127.0.0.1 in front of any OpenAI-compatible
upstream.

Every request goes to the upstream as it came (Azure deployment paths and ``api-version``
included) and its answer comes back as it arrives, a stream chunk by chunk; once the answer is
complete the exchange, secrets scrubbed, is added to the cassette. An upstream that cannot be
reached or stops midway: a 502 in OpenAI's envelope naming the error (or the stream cut where
the upstream cut it), and nothing written.
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator

import anyio
import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.requests import Request
from starlette.responses import Response, StreamingResponse
from starlette.routing import Route

from oai_mock.mockserver.asgi import plain_request
from oai_mock.mockserver.messages import MockRequest
from oai_mock.recording.exchange import HOP_BY_HOP, EventSplitter, RecordedResponse
from oai_mock.recording.forward import forwarded_headers, upstream_failure, upstream_url
from oai_mock.recording.recorder import Recorder

DRAIN_SECONDS = 5.0
"""How long a stream whose client has left is still read, to record it whole."""
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
WRITTEN_BY_THE_SERVER = frozenset({"date", "server"})


class UpstreamCut(Exception):
    """The upstream stopped midway through a stream: the client's connection is dropped too."""


def create_recording_app(
    upstream: str,
    recorder: Recorder,
    *,
    api_key: str | None = None,
    timeout: float = 600.0,
    client: httpx.AsyncClient | None = None,
) -> Starlette:
    """The proxy as an ASGI app; ``client`` (closed by the caller) sends to the upstream."""
    http = client or httpx.AsyncClient(timeout=timeout)

    async def endpoint(request: Request) -> Response:
        body = await request.body()
        plain = plain_request(request.scope, body)
        started = time.perf_counter()
        outgoing = http.build_request(
            plain.method,
            upstream_url(upstream, plain.path),
            params=list(plain.query),
            headers=forwarded_headers(dict(plain.headers), api_key),
            content=body,
        )
        try:
            answer = await http.send(outgoing, stream=True)
        except httpx.HTTPError as error:
            return _error(upstream_failure(upstream, error).to_response().body)
        after = time.perf_counter() - started
        headers = [(k, v) for k, v in answer.headers.multi_items() if k not in HOP_BY_HOP]
        # The server in front writes its own date and server headers: the upstream's are
        # recorded, not sent a second time.
        sent = {k: v for k, v in headers if k not in WRITTEN_BY_THE_SERVER}
        if not answer.headers.get("content-type", "").startswith("text/event-stream"):
            try:
                content = await answer.aread()
            except httpx.HTTPError as error:
                return _error(upstream_failure(upstream, error).to_response().body)
            finally:
                await answer.aclose()
            recorder.add(plain, RecordedResponse(answer.status_code, headers, content, after=after))
            return Response(content, status_code=answer.status_code, headers=sent)
        recorded = RecordedResponse(answer.status_code, headers, after=after)
        return StreamingResponse(
            _relay(plain, answer, recorded, recorder),
            status_code=answer.status_code,
            headers=sent,
            background=BackgroundTask(answer.aclose),
        )

    return Starlette(routes=[Route("/{path:path}", endpoint, methods=METHODS)])


def _error(body: bytes) -> Response:
    return Response(body, status_code=502, media_type="application/json")


async def _relay(
    request: MockRequest, answer: httpx.Response, recorded: RecordedResponse, recorder: Recorder
) -> AsyncIterator[bytes]:
    head = time.perf_counter()
    splitter = EventSplitter()
    chunks = answer.aiter_bytes()
    complete = cut = False
    try:
        async for chunk in chunks:
            splitter.feed(chunk, time.perf_counter() - head)
            yield chunk
        complete = True
    except httpx.HTTPError as error:
        cut = True
        raise UpstreamCut(f"the upstream stopped midway: {error}") from None
    finally:
        if not complete and not cut:
            # The client left before the upstream's end (an SDK stops reading at [DONE]): read
            # the rest, briefly and shielded from the disconnect, so the exchange is recorded
            # whole; a stream the upstream really cut stays unrecorded.
            with anyio.CancelScope(shield=True), anyio.move_on_after(DRAIN_SECONDS):
                complete = await _drain(chunks, splitter, head)
        with anyio.CancelScope(shield=True):
            await answer.aclose()
        if complete:
            recorded.events = splitter.close(time.perf_counter() - head)
            recorder.add(request, recorded)


async def _drain(chunks: AsyncIterator[bytes], splitter: EventSplitter, head: float) -> bool:
    """Feed the rest of an upstream stream nobody reads any more; True when it ended whole."""
    try:
        async for chunk in chunks:
            splitter.feed(chunk, time.perf_counter() - head)
    except httpx.HTTPError:
        return False
    return True
