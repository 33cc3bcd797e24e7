"""The official ``openai`` package (3.x, httpx2) accepts every API area of the fake in strict
response validation: sync and async, in-process and over a real socket."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable, Iterator
from typing import Any

import openai
import pytest

from oai_mock import OpenAIMock
from oai_mock.mockserver.live import LiveServer
from oai_mock.mockserver.sdk import openai_client

Scenario = tuple[Callable[[Any], Any], Callable[[Any], bool]]

MESSAGES = [{"role": "user", "content": "Hello"}]
BATCH_LINE = (
    b'{"custom_id": "r1", "method": "POST", "url": "/v1/chat/completions", '
    b'"body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}}\n'
)


def then(value: Any, step: Callable[[Any], Any]) -> Any:
    """Chain a second call on the first's result, for sync and async clients alike."""
    if inspect.isawaitable(value):

        async def chained() -> Any:
            result = step(await value)
            return await result if inspect.isawaitable(result) else result

        return chained()
    return step(value)


SCENARIOS: dict[str, Scenario] = {
    "chat": (
        lambda c: c.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES),
        lambda r: r.choices[0].message.role == "assistant" and r.id.startswith("chatcmpl-"),
    ),
    "completions": (
        lambda c: c.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi"),
        lambda r: r.object == "text_completion" and r.choices[0].text != "",
    ),
    "embeddings": (
        # The SDK asks for base64 unless told otherwise, and its strict validation rejects the
        # base64 string before decoding it (against OpenAI too): ask for floats here.
        lambda c: c.embeddings.create(
            model="text-embedding-3-small", input="hello", encoding_format="float"
        ),
        lambda r: r.data[0].object == "embedding" and len(r.data[0].embedding) > 0,
    ),
    "files": (
        lambda c: c.files.create(file=("data.jsonl", b"{}\n"), purpose="batch"),
        lambda r: r.id.startswith("file-") and r.object == "file",
    ),
    "uploads": (
        lambda c: c.uploads.create(
            bytes=10, filename="a.txt", mime_type="text/plain", purpose="assistants"
        ),
        lambda r: r.object == "upload" and r.id.startswith("upload_"),
    ),
    "images": (
        lambda c: c.images.generate(model="gpt-image-1", prompt="a cat"),
        lambda r: r.created > 0,
    ),
    "audio": (
        lambda c: c.audio.speech.create(model="tts-1", voice="alloy", input="hello"),
        lambda r: len(r.content) > 0,
    ),
    "models": (
        lambda c: c.models.retrieve("gpt-4o"),
        lambda r: r.id == "gpt-4o" and r.object == "model",
    ),
    "moderations": (
        lambda c: c.moderations.create(input="hello"),
        lambda r: len(r.results) >= 1,
    ),
    "fine_tuning": (
        lambda c: then(
            c.files.create(file=("train.jsonl", b'{"messages": []}\n'), purpose="fine-tune"),
            lambda f: c.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=f.id),
        ),
        lambda r: r.id.startswith("ftjob-") and r.object == "fine_tuning.job",
    ),
    "batches": (
        lambda c: then(
            c.files.create(file=("lines.jsonl", BATCH_LINE), purpose="batch"),
            lambda f: c.batches.create(
                input_file_id=f.id, endpoint="/v1/chat/completions", completion_window="24h"
            ),
        ),
        lambda r: r.id.startswith("batch_") and r.input_file_id.startswith("file-"),
    ),
    "vector_stores": (
        lambda c: c.vector_stores.create(name="kb"),
        lambda r: r.id.startswith("vs_") and r.name == "kb",
    ),
    "assistants": (
        lambda c: c.beta.assistants.create(model="gpt-4o", name="Helper"),
        lambda r: r.id.startswith("asst_") and r.name == "Helper",
    ),
    "threads": (
        lambda c: c.beta.threads.create(),
        lambda r: r.id.startswith("thread_") and r.object == "thread",
    ),
    "messages": (
        lambda c: then(
            c.beta.threads.create(),
            lambda t: c.beta.threads.messages.create(t.id, role="user", content="hi"),
        ),
        lambda r: r.thread_id.startswith("thread_") and r.id.startswith("msg_"),
    ),
    "runs": (
        lambda c: then(
            c.beta.assistants.create(model="gpt-4o"),
            lambda a: c.beta.threads.create_and_run(
                assistant_id=a.id, thread={"messages": [{"role": "user", "content": "hi"}]}
            ),
        ),
        lambda r: r.id.startswith("run_") and r.status == "queued",
    ),
    "responses": (
        lambda c: c.responses.create(model="gpt-4o", input="hello"),
        lambda r: r.id.startswith("resp_") and r.object == "response",
    ),
    "conversations": (
        lambda c: c.conversations.create(),
        lambda r: r.id.startswith("conv_") and r.object == "conversation",
    ),
    "evals": (
        lambda c: c.evals.retrieve("eval_1"),
        lambda r: r.id == "eval_1" and r.object == "eval",
    ),
    "containers": (
        lambda c: c.containers.create(name="sandbox"),
        lambda r: r.id.startswith("cntr_") and r.name == "sandbox",
    ),
    "realtime": (
        lambda c: c.realtime.client_secrets.create(),
        lambda r: isinstance(r.value, str) and r.expires_at > 0,
    ),
    "videos": (
        lambda c: c.videos.retrieve("video_1"),
        lambda r: r.id == "video_1" and r.object == "video",
    ),
    "admin": (
        lambda c: c.admin.organization.projects.retrieve("proj_1"),
        lambda r: r.id == "proj_1" and r.object == "organization.project",
    ),
}


