"""The official SDK's call of every operation with every argument, built from the bundle.

Each operation of the bundle is matched to the sync ``openai`` method that requests its method
and path (read from the method's source: the SDK is generated, and every method names its path
as one literal). Its arguments are "all params": every path, query and body parameter the spec
defines, with a value valid against the parameter's schema (optional ones included), as the
SDK's own ``with_all_params`` tests call it. The client validates the answer in strict mode.
"""

from __future__ import annotations

import functools
import inspect
import re
import warnings
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import openai
from openai._resource import SyncAPIResource

from oai_mock import OpenAIMock
from oai_mock.mockserver.behaviours.instances import SchemaError, instance_for
from oai_mock.mockserver.ids import PREFIX_BY_FIELD
from oai_mock.spec import Operation, SchemaChecker, load_bundle

CHECKER = SchemaChecker(load_bundle())

VERBS = {"_get": "GET", "_post": "POST", "_put": "PUT", "_patch": "PATCH", "_delete": "DELETE"}
# Helpers built on the generated methods (polling, streaming, parsing, uploading in parts)
# request the same paths; the generated method is the SDK's call of the operation.
HELPERS = re.compile(r"poll|stream|parse|upload_and|wait")
PATH_VALUES = {
    "model": "gpt-4o-mini",
    "deleteModel.model": "ft:gpt-4o-mini:org::sweep123",  # only fine-tuned models can go
    "fine_tuned_model_checkpoint": "ft:gpt-4o-mini:org::ckpt",
    "project_id": "proj_abc",
    "user_id": "user_abc",
}
# Values one argument needs because of another, as OpenAI checks them (the SDK's own
# all-params tests pass the same): a background response must be stored.
TOGETHER = {
    "createResponse": {"store": True},
    "beta_createResponse": {"store": True},
}
# Arguments left out of the "every argument" call because OpenAI refuses them beside another
# one it sends (the spec does not say so): `conversation` with `previous_response_id`.
APART = {
    op_id: ("conversation",)
    for op_id in (
        "createResponse",
        "beta_createResponse",
        "Getinputtokencounts",
        "beta_Getinputtokencounts",
    )
}
# Operations no method of the SDK requests, with the reason.
NO_SDK_METHOD = {
    "cancelEvalRun": "the pinned spec cancels with POST /evals/{eval_id}/runs/{run_id}; the SDK "
    "posts to .../cancel",
}
FILE = ("sweep.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png")


@dataclass(frozen=True)
class SdkCall:
    """One operation's SDK method and the "all params" arguments for it."""

    op: Operation
    path: tuple[str, ...]
    """Attributes from the client to the method (``("beta", "threads", "create")``)."""
    kwargs: Mapping[str, Any]
    query: Mapping[str, Any]
    """The query parameters among ``kwargs``."""

    def method(self, client: Any) -> Callable[..., Any]:
        target = client
        for name in self.path:
            target = getattr(target, name)
        return target  # type: ignore[no-any-return]

    def __call__(self, client: Any) -> Any:
        """The call, with the arguments the method does not name (the pinned spec's, where the
        installed SDK's spec differs) sent as ``extra_query`` / ``extra_body``."""
        method = self.method(client)
        accepted = inspect.signature(method).parameters
        named = {k: v for k, v in self.kwargs.items() if k in accepted}
        query = {k: v for k, v in self.query.items() if k not in accepted}
        body = {k: v for k, v in self.kwargs.items() if k not in accepted and k not in query}
        if query:
            named["extra_query"] = query
        if body:
            named["extra_body"] = body
        return method(**named)


def _shape(method: str, path: str) -> tuple[str, str]:
    """(method, path with its parameters unnamed), keeping a literal query (``?beta=true``)."""
    return method.upper(), re.sub(r"\{[^}]*\}", "{}", path)


def sdk_methods(client: openai.OpenAI) -> dict[tuple[str, str], list[tuple[str, ...]]]:
    """Every generated sync method of the client, by the (method, path shape) it requests: the
    path is the one string constant of the method's code that starts with "/", the HTTP method
    the request helper it calls (``_get_api_list`` is a GET unless told ``method="post"``)."""
    found: dict[tuple[str, str], list[tuple[str, ...]]] = {}
    for trail, resource in _resources(client, (), set()):
        for name, function in inspect.getmembers(type(resource), inspect.isfunction):
            if name.startswith("_") or HELPERS.search(name):
                continue
            code = inspect.unwrap(function).__code__
            paths = {c for c in code.co_consts if isinstance(c, str) and c.startswith("/")}
            verbs = {VERBS[n] for n in code.co_names if n in VERBS}
            if "_get_api_list" in code.co_names:
                verbs.add("POST" if "post" in code.co_consts else "GET")
            if len(paths) == 1 and len(verbs) == 1:
                found.setdefault(_shape(verbs.pop(), paths.pop()), []).append((*trail, name))
    return found


