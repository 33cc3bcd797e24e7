"""Answers stay values until an adapter sends them: JSON answers keep their value, streams
their events, and quirks, the self-check and pacing work on those; the bytes are written once."""

from __future__ import annotations

from typing import Any

import orjson
import pytest

from oai_mock import OpenAIMock
from oai_mock.mockserver.messages import Event, MockResponse, Pause
from oai_mock.mockserver.response_stream import response_events
from oai_mock.mockserver.selfcheck import SelfCheckError
from oai_mock.spec import load_bundle
from oai_mock.sse import decode_sse

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello there"}]}


def wire(response: MockResponse) -> bytes:
    assert response.stream is not None
    return b"".join(item for item in response.stream if isinstance(item, bytes))


def test_a_json_answer_is_its_value_until_the_body_is_read() -> None:
    response = OpenAIMock().request("POST", "/v1/chat/completions", json=CHAT)
    assert response.holds_value
    value = response.value
    assert value["object"] == "chat.completion"
    assert response.body == orjson.dumps(value)
    assert not response.holds_value  # encoded once, on that first read
    assert response.body is response.body


def test_an_edited_value_is_what_gets_encoded() -> None:
    response = MockResponse(200, [("content-type", "application/json")], value={"a": 1})
    edited = response.value
    edited["a"] = 2
    response.value = edited
    assert response.body == b'{"a":2}'
    response.body = b'{"b":3}'  # bytes given later win, and read back as their value
    assert response.value == {"b": 3}


def test_a_stored_record_is_taken_as_bytes_before_later_requests_change_it() -> None:
    mock = OpenAIMock()
    created = mock.request("POST", "/v1/conversations", json={"metadata": {"k": "v"}})
    conversation_id = created.value["id"]
    first = mock.request("GET", f"/v1/conversations/{conversation_id}")
    assert not first.holds_value
    mock.request("POST", f"/v1/conversations/{conversation_id}", json={"metadata": {"k": "w"}})
    assert orjson.loads(first.body)["metadata"] == {"k": "v"}


def test_a_stream_is_events_until_an_adapter_encodes_them() -> None:
    response = OpenAIMock().request("POST", "/v1/chat/completions", json={**CHAT, "stream": True})
    assert response.events is not None
    events = list(response.events)
    assert all(isinstance(event, Event) for event in events)
    assert events[0].data["object"] == "chat.completion.chunk"
    assert events[-1] == Event("[DONE]")


def test_quirks_edit_events_and_frame_them_on_the_way_out() -> None:
    mock = OpenAIMock(quirks={"finish-reason-eos", "data-no-space", "crlf-lines"})
    body = {**CHAT, "stream": True}
    response = mock.request("POST", "/v1/chat/completions", json=body)
    assert response.events is not None
    events = list(response.events)
    finishes = [e.data["choices"][0]["finish_reason"] for e in events if isinstance(e.data, dict)]
    assert finishes[-1] == "eos"
    response.events = iter(events)
    raw = wire(response)
    assert raw.startswith(b"data:{") and raw.endswith(b"data:[DONE]\r\n\r\n")
    assert b"\n" not in raw.replace(b"\r\n", b"")


def test_the_framing_quirk_leaves_text_inside_the_json_alone() -> None:
    mock = OpenAIMock(quirks={"data-no-space"})
    arguments = '{"a": "data: x"}'  # streamed in 16-character pieces: one holds "data: "
    mock.on("chat").call_tools(("f", arguments))
    body = {**CHAT, "stream": True, "tools": [{"type": "function", "function": {"name": "f"}}]}
    raw = wire(mock.request("POST", "/v1/chat/completions", json=body))
    assert raw.startswith(b"data:{")
    pieces = [
        call["function"]["arguments"]
        for e in decode_sse([raw])
        if not e.is_done
        for choice in e.json()["choices"]
        for call in choice["delta"].get("tool_calls") or []
    ]
    assert "".join(pieces) == arguments


def test_recorded_frames_are_edited_by_quirks_like_the_fakes_own_events() -> None:
    from oai_mock.mockserver import quirks

    chunk = {"id": "c", "object": "chat.completion.chunk", "choices": []}
    frames = iter([b"data: " + orjson.dumps(chunk) + b"\n\n", Pause(0.0), b"data: [DONE]\n\n"])
    response = MockResponse(200, [("content-type", "text/event-stream")], stream=frames)
    call: Any = type("C", (), {"operation": load_bundle().operation("createChatCompletion")})()
    quirks.adjust_response(frozenset({"missing-id", "no-done"}), call, response)
    assert wire(response) == b'data: {"object":"chat.completion.chunk","choices":[]}\n\n'


