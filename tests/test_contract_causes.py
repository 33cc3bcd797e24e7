"""Failed checks grouped by the problem behind them, in every report: one deviation of a
backend fails every check whose answer shows it, and the report says so once."""

from __future__ import annotations

import doctest
import json

import pytest

from oai_mock import OpenAIMock
from oai_mock.contracts import causes as causes_module
from oai_mock.contracts.causes import causes, problems
from oai_mock.contracts.html import html_report
from oai_mock.contracts.reports import markdown, terminal
from oai_mock.contracts.runner import ContractRun, Results

CHAT_CHECKS = ["chat.schema", "chat.fields", "chat.usage", "chat.assistant-role"]


@pytest.fixture(scope="module")
def refusal_omitted() -> Results:
    """A backend whose chat answers lack ``refusal`` (mockllm and ai-mock do this), with a
    check that passes beside the failing ones."""
    mock = OpenAIMock(quirks={"refusal-omitted"})
    return ContractRun(
        mock.base_url,
        only=[*CHAT_CHECKS, "embeddings.schema"],
        max_examples=2,
        http_client=mock.httpx_client,
    ).execute()


def test_the_module_example_runs() -> None:
    tried = doctest.testmod(causes_module)
    assert tried.attempted > 0 and tried.failed == 0


def test_one_missing_field_is_one_problem_of_every_check_it_failed(
    refusal_omitted: Results,
) -> None:
    assert refusal_omitted.count("failed") == len(CHAT_CHECKS)
    found = refusal_omitted.causes()
    assert len(found) == 1
    assert sorted(found[0].checks) == sorted(CHAT_CHECKS)
    assert '"refusal" is a required property' in found[0].problem
    assert "embeddings.schema" not in found[0].checks


def test_every_report_shows_the_problem_once_with_its_checks(refusal_omitted: Results) -> None:
    text = terminal(refusal_omitted)
    assert f"{len(CHAT_CHECKS)} failed checks on 1 problem" in text
    listing = text.split("on 1 problem")[1].split("FAILED")[0]
    for check in CHAT_CHECKS:
        assert check in listing

    md = markdown(refusal_omitted)
    section = md.split("## Failures by problem")[1].split("## Failures\n")[0]
    assert section.count('"refusal" is a required property') == 1
    assert f"| {len(CHAT_CHECKS)} |" in section and "`chat.usage`" in section

    page = html_report(refusal_omitted)
    table = page.split("<h2>Failures by problem</h2>")[1].split("</table>")[0]
    assert table.count("<tr>") == 2  # the head and one problem
    assert all(f"<code>{check}</code>" in table for check in CHAT_CHECKS)

    data = json.loads(refusal_omitted.to_json())
    assert [sorted(c["checks"]) for c in data["causes"]] == [sorted(CHAT_CHECKS)]


def test_a_run_without_failures_shows_no_problems() -> None:
    mock = OpenAIMock()
    results = ContractRun(
        mock.base_url, only=["chat.schema"], max_examples=1, http_client=mock.httpx_client
    ).execute()
    assert results.count("failed") == 0 and results.causes() == []
    assert "problem" not in terminal(results)
    assert "Failures by problem" not in markdown(results)
    assert "Failures by problem" not in html_report(results)
    assert json.loads(results.to_json())["causes"] == []


def test_a_schema_error_splits_into_its_pointers_each_keeping_its_answer() -> None:
    message = (
        'createChatCompletion answer: /choices/0: "logprobs" is a required property; '
        '/choices/0/message: "refusal" is a required property; '
        "usage.completion_tokens 17 exceeds the 6 asked for (n=1)\nsecond line"
    )
    assert problems(message) == [
        'createChatCompletion answer: /choices/0: "logprobs" is a required property',
        'createChatCompletion answer: /choices/0/message: "refusal" is a required property',
        "usage.completion_tokens 17 exceeds the 6 asked for (n=1)",
    ]
    assert problems("") == [] and problems("  \n") == []
    # A message that quotes an answer's body is one problem, whatever the body holds.
    quoted = 'expected a 2xx, got 422 text/plain: form-data; name="file"; filename="a.jsonl"'
    assert problems(quoted) == [quoted]


def test_numbers_do_not_part_a_problem_but_words_and_statuses_do() -> None:
    found = causes(
        [
            ("stream.framing", 'chunk 0: /choices/0: "finish_reason" is a required property'),
            ("stream.object", 'chunk 3: /choices/1: "finish_reason" is a required property'),
            ("stream.object", 'chunk 4: /choices/0: "finish_reason" is a required property'),
            ("stream.usage", 'chunk 0: /choices/0: "index" is a required property'),
            ("auth.wrong-key", "expected 401, got 400"),
            ("auth.missing-key", "expected 401, got 500"),
            ("chat.usage", "usage.completion_tokens 117 exceeds the 6 asked for (n=1)"),
            ("chat.n", "usage.completion_tokens 23 exceeds the 5 asked for (n=2)"),
            ("errors.unknown-model", 'expected 400 or 404, got 200: {"id":"chatcmpl-Xl6BAZr3"}'),
            ("errors.wrong-type", 'expected 400 or 404, got 200: {"id":"chatcmpl-q2mMm779"}'),
        ]
    )
    assert [(len(c.checks), c.checks) for c in found] == [
        (2, ("stream.framing", "stream.object")),  # a check counts once per problem
        (2, ("chat.usage", "chat.n")),  # counts, even three-digit ones, are not statuses
        (2, ("errors.unknown-model", "errors.wrong-type")),  # ids in a quoted body set aside
        (1, ("stream.usage",)),
        (1, ("auth.wrong-key",)),  # statuses part problems: a 400 is not a 500
        (1, ("auth.missing-key",)),
    ]
    assert found[0].problem.startswith("chunk 0: /choices/0")  # as first reported
