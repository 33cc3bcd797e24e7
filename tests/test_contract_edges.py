"""The contract command at its edges: options out of range and report paths that cannot be
written are refused before the run, a backend that needs a key is one line, a model the backend
would not list is said, refused waits are noted, evidence shows the end of a long answer, and
`contract matrix` reads only results files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

from oai_mock import OpenAIMock
from oai_mock.contracts.probe import Exchange
from oai_mock.contracts.runner import ContractRun
from oai_mock.mockserver.transports import MockTransport


def cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oai_mock.cli", "contract", *args],
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("option", "message"),
    [
        (["--budget", "0"], "--budget must be 1 or more, not 0"),
        (["--timeout", "0"], "--timeout must be a number of seconds above 0"),
        (["--shrink-requests", "-3"], "--shrink-requests must be 0 or more, not -3"),
        (["--concurrency", "0"], "--concurrency must be 1 or more"),
        (["--max-examples", "0"], "--max-examples must be 1 or more"),
        (["--max-wait", "-1"], "--max-wait must be 0 or more seconds"),
        (["--json", "/nonexistent/dir/x.json"], "cannot write a report to /nonexistent/dir/x.json"),
    ],
)
def test_a_bad_option_is_one_line_and_exit_2_before_anything_is_sent(
    option: list[str], message: str
) -> None:
    # A closed port: had the run started, the message would be "cannot reach".
    done = cli("--base-url", "http://127.0.0.1:9/v1", *option)
    assert done.returncode == 2
    assert done.stderr.startswith("oai-mock: ") and done.stderr.count("\n") == 1  # one line
    assert message in done.stderr and "cannot reach" not in done.stderr
    assert "Traceback" not in done.stderr


def test_a_waiver_for_a_check_that_does_not_exist_is_refused(tmp_path: Path) -> None:
    profile = tmp_path / "typo.json"
    profile.write_text(
        json.dumps({"deviations": [{"check": "errors.unknwn-model", "reason": "x"}]})
    )
    done = cli("--base-url", "http://127.0.0.1:9/v1", "--waive", str(profile))
    assert done.returncode == 2
    assert "waives checks that do not exist: errors.unknwn-model" in done.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            {"deviations": [{"check": "stream.framing"}]},
            "deviation 1 needs a check id and a reason",
        ),
        ({"deviations": "stream.framing"}, "deviations must be a list"),
        ([1, 2], "a profile is a JSON object"),
    ],
)
def test_a_malformed_waiver_file_says_what_is_wrong(
    tmp_path: Path, content: Any, message: str
) -> None:
    profile = tmp_path / "bad.json"
    profile.write_text(json.dumps(content))
    done = cli("--base-url", "http://127.0.0.1:9/v1", "--waive", str(profile))
    assert done.returncode == 2 and message in done.stderr
    assert "KeyError" not in done.stderr and "Traceback" not in done.stderr


def test_matrix_refuses_a_file_that_is_not_results(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    output = tmp_path / "m.html"
    done = subprocess.run(
        [sys.executable, "-m", "oai_mock.cli", "contract", "matrix", str(bad), "-o", str(output)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "is not a results file of `oai-mock contract --json`" in done.stderr
    assert "Traceback" not in done.stderr and not output.exists()


def _run(mock: OpenAIMock, **options: Any) -> Any:
    return ContractRun(
        "http://backend.test/v1",
        only=["models.list"],
        http_client=lambda: httpx.Client(transport=MockTransport(mock)),
        **options,
    ).execute()


def test_a_backend_that_needs_a_key_is_one_line_not_a_table_of_failures() -> None:
    results = _run(OpenAIMock(api_key="sk-secret"))
    assert results.unreachable == (
        "http://backend.test/v1 needs a key: give it with --api-key "
        "(GET /models answered 401); nothing was tested"
    )
    assert all(r.outcome == "skipped" for r in results.results)
    refused = _run(OpenAIMock(api_key="sk-secret"), api_key="sk-wrong")
    assert "refused the key given with --api-key" in (refused.unreachable or "")
    assert _run(OpenAIMock(api_key="sk-secret"), api_key="sk-secret").unreachable is None


def test_a_model_chosen_because_the_backend_listed_none_is_said() -> None:
    mock = OpenAIMock()
    mock.on("listModels", times=None).fail(503, retry_after=0)
    results = _run(mock, retries=1)
    assert results.model == "gpt-4o-mini"
    assert any(
        "GET /models answered 503: the checks use gpt-4o-mini, the default" in n
        for n in results.notes
    )
    assert any(
        n.startswith("choosing the model: 503 on GET /models: waited") for n in results.notes
    )


def test_a_wait_longer_than_max_wait_is_noted() -> None:
    mock = OpenAIMock()
    mock.on("listModels", times=None).fail(429, retry_after=100)
    results = _run(mock, model="gpt-4o-mini", max_wait=1)
    assert any(
        "429 not waited out: asked to wait 100 s (retry-after), more than --max-wait 1 s" in n
        for n in results.notes
    )


def test_evidence_of_a_long_answer_shows_its_start_and_its_end() -> None:
    exchange = Exchange("POST", "http://x/v1/chat/completions", {}, None, path="/chat")
    exchange.status = 200
    exchange.response_headers = {"content-type": "text/event-stream"}
    exchange.content = b"data: {" + b"x" * 5000 + b"}\n\ndata: {last}\n\n"
    summary = exchange.summary()
    assert summary.startswith("200 text/event-stream: data: {xxx")
    assert "bytes left out ...]" in summary and summary.endswith("data: {last}\n\n")
    exchange.content = b"short"
    assert exchange.summary() == "200 text/event-stream: short"


def test_the_framing_check_reports_a_missing_done_beside_a_schema_deviation() -> None:
    quirky = OpenAIMock(quirks=["no-done", "finish-reason-missing"])
    results = ContractRun(
        "http://backend.test/v1",
        model="gpt-4o-mini",
        only=["stream.framing", "stream.content-type"],
        http_client=lambda: httpx.Client(transport=MockTransport(quirky)),
    ).execute()
    outcome = {r.check.id: (r.outcome, r.message) for r in results.results}
    assert outcome["stream.framing"] == ("failed", "the stream does not end with data: [DONE]")
    assert outcome["stream.content-type"][0] == "passed"
