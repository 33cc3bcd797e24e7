"""Stateful resources and their lifecycles, through the official SDK."""

from __future__ import annotations

import asyncio
import io
import json
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import openai
import pytest
from openai import AssistantEventHandler

from oai_mock import OpenAIMock
from oai_mock.mockserver.live import LiveServer
from oai_mock.mockserver.scenario import Reply, Rule, ToolCall
from oai_mock.mockserver.sdk import openai_client

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "unit": {"type": "string", "enum": ["c", "f"]},
            },
            "required": ["city", "unit"],
        },
    },
}


def chat_line(custom_id: str, content: str) -> dict[str, Any]:
    return {
        "custom_id": custom_id,
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": content}]},
    }


def jsonl(lines: list[Any]) -> bytes:
    return b"".join(json.dumps(line).encode() + b"\n" for line in lines)


@pytest.fixture
def mock() -> OpenAIMock:
    return OpenAIMock(seed=2)


@pytest.fixture
def client(mock: OpenAIMock) -> Any:
    return openai_client(mock, _strict_response_validation=True, max_retries=0)


# -- files and uploads ---------------------------------------------------------------------------


def test_file_round_trip_and_delete(client: Any) -> None:
    data = bytes(range(256)) * 4
    created = client.files.create(file=("blob.bin", data), purpose="assistants")
    assert created.bytes == len(data) and created.filename == "blob.bin"
    assert client.files.retrieve(created.id).id == created.id
    assert client.files.content(created.id).content == data
    assert client.files.delete(created.id).deleted
    with pytest.raises(openai.NotFoundError) as caught:
        client.files.retrieve(created.id)
    assert caught.value.param == "file_id"


def test_file_purpose_is_validated_and_size_limited() -> None:
    client = openai_client(OpenAIMock(max_file_bytes=100))
    with pytest.raises(openai.BadRequestError) as wrong:
        client.files.create(file=("a.txt", b"x"), purpose="nonsense")
    assert wrong.value.param == "purpose"
    with pytest.raises(openai.BadRequestError) as big:
        client.files.create(file=("a.txt", b"x" * 101), purpose="assistants")
    assert big.value.code == "file_too_large"


def test_file_list_paginates_and_filters(client: Any) -> None:
    ids = [client.files.create(file=(f"f{i}.jsonl", b"{}\n"), purpose="batch").id for i in range(5)]
    client.files.create(file=("other.txt", b"x"), purpose="assistants")
    page = client.files.list(purpose="batch", limit=2, order="asc")
    assert [f.id for f in page.data] == ids[:2] and page.has_more
    rest = client.files.list(purpose="batch", limit=10, order="asc", after=ids[1])
    assert [f.id for f in rest.data] == ids[2:] and not rest.has_more
    assert [f.id for f in client.files.list(purpose="batch", order="asc")] == ids  # auto-pagination


def test_uploads_assemble_parts_in_the_given_order(client: Any) -> None:
    upload = client.uploads.create(
        bytes=9, filename="a.txt", mime_type="text/plain", purpose="assistants"
    )
    first = client.uploads.parts.create(upload.id, data=b"abc")
    second = client.uploads.parts.create(upload.id, data=b"defghi")
    done = client.uploads.complete(upload.id, part_ids=[second.id, first.id])
    assert done.status == "completed"
    assert client.files.content(done.file.id).content == b"defghiabc"
    other = client.uploads.create(
        bytes=3, filename="b.txt", mime_type="text/plain", purpose="assistants"
    )
    assert client.uploads.cancel(other.id).status == "cancelled"
    with pytest.raises(openai.BadRequestError):
        client.uploads.parts.create(other.id, data=b"abc")


def test_upload_with_wrong_byte_count_is_refused(client: Any) -> None:
    upload = client.uploads.create(
        bytes=5, filename="a.txt", mime_type="text/plain", purpose="assistants"
    )
    part = client.uploads.parts.create(upload.id, data=b"abc")
    with pytest.raises(openai.BadRequestError) as caught:
        client.uploads.complete(upload.id, part_ids=[part.id])
    assert "3 bytes" in caught.value.message


