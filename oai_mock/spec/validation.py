"""Validate JSON against the bundle's schemas, in two profiles.

*strict* is exactly the normalized spec. *lenient* accepts what real servers (OpenAI included)
send without breaking clients: fields the spec calls required but that are missing, extra
fields, unknown enum values and ``null`` for a field the spec does not mark nullable. A lenient
check still reports each of those as a named :class:`Deviation`.

Validators are compiled lazily, once per schema and profile, by jsonschema-rs: the whole schema
set is registered once as one resource, and each validator compiles only what it reaches.

>>> from oai_mock.spec import load_bundle, SchemaChecker
>>> checker = SchemaChecker(load_bundle())
>>> report = checker.check({"object": "list", "data": []}, {"$ref": "#/$defs/ListModelsResponse"})
>>> report.ok
True
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import jsonschema_rs
import orjson

from oai_mock.spec.bundle import Bundle
from oai_mock.spec.model import Schema

Profile = Literal["strict", "lenient"]
DEF_PREFIX = "#/$defs/"
URN = {"strict": "urn:oai-mock:strict", "lenient": "urn:oai-mock:lenient"}

DeviationKind = Literal[
    "missing-required",
    "extra-field",
    "unknown-enum-value",
    "null-for-non-nullable",
]


@dataclass(frozen=True, slots=True)
class Problem:
    """One place where an instance departs from a schema."""

    path: str
    """JSON pointer into the instance, ``""`` for the root."""
    message: str
    keyword: str
    kind: DeviationKind | None = None
    """Set when the lenient profile tolerates this problem."""
    parts: tuple[str | int, ...] = ()
    """The instance path as keys and indexes."""
    detail: Mapping[str, Any] = field(default_factory=dict)
    """The keyword's facts: ``{"property": "model"}`` for ``required``, ``{"limit": 1}`` for
    ``minimum``, ``{"options": [...]}`` for ``enum``."""
    instance: Any = None

    def __str__(self) -> str:
        where = self.path or "/"
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class Report:
    """The outcome of one check: ``ok`` under the chosen profile, with every problem found."""

    profile: Profile
    errors: tuple[Problem, ...] = ()
    deviations: tuple[Problem, ...] = ()
    """Departures from the strict spec that the lenient profile tolerates."""

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self, limit: int = 5) -> str:
        lines = [str(p) for p in self.errors[:limit]]
        if len(self.errors) > limit:
            lines.append(f"... and {len(self.errors) - limit} more")
        return "\n".join(lines)


_PASSED: dict[Profile, Report] = {"strict": Report("strict"), "lenient": Report("lenient")}
"""A passed check's report (reports are immutable: one per profile serves every check)."""


@dataclass
class SchemaChecker:
    """Compiled validators over one bundle's schemas; safe to share between threads."""

    bundle: Bundle
    _registries: dict[str, jsonschema_rs.Registry] = field(default_factory=dict)
    _validators: dict[tuple[str, str], Any] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    derived: dict[Any, Any] = field(default_factory=dict)
    """Values worked out once from the bundle's schemas, under their users' keys (such as the
    property names a request body may have); they live as long as the checker."""

    def validator(self, schema: Schema, profile: Profile = "strict") -> Any:
        """The compiled validator for ``schema`` (a ``$ref`` into the bundle, or inline)."""
        ref = schema.get("$ref") if len(schema) == 1 else None
        key = (profile, ref if isinstance(ref, str) else orjson.dumps(schema).decode())
        found = self._validators.get(key)
        if found is not None:
            return found
        with self._lock:
            registry = self._registry(profile)
            target = dict(schema) if profile == "strict" else lenient_schema(dict(schema))
            anchored = _anchor_refs(target, URN[profile])
            compiled = jsonschema_rs.validator_for(anchored, registry=registry)
            self._validators[key] = compiled
            return compiled

    def is_valid(self, instance: Any, schema: Schema, profile: Profile = "strict") -> bool:
        return bool(self.validator(schema, profile).is_valid(instance))

    def check(self, instance: Any, schema: Schema, profile: Profile = "strict") -> Report:
        """Validate ``instance``; in the lenient profile, also name each tolerated deviation."""
        strict = self.validator(schema, "strict")
        if strict.is_valid(instance):
            return _PASSED.get(profile) or Report(profile)
        problems = tuple(_problems(strict.iter_errors(instance)))
        if profile == "strict":
            return Report(profile, errors=problems)
        lenient = self.validator(schema, "lenient")
        if lenient.is_valid(instance):
            return Report(profile, deviations=problems)
        errors = tuple(_problems(lenient.iter_errors(instance)))
        tolerated = tuple(p for p in problems if p.kind is not None)
        return Report(profile, errors=errors, deviations=tolerated)

    def _registry(self, profile: Profile) -> jsonschema_rs.Registry:
        registry = self._registries.get(profile)
        if registry is None:
            defs: Mapping[str, Any] = self.bundle.schemas
            if profile == "lenient":
                defs = {name: lenient_schema(dict(s)) for name, s in defs.items()}
            document = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$defs": defs}
            registry = jsonschema_rs.Registry([(URN[profile], document)])
            self._registries[profile] = registry
        return registry


