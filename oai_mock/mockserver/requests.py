"""Parse and validate a request against its operation, answering errors the way OpenAI does."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

from oai_mock.mockserver import form_fields, limits
from oai_mock.mockserver.errors import INVALID_JSON_MESSAGE, APIError, invalid_request
from oai_mock.mockserver.messages import MockRequest
from oai_mock.mockserver.multipart import MultipartError, UploadedFile, parse_multipart
from oai_mock.mockserver.routing import RouteMatch
from oai_mock.mockserver.scenario import Reply
from oai_mock.spec import Operation, Parameter, Problem, SchemaChecker
from oai_mock.spec.validation import json_type

JSON_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a decimal",
    "boolean": "a boolean",
    "array": "an array",
    "object": "an object",
    "null": "null",
}


@dataclass(slots=True)
class Call:
    """A routed, parsed and validated request: what behaviours work from."""

    operation: Operation
    request: MockRequest
    path_params: dict[str, str] = field(default_factory=dict)
    query: dict[str, Any] = field(default_factory=dict)
    body: Any = None
    """The JSON body, or the form fields of a multipart body (files in ``files``)."""
    files: dict[str, list[UploadedFile]] = field(default_factory=dict)
    deployment: str | None = None
    scripted: Reply | None = None
    """The scripted reply a scenario rule chose for this request, if any."""
    rule_used: bool = False
    """Whether a scenario rule (reply or fault) answered this request."""
    rule_id: str | None = None
    """The id of that rule."""

    @property
    def json(self) -> dict[str, Any]:
        """The body as a dict (empty when the body is not a JSON object)."""
        return self.body if isinstance(self.body, dict) else {}

    @property
    def wants_stream(self) -> bool:
        streaming = self.operation.streaming
        if streaming is None:
            return False
        if streaming.switch == "query":
            return self.query.get("stream") is True
        if streaming.switch == "stream_format":
            return self.json.get("stream_format") == "sse"
        return self.json.get("stream") is True


UNPARSED: Any = object()
"""``parse_call``'s ``json_body`` when the body is still the request's bytes."""


def parse_call(
    match: RouteMatch,
    request: MockRequest,
    checker: SchemaChecker,
    max_body_bytes: int,
    accept_unknown_arguments: bool = False,
    json_body: Any = UNPARSED,
) -> Call:
    """``json_body``: the JSON body as a value (a call the fake makes itself, such as a batch's
    line), validated as the request's bytes would be but not decoded again."""
    op = match.operation
    call = Call(op, request, match.path_params, deployment=match.deployment)
    for param in op.params_in("path"):
        value = match.path_params.get(param.name, "")
        _check(checker, value, param.schema, param.name)
    call.query = _parse_query(op, request, checker)
    for param in op.params_in("header"):
        raw = request.header(param.name)
        if raw is None and param.required:
            raise invalid_request(f"Missing required header: '{param.name}'.", param.name)
    if op.body is not None and json_body is not UNPARSED:
        if "application/json" not in op.body.content_types:
            raise invalid_request(
                f"This endpoint expects {' or '.join(op.body.content_types)}; "
                "the call gave a JSON body.",
                code="unsupported_content_type",
            )
        _accept_json(call, json_body, checker, accept_unknown_arguments, may_hold_floats=True)
    elif op.body is not None:
        allowed = limits.body_limit(op.id, max_body_bytes)
        if len(request.body) > allowed:
            raise limits.too_large(len(request.body), allowed)
        _parse_body(call, checker, accept_unknown_arguments)
    limits.check_ranges(op.id, call.query, call.body)
    return call


# -- query ---------------------------------------------------------------------------------------


def _parse_query(op: Operation, request: MockRequest, checker: SchemaChecker) -> dict[str, Any]:
    literal = dict(op.literal_query)
    raw: dict[str, list[str]] = {}
    for key, value in request.query:
        if key in literal and literal[key] == value:
            continue
        raw.setdefault(key, []).append(value)
    out: dict[str, Any] = {}
    for param in op.params_in("query"):
        present = _query_values(param, raw)
        if present is None:
            if param.required:
                raise invalid_request(
                    f"Missing required parameter: '{param.name}'.",
                    param.name,
                    "missing_required_parameter",
                )
            continue
        value = _coerce(present, param.schema, checker)
        _check(checker, value, param.schema, param.name)
        out[param.name] = value
    return out


def _query_values(param: Parameter, raw: Mapping[str, list[str]]) -> Any:
    if param.style == "deepObject":
        prefix = param.name + "["
        found = {k[len(prefix) : -1]: v[-1] for k, v in raw.items() if k.startswith(prefix)}
        return found or None
    values = raw.get(param.name) or raw.get(param.name + "[]")
    if values is None:
        return None
    return values


