"""Every request the fake received, parsed, for assertions in tests."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from oai_mock.mockserver.messages import MockRequest, MockResponse
from oai_mock.mockserver.multipart import UploadedFile

if TYPE_CHECKING:
    from oai_mock.mockserver.requests import Call

SECRET_HEADERS = ("authorization", "api-key", "openai-admin-key")


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One request as the fake understood it, and the status it answered."""

    operation_id: str | None
    """None when the request matched no operation (404/405)."""
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]
    """Lower-case names; API keys scrubbed to their first and last characters."""
    body: Any
    """The parsed JSON body or form fields; None when there was none or it did not parse."""
    files: Mapping[str, list[UploadedFile]] = field(default_factory=dict)
    status: int = 0
    raw_body: bytes = b""


class Journal:
    """Thread-safe, append-only list of :class:`JournalEntry`."""

    def __init__(self) -> None:
        self._entries: list[JournalEntry] = []
        self._lock = threading.Lock()

    def record(self, request: MockRequest, call: Call | None, response: MockResponse) -> None:
        body: Any = None
        files: Mapping[str, list[UploadedFile]] = {}
        if call is not None:
            body, files = call.body, call.files
        elif request.body:
            try:
                body = orjson.loads(request.body)
            except orjson.JSONDecodeError:
                body = None
        entry = JournalEntry(
            operation_id=call.operation.id if call is not None else None,
            method=request.method,
            path=request.path,
            query=request.query,
            headers=scrub(request.headers),
            body=body,
            files=files,
            status=response.status,
            raw_body=request.body,
        )
        with self._lock:
            self._entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def entries(self) -> list[JournalEntry]:
        with self._lock:
            return list(self._entries)

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __getitem__(self, index: int) -> JournalEntry:
        with self._lock:
            return self._entries[index]


def scrub(headers: Mapping[str, str]) -> dict[str, str]:
    out = {}
    for name, value in headers.items():
        lowered = name.lower()
        if lowered in SECRET_HEADERS:
            secret = value[7:] if value.lower().startswith("bearer ") else value
            prefix = value[: len(value) - len(secret)]
            shown = f"{secret[:3]}...{secret[-2:]}" if len(secret) > 8 else "***"
            value = prefix + shown
        out[lowered] = value
    return out
