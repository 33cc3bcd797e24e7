"""The scripting API: ``mock.on(...)`` then what to answer.

>>> from oai_mock import OpenAIMock
>>> mock = OpenAIMock()
>>> rule = mock.on("chat", contains="weather").reply("Sunny.")
>>> _ = mock.on("embeddings", times=2).fail(429, retry_after_ms=10)
>>> _ = mock.on("chat").stream("Hi there", chunk_delay=0.01)
>>> _ = mock.on("runs").requires_action(("get_weather", {"city": "Paris"}))
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

from oai_mock.mockserver.operation_names import ALIASES as ALIASES
from oai_mock.mockserver.operation_names import display, resolve
from oai_mock.mockserver.scenario import (
    Fault,
    Predicate,
    Reply,
    Rule,
    Scenario,
    ToolCall,
    header_problem,
)
from oai_mock.spec import Bundle


class Scriptable(Protocol):
    """What scripting needs of the fake: its operations and the scenario rules go to."""

    bundle: Bundle
    scenario: Scenario


ToolCallLike = ToolCall | str | tuple[str, Mapping[str, Any] | str]


REPLY_OPERATIONS = frozenset(
    {
        "createChatCompletion",
        "createCompletion",
        "createResponse",
        "beta_createResponse",
        "createTranscription",
        "createTranslation",
        "createRun",
        "createThreadAndRun",
        "submitToolOuputsToRun",
    }
)
"""The operations whose answer a scripted reply shapes (text, tool calls, a refusal, structured
output, a run's outcome); ``tests/test_scripting_arguments.py`` checks each against the bundle."""


def reply_problem(operations: tuple[str, ...] | None) -> str | None:
    """Why a scripted reply for ``operations`` would change nothing, or None (it would be used
    up by their requests, whose answers take no reply)."""
    if operations is None or not REPLY_OPERATIONS.isdisjoint(operations):
        return None
    return (
        f"would change nothing: {display(operations)} answers take no scripted reply (replies "
        "script chat, completions, responses, audio transcriptions and translations, and "
        "assistants runs)"
    )


def _tool_call(value: Any) -> ToolCall:
    if isinstance(value, ToolCall):
        return value
    if isinstance(value, str) and value:
        return ToolCall(value)
    if (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], str)
        and value[0]
        and isinstance(value[1], (Mapping, str))
    ):
        return ToolCall(value[0], value[1])
    raise ValueError(
        f"a tool call is a name, a (name, arguments) pair with arguments as a dict or JSON "
        f"text, or a ToolCall; not {value!r}"
    )


