"""Answer requests from a cassette: the source the engine consults before its behaviours.

Each recorded exchange answers one matching request, in the order they were recorded; when a
request has used up every exchange recorded for it, the last one answers again (a client
polling a run sees its final state). A request with no recorded match is answered by the fake
(``on_miss="fake"``), refused with the closest recorded request and why it differs
(``on_miss="refuse"``), or, when recording, forwarded to the upstream and recorded.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from oai_mock.mockserver.errors import APIError
from oai_mock.mockserver.messages import MockResponse
from oai_mock.recording.exchange import Exchange
from oai_mock.recording.matching import Key, differences, distance, request_key

if TYPE_CHECKING:
    from oai_mock.mockserver.requests import Call
    from oai_mock.recording.forward import Forwarder

OnMiss = Literal["fake", "refuse"]
NO_MATCH_CODE = "no_recorded_match"


@dataclass
class Miss:
    """A request the cassette had no answer for."""

    method: str
    path: str
    closest: str | None
    reasons: list[str] = field(default_factory=list)

    def describe(self) -> str:
        text = f"{self.method} {self.path} has no recorded answer"
        if self.closest is None:
            return text + " (the cassette records nothing like it)"
        return f"{text}; closest recorded: {self.closest}: " + "; ".join(self.reasons)


class ReplaySource:
    """Recorded answers for an :class:`~oai_mock.OpenAIMock`: ``mock.replay = source``.

    ``ignore``: body fields (dotted for nested ones) and query parameters left out of the
    match. ``pace``: 1.0 replays the recorded timing, 0 answers at once, 2.0 takes twice as
    long. ``forwarder``: when set, a request without a recorded answer goes to the upstream and
    is recorded (``replay=False`` forwards every request).
    """

    def __init__(
        self,
        exchanges: Iterable[Exchange],
        *,
        ignore: Iterable[str] = (),
        on_miss: OnMiss = "fake",
        pace: float = 1.0,
        forwarder: Forwarder | None = None,
        replay: bool = True,
    ) -> None:
        if on_miss not in ("fake", "refuse"):
            raise ValueError(f"on_miss is 'fake' or 'refuse', not {on_miss!r}")
        if not 0 <= pace <= 1000:  # NaN fails this too; inf would hang every answer
            raise ValueError(f"pace must be 0 (at once) or a factor up to 1000, not {pace!r}")
        self.ignore = tuple(ignore)
        self.on_miss = on_miss
        self.pace = pace
        self.forwarder = forwarder
        self.replaying = replay
        self.exchanges = list(exchanges)
        self._by_key: dict[Key, list[Exchange]] = {}
        for exchange in self.exchanges:
            self._by_key.setdefault(self._key(exchange), []).append(exchange)
        self._used: dict[Key, int] = {}
        self._lock = threading.Lock()
        self.misses: list[Miss] = []
        self.replayed = 0

    def _key(self, exchange: Exchange) -> Key:
        return request_key(exchange.request, self.ignore)

    def __call__(self, call: Call) -> MockResponse | None:
        return self.answer(call)

    def answer(self, call: Call) -> MockResponse | None:
        """The recorded (or forwarded) answer; None lets the fake answer; raises
        :class:`APIError` to refuse."""
        key = request_key(call.request, self.ignore)
        if self.replaying:
            with self._lock:
                recorded = self._by_key.get(key)
                if recorded:
                    used = self._used.get(key, 0)
                    self._used[key] = used + 1
                    self.replayed += 1
                    exchange = recorded[min(used, len(recorded) - 1)]
                    return exchange.response.to_mock_response(self.pace)
        if self.forwarder is not None:
            return self.forwarder.forward(call.request)
        miss = self._miss(call, key)
        with self._lock:
            self.misses.append(miss)
        if self.on_miss == "fake":
            return None
        raise APIError(400, "oai-mock replay: " + miss.describe() + ".", code=NO_MATCH_CODE)

    def _miss(self, call: Call, key: Key) -> Miss:
        best: tuple[int, Exchange] | None = None
        for exchange in self.exchanges:
            score = distance(self._key(exchange), key)
            if best is None or score < best[0]:
                best = (score, exchange)
        request = call.request
        if best is None:
            return Miss(request.method, request.path, None)
        exchange = best[1]
        where = f"{exchange.source}:{exchange.line}" if exchange.source else "the cassette"
        closest = f"{exchange.request.method} {exchange.request.path} ({where})"
        return Miss(request.method, request.path, closest, differences(self._key(exchange), key))