# -- batches ---------------------------------------------------------------------------------


def test_batch_lifecycle_and_output_through_the_mock(client: Any) -> None:
    lines = [
        chat_line("a", "first"),
        chat_line("b", "second"),
        {**chat_line("c", "x"), "body": {"model": "gpt-4o"}},
    ]
    source = client.files.create(file=("in.jsonl", jsonl(lines)), purpose="batch")
    batch = client.batches.create(
        input_file_id=source.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    statuses = [batch.status]
    while batch.status not in ("completed", "failed"):
        batch = client.batches.retrieve(batch.id)
        statuses.append(batch.status)
    assert statuses == ["validating", "in_progress", "finalizing", "completed"]
    assert (
        batch.request_counts.total,
        batch.request_counts.completed,
        batch.request_counts.failed,
    ) == (3, 2, 1)
    output = [json.loads(x) for x in client.files.content(batch.output_file_id).text.splitlines()]
    assert [o["custom_id"] for o in output] == ["a", "b"]
    live = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "first"}]
    )
    assert (
        output[0]["response"]["body"]["choices"][0]["message"]["content"]
        == live.choices[0].message.content
    )
    errors = [json.loads(x) for x in client.files.content(batch.error_file_id).text.splitlines()]
    assert errors[0]["custom_id"] == "c" and errors[0]["response"]["status_code"] == 400


