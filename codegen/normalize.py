"""Turn the spec's component schemas into plain JSON Schema 2020-12 that validates without
false positives.

OpenAI's document mixes OpenAPI 3.0 and 3.1 idioms. What changes, and why:

- ``#/components/schemas/X`` references become ``#/$defs/X`` so the schema set is one JSON
  Schema document that any validator can load as a resource.
- ``nullable: true`` (OpenAPI 3.0) becomes a type union with ``null`` (and ``None`` joins an
  enum), because 2020-12 validators ignore ``nullable``.
- ``$recursiveAnchor`` / ``$recursiveRef`` (2019-09) become a plain ``$ref`` to the schema that
  holds the anchor: 2020-12 replaced them and validators reject the old form.
- ``oneOf`` becomes ``anyOf``: several of the spec's unions overlap (a string enum next to a free
  string, objects that differ only in optional fields), so "exactly one branch" rejects data the
  API really sends. Discriminators keep their role through an explicit ``mapping``.
- ``allOf`` branches that are plain objects are merged into one object, so ``required`` is read
  against every property it names (the spec sometimes names, in one branch, a property defined
  in another).
- Duplicate entries in ``required`` are dropped; boolean ``exclusiveMinimum`` (3.0) becomes the
  numeric 2020-12 form.
- Documentation-only keywords (descriptions, examples, titles, vendor extensions) are removed
  from the bundle; the client generator reads them from the spec itself.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

from codegen.overrides import WAIVERS

JSON = Any
REF_PREFIX = "#/components/schemas/"
DEF_PREFIX = "#/$defs/"

# Keywords kept in the bundle. Anything else is documentation or a vendor hint.
KEPT_KEYWORDS = frozenset(
    {
        "$ref",
        "type",
        "properties",
        "required",
        "additionalProperties",
        "items",
        "prefixItems",
        "enum",
        "const",
        "anyOf",
        "oneOf",
        "allOf",
        "not",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "maxProperties",
        "minProperties",
        "pattern",
        "propertyNames",
        "format",
        "default",
        "discriminator",
        "nullable",
        "$recursiveRef",
        "$recursiveAnchor",
        "x-stainless-const",
    }
)

# Keywords whose value is a map of name -> schema.
SCHEMA_MAPS = ("properties",)
# Keywords whose value is a schema.
SCHEMA_VALUES = ("items", "additionalProperties", "not", "propertyNames")
# Keywords whose value is a list of schemas.
SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")


def normalize_schemas(components: dict[str, JSON]) -> dict[str, JSON]:
    """Return the normalized copy of ``components.schemas``, keyed by schema name."""
    schemas = {name: _clean(copy.deepcopy(schema), name) for name, schema in components.items()}
    # A branch may itself be an allOf that merges later in the pass: repeat to a fixed point.
    for _ in range(8):
        before = repr(schemas)
        for name in schemas:
            schemas[name] = _merge_all_of(schemas[name], schemas)
        if repr(schemas) == before:
            break
    for name in schemas:
        schemas[name] = _discriminate(schemas[name], schemas, name)
    _apply_waivers(schemas)
    return {name: schemas[name] for name in sorted(schemas)}


def normalize_inline(schema: JSON, schemas: dict[str, JSON]) -> JSON:
    """Normalize a schema written inline in an operation (a parameter, a body, a response)."""
    cleaned = _clean(copy.deepcopy(schema), None)
    merged = _merge_all_of(cleaned, schemas)
    return _discriminate(merged, schemas, None)


def ref_name(ref: str) -> str:
    """``#/$defs/X`` -> ``X``."""
    return ref[len(DEF_PREFIX) :]


def resolve(schema: JSON, schemas: dict[str, JSON]) -> JSON:
    """Follow ``$ref`` chains to the schema they name."""
    seen: set[str] = set()
    while isinstance(schema, dict) and "$ref" in schema and len(schema) == 1:
        ref = schema["$ref"]
        if ref in seen or not ref.startswith(DEF_PREFIX):
            break
        seen.add(ref)
        schema = schemas[ref_name(ref)]
    return schema


