"""Cassettes: the format (exact bytes back, readable, validated with file and line), secrets
scrubbed before writing, the recording proxy's failures, and replay matching."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from oai_mock import OpenAIMock
from oai_mock.mockserver.messages import MockRequest
from oai_mock.mockserver.transports import AsyncMockTransport
from oai_mock.recording.cassette import (
    CassetteError,
    CassetteWriter,
    decode_body,
    encode_body,
    load_cassette,
    parse_cassette,
)
from oai_mock.recording.exchange import EventSplitter, Exchange, RecordedResponse
from oai_mock.recording.proxy import create_recording_app
from oai_mock.recording.recorder import Recorder
from oai_mock.recording.replay import ReplaySource
from oai_mock.recording.scrub import Scrubber

KEY = "sk-proj-recording-test-0123456789abcdef"
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}


@pytest.mark.parametrize(
    "body",
    [
        b'{"a":1,"b":[1.5,"\xc3\xa9"],"c":null}',
        b'{\n  "id": "x",\n  "list": [],\n  "n": 1e-05\n}',
        b'{"a": 1, "b": {"c": true}}\n',
        b'{"a":0.00001}',  # not what any encoder writes back: kept as text
        b"plain text answer\nsecond line",
        b"\x89PNG\r\n\x1a\n\x00\x01binary",
        b"",
    ],
)
def test_a_body_comes_back_byte_for_byte(body: bytes, tmp_path: Path) -> None:
    entry = encode_body(body, None)
    assert decode_body(entry, "here") == body
    # ... also through a cassette file on disk.
    exchange = Exchange(
        MockRequest("POST", "/v1/x", body=body), RecordedResponse(200, [], body, after=0.25)
    )
    writer = CassetteWriter(tmp_path / "c.yaml")
    writer.add(exchange)
    (loaded,) = load_cassette(tmp_path / "c.yaml")
    assert loaded.request.body == body
    assert loaded.response.body == body
    assert loaded.response.after == 0.25


def test_json_bodies_are_readable_yaml_with_their_layout() -> None:
    assert encode_body(b'{"a":1}', None) == {"json": {"a": 1}}
    assert encode_body(b'{\n  "a": 1\n}', None) == {"json": {"a": 1}, "layout": "pretty"}
    assert encode_body(b'{"a": 1}\n', None) == {"json": {"a": 1}, "layout": "spaced+newline"}


def test_stream_events_keep_their_framing_and_times(tmp_path: Path) -> None:
    raw = [
        b'data: {"id":"c1","choices":[]}\n\n',
        b"event: response.created\ndata: " + orjson.dumps({"type": "response.created"}) + b"\n\n",
        b'data:{"no":"space"}\r\n\r\n',
        b": keep-alive\n\n",
        b"data: [DONE]\n\n",
    ]
    splitter = EventSplitter()
    stream = b"".join(raw)
    # Chunks that cut events (and a CRLF) anywhere.
    for number, start in enumerate(range(0, len(stream), 7)):
        splitter.feed(stream[start : start + 7], at=number / 100)
    events = splitter.close(at=1.0)
    assert [e.raw for e in events] == raw
    assert events == sorted(events, key=lambda e: e.at)
    exchange = Exchange(
        MockRequest("POST", "/v1/chat/completions"),
        RecordedResponse(200, [("content-type", "text/event-stream")], events=events),
    )
    CassetteWriter(tmp_path / "s.yaml").add(exchange)
    text = (tmp_path / "s.yaml").read_text()
    assert "data: {id: c1, choices: []}" in text  # one readable line per JSON event
    assert "event: response.created" in text
    assert "text: '[DONE]'" in text
    (loaded,) = load_cassette(tmp_path / "s.yaml")
    assert loaded.response.events is not None
    assert [e.raw for e in loaded.response.events] == raw
    assert [e.at for e in loaded.response.events] == [round(e.at, 4) for e in events]


GOOD = """\
oai_mock_cassette: 1
---
request: {method: POST, path: /v1/chat/completions, json: {model: m}}
response:
  status: 200
  json: {id: x}
