"""Cost of the ``oai_mock`` fixture per test, against the same tests without it, in one run.

    .venv/bin/python benchmarks/bench_fixture.py [--tests N]

Writes N trivial tests twice (with and without the fixture), runs each file in its own pytest
process three times, and reports the best wall time of each and the difference per test.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WITH = """
import pytest

@pytest.mark.parametrize("n", range({n}))
def test_with_fixture(oai_mock, n):
    assert oai_mock.seed == 0
"""
WITHOUT = """
import pytest

@pytest.mark.parametrize("n", range({n}))
def test_without_fixture(n):
    assert n >= 0
"""
WITH_REQUEST = """
import openai, pytest

@pytest.mark.parametrize("n", range({n}))
def test_with_a_request(oai_mock, n):
    openai.OpenAI().models.retrieve("gpt-4o")
"""
CLIENT_ONLY = """
import openai, pytest

@pytest.mark.parametrize("n", range({n}))
def test_client_only(n):
    openai.OpenAI(api_key="sk-x")
"""


def best_run(path: Path, rounds: int = 3) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(path)],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        best = min(best, time.perf_counter() - started)
    return best


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tests", type=int, default=500)
    n = parser.parse_args().tests
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "pytest.ini").write_text(
            "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        )
        files = {}
        pairs = (
            ("without", WITHOUT),
            ("with", WITH),
            ("client", CLIENT_ONLY),
            ("request", WITH_REQUEST),
        )
        for name, body in pairs:
            path = Path(folder) / f"test_{name}.py"
            path.write_text(body.format(n=n))
            files[name] = best_run(path)
    base = files["without"]
    print(f"{n} tests per file, best of 3 pytest runs")
    print(f"{'tests':<44}{'seconds':>10}{'ratio':>8}{'per test':>12}")
    print(f"{'without any fixture (baseline)':<44}{base:>10.2f}{1:>8.2f}{'':>12}")
    rows = (
        ("with", "with oai_mock"),
        ("client", "constructing openai.OpenAI(), no fixture"),
        ("request", "with oai_mock + a new openai.OpenAI() + 1 call"),
    )
    for name, label in rows:
        extra = (files[name] - base) / n * 1e3
        print(f"{label:<44}{files[name]:>10.2f}{files[name] / base:>8.2f}{extra:>9.2f} ms")


if __name__ == "__main__":
    main()
