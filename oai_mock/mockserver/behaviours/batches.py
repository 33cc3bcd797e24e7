"""Batches: ``validating -> in_progress -> finalizing -> completed``. The input file is checked
line by line when the batch is created (a malformed file fails the batch, as OpenAI does);
entering ``finalizing`` answers every line through the mock itself (its parsed body, as a call),
so a chat line gets the answer it would get live, and writes the output file (and an error file
for lines that failed)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from oai_mock.mockserver.behaviours.files import file_bytes, file_record, store_file
from oai_mock.mockserver.errors import APIError, invalid_request
from oai_mock.mockserver.requests import Call
from oai_mock.mockserver.state import paginate

if TYPE_CHECKING:
    from oai_mock.mockserver.context import Behaviour, BehaviourContext

BATCH = "batch"
PATH = ("in_progress", "finalizing", "completed")
WINDOW_SECONDS = {"24h": 86_400}


def _now(mock: BehaviourContext) -> int:
    return mock.clock.timestamp()


def _validate_lines(
    data: bytes, endpoint: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    lines: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    seen: set[str] = set()
    for number, raw in enumerate(data.decode("utf-8", "replace").splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            line = orjson.loads(raw)
        except orjson.JSONDecodeError:
            errors.append(
                {
                    "code": "invalid_json_line",
                    "message": "This line is not parseable as valid JSON.",
                    "param": None,
                    "line": number,
                }
            )
            continue
        if not isinstance(line, dict):
            errors.append(
                {
                    "code": "invalid_request",
                    "message": "Each line must be a JSON object.",
                    "param": None,
                    "line": number,
                }
            )
            continue
        for key in ("custom_id", "method", "url", "body"):
            if key not in line:
                errors.append(
                    {
                        "code": "missing_required_parameter",
                        "message": f"Missing required parameter: '{key}'.",
                        "param": key,
                        "line": number,
                    }
                )
        if line.get("method") not in (None, "POST"):
            errors.append(
                {
                    "code": "invalid_method",
                    "message": "The only supported method is POST.",
                    "param": "method",
                    "line": number,
                }
            )
        if "url" in line and line["url"] != endpoint:
            errors.append(
                {
                    "code": "mismatched_endpoint",
                    "message": f"The url '{line['url']}' does not match the batch endpoint '{endpoint}'.",
                    "param": "url",
                    "line": number,
                }
            )
        if line.get("custom_id") in seen:
            errors.append(
                {
                    "code": "duplicate_custom_id",
                    "message": "The custom_id for this request is a duplicate of another request.",
                    "param": "custom_id",
                    "line": number,
                }
            )
        seen.add(str(line.get("custom_id")))
        lines.append(line)
    if not lines and not errors:
        errors.append(
            {
                "code": "empty_file",
                "message": "The input file is empty.",
                "param": None,
                "line": None,
            }
        )
    return lines, errors


def create_batch(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    body = call.json
    input_file = file_record(mock, body["input_file_id"], "input_file_id")
    if input_file["purpose"] != "batch":
        raise invalid_request(
            f"The file {input_file['id']} has purpose '{input_file['purpose']}'; a batch needs purpose 'batch'.",
            "input_file_id",
        )
    lines, errors = _validate_lines(file_bytes(mock, input_file["id"]), body["endpoint"])
    now = _now(mock)
    batch: dict[str, Any] = {
        "id": mock.ids.next("batch_"),
        "object": "batch",
        "endpoint": body["endpoint"],
        "errors": None,
        "input_file_id": input_file["id"],
        "completion_window": body["completion_window"],
        "status": "validating",
        "output_file_id": None,
        "error_file_id": None,
        "created_at": now,
        "in_progress_at": None,
        "expires_at": now + WINDOW_SECONDS.get(body["completion_window"], 86_400),
        "finalizing_at": None,
        "completed_at": None,
        "failed_at": None,
        "expired_at": None,
        "cancelling_at": None,
        "cancelled_at": None,
        "request_counts": {"total": len(lines), "completed": 0, "failed": 0},
        "metadata": body.get("metadata"),
    }
    record = {"batch": batch, "lines": lines}
    mock.state.put(BATCH, batch["id"], record)
    if errors:
        batch["status"] = "failed"
        batch["failed_at"] = now
        batch["errors"] = {"object": "list", "data": errors}
        return dict(batch)

    def enter(status: str) -> None:
        with mock.state.lock:
            if batch["status"] in ("cancelling", "cancelled", "expired"):
                return
            if _now(mock) > batch["expires_at"]:
                batch["status"] = "expired"
                batch["expired_at"] = _now(mock)
                mock.lifecycles.set_path(batch["id"], [])
                return
            batch["status"] = status
            batch[f"{status}_at"] = _now(mock)
            if status == "finalizing":
                _run_lines(mock, record)

    def on_fail(code: str, message: str) -> None:
        batch["status"] = "failed"
        batch["failed_at"] = _now(mock)
        batch["errors"] = {
            "object": "list",
            "data": [{"code": code, "message": message, "param": None, "line": None}],
        }

    def on_cancel() -> None:
        batch["status"] = "cancelling"
        batch["cancelling_at"] = _now(mock)
        mock.lifecycles.track(
            batch["id"], "cancelling", ["cancelled"], lambda s: _cancelled(mock, batch)
        )

    mock.lifecycles.track(batch["id"], "validating", PATH, enter, on_fail, on_cancel)
    return dict(batch)


def _cancelled(mock: BehaviourContext, batch: dict[str, Any]) -> None:
    batch["status"] = "cancelled"
    batch["cancelled_at"] = _now(mock)


def _run_lines(mock: BehaviourContext, record: dict[str, Any]) -> None:
    batch = record["batch"]
    outputs: list[bytes] = []
    failures: list[bytes] = []
    for line in record["lines"]:
        if isinstance(line["body"], dict) and line["body"].get("stream"):
            response = APIError(
                400,
                "Streaming is not supported for requests in a batch.",
                param="stream",
            ).to_response()
        else:
            response = mock.dispatch("POST", line["url"], line["body"])
        request_id = response.header("x-request-id")
        body = response.value if response.events is None else None
        entry = {"id": mock.ids.next("batch_req_"), "custom_id": line["custom_id"]}
        if response.status < 400:
            entry.update(
                {
                    "response": {
                        "status_code": response.status,
                        "request_id": request_id,
                        "body": body,
                    },
                    "error": None,
                }
            )
            outputs.append(orjson.dumps(entry))
        else:
            # An HTTP error is the line's response; ``error`` is for failures that are not
            # HTTP answers (OpenAI's batch output format).
            entry.update(
                {
                    "response": {
                        "status_code": response.status,
                        "request_id": request_id,
                        "body": body,
                    },
                    "error": None,
                }
            )
            failures.append(orjson.dumps(entry))
    batch["request_counts"] = {
        "total": len(record["lines"]),
        "completed": len(outputs),
        "failed": len(failures),
    }
    if outputs:
        out = store_file(
            mock, b"\n".join(outputs) + b"\n", f"{batch['id']}_output.jsonl", "batch_output"
        )
        batch["output_file_id"] = out["id"]
    if failures:
        err = store_file(
            mock, b"\n".join(failures) + b"\n", f"{batch['id']}_error.jsonl", "batch_output"
        )
        batch["error_file_id"] = err["id"]


def _batch(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    batch_id = call.path_params["batch_id"]
    found: dict[str, Any] = mock.state.require(
        BATCH, batch_id, f"No batch found with id '{batch_id}'.", "batch_id"
    )
    return found


def retrieve_batch(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    found = _batch(call, mock)
    mock.lifecycles.poll(found["batch"]["id"])
    return dict(found["batch"])


def cancel_batch(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    found = _batch(call, mock)
    batch = found["batch"]
    if batch["status"] not in ("validating", "in_progress", "finalizing"):
        raise invalid_request(f"Cannot cancel a batch with status '{batch['status']}'.", "batch_id")
    mock.lifecycles.cancel(batch["id"])
    return dict(batch)


def list_batches(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    items = [dict(r["batch"]) for r in mock.state.values(BATCH)]
    return paginate(items, limit=call.query.get("limit", 20), after=call.query.get("after"))


OPERATIONS: dict[str, Behaviour] = {
    "createBatch": create_batch,
    "retrieveBatch": retrieve_batch,
    "cancelBatch": cancel_batch,
    "listBatches": list_batches,
}
