"""Turn a finished exchange into its cassette entry: secrets scrubbed, then written whole."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import replace
from urllib.parse import urlsplit, urlunsplit

from oai_mock.mockserver.messages import MockRequest
from oai_mock.recording.cassette import CassetteWriter
from oai_mock.recording.exchange import (
    Exchange,
    RecordedResponse,
    StreamEvent,
    recordable_request_headers,
    recordable_response_headers,
)
from oai_mock.recording.scrub import Scrubber

OperationOf = Callable[[MockRequest], "str | None"]


def operation_namer() -> OperationOf:
    """The spec's operationId for a request, or None for a path the spec does not know."""
    from oai_mock.mockserver.errors import APIError
    from oai_mock.mockserver.routing import Router
    from oai_mock.spec import load_bundle

    router = Router(load_bundle().operations)

    def name(request: MockRequest) -> str | None:
        try:
            return router.match(request.method, request.path, request.query).operation.id
        except APIError:
            return None

    return name


def public_url(url: str) -> str:
    """A URL without credentials or query (what a cassette may say about its upstream)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.port:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class Recorder:
    """Scrubs each exchange and adds it to the cassette file."""

    def __init__(
        self,
        writer: CassetteWriter,
        scrubber: Scrubber,
        operation_of: OperationOf | None = None,
    ) -> None:
        self.writer = writer
        self.scrubber = scrubber
        self._operation_of = operation_of or operation_namer()

    def scrubbed(self, request: MockRequest, response: RecordedResponse) -> Exchange:
        scrub = self.scrubber
        scrub.learn(request.headers)
        clean_request = MockRequest(
            method=request.method,
            path=scrub.text(request.path.encode()).decode("utf-8", errors="replace"),
            query=scrub.query(request.query),
            headers=scrub.headers(recordable_request_headers(dict(request.headers))),
            body=scrub.text(request.body),
        )
        headers = [
            (name, scrub.headers({name: value})[name])
            for name, value in recordable_response_headers(response.headers)
        ]
        clean_response = replace(
            response,
            headers=headers,
            body=scrub.text(response.body),
            events=None
            if response.events is None
            else [StreamEvent(e.at, scrub.text(e.raw)) for e in response.events],
        )
        now = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
        return Exchange(
            clean_request,
            clean_response,
            operation=self._operation_of(request),
            recorded_at=now.isoformat().replace("+00:00", "Z"),
        )

    def add(self, request: MockRequest, response: RecordedResponse) -> Exchange:
        exchange = self.scrubbed(request, response)
        self.writer.add(exchange)
        return exchange
