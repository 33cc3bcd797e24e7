"""Recorded from a server that is not the fake, replayed exactly.

The upstream is a second `oai-mock serve` with a quirk (`finish-reason-eos`: the answers are
not what the plain fake gives) and a required key; `oai-mock record` stands in front of it.
Raw HTTP and the official SDK (3.x, sync and async) go through the recorder; then the cassette
replays through `oai-mock serve --replay` and through an in-process fake, and every answer must
be the recorded one: byte for byte for JSON, event for event for streams, equal objects for the
SDK. No byte of the cassette holds the key.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest
from served import ServedFake
from test_official_sdk import then

from oai_mock import OpenAIMock
from oai_mock.recording.cassette import cassette_files, load_cassettes
from oai_mock.recording.replay import ReplaySource
from oai_mock.sse import decode_sse

KEY = "sk-proj-e2e-recording-key-9f8e7d6c5b4a3210"
MESSAGES = [{"role": "user", "content": "Say something about tests"}]

# Raw requests: (method, path, JSON body or None).
RAW: list[tuple[str, str, Any]] = [
    ("POST", "/chat/completions", {"model": "gpt-4o-mini", "messages": MESSAGES}),
    ("POST", "/chat/completions", {"model": "gpt-4o-mini", "messages": MESSAGES, "stream": True}),
    ("POST", "/responses", {"model": "gpt-4o-mini", "input": "Hello", "stream": True}),
    ("POST", "/embeddings", {"model": "text-embedding-3-small", "input": "abc"}),
    ("GET", "/models", None),
    ("GET", "/files/file-missing", None),
]


def _retrieve_and_follow_up(client: Any) -> Any:
    """Create a response, retrieve it by the id the upstream made, and continue from it."""

    def follow(first: Any) -> Any:
        def continued(retrieved: Any) -> Any:
            def both(second: Any) -> Any:
                return [first, retrieved, second]

            return then(
                client.responses.create(
                    model="gpt-4o-mini", input="And then?", previous_response_id=first.id
                ),
                both,
            )

        return then(client.responses.retrieve(first.id), continued)

    return then(client.responses.create(model="gpt-4o-mini", input="Hello", store=True), follow)


def _assistant_run(client: Any) -> Any:
    """An assistant, a run polled to its end (the same run id asked again and again, its status
    moving), and the thread's messages: ids the upstream made, used by every later request."""

    def run_it(assistant: Any) -> Any:
        def messages(run: Any) -> Any:
            return then(
                client.beta.threads.messages.list(thread_id=run.thread_id),
                lambda page: [assistant, run, *page.data],
            )

        return then(
            client.beta.threads.create_and_run_poll(
                assistant_id=assistant.id,
                thread={"messages": [{"role": "user", "content": "Hi"}]},
                poll_interval_ms=5,
            ),
            messages,
        )

    return then(client.beta.assistants.create(model="gpt-4o-mini", name="helper"), run_it)


def _run(client: Any) -> Any:
    def stream_chunks(stream: Any) -> Any:
        if hasattr(stream, "__aiter__"):

            async def collect() -> list[Any]:
                return [chunk async for chunk in stream]

            return collect()
        return list(stream)

    return {
        "chat": lambda: client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES),
        "stream": lambda: then(
            client.chat.completions.create(model="gpt-4o-mini", messages=MESSAGES, stream=True),
            stream_chunks,
        ),
        "responses": lambda: _retrieve_and_follow_up(client),
        "runs": lambda: _assistant_run(client),
        "embeddings": lambda: client.embeddings.create(
            model="text-embedding-3-small", input="abc", encoding_format="float"
        ),
    }


SDK_AREAS = ["chat", "stream", "responses", "runs", "embeddings"]


def _dump(value: Any) -> Any:
    if isinstance(value, list):
        return [_dump(item) for item in value]
    return value.model_dump()


def _sdk_results(make_client: Callable[[bool], Any]) -> dict[str, Any]:
    results: dict[str, Any] = {}
    sync = make_client(False)
    for area in SDK_AREAS:
        results["sync-" + area] = _dump(_run(sync)[area]())

    async def run_async() -> None:
        client = make_client(True)
        for area in SDK_AREAS:
            value = _run(client)[area]()
            results["async-" + area] = _dump(await value)

    asyncio.run(run_async())
    return results


@dataclass
class Recording:
    folder: Path
    raw: list[httpx.Response] = field(default_factory=list)
    sdk: dict[str, Any] = field(default_factory=dict)
    upstream_log: str = ""


def _send_raw(base_url: str, key: str) -> list[httpx.Response]:
    answers = []
    with httpx.Client(base_url=base_url, headers={"authorization": f"Bearer {key}"}) as client:
        for method, path, body in RAW:
            answer = client.request(method, path, json=body)
            answer.read()
            answers.append(answer)
    return answers