def run_async_scenario(call: Callable[[Any], Any], make_client: Callable[[], Any]) -> Any:
    """Run a scenario with an async client (awaiting what it returns) and close the client."""

    async def run() -> Any:
        client = make_client()
        result = call(client)
        if inspect.isawaitable(result):
            result = await result
        await client.close()
        return result

    return asyncio.run(run())


@pytest.fixture(scope="module")
def live() -> Iterator[LiveServer]:
    with LiveServer(OpenAIMock()) as server:
        yield server


def _client(mode: str, live: LiveServer, asynchronous: bool) -> Any:
    options: dict[str, Any] = {"_strict_response_validation": True, "max_retries": 0}
    if mode == "in-process":
        return openai_client(
            OpenAIMock(), asynchronous=asynchronous, admin_api_key="sk-admin", **options
        )
    cls = openai.AsyncOpenAI if asynchronous else openai.OpenAI
    return cls(api_key="sk-test", admin_api_key="sk-admin", base_url=live.url, **options)


@pytest.mark.parametrize("mode", ["in-process", "live"])
@pytest.mark.parametrize("area", sorted(SCENARIOS))
def test_sync_client(area: str, mode: str, live: LiveServer) -> None:
    call, check = SCENARIOS[area]
    result = call(_client(mode, live, asynchronous=False))
    assert check(result), result


@pytest.mark.parametrize("mode", ["in-process", "live"])
@pytest.mark.parametrize("area", sorted(SCENARIOS))
def test_async_client(area: str, mode: str, live: LiveServer) -> None:
    call, check = SCENARIOS[area]
    result = run_async_scenario(call, lambda: _client(mode, live, asynchronous=True))
    assert check(result), result


def test_every_api_area_is_covered() -> None:
    assert len(SCENARIOS) == 23


@pytest.mark.parametrize("mode", ["in-process", "live"])
def test_chat_stream_through_the_sdk(mode: str, live: LiveServer) -> None:
    client = _client(mode, live, asynchronous=False)
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o-mini",
            messages=MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-2].choices[0].finish_reason == "stop"
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    assert len({c.id for c in chunks}) == 1
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    whole = client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES)
    assert text == whole.choices[0].message.content


def test_async_stream_through_the_sdk(live: LiveServer) -> None:
    async def run() -> list[Any]:
        client = _client("live", live, asynchronous=True)
        stream = await client.responses.create(model="gpt-4o", input="hi", stream=True)
        events = [event async for event in stream]
        await client.close()
        return events

    events = asyncio.run(run())
    types = [e.type for e in events]
    assert types[:3] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert types[-1] == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))


def test_sdk_errors_carry_openai_fields() -> None:
    client = _client("in-process", None, asynchronous=False)  # type: ignore[arg-type]
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-4o-mini", messages="hi")  # type: ignore[arg-type]
    assert caught.value.status_code == 400
    assert caught.value.param == "messages"
    assert caught.value.code == "invalid_type"
    assert caught.value.request_id is not None and caught.value.request_id.startswith("req_")
