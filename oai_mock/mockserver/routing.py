"""Map a method and path to the operation that serves it, from the bundle's route table."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from oai_mock.mockserver.errors import APIError
from oai_mock.spec import Operation

# Prefixes the real API and Azure OpenAI put before the spec's paths. The deployment name of an
# Azure URL is kept: it stands for the model.
_PREFIXES = (
    re.compile(r"^/openai/deployments/(?P<deployment>[^/]+)(?=/)"),
    re.compile(r"^/openai/v1(?=/)"),
    re.compile(r"^/openai(?=/)"),
    re.compile(r"^/v1(?=/)"),
)


STATIC_CACHE = 1024
_StaticMatch = tuple[Operation, "str | None"]


@dataclass(frozen=True, slots=True)
class RouteMatch:
    operation: Operation
    path_params: dict[str, str]
    deployment: str | None = None


@dataclass(frozen=True, slots=True)
class _Route:
    operation: Operation
    segments: tuple[str | None, ...]
    """Literal segments, or None where a path parameter stands."""
    names: tuple[str, ...]
    static_count: int


class Router:
    """Routes for every operation of a bundle.

    Literal segments win over parameters (``/responses/compact`` before
    ``/responses/{response_id}``), and a route whose spec path carries a literal query
    (``/responses?beta=true``) is chosen only when the request carries that query.
    """

    def __init__(self, operations: Iterable[Operation]) -> None:
        # Routes bucketed by segment count and first segment: a request only tries the few
        # routes that can match it (None holds routes that start with a parameter).
        self._buckets: dict[tuple[int, str | None], list[_Route]] = {}
        for op in operations:
            parts = op.path_template.strip("/").split("/")
            segments = tuple(None if p.startswith("{") else p for p in parts)
            names = tuple(p[1:-1] for p in parts if p.startswith("{"))
            route = _Route(op, segments, names, sum(s is not None for s in segments))
            self._buckets.setdefault((len(parts), segments[0]), []).append(route)
        for routes in self._buckets.values():
            routes.sort(key=lambda r: (-r.static_count, -len(r.operation.literal_query)))
        self._static: dict[tuple[str, str, tuple[tuple[str, str], ...]], _StaticMatch] = {}
        """Requests already routed to an operation without path parameters (most requests:
        a chat completion, an embedding, a model list), each with a fresh ``path_params``."""

    def match(self, method: str, path: str, query: Sequence[tuple[str, str]] = ()) -> RouteMatch:
        key = (method, path, tuple(query))
        known = self._static.get(key)
        if known is not None:
            return RouteMatch(known[0], {}, known[1])
        found = self._match(method, path, query)
        if not found.path_params:
            if len(self._static) >= STATIC_CACHE:  # queries are endless
                self._static.clear()
            self._static[key] = (found.operation, found.deployment)
        return found

    def _match(self, method: str, path: str, query: Sequence[tuple[str, str]]) -> RouteMatch:
        api_path, deployment = strip_prefix(path)
        parts = api_path.strip("/").split("/")
        allowed: list[str] = []
        query_pairs = set(query)
        candidates = [
            *self._buckets.get((len(parts), parts[0]), ()),
            *self._buckets.get((len(parts), None), ()),
        ]
        for route in candidates:
            params = _bind(route, parts)
            if params is None:
                continue
            if route.operation.literal_query and not query_pairs.issuperset(
                route.operation.literal_query
            ):
                continue
            if route.operation.method != method:
                allowed.append(route.operation.method)
                continue
            return RouteMatch(route.operation, params, deployment)
        if allowed:
            methods = ", ".join(sorted(set(allowed)))
            raise APIError(
                405,
                f"Invalid method for URL ({method} {path}). Allowed: {methods}.",
                headers=[("allow", methods)],
            )
        raise APIError(404, f"Invalid URL ({method} {path})")


def strip_prefix(path: str) -> tuple[str, str | None]:
    """``/v1/chat/completions`` -> ``/chat/completions``; Azure deployment URLs give their
    deployment name too."""
    for prefix in _PREFIXES:
        found = prefix.match(path)
        if found:
            return path[found.end() :], found.groupdict().get("deployment")
    return path, None


def _bind(route: _Route, parts: list[str]) -> dict[str, str] | None:
    values: list[str] = []
    for expected, actual in zip(route.segments, parts, strict=True):
        if expected is None:
            if not actual:
                return None
            values.append(actual)
        elif expected != actual:
            return None
    return dict(zip(route.names, values, strict=True))
