"""`oai-mock serve` (or `oai-mock record`) as a real subprocess for the tests that need one: a
free port, one log line per request written to a file the test can read, and a clean Ctrl-C
stop."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path


class ServedFake:
    def __init__(self, log: Path, *options: str, command: str = "serve") -> None:
        self.log = log
        self._output = log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "oai_mock.cli", command, "--port", "0", *options],
            stdout=self._output,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.url = self._wait_for_url()

    def _wait_for_url(self) -> str:
        for _ in range(300):  # up to 30 s for the interpreter to start and bind
            found = re.search(
                r"(?:serving the OpenAI API|recording \S+) at (http://127\.0\.0\.1:\d+/v1)",
                self.output(),
            )
            if found:
                return found.group(1)
            if self.process.poll() is not None:
                raise RuntimeError("oai-mock serve exited: " + self.output())
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("oai-mock serve printed no URL in 30 s")

    def output(self) -> str:
        return self.log.read_text()

    def requests_logged(self) -> int:
        return len(re.findall(r" -> \d{3} ", self.output()))

    def stop(self) -> int:
        """Ctrl-C, as a person stops it; the exit code (killed after 10 s without one)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
        try:
            code = self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            code = self.process.wait()
        self._output.close()
        return code