def test_malformed_batch_file_fails_the_batch(client: Any) -> None:
    bad = (
        jsonl(
            [
                chat_line("a", "x"),
                {"custom_id": "a", "url": "/v1/embeddings", "method": "POST", "body": {}},
            ]
        )
        + b"not json\n"
    )
    source = client.files.create(file=("bad.jsonl", bad), purpose="batch")
    batch = client.batches.create(
        input_file_id=source.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert batch.status == "failed"
    codes = {e.code for e in batch.errors.data}
    assert {"mismatched_endpoint", "duplicate_custom_id", "invalid_json_line"} <= codes


def test_batch_cancel_and_list(client: Any) -> None:
    source = client.files.create(file=("in.jsonl", jsonl([chat_line("a", "x")])), purpose="batch")
    first = client.batches.create(
        input_file_id=source.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    second = client.batches.create(
        input_file_id=source.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert client.batches.cancel(first.id).status == "cancelling"
    assert client.batches.retrieve(first.id).status == "cancelled"
    page = client.batches.list(limit=1)
    assert [b.id for b in page.data] == [second.id] and page.has_more


def test_batch_expires_on_the_clock() -> None:
    mock = OpenAIMock(lifecycle="clock", step_seconds=60)
    client = openai_client(mock)
    source = client.files.create(file=("in.jsonl", jsonl([chat_line("a", "x")])), purpose="batch")
    batch = client.batches.create(
        input_file_id=source.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    assert client.batches.retrieve(batch.id).status == "validating"  # no time has passed
    mock.clock.advance(61)
    assert client.batches.retrieve(batch.id).status == "in_progress"
    mock.clock.advance(86_400)
    assert client.batches.retrieve(batch.id).status == "expired"


# -- fine-tuning -------------------------------------------------------------------------------


def test_fine_tuning_job_produces_a_model_that_answers(client: Any) -> None:
    training = client.files.create(file=("train.jsonl", b'{"messages": []}\n'), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(
        model="gpt-4o-mini", training_file=training.id, suffix="support"
    )
    statuses = [job.status]
    while job.status not in ("succeeded", "failed", "cancelled"):
        job = client.fine_tuning.jobs.retrieve(job.id)
        statuses.append(job.status)
    assert statuses == ["validating_files", "queued", "running", "succeeded"]
    # OpenAI's shape: ft:<base model>:<organization>:<suffix>:<short id>
    assert job.fine_tuned_model.startswith("ft:gpt-4o-mini:oai-mock:support:")
    assert job.fine_tuned_model in [m.id for m in client.models.list()]
    reply = client.chat.completions.create(
        model=job.fine_tuned_model, messages=[{"role": "user", "content": "hi"}]
    )
    assert reply.model == job.fine_tuned_model
    events = client.fine_tuning.jobs.list_events(job.id, limit=2)
    assert len(events.data) == 2 and events.has_more
    assert [c.step_number for c in client.fine_tuning.jobs.checkpoints.list(job.id)] == [20, 10]


def test_fine_tuning_cancel_pause_resume_and_scripted_failure() -> None:
    mock = OpenAIMock(lifecycle="manual")
    client = openai_client(mock)
    training = client.files.create(file=("t.jsonl", b"{}\n"), purpose="fine-tune")
    job = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training.id)
    assert client.fine_tuning.jobs.retrieve(job.id).status == "validating_files"  # manual: no move
    mock.lifecycles.advance(job.id, to="running")
    assert client.fine_tuning.jobs.pause(job.id).status == "paused"
    assert client.fine_tuning.jobs.resume(job.id).status == "running"
    with pytest.raises(openai.BadRequestError, match="Only a paused job can be resumed"):
        client.fine_tuning.jobs.resume(job.id)
    events = [e.message for e in client.fine_tuning.jobs.list_events(job.id)]
    assert events[:2] == ["Job resumed", "Job paused"]  # newest first
    mock.lifecycles.fail(job.id, "invalid_training_file", "Line 1 has no messages.")
    failed = client.fine_tuning.jobs.retrieve(job.id)
    assert failed.status == "failed" and failed.error.message == "Line 1 has no messages."
    other = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=training.id)
    assert client.fine_tuning.jobs.cancel(other.id).status == "cancelled"
    with pytest.raises(openai.BadRequestError):
        client.fine_tuning.jobs.cancel(other.id)  # already cancelled


def test_training_file_must_exist_and_have_the_right_purpose(client: Any) -> None:
    with pytest.raises(openai.NotFoundError):
        client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file="file-missing")
    wrong = client.files.create(file=("x.jsonl", b"{}\n"), purpose="batch")
    with pytest.raises(openai.BadRequestError):
        client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=wrong.id)


# -- vector stores ---------------------------------------------------------------------------


def test_vector_store_files_move_and_counts_stay_exact(client: Any) -> None:
    store = client.vector_stores.create(
        name="kb", expires_after={"anchor": "last_active_at", "days": 2}
    )
    assert store.expires_at == store.created_at + 2 * 86_400
    files = [
        client.files.create(file=(f"{i}.txt", f"doc {i}".encode()), purpose="assistants")
        for i in range(3)
    ]
    attached = client.vector_stores.files.create(vector_store_id=store.id, file_id=files[0].id)
    assert attached.status == "in_progress"
    assert client.vector_stores.files.list(store.id).data[0].status == "in_progress"
    polled = client.vector_stores.retrieve(store.id)  # a poll of the store moves its files
    assert (polled.file_counts.completed, polled.file_counts.total, polled.status) == (
        1,
        1,
        "completed",
    )
    done = client.vector_stores.files.create_and_poll(vector_store_id=store.id, file_id=files[1].id)
    assert done.status == "completed"
    counts = client.vector_stores.retrieve(store.id).file_counts
    assert (counts.completed + counts.in_progress, counts.total) == (2, 2)
    batch = client.vector_stores.file_batches.create_and_poll(
        vector_store_id=store.id, file_ids=[files[2].id]
    )
    assert batch.status == "completed" and batch.file_counts.completed == 1
    listed = client.vector_stores.file_batches.list_files(batch.id, vector_store_id=store.id)
    assert [f.id for f in listed.data] == [files[2].id]
    client.vector_stores.files.delete(files[2].id, vector_store_id=store.id)
    assert client.vector_stores.retrieve(store.id).file_counts.total == 2
    assert client.vector_stores.update(store.id, name="renamed").name == "renamed"
    assert client.vector_stores.delete(store.id).deleted


def test_file_batch_cancel_and_upload_and_poll(client: Any) -> None:
    store = client.vector_stores.create(name="kb")
    uploaded = client.vector_stores.file_batches.upload_and_poll(
        vector_store_id=store.id,
        files=[("a.txt", io.BytesIO(b"alpha")), ("b.txt", io.BytesIO(b"beta"))],
    )
    assert uploaded.status == "completed" and uploaded.file_counts.completed == 2
    extra = client.files.create(file=("c.txt", b"gamma"), purpose="assistants")
    pending = client.vector_stores.file_batches.create(
        vector_store_id=store.id, file_ids=[extra.id]
    )
    cancelled = client.vector_stores.file_batches.cancel(pending.id, vector_store_id=store.id)
    assert cancelled.status == "cancelled" and cancelled.file_counts.cancelled == 1


def test_search_ranks_by_word_overlap(client: Any) -> None:
    store = client.vector_stores.create(name="kb")
    texts = {
        "policy.txt": b"Our return policy allows returns within 30 days.",
        "ship.txt": b"Shipping takes 5 days.",
        "x.txt": b"Unrelated.",
    }
    ids = [client.files.create(file=(n, t), purpose="assistants").id for n, t in texts.items()]
    client.vector_stores.file_batches.create_and_poll(vector_store_id=store.id, file_ids=ids)
    results = list(client.vector_stores.search(store.id, query="return policy days"))
    assert [r.filename for r in results] == ["policy.txt", "ship.txt"]
    assert results[0].score == 1.0 and results[0].content[0].text.startswith("Our return policy")


# -- assistants ------------------------------------------------------------------------------


def test_assistants_threads_messages_crud_and_lists(client: Any) -> None:
    made = [client.beta.assistants.create(model="gpt-4o", name=f"a{i}") for i in range(3)]
    page = client.beta.assistants.list(order="asc", limit=2)
    assert [a.id for a in page.data] == [made[0].id, made[1].id] and page.has_more
    before = client.beta.assistants.list(order="asc", before=made[2].id)
    assert [a.id for a in before.data] == [made[0].id, made[1].id]
    assert client.beta.assistants.update(made[0].id, name="renamed").name == "renamed"
    assert client.beta.assistants.delete(made[0].id).deleted
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "hello"}])
    parts = [
        {"type": "text", "text": "look"},
        {"type": "image_file", "image_file": {"file_id": "file-1"}},
        {"type": "image_url", "image_url": {"url": "https://example.com/a.png"}},
    ]
    message = client.beta.threads.messages.create(thread.id, role="user", content=parts)
    assert [p.type for p in message.content] == ["text", "image_file", "image_url"]
    assert message.content[0].text.value == "look"
    listed = client.beta.threads.messages.list(thread.id, order="asc")
    assert [m.content[0].text.value for m in listed.data] == ["hello", "look"]
    assert client.beta.threads.messages.update(
        message.id, thread_id=thread.id, metadata={"k": "v"}
    ).metadata == {"k": "v"}
    assert client.beta.threads.messages.delete(message.id, thread_id=thread.id).deleted
    assert client.beta.threads.update(thread.id, metadata={"t": "1"}).metadata == {"t": "1"}
    assert client.beta.threads.delete(thread.id).deleted


