"""Contracts: the faithful mock passes them all; every quirk of the catalogue is detected."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings

from oai_mock import OpenAIMock
from oai_mock.contracts import strategies
from oai_mock.contracts.checks import CATALOGUE
from oai_mock.contracts.runner import BackendUnreachable, ContractRun, Results
from oai_mock.mockserver.live import LiveServer
from oai_mock.mockserver.quirks import CATALOGUE as QUIRKS
from oai_mock.spec import SchemaChecker, load_bundle

pytest_plugins = ["pytester"]

CHECKER = SchemaChecker(load_bundle())
CHAT_SCHEMA = dict(load_bundle().operation("createChatCompletion").body.schemas["application/json"])  # type: ignore[union-attr]


def run_against(mock: OpenAIMock, checks: set[str] | None = None, **options: Any) -> Results:
    """A contract run against ``mock`` served on a port; ``checks``: only these check ids."""
    with LiveServer(mock) as server:
        if checks is not None:
            options["only"] = {check_id.split(".")[0] for check_id in checks}
        run = ContractRun(server.url, api_key="sk-contract", max_examples=2, **options)
        if checks is not None:
            run.checks = [check for check in run.checks if check.id in checks]
        return run.execute()


def test_every_check_is_documented() -> None:
    assert len(CATALOGUE) >= 30
    assert len({c.id for c in CATALOGUE}) == len(CATALOGUE)
    assert all(
        c.description and c.source and c.severity in ("required", "recommended", "extension")
        for c in CATALOGUE
    )


def test_the_faithful_mock_passes_every_contract(figure: Any) -> None:
    results = run_against(OpenAIMock(api_key="*", strict_models=True), include_expensive=True)
    failed = [f"{r.check.id}: {r.message}" for r in results.results if r.outcome != "passed"]
    figure(
        f"faithful mock: {results.count('passed')} of {len(results.results)} checks passed ({results.requests} requests)"
    )
    assert not failed, "\n".join(failed)


# The checks that catch each quirk, measured by running every check against the mock with each
# quirk on (the faithful mock passing every check is the test above). Each quirk then runs only
# against its own checks: the catalogue costs a few small runs instead of 30 full ones, and each
# quirk must still be caught by exactly the checks named here.
DETECTED_BY: dict[str, tuple[str, ...]] = {
    "no-done": ("stream.framing",),
    "data-no-space": ("stream.framing",),
    "crlf-lines": ("stream.framing",),
    "tool-delta-no-index": ("stream.tool-deltas",),
    "tool-arguments-object": (
        "chat.tool-named",
        "chat.tool-required",
    ),
    "usage-chunk-unasked": ("stream.no-usage-unasked",),
    "choices-null-usage-chunk": ("stream.usage-chunk",),
    "include-usage-ignored": ("stream.usage-chunk",),
    "finish-reason-eos": (
        "chat.schema",
        "stream.chunk-schema",
        "stream.finish-once",
    ),
    "finish-reason-stop-for-tools": (
        "chat.tool-named",
        "chat.tool-required",
    ),
    "finish-reason-missing": (
        "chat.schema",
        "chat.finish-reason",
        "chat.tool-named",
        "chat.tool-required",
        "stream.chunk-schema",
        "stream.finish-once",
        "completions.schema",
    ),
    "missing-object": (
        "chat.schema",
        "chat.fields",
        "stream.chunk-schema",
        "embeddings.schema",
        "models.list",
        "completions.schema",
        "responses.schema",
    ),
    "missing-id": (
        "chat.schema",
        "chat.fields",
        "stream.chunk-schema",
        "completions.schema",
        "moderations.schema",
        "responses.schema",
        "flows.files",
        "flows.previous-response",
        "flows.vector-store",
        "flows.assistants-run",
    ),
    "missing-created": (
        "chat.schema",
        "chat.fields",
        "stream.chunk-schema",
        "completions.schema",
    ),
    "created-zero": ("chat.fields",),
    "usage-wrong-total": ("chat.usage",),
    "fastapi-errors": (
        "errors.malformed-json",
        "errors.missing-field",
        "errors.wrong-type",
        "errors.out-of-range",
        "errors.unknown-parameter",
        "auth.missing-key",
        "errors.unknown-model",
        "flows.files",
    ),
    "plain-text-errors": (
        "errors.malformed-json",
        "errors.missing-field",
        "errors.wrong-type",
        "errors.out-of-range",
        "errors.unknown-parameter",
        "auth.missing-key",
        "errors.unknown-model",
        "flows.files",
    ),
    "500-on-bad-json": ("errors.malformed-json",),
    "n-ignored": ("chat.n",),
    "max-tokens-ignored": (
        "chat.finish-reason",
        "chat.max-tokens",
    ),
    "logprobs-ignored": ("chat.logprobs",),
    "stop-ignored": ("chat.stop",),
    "stream-content-type": ("stream.content-type",),
    "changing-chunk-id": ("stream.constant-fields",),
    "unknown-arguments-accepted": ("errors.unknown-parameter",),
    "json-schema-ignored": (
        "chat.json-object",
        "chat.json-schema",
    ),
    "tool-choice-ignored": (
        "chat.tool-named",
        "chat.tool-required",
        "stream.tool-deltas",
    ),
    "dimensions-ignored": ("embeddings.dimensions",),
    "base64-ignored": ("embeddings.base64",),
}


def test_the_detection_table_covers_every_quirk(figure: Any) -> None:
    assert set(DETECTED_BY) == {quirk.name for quirk in QUIRKS}
    check_ids = {check.id for check in CATALOGUE}
    unknown = {quirk: set(ids) - check_ids for quirk, ids in DETECTED_BY.items()}
    assert not any(unknown.values()), unknown
    assert all(DETECTED_BY.values())
    figure(f"{len(DETECTED_BY)} of {len(QUIRKS)} quirks have the checks that detect them")


@pytest.mark.parametrize("quirk", sorted(DETECTED_BY))
def test_every_quirk_is_detected(quirk: str) -> None:
    expected = set(DETECTED_BY[quirk])
    mock = OpenAIMock(api_key="*", strict_models=True, quirks={quirk})
    results = run_against(mock, checks=expected)
    assert {r.check.id for r in results.results} == expected
    failed = {r.check.id for r in results.results if r.outcome == "failed"}
    assert failed == expected, (quirk, failed)


def test_quirks_are_detected_by_the_checks_that_name_them() -> None:
    expected = {
        "no-done": "stream.framing",
        "n-ignored": "chat.n",
        "usage-wrong-total": "chat.usage",
        "fastapi-errors": "errors.malformed-json",
        "500-on-bad-json": "errors.malformed-json",
        "tool-delta-no-index": "stream.tool-deltas",
        "changing-chunk-id": "stream.constant-fields",
        "base64-ignored": "embeddings.base64",
    }
    for quirk, check_id in expected.items():
        assert check_id in DETECTED_BY[quirk], (quirk, DETECTED_BY[quirk])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.chat_body("gpt-4o-mini"))
def test_generated_chat_bodies_are_strictly_valid(body: dict[str, Any]) -> None:
    assert CHECKER.is_valid(body, CHAT_SCHEMA), body


@pytest.mark.parametrize(
    ("op_id", "strategy"),
    [
        ("createCompletion", strategies.completion_body("gpt-3.5-turbo-instruct")),
        ("createModeration", strategies.moderation_body()),
        ("createResponse", strategies.responses_body("gpt-4o")),
        ("createImage", strategies.image_body()),
        ("createSpeech", strategies.speech_body()),
        ("createEmbedding", strategies.embedding_body("text-embedding-3-small")),
    ],
)
def test_openai_aware_strategies_are_strictly_valid(op_id: str, strategy: Any) -> None:
    schema = dict(load_bundle().operation(op_id).body.schemas["application/json"])  # type: ignore[union-attr]

    @settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(strategy)
    def valid(body: Any) -> None:
        assert CHECKER.is_valid(body, schema), body

    valid()


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(strategies.operation_body("createEmbedding"))
def test_generic_bodies_are_strictly_valid(body: Any) -> None:
    schema = load_bundle().operation("createEmbedding").body.schemas["application/json"]  # type: ignore[union-attr]
    assert CHECKER.is_valid(body, dict(schema)), body


@pytest.fixture
def live() -> Iterator[LiveServer]:
    with LiveServer(OpenAIMock(quirks={"n-ignored"})) as server:
        yield server


def test_the_command_writes_every_report_and_fails_the_run(
    live: LiveServer, tmp_path: Path
) -> None:
    paths = {ext: tmp_path / f"report.{ext}" for ext in ("json", "xml", "md", "html")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "oai_mock.cli",
            "contract",
            "--base-url",
            live.url,
            "--only",
            "chat",
            "--max-examples",
            "2",
            "--json",
            str(paths["json"]),
            "--junit",
            str(paths["xml"]),
            "--markdown",
            str(paths["md"]),
            "--html",
            str(paths["html"]),
        ],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "FAILED chat.n" in result.stdout and "reproduce: curl" in result.stdout
    report = json.loads(paths["json"].read_text())
    assert report["failed"] >= 1 and {r["area"] for r in report["results"]} == {"chat"}
    assert '<testcase classname="contracts.chat" name="chat.n"' in paths["xml"].read_text()
    assert "| `chat.n` | required | FAIL |" in paths["md"].read_text()
    assert "<code>chat.n</code>" in paths["html"].read_text()


def test_the_command_passes_on_the_faithful_mock() -> None:
    with LiveServer(OpenAIMock(strict_models=True)) as server:
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "oai_mock.cli",
                "contract",
                "--base-url",
                server.url,
                "--only",
                "errors,models",
                "--max-examples",
                "1",
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert result.returncode == 0, result.stdout
    assert " 0 failed" in result.stdout


def run_contract_tests(pytester: pytest.Pytester, *options: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        "-p",
        "no:cacheprovider",
        "--pyargs",
        "oai_mock.contracts.test_openai_compatibility",
        "-q",
        *options,
    )


def test_contracts_run_as_pytest_tests(pytester: pytest.Pytester) -> None:
    with LiveServer(OpenAIMock(quirks={"usage-wrong-total"})) as server:
        result = run_contract_tests(
            pytester, "--oai-contract-url", server.url, "--oai-contract-examples", "1"
        )
    outcomes = result.parseoutcomes()
    failed = outcomes.get("failed")
    assert failed == 2 and outcomes.get("passed", 0) >= 34, result.stdout.str()  # + unknown-model
    result.stdout.fnmatch_lines(["*test_contract[[]chat.usage[]]*"])


def test_contract_tests_skip_without_a_url(pytester: pytest.Pytester) -> None:
    result = run_contract_tests(pytester)
    outcomes = result.parseoutcomes()
    assert outcomes.get("skipped", 0) >= 30 and not outcomes.get("failed")


def closed_port_url() -> str:
    import socket

    with socket.socket() as probe:  # bound, then closed: nothing listens there any more
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/v1"


def test_an_unreachable_backend_is_one_clear_error() -> None:
    url = closed_port_url()
    result = subprocess.run(
        [sys.executable, "-m", "oai_mock.cli", "contract", "--base-url", url, "--timeout", "2"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.startswith(f"oai-mock: cannot reach {url}: ConnectError"), result.stderr
    assert result.stdout == ""  # no table of 47 identical failures
    with pytest.raises(BackendUnreachable, match=f"cannot reach {url}"):
        ContractRun(url, model="gpt-4o", timeout=2).pick_model()  # a given model too


def test_contract_tests_name_an_unreachable_backend(pytester: pytest.Pytester) -> None:
    url = closed_port_url()
    result = run_contract_tests(pytester, "--oai-contract-url", url)
    assert result.ret != 0 and not result.parseoutcomes().get("passed")
    result.stdout.fnmatch_lines([f"*cannot reach {url}: ConnectError*"])


def test_the_seed_makes_runs_reproducible() -> None:
    def bodies(seed: int) -> list[bytes]:
        mock = OpenAIMock()
        with LiveServer(mock) as server:
            ContractRun(server.url, only=["chat"], max_examples=3, seed=seed).execute()
        return [e.raw_body for e in mock.journal.calls("chat")]

    assert bodies(5) == bodies(5)
    assert bodies(5) != bodies(6)
