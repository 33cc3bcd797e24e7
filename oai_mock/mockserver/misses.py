"""Why a scripted rule did not answer a request, in words a test's failure can show.

>>> from oai_mock import OpenAIMock
>>> mock = OpenAIMock()
>>> _ = mock.on("chat", model="gpt-4o", contains="weather").reply("Sunny.")
>>> _ = mock.request("POST", "/v1/chat/completions", json={
...     "model": "gpt-4o-mini", "messages": [{"role": "user", "content": "What time is it?"}]})
>>> print("\\n".join(unused_rule_problems(mock)))
a scripted rule was used 0 of 1 times: on('chat', model='gpt-4o', contains='weather').reply('Sunny.')
    POST /v1/chat/completions did not match: model: sent 'gpt-4o-mini', rule wants 'gpt-4o'; contains: 'weather' not in the last user message 'What time is it?'
"""

from __future__ import annotations

import traceback
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from oai_mock.mockserver.operation_names import display
from oai_mock.mockserver.scenario import (
    KEPT_PREDICATE_ERRORS,
    Fault,
    PredicateError,
    Reply,
    Rule,
    request_text,
)

if TYPE_CHECKING:
    from oai_mock.mockserver.engine import OpenAIMock
    from oai_mock.mockserver.journal import JournalEntry

SHOWN = 80
"""Characters of a message a line quotes before it cuts with an ellipsis."""


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= SHOWN else text[: SHOWN - 3] + "...")


def _operations(rule: Rule) -> tuple[str, ...] | None:
    if rule.operation is None:
        return None
    return (rule.operation,) if isinstance(rule.operation, str) else tuple(rule.operation)


def describe_action(action: Reply | Fault) -> str:
    """``reply('Sunny.')``, ``call_tools('get_weather')``, ``fail(429)``, ``drop()``, ..."""
    if isinstance(action, Reply):
        if action.tool_calls:
            return f"call_tools({', '.join(repr(c.name) for c in action.tool_calls)})"
        if action.refusal is not None:
            return f"refuse({action.refusal!r})"
        if action.json is not None:
            return f"structured({action.json!r})"
        if action.run_status is not None:
            return f"run {action.run_status}"
        return f"reply({action.content!r})" if action.content is not None else "reply()"
    if action.drop:
        return "drop()"
    if action.cut_stream_after is not None:
        return f"cut_stream(after={action.cut_stream_after})"
    if action.truncate_at is not None:
        return f"truncate(at={action.truncate_at})"
    if action.malformed_json:
        return "malformed()"
    if action.status is None:
        return f"delay({action.delay})"
    return f"fail({action.status})"


def describe_rule(rule: Rule) -> str:
    """The rule as the call that scripts it: ``on('chat', model='gpt-4o').reply('Hi')``."""
    operations = _operations(rule)
    args = [repr(display(operations))] if operations is not None else []
    if rule.model is not None:
        args.append(f"model={rule.model!r}")
    if rule.contains is not None:
        args.append(f"contains={rule.contains!r}")
    if rule.predicate is not None:
        args.append(f"where={_predicate_name(rule)}")
    if rule.times != 1:
        args.append(f"times={rule.times!r}")
    return f"on({', '.join(args)}).{describe_action(rule.action)}"


def _predicate_name(rule: Rule) -> str:
    return str(getattr(rule.predicate, "__name__", None) or repr(rule.predicate))


def last_user_message(body: dict[str, Any]) -> str | None:
    """The text of the last user message (chat messages, Responses input), if any."""
    messages = body.get("messages")
    if messages is None:
        messages = body.get("input")
        if isinstance(messages, str):
            return messages
    if not isinstance(messages, list):
        return None
    for message in reversed(messages):
        if isinstance(message, dict) and message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, str):
                return content
            if isinstance(content, list):
                return " ".join(
                    str(p.get("text", "")) for p in content if isinstance(p, dict) and "text" in p
                )
    return None


def _reaches(rule: Rule, entry: JournalEntry) -> bool:
    operations = _operations(rule)
    if operations is None:
        return entry.operation_id is not None
    if entry.operation_id in operations:
        return True
    from oai_mock.spec import load_bundle

    try:
        return load_bundle().operation(entry.operation_id or "").name in operations
    except KeyError:
        return False


def filter_misses(rule: Rule, entry: JournalEntry) -> list[str]:
    """Each of ``rule``'s filters that ``entry`` fails, with what was sent and what was wanted."""
    body = entry.json
    reasons = []
    if rule.model is not None and body.get("model") != rule.model:
        sent = body.get("model")
        shown = f"sent {sent!r}" if sent is not None else "none sent"
        reasons.append(f"model: {shown}, rule wants {rule.model!r}")
    if rule.contains is not None and rule.contains not in request_text(body):
        last = last_user_message(body)
        if last is not None:
            where = f"the last user message {_quote(last)}"
        else:
            text = request_text(body)
            where = f"the request's text {_quote(text)}" if text else "a request with no text"
        reasons.append(f"contains: {rule.contains!r} not in {where}")
    return reasons


