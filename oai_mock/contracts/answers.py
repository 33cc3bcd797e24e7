"""Every answer a check receives is checked whole: against the operation's response schema and
the cross-field rules the reference states (timestamps in seconds and in range, list indexes
paired with positions, usage that adds up and stays within what was asked), not only the field
the check is about.

A ``null`` that the spec's own example answers show for a field (see
:mod:`oai_mock.contracts.nullability`) is accepted and noted, not failed.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from oai_mock.contracts.core import CheckFailed, ok_json
from oai_mock.contracts.nullability import nullable_by_example
from oai_mock.contracts.probe import Exchange, Probe

JSON = dict[str, Any]
FINISH_REASONS = {"stop", "length", "tool_calls", "content_filter", "function_call"}
EARLIEST = 1_420_070_400  # 2015-01-01: no OpenAI object is older
LATEST = 4_102_444_800  # 2100-01-01: a value beyond is milliseconds, not seconds
CREATION_KEYS = ("created", "created_at")


def schema_problems(probe: Probe, op_id: str, value: Any, *, stream: bool = False) -> list[str]:
    """Where ``value`` departs from the operation's answer (or stream event) schema, under the
    run's profile, leaving out the nulls the spec's examples show."""
    op = probe.bundle.operation(op_id)
    schema = op.streaming.event_schema if stream and op.streaming else op.success_schema
    report = probe.checker.check(value, dict(schema or {}), probe.profile)
    tolerated = nullable_by_example(op_id)
    found = []
    for problem in report.errors:
        key = problem.parts[-1] if problem.parts else None
        if problem.instance is None and problem.keyword == "type" and key in tolerated:
            note = f"{op_id}: {problem.path} is null, as the spec's example answers show"
            if note not in probe.notes:
                probe.notes.append(note)
            continue
        found.append(str(problem))
    return found


def timestamp_problems(value: Any, path: str = "", now: float | None = None) -> list[str]:
    """Unix timestamps (``created``, ``*_at``) that are not whole seconds between 2015 and
    2100, and creation times in the future (more than a day ahead of this machine's clock)."""
    now = time.time() if now is None else now
    found: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}/{key}"
            if (key == "created" or key.endswith("_at")) and isinstance(item, int | float):
                if isinstance(item, bool) or not EARLIEST <= item <= LATEST:
                    unit = (
                        " (milliseconds?)"
                        if isinstance(item, int | float) and item > LATEST
                        else ""
                    )
                    found.append(f"{where} = {item!r} is not a Unix time in seconds{unit}")
                elif key in CREATION_KEYS and item > now + 86_400:
                    found.append(f"{where} = {item!r} lies in the future")
            else:
                found += timestamp_problems(item, where, now)
    elif isinstance(value, list):
        for number, item in enumerate(value):
            found += timestamp_problems(item, f"{path}/{number}", now)
    return found


def index_problems(items: Sequence[Any], what: str) -> list[str]:
    """A list whose entries carry ``index`` must number them 0, 1, ... in order."""
    indexes = [item.get("index") if isinstance(item, dict) else None for item in items]
    if indexes != list(range(len(items))):
        return [f"{what} indexes are {indexes[:8]}, not 0..{len(items) - 1} in order"]
    return []


def requested_count(request: JSON | None, key: str, default: int = 1) -> int:
    value = (request or {}).get(key, default)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def usage_problems(usage: Any, parts: tuple[str, ...], total: str = "total_tokens") -> list[str]:
    """``total`` equals the sum of ``parts``, and the cached / reasoning details stay within the
    counts they detail."""
    if not isinstance(usage, dict):
        return []
    numbers = [usage.get(p) for p in parts]
    found = []
    counted = [n for n in numbers if isinstance(n, int)]
    whole_count = usage.get(total)
    if len(counted) == len(parts) and isinstance(whole_count, int) and whole_count != sum(counted):
        found.append(f"usage.{total} {whole_count} != {' + '.join(parts)} = {sum(counted)}")
    for details, inner, whole in (
        ("prompt_tokens_details", "cached_tokens", "prompt_tokens"),
        ("completion_tokens_details", "reasoning_tokens", "completion_tokens"),
        ("input_tokens_details", "cached_tokens", "input_tokens"),
        ("output_tokens_details", "reasoning_tokens", "output_tokens"),
    ):
        part = (
            (usage.get(details) or {}).get(inner) if isinstance(usage.get(details), dict) else None
        )
        if isinstance(part, int) and isinstance(usage.get(whole), int) and part > usage[whole]:
            found.append(f"usage.{details}.{inner} {part} exceeds usage.{whole} {usage[whole]}")
    return found


