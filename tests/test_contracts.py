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
from hypothesis import strategies as st

from oai_mock import OpenAIMock
from oai_mock.contracts import strategies
from oai_mock.contracts.checks import CATALOGUE
from oai_mock.contracts.detection import DETECTED_BY
from oai_mock.contracts.runner import BackendUnreachable, ContractRun, Results
from oai_mock.mockserver.live import LiveServer
from oai_mock.mockserver.quirks import CATALOGUE as QUIRKS
from oai_mock.spec import SchemaChecker, load_bundle

pytest_plugins = ["pytester"]

CHECKER = SchemaChecker(load_bundle())
CHAT_SCHEMA = dict(load_bundle().operation("createChatCompletion").body.schemas["application/json"])  # type: ignore[union-attr]


def run_against(mock: OpenAIMock, **options: Any) -> Results:
    with LiveServer(mock) as server:
        return ContractRun(server.url, api_key="sk-contract", max_examples=2, **options).execute()


def test_every_check_is_documented() -> None:
    assert len(CATALOGUE) >= 80
    assert len({c.id for c in CATALOGUE}) == len(CATALOGUE)
    assert all(
        c.description and c.source and c.severity in ("required", "recommended", "extension")
        for c in CATALOGUE
    )
    assert {c.severity for c in CATALOGUE} == {"required", "recommended", "extension"}


def test_the_faithful_mock_passes_every_contract(figure: Any) -> None:
    results = run_against(
        OpenAIMock(api_key="sk-contract", strict_models=True), include_expensive=True
    )
    failed = [f"{r.check.id}: {r.message}" for r in results.results if r.outcome != "passed"]
    figure(
        f"faithful mock: {results.count('passed')} of {len(results.results)} checks passed ({results.requests} requests, {results.seconds:.0f} s)"
    )
    assert not failed, "\n".join(failed)
    assert len(results.results) == len(CATALOGUE)


@pytest.fixture(scope="module")
def detection() -> dict[str, list[str]]:
    """Each quirk on, only the checks that declare they detect it: the failures."""
    found: dict[str, list[str]] = {}
    for quirk in QUIRKS:
        mock = OpenAIMock(api_key="*", strict_models=True, quirks={quirk.name})
        results = run_against(mock, only=DETECTED_BY[quirk.name])
        found[quirk.name] = [r.check.id for r in results.results if r.outcome == "failed"]
    return found


def test_every_quirk_is_detected_by_the_checks_it_names(
    detection: dict[str, list[str]], figure: Any
) -> None:
    assert set(DETECTED_BY) == {q.name for q in QUIRKS}
    missed = {
        name: sorted(set(DETECTED_BY[name]) - set(failures))
        for name, failures in detection.items()
        if set(DETECTED_BY[name]) - set(failures)
    }
    figure(f"detected {len(QUIRKS) - len(missed)} of {len(QUIRKS)} quirks by the checks they name")
    assert not missed, missed


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.booleans().flatmap(lambda stream: strategies.chat_body("gpt-4o-mini", stream=stream)))
def test_generated_chat_bodies_are_strictly_valid(body: dict[str, Any]) -> None:
    assert CHECKER.is_valid(body, CHAT_SCHEMA), body


def test_chat_bodies_cover_the_documented_parameter_space() -> None:
    seen: set[str] = set()

    @settings(max_examples=300, deadline=None, database=None)
    @given(st.booleans().flatmap(lambda stream: strategies.chat_body("m", stream=stream)))
    def collect(body: dict[str, Any]) -> None:
        seen.update(body)
        for message in body["messages"]:
            seen.add(f"role:{message['role']}")
            if isinstance(message.get("content"), list):
                seen.update(f"part:{part['type']}" for part in message["content"])
        choice = body.get("tool_choice")
        if choice is not None:
            seen.add(f"tool_choice:{choice if isinstance(choice, str) else choice['type']}")
        if "response_format" in body:
            seen.add(f"response_format:{body['response_format']['type']}")
        if "stop" in body:
            seen.add(f"stop:{type(body['stop']).__name__}")

    collect()
    wanted = {
        *(f"role:{r}" for r in ("system", "developer", "user", "assistant", "tool")),
        *(f"part:{k}" for k in ("text", "image_url", "input_audio", "file", "refusal")),
        *(f"tool_choice:{k}" for k in ("none", "auto", "required", "function", "allowed_tools")),
        *(f"response_format:{k}" for k in ("text", "json_object", "json_schema")),
        "stop:str",
        "stop:list",
        *("n", "logprobs", "top_logprobs", "seed", "stream_options", "tools"),
        *("max_tokens", "max_completion_tokens", "temperature", "parallel_tool_calls"),
    }
    assert wanted <= seen, sorted(wanted - seen)


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
    assert "FAILED chat.n [required]" in result.stdout and "reproduce: curl" in result.stdout
    assert '-H "Authorization: Bearer $OPENAI_API_KEY"' not in result.stdout  # no key was given
    report = json.loads(paths["json"].read_text())
    assert report["failed"] >= 1 and {r["area"] for r in report["results"]} == {"chat"}
    assert report["started"] and report["kit_version"] and report["spec_version"]
    failed = next(r for r in report["results"] if r["id"] == "chat.n")
    assert failed["example"]["n"] >= 2 and failed["request"].startswith("curl -X POST")
    assert '<testcase classname="contracts.chat" name="chat.n"' in paths["xml"].read_text()
    markdown = paths["md"].read_text()
    assert "| `chat.n` | required | FAIL |" in markdown
    assert "### `chat.n` (required, failed)" in markdown and "```sh\ncurl -X POST" in markdown
    page = paths["html"].read_text()
    assert "<code>chat.n</code>" in page and "shrunk request" in page and "<style>" in page


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
    assert " 0 failed," in result.stdout


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
            pytester,
            "--oai-contract-url",
            server.url,
            "--oai-contract-examples",
            "1",
            "-k",
            "chat.usage or chat.fields or errors.malformed-json",
        )
    outcomes = result.parseoutcomes()
    # A wrong usage total fails every check that reads a chat answer, not only chat.usage.
    assert outcomes.get("failed") == 2 and outcomes.get("passed") == 1, result.stdout.str()
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
            ContractRun(
                server.url, only=["chat.schema", "chat.n"], max_examples=3, seed=seed
            ).execute()
        return [e.raw_body for e in mock.journal.calls("chat")]

    assert bodies(5) == bodies(5)
    assert bodies(5) != bodies(6)
