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

import threading
import time
from typing import Literal

ClockMode = Literal["frozen", "real", "accelerated"]
DEFAULT_START = 1_735_689_600.0  # 2025-01-01T00:00:00Z: fixed, so that runs are reproducible


class Clock:
    def __init__(
        self, mode: ClockMode = "frozen", start: float | None = None, speed: float = 1.0
    ) -> None:
        if mode not in ("frozen", "real", "accelerated"):
            raise ValueError(f"unknown clock mode {mode!r}: use frozen, real or accelerated")
        if speed <= 0:
            raise ValueError("the clock speed must be positive")
        self.mode: ClockMode = mode
        self.speed = speed if mode == "accelerated" else 1.0
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
            return self._start + elapsed + self._offset

    def timestamp(self) -> int:
        """Whole seconds since the epoch, as OpenAI writes them."""
        return int(self.now())

    def set_mode(self, mode: ClockMode, speed: float | None = None) -> None:
        """Change how time moves from now on; the current time is kept."""
        if mode not in ("frozen", "real", "accelerated"):
            raise ValueError(f"unknown clock mode {mode!r}: use frozen, real or accelerated")
        if speed is not None and speed <= 0:
            raise ValueError("the clock speed must be positive")
        now = self.now()
        with self._lock:
            self.mode = mode
            self.speed = (speed or self.speed) if mode == "accelerated" else 1.0
            self._start, self._offset, self._origin = now, 0.0, time.monotonic()

    def reset(self) -> None:
        """Back to the time the clock started at (frozen), or to now (real, accelerated)."""
        with self._lock:
            if self.mode == "frozen":
                self._start = DEFAULT_START if self._given_start is None else self._given_start
            else:
                self._start = time.time()
            self._offset, self._origin = 0.0, time.monotonic()

    def advance(self, seconds: float) -> None:
        """Move the clock forward, in any mode."""
        if seconds < 0:
            raise ValueError("the clock only moves forward")
        with self._lock:
            self._offset += seconds