def _coerce(values: Any, schema: Mapping[str, Any], checker: SchemaChecker) -> Any:
    """Turn query strings into the JSON value the schema describes."""
    if isinstance(values, dict):
        return values
    schema = checker.bundle.refs.resolve(schema)
    types = _types(schema, checker)
    if "array" in types:
        items = schema.get("items", {})
        flat = [part for value in values for part in value.split(",")] if values else []
        return [_scalar(v, _types(checker.bundle.refs.resolve(items), checker)) for v in flat]
    return _scalar(values[-1], types)


def _types(schema: Mapping[str, Any], checker: SchemaChecker) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, str):
        return [kind]
    if isinstance(kind, list):
        return [str(k) for k in kind]
    out: list[str] = []
    for branch in schema.get("anyOf", []):
        out.extend(_types(checker.bundle.refs.resolve(branch), checker))
    return out


def _scalar(value: str, types: list[str]) -> Any:
    for kind in types:
        try:
            if kind == "integer":
                return int(value)
            if kind == "number":
                return float(value)
        except ValueError:
            continue
        if kind == "boolean" and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if kind == "null" and value in ("", "null"):
            return None
    return value


# -- body ----------------------------------------------------------------------------------------


def _parse_body(call: Call, checker: SchemaChecker, accept_unknown: bool) -> None:
    body = call.operation.body
    assert body is not None
    request = call.request
    media = (request.header("content-type") or "").split(";")[0].strip().lower()
    accepts_json = "application/json" in body.content_types
    if media == "multipart/form-data" and "multipart/form-data" in body.content_types:
        _parse_form(call, checker, accept_unknown)
        return
    if media in ("", "application/json") or media.endswith("+json"):
        if not accepts_json:
            raise invalid_request(
                f"This endpoint expects {' or '.join(body.content_types)}; "
                f"the request sent {media or 'no Content-Type'}.",
                code="unsupported_content_type",
            )
        _parse_json(call, checker, accept_unknown)
        return
    if media in body.content_types:
        # A raw body the operation declares (application/sdp for realtime calls).
        call.body = request.body.decode("utf-8", errors="replace")
        return
    accepted = ", ".join(f"'{t}'" for t in body.content_types)
    raise APIError(
        415,
        f"Unsupported content type: '{media}'. This API method only accepts {accepted} "
        f"requests, but you specified the header 'Content-Type: {media}'. Please try again "
        "with a supported content type.",
        code="unsupported_content_type",
    )


def _parse_json(call: Call, checker: SchemaChecker, accept_unknown: bool) -> None:
    raw = call.request.body
    body = call.operation.body
    assert body is not None
    if not raw.strip():
        if not body.required:
            call.body = {}
            return
        value: Any = {}
    else:
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise invalid_request(INVALID_JSON_MESSAGE) from None
    _accept_json(call, value, checker, accept_unknown, bool(_MAY_HOLD_FLOATS.search(raw)))


def _accept_json(
    call: Call, value: Any, checker: SchemaChecker, accept_unknown: bool, may_hold_floats: bool
) -> None:
    """Validate a JSON body and keep it as the call's body (integral floats where the schema
    wants integers made ints)."""
    body = call.operation.body
    assert body is not None
    schema = body.schemas["application/json"]
    if accept_unknown and isinstance(value, dict):
        known = known_properties(schema, checker)
        checked = {k: v for k, v in value.items() if known is None or k in known}
        _check(checker, checked, schema, None)
        call.body = integers_as_int(value, schema, checker)
        return
    _reject_unknown_arguments(value, schema, checker)
    _check(checker, value, schema, None)
    if may_hold_floats:
        value = integers_as_int(value, schema, checker)
    call.body = value


_MAY_HOLD_FLOATS = re.compile(rb"\d[.eE]")


def integers_as_int(value: Any, schema: Mapping[str, Any], checker: SchemaChecker) -> Any:
    """``1297.0`` where the schema wants an integer becomes ``1297``: JSON Schema's
    ``integer`` accepts integral floats, and behaviours must get the type they expect."""
    return _integers(value, schema, checker, 0)


def _integers(value: Any, schema: Mapping[str, Any], checker: SchemaChecker, depth: int) -> Any:
    if depth > 64 or not isinstance(value, float | dict | list):
        return value
    branches = _branches(schema, checker, 0)
    if isinstance(value, float):
        types = {t for b in branches for t in _types(b, checker)}
        if value.is_integer() and "integer" in types and "number" not in types:
            return int(value)
        return value
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            sub = next(
                (b["properties"][key] for b in branches if key in b.get("properties", {})), None
            )
            out[key] = item if sub is None else _integers(item, sub, checker, depth + 1)
        return out
    items = next((b["items"] for b in branches if isinstance(b.get("items"), Mapping)), None)
    if items is None:
        return value
    return [_integers(item, items, checker, depth + 1) for item in value]


