"""A session using pytester loads the fake up front; any other session loads it on first use.

pytester's in-process runs restore ``sys.modules`` afterwards, so a fake first imported inside
one would leave the session with two copies of its classes.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROBE = """
import sys

def test_probe():
    print("ENGINE-LOADED" if "oai_mock.mockserver.engine" in sys.modules else "ENGINE-NOT-LOADED")
"""


def _run_probe(tmp_path: Path, *options: str) -> str:
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    (tmp_path / "test_probe.py").write_text(PROBE)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-s", "-q", "-p", "no:cacheprovider", *options],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_a_session_with_pytester_loads_the_fake_before_any_test(tmp_path: Path) -> None:
    assert "ENGINE-LOADED" in _run_probe(tmp_path, "-p", "pytester")


def test_a_session_without_pytester_loads_the_fake_only_on_first_use(tmp_path: Path) -> None:
    assert "ENGINE-NOT-LOADED" in _run_probe(tmp_path)
