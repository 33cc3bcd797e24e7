"""Plain request and response records: what the engine takes and gives, with no web framework."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Protocol
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True, slots=True)
class Pause:
    """A stream element that asks the adapter to wait before sending the next chunk."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Disconnect:
    """A stream element that asks the adapter to drop the connection at this point."""


StreamItem = bytes | Pause | Disconnect


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


@dataclass(slots=True)
class MockResponse:
    status: int
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    stream: Iterator[StreamItem] | None = None
    """Set for streamed answers; then ``body`` is empty."""
    delay: float = 0.0
    """Seconds the adapter waits before sending the head of the response."""
    dropped: bool = False
    """Drop the connection instead of answering (after ``delay``)."""
    operation_id: str | None = None
    """The operation that answered (None when the request matched none): adapters log it."""
    delivered: str = "complete"
    """What a scripted fault lets the client receive: ``complete``, ``dropped``,
    ``truncated`` or ``delayed`` (the journal records it)."""
    rule_id: str | None = None
    """The id of the scenario rule that answered, if one did."""

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


class Handler(Protocol):
    """Anything that answers a plain request: the engine (``OpenAIMock``), as the adapters see
    it."""

    def handle(self, request: MockRequest) -> MockResponse: ...
