"""The journal records a request as references and builds its entry when it is first read:
what a reader sees is what the request was, secrets masked, and a refused upload is not held."""

from __future__ import annotations

import gc
import threading
import tracemalloc

import orjson

from oai_mock import OpenAIMock
from oai_mock.mockserver.messages import MockRequest

HEADERS = {"content-type": "application/json"}
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello"}]}


def test_an_entry_shows_the_request_masked_and_parsed_and_is_built_once() -> None:
    mock = OpenAIMock()
    mock.request(
        "POST",
        "/v1/chat/completions?api-key=sk-query-secret-123",
        json=CHAT,
        headers={"Authorization": "Bearer sk-live-secret-123456", "OpenAI-Organization": "org-1"},
    )
    entry = mock.journal.last("chat")
    assert entry is mock.journal.last("chat")  # built on the first read, then kept
    assert entry.headers["authorization"] == "Bearer sk-...56"
    assert entry.headers["openai-organization"] == "org-1"
    assert ("api-key", "sk-...23") in entry.query
    assert entry.json == CHAT and entry.model == "gpt-4o-mini"
    assert entry.status == 200 and entry.operation_id == "createChatCompletion"
    assert entry.body_size == len(entry.raw_body) > 0


def test_an_entry_shows_the_headers_its_request_had_when_it_was_answered() -> None:
    # A caller that reuses one header dict for its requests: each entry keeps its own.
    mock = OpenAIMock()
    headers = {"content-type": "application/json", "x-trace": "1"}
    headers["authorization"] = "Bearer sk-first-key-aa"
    body = orjson.dumps(CHAT)
    mock.handle(MockRequest("POST", "/v1/chat/completions", (), headers, body))
    headers["x-trace"], headers["authorization"] = "2", "Bearer sk-second-key-bb"
    mock.handle(MockRequest("POST", "/v1/chat/completions", (), headers, body))
    first, second = mock.journal.calls("chat")
    assert (first.headers["x-trace"], first.headers["authorization"]) == ("1", "Bearer sk-...aa")
    assert (second.headers["x-trace"], second.headers["authorization"]) == (
        "2",
        "Bearer sk-...bb",
    )


def test_an_entry_keeps_what_was_delivered_when_it_was_recorded() -> None:
    mock = OpenAIMock()
    mock.on("chat", times=1).drop()
    mock.request("POST", "/v1/chat/completions", json=CHAT)
    mock.request("POST", "/v1/chat/completions", json=CHAT)
    first, second = mock.journal.calls("chat")
    assert (first.delivered, first.scripted) == ("dropped", True)
    assert (second.delivered, second.scripted) == ("complete", False)


def test_refused_uploads_are_not_held_by_the_journal() -> None:
    mock = OpenAIMock(max_body_bytes=1024)
    big = b'{"model": "m", "input": "' + b"x" * 1_000_000 + b'"}'
    tracemalloc.start()
    try:
        for _ in range(20):
            # A new megabyte each time, as a client sends it.
            request = MockRequest.from_url("POST", "/v1/embeddings", HEADERS, bytes(bytearray(big)))
            answer = mock.handle(request)
            del request
            assert answer.status == 413
        gc.collect()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(mock.journal) == 20
    assert held < 2_000_000, f"{held} bytes held after 20 refused 1 MB uploads"
    entry = mock.journal.last()
    assert entry.body_size == len(big) and len(entry.raw_body) == 4096


def test_a_body_refused_after_parsing_is_held_only_as_its_parsed_value() -> None:
    # Refused by the chat behaviour (an unknown model under strict_models), after the body was
    # parsed: the entry keeps the parsed body, as for any request, but not the raw bytes too.
    mock = OpenAIMock(strict_models=True)
    content = "y" * 1_000_000
    tracemalloc.start()
    try:
        for _ in range(10):
            body = orjson.dumps(
                {"model": "no-such-model", "messages": [{"role": "user", "content": content}]}
            )
            request = MockRequest.from_url("POST", "/v1/chat/completions", HEADERS, body)
            assert mock.handle(request).status == 404
            del request, body
        gc.collect()
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    entry = mock.journal.last("chat")
    assert entry.status == 404 and entry.model == "no-such-model"
    assert entry.body_size > 1_000_000 and len(entry.raw_body) == 4096
    # Ten parsed 1 MB messages are about 10 MB; with the raw bodies too it would be 20.
    assert held < 15_000_000, f"{held} bytes held after 10 refused 1 MB chat requests"


def test_reading_while_other_threads_record_sees_every_request() -> None:
    mock = OpenAIMock()
    seen: list[int] = []
    errors: list[BaseException] = []  # a thread's exception would not fail the test by itself
    done = threading.Event()

    def read() -> None:
        try:
            while not done.is_set():
                seen.append(sum(1 for entry in mock.journal if entry.model == "gpt-4o-mini"))
        except BaseException as error:
            errors.append(error)
            raise

    def send() -> None:
        try:
            for _ in range(50):
                assert mock.request("POST", "/v1/chat/completions", json=CHAT).status == 200
        except BaseException as error:
            errors.append(error)
            raise

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    senders = [threading.Thread(target=send) for _ in range(4)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join()
    done.set()
    for reader in readers:
        reader.join()
    assert errors == []
    assert len(mock.journal.calls("chat")) == 200
    assert all(count <= 200 for count in seen) and len(seen) > 0
    assert all(entry.headers["content-type"] == "application/json" for entry in mock.journal)
