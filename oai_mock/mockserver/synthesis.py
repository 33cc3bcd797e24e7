"""Build a plausible JSON value from a response schema.

The generic answer of every operation that no behaviour refines. The value is valid against the
schema (strict profile), deterministic (ids from the seeded factory, times from the mock's
clock, text from a hash of the request), and plausible: ids carry the real prefixes, ``object``
and ``type`` constants are set, ``model`` and other request fields are echoed back, the ids in
the request path are the ids of the object returned, lists agree with their ``first_id`` /
``last_id`` / ``has_more``.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from oai_mock.mockserver import media
from oai_mock.mockserver.clock import Clock
from oai_mock.mockserver.ids import PREFIX_BY_FIELD, PREFIX_BY_OBJECT, IdFactory
from oai_mock.spec import Bundle
from oai_mock.spec.patterns import string_matching
from oai_mock.spec.validation import json_type

MAX_DEPTH = 12
WORDS = (
    "the quick mock answers every request with a short deterministic reply about testing "
    "code that talks to openai without network keys or cost"
).split(" ")
# Optional properties worth filling even when the request does not mention them.
USEFUL_OPTIONAL = frozenset({"usage", "system_fingerprint", "service_tier", "data"})
TOKEN_COUNTS = {
    "prompt_tokens": 8,
    "input_tokens": 8,
    "completion_tokens": 12,
    "output_tokens": 12,
    "total_tokens": 20,
}
DEFAULT_MODEL = "gpt-4o-mini"
# Required-but-nullable properties that OpenAI sends as null unless something happened.
NULL_BY_DEFAULT = frozenset(
    {
        "logprobs",
        "refusal",
        "error",
        "last_error",
        "incomplete_details",
        "required_action",
        "cancelled_at",
        "failed_at",
        "expired_at",
        "finished_at",
        "completed_at",
        "cancelling_at",
        "finalizing_at",
        "in_progress_at",
        "audio",
        "function_call",
        "previous_response_id",
        "usage_details",
        "status_details",
        "fine_tuned_model",
        "estimated_finish",
        "deleted_at",
        "suffix",
        "error_file_id",
        "output_file_id",
    }
)
# Path suffixes that act on the object named by the path parameter before them.
ACTIONS = frozenset(
    {"cancel", "complete", "pause", "resume", "submit_tool_outputs", "activate", "deactivate"}
)


@dataclass
class Context:
    """What one synthesis may echo: the request body, its path ids, the answer's model."""

    body: Mapping[str, Any] = field(default_factory=dict)
    path_params: Mapping[str, str] = field(default_factory=dict)
    subject_id: str | None = None
    """The id of the object the request path names (``/runs/{run_id}/cancel``), if any."""
    model: str = DEFAULT_MODEL
    base_url: str = "http://127.0.0.1:8000/v1"
    key: str = ""
    """Distinguishes requests: text derives from it."""
    echo: bool = True


