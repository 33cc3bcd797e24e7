"""Load the spec bundle shipped with the package."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import orjson

from oai_mock.spec.model import Operation, Schema
from oai_mock.spec.walk import Refs


@dataclass(frozen=True, slots=True)
class Bundle:
    """Every operation and every normalized schema of OpenAI's API description.

    >>> from oai_mock.spec import load_bundle
    >>> bundle = load_bundle()
    >>> bundle.operation("createChatCompletion").path
    '/chat/completions'
    >>> len(bundle.operations)
    288
    """

    operations: tuple[Operation, ...]
    schemas: Mapping[str, Schema]
    source: Mapping[str, str]
    overrides: tuple[Mapping[str, str], ...]
    object_names: Mapping[str, str]
    """Schema name -> the ``object`` value OpenAI sends where the spec leaves it free."""
    _by_id: Mapping[str, Operation]
    refs: Refs = field(init=False, repr=False, compare=False)
    """The one resolution of ``#/$defs/Name`` references into :attr:`schemas` (the schema walk's;
    chains are cached, so share it rather than build another)."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "refs", Refs.for_definitions(self.schemas))

    def operation(self, op_id: str) -> Operation:
        """The operation with this operationId (as the spec spells it) or snake_case name."""
        try:
            return self._by_id[op_id]
        except KeyError:
            raise KeyError(f"no operation {op_id!r} in the spec bundle") from None

    def schema(self, name: str) -> Schema:
        """A component schema by name, normalized."""
        return self.schemas[name]

    def resolve(self, schema: Schema) -> Schema:
        """``schema`` with its ``$ref`` chain followed (``self.refs.resolve``)."""
        resolved: Schema = self.refs.resolve(schema)
        return resolved


def bundle_from_bytes(data: bytes) -> Bundle:
    raw: dict[str, Any] = orjson.loads(data)
    operations = tuple(Operation.from_bundle(op) for op in raw["operations"])
    by_id: dict[str, Operation] = {}
    for op in operations:
        by_id[op.id] = op
        by_id.setdefault(op.name, op)
    return Bundle(
        operations=operations,
        schemas=raw["schemas"],
        source=raw["source"],
        overrides=tuple(raw["overrides"]),
        object_names=raw.get("object_names", {}),
        _by_id=by_id,
    )


@functools.cache
def load_bundle(path: str | None = None) -> Bundle:
    """Load (once per process) the bundle shipped in ``oai_mock/spec/bundle.json``, or another
    bundle file written by the generator."""
    if path is not None:
        return bundle_from_bytes(Path(path).read_bytes())
    data = resources.files("oai_mock.spec").joinpath("bundle.json").read_bytes()
    return bundle_from_bytes(data)