def test_run_without_tools_completes_with_a_reply(client: Any) -> None:
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Hi there"}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "completed" and run.usage.total_tokens > 0
    reply = client.beta.threads.messages.list(thread.id).data[0]
    assert reply.role == "assistant" and reply.run_id == run.id
    assert reply.content[0].text.value.startswith('Mock reply to "Hi there"')
    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id).data
    assert [s.type for s in steps] == ["message_creation"]
    assert (
        client.beta.threads.runs.steps.retrieve(
            steps[0].id, thread_id=thread.id, run_id=run.id
        ).status
        == "completed"
    )


def test_tool_calling_run_goes_through_requires_action(client: Any) -> None:
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[WEATHER])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Weather in Rome?"}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "requires_action"
    calls = run.required_action.submit_tool_outputs.tool_calls
    arguments = json.loads(calls[0].function.arguments)
    assert set(arguments) >= {"city", "unit"} and arguments["unit"] in ("c", "f")
    run = client.beta.threads.runs.submit_tool_outputs_and_poll(
        thread_id=thread.id,
        run_id=run.id,
        tool_outputs=[{"tool_call_id": calls[0].id, "output": "24C"}],
    )
    assert run.status == "completed"
    reply = client.beta.threads.messages.list(thread.id).data[0].content[0].text.value
    assert "24C" in reply
    steps = client.beta.threads.runs.steps.list(run.id, thread_id=thread.id, order="asc").data
    assert [s.type for s in steps] == ["tool_calls", "message_creation"]
    assert steps[0].step_details.tool_calls[0].function.output == "24C"


