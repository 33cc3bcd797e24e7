"""Scenario files: rules written as YAML or JSON, for ``oai-mock serve --scenario FILE`` and the
control API's rule endpoint.

A file either loads whole or is refused with one line that names the file, the rule and the
reason: an unknown key or operation (with the nearest known one), a value of the wrong type, or
a combination that cannot happen (a dropped connection with an error body). Nothing is guessed.

::

    rules:
      - operation: chat             # an alias, an operationId or a snake_case name
        contains: weather
        reply: {content: "Sunny, 22 C"}
        times: null                 # forever
      - operation: embeddings
        fault: {status: 429, headers: {retry-after-ms: 10}}
        times: 2
      - operation: chat
        fault: {delay: 2}           # answers normally, two seconds late
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import jsonschema_rs
import orjson

from oai_mock.mockserver.operation_names import UnknownOperationError, resolve
from oai_mock.mockserver.scenario import Fault, Reply, Rule, ToolCall, header_problem
from oai_mock.mockserver.scripting import reply_problem
from oai_mock.spec import Bundle, load_bundle

RUN_STATUSES = ("completed", "failed", "incomplete", "expired", "cancelled")

_TEXT = {"type": "string"}
_TOOL_CALL = {
    "type": "object",
    "additionalProperties": False,
    "required": ["name"],
    "properties": {
        "name": {"type": "string", "minLength": 1},
        "arguments": {"type": ["object", "string"]},
        "id": _TEXT,
    },
}
REPLY_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "What a generative answer says; each API uses the fields that fit it.",
    "additionalProperties": False,
    "properties": {
        "content": _TEXT,
        "tool_calls": {"type": "array", "items": _TOOL_CALL, "minItems": 1},
        "refusal": _TEXT,
        "json": {"description": "structured output, sent as the JSON text of this value"},
        "finish_reason": _TEXT,
        "chunk_delay": {"type": "number", "minimum": 0, "description": "seconds between events"},
        "run_status": {"enum": list(RUN_STATUSES)},
        "error": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"code": _TEXT, "message": _TEXT},
        },
    },
}
FAULT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An error status, latency or a broken transport instead of the normal answer.",
    "additionalProperties": False,
    "properties": {
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "message": _TEXT,
        "type": _TEXT,
        "code": _TEXT,
        "param": _TEXT,
        "headers": {"type": "object", "additionalProperties": {"type": ["string", "number"]}},
        "delay": {"type": "number", "minimum": 0, "description": "seconds before the answer"},
        "drop": {"type": "boolean"},
        "body": {"type": "string", "description": "raw body instead of the error envelope"},
        "malformed_json": {"type": "boolean"},
        "truncate_at": {"type": "integer", "minimum": 0},
        "cut_stream_after": {"type": "integer", "minimum": 0},
    },
}
RULE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "One rule: which requests it matches, and a reply or a fault.",
    "additionalProperties": False,
    "properties": {
        "name": _TEXT,
        "operation": {
            "description": "an alias (chat, embeddings...), an operationId or a snake_case name",
            "oneOf": [_TEXT, {"type": "array", "items": _TEXT, "minItems": 1}],
        },
        "model": _TEXT,
        "contains": _TEXT,
        "times": {"type": ["integer", "null"], "minimum": 1, "description": "null: forever"},
        "reply": REPLY_SCHEMA,
        "fault": FAULT_SCHEMA,
    },
}
FILE_SCHEMA: dict[str, Any] = {
    "type": "object",
    "additionalProperties": False,
    "required": ["rules"],
    "properties": {
        "rules": {"type": "array", "items": RULE_SCHEMA},
        "timing": {"description": "answer pacing per model, read by the timing profiles"},
    },
}
_RULE_VALIDATOR = jsonschema_rs.validator_for(RULE_SCHEMA)

# Fault fields that only shape an error answer, and so need a status.
_ERROR_FIELDS = ("message", "type", "code", "param", "body")


class ScenarioError(ValueError):
    """A rule that cannot be loaded: ``str()`` is one line with where and why."""


def load_scenario_file(path: str | Path, bundle: Bundle | None = None) -> list[Rule]:
    """Every rule of a YAML or JSON file, or :class:`ScenarioError`."""
    return load_scenario(path, bundle)[0]


def load_scenario(path: str | Path, bundle: Bundle | None = None) -> tuple[list[Rule], Any]:
    """A scenario file's rules and its ``timing`` value (None when it has none), read and
    parsed once; :class:`ScenarioError` for anything wrong in it."""
    path = Path(path)
    data = _parsed(path)
    if isinstance(data, list):
        data = {"rules": data}
    if not isinstance(data, dict):
        raise ScenarioError(f"{path}: expected a mapping with a list under 'rules'")
    _refuse_unknown_keys(data, set(FILE_SCHEMA["properties"]), str(path))
    if not isinstance(data.get("rules"), list):
        raise ScenarioError(f"{path}: expected a list of rules under 'rules'")
    rules = parse_rules(data["rules"], str(path), source=str(path), bundle=bundle)
    return rules, data.get("timing")


def _parsed(path: Path) -> Any:
    """The file's YAML (``.yaml``, ``.yml``) or JSON, or :class:`ScenarioError` saying why not."""
    try:
        text = path.read_text()
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        raise ScenarioError(f"{path}: cannot be read: {reason}") from None
    yaml = path.suffix in (".yaml", ".yml")
    try:
        return _load_yaml(text) if yaml else _load_json(text)
    except Exception as error:
        reason = " ".join(str(error).split())
        raise ScenarioError(f"{path}: not valid {'YAML' if yaml else 'JSON'}: {reason}") from None


