"""The bundle's operations as typed, immutable records."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

Schema = Mapping[str, Any]
StreamKind = Literal["chat", "responses", "assistants", "typed"]
"""Framing families of OpenAI's server-sent events:

- ``chat``: ``data: {json}`` lines, ending with ``data: [DONE]`` (chat and legacy completions);
- ``responses``: ``event: <type>`` then ``data: {json}`` with an increasing ``sequence_number``;
- ``assistants``: ``event: thread.*`` then ``data:``; ends with ``event: done``, ``data: [DONE]``;
- ``typed``: ``event: <type>`` then ``data: {json}`` whose ``type`` matches (images, audio).
"""
StreamSwitch = Literal["body", "query", "stream_format"]
Pagination = Literal["cursor", "item_id", "next", "page"]
ResponseKind = Literal["json", "binary", "empty"]
Auth = Literal["api_key", "admin_key"]


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    location: Literal["path", "query", "header"]
    required: bool
    schema: Schema
    style: str
    explode: bool


@dataclass(frozen=True, slots=True)
class RequestBody:
    required: bool
    content_types: tuple[str, ...]
    """Accepted media types, JSON first when the operation takes JSON."""
    schemas: Mapping[str, Schema]


@dataclass(frozen=True, slots=True)
class Streaming:
    kind: StreamKind
    event_schema: Schema
    switch: StreamSwitch | None
    """How a request asks for the stream: a ``stream`` body field, a ``stream`` query
    parameter, or a ``stream_format: "sse"`` body field."""
    event_lines: bool
    """Whether each ``data:`` line is preceded by ``event: <type>``."""


@dataclass(frozen=True, slots=True)
class Operation:
    """One operation of the API: ``POST /chat/completions`` is ``createChatCompletion``."""

    id: str
    name: str
    group: str
    method: str
    path: str
    """As the spec writes it, including a literal query such as ``?beta=true``."""
    summary: str
    deprecated: bool
    auth: Auth
    beta_header: str | None
    params: tuple[Parameter, ...]
    body: RequestBody | None
    success_status: int
    responses: Mapping[str, Mapping[str, Schema]]
    """Status -> media type -> schema."""
    response_kind: ResponseKind
    binary_media_type: str | None
    streaming: Streaming | None
    pagination: Pagination | None
    path_template: str = field(init=False)
    """The path without its literal query."""
    literal_query: tuple[tuple[str, str], ...] = field(init=False)
    _params_by_location: dict[str, tuple[Parameter, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        template, _, query = self.path.partition("?")
        pairs = tuple(
            (key, value) for key, _, value in (item.partition("=") for item in query.split("&"))
        )
        object.__setattr__(self, "path_template", template)
        object.__setattr__(self, "literal_query", pairs if query else ())
        # Asked for on every request: worked out once.
        by_location: dict[str, tuple[Parameter, ...]] = {}
        for param in self.params:
            by_location[param.location] = (*by_location.get(param.location, ()), param)
        object.__setattr__(self, "_params_by_location", by_location)

    @property
    def success_schema(self) -> Schema | None:
        """The JSON schema of the successful response, if the operation answers JSON."""
        content = self.responses.get(str(self.success_status), {})
        return content.get("application/json")

    def params_in(self, location: str) -> tuple[Parameter, ...]:
        return self._params_by_location.get(location, ())

    @classmethod
    def from_bundle(cls, raw: Mapping[str, Any]) -> Operation:
        body = raw["body"]
        streaming = raw["streaming"]
        return cls(
            id=raw["id"],
            name=raw["name"],
            group=raw["group"],
            method=raw["method"],
            path=raw["path"],
            summary=raw["summary"],
            deprecated=raw["deprecated"],
            auth=raw["auth"],
            beta_header=raw["beta_header"],
            params=tuple(
                Parameter(
                    name=p["name"],
                    location=p["in"],
                    required=p["required"],
                    schema=p["schema"],
                    style=p["style"],
                    explode=p["explode"],
                )
                for p in raw["params"]
            ),
            body=None
            if body is None
            else RequestBody(
                required=body["required"],
                content_types=tuple(body["content_types"]),
                schemas=body["schemas"],
            ),
            success_status=raw["success_status"],
            responses=raw["responses"],
            response_kind=raw["response_kind"],
            binary_media_type=raw["binary_media_type"],
            streaming=None
            if streaming is None
            else Streaming(
                kind=streaming["kind"],
                event_schema=streaming["event_schema"],
                switch=streaming["switch"],
                event_lines=streaming["event_lines"],
            ),
            pagination=raw["pagination"],
        )
