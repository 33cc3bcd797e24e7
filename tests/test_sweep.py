"""Every operation answers over raw HTTP with a response valid in the strict profile, and every
streaming operation streams events valid against its event schema."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from oai_mock import OpenAIMock
from oai_mock.contracts.examples import example_request
from oai_mock.mockserver.live import LiveServer
from oai_mock.spec import Operation, SchemaChecker, load_bundle
from oai_mock.sse import decode_sse

BUNDLE = load_bundle()
CHECKER = SchemaChecker(BUNDLE)


@pytest.fixture(scope="module")
def server() -> Iterator[LiveServer]:
    """The generic engine alone: every answer synthesized from the response schemas."""
    with LiveServer(OpenAIMock(seed=3, behaviours={})) as live:
        yield live


@pytest.fixture(scope="module")
def full_server() -> Iterator[LiveServer]:
    """With the behaviours: unknown ids get OpenAI's 404 instead of a made-up object."""
    with LiveServer(OpenAIMock(seed=3)) as live:
        yield live


def send(client: httpx.Client, op: Operation, stream: bool = False) -> httpx.Response:
    overrides = {}
    if stream and op.streaming is not None:
        if op.streaming.switch == "body":
            overrides = {"stream": True}
        elif op.streaming.switch == "stream_format":
            overrides = {"stream_format": "sse"}
    example = example_request(op, overrides)
    url = example.url
    if stream and op.streaming is not None and op.streaming.switch == "query":
        url += ("&" if "?" in url else "?") + "stream=true"
    return client.request(example.method, url, headers=dict(example.headers), content=example.body)


def test_all_operations_answer_valid_responses(server: LiveServer, figure: Any) -> None:
    failures = []
    with httpx.Client(base_url=server.url, timeout=10) as client:
        for op in BUNDLE.operations:
            response = send(client, op)
            if response.status_code != op.success_status:
                failures.append(f"{op.id}: {response.status_code} {response.text[:200]}")
                continue
            if op.response_kind == "json" and op.success_schema is not None:
                report = CHECKER.check(response.json(), op.success_schema)
                if not report.ok:
                    failures.append(f"{op.id}: {report.summary(2)}")
                    continue
            elif op.response_kind == "binary" and not response.content:
                failures.append(f"{op.id}: empty binary body")
                continue
    passed = len(BUNDLE.operations) - len(failures)
    figure(f"{passed} of {len(BUNDLE.operations)} operations answer valid responses (strict)")
    assert not failures, "\n".join(failures)
    assert passed == 288


@pytest.mark.parametrize(
    "op", [op for op in BUNDLE.operations if op.streaming], ids=lambda op: op.id
)
def test_streams_use_their_family_framing(server: LiveServer, op: Operation) -> None:
    assert op.streaming is not None
    with httpx.Client(base_url=server.url, timeout=10) as client:
        response = send(client, op, stream=True)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    events = list(decode_sse([response.content]))
    assert events
    kind = op.streaming.kind
    payloads = [e for e in events if not e.is_done]
    if kind == "chat":
        assert events[-1].is_done and all(e.event is None for e in events)
    elif kind == "responses":
        assert not any(e.is_done for e in events)
        numbers = [e.json()["sequence_number"] for e in payloads]
        assert numbers == list(range(len(numbers)))
        assert all(e.event == e.json()["type"] for e in payloads)
    elif kind == "assistants":
        assert (events[-1].event, events[-1].data) == ("done", "[DONE]")
        assert all(
            e.event and e.event.startswith("thread.") for e in payloads[:-1] if e.event != "done"
        )
    else:
        for event in payloads:
            assert event.event == (event.json()["type"] if op.streaming.event_lines else None)
    for event in payloads:
        if event.event == "done":
            continue
        data = event.json()
        if kind == "assistants":
            data = {"event": event.event, "data": data}
        report = CHECKER.check(data, op.streaming.event_schema)
        assert report.ok, f"{event.event}: {report.summary()}"


def test_with_behaviours_every_operation_answers_valid_success_or_openai_error(
    full_server: LiveServer, figure: Any
) -> None:
    successes = errors = 0
    failures = []
    with httpx.Client(base_url=full_server.url, timeout=10) as client:
        for op in BUNDLE.operations:
            response = send(client, op)
            if response.status_code >= 500:
                failures.append(f"{op.id}: {response.status_code} {response.text[:200]}")
            elif response.status_code >= 400:
                error = response.json()["error"]
                assert set(error) == {"message", "type", "param", "code"}, op.id
                errors += 1
            else:
                successes += 1
                if op.response_kind == "json" and op.success_schema is not None:
                    report = CHECKER.check(response.json(), op.success_schema)
                    if not report.ok:
                        failures.append(f"{op.id}: {report.summary(2)}")
    figure(f"with behaviours: {successes} valid answers, {errors} OpenAI errors (unknown ids)")
    assert not failures, "\n".join(failures)


def test_chat_stream_ends_with_done_and_keeps_ids_constant(server: LiveServer) -> None:
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    response = httpx.post(server.url + "/chat/completions", json=body, timeout=10)
    raw = response.content
    assert raw.endswith(b"data: [DONE]\n\n")
    chunks = [orjson.loads(e.data) for e in decode_sse([raw]) if not e.is_done]
    assert len({(c["id"], c["created"], c["model"], c["system_fingerprint"]) for c in chunks}) == 1