# -- cleaning: references, nullability, recursion, documentation --------------------------------


def _clean(node: JSON, owner: str | None) -> JSON:
    if isinstance(node, list):
        return [_clean(item, owner) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, JSON] = {}
    for key, value in node.items():
        if key not in KEPT_KEYWORDS:
            continue
        if key in SCHEMA_MAPS:
            out[key] = {prop: _clean(sub, owner) for prop, sub in value.items()}
        elif key in SCHEMA_VALUES:
            out[key] = _clean(value, owner) if isinstance(value, dict) else value
        elif key in SCHEMA_LISTS:
            out["anyOf" if key == "oneOf" else key] = [_clean(sub, owner) for sub in value]
        elif key == "$ref":
            out[key] = value.replace(REF_PREFIX, DEF_PREFIX)
        elif key == "$recursiveRef":
            # `$recursiveRef: "#"` points at the schema carrying `$recursiveAnchor`: its owner.
            out["$ref"] = f"{DEF_PREFIX}{owner}"
        elif key in ("$recursiveAnchor", "x-stainless-const"):
            continue
        elif key == "required":
            out[key] = list(dict.fromkeys(value))
        else:
            out[key] = copy.deepcopy(value)
    if "oneOf" in node and "anyOf" in node:
        # Both present: keep both constraints by nesting the former oneOf.
        out["allOf"] = [*out.get("allOf", []), {"anyOf": [_clean(s, owner) for s in node["oneOf"]]}]
        out["anyOf"] = [_clean(s, owner) for s in node["anyOf"]]
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        # OpenAPI 3.0 writes `exclusiveMinimum: true` beside `minimum`; 2020-12 wants the number.
        flag = out.get(exclusive)
        if isinstance(flag, bool):
            del out[exclusive]
            if flag and bound in out:
                out[exclusive] = out.pop(bound)
    if out.pop("nullable", False):
        out = _make_nullable(out)
    if "enum" in out and len(out["enum"]) == 1 and "const" not in out:
        out["const"] = out["enum"][0]
        del out["enum"]
    return out


def _make_nullable(schema: dict[str, JSON]) -> dict[str, JSON]:
    kind = schema.get("type")
    if kind is None:
        if not schema:
            return schema
        return {"anyOf": [schema, {"type": "null"}]}
    kinds = kind if isinstance(kind, list) else [kind]
    if "null" not in kinds:
        schema["type"] = [*kinds, "null"]
    if "enum" in schema and None not in schema["enum"]:
        schema["enum"] = [*schema["enum"], None]
    if "const" in schema:
        value = schema.pop("const")
        schema["enum"] = [value, None]
    return schema


# -- allOf merging -------------------------------------------------------------------------------

MERGEABLE_KEYS = frozenset({"type", "properties", "required", "additionalProperties"})


def _merge_all_of(node: JSON, schemas: dict[str, JSON]) -> JSON:
    if isinstance(node, list):
        return [_merge_all_of(item, schemas) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _merge_children(key, value, schemas) for key, value in node.items()}
    if "allOf" in out:
        # `allOf: [X, {}]` says no more than X.
        out["allOf"] = [branch for branch in out["allOf"] if branch != {}]
        if len(out["allOf"]) == 1 and len(out) == 1:
            return out["allOf"][0]
    branches = out.get("allOf")
    if not branches:
        out.pop("allOf", None)
        return out
    resolved = [resolve(branch, schemas) for branch in branches]
    if not all(_is_plain_object(branch) for branch in resolved):
        return out
    merged: dict[str, JSON] = {"type": "object", "properties": {}}
    required: list[str] = []
    for branch in resolved:
        merged["properties"].update(copy.deepcopy(branch.get("properties", {})))
        required.extend(branch.get("required", []))
        if branch.get("additionalProperties") is False:
            merged["additionalProperties"] = False
    rest = {key: value for key, value in out.items() if key != "allOf"}
    merged["properties"].update(rest.pop("properties", {}))
    required.extend(rest.pop("required", []))
    rest.pop("type", None)
    if required:
        merged["required"] = list(dict.fromkeys(required))
    merged.update(rest)
    return merged