def _resources(
    target: Any, trail: tuple[str, ...], seen: set[int]
) -> Iterator[tuple[tuple[str, ...], SyncAPIResource]]:
    for name in dir(type(target)):
        if name.startswith("_") or name.startswith("with_"):
            continue
        if not isinstance(inspect.getattr_static(type(target), name, None), property) and not (
            hasattr(inspect.getattr_static(type(target), name, None), "func")
        ):
            continue  # resources are (cached) properties of the client and of each other
        try:
            value = getattr(target, name)
        except Exception:  # a property that needs configuration this client lacks
            continue
        if isinstance(value, SyncAPIResource) and id(value) not in seen:
            seen.add(id(value))
            yield (*trail, name), value
            yield from _resources(value, (*trail, name), seen)


def all_params_calls(client: openai.OpenAI) -> tuple[list[SdkCall], list[str]]:
    """The SDK call of every operation that has one, and the operations that have none."""
    bundle = load_bundle()
    methods = sdk_methods(client)
    calls: list[SdkCall] = []
    missing: list[str] = []
    for op in bundle.operations:
        literal = "&".join(f"{k}={v}" for k, v in op.literal_query)
        path = f"{op.path_template}?{literal}" if literal else op.path_template
        candidates = methods.get(_shape(op.method, path))
        if not candidates:
            missing.append(op.id)
            continue
        kwargs = all_params(op)
        query = {p.name.removesuffix("[]") for p in op.params_in("query")}
        calls.append(
            SdkCall(
                op,
                min(candidates, key=len),
                kwargs,
                {k: v for k, v in kwargs.items() if k in query},
            )
        )
    return calls, missing


def all_params(op: Operation) -> dict[str, Any]:
    """Every parameter the spec defines for ``op``, each with a valid value."""
    kwargs: dict[str, Any] = {}
    for param in op.params_in("path"):
        kwargs[param.name] = PATH_VALUES.get(f"{op.id}.{param.name}") or (
            PATH_VALUES.get(param.name) or PREFIX_BY_FIELD.get(param.name, "") + "sweep123"
        )
    for param in op.params_in("query"):
        value = _instance(param.schema, f"{op.id}.{param.name}")
        if value is not None:
            kwargs[param.name.removesuffix("[]")] = value
    if op.body is None:
        return kwargs
    # An operation that takes files is called with them: the SDK sends multipart then.
    kinds = op.body.content_types
    media = "multipart/form-data" if "multipart/form-data" in kinds else kinds[0]
    if media != "application/json" and media != "multipart/form-data":
        return kwargs
    body = _every_property(op, op.body.schemas[media])
    if not isinstance(body, dict):
        return kwargs
    body.pop("stream", None)  # the SDK's all-params call of the JSON answer, not the stream
    if media == "multipart/form-data":
        body = {k: _as_files(v, op, k) for k, v in body.items()}
    kwargs.update(body)
    kwargs.update(TOGETHER.get(op.id, {}))
    for name in APART.get(op.id, ()):
        kwargs.pop(name, None)
    return kwargs


def newer_sdk_field(op: Operation, error: openai.APIResponseValidationError) -> str | None:
    """The field the SDK's model requires and the pinned response schema does not define, when
    that is all the SDK refused (its spec is newer than the pinned one); else None."""
    cause = error.__cause__
    errors = getattr(cause, "errors", None)
    if op.success_schema is None or not callable(errors):
        return None
    found = errors()
    defined = load_bundle().resolve(op.success_schema).get("properties", {})
    missing = [e["loc"][0] for e in found if e["type"] == "missing" and len(e["loc"]) == 1]
    if len(missing) != len(found) or any(name in defined for name in missing):
        return None
    return ", ".join(str(name) for name in missing)


