"""Answers the official SDK (openai 3.x, strict response validation) used to refuse, and the
request encodings it sends that the fake used to refuse."""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import openai
import orjson
import pytest
from openai._qs import Querystring

import oai_mock.client._generated.resources as generated_resources
from oai_mock import OpenAIMock
from oai_mock.client._endpoint import Endpoint
from oai_mock.mockserver.behaviours.instances import instance_for
from oai_mock.mockserver.form_fields import FormKeyError, coerce, key_path, nest
from oai_mock.mockserver.messages import MockRequest, MockResponse
from oai_mock.spec import Operation, load_bundle

BUNDLE = load_bundle()
MULTIPART = [
    op
    for op in BUNDLE.operations
    if op.body is not None and "multipart/form-data" in op.body.content_types
]
RESOURCES = Path(generated_resources.__file__).parent
# The file fields the generator wrote into each client endpoint.
FILE_FIELDS = {
    value.id: value.file_fields
    for module in RESOURCES.glob("*.py")
    for value in vars(
        importlib.import_module(f"{generated_resources.__name__}.{module.stem}")
    ).values()
    if isinstance(value, Endpoint)
}
# How the official SDKs flatten nested form arguments (openai-python's own encoder).
SDK_FORM = Querystring(array_format="brackets", nested_format="brackets")


def send_form(
    mock: OpenAIMock,
    method: str,
    url: str,
    fields: list[tuple[str, str]],
    files: list[tuple[str, bytes]],
) -> MockResponse:
    """A multipart request with exactly these field names, in this order."""
    boundary = "form-boundary-7MA4YWxk"
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        for name, value in fields
    ]
    parts.extend(
        f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="f.png"\r\n'
        f"Content-Type: image/png\r\n\r\n".encode()
        + data
        + b"\r\n"
        for name, data in files
    )
    body = b"".join(parts) + f"--{boundary}--\r\n".encode()
    headers = {"content-type": f"multipart/form-data; boundary={boundary}"}
    return mock.handle(MockRequest.from_url(method, url, headers, body))


@pytest.fixture
def mock() -> OpenAIMock:
    return OpenAIMock(self_check=True)


@pytest.fixture
def sdk(mock: OpenAIMock) -> openai.OpenAI:
    client: openai.OpenAI = mock.openai(_strict_response_validation=True)
    return client


def test_compact_answers_a_compaction_item(sdk: openai.OpenAI) -> None:
    compacted = sdk.responses.compact(model="gpt-5", input="Summarise our chat", instructions="x")
    assert compacted.object == "response.compaction"
    [item] = compacted.output
    assert item.type == "compaction" and item.encrypted_content
    again = sdk.responses.compact(model="gpt-5", input="Summarise our chat", instructions="x")
    assert again.output[0].encrypted_content == item.encrypted_content  # type: ignore[union-attr]
    assert compacted.usage.total_tokens == (
        compacted.usage.input_tokens + compacted.usage.output_tokens
    )


@pytest.mark.parametrize("size", ["256x256", "auto", "1536x1024"])
def test_image_edits_answer_only_sizes_the_response_schema_allows(
    sdk: openai.OpenAI, size: Any
) -> None:
    edited = sdk.images.edit(image=b"png", prompt="a hat", model="gpt-image-1", size=size)
    expected = size if size == "1536x1024" else "1024x1024"
    assert edited.size == expected


def test_files_create_accepts_the_sdks_nested_expires_after(
    mock: OpenAIMock, sdk: openai.OpenAI
) -> None:
    created = sdk.files.create(
        file=("data.jsonl", b"{}\n"),
        purpose="batch",
        expires_after={"anchor": "created_at", "seconds": 3600},
    )
    assert created.expires_at == created.created_at + 3600
    sent = mock.journal.entries()[-1]
    assert b'name="expires_after[seconds]"' in sent.raw_body
    assert sent.body["expires_after"] == {"anchor": "created_at", "seconds": 3600}


@pytest.mark.parametrize("op", MULTIPART, ids=lambda op: op.id)
def test_every_multipart_operation_accepts_the_sdks_form_encoding(
    mock: OpenAIMock, op: Operation
) -> None:
    """Every property filled, encoded the way openai-python encodes forms; the fake must parse
    the form back to the same JSON value it would have read from a JSON body."""
    schema = {**op.body.schemas["multipart/form-data"], "$defs": dict(BUNDLE.schemas)}  # type: ignore[union-attr]
    body = instance_for(schema, salt=op.id)
    binary = set(FILE_FIELDS[op.id])
    files: list[tuple[str, bytes]] = []
    for name in sorted(binary & body.keys()):
        value = body.pop(name)
        names = [f"{name}[]"] * len(value) if isinstance(value, list) else [name]
        files.extend((n, b"\x89PNG data") for n in names)
    path = op.path_template
    if "{upload_id}" in path:
        upload = mock.request(
            "POST",
            "/v1/uploads",
            json={"purpose": "batch", "filename": "a.jsonl", "bytes": 9, "mime_type": "text/jsonl"},
        )
        path = path.replace("{upload_id}", orjson.loads(upload.body)["id"])
    for param in op.params_in("path"):
        path = path.replace("{" + param.name + "}", f"{param.name.removesuffix('_id')}_abc")
    response = send_form(mock, op.method, "/v1" + path, SDK_FORM.stringify_items(body), files)
    assert response.status == op.success_status, response.body[:300]
    parsed = mock.journal.entries()[-1].body
    # A form cannot carry an empty object or array: the SDK's encoding drops them.
    assert {k: v for k, v in parsed.items() if k not in binary} == without_empty(body)


