"""Typed, tolerant views over JSON: the reference client's response models.

A model wraps the decoded JSON object and decodes a field only when it is read. Nothing is
validated on the way in, so unknown enum values, missing fields and extra fields never raise;
a field that is missing reads as ``None``; the JSON is always reachable as ``model.raw``.

>>> class Point(Model):
...     x: Field[int] = Field("x")
>>> point = Point({"x": 1, "label": "extra"})
>>> point.x, point.raw["label"]
(1, 'extra')
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import Any, Generic, TypeVar, cast, overload

T = TypeVar("T")
M = TypeVar("M", bound="Model")
Decoder = Callable[[Any], Any]


class Model:
    """A typed view over one JSON object."""

    __slots__ = ("_cache", "_data")
    _discriminator: str | None = None

    def __init__(self, data: Mapping[str, Any] | None = None) -> None:
        self._data: Mapping[str, Any] = data if isinstance(data, Mapping) else {}
        self._cache: dict[str, Any] = {}

    @property
    def raw(self) -> Mapping[str, Any]:
        """The JSON object as received, provider-specific fields included."""
        return self._data

    def to_dict(self) -> dict[str, Any]:
        return dict(self._data)

    def get(self, key: str, default: Any = None) -> Any:
        """A field by its JSON name, decoded or not (for fields the spec does not name)."""
        return self._data.get(key, default)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __contains__(self, key: object) -> bool:
        return key in self._data

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Model):
            return type(self) is type(other) and self._data == other._data
        return NotImplemented

    def __hash__(self) -> int:
        return id(self)

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in list(self._data.items())[:6])
        more = ", ..." if len(self._data) > 6 else ""
        return f"{type(self).__name__}({fields}{more})"


class Field(Generic[T]):
    """A field of a model, decoded on first read and cached."""

    __slots__ = ("decoder", "derive", "key")

    def __init__(
        self,
        key: str,
        decoder: Decoder | None = None,
        *,
        derive: Callable[[Any], Any] | None = None,
    ) -> None:
        self.key = key
        self.decoder = decoder
        # Computes the value from the rest of the object when the JSON lacks the key (the
        # spec's "SDK-only convenience" properties, such as Response.output_text).
        self.derive = derive

    @overload
    def __get__(self, instance: None, owner: type[Any]) -> Field[T]: ...

    @overload
    def __get__(self, instance: Model, owner: type[Any]) -> T: ...

    def __get__(self, instance: Model | None, owner: type[Any]) -> Field[T] | T:
        if instance is None:
            return self
        cache = instance._cache
        if self.key in cache:
            value: T = cache[self.key]
            return value
        raw = instance._data.get(self.key)
        if raw is None and self.derive is not None:
            raw = self.derive(instance._data)
        decoded = raw if self.decoder is None or raw is None else self.decoder(raw)
        cache[self.key] = decoded
        return cast(T, decoded)


# -- decoders --------------------------------------------------------------------------------


class ModelRef:
    """Decode a JSON object as the named model class, found lazily (classes may refer to each
    other before both exist)."""

    __slots__ = ("_cls", "module", "name")

    def __init__(self, name: str, module: str = "oai_mock.client._generated.models") -> None:
        self.name = name
        self.module = module
        self._cls: type[Model] | None = None

    def resolve(self) -> type[Model]:
        if self._cls is None:
            self._cls = getattr(importlib.import_module(self.module), self.name)
        return self._cls

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        return self.resolve()(value)


class ListOf:
    __slots__ = ("item",)

    def __init__(self, item: Decoder | None) -> None:
        self.item = item

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, list) or self.item is None:
            return value
        decode = self.item
        return [None if v is None else decode(v) for v in value]


class MapOf:
    __slots__ = ("item",)

    def __init__(self, item: Decoder) -> None:
        self.item = item

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        return {k: None if v is None else self.item(v) for k, v in value.items()}


class OneOf:
    """Decode a union: by the discriminator's value when the union has one, else by the first
    object branch whose required keys are all present."""

    __slots__ = ("branches", "mapping", "prop")

    def __init__(
        self,
        prop: str | None,
        mapping: Mapping[str, Decoder],
        branches: tuple[tuple[frozenset[str], Decoder], ...] = (),
    ) -> None:
        self.prop = prop
        self.mapping = mapping
        self.branches = branches

    def __call__(self, value: Any) -> Any:
        if not isinstance(value, Mapping):
            return value
        if self.prop is not None:
            decoder = self.mapping.get(str(value.get(self.prop)))
            if decoder is not None:
                return decoder(value)
        for required, decoder in self.branches:
            if required <= value.keys():
                return decoder(value)
        return value


def decode(cls: type[M], value: Any) -> M:
    """Wrap decoded JSON in a model class (a non-object becomes an empty model)."""
    return cls(value if isinstance(value, Mapping) else {})
