"""One reading of JSON Schema for everything that produces values from a schema.

The answer synthesizer (bundle schemas), the instance builder (a user's JSON Schema) and the
contract strategies (Hypothesis) each walk a schema and produce a value. What a schema *says*
is the same for all three and is read here, once:

- references: :class:`Refs` follows ``$ref`` (local JSON pointers, sibling keywords merged on
  top of the target) and stops where a chain comes back to itself;
- types: :func:`types` and :func:`first_type` read ``type`` (a name or a list) and OpenAPI's
  ``nullable``; :func:`kind` says which keyword decides the value (``const``, ``enum``, a
  union, ``allOf`` or the first non-null type);
- combinators: :func:`branches` (``anyOf`` or ``oneOf``), :func:`merge` (``allOf``, and a
  union's shared keywords with one branch), :func:`branch` (a branch with its discriminator
  value set, where the union has a discriminator);
- keyword facts: bounds and ``multipleOf`` (:class:`NumberFacts`, :func:`number_within`),
  lengths and ``pattern`` / ``format`` (:class:`StringFacts`), items (:class:`ArrayFacts`),
  properties (:class:`ObjectFacts`).

What to produce (a plausible answer, a deterministic instance, a strategy) stays with each
producer; none of them resolves a reference or reads a keyword's edge cases itself.

>>> refs = Refs({"$defs": {"Pet": {"type": ["string", "null"], "maxLength": 3}}})
>>> pet = refs.resolve({"$ref": "#/$defs/Pet"})
>>> (kind(pet), types(pet), StringFacts.of(pet).max_length)
('string', ('string', 'null'), 3)
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

Kind = Literal[
    "const",
    "enum",
    "union",
    "all_of",
    "object",
    "array",
    "string",
    "integer",
    "number",
    "boolean",
    "null",
    "any",
]
FORMAT_EXAMPLES: Mapping[str, str] = {
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
"""A valid value for each string ``format`` a producer may meet."""


class RefError(ValueError):
    """A ``$ref`` that cannot be followed: not local, or naming nothing."""


class Refs:
    """Resolves ``$ref`` against one document: the bundle (``#/$defs/Name``) or a user's schema
    (any local JSON pointer, ``#`` for the root itself)."""

    __slots__ = ("_chains", "_root", "_targets")

    def __init__(self, root: Any) -> None:
        self._root = root
        self._targets: dict[str, Any] = {}
        self._chains: dict[str, Any] = {}
        """A bare ``{"$ref": ...}`` -> where its whole chain ends (documents do not change)."""

    @classmethod
    def for_definitions(cls, definitions: Mapping[str, Any]) -> Refs:
        """References of the form ``#/$defs/Name`` into ``definitions`` (the bundle's schemas)."""
        return cls({"$defs": definitions})

    def target(self, ref: str) -> Any:
        """What ``ref`` points at, without following it further."""
        found = self._targets.get(ref)
        if found is None:
            found = self._targets[ref] = self._lookup(ref)
        return found

    def _lookup(self, ref: str) -> Any:
        if ref not in ("#", "#/") and not ref.startswith("#/"):
            raise RefError(f"only local JSON-pointer references are supported, not {ref!r}")
        target = self._root
        for part in ref[2:].split("/") if ref not in ("#", "#/") else []:
            key = part.replace("~1", "/").replace("~0", "~")
            if isinstance(target, Mapping) and key in target:
                target = target[key]
            elif isinstance(target, list) and key.isdigit() and int(key) < len(target):
                target = target[int(key)]
            else:
                raise RefError(f"the reference {ref!r} names nothing in the schema")
        return target

    def resolve(self, schema: Any) -> Any:
        """``schema`` with its ``$ref`` chain followed; keywords beside a ``$ref`` override the
        target's. A chain that comes back to itself (``{"$ref": "#"}`` at the root, ``A`` ->
        ``B`` -> ``A``) adds nothing on its second round: what the chain said so far is the
        schema (``{}`` for a bare loop, which any value satisfies, as validators read it). A
        schema that refers to itself through a property is not a chain: it resolves one step at
        a time, and producers bound their depth."""
        # The answer path resolves every node: a plain dict without a reference leaves at once
        # (the Mapping check is an ABC call, several times slower).
        if type(schema) is dict:
            if "$ref" not in schema:
                return schema
        elif not isinstance(schema, Mapping) or "$ref" not in schema:
            return schema
        if len(schema) == 1:
            ref = schema["$ref"]
            if type(ref) is str:
                found = self._chains.get(ref)
                if found is None:
                    found = self._chains[ref] = self._follow(schema)
                return found
        return self._follow(schema)

    def _follow(self, schema: Any) -> Any:
        # A document holds finitely many references, so a chain either ends or comes back to
        # one it has seen: no length cap is needed (one would cut a long chain short).
        seen: set[str] = set()
        while isinstance(schema, Mapping) and "$ref" in schema:
            ref = schema["$ref"]
            if not isinstance(ref, str):
                raise RefError(f"'$ref' must be a string, not {ref!r}")
            if ref in seen:
                return {k: v for k, v in schema.items() if k != "$ref"}
            seen.add(ref)
            target = self.target(ref)
            if len(schema) == 1:
                schema = target
            elif isinstance(target, Mapping):
                schema = {**target, **{k: v for k, v in schema.items() if k != "$ref"}}
            else:
                schema = {k: v for k, v in schema.items() if k != "$ref"}
        return schema

    def named(self, schema: Any) -> tuple[str | None, Any]:
        """The definition ``schema`` names (see :meth:`name`) and ``schema`` resolved."""
        if type(schema) is dict and "$ref" not in schema:
            return None, schema
        return self.name(schema), self.resolve(schema)

    @staticmethod
    def name(schema: Any) -> str | None:
        """The definition a schema refers to by name (``#/$defs/Name`` -> ``Name``), if any."""
        ref = schema.get("$ref") if type(schema) is dict or isinstance(schema, Mapping) else None
        if type(ref) is str and ref.startswith(("#/$defs/", "#/definitions/")):
            return ref.rsplit("/", 1)[1]
        return None


# -- types -------------------------------------------------------------------------------------


def types(schema: Mapping[str, Any]) -> tuple[str, ...]:
    """The types a schema names (``type`` as a name or a list), ``null`` added for OpenAPI's
    ``nullable: true``."""
    declared = schema.get("type")
    if isinstance(declared, str):
        found: tuple[str, ...] = (declared,)
    elif isinstance(declared, list):
        found = tuple(str(t) for t in declared)
    else:
        found = ()
    if schema.get("nullable") is True and found and "null" not in found:
        found = (*found, "null")
    return found


def first_type(schema: Mapping[str, Any]) -> str | None:
    """The first type other than null; ``null`` when that is the only one; None when untyped."""
    declared = schema.get("type")
    if type(declared) is str:  # the common case, without building the tuple
        return declared
    named = types(schema)
    for name in named:
        if name != "null":
            return name
    return "null" if named else None


def kind(schema: Mapping[str, Any]) -> Kind:
    """Which keyword decides a (resolved) schema's value, in the order every producer reads
    them: ``const``, ``enum``, a union, ``allOf``, then the first non-null type. An untyped
    schema with properties is an object; one with nothing to say is ``any``."""
    if "const" in schema:
        return "const"
    if "enum" in schema:
        return "enum"
    if schema.get("anyOf") or schema.get("oneOf"):
        return "union"
    if "allOf" in schema:
        return "all_of"
    declared = schema.get("type")
    named = declared if type(declared) is str else first_type(schema)
    if named in _TYPE_KINDS:
        return named  # type: ignore[return-value]
    return "object" if "properties" in schema else "any"


_TYPE_KINDS = frozenset({"object", "array", "string", "integer", "number", "boolean", "null"})


# -- combinators -------------------------------------------------------------------------------


def branches(schema: Mapping[str, Any]) -> list[Any]:
    """A union's branches: ``anyOf`` or, failing that, ``oneOf`` (unresolved)."""
    found = schema.get("anyOf") or schema.get("oneOf")
    return list(found) if isinstance(found, list) else []


def non_null_branches(schema: Mapping[str, Any], refs: Refs) -> list[Any]:
    """The branches that are not just ``{"type": "null"}``."""
    return [b for b in branches(schema) if not _is_null(refs.resolve(b))]


def _is_null(schema: Any) -> bool:
    return (type(schema) is dict or isinstance(schema, Mapping)) and schema.get("type") == "null"


def shared(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A union's keywords other than the union itself (``type``, ``properties`` beside an
    ``anyOf``), which every branch must satisfy too."""
    return {k: v for k, v in schema.items() if k not in ("anyOf", "oneOf", "discriminator")}


def merge(parts: Sequence[Any], refs: Refs) -> dict[str, Any]:
    """One schema that asks what all of ``parts`` ask (``allOf``): properties united (one that
    several parts describe gets an ``allOf`` of their schemas), ``required`` concatenated, any
    other keyword from the first part that says it."""
    merged: dict[str, Any] = {}
    for part in parts:
        resolved = refs.resolve(part)
        if not isinstance(resolved, Mapping):
            continue
        for key, value in resolved.items():
            if key == "properties" and isinstance(value, Mapping):
                known = merged.setdefault("properties", {})
                for name, sub in value.items():
                    # A property both parts describe must satisfy both.
                    known[name] = {"allOf": [known[name], sub]} if name in known else sub
            elif key == "required" and isinstance(value, list):
                merged["required"] = [*merged.get("required", []), *value]
            else:
                merged.setdefault(key, value)
    return merged


def merge_all_of(schema: Mapping[str, Any], refs: Refs) -> dict[str, Any]:
    """An ``allOf`` schema as one schema: its own keywords first, then each part's."""
    own = {k: v for k, v in schema.items() if k != "allOf"}
    return merge([own, *schema.get("allOf", [])], refs)


def discriminator(schema: Mapping[str, Any]) -> tuple[str, Mapping[str, str]] | None:
    """A union's discriminator: the property that names the branch, and the value -> ``$ref``
    mapping (empty when values are the definitions' own names)."""
    found = schema.get("discriminator")
    if not isinstance(found, Mapping) or not isinstance(found.get("propertyName"), str):
        return None
    mapping = found.get("mapping")
    return found["propertyName"], mapping if isinstance(mapping, Mapping) else {}


def branch(schema: Mapping[str, Any], index: int, refs: Refs) -> Any:
    """Branch ``index`` (modulo their number) of a union, resolved. Under a discriminator the
    branch's discriminating property is set to the value that names it, where the branch
    itself leaves that property open (OpenAPI names branches by mapping, not by ``const``)."""
    options = branches(schema)
    picked = options[index % len(options)]
    found = discriminator(schema)
    resolved = refs.resolve(picked)
    if found is None or not isinstance(resolved, Mapping):
        return resolved
    prop, mapping = found
    ref = picked.get("$ref") if isinstance(picked, Mapping) else None
    value = next((v for v, r in mapping.items() if r == ref), None)
    if value is None:
        value = Refs.name(picked)
    properties = resolved.get("properties")
    if value is None or not isinstance(properties, Mapping):
        return resolved
    if _fixes_value(properties.get(prop, {}), refs):
        return resolved
    return {**resolved, "properties": {**properties, prop: {"type": "string", "const": value}}}


def _fixes_value(schema: Any, refs: Refs, depth: int = 0) -> bool:
    """Whether a property already fixes its value: a ``const`` or ``enum``, or a union whose
    every non-null branch does (a nullable const)."""
    resolved = refs.resolve(schema)
    if not isinstance(resolved, Mapping):
        return False
    if "const" in resolved or "enum" in resolved:
        return True
    options = non_null_branches(resolved, refs)
    if not options or depth > 8:  # depth: a union that contains itself
        return False
    return all(_fixes_value(option, refs, depth + 1) for option in options)


# -- keyword facts -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NumberFacts:
    """A number's bounds (each possibly exclusive, draft 4's boolean form read too) and step."""

    low: float | None = None
    low_open: bool = False
    high: float | None = None
    high_open: bool = False
    step: float | None = None

    @classmethod
    def of(cls, schema: Mapping[str, Any]) -> NumberFacts:
        if _NUMBER_KEYWORDS.isdisjoint(schema):
            return _FREE_NUMBER
        low, low_open = _bound(schema, "minimum", "exclusiveMinimum", max)
        high, high_open = _bound(schema, "maximum", "exclusiveMaximum", min)
        step = schema.get("multipleOf")
        if step is not None and (
            not isinstance(step, int | float) or isinstance(step, bool) or step <= 0
        ):
            raise ValueError("'multipleOf' must be a number above 0")
        return cls(low, low_open, high, high_open, step)

    def admits(self, value: float) -> bool:
        """Whether ``value`` is within the bounds (the step aside)."""
        if self.low is not None and (value <= self.low if self.low_open else value < self.low):
            return False
        if self.high is not None:
            return value < self.high if self.high_open else value <= self.high
        return True

    def integral(self) -> NumberFacts:
        """The same facts for an integer: the step made the smallest integral multiple."""
        step = 1.0 if self.step is None else float(self.step)
        if step != int(step):
            step = lcm_with_one(step)
        return NumberFacts(self.low, self.low_open, self.high, self.high_open, step)


_NUMBER_KEYWORDS = frozenset(
    ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf")
)
_FREE_NUMBER = NumberFacts()


def _bound(
    schema: Mapping[str, Any], inclusive: str, exclusive: str, tighter: Any
) -> tuple[float | None, bool]:
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


def lcm_with_one(step: float) -> float:
    """The smallest multiple of ``step`` that is an integer (0.5 -> 1, 0.25 -> 1, 1.5 -> 3)."""
    for factor in range(1, 1001):
        product = round(step * factor, 9)
        if product == int(product) and product > 0:
            return product
    raise ValueError(f"no integer is a multiple of {step}")


def number_within(facts: NumberFacts, near: float) -> float | None:
    """The number nearest ``near`` that the facts admit (a multiple of the step), or None."""
    target = near
    if facts.low is not None:
        target = max(target, facts.low)
    if facts.high is not None:
        target = min(target, facts.high)
    step = facts.step
    if step is None:
        candidates = [target]
        if facts.low is not None and facts.high is not None:
            candidates.append((facts.low + facts.high) / 2)
        candidates.extend((target + 1, target - 1))
    else:
        candidates = [
            round(k * step, 9)
            for k in (math.ceil(round(target / step, 9)), math.floor(round(target / step, 9)))
            for k in (k, k + 1, k - 1)
        ]
    return next((c for c in candidates if facts.admits(c)), None)


@dataclass(frozen=True, slots=True)
class StringFacts:
    min_length: int = 0
    max_length: int | None = None
    pattern: str | None = None
    format: str | None = None
    content_encoding: str | None = None

    @classmethod
    def of(cls, schema: Mapping[str, Any]) -> StringFacts:
        if _STRING_KEYWORDS.isdisjoint(schema):
            return _PLAIN_STRING
        return cls(
            _count(schema, "minLength") or 0,
            _count(schema, "maxLength"),
            *(_text(schema, key) for key in ("pattern", "format", "contentEncoding")),
        )

    @property
    def example(self) -> str | None:
        """A value of the string's ``format``, where one is known."""
        return FORMAT_EXAMPLES.get(self.format) if self.format else None

    def fit(self, value: str) -> str:
        """``value`` cut to ``maxLength`` and padded to ``minLength``."""
        if self.max_length is not None and len(value) > self.max_length:
            value = value[: self.max_length]
        if len(value) < self.min_length:
            value += "x" * (self.min_length - len(value))
        return value


_STRING_KEYWORDS = frozenset(("minLength", "maxLength", "pattern", "format", "contentEncoding"))
_PLAIN_STRING = StringFacts()


@dataclass(frozen=True, slots=True)
class ArrayFacts:
    min_items: int = 0
    max_items: int | None = None
    unique: bool = False
    prefix: tuple[Any, ...] = ()
    items: Any = None
    """The schema of items after ``prefix`` (``{}`` when the schema leaves them free)."""

    @classmethod
    def of(cls, schema: Mapping[str, Any]) -> ArrayFacts:
        prefix = schema.get("prefixItems")
        return cls(
            _count(schema, "minItems") or 0,
            _count(schema, "maxItems"),
            schema.get("uniqueItems") is True,
            tuple(prefix) if isinstance(prefix, list) else (),
            schema.get("items", {}),
        )

    def item(self, position: int) -> Any:
        """The schema of the item at ``position``."""
        return self.prefix[position] if position < len(self.prefix) else self.items


@dataclass(frozen=True, slots=True)
class ObjectFacts:
    properties: Mapping[str, Any]
    required: tuple[str, ...] = ()
    additional: Any = None
    """``additionalProperties``: a schema, False, or None when unsaid."""
    min_properties: int = 0
    max_properties: int | None = None

    @classmethod
    def of(cls, schema: Mapping[str, Any]) -> ObjectFacts:
        properties = schema.get("properties")
        required = schema.get("required")
        return cls(
            properties if isinstance(properties, Mapping) else {},
            tuple(required) if isinstance(required, list) else (),
            schema.get("additionalProperties"),
            _count(schema, "minProperties") or 0,
            _count(schema, "maxProperties"),
        )


def _count(schema: Mapping[str, Any], key: str) -> int | None:
    """A length or count keyword, when it is a whole number (``3`` or ``3.0``)."""
    value = schema.get(key)
    if value is None or type(value) is int:
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value != int(value):
        return None
    return int(value)


def _text(schema: Mapping[str, Any], key: str) -> str | None:
    value = schema.get(key)
    return value if isinstance(value, str) else None
