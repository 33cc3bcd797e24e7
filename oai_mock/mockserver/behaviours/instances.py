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
import math
import re
from collections.abc import Mapping
from typing import Any

import jsonschema_rs
import orjson

from oai_mock.mockserver import limits
from oai_mock.mockserver.behaviours.text import digest
from oai_mock.spec.patterns import string_matching

MAX_DEPTH = 8
FORMATS = {
    "date-time": "2025-01-01T00:00:00Z",
    "date": "2025-01-01",
    "time": "12:00:00Z",
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
    """The schema cannot be satisfied or is not a JSON Schema. ``context`` is where, as
    OpenAI names it: the keys from the schema's root (``("properties", "code")``)."""

    def __init__(self, reason: str, context: tuple[str, ...] = ()) -> None:
        super().__init__(reason)
        self.reason = reason
        self.context = context

    def within(self, *keys: str) -> SchemaError:
        return SchemaError(self.reason, (*keys, *self.context))

    def openai_message(self, subject: str) -> str:
        """OpenAI's wording for a schema it refuses."""
        return f"Invalid schema for {subject}: In context={self.context!r}, {self.reason}."


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
    error = next(iter(validator.iter_errors(value)))
    path = tuple(str(p) for p in error.schema_path)
    keyword = path[-1] if path else "schema"
    raise SchemaError(f"'{keyword}' cannot be satisfied ({error.message})", path[:-1])


def instance_or_error(
    schema: Mapping[str, Any], salt: str, param: str, subject: str | None = None
) -> Any:
    """``instance_for``, with a schema it cannot satisfy answered as OpenAI answers a schema it
    refuses: a 400 on ``param`` naming ``subject`` (``function 'get_weather'``,
    ``response_format 'answer'``)."""
    from oai_mock.mockserver.errors import invalid_request

    try:
        return instance_for(schema, salt)
    except RecursionError:
        message = SchemaError("the schema nests too deeply").openai_message(subject or f"'{param}'")
    except SchemaError as error:
        message = error.openai_message(subject or f"'{param}'")
    except (KeyError, TypeError, IndexError) as error:
        message = SchemaError(f"the schema is not valid JSON Schema ({error!r})").openai_message(
            subject or f"'{param}'"
        )
    code = "invalid_function_parameters" if "function" in (subject or param) else None
    raise invalid_request(message, param, code)


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
                try:
                    out[prop] = self.build(sub, prop, depth + 1, choice)
                except SchemaError as error:
                    raise error.within("properties", prop) from None
        for prop in required - set(out):
            extra = schema.get("additionalProperties")
            out[prop] = self.build(
                extra if isinstance(extra, Mapping) else {}, prop, depth + 1, choice
            )
        return out

    def array(self, schema: Mapping[str, Any], name: str, depth: int, choice: int) -> list[Any]:
        low = int(schema.get("minItems", 0))
        high = schema.get("maxItems")
        if isinstance(high, int) and high < low:
            raise SchemaError(f"'maxItems' ({high}) is below 'minItems' ({low})")
        if low > limits.MAX_GENERATED_ITEMS:
            raise SchemaError(
                f"minItems {low} is above the {limits.MAX_GENERATED_ITEMS} items oai-mock generates"
            )
        count = max(low, 1 if depth < MAX_DEPTH else 0)
        if isinstance(high, int):
            count = min(count, high)
        unique = bool(schema.get("uniqueItems"))
        prefix = list(schema.get("prefixItems", []))
        items = schema.get("items", {})
        out: list[Any] = []
        seen: set[bytes] = set()
        variant = 0
        while len(out) < count:
            position = len(out)
            sub = prefix[position] if position < len(prefix) else items
            try:
                # Each element its own variant (the n-th enum value, a different word): unique
                # arrays get distinct elements, and lists read less repetitive.
                value = self.build(sub, f"{name}{variant}", depth + 1, choice + variant)
            except SchemaError as error:
                raise error.within("items") from None
            variant += 1
            key = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
            if unique and key in seen:
                if variant > count + 16:
                    raise SchemaError(
                        f"'uniqueItems' cannot hold with {count} items: the item schema allows "
                        f"only {len(out)} distinct values"
                    )
                continue
            seen.add(key)
            out.append(value)
        return out

    def string(self, schema: Mapping[str, Any], name: str) -> str:
        low = int(schema.get("minLength", 0))
        high = schema.get("maxLength")
        if isinstance(high, int) and high < low:
            raise SchemaError(f"'maxLength' ({high}) is below 'minLength' ({low})")
        if low > limits.MAX_GENERATED_STRING:
            raise SchemaError(
                f"minLength {low} is above the {limits.MAX_GENERATED_STRING} characters "
                "oai-mock generates"
            )
        if not self.budget.spend(low):
            raise SchemaError(_TOO_LARGE)
        value = FORMATS.get(str(schema.get("format")), "") or self.word(name)
        pattern = schema.get("pattern")
        if isinstance(pattern, str):
            if _fits(pattern, value, low, high):
                return value
            found = string_matching(pattern, f"{self.salt}:{name}", low, high)
            if found is None:  # outside the generator's subset (a lookahead): common shapes
                found = next((c for c in PATTERN_GUESSES if _fits(pattern, c, low, high)), None)
            if found is None:
                raise SchemaError(f"no string matches the 'pattern' {pattern!r}")
            return found
        if len(value) < low:
            value += "x" * (low - len(value))
        if isinstance(high, int) and len(value) > high:
            value = value[:high]
        return value

    def number(self, schema: Mapping[str, Any], integer: bool) -> int | float:
        step = schema.get("multipleOf")
        if step is not None and (not isinstance(step, int | float) or step <= 0):
            raise SchemaError("'multipleOf' must be a number above 0")
        low, low_open = _bound(schema, "minimum", "exclusiveMinimum", max)
        high, high_open = _bound(schema, "maximum", "exclusiveMaximum", min)
        if integer:
            step = 1 if step is None else step
            if step != int(step):
                step = _lcm_with_one(float(step))
        candidate = _number_within(low, low_open, high, high_open, step, near=1)
        if candidate is None:
            raise SchemaError(
                "no number satisfies the bounds"
                + (f" and 'multipleOf' {schema['multipleOf']}" if "multipleOf" in schema else "")
            )
        return int(candidate) if integer else float(candidate)

    def word(self, name: str) -> str:
        return f"{name} {WORDS[digest(self.salt, name)[0] % len(WORDS)]}"


PATTERN_GUESSES = ("abc", "abc123", "ABC", "a", "1", "2025-01-01", "user@example.com")


def _fits(pattern: str, value: str, low: int, high: int | None) -> bool:
    return _matches(pattern, value) and low <= len(value) <= (len(value) if high is None else high)


def _matches(pattern: str, value: str) -> bool:
    try:
        return re.search(pattern, value) is not None
    except re.error:
        return False


def _bound(
    schema: Mapping[str, Any], inclusive: str, exclusive: str, tighter: Any
) -> tuple[float | None, bool]:
    """The effective bound and whether it is exclusive (draft 4's boolean form too)."""
    closed = schema.get(inclusive)
    open_ = schema.get(exclusive)
    if isinstance(open_, bool):  # draft 4: exclusiveMinimum: true qualifies minimum
        return (closed, open_) if closed is not None else (None, False)
    if closed is None and open_ is None:
        return None, False
    if closed is None:
        return open_, True
    if open_ is None:
        return closed, False
    chosen = tighter(closed, open_)
    return chosen, (chosen == open_ and chosen != closed) or (closed == open_)


def _lcm_with_one(step: float) -> float:
    """The smallest multiple of ``step`` that is an integer (0.5 -> 1, 0.25 -> 1, 1.5 -> 3)."""
    for factor in range(1, 1001):
        product = round(step * factor, 9)
        if product == int(product) and product > 0:
            return product
    raise SchemaError(f"no integer is a multiple of {step}")


def _number_within(
    low: float | None,
    low_open: bool,
    high: float | None,
    high_open: bool,
    step: float | None,
    near: float,
) -> float | None:
    """The number nearest ``near`` within the bounds that is a multiple of ``step``."""
    target = near
    if low is not None:
        target = max(target, low)
    if high is not None:
        target = min(target, high)
    if step is None:
        candidates = [target]
        if low is not None and high is not None:
            candidates.append((low + high) / 2)
        candidates.extend(c for c in (target + 1, target - 1) if c is not None)
    else:
        candidates = [
            round(k * step, 9)
            for k in (math.ceil(round(target / step, 9)), math.floor(round(target / step, 9)))
            for k in (k, k + 1, k - 1)
        ]
    for candidate in candidates:
        if _above(candidate, low, low_open) and _below(candidate, high, high_open):
            return candidate
    return None


def _above(value: float, low: float | None, open_: bool) -> bool:
    if low is None:
        return True
    return value > low if open_ else value >= low


def _below(value: float, high: float | None, open_: bool) -> bool:
    if high is None:
        return True
    return value < high if open_ else value <= high
