"""The fake's memory: objects by kind and id, in creation order, safe under concurrent requests.

Behaviours keep their objects here (files, batches, runs, stored responses...). Limits on the
number of objects and on stored bytes answer OpenAI-style errors instead of growing without end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from operator import itemgetter
from typing import Any

from oai_mock.mockserver.errors import APIError, not_found

DEFAULT_MAX_OBJECTS = 100_000
DEFAULT_MAX_BYTES = 512 * 1024 * 1024


class Store:
    def __init__(
        self, max_objects: int = DEFAULT_MAX_OBJECTS, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        self.max_objects = max_objects
        self.max_bytes = max_bytes
        self.lock = threading.RLock()
        """Hold it to read and change several objects as one step."""
        self._kinds: dict[str, dict[str, Any]] = {}
        self._count = 0
        self._bytes = 0

    def put(self, kind: str, object_id: str, value: Any, size: int = 0) -> Any:
        """Store (or replace) an object; ``size`` counts its payload bytes against the limit."""
        with self.lock:
            objects = self._kinds.setdefault(kind, {})
            if object_id not in objects:
                if self._count >= self.max_objects:
                    raise APIError(
                        429,
                        f"oai-mock stores at most {self.max_objects} objects; delete some or "
                        "raise max_objects.",
                        type="insufficient_quota",
                        code="storage_limit_exceeded",
                    )
                self._count += 1
            if size:
                if self._bytes + size > self.max_bytes:
                    raise APIError(
                        413,
                        f"oai-mock stores at most {self.max_bytes} bytes; this upload of {size} "
                        "bytes would exceed it.",
                        code="storage_limit_exceeded",
                    )
                self._bytes += size
            objects[object_id] = value
            return value

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
        with self.lock:
            removed = self._kinds.get(kind, {}).pop(object_id, None) is not None
            if removed:
                self._count -= 1
                self._bytes -= size
            return removed

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
            self._count = 0
            self._bytes = 0

    @property
    def stored_bytes(self) -> int:
        return self._bytes


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
