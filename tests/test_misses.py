"""Every miss explained: an unused rule shows itself and why each request that reached its
operation did not match; strict mode names the request and the nearest rule; a mistyped
operation name gets a suggestion wherever a name is taken; an impossible filter is refused."""

from __future__ import annotations

from typing import Any

import pytest

from oai_mock import OpenAIMock
from oai_mock.mockserver.misses import predicate_problems, strict_problems, unused_rule_problems
from oai_mock.mockserver.operation_names import UnknownOperationError

pytest_plugins = ["pytester"]

INNER_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"


def chat(mock: OpenAIMock, text: str, model: str = "gpt-4o-mini", **extra: Any) -> None:
    body = {"model": model, "messages": [{"role": "user", "content": text}], **extra}
    assert mock.request("POST", "/v1/chat/completions", json=body).status == 200


def test_an_unused_rule_shows_each_filter_each_request_and_why() -> None:
    mock = OpenAIMock()
    mock.on("chat", model="gpt-4o", contains="weather").reply("Sunny.")
    chat(mock, "What time is it?")
    chat(mock, "And the weather?", model="gpt-4.1")
    assert unused_rule_problems(mock) == [
        "a scripted rule was used 0 of 1 times: "
        "on('chat', model='gpt-4o', contains='weather').reply('Sunny.')\n"
        "    POST /v1/chat/completions did not match: model: sent 'gpt-4o-mini', rule wants "
        "'gpt-4o'; contains: 'weather' not in the last user message 'What time is it?'\n"
        "    POST /v1/chat/completions did not match: model: sent 'gpt-4.1', rule wants 'gpt-4o'"
    ]


def test_an_unused_rule_no_request_reached_names_what_came_instead() -> None:
    mock = OpenAIMock()
    mock.on("embeddings", times=2).fail(429)
    mock.request("GET", "/v1/models")
    assert unused_rule_problems(mock) == [
        "a scripted rule was used 0 of 2 times: on('embeddings', times=2).fail(429)\n"
        "    no request reached embeddings (received: listModels)"
    ]


def test_a_rule_shadowed_by_an_earlier_one_or_a_predicate_says_so() -> None:
    def is_long(call: Any) -> bool:
        return False

    mock = OpenAIMock()
    mock.on("chat", where=is_long).reply("never")
    chat(mock, "Hi")
    assert unused_rule_problems(mock)[0].splitlines()[1:] == [
        "    POST /v1/chat/completions did not match: where: is_long returned False"
    ]

    mock = OpenAIMock()
    mock.on("chat").reply("first")
    mock.on("create_chat_completion").call_tools("get_weather")
    chat(mock, "Hi")
    assert unused_rule_problems(mock)[0].splitlines() == [
        "a scripted rule was used 0 of 1 times: on('chat').call_tools('get_weather')",
        "    POST /v1/chat/completions did not match: it matched, but another rule answered "
        "it: on('chat').reply('first')",
    ]


def test_a_partly_used_rule_lists_the_requests_it_answered() -> None:
    mock = OpenAIMock()
    mock.on("chat", times=2).reply("x")
    chat(mock, "Hi")
    assert unused_rule_problems(mock)[0].splitlines() == [
        "a scripted rule was used 1 of 2 times: on('chat', times=2).reply('x')",
        "    POST /v1/chat/completions was answered by this rule",
    ]


def test_a_rule_for_every_request_that_was_never_used_is_reported() -> None:
    mock = OpenAIMock()
    mock.on("chat", model="gpt-4o", times=None).reply("never")
    quota = mock.on("embeddings").rate_limit(quota=True)
    chat(mock, "Hi")
    problems = unused_rule_problems(mock)
    assert problems[0].splitlines() == [
        "a scripted rule for every matching request was never used: "
        "on('chat', model='gpt-4o', times=None).reply('never')",
        "    POST /v1/chat/completions did not match: model: sent 'gpt-4o-mini', rule wants "
        "'gpt-4o'",
    ]
    assert "never used" in problems[1] and "fail(429)" in problems[1]
    # Used once, a rule without a limit expects nothing more.
    mock.request("POST", "/v1/embeddings", json={"model": "text-embedding-3-small", "input": "x"})
    assert quota.used == 1 and len(unused_rule_problems(mock)) == 1


def test_a_predicate_that_raises_is_the_tests_error_not_the_fakes() -> None:
    mock = OpenAIMock()
    mock.on("chat", where=lambda call: call.nope).reply("x")
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}
    response = mock.request("POST", "/v1/chat/completions", json=body)
    assert response.status == 500
    error = response.value["error"]
    assert error["code"] == "oai_mock_predicate_error"
    assert "AttributeError" in error["message"] and "bug in oai-mock" not in error["message"]
    assert ("x-should-retry", "false") in response.headers
    assert (
        unused_rule_problems(mock)[0]
        .splitlines()[1]
        .startswith(
            "    POST /v1/chat/completions did not match: where: <lambda> raised AttributeError:"
        )
    )
    [problem] = predicate_problems(mock)
    assert problem.startswith(
        "the where= predicate of on('chat', where=<lambda>).reply('x') raised"
    )
    assert "call.nope" in problem  # the test's own line, from the traceback


def test_long_messages_are_cut_and_responses_input_is_read() -> None:
    mock = OpenAIMock()
    mock.on("responses", contains="weather").reply("Sunny.")
    text = "tell me a story about " + "dragons " * 20
    mock.request("POST", "/v1/responses", json={"model": "gpt-4o", "input": text})
    line = unused_rule_problems(mock)[0].splitlines()[1]
    assert line.startswith(
        "    POST /v1/responses did not match: contains: 'weather' not in the last user "
        "message 'tell me a story about dragons"
    )
    assert line.endswith("...'")


