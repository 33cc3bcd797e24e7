"""The fake's memory: objects by kind and id, in creation order, safe under concurrent requests.

Behaviours keep their objects here (files, batches, runs, stored responses...). The store is
bounded by a number of objects and by payload bytes (uploaded file contents, generated images);
when a new object would pass either bound, the oldest objects are evicted, oldest first, and a
request for an evicted object gets OpenAI's 404, as for any unknown id. A long-running server
never refuses new objects because old ones piled up. Kinds created at start-up (the model
catalogue) are never evicted.

Locking discipline (one lock per mock): ``Store.lock`` is the mock's single re-entrant state
lock. The lifecycles share it, and the engine holds it while a stateful behaviour (files,
uploads, batches, fine-tuning, vector stores, assistants, threads and runs, Responses and
conversations, models, images) runs, so every read-modify-write of their records is one step and
no two locks are ever taken in opposite orders. Stateless behaviours (chat, completions,
embeddings, moderations, audio, generic answers) run without it and reach the store only through
its locked methods. The other locks (journal, ids, clock, request counter, scenario, caches) are
leaves: code holding one never takes another and calls nothing outside its own module.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable, Mapping
from operator import itemgetter
from typing import Any

from oai_mock.mockserver.errors import APIError, not_found

DEFAULT_MAX_OBJECTS = 100_000
DEFAULT_MAX_BYTES = 512 * 1024 * 1024
PERMANENT_KINDS = frozenset({"model"})
"""Kinds seeded at start-up and never evicted."""

Removed = Callable[[str, str], None]


class Store:
    def __init__(
        self, max_objects: int = DEFAULT_MAX_OBJECTS, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        if max_objects < 1 or max_bytes < 0:
            raise ValueError("a store holds at least one object and 0 or more bytes")
        self.max_objects = max_objects
        self.max_bytes = max_bytes
        self.lock = threading.RLock()
        """The mock's one state lock (see the module's docstring)."""
        self._kinds: dict[str, dict[str, Any]] = {}
        self._order: OrderedDict[tuple[str, str], int] = OrderedDict()
        """Every evictable object, oldest first, with its payload size."""
        self._count = 0
        self._bytes = 0
        self.evicted = 0
        """How many objects were evicted to make room (for the control API and benchmarks)."""
        self._on_remove: list[Removed] = []

    def on_remove(self, callback: Removed) -> None:
        """Call ``callback(kind, object_id)`` when an object is deleted or evicted (under the
        lock): what tracks the object (its lifecycle) forgets it too."""
        self._on_remove.append(callback)

    def put(self, kind: str, object_id: str, value: Any, size: int = 0) -> Any:
        """Store (or replace) an object; ``size`` counts its payload bytes against the limit.
        Evicts the oldest objects when the store is full."""
        if size > self.max_bytes:
            raise APIError(
                413,
                f"oai-mock stores at most {self.max_bytes} bytes; this object of {size} bytes "
                "cannot fit.",
                code="storage_limit_exceeded",
            )
        with self.lock:
            objects = self._kinds.setdefault(kind, {})
            key = (kind, object_id)
            if object_id in objects:
                self._bytes -= self._order.pop(key, 0)
            else:
                self._count += 1
            objects[object_id] = value
            if kind not in PERMANENT_KINDS:
                self._order[key] = size
            self._bytes += size
            self._make_room(key)
            return value

    def _make_room(self, keep: tuple[str, str]) -> None:
        while (self._count > self.max_objects or self._bytes > self.max_bytes) and self._order:
            key = next(iter(self._order))
            if key == keep:
                if len(self._order) == 1:
                    return
                self._order.move_to_end(key)
                continue
            self._remove(*key)
            self.evicted += 1

    def _remove(self, kind: str, object_id: str) -> bool:
        if self._kinds.get(kind, {}).pop(object_id, None) is None:
            return False
        self._count -= 1
        self._bytes -= self._order.pop((kind, object_id), 0)
        for callback in self._on_remove:
            callback(kind, object_id)
        return True

    def get(self, kind: str, object_id: str) -> Any | None:
        with self.lock:
            return self._kinds.get(kind, {}).get(object_id)

    def require(self, kind: str, object_id: str, message: str, param: str | None = None) -> Any:
        """The object, or OpenAI's 404 with ``message``."""
        found = self.get(kind, object_id)
        if found is None:
            raise not_found(message, param)
        return found

    def delete(self, kind: str, object_id: str, size: int = 0) -> bool:
        """Remove an object (its payload bytes, as stored, are freed; ``size`` is accepted for
        callers that name it)."""
        with self.lock:
            return self._remove(kind, object_id)

    def values(self, kind: str, where: Callable[[Any], bool] | None = None) -> list[Any]:
        """Every object of a kind, oldest first."""
        with self.lock:
            items: Iterable[Any] = self._kinds.get(kind, {}).values()
            if where is None:
                return list(items)
            return [v for v in items if where(v)]

    def count(self, kind: str) -> int:
        with self.lock:
            return len(self._kinds.get(kind, {}))

    def ids_by_kind(self) -> dict[str, list[str]]:
        """Every kind with the ids of its objects, oldest first."""
        with self.lock:
            return {kind: list(objects) for kind, objects in self._kinds.items() if objects}

    def clear(self) -> None:
        with self.lock:
            self._kinds.clear()
            self._order.clear()
            self._count = 0
            self._bytes = 0

    @property
    def stored_bytes(self) -> int:
        return self._bytes

    @property
    def stored_objects(self) -> int:
        return self._count


