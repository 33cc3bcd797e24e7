"""Lint-fix and format generated Python with ruff, so that generated files pass the same
checks as the hand-written ones."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path


def _ruff() -> str:
    local = Path(sys.executable).parent / "ruff"
    if local.exists():
        return str(local)
    found = shutil.which("ruff")
    if found is None:
        raise RuntimeError("ruff is needed to format generated code: install the test extras")
    return found


def ruff_format(content: bytes, path: Path) -> bytes:
    if path.suffix != ".py":
        return content
    fixed = subprocess.run(
        [_ruff(), "check", "--fix", "--quiet", "--exit-zero", "--stdin-filename", str(path), "-"],
        input=content,
        capture_output=True,
        check=False,
    )
    if fixed.returncode == 0 and fixed.stdout:
        content = fixed.stdout
    result = subprocess.run(
        [_ruff(), "format", "--stdin-filename", str(path), "-"],
        input=content,
        capture_output=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"ruff could not format {path}: {result.stderr.decode()[:2000]}")
    return result.stdout
