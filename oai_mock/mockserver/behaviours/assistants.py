"""Assistants v2: assistants, threads, messages, runs and run steps, with the run state machine.

A run goes ``queued -> in_progress ->`` then:

- ``requires_action`` when the run has function tools and either a scripted reply names tool
  calls, ``tool_choice`` forces a function, or ``tool_choice`` is ``auto`` and no tool output
  has been submitted yet in this run (the default rule: the first turn calls the first function
  tool, so tool loops are exercised); after ``submit_tool_outputs`` it goes ``queued ->
  in_progress -> completed`` with a reply that quotes the outputs;
- ``completed`` otherwise, with the assistant's reply appended to the thread and a
  ``message_creation`` step;
- ``failed``, ``incomplete`` or ``expired`` when a scripted reply says so (``run_status``), and
  ``cancelling -> cancelled`` on cancel. A run not finished by ``expires_at`` expires.

Streaming runs (``stream: true``) go to their next stop at once and send the real
``event: thread.*`` sequence, ending with ``event: done``.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import orjson

from oai_mock.mockserver import streams
from oai_mock.mockserver.behaviours import text
from oai_mock.mockserver.behaviours.instances import instance_or_error
from oai_mock.mockserver.errors import invalid_request, not_found
from oai_mock.mockserver.generic import stream_response
from oai_mock.mockserver.messages import MockResponse
from oai_mock.mockserver.requests import Call
from oai_mock.mockserver.scenario import Reply, ToolCall
from oai_mock.mockserver.state import paginate_query

if TYPE_CHECKING:
    from oai_mock.mockserver.context import Behaviour, BehaviourContext

ASSISTANT = "assistant"
THREAD = "thread"
RUN = "thread.run"
RUN_EXPIRY_SECONDS = 600
Event = tuple[str, dict[str, Any]]


def _now(mock: BehaviourContext) -> int:
    return mock.clock.timestamp()


# -- assistants ------------------------------------------------------------------------------

ASSISTANT_FIELDS = (
    "name",
    "description",
    "model",
    "instructions",
    "tools",
    "tool_resources",
    "metadata",
    "temperature",
    "top_p",
    "response_format",
    "reasoning_effort",
)


def create_assistant(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    assistant = assistant_record(mock, mock.ids.next("asst_"), call.json)
    mock.state.put(ASSISTANT, assistant["id"], assistant)
    return dict(assistant)


def assistant_record(
    mock: BehaviourContext, assistant_id: str, body: Mapping[str, Any]
) -> dict[str, Any]:
    """An assistant as ``body`` (a create request's) describes it; ``model`` is required."""
    return {
        "id": assistant_id,
        "object": "assistant",
        "created_at": _now(mock),
        "name": body.get("name"),
        "description": body.get("description"),
        "model": body["model"],
        "instructions": body.get("instructions"),
        "tools": body.get("tools") or [],
        "tool_resources": body.get("tool_resources") or {},
        "metadata": body.get("metadata") or {},
        "temperature": body.get("temperature", 1.0),
        "top_p": body.get("top_p", 1.0),
        "response_format": body.get("response_format") or "auto",
    }


def _assistant(mock: BehaviourContext, assistant_id: str) -> dict[str, Any]:
    found: dict[str, Any] = mock.state.require(
        ASSISTANT, assistant_id, f"No assistant found with id '{assistant_id}'.", "assistant_id"
    )
    return found


def get_assistant(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    return dict(_assistant(mock, call.path_params["assistant_id"]))


def modify_assistant(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    with mock.state.lock:
        assistant = _assistant(mock, call.path_params["assistant_id"])
        for key in ASSISTANT_FIELDS:
            if key in call.json:
                assistant[key] = call.json[key]
        return dict(assistant)


def delete_assistant(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    assistant = _assistant(mock, call.path_params["assistant_id"])
    mock.state.delete(ASSISTANT, assistant["id"])
    return {"id": assistant["id"], "object": "assistant.deleted", "deleted": True}


def list_assistants(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    return paginate_query([dict(a) for a in mock.state.values(ASSISTANT)], call.query)


# -- threads and messages ----------------------------------------------------------------------


def _content_parts(content: Any) -> list[dict[str, Any]]:
    if isinstance(content, str):
        return [{"type": "text", "text": {"value": content, "annotations": []}}]
    parts = []
    for part in content or []:
        if part.get("type") == "text":
            parts.append(
                {"type": "text", "text": {"value": part.get("text", ""), "annotations": []}}
            )
        else:
            parts.append(copy.deepcopy(part))
    return parts


def _message(
    mock: BehaviourContext, thread_id: str, role: str, content: Any, **extra: Any
) -> dict[str, Any]:
    now = _now(mock)
    return {
        "id": mock.ids.next("msg_"),
        "object": "thread.message",
        "created_at": now,
        "thread_id": thread_id,
        "status": "completed",
        "incomplete_details": None,
        "completed_at": now,
        "incomplete_at": None,
        "role": role,
        "content": _content_parts(content),
        "assistant_id": extra.get("assistant_id"),
        "run_id": extra.get("run_id"),
        "attachments": extra.get("attachments") or [],
        "metadata": extra.get("metadata") or {},
    }


def _new_thread(mock: BehaviourContext, body: dict[str, Any]) -> dict[str, Any]:
    thread_id = mock.ids.next("thread_")
    thread: dict[str, Any] = {
        "id": thread_id,
        "object": "thread",
        "created_at": _now(mock),
        "tool_resources": body.get("tool_resources") or {},
        "metadata": body.get("metadata") or {},
    }
    record: dict[str, Any] = {"thread": thread, "messages": [], "runs": {}}
    for raw in body.get("messages") or []:
        record["messages"].append(
            _message(
                mock,
                thread_id,
                raw["role"],
                raw["content"],
                attachments=raw.get("attachments"),
                metadata=raw.get("metadata"),
            )
        )
    mock.state.put(THREAD, thread_id, record)
    return record


def _thread(mock: BehaviourContext, thread_id: str) -> dict[str, Any]:
    found: dict[str, Any] = mock.state.require(
        THREAD, thread_id, f"No thread found with id '{thread_id}'.", "thread_id"
    )
    return found


def create_thread(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    return dict(_new_thread(mock, call.json)["thread"])


def get_thread(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    return dict(_thread(mock, call.path_params["thread_id"])["thread"])


def modify_thread(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    with mock.state.lock:
        thread = _thread(mock, call.path_params["thread_id"])["thread"]
        for key in ("metadata", "tool_resources"):
            if key in call.json:
                thread[key] = call.json[key]
        return dict(thread)


def delete_thread(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    record = _thread(mock, call.path_params["thread_id"])
    mock.state.delete(THREAD, record["thread"]["id"])
    return {"id": record["thread"]["id"], "object": "thread.deleted", "deleted": True}


def create_message(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    body = call.json
    with mock.state.lock:
        record = _thread(mock, call.path_params["thread_id"])
        if any(
            r["run"]["status"] in ("queued", "in_progress", "requires_action")
            for r in record["runs"].values()
        ):
            raise invalid_request(
                "Can't add messages to a thread while a run is active.", "thread_id"
            )
        message = _message(
            mock,
            record["thread"]["id"],
            body["role"],
            body["content"],
            attachments=body.get("attachments"),
            metadata=body.get("metadata"),
        )
        record["messages"].append(message)
        return dict(message)


def _find_message(call: Call, record: dict[str, Any]) -> dict[str, Any]:
    message_id = call.path_params["message_id"]
    for message in record["messages"]:
        if message["id"] == message_id:
            found: dict[str, Any] = message
            return found
    raise not_found(f"No message found with id '{message_id}'.", "message_id")


def get_message(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    return dict(_find_message(call, _thread(mock, call.path_params["thread_id"])))


def modify_message(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    with mock.state.lock:
        message = _find_message(call, _thread(mock, call.path_params["thread_id"]))
        if "metadata" in call.json:
            message["metadata"] = call.json["metadata"]
        return dict(message)


def delete_message(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    with mock.state.lock:
        record = _thread(mock, call.path_params["thread_id"])
        message = _find_message(call, record)
        record["messages"] = [m for m in record["messages"] if m["id"] != message["id"]]
    return {"id": message["id"], "object": "thread.message.deleted", "deleted": True}


def list_messages(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    record = _thread(mock, call.path_params["thread_id"])
    run_id = call.query.get("run_id")
    items = [dict(m) for m in record["messages"] if run_id is None or m["run_id"] == run_id]
    return paginate_query(items, call.query)


# -- runs ----------------------------------------------------------------------------------------


class RunMachine:
    """One run's state machine; ``events`` collects the stream events while a stream is open."""

    def __init__(
        self,
        mock: BehaviourContext,
        thread: dict[str, Any],
        run: dict[str, Any],
        scripted: Reply | None,
    ) -> None:
        self.mock = mock
        self.thread = thread
        self.run = run
        self.scripted = scripted
        self.steps: list[dict[str, Any]] = []
        self.tool_outputs: list[dict[str, Any]] = []
        self.events: list[Event] | None = None

    # -- planning --------------------------------------------------------------------------

    def function_tools(self) -> dict[str, Any]:
        return {
            str(t["function"]["name"]): t["function"].get("parameters")
            or {"type": "object", "properties": {}}
            for t in self.run["tools"]
            if isinstance(t, dict) and t.get("type") == "function" and "function" in t
        }

    def wanted_calls(self) -> list[ToolCall]:
        if self.tool_outputs:
            return []
        if self.scripted is not None and self.scripted.tool_calls:
            return list(self.scripted.tool_calls)
        if self.scripted is not None and self.scripted.run_status == "completed":
            return []
        tools = self.function_tools()
        choice = self.run.get("tool_choice")
        if not tools or choice == "none":
            return []
        if isinstance(choice, dict) and choice.get("type") == "function":
            return [ToolCall(str(choice["function"]["name"]))]
        return [ToolCall(next(iter(tools)))]

    def plan(self) -> list[str]:
        if self.scripted is not None and self.scripted.run_status in (
            "failed",
            "incomplete",
            "expired",
            "cancelled",
        ):
            return ["in_progress", self.scripted.run_status]
        if self.wanted_calls():
            return ["in_progress", "requires_action"]
        return ["in_progress", "completed"]

    # -- events ------------------------------------------------------------------------------

    def emit(self, name: str, data: dict[str, Any]) -> None:
        if self.events is not None:
            self.events.append((name, copy.deepcopy(data)))

    # -- entering statuses -----------------------------------------------------------------

    def enter(self, status: str) -> None:
        run = self.run
        now = _now(self.mock)
        if (
            status not in ("completed", "requires_action")
            and run["status"] == "cancelling"
            and status != "cancelled"
        ):
            return
        if status == "in_progress":
            run["status"] = "in_progress"
            run["started_at"] = run["started_at"] or now
            self.emit("thread.run.in_progress", run)
        elif status == "requires_action":
            self._require_action()
        elif status == "completed":
            self._complete()
        elif status == "failed":
            error = (self.scripted.error if self.scripted is not None else None) or {
                "code": "server_error",
                "message": "The run failed.",
            }
            self.fail(
                str(error.get("code", "server_error")), str(error.get("message", "The run failed."))
            )
        elif status == "incomplete":
            run.update(
                status="incomplete",
                incomplete_details={"reason": "max_completion_tokens"},
                completed_at=now,
            )
            self.emit("thread.run.incomplete", run)
        elif status == "expired":
            self._end_waiting_step("expired", now)
            run.update(status="expired", expires_at=now, required_action=None)
            self.emit("thread.run.expired", run)
        elif status == "cancelled":
            self._end_waiting_step("cancelled", now)
            run.update(status="cancelled", cancelled_at=now, required_action=None)
            self.emit("thread.run.cancelled", run)

    def _end_waiting_step(self, status: str, now: int) -> None:
        """A run cancelled or expired while it waited for tool outputs: the tool-call step it
        waited in ends the same way."""
        if self.run.get("required_action") and self.steps:
            step = self.steps[-1]
            if step.get("status") == "in_progress":
                step.update(status=status, **{f"{status}_at": now})

    def fail(self, code: str, message: str) -> None:
        if code not in ("server_error", "rate_limit_exceeded", "invalid_prompt"):
            code = "server_error"
        self.run.update(
            status="failed",
            failed_at=_now(self.mock),
            last_error={"code": code, "message": message},
        )
        self.emit("thread.run.failed", self.run)

    def _step(self, kind: str, details: dict[str, Any]) -> dict[str, Any]:
        step = {
            "id": self.mock.ids.next("step_"),
            "object": "thread.run.step",
            "created_at": _now(self.mock),
            "assistant_id": self.run["assistant_id"],
            "thread_id": self.run["thread_id"],
            "run_id": self.run["id"],
            "type": kind,
            "status": "in_progress",
            "step_details": details,
            "last_error": None,
            "expired_at": None,
            "cancelled_at": None,
            "failed_at": None,
            "completed_at": None,
            "metadata": {},
            "usage": None,
        }
        self.steps.append(step)
        self.emit("thread.run.step.created", step)
        self.emit("thread.run.step.in_progress", step)
        return step

    def _require_action(self) -> None:
        tools = self.function_tools()
        calls: list[dict[str, Any]] = []
        for position, wish in enumerate(self.wanted_calls()):
            arguments = wish.arguments
            if arguments is None:
                arguments = instance_or_error(
                    tools.get(wish.name, {"type": "object"}),
                    f"{wish.name}:{position}",
                    "tools",
                    f"function '{wish.name}'",
                )
            calls.append(
                {
                    "id": wish.id or self.mock.ids.next("call_"),
                    "type": "function",
                    "function": {
                        "name": wish.name,
                        "arguments": arguments
                        if isinstance(arguments, str)
                        else orjson.dumps(arguments).decode(),
                    },
                }
            )
        # The step starts without its calls and a stream carries each as a step delta, as
        # OpenAI's does (the SDKs' tool-call callbacks read the deltas); then the stored step
        # holds them all.
        step = self._step("tool_calls", {"type": "tool_calls", "tool_calls": []})
        for index, tool_call in enumerate(calls):
            function = tool_call["function"]
            opening = {**tool_call, "function": {**function, "arguments": "", "output": None}}
            arguments = {"type": "function", "function": {"arguments": function["arguments"]}}
            for part in (opening, arguments):  # the call, then its arguments
                details = {"type": "tool_calls", "tool_calls": [{"index": index, **part}]}
                self.emit(
                    "thread.run.step.delta",
                    {
                        "id": step["id"],
                        "object": "thread.run.step.delta",
                        "delta": {"step_details": details},
                    },
                )
        step["step_details"]["tool_calls"] = [
            {**c, "function": {**c["function"], "output": None}} for c in calls
        ]
        self.run["status"] = "requires_action"
        self.run["required_action"] = {
            "type": "submit_tool_outputs",
            "submit_tool_outputs": {"tool_calls": calls},
        }
        self.emit("thread.run.requires_action", self.run)

    def reply_text(self) -> str:
        if self.scripted is not None and self.scripted.content is not None:
            return self.scripted.content
        if self.tool_outputs:
            return text.tool_results_reply([str(o.get("output", "")) for o in self.tool_outputs])
        messages = self.thread["messages"]
        last_user = next((m for m in reversed(messages) if m["role"] == "user"), None)
        last_text = " ".join(
            p["text"]["value"]
            for p in (last_user or {}).get("content", [])
            if p.get("type") == "text"
        )
        history = [(m["role"], m["content"]) for m in messages]
        return text.default_reply(self.mock.seed, self.run["model"], history, last_text)

    def _complete(self) -> None:
        run = self.run
        now = _now(self.mock)
        reply = self.reply_text()
        message = _message(
            self.mock,
            run["thread_id"],
            "assistant",
            reply,
            assistant_id=run["assistant_id"],
            run_id=run["id"],
        )
        step = self._step(
            "message_creation",
            {"type": "message_creation", "message_creation": {"message_id": message["id"]}},
        )
        opened = {**message, "status": "in_progress", "content": [], "completed_at": None}
        self.emit("thread.message.created", opened)
        self.emit("thread.message.in_progress", opened)
        for piece in streams.split_text(reply):
            delta = {
                "content": [
                    {"index": 0, "type": "text", "text": {"value": piece, "annotations": []}}
                ]
            }
            self.emit(
                "thread.message.delta",
                {"id": message["id"], "object": "thread.message.delta", "delta": delta},
            )
        self.thread["messages"].append(message)
        self.emit("thread.message.completed", message)
        usage = step_usage(self.prompt_tokens(self.thread["messages"][:-1]), reply)
        step.update(status="completed", completed_at=now, usage=usage)
        self.emit("thread.run.step.completed", step)
        # The run's usage is its steps' (a tool-call step, then the message): all of them.
        steps = [s["usage"] for s in self.steps if s.get("usage")]
        total = {key: sum(u[key] for u in steps) for key in usage}
        run.update(status="completed", completed_at=now, required_action=None, usage=total)
        self.emit("thread.run.completed", run)

    @staticmethod
    def prompt_tokens(messages: list[dict[str, Any]]) -> int:
        """The prompt a step reads: the thread's messages, 3 tokens each and 3 to prime."""
        texts = (
            " ".join(p["text"]["value"] for p in m["content"] if p.get("type") == "text")
            for m in messages
        )
        return sum(text.count_tokens(t) + 3 for t in texts) + 3


def step_usage(prompt: int, written: str) -> dict[str, int]:
    """A completed step's usage: the prompt it read and the tokens it wrote."""
    completion = text.count_tokens(written)
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
    }


def _run_object(
    mock: BehaviourContext, thread_id: str, assistant: dict[str, Any], body: dict[str, Any]
) -> dict[str, Any]:
    now = _now(mock)
    instructions = body.get("instructions") or assistant.get("instructions") or ""
    if body.get("additional_instructions"):
        instructions = f"{instructions}\n{body['additional_instructions']}".strip()
    return {
        "id": mock.ids.next("run_"),
        "object": "thread.run",
        "created_at": now,
        "thread_id": thread_id,
        "assistant_id": assistant["id"],
        "status": "queued",
        "required_action": None,
        "last_error": None,
        "expires_at": now + RUN_EXPIRY_SECONDS,
        "started_at": None,
        "cancelled_at": None,
        "failed_at": None,
        "completed_at": None,
        "incomplete_details": None,
        "model": body.get("model") or assistant["model"],
        "instructions": instructions,
        "tools": body.get("tools") if body.get("tools") is not None else assistant.get("tools", []),
        "metadata": body.get("metadata") or {},
        "usage": None,
        "temperature": body.get("temperature", assistant.get("temperature", 1.0)),
        "top_p": body.get("top_p", assistant.get("top_p", 1.0)),
        "max_prompt_tokens": body.get("max_prompt_tokens"),
        "max_completion_tokens": body.get("max_completion_tokens"),
        "truncation_strategy": body.get("truncation_strategy")
        or {"type": "auto", "last_messages": None},
        "tool_choice": body.get("tool_choice") or "auto",
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "response_format": body.get("response_format")
        or assistant.get("response_format")
        or "auto",
    }


def _start_run(
    call: Call, mock: BehaviourContext, record: dict[str, Any], prelude: list[Event]
) -> MockResponse | dict[str, Any]:
    body = call.json
    if any(
        r["run"]["status"] in ("queued", "in_progress", "requires_action")
        for r in record["runs"].values()
    ):
        raise invalid_request(
            f"Thread {record['thread']['id']} already has an active run.", "thread_id"
        )
    assistant = _assistant(mock, body["assistant_id"])
    for raw in body.get("additional_messages") or []:
        record["messages"].append(
            _message(
                mock,
                record["thread"]["id"],
                raw["role"],
                raw["content"],
                attachments=raw.get("attachments"),
                metadata=raw.get("metadata"),
            )
        )
    run = _run_object(mock, record["thread"]["id"], assistant, body)
    machine = RunMachine(mock, record, run, call.scripted)
    record["runs"][run["id"]] = {"run": run, "machine": machine}
    mock.lifecycles.track(
        run["id"],
        "queued",
        machine.plan(),
        machine.enter,
        machine.fail,
        lambda: _cancelling(mock, machine),
    )
    return _answer(
        call,
        mock,
        machine,
        [
            *prelude,
            ("thread.run.created", copy.deepcopy(run)),
            ("thread.run.queued", copy.deepcopy(run)),
        ],
    )


def _answer(
    call: Call, mock: BehaviourContext, machine: RunMachine, opening: list[Event]
) -> MockResponse | dict[str, Any]:
    """A run's JSON now, or its stream: the run moves to its next stop while the events are
    collected."""
    if not call.wants_stream:
        return dict(machine.run)
    machine.events = list(opening)
    tracked = mock.lifecycles.get(machine.run["id"])
    while tracked is not None and not tracked.done:
        mock.lifecycles.advance(machine.run["id"])
    events, machine.events = machine.events, None
    return stream_response(streams.assistants_stream(events))


def _cancelling(mock: BehaviourContext, machine: RunMachine) -> None:
    machine.run["status"] = "cancelling"
    mock.lifecycles.track(machine.run["id"], "cancelling", ["cancelled"], machine.enter)


def create_run(call: Call, mock: BehaviourContext) -> MockResponse | dict[str, Any]:
    with mock.state.lock:
        record = _thread(mock, call.path_params["thread_id"])
        return _start_run(call, mock, record, [])


def create_thread_and_run(call: Call, mock: BehaviourContext) -> MockResponse | dict[str, Any]:
    body = call.json
    with mock.state.lock:
        _assistant(mock, body["assistant_id"])
        record = _new_thread(mock, body.get("thread") or {})
        return _start_run(call, mock, record, [("thread.created", copy.deepcopy(record["thread"]))])


def _run_record(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    record = _thread(mock, call.path_params["thread_id"])
    run_id = call.path_params["run_id"]
    found: dict[str, Any] | None = record["runs"].get(run_id)
    if found is None:
        raise not_found(f"No run found with id '{run_id}'.", "run_id")
    return found


def _expire_if_due(mock: BehaviourContext, run: dict[str, Any]) -> dict[str, Any]:
    """Past ``expires_at``, a run not yet ended (waiting for tool outputs included) expires."""
    tracked = mock.lifecycles.get(run["id"])
    if (
        tracked is not None
        and (not tracked.done or run["status"] == "requires_action")
        and _now(mock) >= run["expires_at"]
        and run["status"] != "cancelling"
    ):
        mock.lifecycles.set_path(run["id"], ["expired"])
        mock.lifecycles.poll(run["id"])  # moved as the lifecycle policy moves it
    return run


def get_run(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    with mock.state.lock:
        found = _run_record(call, mock)
        run = _expire_if_due(mock, found["run"])
        mock.lifecycles.poll(run["id"])
        return dict(run)


def list_runs(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    record = _thread(mock, call.path_params["thread_id"])
    return paginate_query([dict(r["run"]) for r in record["runs"].values()], call.query)


def modify_run(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    with mock.state.lock:
        run = _run_record(call, mock)["run"]
        if "metadata" in call.json:
            run["metadata"] = call.json["metadata"]
        return dict(run)


def cancel_run(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    with mock.state.lock:
        run = _expire_if_due(mock, _run_record(call, mock)["run"])
        if run["status"] not in ("queued", "in_progress", "requires_action"):
            raise invalid_request(f"Cannot cancel run with status '{run['status']}'.", "run_id")
        # A run waiting for tool outputs is at the end of its planned path, yet cancellable.
        mock.lifecycles.cancel(run["id"], waiting=("requires_action",))
        return dict(run)


def submit_tool_outputs(call: Call, mock: BehaviourContext) -> MockResponse | dict[str, Any]:
    body = call.json
    with mock.state.lock:
        found = _run_record(call, mock)
        run = _expire_if_due(mock, found["run"])
        machine: RunMachine = found["machine"]
        if run["status"] != "requires_action":
            raise invalid_request(
                f'Runs in status "{run["status"]}" do not accept tool outputs.', "run_id"
            )
        expected = {c["id"] for c in run["required_action"]["submit_tool_outputs"]["tool_calls"]}
        given = {o.get("tool_call_id") for o in body["tool_outputs"]}
        if given != expected:
            missing = sorted(expected - given)
            detail = f"Expected tool outputs for call_ids {sorted(expected)}, got {sorted(str(g) for g in given)}."
            raise invalid_request(
                detail if not missing else f"Missing tool outputs for {missing}. {detail}",
                "tool_outputs",
            )
        machine.tool_outputs = list(body["tool_outputs"])
        outputs = {o["tool_call_id"]: o.get("output") for o in body["tool_outputs"]}
        step = machine.steps[-1]
        for tool_call in step["step_details"]["tool_calls"]:
            tool_call["function"]["output"] = outputs.get(tool_call["id"])
        arguments = " ".join(c["function"]["arguments"] for c in step["step_details"]["tool_calls"])
        usage = step_usage(machine.prompt_tokens(machine.thread["messages"]), arguments)
        step.update(status="completed", completed_at=_now(mock), usage=usage)
        run.update(status="queued", required_action=None)
        machine.scripted = call.scripted or (
            machine.scripted if machine.scripted and not machine.scripted.tool_calls else None
        )
        mock.lifecycles.set_path(run["id"], ["in_progress", "completed"])
        return _answer(
            call,
            mock,
            machine,
            [
                ("thread.run.step.completed", copy.deepcopy(step)),
                ("thread.run.queued", copy.deepcopy(run)),
            ],
        )


def list_steps(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    machine: RunMachine = _run_record(call, mock)["machine"]
    return paginate_query([dict(s) for s in machine.steps], call.query)


def get_step(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    machine: RunMachine = _run_record(call, mock)["machine"]
    step_id = call.path_params["step_id"]
    for step in machine.steps:
        if step["id"] == step_id:
            return dict(step)
    raise not_found(f"No run step found with id '{step_id}'.", "step_id")


OPERATIONS: dict[str, Behaviour] = {
    "createAssistant": create_assistant,
    "getAssistant": get_assistant,
    "modifyAssistant": modify_assistant,
    "deleteAssistant": delete_assistant,
    "listAssistants": list_assistants,
    "createThread": create_thread,
    "getThread": get_thread,
    "modifyThread": modify_thread,
    "deleteThread": delete_thread,
    "createMessage": create_message,
    "getMessage": get_message,
    "modifyMessage": modify_message,
    "deleteMessage": delete_message,
    "listMessages": list_messages,
    "createRun": create_run,
    "createThreadAndRun": create_thread_and_run,
    "getRun": get_run,
    "listRuns": list_runs,
    "modifyRun": modify_run,
    "cancelRun": cancel_run,
    "submitToolOuputsToRun": submit_tool_outputs,
    "listRunSteps": list_steps,
    "getRunStep": get_step,
}