class Synthesizer:
    def __init__(self, bundle: Bundle, ids: IdFactory, clock: Clock) -> None:
        self.bundle = bundle
        self.ids = ids
        self.clock = clock

    def build(self, schema: Mapping[str, Any], context: Context) -> Any:
        value = self._value(schema, context, name=None, depth=0, owner=None, top=True)
        return value

    def text(self, context: Context, words: int = 8) -> str:
        """A short deterministic sentence derived from the request."""
        digest = hashlib.sha256(context.key.encode()).digest()
        chosen = [WORDS[b % len(WORDS)] for b in digest[:words]]
        return " ".join(chosen).capitalize() + "."

    # -- dispatch ------------------------------------------------------------------------------

    def _value(
        self,
        schema: Mapping[str, Any],
        ctx: Context,
        name: str | None,
        depth: int,
        owner: str | None,
        top: bool = False,
    ) -> Any:
        ref = schema.get("$ref")
        schema = self._resolve(schema)
        object_name = self.bundle.object_names.get(ref[8:]) if isinstance(ref, str) else None
        if object_name is not None and "properties" in schema:
            props = {**schema["properties"], "object": {"const": object_name}}
            schema = {**schema, "properties": props}
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return self._enum(schema, ctx, name)
        if "anyOf" in schema and "properties" in schema:
            # An object whose anyOf only says which properties it needs (one of two sets).
            first = self._resolve(schema["anyOf"][0])
            needed = [*schema.get("required", []), *first.get("required", [])]
            plain = {k: v for k, v in schema.items() if k != "anyOf"}
            return self._object({**plain, "required": needed}, ctx, name, depth, top)
        if "anyOf" in schema:
            return self._union(schema, ctx, name, depth, owner, top)
        if name in NULL_BY_DEFAULT and "null" in _types(schema):
            return None
        if "allOf" in schema:
            parts = [self._value(b, ctx, name, depth + 1, owner, top) for b in schema["allOf"]]
            if not all(isinstance(part, dict) for part in parts):
                return parts[0]
            merged: dict[str, Any] = {}
            for part in parts:
                merged.update(part)
            return merged
        kind = _first_type(schema)
        if kind == "object":
            return self._object(schema, ctx, name, depth, top)
        if kind == "array":
            return self._array(schema, ctx, name, depth, owner)
        if kind == "string":
            return self._string(schema, ctx, name, owner, top)
        if kind == "integer":
            return self._integer(schema, name)
        if kind == "number":
            if name is not None and (name == "created" or name.endswith("_at")):
                return float(self._integer(schema, name))
            return float(self._number(schema))
        if kind == "boolean":
            if name == "deleted":
                return True  # only a delete answers a `deleted` flag, and it succeeded
            default = schema.get("default")
            return default if isinstance(default, bool) else False
        if kind == "null":
            return None
        # No type at all: `{}` accepts anything; an object is the most useful answer.
        if "properties" in schema:
            return self._object(schema, ctx, name, depth, top)
        return {}

    def _resolve(self, schema: Mapping[str, Any]) -> Mapping[str, Any]:
        ref = schema.get("$ref")
        if ref is None:
            return schema
        target = self.bundle.resolve({"$ref": ref})
        if len(schema) == 1:
            return target
        return {**target, **{k: v for k, v in schema.items() if k != "$ref"}}

    def _enum(self, schema: Mapping[str, Any], ctx: Context, name: str | None) -> Any:
        options = [o for o in schema["enum"] if o is not None] or [None]
        if ctx.echo and name is not None and ctx.body.get(name) in options:
            return ctx.body[name]
        default = schema.get("default")
        return default if default in options else options[0]

    def _union(
        self,
        schema: Mapping[str, Any],
        ctx: Context,
        name: str | None,
        depth: int,
        owner: str | None,
        top: bool,
    ) -> Any:
        branches = [b for b in schema["anyOf"] if self._resolve(b).get("type") != "null"]
        if not branches or (name in NULL_BY_DEFAULT and len(branches) < len(schema["anyOf"])):
            return None
        if depth >= MAX_DEPTH and any(
            self._resolve(b).get("type") == "null" for b in schema["anyOf"]
        ):
            return None
        if ctx.echo and name is not None and name in ctx.body and _is_scalar(ctx.body[name]):
            wanted = json_type(ctx.body[name])
            for branch in branches:
                if _first_type(self._resolve(branch)) == wanted:
                    return self._value(branch, ctx, name, depth + 1, owner, top)
        return self._value(branches[0], ctx, name, depth + 1, owner, top)

    # -- containers ----------------------------------------------------------------------------

    def _object(
        self, schema: Mapping[str, Any], ctx: Context, name: str | None, depth: int, top: bool
    ) -> dict[str, Any]:
        props: Mapping[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        owner = _object_name(props)
        out: dict[str, Any] = {}
        for prop, sub in props.items():
            wanted = prop in required
            if not wanted and depth < 3:
                wanted = prop in USEFUL_OPTIONAL or (top and ctx.echo and prop in ctx.body)
            if not wanted and prop in ("object", "type"):
                wanted = "const" in self._resolve(sub)  # real answers always name their kind
            if not wanted:
                continue
            if top and prop == "id" and ctx.subject_id is not None:
                out[prop] = ctx.subject_id
                continue
            if (
                top
                and ctx.echo
                and prop in ctx.body
                and _is_scalar(ctx.body[prop])
                and prop
                not in (
                    "object",
                    "id",
                    "type",
                )
            ):
                echoed = ctx.body[prop]
                if _first_type(self._resolve(sub)) == json_type(echoed) or "anyOf" in self._resolve(
                    sub
                ):
                    out[prop] = echoed
                    continue
            out[prop] = self._value(sub, ctx, prop, depth + 1, owner, top=False)
        _agree_list(out)
        return out

    def _array(
        self,
        schema: Mapping[str, Any],
        ctx: Context,
        name: str | None,
        depth: int,
        owner: str | None,
    ) -> list[Any]:
        low = int(schema.get("minItems", 0))
        count = max(low, 1 if depth < 6 else 0)
        if "maxItems" in schema:
            count = min(count, int(schema["maxItems"]))
        items = schema.get("items", {})
        return [self._value(items, ctx, name, depth + 1, owner) for _ in range(count)]

    # -- scalars -------------------------------------------------------------------------------

    def _string(
        self,
        schema: Mapping[str, Any],
        ctx: Context,
        name: str | None,
        owner: str | None,
        top: bool,
    ) -> str:
        value = self._string_for(schema, ctx, name or "", owner, top)
        low = schema.get("minLength")
        high = schema.get("maxLength")
        if isinstance(high, int) and len(value) > high:
            value = value[:high]
        if isinstance(low, int) and len(value) < low:
            value = value + "x" * (low - len(value))
        return value

    def _string_for(
        self, schema: Mapping[str, Any], ctx: Context, name: str, owner: str | None, top: bool
    ) -> str:
        pattern = schema.get("pattern")
        if pattern == "^tunnel_[a-z0-9]{32}$":
            return "tunnel_" + hashlib.md5(ctx.key.encode()).hexdigest()
        if name == "id":
            return self.ids.next(PREFIX_BY_OBJECT.get(owner or "", "id_"))
        if name == "system_fingerprint":
            return "fp_" + hashlib.sha256(ctx.model.encode()).hexdigest()[:10]
        if name == "owned_by":
            return "openai"
        if name.endswith("_id") and name in ctx.path_params:
            return ctx.path_params[name]
        if name in PREFIX_BY_FIELD:
            return self.ids.next(PREFIX_BY_FIELD[name])
        if name == "model" or name.endswith("_model"):
            return ctx.model
        if name == "b64_json" or schema.get("contentEncoding") == "base64":
            return base64.b64encode(media.png(8, 8)).decode()
        if schema.get("format") == "uri" or name.endswith("url"):
            return f"{ctx.base_url}/mock/{name or 'resource'}"
        if schema.get("format") == "date":
            return "2025-01-01"
        if name == "filename":
            return "mock.jsonl"
        if name in ("name", "title"):
            return f"mock-{name}"
        if name == "email":
            return "user@example.com"
        if isinstance(schema.get("default"), str):
            return str(schema["default"])
        if isinstance(pattern, str):
            low, high = schema.get("minLength", 0), schema.get("maxLength")
            return string_matching(pattern, ctx.key, low, high) or "mock_value"
        return self.text(ctx)

    def _integer(self, schema: Mapping[str, Any], name: str | None) -> int:
        name = name or ""
        if schema.get("format") == "unixtime" or name == "created" or name.endswith("_at"):
            offset = 600 if name.startswith("expires") else 0
            return self.clock.timestamp() + offset
        if name in TOKEN_COUNTS:
            return TOKEN_COUNTS[name]
        return int(self._number(schema))

    def _number(self, schema: Mapping[str, Any]) -> float:
        default = schema.get("default")
        if isinstance(default, int | float) and not isinstance(default, bool):
            return default
        low = schema.get("minimum")
        if low is None and "exclusiveMinimum" in schema:
            low = schema["exclusiveMinimum"] + 1
        high = schema.get("maximum")
        value = 0 if low is None else low
        if high is not None and value > high:
            value = high
        return value


def _types(schema: Mapping[str, Any]) -> list[str]:
    kind = schema.get("type")
    if isinstance(kind, list):
        return [str(k) for k in kind]
    return [kind] if isinstance(kind, str) else []


def subject_id(path_template: str, path_params: Mapping[str, str]) -> str | None:
    """The id of the object a path is about: ``/threads/{thread_id}/runs/{run_id}/cancel`` is
    about the run; ``/threads/{thread_id}/messages`` creates a new object, so None."""
    parts = path_template.strip("/").split("/")
    if parts and parts[-1] in ACTIONS:
        parts = parts[:-1]
    if parts and parts[-1].startswith("{"):
        return path_params.get(parts[-1][1:-1])
    return None


def _first_type(schema: Mapping[str, Any]) -> str | None:
    kind = schema.get("type")
    if isinstance(kind, list):
        non_null = [k for k in kind if k != "null"]
        return str(non_null[0]) if non_null else "null"
    return kind if isinstance(kind, str) else None


def _object_name(props: Mapping[str, Any]) -> str | None:
    obj = props.get("object")
    if isinstance(obj, Mapping):
        if "const" in obj:
            return str(obj["const"])
        enum = obj.get("enum")
        if enum:
            return str(enum[0])
    return None


def _agree_list(out: dict[str, Any]) -> None:
    """Make a list page's cursors agree with its data."""
    data = out.get("data")
    if not isinstance(data, list) or not ("first_id" in out or "has_more" in out):
        return
    ids = [item.get("id") for item in data if isinstance(item, dict)]
    if "first_id" in out:
        out["first_id"] = ids[0] if ids and isinstance(ids[0], str) else out["first_id"]
    if "last_id" in out:
        out["last_id"] = ids[-1] if ids and isinstance(ids[-1], str) else out["last_id"]
    if "has_more" in out:
        out["has_more"] = False


def _is_scalar(value: Any) -> bool:
    return isinstance(value, str | int | float | bool) or value is None
