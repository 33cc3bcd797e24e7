"""Runs tests/sdk2 inside the openai 2.x environment that scripts/test builds."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHON = ROOT / ".venv-openai2" / "bin" / "python"


def test_openai_2_suite_passes() -> None:
    assert PYTHON.is_file(), "the openai 2.x environment is missing: run scripts/openai2-env"
    result = subprocess.run(
        [
            str(PYTHON),
            "-m",
            "pytest",
            "tests/sdk2",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:randomly",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    sys.stdout.write(result.stdout[-3000:])
    assert result.returncode == 0, result.stdout[-5000:] + result.stderr[-2000:]
    assert " passed" in result.stdout
