"""Multipart form fields as the JSON value they encode.

The official SDKs flatten nested request arguments into bracketed field names:
``expires_after[anchor]=created_at`` and ``expires_after[seconds]=3600`` are one object,
``include[]=a`` and ``include[]=b`` one array, ``chunking_strategy[static][max_chunk_size_tokens]``
an object two levels deep, ``items[0][name]`` (or ``items[][name]``) the objects of an array.
Some clients send an object or array field as JSON text instead. This module turns either
encoding back into the value the operation's JSON schema describes, with each leaf string
converted to the type the schema gives it (``"3600"`` -> ``3600`` where an integer is expected).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

import orjson

Resolve = Callable[[Mapping[str, Any]], Mapping[str, Any]]

APPEND = object()
"""A ``[]`` segment: the value is a new element of the array."""
_SEGMENT = re.compile(r"\[([^\[\]]*)\]")
MAX_SEGMENTS = 16


class FormKeyError(ValueError):
    """A field name whose brackets do not describe a path (``a[b``, ``a]``, too deep)."""


def key_path(name: str) -> list[Any]:
    """``a[0][b]`` -> ``["a", 0, "b"]``; ``a[]`` -> ``["a", APPEND]``."""
    head, bracket, rest = name.partition("[")
    if not bracket:
        if "]" in name:
            raise FormKeyError(name)
        return [name]
    rest = "[" + rest
    segments = _SEGMENT.findall(rest)
    if "".join(f"[{s}]" for s in segments) != rest or not head:
        raise FormKeyError(name)
    if len(segments) > MAX_SEGMENTS:
        raise FormKeyError(name)
    path: list[Any] = [head]
    for segment in segments:
        if segment == "":
            path.append(APPEND)
        elif segment.isdigit() and len(segment) <= 6:
            path.append(int(segment))
        else:
            path.append(segment)
    return path


def nest(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Build one JSON object from ``(field name, value)`` pairs in the order they came."""
    out: dict[str, Any] = {}
    for name, value in pairs:
        path = key_path(name)
        _place(out, path, value)
    return out


def _place(container: Any, path: list[Any], value: Any) -> None:
    key, rest = path[0], path[1:]
    if isinstance(container, list):
        if key is APPEND:
            # `a[][b]`: a new element starts when the last one already has `b`.
            if rest and container and isinstance(container[-1], dict):
                last = container[-1]
                if not (isinstance(rest[0], str) and rest[0] in last and len(rest) == 1):
                    _place(last, rest, value)
                    return
            if not rest:
                container.append(value)
                return
            container.append(_empty_for(rest[0]))
            _place(container[-1], rest, value)
            return
        if not isinstance(key, int):
            raise FormKeyError(str(key))
        while len(container) <= key:
            container.append(None)
        if not rest:
            container[key] = value
            return
        if container[key] is None:
            container[key] = _empty_for(rest[0])
        _place(container[key], rest, value)
        return
    if not isinstance(container, dict) or key is APPEND or isinstance(key, int):
        raise FormKeyError(str(key))
    if not rest:
        if key in container and isinstance(container[key], list):
            container[key].append(value)  # a repeated plain name: one more element
        elif key in container:
            container[key] = [container[key], value]
        else:
            container[key] = value
        return
    current = container.get(key)
    wanted = _empty_for(rest[0])
    if current is None or type(current) is not type(wanted):
        current = wanted
        container[key] = current
    _place(current, rest, value)


def _empty_for(segment: Any) -> Any:
    return [] if segment is APPEND or isinstance(segment, int) else {}


def coerce(value: Any, schema: Mapping[str, Any], resolve: Resolve, depth: int = 0) -> Any:
    """Convert the form's strings to what ``schema`` expects (numbers, booleans, JSON text of
    objects and arrays); anything that does not fit stays as sent, for validation to name."""
    schema = resolve(schema)
    if depth > 32:
        return value
    types = _types(schema, resolve)
    if isinstance(value, str):
        if ("object" in types or "array" in types) and value[:1] in ("{", "["):
            try:
                return coerce(orjson.loads(value), schema, resolve, depth + 1)
            except orjson.JSONDecodeError:
                return value
        if "string" in types and _string_accepts(schema, value, resolve):
            return value
        if "array" in types:
            items = _member(schema, resolve, "items")
            return [coerce(value, items, resolve, depth + 1) if items else value]
        return _scalar(value, types)
    if isinstance(value, list):
        if "array" not in types and len(value) > 1 and "string" in types:
            return value
        items = _member(schema, resolve, "items")
        if "array" not in types and len(value) == 1:
            return coerce(value[0], schema, resolve, depth + 1)
        return [coerce(v, items, resolve, depth + 1) if items else v for v in value]
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, sub in value.items():
            prop = _property(schema, key, resolve)
            out[key] = coerce(sub, prop, resolve, depth + 1) if prop is not None else sub
        return out
    return value


def _types(schema: Mapping[str, Any], resolve: Resolve) -> set[str]:
    kind = schema.get("type")
    found: set[str] = set()
    if isinstance(kind, str):
        found.add(kind)
    elif isinstance(kind, list):
        found.update(str(k) for k in kind)
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            found |= _types(resolve(branch), resolve)
    if not found and "properties" in schema:
        found.add("object")
    return found


def _string_accepts(schema: Mapping[str, Any], value: str, resolve: Resolve) -> bool:
    """Whether some string branch of ``schema`` could take ``value`` (``"inf"`` is the string
    branch of ``integer | "inf"``; ``"4096"`` is not)."""
    for branch in _branches(schema, resolve):
        kinds = branch.get("type")
        if kinds != "string" and not (isinstance(kinds, list) and "string" in kinds):
            continue
        options = branch.get("enum", [branch["const"]] if "const" in branch else None)
        if options is None or value in options:
            return True
    return False


def _branches(schema: Mapping[str, Any], resolve: Resolve) -> list[Mapping[str, Any]]:
    out = [schema]
    for key in ("anyOf", "oneOf", "allOf"):
        for branch in schema.get(key, []):
            out.extend(_branches(resolve(branch), resolve))
    return out


def _member(schema: Mapping[str, Any], resolve: Resolve, key: str) -> Mapping[str, Any] | None:
    for branch in _branches(schema, resolve):
        found = branch.get(key)
        if isinstance(found, Mapping):
            return found
    return None


def _property(schema: Mapping[str, Any], name: str, resolve: Resolve) -> Mapping[str, Any] | None:
    for branch in _branches(schema, resolve):
        props = branch.get("properties")
        if isinstance(props, Mapping) and isinstance(props.get(name), Mapping):
            found: Mapping[str, Any] = props[name]
            return found
    for branch in _branches(schema, resolve):
        extra = branch.get("additionalProperties")
        if isinstance(extra, Mapping):
            return extra
    return None


def _scalar(value: str, types: set[str]) -> Any:
    if "integer" in types:
        try:
            return int(value)
        except ValueError:
            pass
    if "number" in types:
        try:
            return float(value) if not value.lstrip("-").isdigit() else int(value)
        except ValueError:
            pass
    if "boolean" in types and value.lower() in ("true", "false"):
        return value.lower() == "true"
    if "null" in types and value in ("", "null"):
        return None
    return value
