"""The README's examples run: each Python block of "Testing with pytest" is a test module."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parents[1] / "README.md"


def section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else None]


def python_blocks(title: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", section(title), flags=re.S)


PYTEST_EXAMPLES = python_blocks("Testing with pytest")


def test_the_pytest_section_has_every_example() -> None:
    assert len(PYTEST_EXAMPLES) == 8


@pytest.mark.parametrize("number", range(len(PYTEST_EXAMPLES)))
def test_pytest_examples_pass(pytester: pytest.Pytester, number: int) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(**{f"test_readme_example_{number}": PYTEST_EXAMPLES[number]})
    result = pytester.runpytest("-p", "no:cacheprovider", "-q")
    outcomes = result.parseoutcomes()
    assert (
        outcomes.get("passed", 0) >= 1 and not outcomes.get("failed") and not outcomes.get("errors")
    ), result.stdout.str()