def _branches(
    schema: Mapping[str, Any], checker: SchemaChecker, depth: int
) -> list[Mapping[str, Any]]:
    schema = checker.bundle.refs.resolve(schema)
    found = [schema]
    if depth < 8:
        for key in ("anyOf", "oneOf", "allOf"):
            for branch in schema.get(key, ()):
                found.extend(_branches(branch, checker, depth + 1))
    return found


def _parse_form(call: Call, checker: SchemaChecker, accept_unknown: bool) -> None:
    body = call.operation.body
    assert body is not None
    try:
        form = parse_multipart(call.request.body, call.request.header("content-type") or "")
    except MultipartError as error:
        raise invalid_request(f"Could not parse the multipart/form-data body: {error}.") from None
    schema = checker.bundle.refs.resolve(body.schemas["multipart/form-data"])
    pairs: list[tuple[str, Any]] = list(form.fields)
    for raw_name, upload in form.files:
        name = raw_name[:-2] if raw_name.endswith("[]") else raw_name
        call.files.setdefault(name, []).append(upload)
        # For validation a file stands in as the string the schema's `format: binary` expects.
        pairs.append((raw_name, upload.filename))
    try:
        nested = form_fields.nest(pairs)
    except form_fields.FormKeyError as error:
        raise invalid_request(
            f"Unrecognized request argument supplied: {error}", code="unknown_parameter"
        ) from None
    for name, _ in form.fields:  # a file's field sent as text: OpenAI wants the file
        name = name[:-2] if name.endswith("[]") else name
        if name not in call.files and _takes_files(schema, name, checker):
            raise invalid_request(
                f"Invalid type for '{name}': expected a file, but got a string instead.",
                name,
                "invalid_type",
            )
    fields = form_fields.coerce(nested, schema, checker.bundle.resolve)
    if not accept_unknown:
        _reject_unknown_arguments(fields, schema, checker)
    known = known_properties(schema, checker) if accept_unknown else None
    _check(checker, {k: v for k, v in fields.items() if known is None or k in known}, schema, None)
    call.body = fields


def _takes_files(schema: Mapping[str, Any], name: str, checker: SchemaChecker) -> bool:
    """Whether the form's field ``name`` holds files only (``format: binary``, or a list of
    them) in every branch that declares it."""
    resolve = checker.bundle.refs.resolve
    found = []
    for branch in [
        schema,
        *(resolve(b) for b in schema.get("anyOf", []) + schema.get("oneOf", [])),
    ]:
        prop = (branch.get("properties") or {}).get(name)
        if isinstance(prop, Mapping):
            found.append(resolve(prop))
    if not found:
        return False

    def binary(node: Mapping[str, Any]) -> bool:
        if node.get("format") == "binary":
            return True
        items = node.get("items")
        if node.get("type") == "array" and isinstance(items, Mapping):
            return binary(resolve(items))
        options: list[Any] = node.get("anyOf") or node.get("oneOf") or []
        return bool(options) and all(binary(resolve(o)) for o in options)

    return all(binary(prop) for prop in found)


def _reject_unknown_arguments(
    value: Any, schema: Mapping[str, Any], checker: SchemaChecker
) -> None:
    if not isinstance(value, dict):
        return
    known = known_properties(schema, checker)
    if known is None:
        return
    for name in value:
        if name not in known:
            raise invalid_request(
                f"Unrecognized request argument supplied: {name}", code="unknown_parameter"
            )


def known_properties(schema: Mapping[str, Any], checker: SchemaChecker) -> set[str] | None:
    """Every property name an object schema (or any branch of a union) declares; None when
    the schema does not close its set of names."""
    # Asked for on every request with a body: remembered by the checker (so per bundle) for each
    # schema object; the entry holds the schema, so its id is not reused while the entry lives.
    key = ("known_properties", id(schema))
    found = checker.derived.get(key)
    if found is not None and found[0] is schema:
        names: set[str] | None = found[1]
        return names
    names = _known_properties(schema, checker)
    checker.derived[key] = (schema, names)
    return names


def _known_properties(schema: Mapping[str, Any], checker: SchemaChecker) -> set[str] | None:
    schema = checker.bundle.refs.resolve(schema)
    names: set[str] = set()
    props = schema.get("properties")
    if isinstance(props, dict):
        names.update(props)
    extra = schema.get("additionalProperties")
    if extra not in (None, False):
        return None
    for key in ("anyOf", "allOf"):
        for branch in schema.get(key, []):
            found = known_properties(branch, checker)
            if found is None:
                return None
            names.update(found)
    return names or None


# -- errors --------------------------------------------------------------------------------------


