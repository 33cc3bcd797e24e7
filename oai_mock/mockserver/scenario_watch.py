"""``oai-mock serve --scenario FILE --watch``: reload the file's rules and timing when it
changes.

The server keeps its state (objects, journal, clock) and the rules added by other means; only
the file's rules (and its ``timing``, unless ``--timing`` set it) are swapped, all at once. An
edit that does not load is refused with one line and the last good rules and timing stay in
force.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from oai_mock.mockserver.scenario import Scenario
from oai_mock.mockserver.scenario_file import load_scenario

TimingUpdate = Callable[[Any], Callable[[], None]]
"""Checks a file's ``timing`` value (raising ``ValueError`` when it is wrong) and returns what
puts it in force."""


class ScenarioWatcher:
    """Polls one scenario file (no extra dependency, works on every filesystem)."""

    def __init__(
        self,
        path: str | Path,
        scenario: Scenario,
        report: Callable[[str], None],
        interval: float = 0.25,
        on_reload: Callable[[], None] | None = None,
        timing: TimingUpdate | None = None,
    ) -> None:
        self.path = Path(path)
        self.timing = timing
        self.scenario = scenario
        self.report = report
        self.interval = interval
        self.on_reload = on_reload
        self._seen = self._signature()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="oai-mock-watch", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _signature(self) -> tuple[int, int] | None:
        try:
            stat = self.path.stat()
        except OSError:
            return None
        return stat.st_mtime_ns, stat.st_size

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            signature = self._signature()
            if signature == self._seen:
                continue
            self._seen = signature
            self.check()

    def check(self) -> bool:
        """Load the file now; True when its rules (and timing) replaced the old ones."""
        try:
            rules, timing = load_scenario(self.path)  # one reading for both
            apply_timing = None if self.timing is None else self.timing(timing)
        except ValueError as error:  # ScenarioError, TimingError
            self.report(f"oai-mock: {error}; keeping the last good rules and timing")
            return False
        self.scenario.replace(str(self.path), rules)
        if apply_timing is not None:
            apply_timing()
        self.report(f"oai-mock: reloaded {self.path} ({len(rules)} rules)")
        if self.on_reload is not None:
            self.on_reload()
        return True
