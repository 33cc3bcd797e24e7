"""What the fake does with an id that names nothing it stores.

``"404"`` (the default) is faithful: OpenAI answers 404 for an object that does not exist, and so
does the fake. ``"synthesize"`` is a spec mock's answer, for generated SDK test suites and
clients that retrieve ids nobody created (``thread_abc123``): the object is synthesized from the
response schema with that id, and from then on it exists for the rest of the run. Retrieving it
again gives the same object, an update changes it, a list under it shows what was created or
listed there, and a delete forgets it (with what was created under it): the id is unknown
again, and a later request synthesizes a fresh object, as a spec mock answers any id.

In both modes an id that could not be an id (empty, longer than OpenAI's, characters a path
cannot carry, another kind's prefix) gets a 4xx in OpenAI's envelope, and the synthesis only
runs for requests that passed validation: nothing is made up for a request OpenAI refuses.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

from oai_mock.mockserver.errors import APIError, invalid_request
from oai_mock.mockserver.generic import generic_answer, synthesize
from oai_mock.mockserver.messages import MockResponse
from oai_mock.mockserver.requests import Call
from oai_mock.mockserver.synthesis import ACTIONS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from oai_mock.mockserver.context import BehaviourContext


UnknownIds = Literal["404", "synthesize"]
MODES: tuple[str, ...] = ("404", "synthesize")
MAX_ID_LENGTH = 256
ID_CHARACTERS = re.compile(r"[A-Za-z0-9_.:\-]+")
# Path parameters whose ids always carry one prefix: an id with another kind's prefix is an
# error OpenAI names ("Expected an ID that begins with 'thread'").
EXPECTED_PREFIX = {
    "assistant_id": "asst_",
    "thread_id": "thread_",
    "run_id": "run_",
    "step_id": "step_",
    "message_id": "msg_",
    "vector_store_id": "vs_",
    "batch_id": "batch_",
    "upload_id": "upload_",
    "response_id": "resp_",
    "conversation_id": "conv_",
    "container_id": "cntr_",
    "eval_id": "eval_",
    "video_id": "video_",
}
# Body fields that name a stored file, and the purpose such a file needs.
FILE_PURPOSE = {
    "file_id": "assistants",
    "file_ids": "assistants",
    "input_file_id": "batch",
    "training_file": "fine-tune",
    "validation_file": "fine-tune",
}
DROPPED_REFERENCES = frozenset({"previous_response_id", "conversation"})
MAX_REFERENCES = 4
KNOWN_PREFIXES = tuple(sorted(set(EXPECTED_PREFIX.values()), key=len, reverse=True))


def check_mode(mode: str) -> UnknownIds:
    if mode not in MODES:
        raise ValueError(f"unknown_ids must be one of {MODES}, not {mode!r}")
    return mode  # type: ignore[return-value]


def refuse_malformed_ids(call: Call) -> None:
    """A 4xx for a path id no object could have, in both modes."""
    for param in call.operation.params_in("path"):
        if not param.name.endswith("_id"):
            continue
        value = call.path_params.get(param.name, "")
        shown = value if len(value) <= 64 else value[:61] + "..."
        if not value or len(value) > MAX_ID_LENGTH or not ID_CHARACTERS.fullmatch(value):
            raise invalid_request(
                f"Invalid '{param.name}': '{shown}'. Expected an ID of at most "
                f"{MAX_ID_LENGTH} letters, digits, '_', '-', '.' or ':'.",
                param.name,
                "invalid_value",
            )
        expected = EXPECTED_PREFIX.get(param.name)
        if expected is None or value.startswith(expected):
            continue
        if value.startswith(KNOWN_PREFIXES):
            raise invalid_request(
                f"Invalid '{param.name}': '{shown}'. Expected an ID that begins with "
                f"'{expected.rstrip('_-')}'.",
                param.name,
                "invalid_value",
            )


class Phantoms:
    """The objects synthesized for unknown ids, by the path that names them."""

    def __init__(self) -> None:
        self._objects: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.files: set[str] = set()
        """Files stored for a body's reference to an unknown id (their purpose can change)."""

    def count(self) -> int:
        """How many synthesized objects exist now."""
        with self._lock:
            return len(self._objects)

    def clear(self) -> None:
        with self._lock:
            self._objects.clear()
            self.files.clear()

    def answer(self, call: Call, mock: BehaviourContext) -> MockResponse:
        """The synthesized answer for ``call``, from the stored phantoms where they exist."""
        op = call.operation
        subject = _subject_path(op.path_template, call.path_params)
        collection = _collection_path(op.path_template, call.path_params)
        with self._lock:
            if op.response_kind != "json" or op.success_schema is None or call.wants_stream:
                if op.method == "DELETE" and subject is not None:
                    self._forget(subject)
                return generic_answer(call, mock)
            if subject is None:
                return self._collection_answer(call, mock, collection)
            if _is_content(op.path_template):
                # The contents of a stored object have a schema of their own: never the object.
                return _json(synthesize(op.success_schema, call, mock), op.success_status)
            return self._subject_answer(call, mock, subject, _is_action(op.path_template))

    def _subject_answer(
        self, call: Call, mock: BehaviourContext, path: str, action: bool
    ) -> MockResponse:
        op = call.operation
        schema = op.success_schema
        assert schema is not None
        stored = self._objects.get(path)
        if op.method == "DELETE":
            self._forget(path)
            return _json(synthesize(schema, call, mock), op.success_status)
        if op.method == "GET" and stored is not None:
            return _json(stored, op.success_status)
        fresh = synthesize(schema, call, mock)
        if stored is not None and not action and isinstance(fresh, dict):
            # An update: the stored object, changed where the request says so.
            updated = {**stored, **{k: v for k, v in call.json.items() if k in stored}}
            fresh = updated if mock.checker.is_valid(updated, schema) else stored
        if isinstance(fresh, dict) and fresh.get("deleted") is not True:
            self._objects[path] = fresh
        return _json(fresh, op.success_status)

    def _collection_answer(
        self, call: Call, mock: BehaviourContext, path: str | None
    ) -> MockResponse:
        op = call.operation
        schema = op.success_schema
        assert schema is not None
        answer = synthesize(schema, call, mock)
        if path is None or not isinstance(answer, dict):
            return _json(answer, op.success_status)
        data = answer.get("data")
        if op.method == "GET" and isinstance(data, list):
            known = [v for k, v in self._objects.items() if _parent(k) == path]
            if known and mock.checker.is_valid({**answer, "data": known}, schema):
                data = answer["data"] = known
            for item in data:
                if isinstance(item, dict) and isinstance(item.get("id"), str):
                    self._objects.setdefault(f"{path}/{item['id']}", item)
            _agree(answer)
        elif op.method == "POST" and isinstance(answer.get("id"), str):
            self._objects[f"{path}/{answer['id']}"] = answer  # created under an unknown parent
        return _json(answer, op.success_status)

    def _forget(self, path: str) -> None:
        self._objects = {k: v for k, v in self._objects.items() if not _within(k, path)}


