"""Edges of single operations where the fake answers as OpenAI documents: arguments OpenAI
refuses together, a model that does not exist, a batch line that asks for a stream."""

from __future__ import annotations

import json
from typing import Any

import openai
import pytest

from oai_mock import OpenAIMock
from oai_mock.mockserver.sdk import openai_client


@pytest.fixture
def client() -> Any:
    return openai_client(OpenAIMock(), max_retries=0)


def test_previous_response_id_and_conversation_are_refused_together(client: Any) -> None:
    first = client.responses.create(model="gpt-4o", input="Hi")
    conversation = client.conversations.create()
    with pytest.raises(openai.BadRequestError, match="Mutually exclusive parameters") as refused:
        client.responses.create(
            model="gpt-4o", input="Again", previous_response_id=first.id, conversation="conv_x"
        )
    assert refused.value.param == "previous_response_id"
    # Each alone is fine, and an unknown conversation is still a 404.
    assert client.responses.create(model="gpt-4o", input="x", previous_response_id=first.id).id
    assert client.responses.create(model="gpt-4o", input="x", conversation=conversation.id).id
    with pytest.raises(openai.NotFoundError):
        client.responses.create(model="gpt-4o", input="x", conversation="conv_x")


def test_deleting_a_model_that_does_not_exist_is_a_404(client: Any) -> None:
    with pytest.raises(openai.NotFoundError) as missing:
        client.models.delete("no-such-model")
    assert missing.value.code == "model_not_found"
    with pytest.raises(openai.PermissionDeniedError):  # a base model: not the caller's to delete
        client.models.delete("gpt-4o-mini")


def test_a_batch_line_that_asks_for_a_stream_fails_with_a_400_in_the_error_file(
    client: Any,
) -> None:
    line = {
        "custom_id": "s",
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": "gpt-4o-mini",
            "messages": [{"role": "user", "content": "Hi"}],
            "stream": True,
        },
    }
    source = client.files.create(
        file=("in.jsonl", json.dumps(line).encode() + b"\n"), purpose="batch"
    )
    batch = client.batches.create(
        input_file_id=source.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    for _ in range(10):
        batch = client.batches.retrieve(batch.id)
    assert batch.status == "completed" and batch.request_counts.failed == 1
    [failed] = [json.loads(x) for x in client.files.content(batch.error_file_id).text.splitlines()]
    assert failed["response"]["status_code"] == 400 and failed["error"] is None
    assert failed["response"]["body"]["error"]["param"] == "stream"


def test_strict_models_hold_for_images_audio_and_moderations() -> None:
    strict = openai_client(OpenAIMock(strict_models=True), max_retries=0)
    calls = [
        lambda model: strict.images.generate(model=model, prompt="x"),
        lambda model: strict.audio.speech.create(model=model, voice="alloy", input="x"),
        lambda model: strict.audio.transcriptions.create(model=model, file=("a.wav", b"RIFF")),
        lambda model: strict.audio.translations.create(model=model, file=("a.wav", b"RIFF")),
        lambda model: strict.moderations.create(model=model, input="x"),
    ]
    for call, known in zip(
        calls,
        ["dall-e-3", "tts-1-hd", "gpt-4o-mini-transcribe", "whisper-1", "text-moderation-latest"],
        strict=True,
    ):
        with pytest.raises(openai.NotFoundError) as missing:
            call("no-such-model")
        assert missing.value.code == "model_not_found"
        assert call(known) is not None


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ("", "'$.input' is invalid"),
        (["a", ""], "'$.input' is invalid"),
        ("word " * 9000, "maximum context length is 8192 tokens, however you requested 9001"),
        (["a"] * 2049, "array too long. Expected an array with maximum length 2048"),
        ([], "empty array"),
    ],
)
def test_embedding_inputs_outside_openais_limits_are_refused(
    client: Any, given: Any, message: str
) -> None:
    with pytest.raises(openai.BadRequestError, match=message.replace("$", r"\$")):
        client.embeddings.create(model="text-embedding-3-small", input=given)


@pytest.mark.parametrize(("size", "accepted"), [(2_147_483_648, True), (0, False), (-1, False)])
def test_an_upload_may_declare_up_to_8_gb(client: Any, size: int, accepted: bool) -> None:
    def create() -> Any:
        return client.uploads.create(
            bytes=size, filename="t.jsonl", mime_type="text/jsonl", purpose="fine-tune"
        )

    if accepted:
        assert create().status == "pending"  # OpenAI's own example: a 2 GB upload
    else:
        with pytest.raises(openai.BadRequestError, match="Invalid 'bytes'"):
            create()


