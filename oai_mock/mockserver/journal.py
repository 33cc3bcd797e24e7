"""Every request the fake received, parsed, for assertions in tests."""

from __future__ import annotations

import threading
from collections import deque
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
    scripted: bool = False
    """Whether a scripted rule (reply or fault) answered it."""

    @property
    def json(self) -> dict[str, Any]:
        """The parsed JSON body (empty when there was none)."""
        return self.body if isinstance(self.body, dict) else {}

    @property
    def model(self) -> str | None:
        value = self.json.get("model")
        return value if isinstance(value, str) else None

    @property
    def messages(self) -> list[dict[str, Any]]:
        """Chat messages, or Responses input items."""
        value = self.json.get("messages")
        if value is None:
            value = self.json.get("input")
            if isinstance(value, str):
                value = [{"role": "user", "content": value}]
        return [m for m in value or [] if isinstance(m, dict)]

    @property
    def system_prompt(self) -> str | None:
        """The text of the first system or developer message (or Responses ``instructions``)."""
        for message in self.messages:
            if message.get("role") in ("system", "developer"):
                content = message.get("content")
                if isinstance(content, list):
                    return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
                return str(content)
        instructions = self.json.get("instructions")
        return instructions if isinstance(instructions, str) else None

    @property
    def tools(self) -> list[dict[str, Any]]:
        return [t for t in self.json.get("tools") or [] if isinstance(t, dict)]

    @property
    def tool_names(self) -> list[str]:
        """Names of the function tools sent (chat and Responses shapes)."""
        names = []
        for tool in self.tools:
            function = tool.get("function")
            name = function.get("name") if isinstance(function, dict) else tool.get("name")
            if isinstance(name, str):
                names.append(name)
        return names


class Journal:
    """Thread-safe, append-only list of :class:`JournalEntry`.

    ``limit`` keeps only the most recent entries: a test wants every request it made, a
    long-running ``oai-mock serve`` must not hold every upload it ever received.
    """

    def __init__(self, limit: int | None = None) -> None:
        if limit is not None and limit < 0:
            raise ValueError(f"journal limit must be 0 or more, not {limit}")
        self._entries: deque[JournalEntry] = deque(maxlen=limit)
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
            scripted=call.rule_used if call is not None else False,
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

    def calls(self, operation: str | None = None) -> list[JournalEntry]:
        """The requests of one operation (an operationId, snake_case name or alias), in order.

        A name that is no operation raises :class:`UnknownOperationError` with the closest
        names, instead of quietly finding nothing."""
        entries = self.entries()
        if operation is None:
            return entries
        wanted = set(_operation_ids(operation))
        return [e for e in entries if e.operation_id in wanted]

    def last(self, operation: str | None = None) -> JournalEntry:
        """The most recent request (of one operation); AssertionError when there is none."""
        found = self.calls(operation)
        if not found:
            what = f"{operation} request" if operation else "request"
            raise AssertionError(f"no {what} was received{self._received()}")
        return found[-1]

    def assert_called(self, operation: str, times: int | None = None) -> list[JournalEntry]:
        """Assert the operation was called (exactly ``times`` times when given)."""
        found = self.calls(operation)
        if times is None and not found:
            raise AssertionError(f"{operation} was never called{self._received()}")
        if times is not None and len(found) != times:
            raise AssertionError(
                f"{operation} was called {len(found)} times, expected {times}{self._received()}"
            )
        return found

    def _received(self) -> str:
        """``; received: POST /v1/embeddings (createEmbedding)`` for a failed assertion."""
        entries = self.entries()
        if not entries:
            return "; no request was received"
        shown = [f"{e.method} {e.path} ({e.operation_id or 'no operation'})" for e in entries[-5:]]
        more = f"{len(entries) - 5} earlier and " if len(entries) > 5 else ""
        return f"; received: {more}{', '.join(shown)}"


def _operation_ids(name: str) -> tuple[str, ...]:
    from oai_mock.mockserver.operation_names import resolve
    from oai_mock.spec import load_bundle

    return resolve(load_bundle(), name)


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