def test_wrong_tool_outputs_are_refused(client: Any) -> None:
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[WEATHER])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "x"}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    with pytest.raises(openai.BadRequestError):
        client.beta.threads.runs.submit_tool_outputs(
            thread_id=thread.id,
            run_id=run.id,
            tool_outputs=[{"tool_call_id": "call_wrong", "output": "x"}],
        )


def test_cancel_fail_expire_and_incomplete(mock: OpenAIMock, client: Any) -> None:
    assistant = client.beta.assistants.create(model="gpt-4o")
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "x"}])
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    assert client.beta.threads.runs.cancel(run.id, thread_id=thread.id).status == "cancelling"
    assert client.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status == "cancelled"

    mock.scenario.add(
        Rule(
            Reply(
                run_status="failed", error={"code": "rate_limit_exceeded", "message": "Slow down"}
            ),
            operation="createRun",
        )
    )
    failed = client.beta.threads.runs.create_and_poll(
        thread_id=thread.id, assistant_id=assistant.id
    )
    assert failed.status == "failed" and failed.last_error.code == "rate_limit_exceeded"

    mock.scenario.add(Rule(Reply(run_status="incomplete"), operation="createRun"))
    incomplete = client.beta.threads.runs.create_and_poll(
        thread_id=thread.id, assistant_id=assistant.id
    )
    assert (
        incomplete.status == "incomplete"
        and incomplete.incomplete_details.reason == "max_completion_tokens"
    )

    slow = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    mock.clock.advance(601)
    assert client.beta.threads.runs.retrieve(slow.id, thread_id=thread.id).status == "expired"


@pytest.mark.parametrize("ending", ["cancel", "expire"])
def test_a_run_waiting_for_tool_outputs_can_be_cancelled_or_expires(
    mock: OpenAIMock, client: Any, ending: str
) -> None:
    # OpenAI: a run in requires_action is cancellable, and expires past expires_at; either
    # way its thread takes messages again.
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[WEATHER])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Weather?"}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    assert run.status == "requires_action"
    if ending == "cancel":
        client.beta.threads.runs.cancel(run_id=run.id, thread_id=thread.id)
        for _ in range(3):
            run = client.beta.threads.runs.retrieve(run_id=run.id, thread_id=thread.id)
        assert run.status == "cancelled" and run.cancelled_at is not None
    else:
        mock.clock.advance(3600)
        run = client.beta.threads.runs.retrieve(run_id=run.id, thread_id=thread.id)
        assert run.status == "expired"
        with pytest.raises(openai.BadRequestError, match='status "expired" do not accept'):
            client.beta.threads.runs.submit_tool_outputs(
                run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": "x"}]
            )
    assert run.required_action is None
    steps = client.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id).data
    assert [(s.type, s.status) for s in steps] == [("tool_calls", run.status)]
    assert client.beta.threads.messages.create(thread.id, role="user", content="again").id


