"""The two answers to an id nothing created: OpenAI's 404 (the default), or, in the spec-mock
mode, an object of that id that then exists for the run; malformed ids refused in both."""

from __future__ import annotations

from pathlib import Path

import httpx
import openai
import orjson
import pytest
from served import ServedFake

from oai_mock import OpenAIMock


def sdk(mode: str) -> openai.OpenAI:
    client: openai.OpenAI = OpenAIMock(unknown_ids=mode, self_check=True).openai(  # type: ignore[arg-type]
        _strict_response_validation=True
    )
    return client


def test_the_default_answers_unknown_ids_with_404() -> None:
    client = sdk("404")
    with pytest.raises(openai.NotFoundError):
        client.beta.threads.retrieve("thread_abc123")
    with pytest.raises(openai.NotFoundError):
        client.vector_stores.retrieve("vs_abc123")


def test_synthesize_answers_an_unknown_id_with_an_object_of_that_id() -> None:
    client = sdk("synthesize")
    thread = client.beta.threads.retrieve("thread_abc123")
    assert thread.id == "thread_abc123" and thread.object == "thread"
    assert client.beta.threads.retrieve("thread_abc123") == thread
    job = client.fine_tuning.jobs.retrieve("ft-AF1WoRqd3aJAHsqc9NY7iL8F")
    assert job.id == "ft-AF1WoRqd3aJAHsqc9NY7iL8F"


def test_synthesized_objects_stay_consistent_across_update_list_and_delete() -> None:
    client = sdk("synthesize")
    store = client.vector_stores.retrieve("vs_abc123")
    updated = client.vector_stores.update("vs_abc123", name="renamed", metadata={"k": "v"})
    assert (updated.id, updated.name, updated.metadata) == ("vs_abc123", "renamed", {"k": "v"})
    assert client.vector_stores.retrieve("vs_abc123") == updated != store
    deleted = client.vector_stores.delete("vs_abc123")
    assert deleted.deleted and deleted.id == "vs_abc123"
    # Forgotten: the id is unknown again, and answered afresh (a spec mock answers any id).
    assert client.vector_stores.retrieve("vs_abc123") == store


def test_a_list_under_an_unknown_parent_lists_objects_that_then_exist() -> None:
    client = sdk("synthesize")
    messages = client.beta.threads.messages.list("thread_abc123")
    assert messages.data
    for message in messages.data:
        again = client.beta.threads.messages.retrieve(message.id, thread_id="thread_abc123")
        assert again == message
    created = client.beta.threads.messages.create("thread_abc123", role="user", content="hi")
    listed = client.beta.threads.messages.list("thread_abc123")
    assert created.id in [m.id for m in listed.data]


def test_operations_without_a_behaviour_keep_what_they_synthesized() -> None:
    client = sdk("synthesize")
    container = client.containers.retrieve("cntr_abc")
    assert client.containers.retrieve("cntr_abc") == container
    client.containers.delete("cntr_abc")
    assert client.containers.retrieve("cntr_abc") == container


def test_objects_the_test_created_behave_as_in_the_faithful_mode() -> None:
    client = sdk("synthesize")
    assistant = client.beta.assistants.create(model="gpt-4o-mini", name="helper")
    assert client.beta.assistants.retrieve(assistant.id).name == "helper"
    assert assistant.id in [a.id for a in client.beta.assistants.list()]
    client.beta.assistants.delete(assistant.id)
    assert assistant.id not in [a.id for a in client.beta.assistants.list()]


def test_a_delete_forgets_what_was_listed_under_the_object() -> None:
    client = sdk("synthesize")
    listed = [m.id for m in client.beta.threads.messages.list("thread_abc123").data]
    created = client.beta.threads.messages.create("thread_abc123", role="user", content="hi")
    client.beta.threads.delete("thread_abc123")
    again = [m.id for m in client.beta.threads.messages.list("thread_abc123").data]
    assert again and not set(again) & {created.id, *listed}


MALFORMED = ["asst_abc", "x" * 1000, "thread abc", "thread%2F..%2Fabc", "thread_a;b", "%00"]


@pytest.mark.parametrize("mode", ["404", "synthesize"])
@pytest.mark.parametrize("thread_id", MALFORMED, ids=lambda v: v[:20])
def test_malformed_ids_get_a_4xx_in_openais_envelope(mode: str, thread_id: str) -> None:
    mock = OpenAIMock(unknown_ids=mode)  # type: ignore[arg-type]
    response = mock.request("GET", f"/v1/threads/{thread_id}")
    assert 400 <= response.status < 500, response.body
    error = orjson.loads(response.body)["error"]
    assert set(error) == {"message", "type", "param", "code"}
    assert mock.phantoms.count() == 0


@pytest.mark.parametrize("mode", ["404", "synthesize"])
def test_an_empty_id_is_refused(mode: str) -> None:
    mock = OpenAIMock(unknown_ids=mode)  # type: ignore[arg-type]
    response = mock.request("POST", "/v1/threads//runs", json={"assistant_id": "asst_x"})
    assert 400 <= response.status < 500