def _load_yaml(text: str) -> Any:
    """YAML as ``yaml.safe_load`` reads it, except that a key given twice in one mapping is an
    error (PyYAML keeps the last one: a second ``rules:`` would drop the first's rules)."""
    import yaml

    class UniqueKeys(yaml.SafeLoader):
        def construct_mapping(self, node: Any, deep: bool = False) -> Any:
            seen: set[Any] = set()
            for key_node, _ in node.value:
                key = self.construct_object(key_node, deep=deep)
                try:
                    repeated = key in seen
                except TypeError:  # an unhashable key: the loader reports it
                    break
                if repeated:
                    raise yaml.constructor.ConstructorError(
                        "while reading a mapping",
                        node.start_mark,
                        f"found the key {key!r} a second time",
                        key_node.start_mark,
                    )
                seen.add(key)
            return super().construct_mapping(node, deep)

    return yaml.load(text, Loader=UniqueKeys)


def _load_json(text: str) -> Any:
    """JSON, with a key given twice in one object refused (as in YAML)."""
    import json

    def unique(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in pairs:
            if key in result:
                raise ValueError(f"the key {key!r} appears a second time in one object")
            result[key] = value
        return result

    orjson.loads(text)  # orjson's message and position for a syntax error
    return json.loads(text, object_pairs_hook=unique)


def file_timing(path: str | Path) -> Any:
    """The ``timing`` key of a scenario file, None when it has none (the rules are read by
    :func:`load_scenario`, which gives both)."""
    data = _parsed(Path(path))
    return data.get("timing") if isinstance(data, dict) else None


def parse_rules(
    entries: Sequence[Any], where: str, *, source: str, bundle: Bundle | None = None
) -> list[Rule]:
    """Rules from their parsed form; the first bad one raises :class:`ScenarioError`."""
    bundle = bundle or load_bundle()
    return [
        parse_rule(entry, f"{where}: rule {n + 1}", source=source, bundle=bundle)
        for n, entry in enumerate(entries)
    ]


def parse_rule(entry: Any, where: str, *, source: str, bundle: Bundle | None = None) -> Rule:
    if not isinstance(entry, dict):
        raise ScenarioError(f"{where}: a rule is a mapping, not {_kind(entry)}")
    _refuse_unknown_keys(entry, set(RULE_SCHEMA["properties"]), where)
    for section, schema in (("reply", REPLY_SCHEMA), ("fault", FAULT_SCHEMA)):
        if isinstance(entry.get(section), dict):
            _refuse_unknown_keys(entry[section], set(schema["properties"]), f"{where}: {section}")
    infinite = _non_finite(entry)
    if infinite is not None:
        raise ScenarioError(f"{where}: {infinite}: must be a finite number (not .inf or .nan)")
    for error in _RULE_VALIDATOR.iter_errors(entry):
        at = ".".join(str(part) for part in error.instance_path)
        raise ScenarioError(f"{where}: {at + ': ' if at else ''}{error.message}")
    if ("reply" in entry) == ("fault" in entry):
        raise ScenarioError(f"{where}: give exactly one of 'reply' or 'fault'")
    action = _reply(entry["reply"], where) if "reply" in entry else _fault(entry["fault"], where)
    operations = _operations(entry.get("operation"), where, bundle or load_bundle())
    problem = reply_problem(operations) if isinstance(action, Reply) else None
    if problem is not None:
        raise ScenarioError(f"{where}: a reply {problem}; script a fault instead")
    return Rule(
        action,
        operation=operations,
        model=entry.get("model"),
        contains=entry.get("contains"),
        times=entry.get("times", 1),
        name=entry.get("name"),
        source=source,
    )


def _non_finite(value: Any, at: str = "") -> str | None:
    """The dotted path of the first infinite or NaN number in ``value``, or None."""
    if isinstance(value, float) and not math.isfinite(value):
        return at or "the value"
    if isinstance(value, dict):
        for key, item in value.items():
            found = _non_finite(item, f"{at}.{key}" if at else str(key))
            if found is not None:
                return found
    if isinstance(value, list):
        for number, item in enumerate(value):
            found = _non_finite(item, f"{at}.{number}")
            if found is not None:
                return found
    return None


def rule_as_data(rule: Rule) -> dict[str, Any]:
    """A rule in the file grammar (what the control API lists), with its id and use count."""
    data: dict[str, Any] = {"id": rule.id, "name": rule.name, "source": rule.source}
    if rule.operation is not None:
        data["operation"] = rule.operation if isinstance(rule.operation, str) else [*rule.operation]
    for key in ("model", "contains"):
        if getattr(rule, key) is not None:
            data[key] = getattr(rule, key)
    if rule.predicate is not None:
        data["predicate"] = getattr(rule.predicate, "__name__", "a Python predicate")
    data["times"] = rule.times
    data["used"] = rule.used
    data["exhausted"] = rule.exhausted
    if isinstance(rule.action, Reply):
        data["reply"] = _present(rule.action, Reply())
        if rule.action.tool_calls:
            data["reply"]["tool_calls"] = [_present(c, None) for c in rule.action.tool_calls]
    else:
        fault = _present(rule.action, Fault(None))
        if isinstance(fault.get("body"), bytes):
            fault["body"] = fault["body"].decode("utf-8", "replace")
        data["fault"] = fault
    return data


def _present(value: Any, default: Any) -> dict[str, Any]:
    """The fields of a dataclass that differ from its default."""
    fields = value.__dataclass_fields__
    return {
        name: (dict(v) if isinstance(v, Mapping) else v)
        for name in fields
        if (v := getattr(value, name)) is not None
        and (default is None or v != getattr(default, name))
        and name != "tool_calls"
    }


def _reply(data: dict[str, Any], where: str) -> Reply:
    where = f"{where}: reply"
    if not data:
        raise ScenarioError(f"{where}: says nothing; give content, tool_calls, refusal or json")
    if "json" in data and "content" in data:
        raise ScenarioError(f"{where}: 'json' is sent as the content; give one of the two")
    calls = tuple(
        ToolCall(call["name"], call.get("arguments"), call.get("id"))
        for call in data.get("tool_calls", ())
    )
    return Reply(
        content=data.get("content"),
        tool_calls=calls,
        refusal=data.get("refusal"),
        json=data.get("json"),
        finish_reason=data.get("finish_reason"),
        chunk_delay=float(data.get("chunk_delay", 0.0)),
        run_status=data.get("run_status"),
        error=data.get("error"),
    )


def _fault(data: dict[str, Any], where: str) -> Fault:
    where = f"{where}: fault"
    given = set(data) - {"headers"}
    if not given:
        raise ScenarioError(
            f"{where}: does nothing; give a status, a delay, drop, malformed_json, truncate_at "
            "or cut_stream_after"
        )
    status = data.get("status")
    if data.get("drop"):
        others = sorted(given - {"drop", "delay"})
        if others:
            raise ScenarioError(f"{where}: 'drop' sends no answer, so {others} cannot apply")
    if status is None:
        needing = [key for key in _ERROR_FIELDS if key in data]
        if needing:
            raise ScenarioError(
                f"{where}: {needing} shape an error answer: give its 'status' too (a fault "
                "without one answers normally)"
            )
    elif "cut_stream_after" in data:
        raise ScenarioError(f"{where}: an error answer has no stream for 'cut_stream_after'")
    if "body" in data and data.get("malformed_json"):
        raise ScenarioError(f"{where}: give 'body' or 'malformed_json', not both")
    if "truncate_at" in data and "cut_stream_after" in data:
        raise ScenarioError(f"{where}: give 'truncate_at' or 'cut_stream_after', not both")
    body = data.get("body")
    headers = {name: _header_value(value) for name, value in data.get("headers", {}).items()}
    for name, value in headers.items():
        problem = header_problem(name, value)
        if problem is not None:
            raise ScenarioError(f"{where}: {problem}")
    return Fault(
        status=status,
        message=data.get("message"),
        type=data.get("type"),
        code=data.get("code"),
        param=data.get("param"),
        headers=headers,
        delay=float(data.get("delay", 0.0)),
        drop=bool(data.get("drop", False)),
        body=body.encode() if body is not None else None,
        malformed_json=bool(data.get("malformed_json", False)),
        truncate_at=data.get("truncate_at"),
        cut_stream_after=data.get("cut_stream_after"),
    )


def _header_value(value: str | float) -> str:
    # YAML reads `retry-after-ms: 10` as a number; the wire wants "10", not "10.0".
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _operations(
    value: str | list[str] | None, where: str, bundle: Bundle
) -> tuple[str, ...] | None:
    if value is None:
        return None
    names = [value] if isinstance(value, str) else value
    resolved: list[str] = []
    for name in names:
        resolved.extend(resolve_operation(name, bundle, where))
    return tuple(dict.fromkeys(resolved))


def resolve_operation(name: str, bundle: Bundle, where: str) -> tuple[str, ...]:
    """An alias, an operationId or a snake_case name -> operationIds, or a refusal that names
    the nearest known names (the same resolution ``mock.on`` uses)."""
    try:
        return resolve(bundle, name)
    except UnknownOperationError as error:
        raise ScenarioError(f"{where}: {error}") from None


def _refuse_unknown_keys(data: Mapping[str, Any], known: set[str], where: str) -> None:
    for key in data:
        if key not in known:
            close = difflib.get_close_matches(str(key), sorted(known), n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"known: {', '.join(sorted(known))}"
            raise ScenarioError(f"{where}: unknown key {key!r}; {hint}")


def _kind(value: Any) -> str:
    return {list: "a list", str: "a string", type(None): "empty"}.get(
        type(value), type(value).__name__
    )