def test_scripted_tool_calls_and_manual_control() -> None:
    mock = OpenAIMock(lifecycle="manual")
    client = openai_client(mock)
    mock.scenario.add(
        Rule(
            Reply(tool_calls=[ToolCall("get_weather", {"city": "Oslo", "unit": "c"})]),
            operation="createRun",
        )
    )
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[WEATHER])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "x"}])
    run = client.beta.threads.runs.create(thread_id=thread.id, assistant_id=assistant.id)
    assert client.beta.threads.runs.retrieve(run.id, thread_id=thread.id).status == "queued"
    assert mock.lifecycles.advance(run.id, to="requires_action") == "requires_action"
    current = client.beta.threads.runs.retrieve(run.id, thread_id=thread.id)
    assert json.loads(
        current.required_action.submit_tool_outputs.tool_calls[0].function.arguments
    ) == {"city": "Oslo", "unit": "c"}


class Recorder(AssistantEventHandler):
    def __init__(self) -> None:
        super().__init__()
        self.names: list[str] = []
        self.text = ""

    def on_event(self, event: Any) -> None:
        self.names.append(event.event)

    def on_text_delta(self, delta: Any, snapshot: Any) -> None:
        self.text += delta.value or ""


def test_streamed_runs_send_the_real_event_sequence(client: Any) -> None:
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[WEATHER])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Rome?"}])
    handler = Recorder()
    with client.beta.threads.runs.stream(
        thread_id=thread.id, assistant_id=assistant.id, event_handler=handler
    ) as stream:
        stream.until_done()
        run = stream.current_run
    assert handler.names[:3] == [
        "thread.run.created",
        "thread.run.queued",
        "thread.run.in_progress",
    ]
    assert handler.names[-1] == "thread.run.requires_action"
    calls = run.required_action.submit_tool_outputs.tool_calls
    second = Recorder()
    with client.beta.threads.runs.submit_tool_outputs_stream(
        thread_id=thread.id,
        run_id=run.id,
        tool_outputs=[{"tool_call_id": calls[0].id, "output": "sunny"}],
        event_handler=second,
    ) as stream:
        stream.until_done()
    assert second.names[-1] == "thread.run.completed"
    assert "thread.message.delta" in second.names and "sunny" in second.text


def test_create_thread_and_run_stream_starts_with_the_thread(mock: OpenAIMock) -> None:
    client = openai_client(mock)
    assistant = client.beta.assistants.create(model="gpt-4o")
    response = mock.request(
        "POST",
        "/v1/threads/runs",
        json={
            "assistant_id": assistant.id,
            "thread": {"messages": [{"role": "user", "content": "hi"}]},
            "stream": True,
        },
    )
    raw = b"".join(item for item in response.stream or [] if isinstance(item, bytes)).decode()
    assert raw.startswith("event: thread.created\n")
    assert raw.endswith("event: done\ndata: [DONE]\n\n")


# -- state, time and load -----------------------------------------------------------------------


def test_reset_empties_the_mock(mock: OpenAIMock, client: Any) -> None:
    client.files.create(file=("a.txt", b"x"), purpose="assistants")
    first_id = client.files.list().data[0].id
    mock.reset()
    assert client.files.list().data == []
    assert (
        client.files.create(file=("a.txt", b"x"), purpose="assistants").id == first_id
    )  # ids restart
    assert "gpt-4o" in [m.id for m in client.models.list()]  # the catalogue is back


def test_object_and_byte_limits_evict_the_oldest_objects() -> None:
    few = openai_client(OpenAIMock(max_objects=60))  # the model catalogue takes 22 of them
    first = few.beta.assistants.create(model="gpt-4o", name="first")
    for i in range(60):
        few.beta.assistants.create(model="gpt-4o", name=str(i))
    with pytest.raises(openai.NotFoundError):  # evicted, oldest first: a 404, never a 429
        few.beta.assistants.retrieve(first.id)
    assert few.models.retrieve("gpt-4o").id == "gpt-4o"  # the catalogue is never evicted
    small = openai_client(OpenAIMock(max_stored_bytes=1000), max_retries=0)
    old = small.files.create(file=("a.bin", b"x" * 900), purpose="assistants")
    new = small.files.create(file=("b.bin", b"y" * 200), purpose="assistants")
    assert small.files.content(new.id).content == b"y" * 200
    with pytest.raises(openai.NotFoundError):
        small.files.content(old.id)
    with pytest.raises(openai.APIStatusError) as too_big:
        small.files.create(file=("c.bin", b"z" * 2000), purpose="assistants")
    assert too_big.value.status_code == 413
    assert len(small.files.list().data) == 2  # the refused file left nothing behind


