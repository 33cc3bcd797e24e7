"""The generator: deterministic output, and a drift check that names the stale file."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from codegen.__main__ import BUNDLE_PATH, DEFAULT_SPEC, ROOT, generated_files
from codegen.operations import snake_case


def test_two_runs_give_identical_bytes() -> None:
    first = generated_files(DEFAULT_SPEC)
    second = generated_files(DEFAULT_SPEC)
    assert first == second
    assert BUNDLE_PATH in first


def test_committed_output_is_current() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "codegen", "--check"], cwd=ROOT, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_check_fails_and_names_the_file_when_output_drifted(tmp_path: Path) -> None:
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "codegen", copy / "codegen")
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")  # ruff's settings
    shutil.copytree(
        ROOT / "oai_mock", copy / "oai_mock", ignore=shutil.ignore_patterns("__pycache__")
    )
    bundle = copy / "oai_mock" / "spec" / "bundle.json"
    bundle.write_bytes(bundle.read_bytes().replace(b'"createChatCompletion"', b'"createChat"', 1))
    result = subprocess.run(
        [sys.executable, "-m", "codegen", "--check", "--spec", str(DEFAULT_SPEC)],
        cwd=copy,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert "oai_mock/spec/bundle.json" in result.stderr


def test_missing_spec_is_a_clear_error(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "codegen", "--check", "--spec", str(tmp_path / "nope.json")],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "spec not found" in result.stderr


def test_operation_ids_become_snake_case() -> None:
    assert snake_case("createChatCompletion") == "create_chat_completion"
    assert snake_case("CreateContainer") == "create_container"
    assert snake_case("create-realtime-call") == "create_realtime_call"
    assert snake_case("beta_createResponse") == "beta_create_response"
    assert snake_case("getEvalRunOutputItems") == "get_eval_run_output_items"
    assert snake_case("CreateanAPIkeyforaserviceaccount") == "create_service_account_api_key"
