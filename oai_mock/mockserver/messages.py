"""Plain request and response records: what the engine takes and gives, with no web framework."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlsplit

import orjson

from oai_mock.mockserver.wire import (
    OPENAI_FRAMING,
    Disconnect,
    Event,
    Framing,
    Pause,
    StreamItem,
    WireItem,
    encode_stream,
    is_event,
)

__all__ = [
    "Disconnect",
    "Event",
    "Framing",
    "Handler",
    "MockRequest",
    "MockResponse",
    "Pause",
    "StreamItem",
    "WireItem",
    "is_event",
]


@dataclass(frozen=True, slots=True)
class MockRequest:
    method: str
    path: str
    """The URL path, percent-decoded, without the query string."""
    query: tuple[tuple[str, str], ...] = ()
    headers: Mapping[str, str] = field(default_factory=dict)
    """Header names in lower case."""
    body: bytes = b""

    @classmethod
    def from_url(
        cls,
        method: str,
        url: str,
        headers: Mapping[str, str] | None = None,
        body: bytes = b"",
    ) -> MockRequest:
        """Build a request from a URL (absolute or a bare path with its query)."""
        parts = urlsplit(url)
        return cls(
            method=method.upper(),
            path=parts.path or "/",
            query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
            headers={k.lower(): v for k, v in (headers or {}).items()},
            body=body,
        )

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)


_NO_VALUE: Any = object()


class MockResponse:
    """An answer, kept as a value until an adapter sends it.

    A JSON answer holds its ``value`` and is encoded to ``body`` once, when an adapter (or anyone)
    reads ``body``; a streamed answer holds its ``events`` and is encoded event by event as an
    adapter iterates ``stream``. An answer given as bytes keeps them, and reading ``value``
    decodes them once.
    """

    __slots__ = (
        "_body",
        "_value",
        "delay",
        "delivered",
        "dropped",
        "events",
        "framing",
        "headers",
        "operation_id",
        "rule_id",
        "status",
    )

    def __init__(
        self,
        status: int,
        headers: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        stream: Iterator[StreamItem] | None = None,
        delay: float = 0.0,
        dropped: bool = False,
        operation_id: str | None = None,
        delivered: str = "complete",
        rule_id: str | None = None,
        *,
        value: Any = _NO_VALUE,
    ) -> None:
        self.status = status
        self.headers: list[tuple[str, str]] = headers if headers is not None else []
        self._body: bytes | None = body if value is _NO_VALUE else None
        self._value: Any = value
        self.events: Iterator[StreamItem] | None = stream
        """Set for streamed answers (then ``body`` is empty): events as values."""
        self.framing: Framing = OPENAI_FRAMING
        """How the events are written on the wire."""
        self.delay = delay
        """Seconds the adapter waits before sending the head of the response."""
        self.dropped = dropped
        """Drop the connection instead of answering (after ``delay``)."""
        self.operation_id = operation_id
        """The operation that answered (None when the request matched none): adapters log
        it."""
        self.delivered = delivered
        """What a scripted fault lets the client receive: ``complete``, ``dropped``,
        ``truncated`` or ``delayed`` (the journal records it)."""
        self.rule_id = rule_id
        """The id of the scenario rule that answered, if one did."""

    @property
    def body(self) -> bytes:
        """The body as sent: the JSON value encoded (once, on first read), or the bytes the
        answer was given as."""
        if self._body is None:
            self._body = orjson.dumps(self._value)
        return self._body

    @body.setter
    def body(self, data: bytes) -> None:
        self._body = data
        self._value = _NO_VALUE

    @property
    def value(self) -> Any:
        """The answer's JSON value: the one it was built from, or its body decoded (once);
        None when the body is empty or no JSON. Assign it back after editing it, so that the
        body is encoded from the edited value."""
        if self._value is _NO_VALUE:
            if self._body is None:
                return None
            try:
                self._value = orjson.loads(self._body) if self._body else None
            except orjson.JSONDecodeError:
                self._value = None
        return self._value

    @value.setter
    def value(self, value: Any) -> None:
        self._value = value
        self._body = None

    @property
    def holds_value(self) -> bool:
        """Whether the answer was built as a JSON value that is not encoded yet."""
        return self._body is None

    def freeze(self) -> None:
        """Encode the value now and keep only the bytes: for a value that shares parts with
        stored records, which later requests may change."""
        if self._body is None:
            self._body = orjson.dumps(self._value)
            self._value = _NO_VALUE

    @property
    def stream(self) -> Iterator[WireItem] | None:
        """The stream as sent: the events encoded one by one as the caller iterates."""
        if self.events is None:
            return None
        return encode_stream(self.events, self.framing)

    @stream.setter
    def stream(self, items: Iterator[StreamItem] | None) -> None:
        self.events = items

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        for key, value in self.headers:
            if key.lower() == lowered:
                return value
        return None

    def set_header(self, name: str, value: str) -> None:
        lowered = name.lower()
        self.headers = [(k, v) for k, v in self.headers if k.lower() != lowered]
        self.headers.append((name, value))

    def __repr__(self) -> str:
        kind = "stream" if self.events is not None else "value" if self.holds_value else "bytes"
        return f"MockResponse({self.status}, {kind}, operation_id={self.operation_id!r})"


class Handler(Protocol):
    """Anything that answers a plain request: the engine (``OpenAIMock``), as the adapters see
    it."""

    def handle(self, request: MockRequest) -> MockResponse: ...
