"""``@pytest.mark.oai_mock(cassette=..., record=...)``: vcrpy's record modes, with the official
SDK (sync, async, streaming) seeing the same objects recorded and replayed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from oai_mock import OpenAIMock
from oai_mock.mockserver.live import LiveServer
from oai_mock.recording.cassette import load_cassette

pytest_plugins = ["pytester"]

KEY = "sk-proj-plugin-recording-key-0a1b2c3d4e5f6789"
INNER_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"

INNER = """
import asyncio, json, os
import openai
import pytest

QUESTION = "QUESTION_TEXT"

@pytest.mark.oai_mock(cassette="cassettes/test_app.yaml")
def test_app(oai_mock):
    client = openai.OpenAI()
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": QUESTION}]
    )
    chunks = list(client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "stream"}], stream=True
    ))

    async def later():
        return await openai.AsyncOpenAI().embeddings.create(
            model="text-embedding-3-small", input="abc", encoding_format="float"
        )

    vector = asyncio.run(later())
    seen = [reply.model_dump(), [c.model_dump() for c in chunks], vector.model_dump()]
    with open(os.environ["RESULTS"], "w") as output:
        json.dump(seen, output)
"""


@pytest.fixture
def upstream() -> Iterator[LiveServer]:
    with LiveServer(OpenAIMock(quirks={"finish-reason-eos"}, api_key=KEY)) as server:
        yield server


def _run(
    pytester: pytest.Pytester, upstream: LiveServer, question: str, *options: str
) -> tuple[pytest.RunResult, list[object] | None]:
    results = pytester.path / "results.json"
    results.unlink(missing_ok=True)
    pytester.makepyfile(test_app=INNER.replace("QUESTION_TEXT", question))
    outcome = pytester.runpytest(
        "-p", "no:cacheprovider", "--oai-mock-record-upstream", upstream.url, *options
    )
    seen = json.loads(results.read_text()) if results.exists() else None
    return outcome, seen


def test_record_modes_like_vcrpy(
    pytester: pytest.Pytester, upstream: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini(INNER_INI)
    monkeypatch.setenv("OPENAI_API_KEY", KEY)
    monkeypatch.setenv("RESULTS", str(pytester.path / "results.json"))
    cassette = pytester.path / "cassettes" / "test_app.yaml"
    sent = lambda: len(upstream.mock.journal)  # noqa: E731

    # once, no cassette yet: everything is recorded from the upstream.
    outcome, live = _run(pytester, upstream, "Hi", "--oai-mock-record=once")
    outcome.assert_outcomes(passed=1)
    assert sent() == 3
    assert live is not None and live[0]["choices"][0]["finish_reason"] == "eos"  # type: ignore[index]
    assert len(load_cassette(cassette)) == 3
    assert KEY.encode() not in cassette.read_bytes()

    # none (the default): replayed, the upstream hears nothing, the objects are the same.
    outcome, replayed = _run(pytester, upstream, "Hi")
    outcome.assert_outcomes(passed=1)
    assert sent() == 3
    assert replayed == live

    # once, with a cassette: a new request is refused and fails the test, with the reason.
    outcome, _ = _run(pytester, upstream, "Hello there", "--oai-mock-record=once")
    outcome.assert_outcomes(failed=1, errors=1)  # the SDK's error, then the teardown's report
    outcome.stdout.fnmatch_lines(
        [
            "*POST /v1/chat/completions has no recorded answer; closest recorded: "
            "POST /v1/chat/completions (*test_app.yaml:*): "
            'body.messages[[]0[]].content: recorded "Hi", sent "Hello there"*'
        ]
    )
    assert sent() == 3

    # new: what is recorded replays, the new request is recorded too.
    outcome, _ = _run(pytester, upstream, "Hello there", "--oai-mock-record=new")
    outcome.assert_outcomes(passed=1)
    assert sent() == 4
    assert len(load_cassette(cassette)) == 4

    # all: recorded again from scratch.
    outcome, _ = _run(pytester, upstream, "Hello there", "--oai-mock-record=all")
    outcome.assert_outcomes(passed=1)
    assert sent() == 7
    assert len(load_cassette(cassette)) == 3


def test_a_broken_cassette_fails_the_test_with_file_and_line(
    pytester: pytest.Pytester, upstream: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makeini(INNER_INI)
    monkeypatch.setenv("RESULTS", str(pytester.path / "results.json"))
    folder = pytester.path / "cassettes"
    folder.mkdir()
    (folder / "test_app.yaml").write_text("oai_mock_cassette: 1\n---\nrequest: [\n")
    outcome, _ = _run(pytester, upstream, "Hi")
    outcome.assert_outcomes(errors=1)
    outcome.stdout.fnmatch_lines(["*test_app.yaml:4: not valid YAML*"])
    assert "Traceback" not in outcome.stdout.str()


def test_marker_options_are_checked(pytester: pytest.Pytester, upstream: LiveServer) -> None:
    pytester.makeini(INNER_INI)
    pytester.makepyfile(
        """
        import pytest

        @pytest.mark.oai_mock(cassette="c.yaml", record="sometimes")
        def test_x(oai_mock):
            pass
        """
    )
    outcome = pytester.runpytest("-p", "no:cacheprovider")
    outcome.assert_outcomes(errors=1)
    outcome.stdout.fnmatch_lines(["*record mode 'sometimes'*"])
    assert not Path(pytester.path / "c.yaml").exists()
