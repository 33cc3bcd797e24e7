"""Scripting refuses what could never work when the rule is scripted, with one clear line: an
argument of the wrong type or range, a reply for an operation that takes none, a stream fault
for one that never streams. A predicate that raises fails the test that wrote it."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from oai_mock import OpenAIMock
from oai_mock.mockserver.scripting import REPLY_OPERATIONS
from oai_mock.spec import load_bundle

pytest_plugins = ["pytester"]

Script = Callable[[OpenAIMock], object]

REFUSED: list[tuple[str, Script, str]] = [
    ("fail(200)", lambda m: m.on("chat").fail(200), "400 to 599"),
    ("fail('429')", lambda m: m.on("chat").fail("429"), "400 to 599"),  # type: ignore[arg-type]
    ("fail(42)", lambda m: m.on("chat").fail(42), "400 to 599"),
    ("fail(True)", lambda m: m.on("chat").fail(True), "400 to 599"),
    ("fail(message=3)", lambda m: m.on("chat").fail(500, message=3), "message must be text"),  # type: ignore[arg-type]
    (
        "retry_after_ms='soon'",
        lambda m: m.on("chat").fail(429, retry_after_ms="soon"),  # type: ignore[arg-type]
        "retry_after_ms must be a whole number",
    ),
    ("retry_after=-1", lambda m: m.on("chat").fail(429, retry_after=-1), "retry_after"),
    ("should_retry=1", lambda m: m.on("chat").fail(500, should_retry=1), "True or False"),  # type: ignore[arg-type]
    ("headers", lambda m: m.on("chat").fail(500, headers={"x": 1}), "must have a text value"),  # type: ignore[dict-item]
    ("body=3", lambda m: m.on("chat").fail(500, body=3), "body must be bytes or text"),  # type: ignore[arg-type]
    ("delay(-1)", lambda m: m.on("chat").delay(-1), "delay must be a number of seconds"),
    ("timeout('30')", lambda m: m.on("chat").timeout("30"), "timeout must be a number"),  # type: ignore[arg-type]
    ("delay(inf)", lambda m: m.on("chat").delay(float("inf")), "delay must be a number"),
    ("reply(123)", lambda m: m.on("chat").reply(123), "content must be text"),  # type: ignore[arg-type]
    ("stream(chunk_delay=-1)", lambda m: m.on("chat").stream("x", chunk_delay=-1), "chunk_delay"),
    ("cut_stream(after=-1)", lambda m: m.on("chat").cut_stream(after=-1), "after must be"),
    ("truncate(at=-5)", lambda m: m.on("chat").truncate(at=-5), "at must be"),
    ("call_tools(('f', 5))", lambda m: m.on("chat").call_tools(("f", 5)), "a tool call is"),  # type: ignore[arg-type]
    ("call_tools('')", lambda m: m.on("chat").call_tools(""), "a tool call is"),
    ("call_tools()", lambda m: m.on("chat").call_tools(), "at least one tool call"),
    ("reply(tool_calls='f')", lambda m: m.on("chat").reply(tool_calls="f"), "must be a list"),  # type: ignore[arg-type]
    ("malformed(200)", lambda m: m.on("chat").malformed(200), "400 to 599"),
    ("rate_limit('x')", lambda m: m.on("chat").rate_limit("x"), "retry_after_ms"),  # type: ignore[arg-type]
    ("embeddings reply", lambda m: m.on("embeddings").reply("x"), "take no scripted reply"),
    ("embeddings stream", lambda m: m.on("embeddings").stream("x"), "take no scripted reply"),
    ("models reply", lambda m: m.on("listModels").reply("x"), "take no scripted reply"),
    ("embeddings tools", lambda m: m.on("embeddings").call_tools("f"), "take no scripted reply"),
    ("embeddings cut", lambda m: m.on("embeddings").cut_stream(after=1), "never streams"),
]


@pytest.mark.parametrize(
    ("script", "message"),
    [pytest.param(script, message, id=name) for name, script, message in REFUSED],
)
def test_a_rule_that_could_never_work_is_refused_when_scripted(
    script: Script, message: str
) -> None:
    mock = OpenAIMock()
    with pytest.raises(ValueError, match=message):
        script(mock)
    assert mock.scenario.rules() == []  # nothing half-added


ACCEPTED: list[tuple[str, Script]] = [
    ("fail(503, retry_after='Wed, 21 Oct 2026 07:28:00 GMT')",
     lambda m: m.on("chat").fail(503, retry_after="Wed, 21 Oct 2026 07:28:00 GMT")),
    ("fail(429, retry_after=1.5, retry_after_ms=0)",
     lambda m: m.on("chat").fail(429, retry_after=1.5, retry_after_ms=0)),
    ("delay(0)", lambda m: m.on("chat").delay(0)),
    ("call_tools(('f', '{}'), ('g', {'a': 1}))",
     lambda m: m.on("chat").call_tools(("f", "{}"), ("g", {"a": 1}))),
    ("any operation may take a reply", lambda m: m.on().reply("x")),
    ("one of several operations takes it", lambda m: m.on("embeddings").fail(500)),
    ("responses", lambda m: m.on("responses").reply("x")),
    ("transcriptions", lambda m: m.on("createTranscription").reply("heard")),
    ("runs", lambda m: m.on("runs").requires_action("get_weather")),
    ("chat streams", lambda m: m.on("chat").cut_stream(after=0)),
    ("malformed()", lambda m: m.on("chat").malformed()),
]  # fmt: skip


@pytest.mark.parametrize("script", [pytest.param(script, id=name) for name, script in ACCEPTED])
def test_good_rules_are_still_accepted(script: Script) -> None:
    mock = OpenAIMock()
    script(mock)
    assert len(mock.scenario.rules()) == 1


def test_every_reply_operation_is_in_the_bundle_and_takes_a_reply() -> None:
    bundle = load_bundle()
    assert {op.id for op in bundle.operations} >= REPLY_OPERATIONS
    # The chat and completions behaviours answer with the scripted text.
    mock = OpenAIMock()
    mock.on("createChatCompletion").reply("scripted chat")
    mock.on("createCompletion").reply("scripted completion")
    chat = mock.request(
        "POST",
        "/v1/chat/completions",
        json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]},
    )
    completion = mock.request(
        "POST", "/v1/completions", json={"model": "gpt-3.5-turbo-instruct", "prompt": "Hi"}
    )
    assert chat.value["choices"][0]["message"]["content"] == "scripted chat"
    assert completion.value["choices"][0]["text"] == "scripted completion"


def test_journal_assert_called_refuses_a_count_that_is_not_one() -> None:
    mock = OpenAIMock()
    with pytest.raises(ValueError, match="times must be a whole number"):
        mock.journal.assert_called("chat", times="0")  # type: ignore[arg-type]


def test_a_raising_predicate_fails_the_test_with_its_traceback(
    pytester: pytest.Pytester,
) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(
        """
        import openai
        import pytest

        def test_predicate(oai_mock):
            oai_mock.on("chat", where=lambda call: call.json["nope"]).reply("x")
            with pytest.raises(openai.InternalServerError) as raised:
                openai.OpenAI().chat.completions.create(
                    model="gpt-4o-mini", messages=[{"role": "user", "content": "Hi"}]
                )
            assert "KeyError" in str(raised.value)
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*the where= predicate of on('chat', where=<lambda>).reply('x') raised, and a request*",
            "*KeyError: 'nope'*",
        ]
    )
    # One request: the SDK does not retry the predicate's 500.
    assert "3 requests" not in result.stdout.str()