def why_not(
    rule: Rule,
    entry: JournalEntry,
    rules: Sequence[Rule] = (),
    errors: Sequence[PredicateError] = (),
) -> str:
    """Why ``rule`` did not answer ``entry``, a request that reached its operation; ``rules``:
    the scenario's rules, to name the one that answered instead; ``errors``: the predicates
    that raised."""
    reasons = filter_misses(rule, entry)
    if reasons:
        return "; ".join(reasons)
    if entry.scripted:
        other = next((r for r in rules if r.id == entry.rule_id), None)
        if other is not None:
            return f"it matched, but another rule answered it: {describe_rule(other)}"
        return "it matched, but another rule answered it"
    if rule.predicate is not None:
        raised = [e for e in errors if e.rule is rule]
        if raised:
            error = raised[-1].error
            return f"where: {_predicate_name(rule)} raised {type(error).__name__}: {error}"
        return f"where: {_predicate_name(rule)} returned False"
    if rule.exhausted:
        return f"it matched, but the rule was used up ({rule.used} of {rule.times} times)"
    return "it matched, but came before the rule was added"


def request_line(entry: JournalEntry) -> str:
    """``POST /v1/chat/completions`` and what identifies it: the model, the last user message."""
    details = []
    if entry.model is not None:
        details.append(f"model {entry.model!r}")
    last = last_user_message(entry.json)
    if last is not None:
        details.append(f"last user message {_quote(last)}")
    shown = f" ({', '.join(details)})" if details else ""
    return f"{entry.method} {entry.path}{shown}"


def unused_rule_problems(mock: OpenAIMock) -> list[str]:
    """One paragraph per rule still waiting for requests: the rule, then each request that
    reached its operation with why it did not match."""
    entries = mock.journal.entries()
    rules = mock.scenario.rules()
    errors = mock.scenario.predicate_errors()
    problems = []
    for rule in mock.scenario.unused():
        if rule.times is None:
            head = (
                f"a scripted rule for every matching request was never used: {describe_rule(rule)}"
            )
        else:
            head = (
                f"a scripted rule was used {rule.used} of {rule.times} times: {describe_rule(rule)}"
            )
        lines = [head]
        reached = [e for e in entries if _reaches(rule, e)]
        for entry in reached:
            if entry.rule_id == rule.id:
                lines.append(f"    {entry.method} {entry.path} was answered by this rule")
                continue
            why = why_not(rule, entry, rules, errors)
            lines.append(f"    {entry.method} {entry.path} did not match: {why}")
        if not reached:
            operations = _operations(rule)
            lines.append(f"    no request reached {display(operations)}")
            others = sorted({e.operation_id for e in entries if e.operation_id})
            if others:
                lines[-1] += f" (received: {', '.join(others)})"
        problems.append("\n".join(lines))
    return problems


def nearest_rule(rules: Sequence[Rule], entry: JournalEntry) -> Rule | None:
    """The rule that came closest to answering ``entry``: its operation first, then the
    fewest failed filters."""
    if not rules:
        return None
    return min(rules, key=lambda r: (not _reaches(r, entry), len(filter_misses(r, entry))))


def strict_problems(mock: OpenAIMock) -> list[str]:
    """A line per request no scripted rule answered, naming the nearest rule and why it
    did not."""
    rules = mock.scenario.rules()
    errors = mock.scenario.predicate_errors()
    problems = []
    for entry in mock.journal:
        if entry.scripted:
            continue
        line = f"{request_line(entry)} ({entry.operation_id or 'no operation'}) matched no scripted rule"
        nearest = nearest_rule(rules, entry)
        if nearest is None:
            line += "; no rule is scripted"
        elif not _reaches(nearest, entry):
            line += f"; nearest rule: {describe_rule(nearest)}, for another operation"
        else:
            why = why_not(nearest, entry, rules, errors)
            line += f"; nearest rule: {describe_rule(nearest)}: {why}"
        problems.append(line)
    return problems


def predicate_problems(mock: OpenAIMock) -> list[str]:
    """One paragraph per rule whose ``where=`` raised: the rule, how many requests it failed
    and the last exception with its traceback."""
    kept = mock.scenario.predicate_errors()
    full = len(kept) >= KEPT_PREDICATE_ERRORS  # older ones were let go: counts are lower bounds
    by_rule: dict[str, list[PredicateError]] = {}
    for error in kept:
        by_rule.setdefault(error.rule.id, []).append(error)
    problems = []
    for raised in by_rule.values():
        last = raised[-1]
        times = "a request" if len(raised) == 1 else f"{len(raised)} requests"
        if full:
            times = f"at least {times}"
        trace = "".join(traceback.format_exception(last.error)).rstrip()
        indented = "\n".join("    " + line for line in trace.splitlines())
        problems.append(
            f"the where= predicate of {describe_rule(last.rule)} raised, and {times} got a 500 "
            f"saying so:\n{indented}"
        )
    return problems