def _check(checker: SchemaChecker, value: Any, schema: Mapping[str, Any], name: str | None) -> None:
    report = checker.check(value, schema)
    if report.ok:
        return
    problem = report.errors[0]
    numeric = _numeric_kind(checker, schema, problem.parts)
    raise openai_error(problem, name, numeric)


def _numeric_kind(
    checker: SchemaChecker, schema: Mapping[str, Any], parts: tuple[str | int, ...]
) -> str | None:
    """Whether the schema at ``parts`` is an integer or a decimal, as error messages say."""
    node: Mapping[str, Any] | None = checker.bundle.refs.resolve(schema)
    for part in parts:
        if node is None:
            return None
        key = "items" if isinstance(part, int) else None
        found: Any = node.get("items") if key else node.get("properties", {}).get(part)
        if found is None:
            for branch in node.get("anyOf", []):
                branch = checker.bundle.refs.resolve(branch)
                found = branch.get("items") if key else branch.get("properties", {}).get(part)
                if found is not None:
                    break
        node = checker.bundle.refs.resolve(found) if isinstance(found, Mapping) else None
    if node is None:
        return None
    types = set(_types(node, checker))
    if "number" in types:
        return "decimal"
    return "integer" if "integer" in types else None


def openai_error(problem: Problem, root: str | None, numeric: str | None = None) -> APIError:
    """Turn a schema problem into the 400 OpenAI answers for it."""
    parts: list[str | int] = [root] if root else []
    parts.extend(problem.parts)
    detail = problem.detail
    keyword = problem.keyword
    if keyword == "required":
        parts.append(str(detail.get("property")))
        param = param_name(parts)
        return invalid_request(
            f"Missing required parameter: '{param}'.", param, "missing_required_parameter"
        )
    named = param_name(parts) or None
    where = f"'{named}'" if named else "the request body"
    value = problem.instance
    if keyword == "type":
        expected = " or ".join(
            JSON_TYPE_NAMES.get(t, t) for t in detail.get("types", []) if t != "null"
        )
        got = JSON_TYPE_NAMES.get(json_type(value), "a value")
        return invalid_request(
            f"Invalid type for {where}: expected {expected}, but got {got} instead.",
            named,
            "invalid_type",
        )
    if keyword in ("enum", "const"):
        options = detail.get("options") or [detail.get("expected_value")]
        supported = ", ".join(f"'{o}'" for o in options if o is not None)
        return invalid_request(
            f"Invalid value: '{_short(value)}'. Supported values are: {supported}.",
            named,
            "invalid_value",
        )
    limit = detail.get("limit")
    if keyword == "maxLength":
        return invalid_request(
            f"Invalid {where}: string too long. Expected a string with maximum length {limit}, "
            f"but got a string with length {len(value)} instead.",
            named,
            "string_above_max_length",
        )
    if keyword == "minLength":
        return invalid_request(
            f"Invalid {where}: string too short. Expected a string with minimum length {limit}, "
            f"but got a string with length {len(value)} instead.",
            named,
            "string_below_min_length",
        )
    if keyword in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        kind = numeric or ("integer" if isinstance(value, int) else "decimal")
        below = keyword.endswith("inimum")
        relation = (">" if below else "<") + ("" if keyword.startswith("exclusive") else "=")
        return invalid_request(
            f"Invalid {where}: {kind} {'below minimum' if below else 'above maximum'} value. "
            f"Expected a value {relation} {limit}, but got {value} instead.",
            named,
            f"{kind}_{'below_min' if below else 'above_max'}_value",
        )
    if keyword == "minItems":
        if not value:
            return invalid_request(
                f"Invalid {where}: empty array. Expected an array with minimum length {limit}, "
                "but got an empty array instead.",
                named,
                "empty_array",
            )
        return invalid_request(
            f"Invalid {where}: array too short. Expected an array with minimum length {limit}, "
            f"but got an array with length {len(value)} instead.",
            named,
            "array_below_min_length",
        )
    if keyword == "maxItems":
        return invalid_request(
            f"Invalid {where}: array too long. Expected an array with maximum length {limit}, "
            f"but got an array with length {len(value)} instead.",
            named,
            "array_above_max_length",
        )
    if keyword == "additionalProperties":
        unexpected = ", ".join(f"'{u}'" for u in detail.get("unexpected", []))
        return invalid_request(
            f"Invalid {where}: unknown parameter {unexpected}.", named, "unknown_parameter"
        )
    return invalid_request(f"Invalid {where}: {problem.message}.", named, "invalid_value")


def param_name(parts: list[str | int]) -> str:
    """``["messages", 0, "content"]`` -> ``messages[0].content``, as OpenAI names params."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


def _short(value: Any) -> str:
    text = value if isinstance(value, str) else orjson.dumps(value).decode()
    return text if len(text) <= 80 else text[:77] + "..."