def chat_rules(value: JSON, request: JSON | None) -> list[str]:
    choices = value.get("choices") or []
    found = index_problems(choices, "choices")
    wanted = requested_count(request, "n")
    if request is not None and len(choices) != wanted:
        found.append(f"{len(choices)} choice(s) for n={wanted}")
    for choice in choices:
        if isinstance(choice, dict) and choice.get("finish_reason") not in FINISH_REASONS:
            found.append(f"finish_reason {choice.get('finish_reason')!r} is not one of OpenAI's")
    usage = value.get("usage")
    found += usage_problems(usage, ("prompt_tokens", "completion_tokens"))
    limit = (request or {}).get("max_completion_tokens") or (request or {}).get("max_tokens")
    spent = usage.get("completion_tokens") if isinstance(usage, dict) else None
    if isinstance(limit, int) and isinstance(spent, int) and spent > limit * wanted:
        found.append(f"usage.completion_tokens {spent} exceeds the {limit} asked for (n={wanted})")
    return found


def completion_rules(value: JSON, request: JSON | None) -> list[str]:
    choices = value.get("choices") or []
    prompts = (request or {}).get("prompt")
    per_prompt = (
        len(prompts) if isinstance(prompts, list) and prompts and isinstance(prompts[0], str) else 1
    )
    found = index_problems(choices, "choices")
    if request is not None and len(choices) != requested_count(request, "n") * per_prompt:
        found.append(
            f"{len(choices)} choices for n={requested_count(request, 'n')} x {per_prompt} prompts"
        )
    return found + usage_problems(value.get("usage"), ("prompt_tokens", "completion_tokens"))


def embedding_rules(value: JSON, request: JSON | None) -> list[str]:
    data = value.get("data") or []
    found = index_problems(data, "data")
    inputs = (request or {}).get("input")
    if request is not None:
        wanted = (
            len(inputs)
            if isinstance(inputs, list) and inputs and not isinstance(inputs[0], int)
            else 1
        )
        if len(data) != wanted:
            found.append(f"{len(data)} vectors for {wanted} inputs")
    lengths = {
        len(d.get("embedding") or [])
        for d in data
        if isinstance(d, dict) and isinstance(d.get("embedding"), list)
    }
    if len(lengths) > 1:
        found.append(f"vectors of different lengths {sorted(lengths)}")
    return found + usage_problems(value.get("usage"), ("prompt_tokens",))


def response_rules(value: JSON, request: JSON | None) -> list[str]:
    found = usage_problems(value.get("usage"), ("input_tokens", "output_tokens"))
    created, completed = value.get("created_at"), value.get("completed_at")
    if (
        isinstance(created, int | float)
        and isinstance(completed, int | float)
        and completed < created
    ):
        found.append(f"completed_at {completed} precedes created_at {created}")
    limit = (request or {}).get("max_output_tokens")
    spent = (
        (value.get("usage") or {}).get("output_tokens")
        if isinstance(value.get("usage"), dict)
        else None
    )
    if isinstance(limit, int) and isinstance(spent, int) and spent > limit:
        found.append(f"usage.output_tokens {spent} exceeds max_output_tokens {limit}")
    return found


def moderation_rules(value: JSON, request: JSON | None) -> list[str]:
    inputs = (request or {}).get("input")
    wanted = len(inputs) if isinstance(inputs, list) else 1
    results = value.get("results") or []
    return (
        []
        if request is None or len(results) == wanted
        else [f"{len(results)} results for {wanted} inputs"]
    )


def list_rules(value: JSON, request: JSON | None) -> list[str]:
    ids = [item.get("id") for item in value.get("data") or [] if isinstance(item, dict)]
    return [] if len(ids) == len(set(ids)) else ["the list holds an id twice"]


RULES: dict[str, Callable[[JSON, JSON | None], list[str]]] = {
    "createChatCompletion": chat_rules,
    "createCompletion": completion_rules,
    "createEmbedding": embedding_rules,
    "createResponse": response_rules,
    "getResponse": response_rules,
    "createModeration": moderation_rules,
    "listModels": list_rules,
    "listFiles": list_rules,
}


def whole_problems(probe: Probe, op_id: str, value: Any, request: JSON | None = None) -> list[str]:
    """Everything wrong with an answer of ``op_id`` to ``request``."""
    found = schema_problems(probe, op_id, value)
    found += timestamp_problems(value)
    rules = RULES.get(op_id)
    if rules is not None and isinstance(value, dict):
        found += rules(value, request)
    return found


def answer(probe: Probe, op_id: str, exchange: Exchange, request: JSON | None = None) -> JSON:
    """The JSON object of a 2xx answer, checked whole; the check fails on the first problems."""
    value = ok_json(exchange)
    found = whole_problems(probe, op_id, value, request)
    if found:
        raise CheckFailed(f"{op_id} answer: " + "; ".join(found[:3]), exchange)
    return value
