"""openai 2.x (httpx based) under the ``oai_mock`` fixture: gateways reach the fake, sync, async
and streaming; other hosts are refused."""

from __future__ import annotations

import asyncio

import openai
import pytest

from oai_mock import OpenAIMock
from oai_mock.fixtures.intercept import Routing

MESSAGES = [{"role": "user", "content": "Hello"}]
GATEWAY = "http://llm-gateway.invalid/v1"


def test_sync_gateway_client_reaches_the_fake(oai_mock: OpenAIMock) -> None:
    oai_mock.on("chat").reply("from the fake")
    client = openai.OpenAI(base_url=GATEWAY, max_retries=0)
    reply = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert reply.choices[0].message.content == "from the fake"


def test_async_streaming_gateway_client_reaches_the_fake(oai_mock: OpenAIMock) -> None:
    async def run() -> str:
        client = openai.AsyncOpenAI(base_url=GATEWAY, max_retries=0)
        stream = await client.chat.completions.create(
            model="gpt-4o-mini", messages=MESSAGES, stream=True
        )
        text = "".join([c.choices[0].delta.content or "" async for c in stream if c.choices])
        await client.close()
        return text

    oai_mock.on("chat").stream("streamed")
    assert asyncio.run(run()) == "streamed"


def test_other_hosts_are_refused(oai_mock: OpenAIMock, oai_mock_network: Routing) -> None:
    client = openai.OpenAI(base_url="http://llm-gateway.invalid/elsewhere", max_retries=0)
    with pytest.raises(pytest.fail.Exception, match=r"llm-gateway\.invalid/elsewhere/models"):
        client.models.list()
    oai_mock_network.refused.clear()
