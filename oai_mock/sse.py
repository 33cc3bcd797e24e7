"""Server-sent events: OpenAI's framing on the way out, every server's quirks on the way in.

Encoding writes exactly what OpenAI sends (``data: {json}\\n\\n``, with ``event: <name>`` first
where the family uses event names). Decoding accepts what any OpenAI-compatible server sends:
LF, CRLF or CR line ends, ``data:`` with or without the space, multi-line data, ``:`` comments
and keep-alives, ``event:``/``id:``/``retry:`` fields, and UTF-8 split across chunks.

>>> events = list(decode_sse([b'data: {"a": 1}\\r\\n\\r', b'\\n: ping\\n\\ndata:[DONE]\\n\\n']))
>>> [(e.event, e.data) for e in events]
[(None, '{"a": 1}'), (None, '[DONE]')]
"""

from __future__ import annotations

import codecs
from collections.abc import AsyncIterable, AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import orjson

DONE = "[DONE]"


@dataclass(frozen=True, slots=True)
class ServerSentEvent:
    data: str
    event: str | None = None
    id: str | None = None
    retry: int | None = None

    def json(self) -> Any:
        return orjson.loads(self.data)

    @property
    def is_done(self) -> bool:
        return self.data == DONE


def encode_event(data: Any, event: str | None = None) -> bytes:
    """One event in OpenAI's framing; ``data`` is JSON-encoded unless it is already a string."""
    # Bytes throughout: this runs for every chunk of every stream.
    payload = data.encode() if isinstance(data, str) else orjson.dumps(data)
    frame = b"data: " + payload + b"\n\n"
    return frame if event is None else b"event: " + event.encode() + b"\n" + frame


class SSEDecoder:
    """Incremental decoder: feed it text lines, it returns each event when its blank line
    arrives."""

    def __init__(self) -> None:
        self._data: list[str] = []
        self._event: str | None = None
        self._id: str | None = None
        self._retry: int | None = None

    def feed_line(self, line: str) -> ServerSentEvent | None:
        if not line:
            return self._dispatch()
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value or None
        elif name == "id":
            self._id = value
        elif name == "retry" and value.isdigit():
            self._retry = int(value)
        return None

    def flush(self) -> ServerSentEvent | None:
        """The last event, when a stream ends without its final blank line."""
        return self._dispatch()

    def _dispatch(self) -> ServerSentEvent | None:
        if not self._data and self._event is None:
            return None
        event = ServerSentEvent(
            data="\n".join(self._data), event=self._event, id=self._id, retry=self._retry
        )
        self._data, self._event, self._retry = [], None, None
        return event


class _LineSplitter:
    """Splits decoded text into lines on LF, CRLF or CR, across chunk boundaries."""

    def __init__(self) -> None:
        self._utf8 = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""

    def feed(self, chunk: bytes) -> list[str]:
        text = self._buffer + self._utf8.decode(chunk)
        lines: list[str] = []
        start = 0
        length = len(text)
        index = 0
        while index < length:
            char = text[index]
            if char == "\r":
                if index + 1 == length:
                    break  # a CR at the end may be the first half of CRLF: wait for more
                lines.append(text[start:index])
                index += 2 if text[index + 1] == "\n" else 1
                start = index
                continue
            if char == "\n":
                lines.append(text[start:index])
                start = index + 1
            index += 1
        self._buffer = text[start:]
        return lines

    def close(self) -> list[str]:
        rest = self._buffer + self._utf8.decode(b"", final=True)
        self._buffer = ""
        if not rest:
            return []
        return [line for line in rest.replace("\r\n", "\n").replace("\r", "\n").split("\n")]


def _feed(splitter: _LineSplitter, decoder: SSEDecoder, chunk: bytes) -> list[ServerSentEvent]:
    events = []
    for line in splitter.feed(chunk):
        event = decoder.feed_line(line)
        if event is not None:
            events.append(event)
    return events


def _finish(splitter: _LineSplitter, decoder: SSEDecoder) -> list[ServerSentEvent]:
    events = [e for e in (decoder.feed_line(line) for line in splitter.close()) if e is not None]
    last = decoder.flush()
    return [*events, last] if last is not None else events


def decode_sse(chunks: Iterable[bytes]) -> Iterator[ServerSentEvent]:
    """Decode a byte stream into events."""
    splitter, decoder = _LineSplitter(), SSEDecoder()
    for chunk in chunks:
        yield from _feed(splitter, decoder, chunk)
    yield from _finish(splitter, decoder)


async def adecode_sse(chunks: AsyncIterable[bytes]) -> AsyncIterator[ServerSentEvent]:
    """Decode an async byte stream into events."""
    splitter, decoder = _LineSplitter(), SSEDecoder()
    async for chunk in chunks:
        for event in _feed(splitter, decoder, chunk):
            yield event
    for event in _finish(splitter, decoder):
        yield event