def test_strict_names_the_request_and_the_nearest_rule() -> None:
    mock = OpenAIMock()
    mock.on("embeddings").fail(500)
    mock.on("chat", model="gpt-4o").reply("Sunny.")
    mock.on("chat", model="gpt-4o", contains="weather").reply("Sunny.")
    chat(mock, "What time is it?")
    assert strict_problems(mock) == [
        "POST /v1/chat/completions (model 'gpt-4o-mini', last user message 'What time is it?') "
        "(createChatCompletion) matched no scripted rule; nearest rule: "
        "on('chat', model='gpt-4o').reply('Sunny.'): model: sent 'gpt-4o-mini', rule wants 'gpt-4o'"
    ]


def test_strict_with_a_used_up_rule() -> None:
    mock = OpenAIMock()
    mock.on("chat").reply("once")
    chat(mock, "one")
    chat(mock, "two")
    assert strict_problems(mock)[0].endswith(
        "nearest rule: on('chat').reply('once'): it matched, but the rule was used up (1 of 1 times)"
    )


@pytest.mark.parametrize(
    "use",
    [
        lambda m: m.on("chats"),
        lambda m: m.journal.calls("chats"),
        lambda m: m.journal.last("chats"),
        lambda m: m.journal.assert_called("chats"),
    ],
    ids=["on", "calls", "last", "assert_called"],
)
def test_a_mistyped_operation_gets_a_suggestion_everywhere(use: Any) -> None:
    with pytest.raises(UnknownOperationError) as error:
        use(OpenAIMock())
    assert str(error.value) == "no operation or alias 'chats'; did you mean 'chat'?"


def test_case_and_snake_case_typos_are_suggested_too() -> None:
    with pytest.raises(UnknownOperationError, match=r"did you mean .*'createEmbedding'"):
        OpenAIMock().on("createembedding")
    with pytest.raises(UnknownOperationError, match="'create_embedding'"):
        OpenAIMock().journal.calls("create_embeddings")


def test_failed_journal_assertions_say_what_was_received() -> None:
    mock = OpenAIMock()
    with pytest.raises(AssertionError, match=r"^chat was never called; no request was received$"):
        mock.journal.assert_called("chat")
    mock.request("GET", "/v1/models")
    with pytest.raises(
        AssertionError,
        match=r"^chat was called 0 times, expected 1; received: GET /v1/models \(listModels\)$",
    ):
        mock.journal.assert_called("chat", times=1)
    with pytest.raises(AssertionError, match=r"^no chat request was received; received: GET"):
        mock.journal.last("chat")


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (
            lambda m: m.on("models", model="gpt-4o"),
            "no operation or alias 'models'; did you mean",
        ),
        (
            lambda m: m.on("listModels", model="gpt-4o"),
            "on('listModels', model='gpt-4o') could never match: listModels requests carry no model",
        ),
        (
            lambda m: m.on("files", contains="hello"),
            "on('files', contains='hello') could never match: files requests carry no "
            "messages, input, prompt, instructions",
        ),
        (lambda m: m.on("chat", model=4), "model must be a non-empty string, not 4"),
        (lambda m: m.on("chat", contains=""), "contains must be a non-empty string, not ''"),
        (lambda m: m.on("chat", where="long"), "where must be a function of the request"),
        (lambda m: m.on("chat", times=0), "times must be a positive number"),
    ],
)
def test_impossible_or_mistyped_filters_are_refused_when_scripted(call: Any, message: str) -> None:
    with pytest.raises(ValueError) as error:
        call(OpenAIMock())
    assert str(error.value).startswith(message)


def test_teardown_shows_the_explanation(pytester: pytest.Pytester) -> None:
    pytester.makeini(INNER_INI)
    pytester.makepyfile(
        """
        import openai

        def test_weather(oai_mock):
            oai_mock.on("chat", contains="weather").reply("Sunny.")
            openai.OpenAI().chat.completions.create(
                model="gpt-4o-mini", messages=[{"role": "user", "content": "What time is it?"}]
            )
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*oai_mock:",
            "*a scripted rule was used 0 of 1 times: on('chat', contains='weather').reply('Sunny.')",
            "*POST /v1/chat/completions did not match: contains: 'weather' not in the last user "
            "message 'What time is it?'",
        ]
    )
    assert "Traceback" not in result.stdout.str()


def test_a_bad_boolean_ini_value_names_the_option(pytester: pytest.Pytester) -> None:
    pytester.makeini(INNER_INI + "oai_mock_strict = maybe\n")
    pytester.makepyfile("def test_one(oai_mock):\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*ini option oai_mock_strict must be true or false*"])


def test_a_long_run_of_raising_predicates_keeps_only_the_last_errors() -> None:
    from oai_mock.mockserver.scenario import KEPT_PREDICATE_ERRORS

    mock = OpenAIMock()
    mock.on("chat", where=lambda call: call.nope, times=None).reply("x")
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}
    for _ in range(KEPT_PREDICATE_ERRORS + 20):
        assert mock.request("POST", "/v1/chat/completions", json=body).status == 500
    assert len(mock.scenario.predicate_errors()) == KEPT_PREDICATE_ERRORS
    [problem] = predicate_problems(mock)
    assert f"and at least {KEPT_PREDICATE_ERRORS} requests got a 500" in problem
