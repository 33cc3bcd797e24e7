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
from oai_mock.mockserver.scenario import Fault, Predicate, Reply, Rule, Scenario, ToolCall
from oai_mock.spec import Bundle


class Scriptable(Protocol):
    """What scripting needs of the fake: its operations and the scenario rules go to."""

    bundle: Bundle
    scenario: Scenario


ToolCallLike = ToolCall | str | tuple[str, Mapping[str, Any] | str]


def _tool_call(value: ToolCallLike) -> ToolCall:
    if isinstance(value, ToolCall):
        return value
    if isinstance(value, str):
        return ToolCall(value)
    name, arguments = value
    return ToolCall(name, arguments)


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
        calls = tuple(_tool_call(c) for c in tool_calls or ())
        return self._add(Reply(content, calls, refusal, json, finish_reason, chunk_delay))

    def stream(self, content: str, chunk_delay: float = 0.0) -> Rule:
        """Answer with this text; when the request streams, wait ``chunk_delay`` between events."""
        return self._add(Reply(content, chunk_delay=chunk_delay))

    def call_tools(self, *calls: ToolCallLike) -> Rule:
        """Answer with tool calls: names, ``(name, arguments)`` pairs or :class:`ToolCall`.
        Arguments left out are generated from the tool's schema."""
        return self._add(Reply(tool_calls=tuple(_tool_call(c) for c in calls)))

    def refuse(self, refusal: str = "I'm sorry, I can't help with that.") -> Rule:
        return self._add(Reply(refusal=refusal))

    def structured(self, value: Any) -> Rule:
        """Answer with this value as the JSON text of a structured output."""
        return self._add(Reply(json=value))

    # -- assistants runs ---------------------------------------------------------------------

    def requires_action(self, *calls: ToolCallLike) -> Rule:
        """The run stops in ``requires_action`` with these tool calls."""
        return self._add(Reply(tool_calls=tuple(_tool_call(c) for c in calls)))

    def completes(self, content: str) -> Rule:
        """The run completes with this assistant message."""
        return self._add(Reply(content=content, run_status="completed"))

    def fails(self, code: str = "server_error", message: str = "The run failed.") -> Rule:
        """The run fails with this ``last_error``."""
        return self._add(Reply(run_status="failed", error={"code": code, "message": message}))

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
        all_headers = dict(headers or {})
        if retry_after is not None:
            all_headers["retry-after"] = str(retry_after)
        if retry_after_ms is not None:
            all_headers["retry-after-ms"] = str(retry_after_ms)
        if should_retry is not None:
            all_headers["x-should-retry"] = "true" if should_retry else "false"
        raw = body.encode() if isinstance(body, str) else body
        return self._add(Fault(status, message, type, code, param, all_headers, body=raw))

    def rate_limit(self, retry_after_ms: int | None = None, *, quota: bool = False) -> Rule:
        """A 429: rate limited (retried by the SDKs), or ``quota=True`` for
        ``insufficient_quota``, which, like an exhausted quota, answers every matching request
        until the rule is removed (``mock.scenario.remove(rule.id)``)."""
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
        return self._add(Fault(None, delay=seconds))

    def timeout(self, seconds: float = 600.0) -> Rule:
        """Answer only after ``seconds``: a client with a shorter read timeout times out."""
        return self._add(Fault(None, delay=seconds))

    def drop(self) -> Rule:
        """Drop the connection instead of answering."""
        return self._add(Fault(None, drop=True))

    def cut_stream(self, after: int) -> Rule:
        """Stream ``after`` events of the normal answer, then drop the connection."""
        return self._add(Fault(None, cut_stream_after=after))

    def truncate(self, at: int) -> Rule:
        """Send the first ``at`` bytes of the normal body, then drop the connection."""
        return self._add(Fault(None, truncate_at=at))

    def malformed(self, status: int | None = None) -> Rule:
        """Send a body that is not valid JSON (the normal answer cut in half, or an error
        status with a broken envelope)."""
        return self._add(Fault(status, malformed_json=True))


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
