"""Fine-tuning jobs: ``validating_files -> queued -> running -> succeeded``, with events and
checkpoints; the resulting ``ft:`` model joins the models list and answers chat. Cancel, pause
and resume; failure when a test says so (``mock.lifecycles.fail(job_id, code, message)``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import orjson

from oai_mock.mockserver.behaviours.files import file_bytes, file_record
from oai_mock.mockserver.behaviours.models import add_model, require_model
from oai_mock.mockserver.errors import invalid_request
from oai_mock.mockserver.requests import Call
from oai_mock.mockserver.state import paginate

if TYPE_CHECKING:
    from oai_mock.mockserver.context import Behaviour, BehaviourContext

JOB = "fine_tuning.job"
PATH = ("queued", "running", "succeeded")
TRAINED_TOKENS = 1200


def _event(
    mock: BehaviourContext, record: dict[str, Any], message: str, level: str = "info"
) -> None:
    record["events"].append(
        {
            "object": "fine_tuning.job.event",
            "id": mock.ids.next("ftevent-"),
            "created_at": mock.clock.timestamp(),
            "level": level,
            "message": message,
            "type": "message",
            "data": {},
        }
    )


def create_job(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    body = call.json
    require_model(mock, body.get("model"))
    training = file_record(mock, body["training_file"], "training_file")
    if training["purpose"] != "fine-tune":
        raise invalid_request(
            f"File {training['id']} has purpose '{training['purpose']}'; fine-tuning needs 'fine-tune'.",
            "training_file",
        )
    if body.get("validation_file"):
        file_record(mock, body["validation_file"], "validation_file")
    now = mock.clock.timestamp()
    method = body.get("method") or {"type": "supervised", "supervised": {"hyperparameters": {}}}
    job: dict[str, Any] = {
        "object": "fine_tuning.job",
        "id": mock.ids.next("ftjob-"),
        "model": body["model"],
        "created_at": now,
        "finished_at": None,
        "fine_tuned_model": None,
        "organization_id": "org-oai-mock",
        "result_files": [],
        "status": "validating_files",
        "validation_file": body.get("validation_file"),
        "training_file": training["id"],
        "hyperparameters": {
            "n_epochs": "auto",
            "batch_size": "auto",
            "learning_rate_multiplier": "auto",
            **(body.get("hyperparameters") or {}),
        },
        "trained_tokens": None,
        "error": None,
        "integrations": body.get("integrations"),
        "seed": body.get("seed", 42),
        "estimated_finish": None,
        "method": method,
        "metadata": body.get("metadata"),
    }
    record: dict[str, Any] = {
        "job": job,
        "events": [],
        "checkpoints": [],
        "suffix": body.get("suffix") or "",
    }
    mock.state.put(JOB, job["id"], record)
    _event(mock, record, f"Validating training file: {training['id']}")

    def enter(status: str) -> None:
        job["status"] = status
        if status == "queued":
            _event(mock, record, "Files validated, moving job to queued state")
        elif status == "running":
            _event(mock, record, f"Fine-tuning job started: {job['id']}")
        elif status == "succeeded":
            _succeed(mock, record)
        elif status == "failed" and problem is not None:
            on_fail("invalid_training_file", problem)

    def on_fail(code: str, message: str) -> None:
        job["status"] = "failed"
        job["finished_at"] = mock.clock.timestamp()
        param = "training_file" if code == "invalid_training_file" else None
        job["error"] = {"code": code, "message": message, "param": param}
        _event(mock, record, f"Job failed: {message}", "error")

    def on_cancel() -> None:
        job["status"] = "cancelled"
        job["finished_at"] = mock.clock.timestamp()
        _event(mock, record, "Job cancelled")

    # A training file that is not JSONL fails the job where OpenAI's fails: at validation.
    problem = _training_problem(file_bytes(mock, training["id"]))
    path = ("failed",) if problem is not None else PATH
    mock.lifecycles.track(job["id"], "validating_files", path, enter, on_fail, on_cancel)
    return dict(job)


def _training_problem(data: bytes) -> str | None:
    """Why a training file cannot be trained on (not one JSON object per line), or None."""
    lines = [line for line in data.splitlines() if line.strip()]
    if not lines:
        return "The job failed due to an invalid training file: the file is empty."
    for number, line in enumerate(lines, 1):
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError:
            value = None
        if not isinstance(value, dict):
            return (
                f"The job failed due to an invalid training file: line {number} is not a JSON "
                "object (a training file holds one example per line, as JSON)."
            )
    return None


def _succeed(mock: BehaviourContext, record: dict[str, Any]) -> None:
    job = record["job"]
    # OpenAI's shape: ft:<base model>:<organization>:<suffix or empty>:<short id>
    short_id = job["id"].split("-", 1)[-1][:8]
    name = f"ft:{job['model']}:oai-mock:{record['suffix']}:{short_id}"
    job["fine_tuned_model"] = name
    job["finished_at"] = mock.clock.timestamp()
    job["trained_tokens"] = TRAINED_TOKENS
    for step in (10, 20):
        checkpoint_model = f"{name}:ckpt-step-{step}"
        record["checkpoints"].append(
            {
                "object": "fine_tuning.job.checkpoint",
                "id": mock.ids.next("ftckpt_"),
                "created_at": mock.clock.timestamp(),
                "fine_tuned_model_checkpoint": checkpoint_model,
                "fine_tuning_job_id": job["id"],
                "step_number": step,
                "metrics": {
                    "step": step,
                    "train_loss": round(1.0 / step, 4),
                    "train_mean_token_accuracy": 0.9,
                },
            }
        )
    add_model(mock, name, "user")
    _event(mock, record, f"New fine-tuned model created: {name}")
    _event(mock, record, "The job has successfully completed")


def _record(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    job_id = call.path_params["fine_tuning_job_id"]
    found: dict[str, Any] = mock.state.require(
        JOB, job_id, f"Could not find fine tune: {job_id}", "fine_tuning_job_id"
    )
    return found


def retrieve_job(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    record = _record(call, mock)
    if record["job"]["status"] != "paused":
        mock.lifecycles.poll(record["job"]["id"])
    return dict(record["job"])


def list_jobs(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    wanted = call.query.get("metadata") or {}  # metadata[key]=value: jobs with all of them
    jobs = [
        dict(r["job"])
        for r in mock.state.values(JOB)
        if all((r["job"].get("metadata") or {}).get(k) == v for k, v in wanted.items())
    ]
    page = paginate(jobs, limit=call.query.get("limit", 20), after=call.query.get("after"))
    return {"object": "list", "data": page["data"], "has_more": page["has_more"]}


def cancel_job(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    record = _record(call, mock)
    if record["job"]["status"] in ("succeeded", "failed", "cancelled"):
        raise invalid_request(f"Job has already {record['job']['status']}.", "fine_tuning_job_id")
    mock.lifecycles.cancel(record["job"]["id"])
    return dict(record["job"])


def _pause_or_resume(call: Call, mock: BehaviourContext, pause: bool) -> dict[str, Any]:
    record = _record(call, mock)
    job = record["job"]
    expected, new, verb = (
        ("running", "paused", "paused") if pause else ("paused", "running", "resumed")
    )
    if job["status"] != expected:
        raise invalid_request(
            f"Only a {expected} job can be {verb}; this one is {job['status']}.",
            "fine_tuning_job_id",
        )
    job["status"] = new
    _event(mock, record, f"Job {verb}")
    return dict(job)


def pause_job(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    return _pause_or_resume(call, mock, pause=True)


def resume_job(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    return _pause_or_resume(call, mock, pause=False)


def list_events(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    record = _record(call, mock)
    page = paginate(
        record["events"], limit=call.query.get("limit", 20), after=call.query.get("after")
    )
    return {"object": "list", "data": page["data"], "has_more": page["has_more"]}


def list_checkpoints(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    record = _record(call, mock)
    return paginate(
        record["checkpoints"], limit=call.query.get("limit", 10), after=call.query.get("after")
    )


OPERATIONS: dict[str, Behaviour] = {
    "createFineTuningJob": create_job,
    "retrieveFineTuningJob": retrieve_job,
    "listPaginatedFineTuningJobs": list_jobs,
    "cancelFineTuningJob": cancel_job,
    "pauseFineTuningJob": pause_job,
    "resumeFineTuningJob": resume_job,
    "listFineTuningEvents": list_events,
    "listFineTuningJobCheckpoints": list_checkpoints,
}
