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
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from oai_mock.mockserver import media
from oai_mock.mockserver.clock import Clock
from oai_mock.mockserver.ids import PREFIX_BY_FIELD, PREFIX_BY_OBJECT, IdFactory
from oai_mock.spec import Bundle
from oai_mock.spec.patterns import string_matching
from oai_mock.spec.validation import json_type
from oai_mock.spec.walk import (
    ArrayFacts,
    NumberFacts,
    StringFacts,
    branches,
    first_type,
    kind,
    merge,
    merge_all_of,
    non_null_branches,
    number_within,
    shared,
    types,
)

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
    admits: Callable[[Any, Mapping[str, Any]], bool] | None = None
    """Whether a request value may be echoed where a response schema is expected (a request
    field can be wider than the response's: ``quality="auto"`` against an enum of three); a
    value it refuses is built from the schema instead. None echoes on type alone."""


class Synthesizer:
    def __init__(self, bundle: Bundle, ids: IdFactory, clock: Clock) -> None:
        self.bundle = bundle
        self.ids = ids
        self.clock = clock
        self.refs = bundle.refs

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
        defined_as, schema = self.refs.named(schema)
        if defined_as is not None:
            object_name = self.bundle.object_names.get(defined_as)
            if object_name is not None and "properties" in schema:
                props = {**schema["properties"], "object": {"const": object_name}}
                schema = {**schema, "properties": props}
        shape = kind(schema)
        if shape == "const":
            return schema["const"]
        if shape == "enum":
            return self._enum(schema, ctx, name)
        if shape == "union" and "properties" in schema:
            # An object whose anyOf only says which properties it needs (one of two sets).
            needs = merge([shared(schema), branches(schema)[0]], self.refs)
            return self._object(needs, ctx, name, depth, top)
        if shape == "union":
            return self._union(schema, ctx, name, depth, owner, top)
        if name in NULL_BY_DEFAULT and "null" in types(schema):
            return None
        if shape == "all_of":
            return self._value(merge_all_of(schema, self.refs), ctx, name, depth + 1, owner, top)
        if shape == "object":
            return self._object(schema, ctx, name, depth, top)
        if shape == "array":
            return self._array(schema, ctx, name, depth, owner)
        if shape == "string":
            return self._string(schema, ctx, name, owner, top)
        if shape == "integer":
            return self._integer(schema, name)
        if shape == "number":
            if name is not None and (name == "created" or name.endswith("_at")):
                return float(self._integer(schema, name))
            return float(self._number(schema))
        if shape == "boolean":
            if name == "deleted":
                return True  # only a delete answers a `deleted` flag, and it succeeded
            default = schema.get("default")
            return default if isinstance(default, bool) else False
        # null, or no type at all (`{}` accepts anything: an empty object is the most useful).
        return None if shape == "null" else {}

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
        options = non_null_branches(schema, self.refs)
        nullable = len(options) < len(branches(schema))
        if not options or (nullable and (name in NULL_BY_DEFAULT or depth >= MAX_DEPTH)):
            return None
        if ctx.echo and name is not None and name in ctx.body and _is_scalar(ctx.body[name]):
            wanted = json_type(ctx.body[name])
            for option in options:
                if first_type(self.refs.resolve(option)) == wanted:
                    return self._value(option, ctx, name, depth + 1, owner, top)
        return self._value(options[0], ctx, name, depth + 1, owner, top)

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
                wanted = "const" in self.refs.resolve(sub)  # real answers always name their kind
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
                target = self.refs.resolve(sub)
                if (first_type(target) == json_type(echoed) or kind(target) == "union") and (
                    ctx.admits is None or ctx.admits(echoed, sub)
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
        facts = ArrayFacts.of(schema)
        count = max(facts.min_items, 1 if depth < 6 else 0)
        if facts.max_items is not None:
            count = min(count, facts.max_items)
        return [self._value(facts.item(i), ctx, name, depth + 1, owner) for i in range(count)]

    # -- scalars -------------------------------------------------------------------------------

    def _string(
        self,
        schema: Mapping[str, Any],
        ctx: Context,
        name: str | None,
        owner: str | None,
        top: bool,
    ) -> str:
        facts = StringFacts.of(schema)
        return facts.fit(self._string_for(schema, facts, ctx, name or "", owner))

    def _string_for(
        self,
        schema: Mapping[str, Any],
        facts: StringFacts,
        ctx: Context,
        name: str,
        owner: str | None,
    ) -> str:
        pattern = facts.pattern
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
        if name == "b64_json" or facts.content_encoding == "base64":
            return base64.b64encode(media.png(8, 8)).decode()
        if facts.format == "uri" or name.endswith("url"):
            return f"{ctx.base_url}/mock/{name or 'resource'}"
        if facts.format == "date":
            return "2025-01-01"
        if name == "filename":
            return "mock.jsonl"
        if name in ("name", "title"):
            return f"mock-{name}"
        if name == "email":
            return "user@example.com"
        if isinstance(schema.get("default"), str):
            return str(schema["default"])
        if pattern is not None:
            found = string_matching(pattern, ctx.key, facts.min_length, facts.max_length)
            return found or "mock_value"
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
        facts = NumberFacts.of(schema)
        value = 0 if facts.low is None else facts.low + (1 if facts.low_open else 0)
        if facts.high is not None and value > facts.high:
            value = facts.high
        # The shared search keeps this value when it fits, and honours what it leaves out
        # (an open upper bound, multipleOf).
        fitting = number_within(facts, near=value)
        return value if fitting is None else fitting


def subject_id(path_template: str, path_params: Mapping[str, str]) -> str | None:
    """The id of the object a path is about: ``/threads/{thread_id}/runs/{run_id}/cancel`` is
    about the run; ``/threads/{thread_id}/messages`` creates a new object, so None."""
    parts = path_template.strip("/").split("/")
    if parts and parts[-1] in ACTIONS:
        parts = parts[:-1]
    if parts and parts[-1].startswith("{"):
        return path_params.get(parts[-1][1:-1])
    return None


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
