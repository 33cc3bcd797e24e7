"""Background responses move on the mock's lifecycles (so every lifecycle policy holds them),
and a batch answers its lines as parsed calls."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest

from oai_mock import OpenAIMock

BACKGROUND = {"model": "gpt-4o-mini", "input": "slow", "background": True}


def _status(mock: OpenAIMock, response_id: str) -> str:
    answer = mock.request("GET", f"/v1/responses/{response_id}")
    assert answer.status == 200, answer.body
    status: str = answer.value["status"]
    return status


def test_manual_lifecycles_hold_a_background_response_until_the_test_moves_it() -> None:
    mock = OpenAIMock(lifecycle="manual")
    created = mock.request("POST", "/v1/responses", json=BACKGROUND).value
    assert created["status"] == "queued" and created["output"] == []
    assert [_status(mock, created["id"]) for _ in range(3)] == ["queued"] * 3
    assert mock.lifecycles.advance(created["id"]) == "in_progress"
    assert _status(mock, created["id"]) == "in_progress"
    mock.lifecycles.complete(created["id"])
    done = mock.request("GET", f"/v1/responses/{created['id']}").value
    assert done["status"] == "completed" and done["output"] and done["usage"]


def test_per_poll_moves_a_background_response_one_step_per_retrieve() -> None:
    mock = OpenAIMock()
    created = mock.request("POST", "/v1/responses", json=BACKGROUND).value
    assert [_status(mock, created["id"]) for _ in range(3)] == [
        "in_progress",
        "completed",
        "completed",
    ]
    assert mock.lifecycles.get(created["id"]).history == ["queued", "in_progress", "completed"]


def test_the_clock_policy_moves_a_background_response_with_the_clock() -> None:
    mock = OpenAIMock(lifecycle="clock", step_seconds=10)
    created = mock.request("POST", "/v1/responses", json=BACKGROUND).value
    assert _status(mock, created["id"]) == "queued"
    mock.clock.advance(10)
    assert _status(mock, created["id"]) == "in_progress"
    mock.clock.advance(10)
    assert _status(mock, created["id"]) == "completed"


def test_a_background_response_fails_and_cancels_through_the_lifecycles() -> None:
    mock = OpenAIMock(lifecycle="manual")
    failing = mock.request("POST", "/v1/responses", json=BACKGROUND).value
    mock.lifecycles.fail(failing["id"], "server_error", "The model crashed.")
    failed = mock.request("GET", f"/v1/responses/{failing['id']}").value
    assert failed["status"] == "failed"
    assert failed["error"] == {"code": "server_error", "message": "The model crashed."}
    other = mock.request("POST", "/v1/responses", json=BACKGROUND).value
    cancelled = mock.request("POST", f"/v1/responses/{other['id']}/cancel").value
    assert cancelled["status"] == "cancelled"
    assert _status(mock, other["id"]) == "cancelled"
    with pytest.raises(ValueError, match="no step left"):
        mock.lifecycles.advance(other["id"])


# -- batch lines -------------------------------------------------------------------------------


def _run_batch(mock: OpenAIMock, lines: list[Any]) -> list[dict[str, Any]]:
    data = b"".join(orjson.dumps(line) + b"\n" for line in lines)
    boundary = "b0undary"
    form = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="in.jsonl"\r\n'
            "Content-Type: application/jsonl\r\n\r\n"
        ).encode()
        + data
        + f"\r\n--{boundary}--\r\n".encode()
    )
    from oai_mock.mockserver import MockRequest

    upload = mock.handle(
        MockRequest.from_url(
            "POST",
            "/v1/files",
            {"content-type": f"multipart/form-data; boundary={boundary}"},
            form,
        )
    )
    assert upload.status == 200, upload.body
    batch = mock.request(
        "POST",
        "/v1/batches",
        json={
            "input_file_id": upload.value["id"],
            "endpoint": "/v1/chat/completions",
            "completion_window": "24h",
        },
    ).value
    mock.lifecycles.complete(batch["id"])
    done = mock.request("GET", f"/v1/batches/{batch['id']}").value
    entries = []
    for key in ("output_file_id", "error_file_id"):
        if done[key]:
            content = mock.request("GET", f"/v1/files/{done[key]}/content").body
            entries += [json.loads(line) for line in content.splitlines()]
    return entries


def test_batch_lines_are_answered_as_calls_with_their_parsed_bodies(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from oai_mock.mockserver import engine

    mock = OpenAIMock(lifecycle="manual")
    seen: list[Any] = []
    original = engine.parse_call

    def spy(match: Any, request: Any, *args: Any) -> Any:
        if match.operation.id == "createChatCompletion":
            seen.append((request.body, args[-1]))
        return original(match, request, *args)

    monkeypatch.setattr(engine, "parse_call", spy)
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}], "n": 2.0}
    lines = [
        {"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": chat},
        {"custom_id": "b", "method": "POST", "url": "/v1/chat/completions", "body": "text"},
    ]
    requests_before = len(mock.journal)
    entries = {e["custom_id"]: e for e in _run_batch(mock, lines)}
    # The values from the file reach validation as they are, not as bytes written again.
    assert seen == [(b"", chat), (b"", "text")]
    answer = entries["a"]["response"]
    assert answer["status_code"] == 200 and len(answer["body"]["choices"]) == 2  # 2.0 -> 2
    assert answer["request_id"].startswith("req_")
    assert entries["b"]["response"]["status_code"] == 400
    # An HTTP error is the response; `error` is for failures that are not HTTP answers.
    assert entries["b"]["error"] is None
    assert entries["b"]["response"]["body"]["error"]["message"]
    # The lines are the fake's own calls: not in the journal (only upload, create, retrieve,
    # and the two content downloads are).
    assert len(mock.journal) - requests_before == 5


def test_a_batch_line_answers_as_the_same_request_would() -> None:
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "same"}]}
    batched = _run_batch(
        OpenAIMock(lifecycle="manual"),
        [{"custom_id": "a", "method": "POST", "url": "/v1/chat/completions", "body": chat}],
    )
    live = OpenAIMock().request("POST", "/v1/chat/completions", json=chat).value
    body = batched[0]["response"]["body"]
    assert body["choices"] == live["choices"] and body["usage"] == live["usage"]
