"""What a cassette holds: exchanges of one request and its complete answer, as exact bytes.

The readable form on disk (see :mod:`oai_mock.recording.cassette`) is derived from these and
gives the same bytes back.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from oai_mock.mockserver.messages import MockRequest, MockResponse, Pause, StreamItem

Headers = list[tuple[str, str]]


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One server-sent event, exactly as it arrived (its blank line included), ``at`` seconds
    after the response's head."""

    at: float
    raw: bytes


@dataclass(slots=True)
class RecordedResponse:
    status: int
    headers: Headers = field(default_factory=list)
    body: bytes = b""
    events: list[StreamEvent] | None = None
    """Set for streamed answers (then ``body`` is empty)."""
    after: float = 0.0
    """Seconds between sending the request and receiving the response's head."""

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((v for k, v in self.headers if k.lower() == lowered), None)

    def to_mock_response(self, scale: float = 1.0) -> MockResponse:
        """This answer for the engine, paced like the recording (times ``scale``; 0: at once)."""
        response = MockResponse(self.status, list(self.headers), delay=self.after * scale)
        if self.events is None:
            response.body = self.body
        else:
            response.stream = _paced_events(self.events, scale)
        return response


def _paced_events(events: list[StreamEvent], scale: float) -> Iterator[StreamItem]:
    previous = 0.0
    for event in events:
        wait = (event.at - previous) * scale
        if wait > 0:
            yield Pause(wait)
        previous = event.at
        yield event.raw


@dataclass(slots=True)
class Exchange:
    request: MockRequest
    response: RecordedResponse
    operation: str | None = None
    """The spec's operationId, when the path names one (for people reading the cassette)."""
    recorded_at: str = ""
    line: int = 0
    """Where the exchange starts in its cassette file (0 when it was never loaded from one)."""
    source: str = ""


# An event ends at an empty line; lines end with LF, CRLF or CR.
_EVENT_END = re.compile(rb"(?:\r\n|\r(?!\n)|\n)(?:\r\n|\r(?!\n)|\n)")


class EventSplitter:
    """Cuts a byte stream into events as chunks arrive, stamping each with the time the chunk
    that completed it arrived."""

    def __init__(self) -> None:
        self._buffer = b""
        self.events: list[StreamEvent] = []

    def feed(self, chunk: bytes, at: float) -> None:
        self._buffer += chunk
        while True:
            # A CR at the end may be the first half of a CRLF: wait for the next chunk.
            ends_in_cr = self._buffer.endswith(b"\r")
            found = _EVENT_END.search(self._buffer[:-1] if ends_in_cr else self._buffer)
            if found is None:
                return
            self.events.append(StreamEvent(at, self._buffer[: found.end()]))
            self._buffer = self._buffer[found.end() :]

    def close(self, at: float) -> list[StreamEvent]:
        """Every event, the bytes after the last blank line (if any) as a last event."""
        if self._buffer:
            self.events.append(StreamEvent(at, self._buffer))
            self._buffer = b""
        return self.events


HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-connection",
        "transfer-encoding",
        "te",
        "trailer",
        "upgrade",
        "content-length",
        "content-encoding",
        "host",
    }
)
"""Headers that describe one connection or one encoding of the body, never the answer: not
passed through a proxy, not recorded."""

REQUEST_NOISE = frozenset({"user-agent", "accept-encoding", "accept"})
"""Request headers that change with the client's version and say nothing about the request."""


def recordable_request_headers(headers: dict[str, str]) -> dict[str, str]:
    return {
        name: value
        for name, value in headers.items()
        if name not in HOP_BY_HOP
        and name not in REQUEST_NOISE
        and not name.startswith("x-stainless-")
    }


def recordable_response_headers(headers: Headers) -> Headers:
    return [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP and k.lower() != "date"]