def test_200_concurrent_clients_lose_and_duplicate_nothing(mock: OpenAIMock) -> None:
    assistant = openai_client(mock).beta.assistants.create(model="gpt-4o")

    def one_client(n: int) -> tuple[str, str, str]:
        client = openai_client(mock, max_retries=0)
        file = client.files.create(file=(f"{n}.txt", f"client {n}".encode()), purpose="assistants")
        store = client.vector_stores.create(name=f"s{n}", file_ids=[file.id])
        run = client.beta.threads.create_and_run_poll(
            assistant_id=assistant.id, thread={"messages": [{"role": "user", "content": f"hi {n}"}]}
        )
        assert run.status == "completed"
        return file.id, store.id, run.id

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(one_client, range(200)))
    for column in zip(*results, strict=True):
        assert len(set(column)) == 200
    client = openai_client(mock)
    assert len(list(client.files.list())) == 200
    assert len(list(client.vector_stores.list())) == 200
    contents = {client.files.content(file_id).text for file_id, _, _ in results}
    assert contents == {f"client {n}" for n in range(200)}


def test_200_concurrent_async_clients_over_a_socket() -> None:
    mock = OpenAIMock()

    async def run_all(url: str) -> list[str]:
        async def one(n: int) -> str:
            client = openai.AsyncOpenAI(api_key="sk-x", base_url=url, max_retries=0)
            try:
                created = await client.files.create(file=(f"{n}.txt", b"x"), purpose="assistants")
                return created.id
            finally:
                await client.close()

        return await asyncio.gather(*(one(n) for n in range(200)))

    with LiveServer(mock) as server:
        ids = asyncio.run(asyncio.wait_for(run_all(server.url), timeout=120))
    assert len(set(ids)) == 200
    assert mock.state.count("file") == 200


def test_cursor_pages_cover_a_list_exactly_once_in_both_orders() -> None:
    from oai_mock.mockserver.state import paginate

    items = [{"id": f"obj_{n:02d}"} for n in range(25)]
    for order in ("asc", "desc"):
        expected = [i["id"] for i in (items if order == "asc" else items[::-1])]
        seen: list[str] = []
        page = paginate(items, limit=7, order=order)
        while True:
            seen += [i["id"] for i in page["data"]]
            if not page["has_more"]:
                break
            page = paginate(items, limit=7, order=order, after=page["last_id"])
        assert seen == expected
        # before= gives the page that ends just before the cursor.
        page = paginate(items, limit=3, order=order, before=expected[10])
        assert [i["id"] for i in page["data"]] == expected[7:10] and page["has_more"]
        # between after and before, and an unknown cursor is ignored.
        page = paginate(items, limit=10, order=order, after=expected[2], before=expected[6])
        assert [i["id"] for i in page["data"]] == expected[3:6] and not page["has_more"]
        unknown = paginate(items, limit=5, order=order, after="obj_nope")
        assert unknown["data"][0]["id"] == expected[0]


