"""openai 2.x (httpx based), sync and async: the objects a recording run gets from a quirky
upstream are the objects the cassette's replay gives."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openai
import pytest

from oai_mock import OpenAIMock
from oai_mock.mockserver.live import LiveServer
from oai_mock.mockserver.sdk import openai_client
from oai_mock.recording.cassette import CassetteWriter, load_cassette
from oai_mock.recording.forward import Forwarder
from oai_mock.recording.recorder import Recorder
from oai_mock.recording.replay import ReplaySource
from oai_mock.recording.scrub import Scrubber

KEY = "sk-proj-openai2-recording-0f1e2d3c4b5a6978"
MESSAGES = [{"role": "user", "content": "Hello"}]


def _sync(client: Any) -> list[Any]:
    chat = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    stream = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True)
    response = client.responses.create(model="gpt-4o-mini", input="Hi", store=True)
    again = client.responses.retrieve(response.id)
    return [chat, *stream, response, again]


async def _async(client: Any) -> list[Any]:
    chat = await client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    stream = await client.chat.completions.create(
        model="gpt-4o-mini", messages=MESSAGES, stream=True
    )
    chunks = [chunk async for chunk in stream]
    embedding = await client.embeddings.create(
        model="text-embedding-3-small", input="abc", encoding_format="float"
    )
    return [chat, *chunks, embedding]


def _both(mock: OpenAIMock) -> list[Any]:
    objects = _sync(openai_client(mock, api_key=KEY, max_retries=0))
    objects += asyncio.run(
        _async(openai_client(mock, asynchronous=True, api_key=KEY, max_retries=0))
    )
    return [item.model_dump() for item in objects]


@pytest.fixture
def upstream() -> Iterator[LiveServer]:
    with LiveServer(OpenAIMock(quirks={"finish-reason-eos"}, api_key=KEY)) as server:
        yield server


def test_openai_2_gets_the_same_objects_recorded_and_replayed(
    upstream: LiveServer, tmp_path: Path
) -> None:
    assert openai.__version__.startswith("2.")
    cassette = tmp_path / "c.yaml"
    recording = OpenAIMock()
    forwarder = Forwarder(upstream.url, Recorder(CassetteWriter(cassette), Scrubber()))
    recording.replay = ReplaySource([], forwarder=forwarder, replay=False)
    live = _both(recording)
    forwarder.close()
    assert live[0]["choices"][0]["finish_reason"] == "eos"
    assert KEY.encode() not in cassette.read_bytes()

    replaying = OpenAIMock()
    replaying.replay = ReplaySource(load_cassette(cassette), pace=0, on_miss="refuse")
    assert _both(replaying) == live
    assert replaying.replay.misses == []
    assert len(upstream.mock.journal) == len(load_cassette(cassette))
