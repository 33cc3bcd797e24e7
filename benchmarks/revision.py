"""Load a module of the package as it was at an earlier git revision, beside the current one,
so that a benchmark compares two versions in turns in one run (the same load for both)."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def module_at(revision: str, path: str) -> ModuleType:
    """``path`` (``oai_mock/contracts/strategies.py``) at ``revision``, imported under a name
    of its own; what it imports comes from the current package."""
    source = subprocess.run(
        ["git", "show", f"{revision}:{path}"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    name = "at_" + revision.replace("-", "_").replace(".", "_") + "_" + Path(path).stem
    file = Path(tempfile.mkdtemp()) / f"{name}.py"
    file.write_bytes(source)
    spec = importlib.util.spec_from_file_location(name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module
