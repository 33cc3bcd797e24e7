"""Files and uploads: the bytes a test uploads come back exactly; lists paginate; deleted files
are gone (404 in OpenAI's shape); multi-part uploads assemble their parts in the given order."""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

from oai_mock.mockserver.errors import APIError, invalid_request, not_found
from oai_mock.mockserver.messages import MockResponse
from oai_mock.mockserver.requests import Call
from oai_mock.mockserver.state import paginate

if TYPE_CHECKING:
    from oai_mock.mockserver.context import Behaviour, BehaviourContext

FILE = "file"
CONTENT = "file.content"
UPLOAD = "upload"
PART = "upload.part"
DEFAULT_MAX_FILE_BYTES = 512 * 1024 * 1024
UPLOAD_EXPIRY_SECONDS = 3600
UPLOAD_MAX_BYTES = 8 * 1024**3
"""OpenAI's limit on an Upload (its parts are 64 MB each); the file it completes into is held
in memory, so completing one is bounded by ``max_file_bytes`` too."""


def store_file(
    mock: BehaviourContext, data: bytes, filename: str, purpose: str, expires_after: Any = None
) -> dict[str, Any]:
    """Keep ``data`` as a file object; what batches and fine-tuning write goes through here."""
    if len(data) > mock.max_file_bytes:
        raise invalid_request(
            f"File is too large: {len(data)} bytes; the limit is {mock.max_file_bytes} bytes.",
            "file",
            "file_too_large",
        )
    now = mock.clock.timestamp()
    file_id = mock.ids.next("file-")
    record: dict[str, Any] = {
        "id": file_id,
        "object": "file",
        "bytes": len(data),
        "created_at": now,
        "filename": filename,
        "purpose": purpose,
        "status": "processed",
        "status_details": None,
    }
    if isinstance(expires_after, dict) and isinstance(expires_after.get("seconds"), int):
        record["expires_at"] = now + expires_after["seconds"]
    with mock.state.lock:
        mock.state.put(CONTENT, file_id, data, size=len(data))
        mock.state.put(FILE, file_id, record)
    return record


def file_record(mock: BehaviourContext, file_id: str, param: str = "file_id") -> dict[str, Any]:
    found: dict[str, Any] | None = mock.state.get(FILE, file_id)
    if found is not None and _expired(mock, found):
        found = None
    if found is None:
        raise not_found(f"No such File object: {file_id}", param)
    return found


def _expired(mock: BehaviourContext, record: dict[str, Any]) -> bool:
    """A file past its ``expires_at`` (``expires_after`` at upload) is deleted, as OpenAI
    deletes it: from then on it is not found, and its bytes are let go."""
    expires_at = record.get("expires_at")
    if expires_at is None or mock.clock.timestamp() < expires_at:
        return False
    with mock.state.lock:
        mock.state.delete(FILE, record["id"])
        mock.state.delete(CONTENT, record["id"], size=record["bytes"])
    return True


def file_bytes(mock: BehaviourContext, file_id: str) -> bytes:
    data = mock.state.get(CONTENT, file_id)
    if data is None:
        raise not_found(f"No such File object: {file_id}", "file_id")
    return bytes(data)