def _every_property(op: Operation, schema: Mapping[str, Any]) -> Any:
    """A body with every property; where they cannot all be given together (``image_url`` or
    ``file_id``, not both) each optional property is added while the body stays valid."""
    whole = _instance(schema, op.id)
    if whole is not None:
        return whole
    bundle = load_bundle()
    resolved = bundle.resolve(schema)
    body = {
        name: _instance(sub, f"{op.id}.{name}")
        for name, sub in resolved.get("properties", {}).items()
        if name in resolved.get("required", [])
    }
    for name, sub in resolved.get("properties", {}).items():
        if name in body:
            continue
        value = _instance(sub, f"{op.id}.{name}")
        if value is not None and CHECKER.is_valid({**body, name: value}, schema):
            body[name] = value
    return body


def _instance(schema: Mapping[str, Any], salt: str) -> Any:
    try:
        return instance_for({**schema, "$defs": _reachable(schema)}, salt=salt)
    except SchemaError:
        return None


def _reachable(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The bundle's definitions ``schema`` refers to, directly or not (validating against all
    1,422 of them for each value would cost a second each)."""
    defs = load_bundle().schemas
    seen: set[str] = set()
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith("#/$defs/"):
                name = ref.removeprefix("#/$defs/")
                if name not in seen:
                    seen.add(name)
                    stack.append(defs[name])
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
    return {name: defs[name] for name in seen}


def _as_files(value: Any, op: Operation, name: str) -> Any:
    """Multipart fields the schema marks binary get file tuples, as a caller gives them."""
    assert op.body is not None
    bundle = load_bundle()
    schema = bundle.resolve(op.body.schemas["multipart/form-data"])
    prop = bundle.resolve(schema.get("properties", {}).get(name, {}))
    if _binary(prop):
        return FILE
    if _binary(bundle.resolve(prop.get("items", {}))):
        return [FILE]
    return value


def _binary(schema: Mapping[str, Any]) -> bool:
    bundle = load_bundle()
    if schema.get("format") == "binary":
        return True
    return any(_binary(bundle.resolve(b)) for b in schema.get("anyOf", []))


def sweep_client() -> openai.OpenAI:
    """The SDK in strict mode on a fake in the spec-mock mode: the calls name ids nobody
    created, as the SDK's own tests do."""
    mock = OpenAIMock(seed=7, unknown_ids="synthesize")
    client: openai.OpenAI = mock.openai(
        _strict_response_validation=True, max_retries=0, admin_api_key="sk-admin-sweep"
    )
    return client


@functools.cache
def _mapped() -> tuple[tuple[SdkCall, ...], tuple[str, ...]]:
    calls, missing = all_params_calls(sweep_client())
    return tuple(calls), tuple(missing)


@dataclass
class Outcome:
    answered: list[str] = field(default_factory=list)
    newer: list[str] = field(default_factory=list)
    """Answers the SDK's models refuse only for a field the pinned spec does not define."""
    failures: list[str] = field(default_factory=list)
    missing: tuple[str, ...] = ()

    def summary(self, version: str) -> str:
        tried = len(self.answered) + len(self.newer) + len(self.failures)
        return (
            f"{len(self.answered)} of {tried + len(self.missing)} operations answer the SDK "
            f"{version}'s call with every argument, strictly valid; {len(self.newer)} refused "
            f"by the SDK's newer models ({', '.join(self.newer) or 'none'}); "
            f"{len(self.failures)} failed; {len(self.missing)} without an SDK method"
        )


@dataclass(frozen=True)
class Sweep:
    calls: tuple[SdkCall, ...]
    missing: tuple[str, ...]

    @classmethod
    def of(cls, client: openai.OpenAI, part: int = 0, parts: int = 1) -> Sweep:
        """Every ``parts``-th call, from ``part`` (the SDK's methods are found once)."""
        calls, missing = _mapped()
        return cls(calls[part::parts], missing)

    def run(self, client: openai.OpenAI) -> Outcome:
        outcome = Outcome(missing=self.missing)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)  # Assistants, Sora: answered
            for call in self.calls:
                try:
                    call(client)
                except openai.APIResponseValidationError as error:
                    name = newer_sdk_field(call.op, error)
                    if name is None:
                        outcome.failures.append(f"{call.op.id}: {error.__cause__}")
                    else:
                        outcome.newer.append(f"{call.op.id} ({name})")
                except Exception as error:
                    where = ".".join(call.path)
                    outcome.failures.append(f"{call.op.id} ({where}): {error!r}"[:400])
                else:
                    outcome.answered.append(call.op.id)
        return outcome