def answer_or_refuse(
    call: Call,
    mock: BehaviourContext,
    phantoms: Phantoms,
    behaviour: Callable[[Call], MockResponse] | None,
) -> MockResponse:
    """In synthesize mode: the behaviour's answer, or for its 404 on a path id a phantom; an
    operation without a behaviour (``behaviour`` None) answers from the phantoms, so that what
    it synthesized stays the same across retrieve, update, list and delete."""
    if behaviour is None:
        return phantoms.answer(call, mock)
    for _ in range(MAX_REFERENCES):
        try:
            return behaviour(call)
        except APIError as error:
            if error.status == 400 and _repurpose_file(call, mock, phantoms, error):
                continue
            if error.status != 404:
                raise
            if _names_a_path_id(call, error):
                return phantoms.answer(call, mock)
            if not _make_reference_exist(call, mock, phantoms, error):
                raise
    return behaviour(call)


def _make_reference_exist(
    call: Call, mock: BehaviourContext, phantoms: Phantoms, error: APIError
) -> bool:
    """An unknown id the request body refers to: a file is stored under that id (empty, with
    the purpose the field needs); a previous response or conversation to build on is left out,
    as if the chain started here. False when the 404 is about something else."""
    body = call.json
    param = (error.param or "").split("[")[0]
    if param == "file_id" and "file_id" not in body and "file_ids" in body:
        param = "file_ids"  # a list of files answers for the one it could not find
    value = body.get(param)
    if param in FILE_PURPOSE:
        ids = value if isinstance(value, list) else [value]
        missing = [i for i in ids if isinstance(i, str) and i and i in error.message]
        for file_id in missing:
            _store_empty_file(mock, phantoms, file_id, FILE_PURPOSE[param])
        return bool(missing)
    if param == "assistant_id" and isinstance(value, str) and value in error.message:
        _store_assistant(mock, value, body)
        return True
    if param in DROPPED_REFERENCES and param in body:
        call.body = {k: v for k, v in body.items() if k != param}
        return True
    return False


