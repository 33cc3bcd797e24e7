"""Each quirk of the catalogue changes what it names, seen on the wire."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from oai_mock import OpenAIMock
from oai_mock.mockserver import MockRequest
from oai_mock.mockserver.quirks import CATALOGUE, NAMES

CHAT = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hello there"}]}
TOOL = {
    "type": "function",
    "function": {
        "name": "f",
        "parameters": {
            "type": "object",
            "properties": {"a": {"type": "string"}},
            "required": ["a"],
        },
    },
}


def chat(quirk: str | None, **body: Any) -> Any:
    mock = OpenAIMock(quirks={quirk} if quirk else set())
    response = mock.request("POST", "/v1/chat/completions", json={**CHAT, **body})
    if response.stream is not None:
        return response, b"".join(i for i in response.stream if isinstance(i, bytes))
    return response, response.body


def chunks(raw: bytes) -> list[Any]:
    text = raw.decode().replace("\r\n", "\n")
    out = []
    for frame in text.split("\n\n"):
        if frame.startswith("data:") and "[DONE]" not in frame:
            out.append(json.loads(frame[5:].strip()))
    return out


def test_the_catalogue_is_large_and_documented() -> None:
    assert len(CATALOGUE) >= 25
    assert all(q.description and q.seen_in for q in CATALOGUE)
    with pytest.raises(ValueError, match="unknown quirk"):
        OpenAIMock(quirks={"no-such-quirk"})


def test_faithful_mock_has_none() -> None:
    _, raw = chat(None, stream=True)
    assert raw.endswith(b"data: [DONE]\n\n") and b"data: {" in raw


@pytest.mark.parametrize(
    ("quirk", "check"),
    [
        ("no-done", lambda raw: b"[DONE]" not in raw),
        ("data-no-space", lambda raw: raw.startswith(b"data:{") and b"data: " not in raw),
        ("crlf-lines", lambda raw: b"\r\n\r\n" in raw),
        ("changing-chunk-id", lambda raw: len({c["id"] for c in chunks(raw)}) > 1),
        ("usage-chunk-unasked", lambda raw: chunks(raw)[-1]["choices"] == []),
        ("finish-reason-eos", lambda raw: chunks(raw)[-1]["choices"][0]["finish_reason"] == "eos"),
    ],
)
def test_stream_quirks(quirk: str, check: Any) -> None:
    _, raw = chat(quirk, stream=True)
    assert check(raw), raw[:300]


def test_usage_chunk_quirks() -> None:
    options = {"stream": True, "stream_options": {"include_usage": True}}
    _, raw = chat("choices-null-usage-chunk", **options)
    assert chunks(raw)[-1]["choices"] is None
    _, raw = chat("include-usage-ignored", **options)
    assert all(c.get("usage") is None for c in chunks(raw))


def test_tool_quirks() -> None:
    forced = {"tools": [TOOL], "tool_choice": "required"}
    _, raw = chat("tool-delta-no-index", stream=True, **forced)
    deltas = [tc for c in chunks(raw) for tc in c["choices"][0]["delta"].get("tool_calls", [])]
    assert deltas and all("index" not in d for d in deltas)
    _, body = chat("tool-arguments-object", **forced)
    assert isinstance(
        json.loads(body)["choices"][0]["message"]["tool_calls"][0]["function"]["arguments"], dict
    )
    _, body = chat("finish-reason-stop-for-tools", **forced)
    assert json.loads(body)["choices"][0]["finish_reason"] == "stop"
    _, body = chat("tool-choice-ignored", **forced)
    assert json.loads(body)["choices"][0]["message"].get("tool_calls") is None


@pytest.mark.parametrize(
    ("quirk", "body", "check"),
    [
        ("missing-object", {}, lambda v: "object" not in v),
        ("missing-id", {}, lambda v: "id" not in v),
        ("missing-created", {}, lambda v: "created" not in v),
        ("created-zero", {}, lambda v: v["created"] == 0),
        ("finish-reason-missing", {}, lambda v: "finish_reason" not in v["choices"][0]),
        (
            "usage-wrong-total",
            {},
            lambda v: (
                v["usage"]["total_tokens"]
                != v["usage"]["prompt_tokens"] + v["usage"]["completion_tokens"]
            ),
        ),
        ("n-ignored", {"n": 3}, lambda v: len(v["choices"]) == 1),
        (
            "max-tokens-ignored",
            {"max_tokens": 2},
            lambda v: v["choices"][0]["finish_reason"] == "stop",
        ),
        ("logprobs-ignored", {"logprobs": True}, lambda v: v["choices"][0]["logprobs"] is None),
        ("stop-ignored", {"stop": [":"]}, lambda v: ":" in v["choices"][0]["message"]["content"]),
        (
            "json-schema-ignored",
            {
                "response_format": {
                    "type": "json_schema",
                    "json_schema": {"name": "x", "schema": {"type": "object"}},
                }
            },
            lambda v: v["choices"][0]["message"]["content"].startswith("Mock reply"),
        ),
        ("unknown-arguments-accepted", {"top_k": 5}, lambda v: v["object"] == "chat.completion"),
    ],
)
def test_answer_quirks(quirk: str, body: dict[str, Any], check: Any) -> None:
    response, raw = chat(quirk, **body)
    assert response.status == 200
    assert check(json.loads(raw))


def test_error_quirks() -> None:
    mock = OpenAIMock(quirks={"fastapi-errors"})
    body = json.loads(mock.request("POST", "/v1/chat/completions", json={"model": "x"}).body)
    assert set(body) == {"detail"} and "messages" in body["detail"]
    mock = OpenAIMock(quirks={"plain-text-errors"})
    response = mock.request("POST", "/v1/chat/completions", json={"model": "x"})
    assert (response.header("content-type") or "").startswith(
        "text/plain"
    ) and b"messages" in response.body
    mock = OpenAIMock(quirks={"500-on-bad-json"})
    bad = mock.handle(
        MockRequest.from_url(
            "POST", "/v1/chat/completions", {"content-type": "application/json"}, b"{"
        )
    )
    assert bad.status == 500


def test_quirks_measured_on_litellms_proxy() -> None:
    mock = OpenAIMock(api_key="sk-right", quirks={"auth-error-500"})
    refused = mock.request("GET", "/v1/models")
    assert refused.status == 500 and refused.body == b"Internal Server Error"
    assert (refused.header("content-type") or "").startswith("text/plain")
    mock = OpenAIMock(strict_models=True, quirks={"unknown-model-400"})
    unknown = mock.request("POST", "/v1/chat/completions", json={**CHAT, "model": "no-such"})
    assert unknown.status == 400 and json.loads(unknown.body)["error"]["code"] == "400"
    _, raw = chat("chunk-finish-reason-omitted", stream=True)
    *middle, last = chunks(raw)
    assert all("finish_reason" not in c["choices"][0] for c in middle)
    assert last["choices"][0]["finish_reason"] is not None
    options = {"stream": True, "stream_options": {"include_usage": True}}
    _, raw = chat("usage-chunk-with-choice", **options)
    assert chunks(raw)[-1]["choices"] == [{"index": 0, "delta": {}}]


def test_quirks_measured_on_mockllm_and_ai_mock() -> None:
    answer, _ = chat("refusal-omitted")
    assert "refusal" not in json.loads(answer.body)["choices"][0]["message"]
    answer, _ = chat("logprobs-omitted")
    assert "logprobs" not in json.loads(answer.body)["choices"][0]
    _, raw = chat("delta-role-null", stream=True)
    first, *later = chunks(raw)
    assert first["choices"][0]["delta"]["role"] == "assistant"
    assert later and all(c["choices"][0]["delta"]["role"] is None for c in later if c["choices"])


def test_stream_content_type_and_embedding_quirks() -> None:
    response, _ = chat("stream-content-type", stream=True)
    assert response.header("content-type") == "application/json"
    mock = OpenAIMock(quirks={"dimensions-ignored", "base64-ignored"})
    body = json.loads(
        mock.request(
            "POST",
            "/v1/embeddings",
            json={
                "model": "text-embedding-3-small",
                "input": "x",
                "dimensions": 8,
                "encoding_format": "base64",
            },
        ).body
    )
    assert (
        isinstance(body["data"][0]["embedding"], list) and len(body["data"][0]["embedding"]) == 1536
    )


def test_every_quirk_is_exercised_here() -> None:
    source = Path(__file__).read_text()
    assert all(f'"{name}"' in source for name in NAMES)


def test_serve_lists_and_rejects_quirks() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "oai_mock.cli", "quirks"], capture_output=True, text=True
    )
    assert listed.returncode == 0 and len(listed.stdout.strip().splitlines()) == len(CATALOGUE)
    bad = subprocess.run(
        [sys.executable, "-m", "oai_mock.cli", "serve", "--quirk", "nope"],
        capture_output=True,
        text=True,
    )
    assert bad.returncode == 2 and "unknown quirk" in bad.stderr


@pytest.mark.oai_mock(quirks=["no-done"])
def test_the_fixture_turns_quirks_on(oai_mock: OpenAIMock) -> None:
    assert oai_mock.quirks == {"no-done"}


@pytest.mark.parametrize(
    ("quirk", "body", "param"),
    [
        ("n-above-one-400", {"n": 2}, "n"),
        ("logprobs-400", {"logprobs": False}, "logprobs"),  # refused when present at all
        ("logprobs-400", {"logit_bias": {"50256": -100}}, "logit_bias"),
    ],
)
def test_refused_chat_fields(quirk: str, body: dict[str, Any], param: str) -> None:
    response, raw = chat(quirk, **body)
    assert response.status == 400
    error = json.loads(raw)["error"]
    assert error["param"] == param and error["type"] == "invalid_request_error"
    accepted, _ = chat(quirk, n=1)  # n of 1 and requests without the fields still pass
    assert accepted.status == 200
    faithful, _ = chat(None, **body)
    assert faithful.status == 200


def _answers_edit_object_may_change() -> list[dict[str, Any]]:
    """One of each JSON shape the object quirks look at: a finished chat completion, one that
    called a tool, a content chunk, a tool-call chunk and a usage chunk."""
    tool_call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    base = {"id": "chatcmpl-1", "object": "chat.completion", "created": 5}
    usage = {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2}
    message = {"role": "assistant", "content": "hi", "refusal": None}
    return [
        {**base, "choices": [{"index": 0, "message": message, "logprobs": None, "finish_reason": "stop"}], "usage": usage},
        {**base, "choices": [{"index": 0, "message": {**message, "tool_calls": [tool_call]}, "logprobs": None, "finish_reason": "tool_calls"}]},
        {**base, "choices": [{"index": 0, "delta": {"content": "h"}, "finish_reason": None}]},
        {**base, "choices": [{"index": 0, "delta": {"tool_calls": [{**tool_call, "index": 0}]}, "finish_reason": None}]},
        {**base, "choices": [], "usage": usage},
    ]  # fmt: skip


@pytest.mark.parametrize("quirk", sorted(NAMES))
def test_the_object_quirks_are_the_ones_that_edit_json_answers(quirk: str) -> None:
    # adjust_response leaves JSON answers alone (no copy, no walk) unless one of OBJECT_QUIRKS
    # is on: a quirk that edits objects but is missing from that list would silently do nothing.
    import copy

    from oai_mock.mockserver.quirks import OBJECT_QUIRKS, edit_object

    changed = False
    for answer in _answers_edit_object_may_change():
        edited = edit_object(frozenset({quirk}), copy.deepcopy(answer), chunk_number=1)
        changed = changed or edited != answer
    assert changed is (quirk in OBJECT_QUIRKS)