def test_the_files_list_allows_pages_beyond_100_as_openai_does() -> None:
    mock = OpenAIMock()
    client = mock.client()
    for n in range(120):
        client.files.create_file(file=(f"{n}.txt", b"x"), purpose="assistants")
    assert len(client.files.list_files(limit=150).data) == 120  # files: up to 10,000 a page
    assert len(client.files.list_files().data) == 120  # and 10,000 by default
    for _ in range(101):
        client.assistants.create_assistant(model="gpt-4o")
    assert len(client.assistants.list_assistants(limit=100).data) == 100
    # The spec sets no range for this limit; OpenAI documents 1-100 and refuses the others.
    for limit in (0, 101, 150):
        answer = mock.request("GET", f"/v1/assistants?limit={limit}")
        assert answer.status == 400 and json.loads(answer.body)["error"]["param"] == "limit"
    assert mock.request("GET", "/v1/files?limit=10001").status == 400


def test_a_streamed_run_carries_its_tool_calls_as_step_deltas(client: Any) -> None:
    seen: list[tuple[str, str]] = []

    class Handler(AssistantEventHandler):
        def on_tool_call_created(self, tool_call: Any) -> None:
            seen.append(("created", tool_call.function.name))

        def on_tool_call_delta(self, delta: Any, snapshot: Any) -> None:
            seen.append(("delta", snapshot.function.arguments))

    assistant = client.beta.assistants.create(model="gpt-4o", tools=[WEATHER])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Weather?"}])
    with client.beta.threads.runs.stream(
        thread_id=thread.id, assistant_id=assistant.id, event_handler=Handler()
    ) as stream:
        stream.until_done()
        run = stream.current_run
    assert run is not None and run.status == "requires_action"
    [call] = run.required_action.submit_tool_outputs.tool_calls
    assert seen == [("created", "get_weather"), ("delta", call.function.arguments)]
    [step] = client.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id).data
    assert step.step_details.tool_calls[0].function.arguments == call.function.arguments


def test_a_streamed_background_response_is_stored_as_it_ended_and_resumes(client: Any) -> None:
    events = list(client.responses.create(model="gpt-4o", input="x", background=True, stream=True))
    response_id = events[0].response.id
    assert events[-1].type == "response.completed"
    assert client.responses.retrieve(response_id).status == "completed"
    resumed = list(client.responses.retrieve(response_id, stream=True, starting_after=5))
    assert [e.sequence_number for e in resumed] == list(range(6, len(events)))


def test_a_cancelled_background_response_adds_no_output_to_its_conversation(
    client: Any,
) -> None:
    conversation = client.conversations.create()
    cancelled = client.responses.create(
        model="gpt-4o", input="first", background=True, conversation=conversation.id
    )
    client.responses.cancel(cancelled.id)
    done = client.responses.create(
        model="gpt-4o", input="second", background=True, conversation=conversation.id
    )
    for _ in range(10):  # one step per retrieve
        if client.responses.retrieve(done.id).status == "completed":
            break
    assert client.responses.retrieve(done.id).status == "completed"
    items = client.conversations.items.list(conversation.id, order="asc").data
    assert [(i.type, i.role) for i in items] == [
        ("message", "user"),
        ("message", "user"),
        ("message", "assistant"),
    ]


def test_a_tool_call_step_reports_its_usage_and_the_run_adds_up_its_steps(client: Any) -> None:
    assistant = client.beta.assistants.create(model="gpt-4o", tools=[WEATHER])
    thread = client.beta.threads.create(messages=[{"role": "user", "content": "Weather?"}])
    run = client.beta.threads.runs.create_and_poll(thread_id=thread.id, assistant_id=assistant.id)
    [call] = run.required_action.submit_tool_outputs.tool_calls
    run = client.beta.threads.runs.submit_tool_outputs_and_poll(
        run_id=run.id, thread_id=thread.id, tool_outputs=[{"tool_call_id": call.id, "output": "9"}]
    )
    assert run.status == "completed"
    steps = client.beta.threads.runs.steps.list(run_id=run.id, thread_id=thread.id, order="asc")
    usages = [s.usage for s in steps.data]
    assert all(
        u is not None and u.total_tokens == u.prompt_tokens + u.completion_tokens for u in usages
    )
    assert run.usage.total_tokens == sum(u.total_tokens for u in usages)
    assert run.usage.completion_tokens == sum(u.completion_tokens for u in usages)