def test_the_self_check_reads_events_without_decoding_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from oai_mock.mockserver import selfcheck

    def no_decoding(*args: object) -> None:
        raise AssertionError("the self-check decoded the stream's bytes")

    monkeypatch.setattr(selfcheck, "decode_sse", no_decoding)
    mock = OpenAIMock(self_check=True)
    good = mock.request("POST", "/v1/chat/completions", json={**CHAT, "stream": True})
    assert b"[DONE]" in b"".join(good.stream or [])  # every event checked, none decoded
    response = mock.request("POST", "/v1/chat/completions", json={**CHAT, "stream": True})
    assert response.events is not None
    broken = (Event({"object": "not a chunk"}) for _ in range(1))
    response.events = broken
    from oai_mock.mockserver.selfcheck import check_answer

    checked = check_answer(load_bundle().operation("createChatCompletion"), response, mock.checker)
    with pytest.raises(SelfCheckError, match="stream event"):
        list(checked.stream or [])


def test_pacing_counts_events_not_bytes() -> None:
    mock = OpenAIMock()
    mock.on("chat").stream("one two three", chunk_delay=0.5)
    response = mock.request("POST", "/v1/chat/completions", json={**CHAT, "stream": True})
    assert response.events is not None
    items = list(response.events)
    events = [i for i in items if isinstance(i, Event)]
    pauses = [i for i in items if isinstance(i, Pause)]
    assert len(pauses) == len(events) - 1 and all(p.seconds == 0.5 for p in pauses)


# -- one Responses event builder -------------------------------------------------------------


def _checked(events: list[dict[str, Any]]) -> list[str]:
    """The events' types, each event checked against the spec's stream event union."""
    op = load_bundle().operation("createResponse")
    assert op.streaming is not None
    checker = OpenAIMock().checker
    for number, event in enumerate(events):
        report = checker.check({**event, "sequence_number": number}, op.streaming.event_schema)
        assert report.ok, (event["type"], report.summary(3))
    return [event["type"] for event in events]


def test_every_output_item_is_added_and_done_in_order() -> None:
    mock = OpenAIMock(seed=2)
    response = mock.request(
        "POST", "/v1/responses", json={"model": "gpt-4o-mini", "input": "hi"}
    ).value
    search = {
        "id": "ws_1",
        "type": "web_search_call",
        "status": "completed",
        "action": {"type": "search", "query": "q"},
    }
    call = {
        "id": "fc_1",
        "type": "function_call",
        "call_id": "call_1",
        "name": "f",
        "arguments": '{"a": "b"}',
        "status": "completed",
    }
    response["output"] = [search, *response["output"], call]
    types = _checked(response_events(response))
    assert types[:2] == ["response.created", "response.in_progress"]
    assert types[2:4] == ["response.output_item.added", "response.output_item.done"]
    assert types[4] == "response.output_item.added"
    assert "response.content_part.added" in types and "response.output_text.delta" in types
    assert types[-4:] == [
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    added = response_events(response)[2]
    assert added["item"]["status"] == "in_progress"


def test_the_synthesized_responses_stream_streams_its_output_items() -> None:
    mock = OpenAIMock(seed=5, behaviours={}, self_check=True)
    body = {"model": "gpt-4o-mini", "input": "hi", "stream": True}
    raw = wire(mock.request("POST", "/v1/responses", json=body))
    types = [e.event for e in decode_sse([raw])]
    assert types[:3] == ["response.created", "response.in_progress", "response.output_item.added"]
    assert types[-2:] == ["response.output_item.done", "response.completed"]
    created = next(e.json() for e in decode_sse([raw]))
    assert created["response"]["output"] == [] and created["response"]["status"] == "in_progress"


def test_a_quirk_edits_a_copy_of_a_value_the_behaviour_also_stored() -> None:
    mock = OpenAIMock(quirks={"missing-id", "usage-wrong-total"})
    body = {**CHAT, "store": True}
    answer = mock.request("POST", "/v1/chat/completions", json=body).value
    assert "id" not in answer
    (stored,) = mock.state.values("chat.completion")
    completion = stored["completion"]
    assert completion["id"].startswith("chatcmpl-")
    usage = completion["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert answer["usage"]["total_tokens"] == usage["total_tokens"] + 7
