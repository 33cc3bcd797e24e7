"""A fake that runs for weeks, keeps keys like the real API, journals what clients received, and
logs bugs with the request id its 500 carries."""

from __future__ import annotations

import logging
from typing import Any

import httpx
import openai
import pytest

from oai_mock import OpenAIMock
from oai_mock.mockserver.behaviours import embeddings

KEY, ADMIN = "sk-test-ordinary-0001", "sk-admin-test-0001"


def _upload(mock: OpenAIMock, content: bytes, headers: dict[str, str] | None = None) -> Any:
    http = mock.httpx_client()
    return http.post(
        "/files",
        files={"file": ("a.txt", content)},
        data={"purpose": "assistants"},
        headers=headers or {},
    )


def test_a_full_store_evicts_the_oldest_objects_and_answers_404_for_them() -> None:
    mock = OpenAIMock(max_objects=50)
    ids = [_upload(mock, f"file {n}".encode()).json()["id"] for n in range(200)]
    http = mock.httpx_client()
    # Never a 429 that only a restart would clear: creating goes on working.
    assert http.get(f"/files/{ids[-1]}").status_code == 200
    evicted = http.get(f"/files/{ids[0]}")
    assert evicted.status_code == 404 and evicted.json()["error"]["param"] == "file_id"
    assert mock.state.stored_objects <= 50
    assert mock.state.evicted >= 150
    assert http.get("/models/gpt-4o-mini").status_code == 200  # the catalogue stays


def test_stored_bytes_evict_oldest_first_and_one_object_too_large_is_refused() -> None:
    mock = OpenAIMock(max_stored_bytes=10_000)
    first = _upload(mock, b"a" * 6000).json()["id"]
    second = _upload(mock, b"b" * 6000).json()["id"]
    http = mock.httpx_client()
    assert http.get(f"/files/{first}/content").status_code == 404
    assert http.get(f"/files/{second}/content").content == b"b" * 6000
    assert mock.state.stored_bytes <= 10_000
    assert _upload(mock, b"c" * 20_000).status_code == 413


def test_lifecycle_entries_leave_with_their_objects() -> None:
    mock = OpenAIMock(max_objects=20)
    http = mock.httpx_client()
    for _ in range(60):
        assistant = http.post("/assistants", json={"model": "gpt-4o"}).json()
        thread = http.post("/threads", json={}).json()
        http.post(f"/threads/{thread['id']}/runs", json={"assistant_id": assistant["id"]})
    assert len(mock.lifecycles._tracked) <= 20


def test_the_embedding_cache_is_bounded() -> None:
    for n in range(embeddings.EMBEDDING_CACHE_SIZE + 100):
        assert len(embeddings.embed(f"text number {n}", 16, 8)) == 8
    assert embeddings._embed.cache_info().currsize <= embeddings.EMBEDDING_CACHE_SIZE


def test_the_journal_is_bounded_by_bytes_and_keeps_only_the_start_of_refused_bodies() -> None:
    mock = OpenAIMock(journal_bytes=100_000, max_body_bytes=50_000)
    big = b'{"model": "gpt-4o", "messages": [' + b" " * 200_000 + b"]}"
    refused = mock.httpx_client().post(
        "/chat/completions", content=big, headers={"content-type": "application/json"}
    )
    assert refused.status_code == 413
    entry = mock.journal.last()
    assert entry.body_size == len(big) and len(entry.raw_body) <= 4096
    for n in range(50):
        mock.request("POST", "/v1/embeddings", json={"model": "m", "input": "x" * 5000 + str(n)})
    assert sum(len(e.raw_body) for e in mock.journal) <= 100_000
    assert mock.journal.last().json["input"].endswith("49")


def test_admin_operations_require_the_admin_key() -> None:
    mock = OpenAIMock(api_key=KEY, admin_key=ADMIN)
    http = mock.httpx_client()
    path = "/organization/admin_api_keys"
    assert http.get(path, headers={"authorization": f"Bearer {ADMIN}"}).status_code == 200
    ordinary = http.get(path, headers={"authorization": f"Bearer {KEY}"})
    assert ordinary.status_code == 403 and ordinary.json()["error"]["type"]
    assert http.get(path).status_code == 401
    assert http.get("/models", headers={"authorization": f"Bearer {KEY}"}).status_code == 200
    assert http.get("/models", headers={"authorization": f"Bearer {ADMIN}x"}).status_code == 401