def paginate(
    items: list[dict[str, Any]],
    *,
    limit: int | None = 20,
    after: str | None = None,
    before: str | None = None,
    order: str = "desc",
    key: str = "id",
    max_limit: int = 100,
) -> dict[str, Any]:
    """A cursor page (``data``, ``first_id``, ``last_id``, ``has_more``) over items given oldest
    first. ``max_limit`` is the operation's documented largest page (100 for most lists,
    10,000 for files)."""
    size = 20 if limit is None else max(1, min(int(limit), max_limit))
    if after is None and before is None:
        # No copy, no scan: a page of 10,000 stored files costs what a page of 100 does.
        page = items[: -size - 1 : -1] if order == "desc" else items[:size]
        return _page(page, len(items) > size, key)
    ordered = items[::-1] if order == "desc" else items
    ids = list(map(itemgetter(key), ordered))  # C-speed scans, no Python loop per item
    start, end = 0, len(ordered)
    if after is not None:
        start = _position(ids, after) + 1
    if before is not None:
        end = _position(ids, before, default=end)
    if before is not None and after is None:
        window = ordered[start:end]
        return _page(window[-size:], len(window) > size, key)
    return _page(ordered[start : min(end, start + size)], end - start > size, key)


def paginate_query(items: list[dict[str, Any]], query: Mapping[str, Any]) -> dict[str, Any]:
    """A page as the cursor lists with ``limit``, ``after``, ``before`` and ``order`` ask for it
    (assistants, messages, runs, steps, vector stores, their files, response input items)."""
    return paginate(
        items,
        limit=query.get("limit", 20),
        after=query.get("after"),
        before=query.get("before"),
        order=query.get("order", "desc"),
    )


def _position(ids: list[str], wanted: str, default: int = -1) -> int:
    """Where ``wanted`` is in ``ids``; an unknown cursor is ignored (``default``)."""
    try:
        return ids.index(wanted)
    except ValueError:
        return default


def _page(page: list[dict[str, Any]], has_more: bool, key: str) -> dict[str, Any]:
    return {
        "object": "list",
        "data": page,
        "first_id": page[0][key] if page else None,
        "last_id": page[-1][key] if page else None,
        "has_more": has_more,
    }
