"""Pages of list operations; iterating a page walks every item of every following page."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any, Generic, TypeVar

T = TypeVar("T")
Decoder = Callable[[Any], Any] | None


def next_query(kind: str, raw: dict[str, Any]) -> dict[str, Any] | None:
    """The query that asks for the page after this one, or None at the end (``single``: a list
    the API answers whole, such as the models)."""
    if kind == "single":
        return None
    data = raw.get("data") or []
    if kind == "page":
        token = raw.get("next_page")
        return {"page": token} if token else None
    if kind == "next":
        token = raw.get("next")
        return {"after": token} if token and raw.get("has_more", True) else None
    if not raw.get("has_more") or not data:
        return None
    if kind == "cursor" and raw.get("last_id"):
        return {"after": raw["last_id"]}
    last = data[-1]
    return {"after": last.get("id")} if isinstance(last, dict) and last.get("id") else None


class Page(Generic[T]):
    def __init__(
        self,
        raw: dict[str, Any],
        decoder: Decoder,
        kind: str,
        fetch: Callable[[dict[str, Any]], dict[str, Any]],
    ) -> None:
        self.raw = raw
        self._decoder = decoder
        self._kind = kind
        self._fetch = fetch

    @property
    def data(self) -> list[T]:
        items = self.raw.get("data") or []
        return [self._decoder(i) if self._decoder else i for i in items]

    @property
    def has_more(self) -> bool:
        return bool(self.raw.get("has_more"))

    def next_page(self) -> Page[T] | None:
        query = next_query(self._kind, self.raw)
        if query is None:
            return None
        return Page(self._fetch(query), self._decoder, self._kind, self._fetch)

    def __iter__(self) -> Iterator[T]:
        page: Page[T] | None = self
        while page is not None:
            yield from page.data
            page = page.next_page()


class AsyncPage(Generic[T]):
    """Await it for the first page, or ``async for`` over every item."""

    def __init__(
        self,
        fetch: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]],
        decoder: Decoder,
        kind: str,
    ) -> None:
        self._fetch = fetch
        self._decoder = decoder
        self._kind = kind
        self.raw: dict[str, Any] = {}

    def __await__(self) -> Any:
        return self._first().__await__()

    async def _first(self) -> AsyncPage[T]:
        self.raw = await self._fetch({})
        return self

    @property
    def data(self) -> list[T]:
        items = self.raw.get("data") or []
        return [self._decoder(i) if self._decoder else i for i in items]

    @property
    def has_more(self) -> bool:
        return bool(self.raw.get("has_more"))

    async def __aiter__(self) -> AsyncIterator[T]:
        raw = self.raw or await self._fetch({})
        while True:
            for item in raw.get("data") or []:
                yield self._decoder(item) if self._decoder else item
            query = next_query(self._kind, raw)
            if query is None:
                return
            raw = await self._fetch(query)
