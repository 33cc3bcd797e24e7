"""Scripted replies and faults: what the fake answers instead of its default.

A :class:`Rule` matches requests (by operation, model, message content, or any predicate) and
carries either a :class:`Reply` (what a generative answer says: text, tool calls, a refusal,
structured output, stream pacing) or a :class:`Fault` (an error status with its headers, a
delay, a dropped connection, a truncated or malformed body, a stream cut after N events). Rules
are used in the order they were added, each ``times`` times (``None``: forever).

>>> from oai_mock import OpenAIMock
>>> from oai_mock.mockserver.scenario import Fault, Reply, Rule
>>> mock = OpenAIMock()
>>> mock.scenario.add(Rule(Fault(429, headers={"retry-after-ms": "10"}), times=2))
>>> mock.scenario.add(Rule(Reply(content="Hi there"), operation="createChatCompletion"))
"""

from __future__ import annotations

import itertools
import threading
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from oai_mock.spec import Operation


@dataclass(frozen=True)
class ToolCall:
    """A tool call a scripted reply makes. ``arguments`` left as None are generated from the
    tool's ``parameters`` schema."""

    name: str
    arguments: Mapping[str, Any] | str | None = None
    id: str | None = None


@dataclass(frozen=True)
class Reply:
    """What a generative answer says. Each behaviour uses the fields that fit its API."""

    content: str | None = None
    tool_calls: Sequence[ToolCall] = ()
    refusal: str | None = None
    json: Any = None
    """Structured output: sent as the JSON text of this value."""
    finish_reason: str | None = None
    chunk_delay: float = 0.0
    """Seconds between stream events."""
    run_status: str | None = None
    """Assistants runs: ``completed``, ``requires_action``, ``failed``, ``incomplete``, ..."""
    error: Mapping[str, Any] | None = None
    """Assistants runs and batches: the ``last_error`` / failure to report."""


@dataclass(frozen=True)
class Fault:
    """A transport or HTTP failure, answered instead of the operation's result."""

    status: int | None = 500
    """Error status; None keeps the normal answer (for delays, cuts and drops alone)."""
    message: str | None = None
    type: str | None = None
    code: str | None = None
    param: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    """Seconds before the answer (a client with a shorter read timeout times out)."""
    drop: bool = False
    """Drop the connection instead of answering."""
    body: bytes | None = None
    """Raw body to send instead of OpenAI's error envelope (plain text, HTML, ...)."""
    malformed_json: bool = False
    """Send a body that is not valid JSON."""
    truncate_at: int | None = None
    """Send this many bytes of the normal body, then drop the connection."""
    cut_stream_after: int | None = None
    """Send this many stream events of the normal answer, then drop the connection."""


_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
FRAMING_HEADERS = frozenset({"content-length", "transfer-encoding", "connection"})
"""Headers the server writes from the answer itself: a fault may not set them."""


def header_problem(name: Any, value: Any) -> str | None:
    """Why a fault's header cannot be sent as given, or None: a name of HTTP token characters,
    a value of one line of Latin-1 text, and none of the headers that frame the answer."""
    if not isinstance(name, str) or not name or not set(name) <= _TOKEN:
        return (
            f"header name {name!r} is not an HTTP header name (letters, digits and -_.!#$%&'*+^`|~)"
        )
    if name.lower() in FRAMING_HEADERS:
        return f"header {name!r} frames the answer: the server sets it, a fault may not"
    if not isinstance(value, str):
        return f"header {name!r} must have a text value, not {value!r}"
    if any(ch in "\r\n\0" or ord(ch) > 255 for ch in value):
        return f"header {name!r} has a value HTTP cannot carry (a line break, or beyond Latin-1)"
    return None


class ParsedRequest(Protocol):
    """What a rule reads of a parsed request (``oai_mock.mockserver.requests.Call``)."""

    @property
    def operation(self) -> Operation: ...

    @property
    def json(self) -> Mapping[str, Any]: ...


Predicate = Callable[[Any], bool]
"""Takes the parsed request (a ``oai_mock.mockserver.requests.Call``)."""


class PredicateError(Exception):
    """A rule's ``where=`` predicate raised: the test's code failed, not the fake."""

    def __init__(self, rule: Rule, error: Exception) -> None:
        super().__init__(
            f"the where= predicate of {rule.id} raised {type(error).__name__}: {error}"
        )
        self.rule = rule
        self.error = error


