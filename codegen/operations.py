"""Read every operation of the spec into the bundle's flat, engine-ready description."""

from __future__ import annotations

import re
from typing import Any

from codegen import overrides
from codegen.normalize import DEF_PREFIX, normalize_inline, ref_name, resolve

JSON = Any
METHODS = ("get", "post", "put", "patch", "delete")
ASSISTANTS_PREFIXES = ("/assistants", "/threads", "/vector_stores")

# Event schema name -> streaming kind (the framing family of the stream).
STREAM_KIND_BY_EVENT = {
    "CreateChatCompletionStreamResponse": "chat",
    "CreateCompletionResponse": "chat",
    "ResponseStreamEvent": "responses",
    "BetaResponseStreamEvent": "responses",
    "AssistantStreamEvent": "assistants",
}


def snake_case(operation_id: str) -> str:
    """``createChatCompletion`` -> ``create_chat_completion``; ``admin-api-keys-list`` ->
    ``admin_api_keys_list``; overrides name the ids that have no word breaks at all."""
    if operation_id in overrides.NAMES:
        return overrides.NAMES[operation_id][0]
    words = re.sub(r"[-\s]+", "_", operation_id)
    words = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", words)
    words = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", words)
    return re.sub(r"_+", "_", words).lower().strip("_")


def group_name(op: JSON) -> str:
    """The API area an operation belongs to, as a Python identifier."""
    meta = op.get("x-oaiMeta") or {}
    raw = meta.get("group") or (op.get("tags") or ["misc"])[0]
    raw = raw.lower()
    if raw.startswith("usage-"):
        raw = "usage"
    if raw == "realtime-calls":
        raw = "realtime"
    return re.sub(r"[^a-z0-9]+", "_", raw).strip("_")


def read_operations(spec: JSON, schemas: dict[str, JSON]) -> list[dict[str, JSON]]:
    operations = []
    for path, item in spec["paths"].items():
        shared_params = item.get("parameters", [])
        for method in METHODS:
            if method in item:
                operations.append(
                    _operation(spec, schemas, path, method, item[method], shared_params)
                )
    operations.sort(key=lambda op: (op["path"], op["method"]))
    return operations


def _operation(
    spec: JSON,
    schemas: dict[str, JSON],
    path: str,
    method: str,
    op: JSON,
    shared_params: list[JSON],
) -> dict[str, JSON]:
    op_id = op["operationId"]
    params = [_parameter(spec, schemas, p) for p in [*shared_params, *op.get("parameters", [])]]
    body = _request_body(spec, schemas, op.get("requestBody"))
    responses = {
        status: _response(spec, schemas, response)
        for status, response in sorted(op.get("responses", {}).items())
    }
    success = min((s for s in responses if s.startswith("2")), default="200")
    out: dict[str, JSON] = {
        "id": op_id,
        "name": snake_case(op_id),
        "group": group_name(op),
        "method": method.upper(),
        "path": path,
        "summary": _summary(op),
        "deprecated": bool(op.get("deprecated", False)),
        "auth": _auth(op),
        "beta_header": _beta_header(path, params),
        "params": [p for p in params if p["in"] != "header" or p["name"].lower() != "openai-beta"],
        "body": body,
        "success_status": int(success),
        "responses": responses,
    }
    out.update(_response_kind(op_id, responses.get(success, {})))
    out.update(_streaming(op, responses.get(success, {}), body, params, schemas))
    out["pagination"] = _pagination(op_id, params, responses.get(success, {}), schemas)
    return out


def _summary(op: JSON) -> str:
    meta = op.get("x-oaiMeta") or {}
    if meta.get("name"):
        return str(meta["name"])
    text = (op.get("summary") or op.get("description") or "").strip()
    return text.split("\n", 1)[0][:200]


def _auth(op: JSON) -> str:
    for requirement in op.get("security") or []:
        if "AdminApiKeyAuth" in requirement:
            return "admin_key"
    return "api_key"


def _beta_header(path: str, params: list[JSON]) -> str | None:
    if path.startswith(ASSISTANTS_PREFIXES):
        return "assistants=v2"
    for param in params:
        if param["in"] == "header" and param["name"].lower() == "openai-beta":
            items = param["schema"].get("items", {})
            values = [items["const"]] if "const" in items else items.get("enum") or []
            return str(values[0]) if values else None
    return None


def _deref(spec: JSON, node: JSON) -> JSON:
    """Follow a ``#/components/{responses,parameters,requestBodies}/X`` reference."""
    while isinstance(node, dict) and "$ref" in node:
        parts = node["$ref"].lstrip("#/").split("/")
        target = spec
        for part in parts:
            target = target[part]
        node = target
    return node


