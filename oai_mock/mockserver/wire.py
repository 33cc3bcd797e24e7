"""Stream items as values, and their one encoding on the wire.

A streamed answer is a sequence of :class:`Event` values (with :class:`Pause` and
:class:`Disconnect` marks where a script or a timing profile wants them) until an adapter sends
it; :func:`encode_stream` writes each event in its family's framing as the adapter iterates.
Frames that are already bytes (a recorded answer) pass through as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from oai_mock.sse import encode_event


@dataclass(frozen=True, slots=True)
class Pause:
    """A stream element that asks the adapter to wait before sending the next chunk."""

    seconds: float


@dataclass(frozen=True, slots=True)
class Disconnect:
    """A stream element that asks the adapter to drop the connection at this point."""


@dataclass(frozen=True, slots=True)
class Event:
    """One server-sent event as a value: its data (a JSON value, or a literal string such as
    ``[DONE]``) and its ``event:`` name. Quirks, the self-check and pacing work on these; an
    adapter encodes them to bytes once (:func:`encode_stream`)."""

    data: Any
    name: str | None = None


StreamItem = bytes | Event | Pause | Disconnect
"""What an answer's stream holds: events as values, frames already in bytes (a recorded
answer), pauses and a dropped connection."""
WireItem = bytes | Pause | Disconnect
"""A stream item as an adapter sends it: events encoded."""


def is_event(item: StreamItem) -> bool:
    """Whether ``item`` is something the client receives (an event or a frame), not a pause or
    a drop."""
    return isinstance(item, (bytes, Event))


@dataclass(frozen=True, slots=True)
class Framing:
    """How a stream's events are written: OpenAI's ``data: `` and LF, or a quirky server's."""

    data_prefix: str = "data: "
    line_end: str = "\n"


OPENAI_FRAMING = Framing()


def encode_stream(
    items: Iterable[StreamItem], framing: Framing = OPENAI_FRAMING
) -> Iterator[WireItem]:
    """The items as an adapter sends them: each event encoded, pauses and drops kept."""
    if framing == OPENAI_FRAMING:
        for item in items:
            yield encode_event(item.data, event=item.name) if isinstance(item, Event) else item
        return
    for item in items:
        if isinstance(item, Event):
            yield reframe(encode_event(item.data, event=item.name), framing)
        elif isinstance(item, bytes):
            yield reframe(item, framing)
        else:
            yield item


def reframe(frame: bytes, framing: Framing) -> bytes:
    """An event written in OpenAI's framing, rewritten in ``framing``: the data prefix changed
    where a line starts with it, the line ends changed."""
    lines = frame.split(b"\n")
    prefix = framing.data_prefix.encode()
    lines = [prefix + line[6:] if line.startswith(b"data: ") else line for line in lines]
    return framing.line_end.encode().join(lines)