def without_empty(value: Any) -> Any:
    if isinstance(value, dict):
        kept = {k: without_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in ({}, [])}
    if isinstance(value, list):
        return [v for v in map(without_empty, value) if v not in ({}, [])]
    return value


def test_form_keys_nest_like_the_sdk_flattens_them() -> None:
    pairs = SDK_FORM.stringify_items(
        {"a": {"b": 1, "c": [1, 2]}, "d": [{"x": 1, "y": "t"}, {"x": 2}], "e": ["u"]}
    )
    assert nest(pairs) == {
        "a": {"b": "1", "c": ["1", "2"]},
        "d": [{"x": "1", "y": "t"}, {"x": "2"}],
        "e": ["u"],
    }
    assert nest([("a[0][b]", "1"), ("a[1][b]", "2")]) == {"a": [{"b": "1"}, {"b": "2"}]}
    assert key_path("a[0][b]") == ["a", 0, "b"]
    for bad in ("a[b", "a]", "[a]", "a[b]c", "a" + "[b]" * 40):
        with pytest.raises(FormKeyError):
            key_path(bad)


def test_form_values_take_the_types_the_schema_gives_them() -> None:
    schema = {
        "type": "object",
        "properties": {
            "n": {"type": "integer"},
            "tokens": {"anyOf": [{"type": "integer"}, {"type": "string", "enum": ["inf"]}]},
            "flag": {"type": "boolean"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "meta": {"type": "object", "additionalProperties": {"type": "string"}},
        },
    }
    raw = {"n": "3", "tokens": "4096", "flag": "true", "tags": "one", "meta": '{"k": "v"}'}
    assert coerce(raw, schema, lambda s: s) == {
        "n": 3,
        "tokens": 4096,
        "flag": True,
        "tags": ["one"],
        "meta": {"k": "v"},
    }
    assert coerce({"tokens": "inf"}, schema, lambda s: s) == {"tokens": "inf"}


def test_a_bad_bracketed_field_name_is_a_400_in_openais_shape(mock: OpenAIMock) -> None:
    response = send_form(
        mock, "POST", "/v1/files", [("purpose", "batch"), ("expires_after[anchor", "x")], []
    )
    assert response.status == 400
    assert orjson.loads(response.body)["error"]["code"] == "unknown_parameter"


def test_container_files_return_the_bytes_uploaded(sdk: openai.OpenAI, tmp_path: Path) -> None:
    created = sdk.containers.files.create(container_id="cntr_1", file=b"Example data")
    assert created.bytes == len(b"Example data")
    content = sdk.containers.files.content.retrieve(created.id, container_id="cntr_1")
    assert content.read() == b"Example data"
    source = tmp_path / "notes.txt"
    source.write_bytes(b"from a path")
    from_path = sdk.containers.files.create(container_id="cntr_1", file=source)
    assert from_path.path == "/mnt/data/notes.txt"
    stored = sdk.files.create(file=("a.txt", b"stored bytes"), purpose="user_data")
    copied = sdk.containers.files.create(container_id="cntr_1", file_id=stored.id)
    assert sdk.containers.files.content.retrieve(copied.id, container_id="cntr_1").read() == (
        b"stored bytes"
    )
    listed = [f.id for f in sdk.containers.files.list("cntr_1")]
    assert set(listed) == {created.id, from_path.id, copied.id}
    sdk.containers.files.delete(created.id, container_id="cntr_1")
    with pytest.raises(openai.NotFoundError):
        sdk.containers.files.retrieve(created.id, container_id="cntr_1")
    assert [f.id for f in sdk.containers.files.list("cntr_2")] == []


def test_the_reference_client_uploads_a_file_given_as_a_str_path(
    mock: OpenAIMock, tmp_path: Path
) -> None:
    source = tmp_path / "data.jsonl"
    source.write_bytes(b'{"x": 1}\n')
    client = mock.client()
    created = client.files.create_file(file=str(source), purpose="batch")
    assert (created.filename, created.bytes) == ("data.jsonl", 9)
    assert client.files.download_file(created.id).content == b'{"x": 1}\n'