"""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("request: {}\n", "c.yaml:1: not an oai-mock cassette"),
        ("oai_mock_cassette: 7\n", "c.yaml:1: cassette format 7: this oai-mock reads format 1"),
        (
            GOOD.replace("status: 200", "status: 200\n  bogus: 1"),
            "c.yaml:5: unknown key(s) ['bogus']",
        ),
        (GOOD.replace("status: 200", "status: 999"), "c.yaml:5: status must be an HTTP status"),
        (GOOD.replace("json: {id: x}", "json: {id: x"), "c.yaml:7: not valid YAML"),
        (GOOD.replace("path: /v1/chat/completions, ", ""), "c.yaml:3: a request needs a method"),
        (
            GOOD + "---\nrequest: {method: GET, path: /v1/models}\n",
            "c.yaml:8: the exchange has no 'response'",
        ),
        (
            GOOD.replace("  json: {id: x}", "  events:\n  - {at: -1, data: {}}"),
            "c.yaml:7: 'at' must be seconds",
        ),
        (GOOD.replace("json: {id: x}", "base64: '%%%'"), "c.yaml:5: base64 is not valid base64"),
        (GOOD.replace("json: {id: x}", "json: {id: x}\n  layout: fancy"), "unknown layout 'fancy'"),
    ],
)
def test_a_bad_cassette_names_file_and_line(text: str, expected: str, tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(CassetteError) as caught:
        load_cassette(path)
    assert expected in str(caught.value)
    assert str(caught.value).startswith(str(path))


def test_the_good_cassette_loads() -> None:
    (exchange,) = parse_cassette(GOOD, "c.yaml")
    assert exchange.request.body == b'{"model":"m"}'
    assert exchange.response.body == b'{"id":"x"}'
    assert exchange.line == 3


def test_scrubbing_headers_keys_and_patterns() -> None:
    scrubber = Scrubber([r"acct-\d+"])
    scrubber.learn({"authorization": f"Bearer {KEY}", "openai-organization": "org-abc123"})
    headers = scrubber.headers(
        {"Authorization": "Bearer x", "api-key": "y", "Cookie": "s=1", "x-other": f"k {KEY}"}
    )
    assert headers == {
        "Authorization": "<scrubbed>",
        "api-key": "<scrubbed>",
        "Cookie": "<scrubbed>",
        "x-other": "k <scrubbed>",
    }
    text = scrubber.text(f"key {KEY} org org-abc123 acct-42 sk-other-0123456789abcdefgh".encode())
    assert text == b"key <scrubbed> org <scrubbed> <scrubbed> <scrubbed>"
    with pytest.raises(ValueError, match="not a valid pattern"):
        Scrubber(["("])
    # A gateway's copy of its upstream's headers, and Azure's key in the query.
    assert scrubber.headers({"llm_provider-openai-organization": "org-1"}) == {
        "llm_provider-openai-organization": "<scrubbed>"
    }
    assert scrubber.query([("api-version", "2024-10-21"), ("api-key", "abc")]) == (
        ("api-version", "2024-10-21"),
        ("api-key", "<scrubbed>"),
    )


# -- the recording proxy, in-process ----------------------------------------------------------


def _record(upstream: OpenAIMock, cassette: Path, send: Any, *, timeout: float = 60.0) -> Any:
    async def run() -> Any:
        upstream_client = httpx.AsyncClient(transport=AsyncMockTransport(upstream), timeout=timeout)
        recorder = Recorder(CassetteWriter(cassette, "http://upstream.test/v1"), Scrubber())
        app = create_recording_app("http://upstream.test/v1", recorder, client=upstream_client)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport,
            base_url="http://recorder.test/v1",
            headers={"authorization": f"Bearer {KEY}"},
        ) as client:
            try:
                return await send(client)
            finally:
                await upstream_client.aclose()

    return asyncio.run(run())


def test_the_proxy_records_and_scrubs(tmp_path: Path) -> None:
    upstream = OpenAIMock(api_key=KEY)
    cassette = tmp_path / "c.yaml"

    async def send(client: httpx.AsyncClient) -> list[httpx.Response]:
        return [
            await client.post("/chat/completions", json=CHAT),
            await client.post("/chat/completions", json=CHAT | {"stream": True}),
            await client.post("/embeddings", json={"model": "e", "input": f"quote {KEY}"}),
            await client.get("/models", headers={"authorization": "Bearer wrong-key-123"}),
        ]

    answers = _record(upstream, cassette, send)
    assert [a.status_code for a in answers] == [200, 200, 200, 401]
    raw = cassette.read_bytes()
    assert KEY.encode() not in raw and b"wrong-key-123" not in raw
    exchanges = load_cassette(cassette)
    assert [e.operation for e in exchanges] == [
        "createChatCompletion",
        "createChatCompletion",
        "createEmbedding",
        "listModels",
    ]
    assert exchanges[0].response.body == answers[0].content
    assert exchanges[1].response.events is not None
    assert b"".join(e.raw for e in exchanges[1].response.events) == answers[1].content
    assert exchanges[2].request.headers["authorization"] == "<scrubbed>"
    assert b"<scrubbed>" in exchanges[2].request.body


def test_an_unreachable_upstream_answers_502_and_records_nothing(tmp_path: Path) -> None:
    async def run() -> httpx.Response:
        recorder = Recorder(CassetteWriter(tmp_path / "c.yaml"), Scrubber())
        # Port 9 (discard) on 127.0.0.1: nothing listens there in the test environment.
        app = create_recording_app("http://127.0.0.1:9/v1", recorder, timeout=5)
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://recorder.test/v1"
        ) as client:
            return await client.post("/chat/completions", json=CHAT)

    answer = asyncio.run(run())
    assert answer.status_code == 502
    error = answer.json()["error"]
    assert error["code"] == "upstream_unavailable"
    assert "http://127.0.0.1:9/v1" in error["message"]
    assert "ConnectError" in error["message"]
    assert not (tmp_path / "c.yaml").exists()


def test_a_slow_upstream_answers_502_after_the_timeout_and_records_nothing(
    tmp_path: Path,
) -> None:
    upstream = OpenAIMock()
    upstream.on("chat").delay(30)

    async def send(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post("/chat/completions", json=CHAT)

    answer = _record(upstream, tmp_path / "c.yaml", send, timeout=0.2)
    assert answer.status_code == 502
    assert "ReadTimeout" in answer.json()["error"]["message"]
    assert not (tmp_path / "c.yaml").exists()


def test_a_body_cut_midway_answers_502_and_records_nothing(tmp_path: Path) -> None:
    upstream = OpenAIMock()
    upstream.on("chat").truncate(20)

    async def send(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post("/chat/completions", json=CHAT)

    answer = _record(upstream, tmp_path / "c.yaml", send)
    assert answer.status_code == 502
    assert "RemoteProtocolError" in answer.json()["error"]["message"]
    assert not (tmp_path / "c.yaml").exists()


def test_a_stream_cut_midway_is_cut_for_the_client_and_not_recorded(tmp_path: Path) -> None:
    upstream = OpenAIMock()
    upstream.on("chat").cut_stream(after=2)

    async def send(client: httpx.AsyncClient) -> Any:
        async with client.stream("POST", "/chat/completions", json=CHAT | {"stream": True}) as r:
            return [chunk async for chunk in r.aiter_bytes()]

    with pytest.raises(Exception, match="stopped midway"):
        _record(upstream, tmp_path / "c.yaml", send)
    assert not (tmp_path / "c.yaml").exists()


def test_garbage_is_passed_on_and_recorded_as_it_was(tmp_path: Path) -> None:
    upstream = OpenAIMock()
    upstream.on("chat").fail(500, body="<html>upstream exploded</html>")

    async def send(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post("/chat/completions", json=CHAT)

    answer = _record(upstream, tmp_path / "c.yaml", send)
    assert (answer.status_code, answer.text) == (500, "<html>upstream exploded</html>")
    (exchange,) = load_cassette(tmp_path / "c.yaml")
    assert exchange.response.body == b"<html>upstream exploded</html>"


# -- replay -----------------------------------------------------------------------------------


def _recorded_chat(content: str, answer: bytes) -> Exchange:
    body = orjson.dumps(
        {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}]}
    )
    return Exchange(
        MockRequest(
            "POST", "/v1/chat/completions", headers={"content-type": "application/json"}, body=body
        ),
        RecordedResponse(200, [("content-type", "application/json")], answer),
        source="c.yaml",
        line=4,
    )


def test_replay_matches_canonical_bodies_and_falls_back_to_the_fake() -> None:
    mock = OpenAIMock()
    mock.replay = ReplaySource([_recorded_chat("Hi", b'{"recorded": 1}')], ignore=["user"])
    client = mock.httpx_client()
    same = {"messages": [{"content": "Hi", "role": "user"}], "user": "u-9", "model": "gpt-4o-mini"}
    assert client.post("/chat/completions", json=same).content == b'{"recorded": 1}'
    # A request the cassette does not have: the fake answers, and the miss is noted.
    other = client.post(
        "/chat/completions", json=CHAT | {"messages": [{"role": "user", "content": "Yo"}]}
    )
    assert other.json()["object"] == "chat.completion"
    assert mock.replay.misses[0].reasons == ['body.messages[0].content: recorded "Hi", sent "Yo"']


def test_strict_replay_refuses_with_the_closest_request() -> None:
    mock = OpenAIMock()
    mock.replay = ReplaySource([_recorded_chat("Hi", b"{}")], on_miss="refuse")
    answer = mock.httpx_client().post("/chat/completions", json=CHAT | {"temperature": 0.5})
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "no_recorded_match"
    assert "closest recorded: POST /v1/chat/completions (c.yaml:4)" in error["message"]
    assert "body.temperature: sent 0.5, not recorded" in error["message"]


def test_repeated_requests_replay_in_order_then_the_last_again() -> None:
    mock = OpenAIMock()
    recorded = [
        Exchange(MockRequest("GET", "/v1/threads/t1/runs/r1"), RecordedResponse(200, [], body))
        for body in (b'{"status":"queued"}', b'{"status":"completed"}')
    ]
    mock.replay = ReplaySource(recorded)
    client = mock.httpx_client()
    seen = [client.get("/threads/t1/runs/r1").json()["status"] for _ in range(3)]
    assert seen == ["queued", "completed", "completed"]


def test_replayed_headers_are_the_recorded_ones() -> None:
    mock = OpenAIMock()
    exchange = _recorded_chat("Hi", b"{}")
    exchange.response.headers.append(("x-request-id", "req_recorded"))
    mock.replay = ReplaySource([exchange])
    answer = mock.httpx_client().post("/chat/completions", json=CHAT)
    assert answer.headers.get_list("x-request-id") == ["req_recorded"]


def test_azure_requests_are_recorded_and_replayed(tmp_path: Path) -> None:
    upstream = OpenAIMock(api_key=KEY)
    path = "/openai/deployments/my-gpt/chat/completions"
    query = {"api-version": "2024-10-21"}

    async def send(client: httpx.AsyncClient) -> httpx.Response:
        return await client.post(
            "http://recorder.test" + path,
            params=query,
            json=CHAT,
            headers={"authorization": "", "api-key": KEY},
        )

    live = _record(upstream, tmp_path / "c.yaml", send)
    assert live.status_code == 200
    assert upstream.journal.last().path == path
    assert KEY.encode() not in (tmp_path / "c.yaml").read_bytes()
    (exchange,) = load_cassette(tmp_path / "c.yaml")
    assert exchange.operation == "createChatCompletion"
    assert exchange.request.query == (("api-version", "2024-10-21"),)
    assert exchange.request.headers["api-key"] == "<scrubbed>"
    mock = OpenAIMock()
    mock.replay = ReplaySource([exchange], on_miss="refuse")
    again = mock.httpx_client().post("http://oai-mock.local" + path, params=query, json=CHAT)
    assert again.content == live.content
