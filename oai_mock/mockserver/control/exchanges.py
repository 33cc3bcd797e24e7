"""What ``oai-mock serve`` answered: each exchange in full (request, response or stream events
with their timing, the rule that answered), kept for the control API, the inspector and the log.

:class:`ExchangeRecorder` is ASGI middleware: it watches the messages going between the server
and the fake, so it sees exactly what the client got, when it got it, and how the exchange ended
(answered, dropped as scripted, the client gone, or the server stopping).
"""

from __future__ import annotations

import asyncio
import itertools
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from oai_mock.mockserver.secrets import mask_headers, mask_query_string

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

BODY_LIMIT = 256 * 1024
"""Bytes of a request or response body kept for display; the rest is counted, not stored."""
EVENT_LIMIT = 5000
ANSWER_STATE_KEY = "oai_mock_answer"
"""Where the fake's endpoint leaves its answer in the request state (operation, rule)."""


@dataclass
class StreamEvent:
    at_ms: float
    """Milliseconds since the exchange began."""
    data: str


@dataclass(eq=False)
class Exchange:
    """One exchange as it happened. What the recorder sees is kept as it came (the raw headers,
    references to the body chunks): decoding and masking happen when the exchange is shown, so
    recording costs the server next to nothing per request."""

    id: str
    started: float
    """Wall-clock time (seconds since the epoch) the request arrived."""
    method: str
    path: str
    raw_query: bytes
    raw_request_headers: list[tuple[bytes, bytes]]
    request_chunks: list[bytes] = field(default_factory=list)
    """The start of the request body (up to ``BODY_LIMIT`` bytes), as received."""
    request_bytes: int = 0
    status: int | None = None
    raw_response_headers: list[tuple[bytes, bytes]] = field(default_factory=list)
    response_chunks: list[bytes] = field(default_factory=list)
    response_bytes: int = 0
    events: list[StreamEvent] = field(default_factory=list)
    streamed: bool = False
    operation: str | None = None
    rule_id: str | None = None
    duration_ms: float | None = None
    outcome: str = "in progress"
    """``answered``, ``dropped`` (a scripted fault), ``client disconnected``, ``server
    stopped`` or ``in progress``."""
    _clock: float = field(default_factory=time.perf_counter, repr=False)

    @property
    def query(self) -> str:
        return mask_query_string(self.raw_query.decode("latin-1"))

    @property
    def request_headers(self) -> dict[str, str]:
        return _shown_headers(self.raw_request_headers)

    @property
    def response_headers(self) -> dict[str, str]:
        return _shown_headers(self.raw_response_headers)

    @property
    def request_body(self) -> bytes:
        return b"".join(self.request_chunks)

    @property
    def response_body(self) -> bytes:
        return b"".join(self.response_chunks)

    @property
    def done(self) -> bool:
        return self.outcome != "in progress"

    def elapsed_ms(self) -> float:
        return (time.perf_counter() - self._clock) * 1000

    @property
    def model(self) -> str | None:
        body = self.request_json()
        value = body.get("model") if isinstance(body, dict) else None
        return value if isinstance(value, str) else None

    def request_json(self) -> Any:
        return _json_or_none(self.request_body)

    @property
    def error_message(self) -> str | None:
        """The message the client got with an error status (None for a success)."""
        if self.status is None or self.status < 400:
            return None
        body = _json_or_none(self.response_body)
        if isinstance(body, dict) and isinstance(body.get("error"), dict):
            message = body["error"].get("message")
            if isinstance(message, str):
                return message
        text = self.response_body.decode("utf-8", "replace").strip()
        return " ".join(text.split())[:300] or None

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "time": self.started,
            "method": self.method,
            "path": self.path,
            "query": self.query,
            "operation": self.operation,
            "model": self.model,
            "status": self.status,
            "duration_ms": None if self.duration_ms is None else round(self.duration_ms, 1),
            "streamed": self.streamed,
            "rule_id": self.rule_id,
            "outcome": self.outcome,
            "error": self.error_message,
        }

    def detail(self) -> dict[str, Any]:
        return {
            **self.summary(),
            "request": {
                "headers": self.request_headers,
                "body": _shown(self.request_body, self.request_bytes),
                "bytes": self.request_bytes,
            },
            "response": {
                "status": self.status,
                "headers": self.response_headers,
                "body": None if self.streamed else _shown(self.response_body, self.response_bytes),
                "bytes": self.response_bytes,
                "events": [{"at_ms": round(e.at_ms, 1), "data": e.data} for e in self.events],
            },
        }


def _json_or_none(raw: bytes) -> Any:
    if not raw:
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return None


def _shown_headers(raw: list[tuple[bytes, bytes]]) -> dict[str, str]:
    return mask_headers({k.decode("latin-1").lower(): v.decode("latin-1") for k, v in raw})