def _merge_children(key: str, value: JSON, schemas: dict[str, JSON]) -> JSON:
    if key in SCHEMA_MAPS:
        return {prop: _merge_all_of(sub, schemas) for prop, sub in value.items()}
    if key in SCHEMA_VALUES or key in SCHEMA_LISTS:
        return _merge_all_of(value, schemas)
    return value


def _is_plain_object(schema: JSON) -> bool:
    if not isinstance(schema, dict) or not schema:
        return False
    if schema.get("type", "object") != "object":
        return False
    return set(schema) <= MERGEABLE_KEYS


# -- discriminators ------------------------------------------------------------------------------


def _discriminate(node: JSON, schemas: dict[str, JSON], owner: str | None) -> JSON:
    if isinstance(node, list):
        return [_discriminate(item, schemas, owner) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _discriminate(value, schemas, owner) for key, value in node.items()}
    disc = out.get("discriminator")
    if isinstance(disc, dict) and "anyOf" in out:
        prop = disc["propertyName"]
        mapping: dict[str, str] = {}
        for index, branch in enumerate(out["anyOf"]):
            target = branch["$ref"] if "$ref" in branch and len(branch) == 1 else None
            for value in _branch_constants(branch, prop, schemas, depth=0):
                mapping.setdefault(str(value), target or f"#/anyOf/{index}")
        out["discriminator"] = {"propertyName": prop, "mapping": dict(sorted(mapping.items()))}
    elif disc is not None:
        # A discriminator beside `items` (not on a union) repeats the one on the items.
        del out["discriminator"]
    return out


def _branch_constants(branch: JSON, prop: str, schemas: dict[str, JSON], depth: int) -> list[JSON]:
    """The discriminator values a branch accepts, looking through nested unions."""
    resolved = resolve(branch, schemas)
    if not isinstance(resolved, dict) or depth > 4:
        return []
    found = list(_constants(resolved.get("properties", {}).get(prop)))
    for nested in resolved.get("anyOf", []):
        found.extend(_branch_constants(nested, prop, schemas, depth + 1))
    return found


def _constants(schema: JSON) -> Iterable[JSON]:
    if not isinstance(schema, dict):
        return []
    if "const" in schema:
        return [schema["const"]]
    return [value for value in schema.get("enum", []) if value is not None]


# -- waivers ---------------------------------------------------------------------------------


def _apply_waivers(schemas: dict[str, JSON]) -> None:
    for schema in schemas.values():
        props = schema.get("properties") if isinstance(schema, dict) else None
        if isinstance(props, dict) and {"data", "first_id", "last_id"} <= set(props):
            for cursor in ("first_id", "last_id"):
                props[cursor] = _make_nullable(copy.deepcopy(props[cursor]))
    for name, path, change, _reason in WAIVERS:
        parent = resolve(schemas[name], schemas)
        for prop in path[:-1]:
            step = parent["items"] if prop == "[]" else parent["properties"][prop]
            parent = resolve(step, schemas)
        target = parent["properties"][path[-1]]
        if change == "nullable":
            parent["properties"][path[-1]] = _make_nullable(copy.deepcopy(target))
        elif change.startswith("enum+:"):
            extended = copy.deepcopy(target)
            extended["enum"] = [*extended["enum"], change[6:]]
            parent["properties"][path[-1]] = extended
        elif change.startswith("also:"):
            parent["properties"][path[-1]] = {"anyOf": [target, {"type": change[5:]}]}
        else:  # pragma: no cover - a new change kind must be taught here first
            raise ValueError(f"unknown waiver change {change!r}")