def _parameter(spec: JSON, schemas: dict[str, JSON], param: JSON) -> dict[str, JSON]:
    param = _deref(spec, param)
    location = param["in"]
    default_style = {"query": "form", "path": "simple", "header": "simple"}[location]
    style = param.get("style", default_style)
    return {
        "name": param["name"],
        "in": location,
        "required": bool(param.get("required", location == "path")),
        "schema": normalize_inline(param.get("schema", {}), schemas),
        "style": style,
        "explode": bool(param.get("explode", style == "form")),
    }


def _request_body(spec: JSON, schemas: dict[str, JSON], body: JSON) -> dict[str, JSON] | None:
    if not body:
        return None
    body = _deref(spec, body)
    content = body.get("content", {})
    types = list(content)
    # JSON first: it is what clients send unless a file forces multipart.
    types.sort(key=lambda t: (t != "application/json", t))
    return {
        "required": bool(body.get("required", False)),
        "content_types": types,
        "schemas": {t: normalize_inline(content[t].get("schema", {}), schemas) for t in types},
    }


def _response(spec: JSON, schemas: dict[str, JSON], response: JSON) -> dict[str, JSON]:
    response = _deref(spec, response)
    content = response.get("content") or {}
    # Spec order: the first media type is the one a server sends by default.
    return {t: normalize_inline(content[t].get("schema", {}), schemas) for t in content}


def _response_kind(op_id: str, success: dict[str, JSON]) -> dict[str, JSON]:
    if op_id in overrides.BINARY:
        return {"response_kind": "binary", "binary_media_type": overrides.BINARY[op_id][0]}
    if not success:
        return {"response_kind": "empty", "binary_media_type": None}
    if "application/json" not in success:
        media = next((t for t in success if t != "text/event-stream"), None)
        if media is None:
            return {"response_kind": "empty", "binary_media_type": None}
        return {"response_kind": "binary", "binary_media_type": media}
    binary = [t for t in success if t not in ("application/json", "text/event-stream")]
    if binary:
        # Video and skill content: bytes by default, JSON only for errors in practice.
        return {"response_kind": "binary", "binary_media_type": binary[0]}
    return {"response_kind": "json", "binary_media_type": None}


def _streaming(
    op: JSON,
    success: dict[str, JSON],
    body: dict[str, JSON] | None,
    params: list[JSON],
    schemas: dict[str, JSON],
) -> dict[str, JSON]:
    op_id = op["operationId"]
    kind = None
    event_schema = None
    if op_id in overrides.STREAMING:
        kind, event_name, _ = overrides.STREAMING[op_id]
        event_schema = {"$ref": DEF_PREFIX + event_name}
    elif "text/event-stream" in success:
        event_schema = success["text/event-stream"]
        name = ref_name(event_schema["$ref"]) if "$ref" in event_schema else ""
        kind = STREAM_KIND_BY_EVENT.get(name, "typed")
    if kind is None:
        return {"streaming": None}
    switch = None
    for param in params:
        if param["name"] == "stream" and param["in"] == "query":
            switch = "query"
    if switch is None and body is not None:
        for schema in body["schemas"].values():
            props = resolve(schema, schemas).get("properties", {})
            if "stream" in props:
                switch = "body"
            elif "stream_format" in props:
                switch = "stream_format"
    event_lines = kind in ("responses", "assistants") or (
        kind == "typed" and _examples_name_events(op)
    )
    return {
        "streaming": {
            "kind": kind,
            "event_schema": event_schema,
            "switch": switch,
            "event_lines": event_lines,
        }
    }


def _examples_name_events(op: JSON) -> bool:
    """Whether the operation's SSE transcripts put an ``event:`` line before each ``data:``
    (image streams do, transcription streams do not)."""
    examples = (op.get("x-oaiMeta") or {}).get("examples") or []
    if isinstance(examples, dict):
        examples = [examples]
    return any(
        isinstance(ex.get("response"), str) and ex["response"].lstrip().startswith("event:")
        for ex in examples
    )


def _pagination(
    op_id: str, params: list[JSON], success: dict[str, JSON], schemas: dict[str, JSON]
) -> str | None:
    if op_id in overrides.PAGINATION:
        return overrides.PAGINATION[op_id][0]
    schema = resolve(success.get("application/json", {}), schemas)
    props = schema.get("properties", {}) if isinstance(schema, dict) else {}
    query = {p["name"] for p in params if p["in"] == "query"}
    if "page" in query and "next_page" in props:
        return "page"
    if "next" in props and "data" in props:
        return "next"
    if "after" in query and "last_id" in props:
        return "cursor"
    if "after" in query and "has_more" in props:
        return "item_id"
    return None
