"""Vector stores, their files and file batches: files move ``in_progress -> completed`` as they
are polled, ``file_counts`` are always counted from the files themselves, and search ranks the
stored files by how many query words their text shares."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from oai_mock.mockserver.behaviours.files import file_bytes, file_record
from oai_mock.mockserver.errors import invalid_request, not_found
from oai_mock.mockserver.requests import Call
from oai_mock.mockserver.state import paginate_query

if TYPE_CHECKING:
    from oai_mock.mockserver.context import Behaviour, BehaviourContext

STORE = "vector_store"
WORD = re.compile(r"\w+")
CHUNK_CHARS = 800


def _now(mock: BehaviourContext) -> int:
    return mock.clock.timestamp()


def _record(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    store_id = call.path_params["vector_store_id"]
    found: dict[str, Any] = mock.state.require(
        STORE, store_id, f"No vector store found with id '{store_id}'.", "vector_store_id"
    )
    return found


def _counts(record: dict[str, Any], files: list[dict[str, Any]] | None = None) -> dict[str, int]:
    chosen = files if files is not None else list(record["files"].values())
    counts = {status: 0 for status in ("in_progress", "completed", "failed", "cancelled")}
    for entry in chosen:
        counts[entry["file"]["status"]] += 1
    return {**counts, "total": len(chosen)}


def _view(mock: BehaviourContext, record: dict[str, Any]) -> dict[str, Any]:
    store = record["store"]
    counts = _counts(record)
    if store["status"] != "expired":
        expires_at = store.get("expires_at")
        if expires_at is not None and _now(mock) >= expires_at:
            store["status"] = "expired"
        else:
            store["status"] = "in_progress" if counts["in_progress"] else "completed"
    store["file_counts"] = counts
    store["usage_bytes"] = sum(
        e["file"]["usage_bytes"]
        for e in record["files"].values()
        if e["file"]["status"] == "completed"
    )
    return dict(store)


def _expiry(mock: BehaviourContext, expires_after: Any) -> int | None:
    days = expires_after.get("days") if isinstance(expires_after, dict) else None
    if isinstance(days, int):
        return _now(mock) + days * 86_400
    return None


def create_store(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    body = call.json
    store: dict[str, Any] = {
        "id": mock.ids.next("vs_"),
        "object": "vector_store",
        "created_at": _now(mock),
        "name": body.get("name") or "",
        "usage_bytes": 0,
        "file_counts": {},
        "status": "completed",
        "last_active_at": _now(mock),
        "metadata": body.get("metadata"),
    }
    if body.get("expires_after"):
        store["expires_after"] = body["expires_after"]
        store["expires_at"] = _expiry(mock, body["expires_after"])
    record: dict[str, Any] = {"store": store, "files": {}, "batches": {}}
    mock.state.put(STORE, store["id"], record)
    for file_id in body.get("file_ids") or []:
        _attach(mock, record, file_id, body.get("chunking_strategy"), None)
    return _view(mock, record)


def retrieve_store(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    record = _record(call, mock)
    for file_id in list(record["files"]):
        mock.lifecycles.poll(_file_key(record, file_id))
    return _view(mock, record)


def modify_store(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    body = call.json
    with mock.state.lock:
        record = _record(call, mock)
        store = record["store"]
        if "name" in body:
            store["name"] = body["name"]
        if "metadata" in body:
            store["metadata"] = body["metadata"]
        if "expires_after" in body:
            store["expires_after"] = body["expires_after"]
            store["expires_at"] = _expiry(mock, body["expires_after"])
        return _view(mock, record)


def delete_store(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    record = _record(call, mock)
    mock.state.delete(STORE, record["store"]["id"])
    return {"id": record["store"]["id"], "object": "vector_store.deleted", "deleted": True}


def list_stores(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    items = [_view(mock, r) for r in mock.state.values(STORE)]
    return paginate_query(items, call.query)


# -- files -------------------------------------------------------------------------------------


def _file_key(record: dict[str, Any], file_id: str) -> str:
    return f"{record['store']['id']}/{file_id}"


def _attach(
    mock: BehaviourContext, record: dict[str, Any], file_id: str, chunking: Any, attributes: Any
) -> dict[str, Any]:
    source = file_record(mock, file_id, "file_id")
    entry: dict[str, Any] = {
        "file": {
            "id": file_id,
            "object": "vector_store.file",
            "usage_bytes": source["bytes"],
            "created_at": _now(mock),
            "vector_store_id": record["store"]["id"],
            "status": "in_progress",
            "last_error": None,
            "chunking_strategy": {
                "type": "static",
                "static": {"max_chunk_size_tokens": 800, "chunk_overlap_tokens": 400},
            }
            if not chunking or chunking.get("type") == "auto"
            else chunking,
            "attributes": attributes,
        },
        "text": file_bytes(mock, file_id).decode("utf-8", "replace"),
        "filename": source["filename"],
    }
    record["files"][file_id] = entry

    def enter(status: str) -> None:
        entry["file"]["status"] = status

    def on_fail(code: str, message: str) -> None:
        entry["file"]["status"] = "failed"
        entry["file"]["last_error"] = {
            "code": code
            if code in ("server_error", "unsupported_file", "invalid_file")
            else "server_error",
            "message": message,
        }

    def on_cancel() -> None:
        entry["file"]["status"] = "cancelled"

    mock.lifecycles.track(
        _file_key(record, file_id), "in_progress", ["completed"], enter, on_fail, on_cancel
    )
    return entry


def _entry(call: Call, record: dict[str, Any]) -> dict[str, Any]:
    file_id = call.path_params["file_id"]
    entry: dict[str, Any] | None = record["files"].get(file_id)
    if entry is None:
        raise not_found(
            f"No file found with id '{file_id}' in vector store '{record['store']['id']}'.",
            "file_id",
        )
    return entry


def create_store_file(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    body = call.json
    with mock.state.lock:
        record = _record(call, mock)
        entry = _attach(
            mock, record, body["file_id"], body.get("chunking_strategy"), body.get("attributes")
        )
        return dict(entry["file"])


def retrieve_store_file(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    record = _record(call, mock)
    entry = _entry(call, record)
    mock.lifecycles.poll(_file_key(record, entry["file"]["id"]))
    return dict(entry["file"])


def update_store_file(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    with mock.state.lock:
        entry = _entry(call, _record(call, mock))
        entry["file"]["attributes"] = call.json.get("attributes")
        return dict(entry["file"])


def delete_store_file(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    with mock.state.lock:
        record = _record(call, mock)
        entry = _entry(call, record)
        del record["files"][entry["file"]["id"]]
        mock.lifecycles.forget(_file_key(record, entry["file"]["id"]))
    return {"id": entry["file"]["id"], "object": "vector_store.file.deleted", "deleted": True}


def _filtered(call: Call, files: list[dict[str, Any]]) -> dict[str, Any]:
    query = call.query
    wanted = query.get("filter")
    items = [dict(e["file"]) for e in files if wanted is None or e["file"]["status"] == wanted]
    return paginate_query(items, query)


def list_store_files(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    return _filtered(call, list(_record(call, mock)["files"].values()))


def store_file_content(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    entry = _entry(call, _record(call, mock))
    chunks = [
        entry["text"][i : i + CHUNK_CHARS] for i in range(0, len(entry["text"]), CHUNK_CHARS)
    ] or [""]
    return {
        "object": "vector_store.file_content.page",
        "data": [{"type": "text", "text": chunk} for chunk in chunks],
        "has_more": False,
        "next_page": None,
    }


# -- file batches ---------------------------------------------------------------------------


def create_batch(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    body = call.json
    with mock.state.lock:
        record = _record(call, mock)
        requested = [(f, body.get("attributes")) for f in body.get("file_ids") or []]
        requested += [(f["file_id"], f.get("attributes")) for f in body.get("files") or []]
        for file_id, _ in requested:
            file_record(mock, file_id, "file_ids")
        entries = [_attach(mock, record, f, body.get("chunking_strategy"), a) for f, a in requested]
        batch: dict[str, Any] = {
            "id": mock.ids.next("vsfb_"),
            "object": "vector_store.files_batch",
            "created_at": _now(mock),
            "vector_store_id": record["store"]["id"],
            "status": "in_progress",
            "file_counts": {},
        }
        record["batches"][batch["id"]] = {
            "batch": batch,
            "file_ids": [e["file"]["id"] for e in entries],
        }

        def enter(status: str) -> None:
            batch["status"] = status
            for file_id in record["batches"][batch["id"]]["file_ids"]:
                key = _file_key(record, file_id)
                tracked = mock.lifecycles.get(key)
                if tracked is not None and not tracked.done:
                    mock.lifecycles.complete(key)

        def on_cancel() -> None:
            batch["status"] = "cancelled"
            for file_id in record["batches"][batch["id"]]["file_ids"]:
                entry = record["files"].get(file_id)
                if entry is not None and entry["file"]["status"] == "in_progress":
                    mock.lifecycles.cancel(_file_key(record, file_id))

        mock.lifecycles.track(batch["id"], "in_progress", ["completed"], enter, None, on_cancel)
        return _batch_view(record, batch["id"])


def _batch_view(record: dict[str, Any], batch_id: str) -> dict[str, Any]:
    found = record["batches"][batch_id]
    files = [record["files"][f] for f in found["file_ids"] if f in record["files"]]
    found["batch"]["file_counts"] = _counts(record, files)
    return dict(found["batch"])


def _batch_id(call: Call, record: dict[str, Any]) -> str:
    batch_id = call.path_params["batch_id"]
    if batch_id not in record["batches"]:
        raise not_found(f"No file batch found with id '{batch_id}'.", "batch_id")
    return batch_id


def retrieve_batch(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    record = _record(call, mock)
    batch_id = _batch_id(call, record)
    mock.lifecycles.poll(batch_id)
    return _batch_view(record, batch_id)


def cancel_batch(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    record = _record(call, mock)
    batch_id = _batch_id(call, record)
    if record["batches"][batch_id]["batch"]["status"] != "in_progress":
        raise invalid_request("Only an in-progress file batch can be cancelled.", "batch_id")
    mock.lifecycles.cancel(batch_id)
    return _batch_view(record, batch_id)


def list_batch_files(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    record = _record(call, mock)
    batch_id = _batch_id(call, record)
    files = [
        record["files"][f] for f in record["batches"][batch_id]["file_ids"] if f in record["files"]
    ]
    return _filtered(call, files)


# -- search ------------------------------------------------------------------------------------


def search(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    body = call.json
    query = body["query"]
    queries = [query] if isinstance(query, str) else list(query)
    words = {w.lower() for q in queries for w in WORD.findall(q)}
    record = _record(call, mock)
    results = []
    for entry in record["files"].values():
        if entry["file"]["status"] != "completed":
            continue
        text = entry["text"]
        found = {w.lower() for w in WORD.findall(text)}
        score = len(words & found) / len(words) if words else 0.0
        if score > 0:
            results.append(
                {
                    "file_id": entry["file"]["id"],
                    "filename": entry["filename"],
                    "score": round(score, 6),
                    "attributes": entry["file"]["attributes"],
                    "content": [{"type": "text", "text": text[:CHUNK_CHARS]}],
                }
            )
    results.sort(key=lambda r: (-r["score"], r["file_id"]))
    limit = int(body.get("max_num_results") or 10)
    return {
        "object": "vector_store.search_results.page",
        "search_query": queries,
        "data": results[:limit],
        "has_more": False,
        "next_page": None,
    }


OPERATIONS: dict[str, Behaviour] = {
    "createVectorStore": create_store,
    "getVectorStore": retrieve_store,
    "modifyVectorStore": modify_store,
    "deleteVectorStore": delete_store,
    "listVectorStores": list_stores,
    "createVectorStoreFile": create_store_file,
    "getVectorStoreFile": retrieve_store_file,
    "updateVectorStoreFileAttributes": update_store_file,
    "deleteVectorStoreFile": delete_store_file,
    "listVectorStoreFiles": list_store_files,
    "retrieveVectorStoreFileContent": store_file_content,
    "createVectorStoreFileBatch": create_batch,
    "getVectorStoreFileBatch": retrieve_batch,
    "cancelVectorStoreFileBatch": cancel_batch,
    "listFilesInVectorStoreBatch": list_batch_files,
    "searchVectorStore": search,
}
