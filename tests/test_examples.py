"""Every example in examples/ runs: each script against a fake in its own process and against
`oai-mock serve`, the pytest example under pytest, and the examples index lists them all."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from served import ServedFake

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
SCRIPTS = sorted(path.name for path in EXAMPLES.glob("*.py"))

# A line each script must print: evidence that it got to its point, beyond exiting 0.
EXPECTED = {
    "assistants.py": "steps: ['tool_calls', 'message_creation']",
    "azure_openai.py": "/openai/deployments/my-gpt-4o-deployment/chat/completions?api-version=",
    "batch.py": "requests: 3 completed, 1 failed of 4",
    "chat.py": 'after the tool: Mock reply using the tool results: {"temperature": 22}',
    "client_configuration.py": "param=messages[0].role",
    "completions_and_embeddings.py": "base64 embedding: 256 floats",
    "contracts.py": "passed, 0 failed",
    "files_and_vector_stores.py": "search: refunds.txt",
    "fine_tuning.py": "job: validating_files -> queued -> running -> succeeded",
    "images_and_audio.py": "inline images: [(256, 256), (256, 256)]",
    "models_and_moderations.py": "moderation (kill): flagged=True",
    "quickstart.py": "reference client, responses: Mock reply to",
    "responses.py": "stream: response.created ... response.completed",
}


def run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedFake]:
    fake = ServedFake(tmp_path_factory.mktemp("serve") / "serve.log")
    try:
        yield fake
    finally:
        fake.stop()


def test_every_script_has_an_expectation_and_a_line_in_the_index() -> None:
    assert set(SCRIPTS) == set(EXPECTED)
    index = (EXAMPLES / "README.md").read_text()
    listed = set(re.findall(r"\[`([\w/.]+)`\]", index))
    assert listed == {*SCRIPTS, "pytest/", "scenarios/weather.yaml"}


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_runs_against_an_in_process_fake(script: str) -> None:
    result = run([f"examples/{script}"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert EXPECTED[script] in result.stdout, result.stdout


@pytest.mark.parametrize("script", SCRIPTS)
def test_script_runs_against_oai_mock_serve(script: str, served: ServedFake) -> None:
    before = served.requests_logged()
    result = run([f"examples/{script}", served.url])
    assert result.returncode == 0, result.stdout + result.stderr
    # Against one served fake, contracts.py runs once; the fake accepts any model name (no
    # --strict-models), which only the recommended errors.unknown-model check notices.
    expected = "FAIL    expected 400 or 404" if script == "contracts.py" else EXPECTED[script]
    assert expected in result.stdout, result.stdout
    assert served.requests_logged() > before  # the requests went to the served fake


def test_the_pytest_example_passes_every_test() -> None:
    source = (EXAMPLES / "pytest" / "test_support_bot.py").read_text()
    tests = len(re.findall(r"^(?:async )?def test_", source, re.MULTILINE))
    result = run(["-m", "pytest", "examples/pytest", "-q", "-p", "no:cacheprovider"])
    assert result.returncode == 0, result.stdout + result.stderr
    assert re.search(rf"\b{tests} passed\b", result.stdout), result.stdout
    assert "skipped" not in result.stdout and "warnings" not in result.stdout, result.stdout
