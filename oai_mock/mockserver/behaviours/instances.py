"""Deterministic JSON that satisfies a user's JSON Schema: tool-call arguments and structured
outputs.

Every property is filled (strict schemas require them all), enums and constants take their first
value, unions their first branch that validates, strings honour ``format``, lengths and simple
patterns, numbers their bounds and ``multipleOf``. The result is checked with jsonschema-rs; when
a first attempt fails (an unusual ``pattern``, ``oneOf`` branches that overlap) the other union
branches are tried.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

import jsonschema_rs
import orjson

from oai_mock.mockserver import limits
from oai_mock.mockserver.behaviours.text import digest

MAX_DEPTH = 8
FORMATS = {
    "date-time": "2025-01-01T00:00:00Z",
    "date": "2025-01-01",
    "time": "12:00:00",
    "email": "user@example.com",
    "uri": "https://example.com/resource",
    "url": "https://example.com/resource",
    "uuid": "00000000-0000-4000-8000-000000000000",
    "ipv4": "127.0.0.1",
    "ipv6": "::1",
    "hostname": "example.com",
    "duration": "P1D",
}
_TOO_LARGE = (
    f"its instances are larger than the {limits.MAX_INSTANCE_BYTES} bytes oai-mock generates"
)
WORDS = ("alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel")


class SchemaError(ValueError):
    """The schema cannot be satisfied or is not a JSON Schema."""


def instance_for(schema: Mapping[str, Any], salt: str = "") -> Any:
    """A value valid against ``schema``; ``salt`` varies the strings deterministically."""
    builder = _Builder(schema, salt)
    value = builder.build(schema, name="value", depth=0, choice=0)
    validator = _validator(orjson.dumps(schema, option=orjson.OPT_SORT_KEYS))
    if validator is None or validator.is_valid(value):
        return value
    for choice in range(1, 4):
        retry = builder.build(schema, name="value", depth=0, choice=choice)
        if validator.is_valid(retry):
            return retry
    errors = "; ".join(e.message for e in list(validator.iter_errors(value))[:2])
    raise SchemaError(f"could not build a value valid against the schema: {errors}")


def instance_or_error(schema: Mapping[str, Any], salt: str, param: str) -> Any:
    """``instance_for``, with a schema it cannot satisfy answered as OpenAI's 400 on ``param``
    (the request carried the schema)."""
    from oai_mock.mockserver.errors import invalid_request

    try:
        return instance_for(schema, salt)
    except RecursionError:
        raise invalid_request(
            f"Invalid schema for '{param}': it nests too deeply.", param, "invalid_schema"
        ) from None
    except (SchemaError, KeyError, TypeError) as error:
        raise invalid_request(
            f"Invalid schema for '{param}': {error}", param, "invalid_schema"
        ) from None


@functools.lru_cache(maxsize=512)
def _validator(key: bytes) -> Any:
    try:
        return jsonschema_rs.validator_for(orjson.loads(key))
    except Exception:  # an invalid schema: nothing to check against
        return None


class _Builder:
    def __init__(self, root: Mapping[str, Any], salt: str) -> None:
        self.root = root
        self.salt = salt
        self.budget = limits.InstanceBudget()

    def resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        seen = 0
        while isinstance(schema, Mapping) and "$ref" in schema and seen < 32:
            ref = str(schema["$ref"])
            if not ref.startswith("#"):
                raise SchemaError(f"only local references are supported, not {ref!r}")
            target: Any = self.root
            for part in ref.lstrip("#/").split("/") if ref != "#" else []:
                target = target[part.replace("~1", "/").replace("~0", "~")]
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **rest} if rest else target
            seen += 1
        return schema

    def build(self, schema: Any, name: str, depth: int, choice: int) -> Any:
        if depth > limits.MAX_SCHEMA_DEPTH:
            raise SchemaError(
                f"instances nest deeper than {limits.MAX_SCHEMA_DEPTH} levels "
                "(does a required property refer back to its own schema?)"
            )
        if not self.budget.spend(8):
            raise SchemaError(_TOO_LARGE)
        if schema is True or schema == {}:
            return self.word(name)
        if not isinstance(schema, Mapping):
            raise SchemaError("a schema must be an object or a boolean")
        schema = self.resolve(schema)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            options = list(schema["enum"])
            if not options:
                raise SchemaError("an empty enum has no valid value")
            return options[choice % len(options)] if choice < len(options) else options[0]
        for key in ("anyOf", "oneOf"):
            if schema.get(key):
                branches = list(schema[key])
                picked = branches[choice % len(branches)]
                base = {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf")}
                combined = (
                    {**base, **self.resolve(picked)}
                    if base.get("type") or base.get("properties")
                    else picked
                )
                return self.build(combined, name, depth + 1, 0)
        if "allOf" in schema:
            merged: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
            for part in schema["allOf"]:
                part = self.resolve(part)
                for key, value in part.items():
                    if key == "properties":
                        merged["properties"] = {**merged.get("properties", {}), **value}
                    elif key == "required":
                        merged["required"] = [*merged.get("required", []), *value]
                    else:
                        merged.setdefault(key, value)
            return self.build(merged, name, depth + 1, choice)
        kind = schema.get("type")
        if isinstance(kind, list):
            non_null = [k for k in kind if k != "null"]
            kind = non_null[0] if non_null else "null"
        if kind is None:
            kind = "object" if "properties" in schema else "string"
        if kind == "object":
            return self.object(schema, depth, choice)
        if kind == "array":
            return self.array(schema, name, depth, choice)
        if kind == "string":
            return self.string(schema, name)
        if kind in ("integer", "number"):
            return self.number(schema, kind == "integer")
        if kind == "boolean":
            return bool(digest(self.salt, name)[0] % 2)
        return None

    def object(self, schema: Mapping[str, Any], depth: int, choice: int) -> dict[str, Any]:
        props: Mapping[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        out: dict[str, Any] = {}
        for prop, sub in props.items():
            if prop in required or depth < 3:
                out[prop] = self.build(sub, prop, depth + 1, choice)
        for prop in required - set(out):
            extra = schema.get("additionalProperties")
            out[prop] = self.build(
                extra if isinstance(extra, Mapping) else {}, prop, depth + 1, choice
            )
        return out

    def array(self, schema: Mapping[str, Any], name: str, depth: int, choice: int) -> list[Any]:
        low = int(schema.get("minItems", 0))
        if low > limits.MAX_GENERATED_ITEMS:
            raise SchemaError(
                f"minItems {low} is above the {limits.MAX_GENERATED_ITEMS} items oai-mock generates"
            )
        count = max(low, 1 if depth < MAX_DEPTH else 0)
        if "maxItems" in schema:
            count = min(count, int(schema["maxItems"]))
        prefix = list(schema.get("prefixItems", []))
        items = schema.get("items", {})
        out = [self.build(sub, name, depth + 1, choice) for sub in prefix[:count]]
        while len(out) < count:
            value = self.build(items, f"{name}{len(out)}", depth + 1, choice)
            out.append(value)
        if schema.get("uniqueItems") and len(out) > 1:
            out = out[:1]
        return out

    def string(self, schema: Mapping[str, Any], name: str) -> str:
        value = FORMATS.get(str(schema.get("format")), "") or self.word(name)
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            value = _satisfy_pattern(pattern, value)
        low = int(schema.get("minLength", 0))
        if low > limits.MAX_GENERATED_STRING:
            raise SchemaError(
                f"minLength {low} is above the {limits.MAX_GENERATED_STRING} characters "
                "oai-mock generates"
            )
        if not self.budget.spend(low):
            raise SchemaError(_TOO_LARGE)
        high = schema.get("maxLength")
        if len(value) < low:
            value += "x" * (low - len(value))
        if isinstance(high, int) and len(value) > high:
            value = value[:high]
        return value

    def number(self, schema: Mapping[str, Any], integer: bool) -> int | float:
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        value: float = 1
        if low is not None:
            value = low + (1 if "exclusiveMinimum" in schema and "minimum" not in schema else 0)
        if high is not None and value > high:
            value = high - (1 if "exclusiveMaximum" in schema and "maximum" not in schema else 0)
        step = schema.get("multipleOf")
        if isinstance(step, int | float) and step > 0:
            value = step * max(1, round(value / step))
        return int(value) if integer else float(value)

    def word(self, name: str) -> str:
        return f"{name} {WORDS[digest(self.salt, name)[0] % len(WORDS)]}"


def _satisfy_pattern(pattern: str, current: str) -> str:
    candidates = [current, "abc", "abc123", "ABC", "a", "1", "2025-01-01", "user@example.com"]
    try:
        compiled = re.compile(pattern)
    except re.error:
        return current
    for candidate in candidates:
        if compiled.search(candidate):
            return candidate
    return current
