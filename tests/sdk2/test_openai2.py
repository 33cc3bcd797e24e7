"""The official openai 2.x (httpx based) against the fake: the same areas as with 3.x."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import openai
import pytest
from test_official_sdk import MESSAGES, SCENARIOS, run_async_scenario

from oai_mock import OpenAIMock
from oai_mock.mockserver.live import LiveServer
from oai_mock.mockserver.sdk import openai_client


def test_this_environment_has_openai_2() -> None:
    assert openai.__version__.startswith("2.")
    assert isinstance(openai.OpenAI(api_key="x")._client, httpx.Client)


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    with LiveServer(OpenAIMock()) as server:
        yield server


def _client(mode: str, live: LiveServer, asynchronous: bool) -> Any:
    options: dict[str, Any] = {"_strict_response_validation": True, "max_retries": 0}
    if mode == "in-process":
        return openai_client(OpenAIMock(), asynchronous=asynchronous, **options)
    cls = openai.AsyncOpenAI if asynchronous else openai.OpenAI
    return cls(api_key="sk-test", base_url=live.url, **options)


# openai 2.x has no admin client: the other 22 areas.
AREAS = sorted(area for area in SCENARIOS if area != "admin")


@pytest.mark.parametrize("mode", ["in-process", "live"])
@pytest.mark.parametrize("area", AREAS)
def test_sync_client(area: str, mode: str, live: LiveServer) -> None:
    call, check = SCENARIOS[area]
    result = call(_client(mode, live, asynchronous=False))
    assert check(result), result


@pytest.mark.parametrize("mode", ["in-process", "live"])
@pytest.mark.parametrize("area", AREAS)
def test_async_client(area: str, mode: str, live: LiveServer) -> None:
    call, check = SCENARIOS[area]
    assert check(run_async_scenario(call, lambda: _client(mode, live, asynchronous=True)))


def test_in_process_client_uses_httpx() -> None:
    client = openai_client(OpenAIMock())
    assert isinstance(client._client, httpx.Client)


@pytest.mark.parametrize("mode", ["in-process", "live"])
def test_chat_stream(mode: str, live: LiveServer) -> None:
    client = _client(mode, live, asynchronous=False)
    chunks = list(
        client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    )
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"


def test_helpers_of_openai_2() -> None:
    from pydantic import BaseModel

    class Answer(BaseModel):
        city: str
        days: int

    client = openai_client(OpenAIMock())
    parsed = client.chat.completions.parse(
        model="gpt-4o", messages=MESSAGES, response_format=Answer
    )
    assert isinstance(parsed.choices[0].message.parsed, Answer)
    with client.chat.completions.stream(model="gpt-4o", messages=MESSAGES) as stream:
        for _ in stream:
            pass
        final = stream.get_final_completion()
    assert final.choices[0].message.content.startswith("Mock reply")
    with client.responses.stream(model="gpt-4o", input="hi") as events:
        for _ in events:
            pass
        response = events.get_final_response()
    assert response.output_text.startswith("Mock reply")
    assert (
        client.responses.parse(model="gpt-4o", input="x", text_format=Answer).output_parsed
        is not None
    )


def test_fixture_intercepts_openai_2(oai_mock: OpenAIMock) -> None:
    oai_mock.on("chat", times=2).fail(429, retry_after_ms=5)
    reply = openai.OpenAI().chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert reply.choices[0].message.content
    assert [e.status for e in oai_mock.journal.calls("chat")] == [429, 429, 200]


def test_fixture_intercepts_openai_2_async_streams(oai_mock: OpenAIMock) -> None:
    oai_mock.on("chat").cut_stream(after=2)

    async def run() -> int:
        client = openai.AsyncOpenAI(max_retries=0)
        stream = await client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True
        )
        count = 0
        with pytest.raises((httpx.RemoteProtocolError, openai.APIConnectionError)):
            async for _ in stream:
                count += 1
        await client.close()
        return count

    assert asyncio.run(run()) == 2
