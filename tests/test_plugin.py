"""The pytest plugin: fixtures, interception of the official SDK, scripting, faults seen by the
SDK exactly as scripted, the journal, and configuration."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import openai
import pytest

from oai_mock import OpenAIMock
from oai_mock.mockserver.live import LiveServer

pytest_plugins = ["pytester"]

MESSAGES = [{"role": "user", "content": "Hello"}]
INNER_INI = "[pytest]\nasyncio_default_fixture_loop_scope = function\n"


@pytest.fixture(autouse=True)
def _inner_runs_configured(request: pytest.FixtureRequest) -> None:
    if "pytester" in request.fixturenames:
        request.getfixturevalue("pytester").makeini(INNER_INI)


def ask(question: str) -> str:
    """Code under test: builds its own client, as applications do."""
    client = openai.OpenAI()
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
    )
    return reply.choices[0].message.content or ""


def test_an_sdk_client_built_anywhere_reaches_the_mock(oai_mock: OpenAIMock) -> None:
    oai_mock.on("chat").reply("Forty-two.")
    assert ask("What is the answer?") == "Forty-two."
    assert oai_mock.journal.last("chat").messages[0]["content"] == "What is the answer?"


def test_async_and_streaming_clients_are_intercepted(oai_mock: OpenAIMock) -> None:
    async def run() -> str:
        client = openai.AsyncOpenAI()
        stream = await client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True
        )
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        await client.close()
        return text

    oai_mock.on("chat").stream("Hello from the mock")
    assert asyncio.run(run()) == "Hello from the mock"


# The transport methods as httpx defines them, taken before any fixture patches them.
ORIGINAL_HANDLERS = (
    httpx.HTTPTransport.handle_request,
    httpx.AsyncHTTPTransport.handle_async_request,
)


def test_interception_patches_the_transports_while_active(oai_mock: OpenAIMock) -> None:
    current = (httpx.HTTPTransport.handle_request, httpx.AsyncHTTPTransport.handle_async_request)
    assert current[0] is not ORIGINAL_HANDLERS[0] and current[1] is not ORIGINAL_HANDLERS[1]


@pytest.mark.oai_mock(intercept=False)
def test_interception_can_be_turned_off(oai_mock: OpenAIMock) -> None:
    current = (httpx.HTTPTransport.handle_request, httpx.AsyncHTTPTransport.handle_async_request)
    assert current == ORIGINAL_HANDLERS
    with LiveServer(oai_mock) as server:
        # Without interception a default client goes to the network: here, the served mock.
        client = openai.OpenAI(api_key="sk-x", base_url=server.url)
        assert client.models.retrieve("gpt-4o").id == "gpt-4o"
    assert oai_mock.openai().models.list().data  # its own clients still work


def test_interception_is_undone_after_the_test() -> None:
    current = (httpx.HTTPTransport.handle_request, httpx.AsyncHTTPTransport.handle_async_request)
    assert current == ORIGINAL_HANDLERS


def test_matching_on_model_content_and_predicate(oai_mock: OpenAIMock) -> None:
    oai_mock.on("chat", model="gpt-4o", times=None).reply("big model")
    oai_mock.on("chat", contains="weather", times=None).reply("sunny")
    oai_mock.on("chat", where=lambda call: call.json.get("temperature") == 0, times=None).reply(
        "cold"
    )
    client = openai.OpenAI()

    def say(**kwargs: Any) -> str:
        body = {"model": "gpt-4o-mini", "messages": MESSAGES, **kwargs}
        return client.chat.completions.create(**body).choices[0].message.content or ""

    assert say(model="gpt-4o") == "big model"
    assert say(messages=[{"role": "user", "content": "weather?"}]) == "sunny"
    assert say(temperature=0) == "cold"
    assert say().startswith("Mock reply")


def test_fixture_gives_configured_clients_and_its_clock(oai_mock: OpenAIMock) -> None:
    reference = oai_mock.client()
    assert reference.models.retrieve_model("gpt-4o").id == "gpt-4o"
    official = oai_mock.openai()
    assert official.models.retrieve("gpt-4o").id == "gpt-4o"
    assert oai_mock.base_url == "http://oai-mock.local/v1"
    assert openai.OpenAI(base_url=oai_mock.base_url).models.retrieve("gpt-4o").id == "gpt-4o"

    async def run() -> str:
        client = oai_mock.async_client()
        model = await client.models.retrieve_model("gpt-4o")
        await client.close()
        return str(model.id)

    assert asyncio.run(run()) == "gpt-4o"
    before = oai_mock.clock.now()
    oai_mock.clock.advance(10)
    assert oai_mock.clock.now() == before + 10


def test_unknown_operation_names_are_explained(oai_mock: OpenAIMock) -> None:
    with pytest.raises(ValueError, match="did you mean 'chat'"):
        oai_mock.on("chta")


# -- faults, as the official SDK sees them -------------------------------------------------------


def test_two_429s_then_success_retry_exactly_twice(oai_mock: OpenAIMock) -> None:
    oai_mock.on("chat", times=2).fail(429, retry_after_ms=10)
    reply = openai.OpenAI(max_retries=2).chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES
    )
    assert reply.choices[0].message.content
    statuses = [e.status for e in oai_mock.journal.calls("chat")]
    assert statuses == [429, 429, 200]


def test_should_retry_false_is_final(oai_mock: OpenAIMock) -> None:
    oai_mock.on("chat").fail(503, should_retry=False)
    with pytest.raises(openai.InternalServerError):
        openai.OpenAI(max_retries=3).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    oai_mock.journal.assert_called("chat", times=1)


def test_insufficient_quota_reaches_the_caller(oai_mock: OpenAIMock) -> None:
    oai_mock.on("chat", times=None).rate_limit(quota=True)
    with pytest.raises(openai.RateLimitError) as caught:
        openai.OpenAI(max_retries=1).chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert caught.value.code == "insufficient_quota"
    oai_mock.journal.assert_called("chat", times=2)  # the official SDK retries every 429


def test_dropped_connection_mid_stream_raises_in_the_iterator(oai_mock: OpenAIMock) -> None:
    oai_mock.on("chat").cut_stream(after=2)
    stream = openai.OpenAI(max_retries=0).chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    )
    received = []
    with pytest.raises((httpx.RemoteProtocolError, openai.APIConnectionError)):
        for chunk in stream:
            received.append(chunk)
    assert len(received) == 2


def test_timeout_raises_the_sdk_timeout_error(oai_mock: OpenAIMock) -> None:
    oai_mock.on("chat").timeout(30)
    with pytest.raises(openai.APITimeoutError):
        openai.OpenAI(max_retries=0, timeout=0.05).chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES
        )


def test_dropped_connection_and_malformed_json(oai_mock: OpenAIMock) -> None:
    oai_mock.on("chat").drop()
    oai_mock.on("embeddings").malformed()
    client = openai.OpenAI(max_retries=0)
    with pytest.raises(openai.APIConnectionError):
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    with pytest.raises((json.JSONDecodeError, openai.APIResponseValidationError, ValueError)):
        client.embeddings.create(model="text-embedding-3-small", input="x", encoding_format="float")


def test_delays_between_stream_chunks(oai_mock: OpenAIMock) -> None:
    import time

    oai_mock.on("chat").stream("one two three", chunk_delay=0.02)
    started = time.perf_counter()
    chunks = list(
        openai.OpenAI().chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    )
    assert len(chunks) >= 4
    assert time.perf_counter() - started >= 0.02 * (len(chunks) - 1)


def test_a_gap_between_stream_chunks_longer_than_the_read_timeout_times_out(
    oai_mock: OpenAIMock,
) -> None:
    # As on a socket: the first chunks arrive, then the read that waits longer than the
    # client's read timeout fails (before, the whole stream arrived late and no error).
    import time

    oai_mock.on("chat").stream("one two three", chunk_delay=2)
    stream = openai.OpenAI(max_retries=0, timeout=0.1).chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    )
    received = []
    started = time.perf_counter()
    with pytest.raises((httpx.ReadTimeout, openai.APITimeoutError)):
        for chunk in stream:
            received.append(chunk)
    assert len(received) == 1
    assert time.perf_counter() - started < 1.5


def test_stream_gaps_within_the_read_timeout_arrive(oai_mock: OpenAIMock) -> None:
    oai_mock.on("chat").stream("one two three", chunk_delay=0.02)
    chunks = list(
        openai.OpenAI(max_retries=0, timeout=1.0).chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True
        )
    )
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == (
        "one two three"
    )


def test_an_async_stream_gap_longer_than_the_read_timeout_times_out(
    oai_mock: OpenAIMock,
) -> None:
    oai_mock.on("chat").stream("one two three", chunk_delay=2)

    async def run() -> int:
        client = openai.AsyncOpenAI(max_retries=0, timeout=0.1)
        stream = await client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True
        )
        received = []
        with pytest.raises((httpx.ReadTimeout, openai.APITimeoutError)):
            async for chunk in stream:
                received.append(chunk)
        return len(received)

    assert asyncio.run(run()) == 1


# -- the journal --------------------------------------------------------------------------------


def test_journal_helpers(oai_mock: OpenAIMock) -> None:
    client = openai.OpenAI(api_key="sk-secret-key-123456")
    tool = {"type": "function", "function": {"name": "lookup", "parameters": {"type": "object"}}}
    client.chat.completions.create(
        model="gpt-4o",
        messages=[{"role": "system", "content": "Be terse."}, *MESSAGES],
        tools=[tool],
    )
    client.files.create(file=("a.jsonl", b"{}\n"), purpose="batch")
    entry = oai_mock.journal.last("chat")
    assert entry.system_prompt == "Be terse."
    assert entry.tool_names == ["lookup"]
    assert entry.model == "gpt-4o"
    assert "secret" not in entry.headers["authorization"]
    assert oai_mock.journal.last("createFile").files["file"][0].data == b"{}\n"
    oai_mock.journal.assert_called("chat", times=1)
    with pytest.raises(AssertionError, match="called 1 times, expected 2"):
        oai_mock.journal.assert_called("chat", times=2)


# -- configuration and teardown, in a test run of its own -------------------------------------------


def test_unused_scripted_reply_fails_the_test(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        def test_forgets(oai_mock):
            oai_mock.on("chat").reply("never asked")
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*a scripted rule was used 0 of 1 times: on('chat').reply('never asked')",
            "*no request reached chat",
        ]
    )


def test_strict_mode_fails_on_unscripted_requests(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import openai, pytest

        @pytest.mark.oai_mock(strict=True)
        def test_unscripted(oai_mock):
            openai.OpenAI().models.list()
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, errors=1)
    result.stdout.fnmatch_lines(
        ["*GET /v1/models (listModels) matched no scripted rule; no rule is scripted"]
    )


def test_marker_ini_and_command_line_configure_the_mock(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
        [pytest]
        asyncio_default_fixture_loop_scope = function
        oai_mock_seed = 7
        oai_mock_lifecycle = manual
        """
    )
    pytester.makepyfile(
        """
        import pytest

        def test_ini(oai_mock):
            assert oai_mock.seed == 7 and oai_mock.lifecycles.policy == "manual"

        @pytest.mark.oai_mock(seed=3, clock="real", models=["my-model"])
        def test_marker(oai_mock):
            assert oai_mock.seed == 3 and oai_mock.clock.mode == "real"
            assert oai_mock.openai().models.retrieve("my-model").id == "my-model"
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=2)
    result = pytester.runpytest("-p", "no:cacheprovider", "--oai-mock-seed", "9", "-k", "test_ini")
    result.assert_outcomes(failed=1)


def test_works_with_pytest_asyncio_and_anyio(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import openai, pytest

        @pytest.mark.asyncio
        async def test_asyncio(oai_mock):
            oai_mock.on("chat").reply("async hi")
            client = openai.AsyncOpenAI()
            reply = await client.chat.completions.create(model="m", messages=[{"role": "user", "content": "x"}])
            assert reply.choices[0].message.content == "async hi"

        @pytest.mark.anyio
        async def test_anyio(oai_mock):
            client = openai.AsyncOpenAI()
            assert (await client.models.retrieve("gpt-4o")).id == "gpt-4o"

        @pytest.fixture
        def anyio_backend():
            return "asyncio"
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider", "-p", "asyncio")
    result.assert_outcomes(passed=2)


def test_works_under_xdist_without_shared_state(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        """
        import openai, pytest

        @pytest.mark.parametrize("n", range(8))
        def test_isolated(oai_mock, oai_mock_server, n):
            client = openai.OpenAI()
            client.files.create(file=("a.txt", b"x"), purpose="assistants")
            assert len(client.files.list().data) == 1
            served = openai.OpenAI(base_url=oai_mock_server.url)
            assert len(served.files.list().data) == 1  # the same mock, behind a port
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-n", "2")
    result.assert_outcomes(passed=8)


def test_live_server_fixture_serves_the_test_mock(
    oai_mock: OpenAIMock, oai_mock_server: LiveServer
) -> None:
    oai_mock.on("chat").reply("over the wire")
    body = {"model": "gpt-4o-mini", "messages": MESSAGES}
    answer = httpx.post(oai_mock_server.url + "/chat/completions", json=body).json()
    assert answer["choices"][0]["message"]["content"] == "over the wire"
    assert oai_mock_server.host == "127.0.0.1"


def test_session_server_is_shared(oai_mock_session_server: LiveServer) -> None:
    assert httpx.get(oai_mock_session_server.url + "/models").status_code == 200
