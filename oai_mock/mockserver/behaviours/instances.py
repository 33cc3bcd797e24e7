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
from oai_mock.spec.patterns import string_matching
from oai_mock.spec.walk import (
    ArrayFacts,
    NumberFacts,
    ObjectFacts,
    RefError,
    Refs,
    StringFacts,
    branch,
    kind,
    merge,
    merge_all_of,
    number_within,
    shared,
)

MAX_DEPTH = 8
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
    try:
        value = builder.build(schema, name="value", depth=0, choice=0)
        validator = _validator(orjson.dumps(schema, option=orjson.OPT_SORT_KEYS))
        if validator is None or validator.is_valid(value):
            return value
        for choice in range(1, 4):
            retry = builder.build(schema, name="value", depth=0, choice=choice)
            if validator.is_valid(retry):
                return retry
    except RefError as bad_ref:  # wherever the walk met it: a branch, an allOf part, a property
        raise SchemaError(str(bad_ref)) from None
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
    """Walks the schema through the shared reading (:mod:`oai_mock.spec.walk`) and picks, at
    each step, the first valid value; ``choice`` shifts which union branch and enum value."""

    def __init__(self, root: Mapping[str, Any], salt: str) -> None:
        self.refs = Refs(root)
        self.salt = salt
        self.budget = limits.InstanceBudget()

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
        schema = self.refs.resolve(schema)
        if not isinstance(schema, Mapping):
            return self.build(schema, name, depth + 1, choice)
        shape = kind(schema)
        if shape == "const":
            return schema["const"]
        if shape == "enum":
            options = list(schema["enum"])
            if not options:
                raise SchemaError("an empty enum has no valid value")
            return options[choice % len(options)] if choice < len(options) else options[0]
        if shape == "union":
            picked = branch(schema, choice, self.refs)
            base = shared(schema)
            if base.get("type") or base.get("properties"):
                picked = merge([base, picked], self.refs)
            return self.build(picked, name, depth + 1, 0)
        if shape == "all_of":
            return self.build(merge_all_of(schema, self.refs), name, depth + 1, choice)
        if shape == "object":
            return self.object(schema, name, depth, choice)
        if shape == "array":
            return self.array(schema, name, depth, choice)
        if shape in ("string", "any"):
            return self.string(schema, name)
        if shape in ("integer", "number"):
            return self.number(schema, shape == "integer")
        if shape == "boolean":
            return bool(digest(self.salt, name)[0] % 2)
        return None

    def object(
        self, schema: Mapping[str, Any], name: str, depth: int, choice: int
    ) -> dict[str, Any]:
        facts = ObjectFacts.of(schema)
        out: dict[str, Any] = {}
        for prop, sub in facts.properties.items():
            if prop in facts.required or depth < 3:
                try:
                    out[prop] = self.build(sub, prop, depth + 1, choice)
                except SchemaError as error:
                    raise error.within("properties", prop) from None
        extra = facts.additional if isinstance(facts.additional, Mapping) else {}
        for prop in facts.required:
            if prop not in out:
                out[prop] = self.build(extra, prop, depth + 1, choice)
        if facts.max_properties is not None:
            for prop in [p for p in out if p not in facts.required]:
                if len(out) <= facts.max_properties:
                    break
                del out[prop]
        while len(out) < facts.min_properties and facts.additional is not False:
            prop = f"{name}_{len(out)}"
            out[prop] = self.build(extra, prop, depth + 1, choice)
        return out

    def array(self, schema: Mapping[str, Any], name: str, depth: int, choice: int) -> list[Any]:
        facts = ArrayFacts.of(schema)
        low, high = facts.min_items, facts.max_items
        if high is not None and high < low:
            raise SchemaError(f"'maxItems' ({high}) is below 'minItems' ({low})")
        if low > limits.MAX_GENERATED_ITEMS:
            raise SchemaError(
                f"minItems {low} is above the {limits.MAX_GENERATED_ITEMS} items oai-mock generates"
            )
        count = max(low, 1 if depth < MAX_DEPTH else 0)
        if high is not None:
            count = min(count, high)
        out: list[Any] = []
        seen: set[bytes] = set()
        variant = 0
        while len(out) < count:
            try:
                # Each element its own variant (the n-th enum value, a different word): unique
                # arrays get distinct elements, and lists read less repetitive.
                value = self.build(
                    facts.item(len(out)), f"{name}{variant}", depth + 1, choice + variant
                )
            except SchemaError as error:
                raise error.within("items") from None
            variant += 1
            key = orjson.dumps(value, option=orjson.OPT_SORT_KEYS)
            if facts.unique and key in seen:
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
        facts = StringFacts.of(schema)
        low, high = facts.min_length, facts.max_length
        if high is not None and high < low:
            raise SchemaError(f"'maxLength' ({high}) is below 'minLength' ({low})")
        if low > limits.MAX_GENERATED_STRING:
            raise SchemaError(
                f"minLength {low} is above the {limits.MAX_GENERATED_STRING} characters "
                "oai-mock generates"
            )
        if not self.budget.spend(low):
            raise SchemaError(_TOO_LARGE)
        value = facts.example or self.word(name)
        if facts.pattern is not None:
            pattern = facts.pattern
            if _fits(pattern, value, low, high):
                return value
            found = string_matching(pattern, f"{self.salt}:{name}", low, high)
            if found is None:  # outside the generator's subset (a lookahead): common shapes
                found = next((c for c in PATTERN_GUESSES if _fits(pattern, c, low, high)), None)
            if found is None:
                raise SchemaError(f"no string matches the 'pattern' {pattern!r}")
            return found
        return facts.fit(value)

    def number(self, schema: Mapping[str, Any], integer: bool) -> int | float:
        try:
            facts = NumberFacts.of(schema)
            if integer:
                facts = facts.integral()
        except ValueError as error:
            raise SchemaError(str(error)) from None
        candidate = number_within(facts, near=1)
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
