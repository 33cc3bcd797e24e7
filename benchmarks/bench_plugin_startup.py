"""What the pytest plugin costs a test run that does not use it, in one run.

    .venv/bin/python benchmarks/bench_plugin_startup.py

- pytest start-up: ``pytest -q`` on one trivial test, with the plugin (as installed) and with
  ``-p no:oai_mock``, in new interpreters, other plugins as installed in both;
- the plugin's own import: ``import oai_mock.fixtures.plugin`` against ``import pytest``;
- first use: the same run with one test that asks for ``oai_mock`` (the engine and the spec
  bundle load then, once per process).
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RUNS = 9


def timed(args: list[str], cwd: Path) -> float:
    samples = []
    for _ in range(RUNS):
        start = time.perf_counter()
        subprocess.run(args, cwd=cwd, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        (cwd / "test_plain.py").write_text("def test_plain():\n    assert True\n")
        (cwd / "test_uses.py").write_text(
            "def test_uses(oai_mock):\n    assert oai_mock.request('GET', '/v1/models').status == 200\n"
        )
        pytest = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        without = timed([*pytest, "-p", "no:oai_mock", "test_plain.py"], cwd)
        with_plugin = timed([*pytest, "test_plain.py"], cwd)
        bare = timed([sys.executable, "-c", "import pytest"], cwd)
        plugin_import = timed([sys.executable, "-c", "import oai_mock.fixtures.plugin"], cwd)
        first_use = timed([*pytest, "test_uses.py"], cwd)
    print(f"medians of {RUNS} runs, new interpreters")
    print(f"pytest, plugin disabled:       {without * 1000:7.0f} ms  (baseline)")
    print(
        f"pytest, plugin loaded:         {with_plugin * 1000:7.0f} ms  ({with_plugin / without:.2f}x)"
    )
    print(f"python -c 'import pytest':     {bare * 1000:7.0f} ms")
    print(
        f"import the plugin module:      {plugin_import * 1000:7.0f} ms  "
        f"(+{(plugin_import - bare) * 1000:.0f} ms over importing pytest)"
    )
    print(
        f"pytest, one test using it:     {first_use * 1000:7.0f} ms  ({first_use / without:.2f}x)"
    )


if __name__ == "__main__":
    main()