def _shown(raw: bytes, total: int) -> Any:
    """A body as the inspector shows it: parsed JSON, else text; a note when cut."""
    if not raw:
        return None
    parsed = _json_or_none(raw)
    if parsed is not None and total <= len(raw):
        return parsed
    text = raw.decode("utf-8", "replace")
    if total > len(raw):
        text += f"\n... ({total - len(raw)} more bytes not kept)"
    return text


class ExchangeLog:
    """The most recent exchanges (``limit``; None keeps all), and who wants to hear of them.

    Listeners are called on the event loop when an exchange starts and when it ends.
    """

    def __init__(self, limit: int | None = 1000) -> None:
        self._exchanges: deque[Exchange] = deque(maxlen=limit)
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self.listeners: list[Callable[[str, Exchange | None], None]] = []

    def new_id(self) -> str:
        return f"ex_{next(self._numbers)}"

    def add(self, exchange: Exchange) -> None:
        with self._lock:
            self._exchanges.append(exchange)
        self.notify("exchange", exchange)

    def notify(self, kind: str, exchange: Exchange | None = None) -> None:
        for listener in list(self.listeners):
            listener(kind, exchange)

    def get(self, exchange_id: str) -> Exchange | None:
        with self._lock:
            return next((e for e in self._exchanges if e.id == exchange_id), None)

    def all(self) -> list[Exchange]:
        with self._lock:
            return list(self._exchanges)

    def clear(self) -> None:
        with self._lock:
            self._exchanges.clear()
        self.notify("cleared")


class ExchangeRecorder:
    """ASGI middleware that records every exchange with ``app`` and reports it when it ends."""

    def __init__(
        self,
        app: ASGIApp,
        log: ExchangeLog,
        on_end: Callable[[Exchange], None] | None = None,
    ) -> None:
        self.app = app
        self.log = log
        self.on_end = on_end

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        exchange = Exchange(
            id=self.log.new_id(),
            started=time.time(),
            method=scope["method"],
            path=scope["path"],
            raw_query=scope.get("query_string", b""),
            raw_request_headers=scope.get("headers", []),
        )
        state = scope.setdefault("state", {})
        self.log.add(exchange)

        async def recording_receive() -> Message:
            message = await receive()
            if message["type"] == "http.request":
                chunk = message.get("body", b"")
                _keep(exchange.request_chunks, exchange.request_bytes, chunk)
                exchange.request_bytes += len(chunk)
            return message

        async def recording_send(message: Message) -> None:
            kind = message["type"]
            if kind == "http.response.body":
                chunk = message.get("body", b"")
                if exchange.streamed and chunk and len(exchange.events) < EVENT_LIMIT:
                    text = chunk.decode("utf-8", "replace")
                    exchange.events.append(StreamEvent(exchange.elapsed_ms(), text))
                else:
                    _keep(exchange.response_chunks, exchange.response_bytes, chunk)
                exchange.response_bytes += len(chunk)
                await send(message)
                if not message.get("more_body", False):
                    self._finish(exchange, "answered")
                return
            if kind == "http.response.start":
                exchange.status = message["status"]
                exchange.raw_response_headers = message["headers"]
                exchange.streamed = any(
                    name.lower() == b"content-type" and value.startswith(b"text/event-stream")
                    for name, value in message["headers"]
                )
                answer = state.get(ANSWER_STATE_KEY)
                exchange.operation = getattr(answer, "operation_id", None)
                exchange.rule_id = getattr(answer, "rule_id", None)
            await send(message)

        try:
            await self.app(scope, recording_receive, recording_send)
        except asyncio.CancelledError:
            self._finish(exchange, "server stopped")
            raise
        except OSError:
            self._finish(exchange, "client disconnected")
            raise
        except Exception as error:
            kind = type(error).__name__
            outcome = {"ConnectionDropped": "dropped", "ClientTooSlow": "client too slow"}.get(
                kind, f"failed ({kind})"
            )
            self._finish(exchange, outcome)
            raise
        finally:
            if not exchange.done:
                self._finish(exchange, "client disconnected")

    def _finish(self, exchange: Exchange, outcome: str) -> None:
        if exchange.done:
            return
        exchange.duration_ms = exchange.elapsed_ms()
        exchange.outcome = outcome
        self.log.notify("exchange", exchange)
        if self.on_end is not None:
            self.on_end(exchange)


def _keep(chunks: list[bytes], kept: int, chunk: bytes) -> None:
    """Keep ``chunk`` (a reference, no copy) while the body's first ``BODY_LIMIT`` bytes last;
    ``kept``: the bytes of the body seen before it."""
    room = BODY_LIMIT - kept
    if room <= 0 or not chunk:
        return
    chunks.append(chunk if len(chunk) <= room else chunk[:room])