@dataclass
class Rule:
    action: Reply | Fault
    operation: str | tuple[str, ...] | None = None
    """operationId (``createChatCompletion``) or snake_case name, or several; None matches
    every operation."""
    model: str | None = None
    contains: str | None = None
    """Matches when the request's messages / input / prompt contain this text."""
    predicate: Predicate | None = None
    times: int | None = 1
    used: int = 0
    name: str | None = None
    """A label shown by the control API, the inspector and the logs."""
    id: str = ""
    """Given by :meth:`Scenario.add` (``rule_1``, ``rule_2``...) when left empty."""
    source: str = "python"
    """Where the rule came from: ``python``, a scenario file's path, or ``api``."""

    def matches(self, call: ParsedRequest) -> bool:
        op = call.operation
        if self.operation is not None:
            wanted = (self.operation,) if isinstance(self.operation, str) else self.operation
            if op.id not in wanted and op.name not in wanted:
                return False
        if self.model is not None and call.json.get("model") != self.model:
            return False
        if self.contains is not None and self.contains not in request_text(call.json):
            return False
        if self.predicate is None:
            return True
        try:
            return bool(self.predicate(call))
        except Exception as error:
            raise PredicateError(self, error) from error

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.used >= self.times


def request_text(body: Mapping[str, Any]) -> str:
    """All the text a request sends: messages, input, prompt, instructions."""
    parts: list[str] = []

    def collect(value: Any) -> None:
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):
            for item in value:
                collect(item)
        elif isinstance(value, dict):
            for key in ("content", "text", "input", "output"):
                if key in value:
                    collect(value[key])

    for key in ("messages", "input", "prompt", "instructions"):
        collect(body.get(key))
    return "\n".join(parts)


KEPT_PREDICATE_ERRORS = 100


class Scenario:
    """The rules of one mock, thread-safe."""

    def __init__(self) -> None:
        self._rules: list[Rule] = []
        self._lock = threading.Lock()
        self._numbers = itertools.count(1)
        self._predicate_errors: deque[PredicateError] = deque(maxlen=KEPT_PREDICATE_ERRORS)

    def add(self, rule: Rule) -> Rule:
        with self._lock:
            self._number(rule)
            self._rules.append(rule)
        return rule

    def add_all(self, rules: Sequence[Rule]) -> list[Rule]:
        """Add several rules as one step: no request sees only some of them."""
        with self._lock:
            for rule in rules:
                self._number(rule)
            self._rules.extend(rules)
        return list(rules)

    def replace(self, source: str, rules: Sequence[Rule]) -> None:
        """Swap the rules that came from ``source`` (a reloaded scenario file) for ``rules``,
        where the old ones stood; rules from elsewhere keep their place and use counts."""
        with self._lock:
            positions = [n for n, rule in enumerate(self._rules) if rule.source == source]
            at = positions[0] if positions else len(self._rules)
            kept = [rule for rule in self._rules if rule.source != source]
            for rule in rules:
                self._number(rule)
            at = min(at, len(kept))
            self._rules = [*kept[:at], *rules, *kept[at:]]

    def remove(self, rule_id: str) -> Rule | None:
        """Remove one rule by id; the removed rule, or None when there is none."""
        with self._lock:
            for n, rule in enumerate(self._rules):
                if rule.id == rule_id:
                    return self._rules.pop(n)
        return None

    def _number(self, rule: Rule) -> None:
        if not rule.id:
            rule.id = f"rule_{next(self._numbers)}"

    def take(self, call: ParsedRequest) -> Rule | None:
        """The first rule with uses left that matches ``call``, counted as used. A ``where=``
        that raises is kept (see :meth:`predicate_errors`) and raised as
        :class:`PredicateError`."""
        with self._lock:
            try:
                for rule in self._rules:
                    if not rule.exhausted and rule.matches(call):
                        rule.used += 1
                        return rule
            except PredicateError as error:
                self._predicate_errors.append(error)
                raise
        return None

    def predicate_errors(self) -> list[PredicateError]:
        """The last times a rule's ``where=`` raised (its request got a 500 saying so), oldest
        first; the pytest plugin fails the test with them. At most ``KEPT_PREDICATE_ERRORS``:
        each holds its traceback, and with it the frames of the request it failed."""
        with self._lock:
            return list(self._predicate_errors)

    def rules(self) -> list[Rule]:
        with self._lock:
            return list(self._rules)

    def unused(self) -> list[Rule]:
        """Rules that still expect requests: a finite ``times`` not used up, or a rule for every
        matching request (``times=None``) that no request used."""
        with self._lock:
            return [r for r in self._rules if r.used < (1 if r.times is None else r.times)]

    def clear(self) -> None:
        with self._lock:
            self._rules.clear()
            self._predicate_errors.clear()
