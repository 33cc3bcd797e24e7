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
from oai_mock.mockserver.secrets import mask_headers, mask_query

if TYPE_CHECKING:
    from oai_mock.mockserver.requests import Call

KEPT_REFUSED_BODY = 4096
"""Bytes of a refused request's body the journal keeps (a refused 300 MiB upload is not held)."""


@dataclass(frozen=True, slots=True)
class JournalEntry:
    """One request as the fake understood it, and the status it answered."""

    operation_id: str | None
    """None when the request matched no operation (404/405)."""
    method: str
    path: str
    query: tuple[tuple[str, str], ...]
    headers: Mapping[str, str]
    """Lower-case names; secrets (keys, cookies) masked to their first and last characters."""
    body: Any
    """The parsed JSON body or form fields; None when there was none or it did not parse."""
    files: Mapping[str, list[UploadedFile]] = field(default_factory=dict)
    status: int = 0
    raw_body: bytes = b""
    scripted: bool = False
    """Whether a scripted rule (reply or fault) answered it."""
    delivered: str = "complete"
    """What the client received: ``"complete"``, ``"dropped"`` (the connection was closed
    instead of a body), ``"truncated"`` (a body or stream cut short) or ``"delayed"`` (held back
    ``delay`` seconds: a client with a shorter timeout gave up)."""
    body_size: int = 0
    """The request body's size; ``raw_body`` holds only its start when the request was
    refused."""
    rule_id: str | None = None
    """The id of the scripted rule that answered it (``rule_1``...), None for none."""

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


class _Recorded:
    """A request as the journal keeps it until someone reads it: references to what the engine
    already holds, made into a :class:`JournalEntry` (headers masked, body parsed) on first
    read. Most requests a load test or a long ``serve`` sends are never read, so recording one
    costs a copy of its header dict instead of a masked one and a twelve-field entry."""

    __slots__ = ("_entry", "_pending", "body_size", "delivered", "raw", "status")

    def __init__(
        self,
        request: MockRequest,
        call: Call | None,
        status: int,
        delivered: str,
        raw: bytes,
        refused: bool,
    ) -> None:
        self.status = status
        self.delivered = delivered
        self.raw = raw
        """The body kept: all of it, or the start of a refused one."""
        self.body_size = len(request.body)
        # The headers as they are now (a caller may reuse its dict for the next request); not
        # the request itself, so that a refused body is not held through it.
        pending: _Pending = (
            request.method,
            request.path,
            request.query,
            dict(request.headers),
            call,
        )
        self._entry: JournalEntry | None = None
        self._pending: _Pending | None = pending
        if refused:  # built now (refusals are rare): the call, which holds the body, goes
            self._entry = self._build(*pending, parse_raw=False)
            self._pending = None

    def entry(self) -> JournalEntry:
        entry = self._entry
        if entry is not None:
            return entry
        pending = self._pending
        if pending is None:  # another thread built it meanwhile (it sets the entry first)
            assert self._entry is not None
            return self._entry
        entry = self._build(*pending, parse_raw=True)
        self._entry = entry
        # The entry holds what it shows: the unmasked headers and the call can go.
        self._pending = None
        return entry

    def _build(
        self,
        method: str,
        path: str,
        query: tuple[tuple[str, str], ...],
        headers: Mapping[str, str],
        call: Call | None,
        *,
        parse_raw: bool,
    ) -> JournalEntry:
        """``parse_raw``: without a call, whether ``raw`` is the whole body, to decode."""
        body: Any = None
        files: Mapping[str, list[UploadedFile]] = {}
        if call is not None:
            body, files = call.body, call.files
        elif self.raw and parse_raw:
            try:
                body = orjson.loads(self.raw)
            except orjson.JSONDecodeError:
                body = None
        return JournalEntry(
            operation_id=call.operation.id if call is not None else None,
            method=method,
            path=path,
            query=mask_query(query),
            headers=mask_headers(headers),
            body=body,
            files=files,
            status=self.status,
            raw_body=self.raw,
            scripted=call.rule_used if call is not None else False,
            delivered=self.delivered,
            body_size=self.body_size,
            rule_id=call.rule_id if call is not None and call.rule_used else None,
        )


_Pending = tuple[str, str, tuple[tuple[str, str], ...], dict[str, str], "Call | None"]
"""What a record keeps until its entry is built: method, path, query, headers and call."""


class Journal:
    """Thread-safe, append-only list of :class:`JournalEntry`.

    ``limit`` keeps only the most recent entries: a test wants every request it made, a
    long-running ``oai-mock serve`` must not hold every upload it ever received.
    """

    def __init__(self, limit: int | None = None, max_bytes: int | None = None) -> None:
        if limit is not None and limit < 0:
            raise ValueError(f"journal limit must be 0 or more, not {limit}")
        if max_bytes is not None and max_bytes < 0:
            raise ValueError(f"journal bytes must be 0 or more, not {max_bytes}")
        self._entries: deque[_Recorded] = deque()
        self._limit = limit
        self._max_bytes = max_bytes
        self._bytes = 0
        self._lock = threading.Lock()

    def record(self, request: MockRequest, call: Call | None, response: MockResponse) -> None:
        if self._limit == 0:
            return
        refused = response.status >= 400 and len(request.body) > KEPT_REFUSED_BODY
        raw = request.body[:KEPT_REFUSED_BODY] if refused else request.body
        recorded = _Recorded(request, call, response.status, response.delivered, raw, refused)
        with self._lock:
            self._entries.append(recorded)
            self._bytes += len(raw)
            # Oldest first: by count, and by the bytes of the bodies kept.
            while (self._limit is not None and len(self._entries) > self._limit) or (
                self._max_bytes is not None and self._bytes > self._max_bytes and self._entries
            ):
                self._bytes -= len(self._entries.popleft().raw)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def entries(self) -> list[JournalEntry]:
        # Built outside the lock: masking a long backlog must not hold up the requests being
        # recorded meanwhile (two readers may both build one entry; they build the same).
        with self._lock:
            recorded = list(self._entries)
        return [one.entry() for one in recorded]

    def __iter__(self) -> Iterator[JournalEntry]:
        return iter(self.entries())

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)

    def __getitem__(self, index: int) -> JournalEntry:
        with self._lock:
            recorded = self._entries[index]
        return recorded.entry()

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
        if times is not None and (
            isinstance(times, bool) or not isinstance(times, int) or times < 0
        ):
            raise ValueError(f"times must be a whole number, 0 or more, not {times!r}")
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


scrub = mask_headers
"""The masking the journal applies to headers (kept under its old name)."""