def test_image_urls_need_a_key_or_their_signature() -> None:
    mock = OpenAIMock(api_key=KEY)
    http = httpx.Client(transport=mock.httpx_client()._transport, base_url="http://127.0.0.1:8000")
    answer = http.post(
        "/v1/images/generations",
        json={"prompt": "a cat", "model": "dall-e-2"},
        headers={"authorization": f"Bearer {KEY}"},
    )
    url = httpx.URL(answer.json()["data"][0]["url"])
    assert "sig" in url.params
    assert http.get(url.path, params=url.params).status_code == 200  # signed: no key needed
    assert http.get(url.path).status_code == 401
    assert http.get(url.path, params={"sig": "0" * 32}).status_code == 401
    assert http.get(url.path, headers={"authorization": f"Bearer {KEY}"}).status_code == 200


def test_a_quota_429_persists_until_the_rule_is_removed() -> None:
    mock = OpenAIMock()
    rule = mock.on("chat").rate_limit(quota=True)
    client = mock.openai(max_retries=0)
    for _ in range(3):
        with pytest.raises(openai.RateLimitError) as caught:
            client.chat.completions.create(
                model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
            )
        assert caught.value.code == "insufficient_quota"
    mock.scenario.remove(rule.id)
    assert client.chat.completions.create(
        model="gpt-4o", messages=[{"role": "user", "content": "hi"}]
    ).choices


@pytest.mark.parametrize(
    ("script", "delivered"),
    [
        (lambda rule: rule.drop(), "dropped"),
        (lambda rule: rule.truncate(5), "truncated"),
        (lambda rule: rule.cut_stream(1), "truncated"),
        (lambda rule: rule.delay(0.01), "delayed"),
        (lambda rule: rule.reply("fine"), "complete"),
    ],
    ids=["drop", "truncate", "cut-stream", "delay", "reply"],
)
def test_the_journal_records_what_the_client_received(script: Any, delivered: str) -> None:
    mock = OpenAIMock()
    script(mock.on("chat"))
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    mock.request("POST", "/v1/chat/completions", json=body)
    assert mock.journal.last().delivered == delivered


def test_an_unexpected_error_logs_its_traceback_with_the_request_id_of_its_500(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def broken(call: Any, mock: OpenAIMock) -> Any:
        raise RuntimeError("a bug")

    mock = OpenAIMock(behaviours={"listModels": broken})
    with caplog.at_level(logging.ERROR, logger="oai_mock"):
        answer = mock.request("GET", "/v1/models")
    assert answer.status == 500
    request_id = answer.header("x-request-id")
    assert request_id and request_id in answer.body.decode()
    record = next(r for r in caplog.records if request_id in r.getMessage())
    assert record.exc_info is not None and "a bug" in str(record.exc_info[1])


def test_the_origin_guard() -> None:
    from oai_mock.mockserver.origins import OriginGuard

    local = OriginGuard("127.0.0.1")
    assert local.refusal({"host": "127.0.0.1:8000"}) is None
    assert local.refusal({"host": "localhost:8000"}) is None
    refused = local.refusal({"host": "rebound.example:8000"})
    assert refused is not None and refused.status == 403
    same_origin = {"host": "127.0.0.1:8000", "origin": "http://127.0.0.1:8000"}
    assert local.refusal(same_origin) is None and local.cors_headers(same_origin) == []
    exposed = OriginGuard("0.0.0.0")
    assert exposed.refusal({"host": "my-machine.lan:8000"}) is None
    anyone = OriginGuard("127.0.0.1", ["*"])
    page = {"host": "127.0.0.1:8000", "origin": "http://elsewhere.example"}
    assert anyone.refusal(page) is None
    assert ("access-control-allow-origin", "http://elsewhere.example") in anyone.cors_headers(page)