def _anchor_refs(schema: dict[str, Any], urn: str) -> dict[str, Any]:
    """Point an inline schema's ``#/$defs/X`` references at the registered schema set."""
    text = orjson.dumps(schema)
    if b'"#/$defs/' not in text:
        return schema
    anchored: dict[str, Any] = orjson.loads(text.replace(b'"#/$defs/', f'"{urn}#/$defs/'.encode()))
    return anchored


# -- the lenient profile ---------------------------------------------------------------------


def lenient_schema(node: Any) -> Any:
    """Derive the lenient form of a schema: nothing required, no closed objects, enums reduced
    to their type, every property nullable."""
    if isinstance(node, list):
        return [lenient_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("required", "discriminator"):
            continue
        if key == "additionalProperties" and value is False:
            continue
        if key in ("enum", "const"):
            if "type" not in node:
                values = value if key == "enum" else [value]
                out["type"] = sorted({json_type(v) for v in values})
            continue
        if key == "properties":
            out[key] = {name: _nullable(lenient_schema(sub)) for name, sub in value.items()}
        elif isinstance(value, dict | list):
            out[key] = lenient_schema(value)
        else:
            out[key] = value
    return out


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    kind = schema.get("type")
    if isinstance(kind, str) and kind != "null":
        return {**schema, "type": [kind, "null"]}
    if isinstance(kind, list):
        return schema if "null" in kind else {**schema, "type": [*kind, "null"]}
    return {"anyOf": [schema, {"type": "null"}]} if schema else schema


def json_type(value: Any) -> str:
    """The JSON Schema type name of a decoded JSON value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


# -- error reports -------------------------------------------------------------------------------


def _problems(errors: Any) -> list[Problem]:
    out: list[Problem] = []
    for error in errors:
        out.extend(_explain(error))
    return out


def _explain(error: Any) -> list[Problem]:
    kind = error.kind
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.AnyOf) and kind.context:
        shared = _shared_choice(kind.context)
        if shared is not None:
            return [shared]
        # Report the branch that came closest: one of the value's own JSON type (an array
        # too long is that, not "expected a string"), then the one whose tag fields (a
        # message's role, an item's type) accept the value, then the fewest problems, then
        # the deepest ones.
        depth = len(error.instance_path)
        best = min(
            kind.context,
            key=lambda branch: (
                any(
                    isinstance(e.kind, jsonschema_rs.ValidationErrorKind.Type)
                    and len(e.instance_path) == depth
                    for e in branch
                ),
                sum(
                    isinstance(e.kind, _CHOICE_KINDS) and len(e.instance_path) > depth
                    for e in branch
                ),
                len(branch),
                -max((len(e.instance_path) for e in branch), default=0),
            ),
        )
        explained = _problems(best)
        if explained:
            return explained
    return [_problem(error)]


_CHOICE_KINDS = (jsonschema_rs.ValidationErrorKind.Enum, jsonschema_rs.ValidationErrorKind.Constant)


def _shared_choice(branches: list[list[Any]]) -> Problem | None:
    """When every branch refuses the same field's value (a message whose role no branch
    accepts), one problem listing what all branches accept, as OpenAI's message does;
    reporting only the closest branch would list one role of six."""
    at_path: list[dict[tuple[Any, ...], Any]] = []
    for branch in branches:
        choices = {tuple(e.instance_path): e for e in branch if isinstance(e.kind, _CHOICE_KINDS)}
        if not choices:
            return None
        at_path.append(choices)
    common = set(at_path[0]).intersection(*at_path[1:])
    if not common:
        return None
    path = max(common, key=len)
    options: list[Any] = []
    for choices in at_path:
        detail = choices[path].kind.as_dict()
        for option in detail.get("options") or [detail.get("expected_value")]:
            if option not in options:
                options.append(option)
    return replace(_problem(at_path[0][path]), keyword="enum", detail={"options": options})


def _problem(error: Any) -> Problem:
    kind = error.kind
    path = "/" + "/".join(str(part) for part in error.instance_path) if error.instance_path else ""
    keyword = kind.name
    deviation: DeviationKind | None = None
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
        deviation = "missing-required"
    elif isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
        deviation = "extra-field"
    elif isinstance(
        kind, jsonschema_rs.ValidationErrorKind.Enum | jsonschema_rs.ValidationErrorKind.Constant
    ):
        deviation = "unknown-enum-value"
    elif isinstance(kind, jsonschema_rs.ValidationErrorKind.Type) and error.instance is None:
        deviation = "null-for-non-nullable"
    detail = {k: v for k, v in kind.as_dict().items() if k != "context"}
    return Problem(
        path=path,
        message=error.message,
        keyword=keyword,
        kind=deviation,
        parts=tuple(error.instance_path),
        detail=detail,
        instance=error.instance,
    )
