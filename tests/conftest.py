import os
import sys
from pathlib import Path
from typing import Any

import openai
import pytest

# Every mock in the suite checks its own answers against the spec (strict profile).
os.environ.setdefault("OAI_MOCK_SELF_CHECK", "1")

# Test helpers (spec_examples, ...) live beside the tests.
sys.path.insert(0, str(Path(__file__).parent))

# tests/sdk2 runs inside the openai 2.x environment (scripts/openai2-env), driven by
# test_official_sdk_v2.py; the main environment has openai 3.x.
collect_ignore_glob = ["sdk2/*"] if int(openai.__version__.split(".")[0]) >= 3 else []


@pytest.fixture
def figure(record_property: Any) -> Any:
    """Record a measured figure; the run's summary lists them (also under pytest-xdist)."""

    def record(text: str) -> None:
        record_property("figure", text)

    return record


def pytest_terminal_summary(terminalreporter: Any) -> None:
    lines = []
    for reports in terminalreporter.stats.values():
        for report in reports:
            for key, value in getattr(report, "user_properties", []):
                if key == "figure" and getattr(report, "when", "call") == "call":
                    lines.append(f"{report.nodeid.split('::')[-1]}: {value}")
    if lines:
        terminalreporter.write_sep("-", "figures measured by the tests")
        for line in sorted(set(lines)):
            terminalreporter.write_line(line)