def _seconds(name: str, value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1e9:
        raise ValueError(f"{name} must be a number of seconds, 0 or more, not {value!r}")
    return float(value)


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{name} must be a whole number, 0 or more, not {value!r}")
    return value


def _text(name: str, value: Any) -> str | None:
    if value is not None and not isinstance(value, str):
        raise ValueError(f"{name} must be text (a str), not {value!r}")
    return value


def _error_status(value: Any, *, optional: bool = False) -> int | None:
    if optional and value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 400 <= value <= 599:
        raise ValueError(f"the status must be an error status, 400 to 599, not {value!r}")
    return value


class RuleBuilder:
    """What ``mock.on(...)`` returns: each method adds one rule and returns it."""

    def __init__(
        self,
        mock: Scriptable,
        operations: tuple[str, ...] | None,
        model: str | None,
        contains: str | None,
        where: Predicate | None,
        times: int | None,
    ) -> None:
        self._mock = mock
        self._operations = operations
        self._model = model
        self._contains = contains
        self._where = where
        self._times = times

    def _add(self, action: Reply | Fault) -> Rule:
        rule = Rule(action, self._operations, self._model, self._contains, self._where, self._times)
        return self._mock.scenario.add(rule)

    def _reply(self, verb: str, reply: Reply) -> Rule:
        """Add a reply rule, refused when none of its operations takes a scripted reply (it would
        be used up and change nothing)."""
        problem = reply_problem(self._operations)
        if problem is not None:
            named = display(self._operations or ())
            raise ValueError(
                f"on({named!r}).{verb}(...) {problem}; for other operations script a fault "
                "(fail, delay, drop, ...) or pass behaviours= to OpenAIMock"
            )
        return self._add(reply)

    def _streaming(self, verb: str) -> None:
        """Refuse a stream fault on operations that never stream."""
        operations = self._operations
        if operations is None:
            return
        if all(self._mock.bundle.operation(op).streaming is None for op in operations):
            named = display(operations)
            raise ValueError(
                f"on({named!r}).{verb}(...) would change nothing: {named} never streams"
            )

    # -- replies -------------------------------------------------------------------------------

    def reply(
        self,
        content: str | None = None,
        *,
        tool_calls: list[ToolCallLike] | None = None,
        refusal: str | None = None,
        json: Any = None,
        finish_reason: str | None = None,
        chunk_delay: float = 0.0,
    ) -> Rule:
        """Answer with this text (or tool calls, a refusal, structured output)."""
        if tool_calls is not None and not isinstance(tool_calls, (list, tuple)):
            raise ValueError(f"tool_calls must be a list of tool calls, not {tool_calls!r}")
        calls = tuple(_tool_call(c) for c in tool_calls or ())
        reply = Reply(
            _text("content", content),
            calls,
            _text("refusal", refusal),
            json,
            _text("finish_reason", finish_reason),
            _seconds("chunk_delay", chunk_delay),
        )
        return self._reply("reply", reply)

    def stream(self, content: str, chunk_delay: float = 0.0) -> Rule:
        """Answer with this text; when the request streams, wait ``chunk_delay`` between events."""
        reply = Reply(_text("content", content), chunk_delay=_seconds("chunk_delay", chunk_delay))
        return self._reply("stream", reply)

    def call_tools(self, *calls: ToolCallLike) -> Rule:
        """Answer with tool calls: names, ``(name, arguments)`` pairs or :class:`ToolCall`.
        Arguments left out are generated from the tool's schema."""
        if not calls:
            raise ValueError("call_tools needs at least one tool call (a name)")
        return self._reply("call_tools", Reply(tool_calls=tuple(_tool_call(c) for c in calls)))

    def refuse(self, refusal: str = "I'm sorry, I can't help with that.") -> Rule:
        """Answer with a refusal (chat's ``message.refusal``, a Responses refusal part)."""
        return self._reply("refuse", Reply(refusal=_text("refusal", refusal)))

    def structured(self, value: Any) -> Rule:
        """Answer with this value as the JSON text of a structured output."""
        return self._reply("structured", Reply(json=value))

    # -- assistants runs ---------------------------------------------------------------------

    def requires_action(self, *calls: ToolCallLike) -> Rule:
        """The run stops in ``requires_action`` with these tool calls."""
        if not calls:
            raise ValueError("requires_action needs at least one tool call (a name)")
        tool_calls = tuple(_tool_call(c) for c in calls)
        return self._reply("requires_action", Reply(tool_calls=tool_calls))

    def completes(self, content: str) -> Rule:
        """The run completes with this assistant message."""
        reply = Reply(content=_text("content", content), run_status="completed")
        return self._reply("completes", reply)

    def fails(self, code: str = "server_error", message: str = "The run failed.") -> Rule:
        """The run fails with this ``last_error``."""
        error = {"code": _text("code", code), "message": _text("message", message)}
        return self._reply("fails", Reply(run_status="failed", error=error))

    # -- faults ------------------------------------------------------------------------------

    def fail(
        self,
        status: int = 500,
        *,
        message: str | None = None,
        type: str | None = None,
        code: str | None = None,
        param: str | None = None,
        retry_after: float | str | None = None,
        retry_after_ms: int | None = None,
        should_retry: bool | None = None,
        headers: Mapping[str, str] | None = None,
        body: bytes | str | None = None,
    ) -> Rule:
        """Answer an error in OpenAI's envelope (or ``body`` as given), with the retry headers
        the SDKs read."""
        _error_status(status)
        for name, value in (("message", message), ("type", type), ("code", code), ("param", param)):
            _text(name, value)
        if headers is not None and not isinstance(headers, Mapping):
            raise ValueError(f"headers must map names to text values, not {headers!r}")
        for name, value in (headers or {}).items():
            problem = header_problem(name, value)
            if problem is not None:
                raise ValueError(problem)
        all_headers = dict(headers or {})
        if retry_after is not None:
            if not isinstance(retry_after, str) or not retry_after:
                _seconds("retry_after", retry_after)
            all_headers["retry-after"] = str(retry_after)
        if retry_after_ms is not None:
            all_headers["retry-after-ms"] = str(_count("retry_after_ms", retry_after_ms))
        if should_retry is not None:
            if not isinstance(should_retry, bool):
                raise ValueError(f"should_retry must be True or False, not {should_retry!r}")
            all_headers["x-should-retry"] = "true" if should_retry else "false"
        if body is not None and not isinstance(body, (bytes, str)):
            raise ValueError(f"body must be bytes or text, not {body!r}")
        raw = body.encode() if isinstance(body, str) else body
        return self._add(Fault(status, message, type, code, param, all_headers, body=raw))

    def rate_limit(self, retry_after_ms: int | None = None, *, quota: bool = False) -> Rule:
        """A 429: rate limited (retried by the SDKs), or ``quota=True`` for
        ``insufficient_quota``, which, like an exhausted quota, answers every matching request
        until the rule is removed (``mock.scenario.remove(rule.id)``)."""
        if retry_after_ms is not None:
            _count("retry_after_ms", retry_after_ms)
        if quota:
            self._times = None
            return self.fail(
                429,
                message="You exceeded your current quota, please check your plan and billing details.",
                type="insufficient_quota",
                code="insufficient_quota",
            )
        return self.fail(429, retry_after_ms=retry_after_ms)

    def delay(self, seconds: float) -> Rule:
        """Answer normally, after ``seconds``."""
        return self._add(Fault(None, delay=_seconds("delay", seconds)))

    def timeout(self, seconds: float = 600.0) -> Rule:
        """Answer only after ``seconds``: a client with a shorter read timeout times out."""
        return self._add(Fault(None, delay=_seconds("timeout", seconds)))

    def drop(self) -> Rule:
        """Drop the connection instead of answering."""
        return self._add(Fault(None, drop=True))

    def cut_stream(self, after: int) -> Rule:
        """Stream ``after`` events of the normal answer, then drop the connection."""
        self._streaming("cut_stream")
        return self._add(Fault(None, cut_stream_after=_count("after", after)))

    def truncate(self, at: int) -> Rule:
        """Send the first ``at`` bytes of the normal body, then drop the connection."""
        return self._add(Fault(None, truncate_at=_count("at", at)))

    def malformed(self, status: int | None = None) -> Rule:
        """Send a body that is not valid JSON (the normal answer cut in half, or an error
        status with a broken envelope)."""
        return self._add(Fault(_error_status(status, optional=True), malformed_json=True))


def resolve_operations(mock: Scriptable, operation: str | None) -> tuple[str, ...] | None:
    """An alias, an operationId or a snake_case name -> operationIds; a clear error otherwise."""
    if operation is None:
        return None
    return resolve(mock.bundle, operation)


# The body fields ``contains`` reads (see scenario.request_text).
TEXT_FIELDS = ("messages", "input", "prompt", "instructions")


def body_fields(bundle: Bundle, operation_id: str) -> set[str]:
    """The top-level fields an operation's request body can carry (any content type)."""
    body = bundle.operation(operation_id).body
    fields: set[str] = set()
    if body is None:
        return fields
    pending = list(body.schemas.values())
    for _ in range(200):  # bounded: combinators nest, refs may loop
        if not pending:
            break
        schema = bundle.refs.resolve(pending.pop())
        fields.update(schema.get("properties") or {})
        for key in ("allOf", "anyOf", "oneOf"):
            pending.extend(s for s in schema.get(key) or () if isinstance(s, dict))
    return fields


def _check_filters(
    mock: Scriptable,
    operations: tuple[str, ...] | None,
    model: Any,
    contains: Any,
    where: Any,
    times: Any,
) -> None:
    """A rule that could never match, or a filter of the wrong type: one clear ValueError."""
    if times is not None and (isinstance(times, bool) or not isinstance(times, int) or times < 1):
        raise ValueError("times must be a positive number, or None for every matching request")
    for name, value in (("model", model), ("contains", contains)):
        if value is not None and (not isinstance(value, str) or not value):
            raise ValueError(f"{name} must be a non-empty string, not {value!r}")
    if where is not None and not callable(where):
        raise ValueError(f"where must be a function of the request, not {where!r}")
    if operations is None:
        return
    fields = [body_fields(mock.bundle, op) for op in operations]
    named = display(operations)
    if model is not None and not any("model" in f for f in fields):
        raise ValueError(
            f"on({named!r}, model={model!r}) could never match: {named} requests carry no model"
        )
    if contains is not None and not any(f & set(TEXT_FIELDS) for f in fields):
        raise ValueError(
            f"on({named!r}, contains={contains!r}) could never match: {named} requests carry "
            f"no {', '.join(TEXT_FIELDS)}"
        )


def on(
    mock: Scriptable,
    operation: str | None = None,
    *,
    model: str | None = None,
    contains: str | None = None,
    where: Callable[[Any], bool] | None = None,
    times: int | None = 1,
) -> RuleBuilder:
    operations = resolve_operations(mock, operation)
    _check_filters(mock, operations, model, contains, where, times)
    return RuleBuilder(mock, operations, model, contains, where, times)