@pytest.fixture(scope="module")
def recording(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Recording]:
    folder = tmp_path_factory.mktemp("record")
    upstream = ServedFake(folder / "upstream.log", "--quirk", "finish-reason-eos", "--api-key", KEY)
    try:
        recorder = ServedFake(
            folder / "recorder.log",
            "--upstream",
            upstream.url,
            "--cassette",
            str(folder / "cassettes"),
            command="record",
        )
        try:
            result = Recording(folder / "cassettes")
            result.raw = _send_raw(recorder.url, KEY)

            def make_client(asynchronous: bool) -> Any:
                cls = openai.AsyncOpenAI if asynchronous else openai.OpenAI
                return cls(api_key=KEY, base_url=recorder.url, max_retries=0)

            result.sdk = _sdk_results(make_client)
        finally:
            recorder.stop()
    finally:
        upstream.stop()
    result.upstream_log = upstream.output()
    yield result


def _replay_source(recording: Recording, **options: Any) -> ReplaySource:
    return ReplaySource(load_cassettes(recording.folder), pace=0, **options)


def test_the_recording_went_through_the_upstream(recording: Recording) -> None:
    (cassette,) = cassette_files(recording.folder)
    exchanges = load_cassettes(cassette)
    # The run was polled until it completed: at least create, one poll, and the messages.
    runs = (
        sum(
            e.operation in ("createAssistant", "createThreadAndRun", "getRun", "listMessages")
            for e in exchanges
        )
        // 2
    )
    assert runs >= 4
    assert recording.sdk["sync-runs"][1]["status"] == "completed"
    assert len(exchanges) == len(RAW) + 2 * (1 + 1 + 3 + runs + 1)
    assert recording.upstream_log.count(" -> ") == len(exchanges)
    # The quirky upstream's answer, not the plain fake's.
    chat = recording.raw[0].json()
    assert chat["choices"][0]["finish_reason"] == "eos"
    assert recording.sdk["sync-chat"]["choices"][0]["finish_reason"] == "eos"
    assert recording.raw[5].status_code == 404


def test_the_proxy_sends_one_date_and_one_server_header(recording: Recording) -> None:
    # The upstream's are recorded; the server in front writes its own, once.
    for answer in recording.raw:
        assert len(answer.headers.get_list("date")) == 1
        assert len(answer.headers.get_list("server")) <= 1


def test_no_byte_of_the_cassette_holds_the_key(recording: Recording) -> None:
    files = list(recording.folder.rglob("*"))
    assert files
    for path in files:
        if path.is_file():
            data = path.read_bytes()
            assert KEY.encode() not in data, path
            assert KEY[8:].encode() not in data, path  # not even the key's tail


def _events(body: bytes) -> list[tuple[str | None, str]]:
    return [(event.event, event.data) for event in decode_sse([body])]


def test_in_process_replay_gives_the_recorded_bytes(recording: Recording) -> None:
    mock = OpenAIMock()
    mock.replay = _replay_source(recording, on_miss="refuse")
    replayed = _send_raw_in_process(mock)
    for live, again in zip(recording.raw, replayed, strict=True):
        assert again.status_code == live.status_code
        if live.headers["content-type"].startswith("text/event-stream"):
            assert _events(again.content) == _events(live.content)
        assert again.content == live.content
        assert again.headers["x-request-id"] == live.headers["x-request-id"]


def _send_raw_in_process(mock: OpenAIMock) -> list[httpx.Response]:
    answers = []
    with mock.httpx_client() as client:
        for method, path, body in RAW:
            answers.append(client.request(method, path, json=body))
    return answers


def test_serve_replay_gives_the_recorded_bytes_and_refuses_strangers(
    recording: Recording, tmp_path: Path
) -> None:
    served = ServedFake(
        tmp_path / "replay.log",
        "--replay",
        str(recording.folder),
        "--replay-strict",
        "--pace",
        "fast",
    )
    try:
        replayed = _send_raw(served.url, "sk-anything-else")
        with httpx.Client(base_url=served.url) as client:
            stranger = client.post(
                "/chat/completions", json={"model": "gpt-4o-mini", "messages": MESSAGES, "n": 2}
            )
    finally:
        served.stop()
    for live, again in zip(recording.raw, replayed, strict=True):
        assert (again.status_code, again.content) == (live.status_code, live.content)
    assert stranger.status_code == 400
    message = stranger.json()["error"]["message"]
    assert "closest recorded: POST /v1/chat/completions" in message
    assert "body.n: sent 2, not recorded" in message


def test_the_sdk_gets_identical_objects_live_and_replayed(recording: Recording) -> None:
    mock = OpenAIMock()
    mock.replay = _replay_source(recording, on_miss="refuse")
    # The raw requests come first in the cassette: replay them to reach the SDK's.
    _send_raw_in_process(mock)

    def make_client(asynchronous: bool) -> Any:
        return mock.async_openai(max_retries=0) if asynchronous else mock.openai(max_retries=0)

    replayed = _sdk_results(make_client)
    assert replayed.keys() == recording.sdk.keys()
    for name, live in recording.sdk.items():
        assert replayed[name] == live, name
    assert mock.replay.misses == []