def _repurpose_file(
    call: Call, mock: BehaviourContext, phantoms: Phantoms, error: APIError
) -> bool:
    """A file this mode stored for one reference (``file_ids`` of a vector store) named again
    where another purpose is needed (a batch's ``input_file_id``): it takes that purpose, as a
    spec mock answers any id with what the request needs. Files a client uploaded keep theirs."""
    from oai_mock.mockserver.behaviours.files import FILE

    param = (error.param or "").split("[")[0]
    value = call.json.get(param)
    if param not in FILE_PURPOSE or "purpose" not in error.message:
        return False
    ids = value if isinstance(value, list) else [value]
    changed = False
    with mock.state.lock:
        for file_id in ids:
            record = mock.state.get(FILE, file_id) if isinstance(file_id, str) else None
            wanted = FILE_PURPOSE[param]
            if file_id in phantoms.files and record and record["purpose"] != wanted:
                mock.state.put(FILE, file_id, {**record, "purpose": wanted})
                changed = True
    return changed


def _store_empty_file(
    mock: BehaviourContext, phantoms: Phantoms, file_id: str, purpose: str
) -> None:
    from oai_mock.mockserver.behaviours.files import CONTENT, FILE

    record = {
        "id": file_id,
        "object": "file",
        "bytes": 0,
        "created_at": mock.clock.timestamp(),
        "filename": f"{file_id}.jsonl",
        "purpose": purpose,
        "status": "processed",
        "status_details": None,
    }
    with mock.state.lock:
        mock.state.put(CONTENT, file_id, b"")
        mock.state.put(FILE, file_id, record)
    phantoms.files.add(file_id)


def _store_assistant(mock: BehaviourContext, assistant_id: str, body: Mapping[str, Any]) -> None:
    """An assistant under that id, with the run's model (runs take the rest from the body)."""
    from oai_mock.mockserver.behaviours.assistants import ASSISTANT, assistant_record

    model = body.get("model")
    model = model if isinstance(model, str) and model else "gpt-4o"
    record = assistant_record(mock, assistant_id, {"model": model})
    with mock.state.lock:
        mock.state.put(ASSISTANT, assistant_id, record)


def _names_a_path_id(call: Call, error: APIError) -> bool:
    if error.param in call.path_params:
        return True
    return any(value and value in error.message for value in call.path_params.values())


def _json(value: Any, status: int) -> MockResponse:
    from oai_mock.mockserver.generic import json_response

    response = json_response(value, status)
    response.freeze()  # the value may be a stored phantom, which later requests change
    return response


def _segments(template: str, params: dict[str, str]) -> list[str]:
    out = []
    for part in template.strip("/").split("/"):
        if part.startswith("{") and part.endswith("}"):
            part = params.get(part[1:-1], part)
        out.append(part)
    return out


def _is_action(template: str) -> bool:
    return template.rstrip("/").rsplit("/", 1)[-1] in ACTIONS


def _is_content(template: str) -> bool:
    return template.rstrip("/").rsplit("/", 1)[-1] == "content"


def _subject_path(template: str, params: dict[str, str]) -> str | None:
    """``/threads/t/runs/r/cancel`` -> ``/threads/t/runs/r``; None for a collection."""
    parts = template.strip("/").split("/")
    if parts and parts[-1] in ACTIONS:
        parts = parts[:-1]
    if parts and parts[-1] == "content":
        parts = parts[:-1]  # /files/{file_id}/content is about the file
    if not parts or not parts[-1].startswith("{"):
        return None
    return "/" + "/".join(_segments("/".join(parts), params))


def _collection_path(template: str, params: dict[str, str]) -> str | None:
    segments = _segments(template, params)
    parts = template.strip("/").split("/")
    if parts and parts[-1].startswith("{"):
        segments = segments[:-1]
    return "/" + "/".join(segments) if segments else None


def _parent(path: str) -> str:
    return path.rsplit("/", 1)[0]


def _within(path: str | None, root: str) -> bool:
    return path is not None and (path == root or path.startswith(root + "/"))


def _agree(answer: dict[str, Any]) -> None:
    data = answer.get("data") or []
    ids = [item.get("id") for item in data if isinstance(item, dict)]
    if "first_id" in answer:
        answer["first_id"] = ids[0] if ids else None
    if "last_id" in answer:
        answer["last_id"] = ids[-1] if ids else None
    if "has_more" in answer:
        answer["has_more"] = False