@pytest.mark.parametrize(
    ("path", "fields", "name"),
    [
        ("/v1/audio/transcriptions", {"model": "whisper-1", "file": "hello"}, "file"),
        ("/v1/images/variations", {"image": "hello"}, "image"),
        ("/v1/images/edits", {"prompt": "x", "image": "hello"}, "image"),
    ],
)
def test_a_file_sent_as_a_text_field_is_refused(
    path: str, fields: dict[str, str], name: str
) -> None:
    parts = [
        f'--b\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'
        for k, v in fields.items()
    ]
    body = ("".join(parts) + "--b--\r\n").encode()
    answer = (
        OpenAIMock()
        .httpx_client()
        .post(
            path.removeprefix("/v1"),
            content=body,
            headers={"content-type": "multipart/form-data; boundary=b"},
        )
    )
    assert answer.status_code == 400
    assert answer.json()["error"] == {
        "message": f"Invalid type for '{name}': expected a file, but got a string instead.",
        "type": "invalid_request_error",
        "param": name,
        "code": "invalid_type",
    }


def test_an_upload_expires_after_an_hour_and_a_file_at_its_expires_after() -> None:
    mock = OpenAIMock()
    client = openai_client(mock, max_retries=0)
    upload = client.uploads.create(
        bytes=1, filename="t.jsonl", mime_type="text/jsonl", purpose="fine-tune"
    )
    kept = client.files.create(file=("kept.txt", b"x"), purpose="assistants")
    brief = client.files.create(
        file=("brief.txt", b"x"),
        purpose="assistants",
        expires_after={"anchor": "created_at", "seconds": 3600},
    )
    mock.clock.advance(3601)
    with pytest.raises(openai.BadRequestError, match="is already expired"):
        client.uploads.parts.create(upload_id=upload.id, data=b"x")
    with pytest.raises(openai.NotFoundError):
        client.files.retrieve(brief.id)
    with pytest.raises(openai.NotFoundError):
        client.files.content(brief.id)
    assert [f.id for f in client.files.list()] == [kept.id]


def test_a_training_file_that_is_not_jsonl_fails_its_job_at_validation(client: Any) -> None:
    bad = client.files.create(file=("t.jsonl", b"garbage\n"), purpose="fine-tune")
    good = client.files.create(
        file=("t.jsonl", b'{"messages": [{"role": "user", "content": "hi"}]}\n'),
        purpose="fine-tune",
    )
    failing = client.fine_tuning.jobs.create(model="gpt-4o-mini", training_file=bad.id)
    tagged = client.fine_tuning.jobs.create(
        model="gpt-4o-mini", training_file=good.id, metadata={"team": "search"}
    )
    assert failing.status == "validating_files"
    failed = client.fine_tuning.jobs.retrieve(failing.id)
    assert failed.status == "failed"
    assert failed.error.code == "invalid_training_file" and failed.error.param == "training_file"
    assert "line 1 is not a JSON object" in failed.error.message
    assert client.fine_tuning.jobs.retrieve(tagged.id).status == "queued"
    listed = client.fine_tuning.jobs.list(metadata={"team": "search"}).data
    assert [job.id for job in listed] == [tagged.id]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda c: c.images.generate(model="dall-e-3", prompt="x", n=2), "at most 1 image"),
        (lambda c: c.images.generate(model="dall-e-3", prompt="x", size="256x256"), "'size'"),
        (lambda c: c.images.generate(model="dall-e-2", prompt="x", size="1792x1024"), "'size'"),
        (lambda c: c.images.generate(model="dall-e-2", prompt="x" * 1001), "maximum length 1000"),
        (lambda c: c.images.generate(model="dall-e-3", prompt="x" * 4001), "maximum length 4000"),
        (
            lambda c: c.images.create_variation(model="dall-e-3", image=("a.png", b"\x89PNG")),
            "support only dall-e-2",
        ),
    ],
)
def test_dall_e_per_model_rules(client: Any, call: Any, message: str) -> None:
    with pytest.raises(openai.BadRequestError, match=message):
        call(client)


def test_images_within_the_rules_are_drawn(client: Any) -> None:
    assert client.images.generate(model="dall-e-3", prompt="x", size="1792x1024").data
    assert client.images.generate(model="dall-e-2", prompt="x", n=3, size="256x256").data


def test_an_unknown_argument_is_refused_unless_the_quirk_accepts_it() -> None:
    # The README's "Any OpenAI-compatible API" example sends top_k.
    body = {"model": "m", "messages": [{"role": "user", "content": "Hi"}], "top_k": 20}
    refused = OpenAIMock().request("POST", "/v1/chat/completions", json=body)
    assert refused.status == 400
    assert refused.value["error"]["message"] == "Unrecognized request argument supplied: top_k"
    quirky = OpenAIMock(quirks=["unknown-arguments-accepted"])
    assert quirky.request("POST", "/v1/chat/completions", json=body).status == 200