def test_synthesize_creates_nothing_for_a_request_openai_refuses() -> None:
    mock = OpenAIMock(unknown_ids="synthesize")
    response = mock.request("POST", "/v1/threads/thread_abc/messages", json={"role": "wizard"})
    assert response.status == 400
    assert mock.phantoms.count() == 0
    refused = mock.request("POST", "/v1/vector_stores/vs_abc", json={"name": 3})
    assert refused.status == 400 and mock.phantoms.count() == 0


def test_an_unknown_mode_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown_ids must be one of"):
        OpenAIMock(unknown_ids="maybe")  # type: ignore[arg-type]


def test_serve_takes_the_mode_and_the_marker_too(tmp_path: Path) -> None:
    served = ServedFake(tmp_path / "serve.log", "--unknown-ids", "synthesize")
    try:
        found = httpx.get(f"{served.url}/threads/thread_abc123", timeout=10)
        assert found.status_code == 200 and found.json()["id"] == "thread_abc123"
    finally:
        served.stop()
    faithful = ServedFake(tmp_path / "faithful.log")
    try:
        assert httpx.get(f"{faithful.url}/threads/thread_abc123", timeout=10).status_code == 404
    finally:
        faithful.stop()


@pytest.mark.oai_mock(unknown_ids="synthesize")
def test_the_marker_sets_the_mode(oai_mock: OpenAIMock) -> None:
    assert oai_mock.unknown_ids == "synthesize"
    assert openai.OpenAI().beta.threads.retrieve("thread_abc123").id == "thread_abc123"


def test_ids_the_body_refers_to_exist_in_synthesize_mode() -> None:
    client = sdk("synthesize")
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file="file-abc123")
    assert job.training_file == "file-abc123"
    assert client.files.retrieve("file-abc123").purpose == "fine-tune"
    batch = client.batches.create(
        completion_window="24h", endpoint="/v1/responses", input_file_id="file-xyz"
    )
    assert batch.input_file_id == "file-xyz"
    chained = client.responses.create(
        model="gpt-4o", input="hi", previous_response_id="resp_unknown"
    )
    assert chained.status == "completed"


def test_ids_the_body_refers_to_are_404_by_default() -> None:
    client = sdk("404")
    with pytest.raises(openai.NotFoundError):
        client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file="file-abc123")
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model="gpt-4o", input="hi", previous_response_id="resp_unknown")


def test_an_unknown_assistant_or_file_list_in_the_body_exists_in_synthesize_mode() -> None:
    client = sdk("synthesize")
    run = client.beta.threads.create_and_run(assistant_id="asst_unknown", model="gpt-4o-mini")
    assert (run.assistant_id, run.model) == ("asst_unknown", "gpt-4o-mini")
    assert client.beta.assistants.retrieve("asst_unknown").model == "gpt-4o-mini"
    store = client.vector_stores.create(name="docs", file_ids=["file-one", "file-two"])
    assert store.file_counts.total == 2
    assert client.files.retrieve("file-two").purpose == "assistants"


def test_an_unknown_assistant_or_file_list_in_the_body_is_404_by_default() -> None:
    client = sdk("404")
    with pytest.raises(openai.NotFoundError, match="asst_unknown"):
        client.beta.threads.create_and_run(assistant_id="asst_unknown")
    with pytest.raises(openai.NotFoundError, match="file-one"):
        client.vector_stores.create(file_ids=["file-one"])


def test_the_contents_of_a_synthesized_object_have_their_own_schema() -> None:
    client = sdk("synthesize")
    entry = client.vector_stores.files.retrieve("file-abc123", vector_store_id="vs_abc123")
    assert entry.id == "file-abc123"
    pages = client.vector_stores.files.content("file-abc123", vector_store_id="vs_abc123")
    assert pages.object == "vector_store.file_content.page"  # not the file entry retrieved above
    assert all(part.type in (None, "text") for part in pages.data)
    assert client.vector_stores.files.retrieve("file-abc123", vector_store_id="vs_abc123") == entry


def test_a_file_stored_for_one_reference_takes_the_purpose_another_needs() -> None:
    client = sdk("synthesize")
    client.vector_stores.create(file_ids=["file-shared"])
    batch = client.batches.create(
        completion_window="24h", endpoint="/v1/responses", input_file_id="file-shared"
    )
    assert batch.input_file_id == "file-shared"
    assert client.files.retrieve("file-shared").purpose == "batch"


def test_a_file_the_client_uploaded_keeps_its_purpose_in_synthesize_mode() -> None:
    client = sdk("synthesize")
    uploaded = client.files.create(file=("notes.txt", b"hi"), purpose="assistants")
    with pytest.raises(openai.BadRequestError, match="purpose"):
        client.batches.create(
            completion_window="24h", endpoint="/v1/responses", input_file_id=uploaded.id
        )
