"""The mock's clock: frozen (moved only by ``advance``), real time, or real time sped up.

Every timestamp the fake writes (``created``, ``created_at``, ``expires_at``...) and every
lifecycle that moves with time reads this clock, so tests control time instead of waiting.

>>> clock = Clock()            # frozen at 2025-01-01T00:00:00Z
>>> clock.now()
1735689600.0
>>> clock.advance(90)
>>> int(clock.now())
1735689690
"""

from __future__ import annotations

import math
import threading
import time
from typing import Literal

ClockMode = Literal["frozen", "real", "accelerated"]
DEFAULT_START = 1_735_689_600.0  # 2025-01-01T00:00:00Z: fixed, so that runs are reproducible
LATEST = 253_402_300_799.0
"""9999-12-31T23:59:59Z: the clock never passes it (every timestamp stays a date the SDKs and
JSON encoders can write)."""
FASTEST = 1_000_000.0
"""The most an accelerated clock may speed time up (a million seconds per second)."""


def _speed(speed: float) -> float:
    if not (isinstance(speed, (int, float)) and math.isfinite(speed) and 0 < speed <= FASTEST):
        raise ValueError(f"the clock speed must be above 0 and at most {FASTEST:g}, not {speed!r}")
    return float(speed)


class Clock:
    def __init__(
        self, mode: ClockMode = "frozen", start: float | None = None, speed: float = 1.0
    ) -> None:
        if mode not in ("frozen", "real", "accelerated"):
            raise ValueError(f"unknown clock mode {mode!r}: use frozen, real or accelerated")
        _speed(speed)
        if start is not None and not (math.isfinite(start) and 0 <= start <= LATEST):
            raise ValueError(
                f"the clock's start must be a time between 1970 and 9999, not {start!r}"
            )
        self.mode: ClockMode = mode
        self.speed = speed if mode == "accelerated" else 1.0
        self._initial: tuple[ClockMode, float] = (mode, self.speed)
        self._given_start = start
        if start is None:
            start = DEFAULT_START if mode == "frozen" else time.time()
        self._start = start
        self._offset = 0.0
        self._origin = time.monotonic()
        self._lock = threading.Lock()

    def now(self) -> float:
        with self._lock:
            if self.mode == "frozen":
                return self._start + self._offset
            elapsed = (time.monotonic() - self._origin) * self.speed
            return min(LATEST, self._start + elapsed + self._offset)

    def timestamp(self) -> int:
        """Whole seconds since the epoch, as OpenAI writes them."""
        return int(self.now())

    def set_mode(self, mode: ClockMode, speed: float | None = None) -> None:
        """Change how time moves from now on; the current time is kept."""
        if mode not in ("frozen", "real", "accelerated"):
            raise ValueError(f"unknown clock mode {mode!r}: use frozen, real or accelerated")
        if speed is not None:
            _speed(speed)
        now = self.now()
        with self._lock:
            self.mode = mode
            self.speed = (speed or self.speed) if mode == "accelerated" else 1.0
            self._start, self._offset, self._origin = now, 0.0, time.monotonic()

    def reset(self) -> None:
        """Back to how the clock was made: its mode and speed, and the time it started at
        (frozen), or now (real, accelerated)."""
        with self._lock:
            self.mode, self.speed = self._initial
            if self.mode == "frozen":
                self._start = DEFAULT_START if self._given_start is None else self._given_start
            else:
                self._start = time.time()
            self._offset, self._origin = 0.0, time.monotonic()

    def advance(self, seconds: float) -> None:
        """Move the clock forward, in any mode."""
        if not (isinstance(seconds, (int, float)) and math.isfinite(seconds)) or seconds < 0:
            raise ValueError(
                f"the clock only moves forward, by a number of seconds, not {seconds!r}"
            )
        if self.now() + seconds > LATEST:
            raise ValueError("the clock cannot move past the year 9999")
        with self._lock:
            self._offset += seconds
