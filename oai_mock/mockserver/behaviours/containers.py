"""Container files: the bytes uploaded to a container (or copied from a stored file) come back
from its content endpoint exactly; lists page through a container's files; deleted files are
gone. Containers themselves keep the generic, schema-synthesized answers."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from oai_mock.mockserver.behaviours.files import CONTENT, FILE
from oai_mock.mockserver.errors import not_found
from oai_mock.mockserver.messages import MockResponse
from oai_mock.mockserver.requests import Call
from oai_mock.mockserver.state import paginate

if TYPE_CHECKING:
    from oai_mock.mockserver.context import Behaviour, BehaviourContext

CONTAINER_FILE = "container.file"
CONTAINER_FILE_CONTENT = "container.file.content"
MOUNT = "/mnt/data/"


def _key(container_id: str, file_id: str) -> str:
    return f"{container_id}/{file_id}"


def create_container_file(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    container_id = call.path_params["container_id"]
    uploads = call.files.get("file") or []
    source_id = call.json.get("file_id")
    if uploads:
        data, name, source = uploads[0].data, uploads[0].filename, "user"
    elif isinstance(source_id, str) and source_id:
        stored = mock.state.get(FILE, source_id)
        if stored is None:
            raise not_found(f"No such File object: {source_id}", "file_id")
        data, name, source = (
            bytes(mock.state.get(CONTENT, source_id) or b""),
            stored["filename"],
            "user",
        )
    else:
        data, name, source = b"", "upload", "user"
    file_id = mock.ids.next("cfile_")
    record = {
        "id": file_id,
        "object": "container.file",
        "created_at": mock.clock.timestamp(),
        "bytes": len(data),
        "container_id": container_id,
        "path": MOUNT + (name.rsplit("/", 1)[-1] or "upload"),
        "source": source,
    }
    with mock.state.lock:
        mock.state.put(CONTAINER_FILE_CONTENT, _key(container_id, file_id), data, size=len(data))
        mock.state.put(CONTAINER_FILE, _key(container_id, file_id), record)
    return dict(record)


def _record(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    container_id = call.path_params["container_id"]
    file_id = call.path_params["file_id"]
    found: dict[str, Any] = mock.state.require(
        CONTAINER_FILE,
        _key(container_id, file_id),
        f"Container file with id '{file_id}' not found in container '{container_id}'.",
        "file_id",
    )
    return found


def retrieve_container_file(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    return dict(_record(call, mock))


def container_file_content(call: Call, mock: BehaviourContext) -> MockResponse:
    record = _record(call, mock)
    data = mock.state.get(CONTAINER_FILE_CONTENT, _key(record["container_id"], record["id"]))
    return MockResponse(
        200, [("content-type", "application/octet-stream")], body=bytes(data or b"")
    )


def delete_container_file(call: Call, mock: BehaviourContext) -> MockResponse:
    record = _record(call, mock)
    key = _key(record["container_id"], record["id"])
    with mock.state.lock:
        mock.state.delete(CONTAINER_FILE, key)
        mock.state.delete(CONTAINER_FILE_CONTENT, key, size=record["bytes"])
    return MockResponse(200, [("content-type", "application/json")])


def list_container_files(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    container_id = call.path_params["container_id"]
    items = mock.state.values(CONTAINER_FILE, lambda f: f["container_id"] == container_id)
    return paginate(
        items,
        limit=call.query.get("limit", 20),
        after=call.query.get("after"),
        order=call.query.get("order", "desc"),
    )


OPERATIONS: dict[str, Behaviour] = {
    "CreateContainerFile": create_container_file,
    "RetrieveContainerFile": retrieve_container_file,
    "RetrieveContainerFileContent": container_file_content,
    "DeleteContainerFile": delete_container_file,
    "ListContainerFiles": list_container_files,
}