def create_file(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    uploads = call.files.get("file") or []
    if not uploads:
        raise invalid_request(
            "Missing required parameter: 'file'.", "file", "missing_required_parameter"
        )
    upload = uploads[0]
    if call.json.get("purpose") == "batch" and not upload.filename.endswith(".jsonl"):
        raise invalid_request(
            f"Invalid file format for Batch API. Must be .jsonl, got '{upload.filename}'.", "file"
        )
    return store_file(
        mock,
        upload.data,
        upload.filename,
        str(call.json["purpose"]),
        call.json.get("expires_after"),
    )


def list_files(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    purpose = call.query.get("purpose")
    items = [
        f
        for f in mock.state.values(
            FILE, None if purpose is None else lambda f: f["purpose"] == purpose
        )
        if not _expired(mock, f)
    ]
    return paginate(
        items,
        limit=call.query.get("limit", 10_000),
        after=call.query.get("after"),
        order=call.query.get("order", "desc"),
        max_limit=10_000,  # the files list alone allows pages of up to 10,000
    )


def retrieve_file(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    return dict(file_record(mock, call.path_params["file_id"]))


def delete_file(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    file_id = call.path_params["file_id"]
    record = file_record(mock, file_id)
    with mock.state.lock:
        mock.state.delete(FILE, file_id)
        mock.state.delete(CONTENT, file_id, size=record["bytes"])
    return {"id": file_id, "object": "file", "deleted": True}


def download_file(call: Call, mock: BehaviourContext) -> MockResponse:
    file_id = call.path_params["file_id"]
    file_record(mock, file_id)
    return MockResponse(
        200, [("content-type", "application/octet-stream")], body=file_bytes(mock, file_id)
    )


# -- uploads ---------------------------------------------------------------------------------


def _upload(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    upload_id = call.path_params["upload_id"]
    found: dict[str, Any] = mock.state.require(
        UPLOAD, upload_id, f"Upload with id '{upload_id}' not found.", "upload_id"
    )
    return found


def create_upload(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    body = call.json
    if not 0 < body["bytes"] <= UPLOAD_MAX_BYTES:
        raise invalid_request(
            f"Invalid 'bytes': {body['bytes']}. An Upload holds from 1 byte to "
            f"{UPLOAD_MAX_BYTES} bytes (8 GB).",
            "bytes",
            "invalid_value",
        )
    now = mock.clock.timestamp()
    upload = {
        "id": mock.ids.next("upload_"),
        "object": "upload",
        "bytes": body["bytes"],
        "created_at": now,
        "expires_at": now + UPLOAD_EXPIRY_SECONDS,
        "filename": body["filename"],
        "purpose": body["purpose"],
        "status": "pending",
        "file": None,
    }
    mock.state.put(
        UPLOAD, upload["id"], {"upload": upload, "parts": {}, "mime_type": body.get("mime_type")}
    )
    return dict(upload)


def add_upload_part(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    parts = call.files.get("data") or []
    if not parts:
        raise invalid_request(
            "Missing required parameter: 'data'.", "data", "missing_required_parameter"
        )
    with mock.state.lock:
        found = _upload(call, mock)
        _require_pending(found["upload"], mock)
        part = {
            "id": mock.ids.next("part_"),
            "object": "upload.part",
            "created_at": mock.clock.timestamp(),
            "upload_id": found["upload"]["id"],
        }
        found["parts"][part["id"]] = parts[0].data
        return part


def complete_upload(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    body = call.json
    with mock.state.lock:
        found = _upload(call, mock)
        upload = found["upload"]
        _require_pending(upload, mock)
        missing = [p for p in body["part_ids"] if p not in found["parts"]]
        if missing:
            raise invalid_request(
                f"Part {missing[0]} does not belong to upload {upload['id']}.", "part_ids"
            )
        data = b"".join(found["parts"][p] for p in body["part_ids"])
        if len(data) != upload["bytes"]:
            raise invalid_request(
                f"The parts hold {len(data)} bytes but the upload was created for {upload['bytes']}.",
                "part_ids",
            )
        md5 = body.get("md5")
        if md5 and md5 != hashlib.md5(data).hexdigest():
            raise invalid_request("The md5 checksum does not match the parts' bytes.", "md5")
        upload["file"] = store_file(mock, data, upload["filename"], upload["purpose"])
        upload["status"] = "completed"
        found["parts"] = {}
        return dict(upload)


def cancel_upload(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    with mock.state.lock:
        found = _upload(call, mock)
        _require_pending(found["upload"], mock)
        found["upload"]["status"] = "cancelled"
        found["parts"] = {}
        return dict(found["upload"])


def _require_pending(upload: dict[str, Any], mock: BehaviourContext) -> None:
    """The upload still takes parts; past its hour (``expires_at``) it has expired."""
    if upload["status"] == "pending" and mock.clock.timestamp() >= upload["expires_at"]:
        upload["status"] = "expired"
    if upload["status"] != "pending":
        raise APIError(
            400, f"Upload {upload['id']} is already {upload['status']}.", param="upload_id"
        )


OPERATIONS: dict[str, Behaviour] = {
    "createFile": create_file,
    "listFiles": list_files,
    "retrieveFile": retrieve_file,
    "deleteFile": delete_file,
    "downloadFile": download_file,
    "createUpload": create_upload,
    "addUploadPart": add_upload_part,
    "completeUpload": complete_upload,
    "cancelUpload": cancel_upload,
}
