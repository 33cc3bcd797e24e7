"""Live progress of a contract run: one line rewritten in place on a terminal (check name, n of
total, elapsed time, failures so far), one plain line per check otherwise (CI logs)."""

from __future__ import annotations

import shutil
import sys
import threading
import time
from typing import TextIO

from oai_mock.contracts.runner import Result

MARKS = {
    "passed": "ok",
    "failed": "FAIL",
    "waived": "waived",
    "unsupported": "n/a",
    "skipped": "skip",
}


class Progress:
    def __init__(self, stream: TextIO | None = None, tty: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self.started = time.monotonic()
        self.failures = 0
        self._lock = threading.Lock()

    def __call__(self, result: Result, done: int, total: int) -> None:
        with self._lock:
            self.failures += result.outcome == "failed"
            elapsed = time.monotonic() - self.started
            clock = f"{int(elapsed // 60):02d}:{int(elapsed % 60):02d}"
            width = len(str(total))
            head = f"[{done:>{width}}/{total}] {clock}"
            failed = f"{self.failures} failed so far"
            if self.tty:
                columns = shutil.get_terminal_size((100, 20)).columns
                line = f"{head} {failed:<16} {result.check.id}"[: columns - 1]
                end = "\n" if done == total else ""
                self.stream.write(f"\r\x1b[2K{line}{end}")
            else:
                mark = MARKS[result.outcome]
                self.stream.write(
                    f"{head} {result.check.id} {mark} ({result.seconds:.1f} s; {failed})\n"
                )
            self.stream.flush()
