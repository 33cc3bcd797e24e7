"""Lifecycles: objects that move through statuses (batches, fine-tuning jobs, runs, vector
store files, background responses), under a policy the user picks.

- ``"per_poll"`` (the default): each retrieve moves the object one step, so the SDK's polling
  helpers (``create_and_poll``, ``upload_and_poll``) terminate after a few requests;
- ``"clock"``: an object moves one step every ``step_seconds`` of the mock's clock (frozen
  clocks move with ``mock.clock.advance``);
- ``"manual"``: objects move only when the test says so: ``mock.lifecycles.advance(id)``,
  ``advance(id, to="requires_action")``, ``complete(id)``, ``fail(id, code, message)``,
  ``cancel(id)``.

Each tracked object has a path of statuses and an ``enter`` callback that applies what
entering a status means (a run's reply appended to its thread, a batch's output file written).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

from oai_mock.mockserver.errors import invalid_request, not_found

if TYPE_CHECKING:
    from oai_mock.mockserver.clock import Clock
    from oai_mock.mockserver.state import Store

Policy = Literal["per_poll", "clock", "manual"]
POLICIES: tuple[Policy, ...] = ("per_poll", "clock", "manual")


@dataclass
class Tracked:
    object_id: str
    path: list[str]
    """Statuses still ahead, in order; the object is at ``status``."""
    status: str
    enter: Callable[[str], None]
    next_at: float = 0.0
    on_fail: Callable[[str, str], None] | None = None
    on_cancel: Callable[[], None] | None = None
    history: list[str] = field(default_factory=list)

    @property
    def done(self) -> bool:
        return not self.path


class Lifecycles:
    """Every tracked object of one mock, moved by its policy. Thread-safe."""

    def __init__(
        self,
        clock: Clock,
        policy: Policy = "per_poll",
        step_seconds: float = 1.0,
        store: Store | None = None,
    ) -> None:
        """``store``: the mock's store, whose lock the lifecycles share and whose objects they
        follow (an object deleted or evicted stops being tracked)."""
        if policy not in POLICIES:
            raise ValueError(f"unknown lifecycle policy {policy!r}: use one of {POLICIES}")
        self.clock = clock
        self.policy: Policy = policy
        self.step_seconds = step_seconds
        self._tracked: dict[str, Tracked] = {}
        # The mock's one state lock (see oai_mock.mockserver.state): a lifecycle's step writes
        # records in the store, so taking a second lock here could deadlock against a request
        # that holds the store's lock and polls.
        self._lock = store.lock if store is not None else threading.RLock()
        self._max_tracked = store.max_objects if store is not None else None
        if store is not None:
            store.on_remove(lambda _kind, object_id: self.forget(object_id))

    def track(
        self,
        object_id: str,
        status: str,
        path: Sequence[str],
        enter: Callable[[str], None],
        on_fail: Callable[[str, str], None] | None = None,
        on_cancel: Callable[[], None] | None = None,
    ) -> Tracked:
        tracked = Tracked(
            object_id,
            list(path),
            status,
            enter,
            next_at=self.clock.now() + self.step_seconds,
            on_fail=on_fail,
            on_cancel=on_cancel,
            history=[status],
        )
        with self._lock:
            self._tracked[object_id] = tracked
            if self._max_tracked is not None:  # bounded as the store is, oldest first
                while len(self._tracked) > self._max_tracked:
                    del self._tracked[next(iter(self._tracked))]
        return tracked

    def get(self, object_id: str) -> Tracked | None:
        with self._lock:
            return self._tracked.get(object_id)

    def all(self) -> list[Tracked]:
        with self._lock:
            return list(self._tracked.values())

    def forget(self, object_id: str) -> None:
        with self._lock:
            self._tracked.pop(object_id, None)

    def poll(self, object_id: str) -> None:
        """What a retrieve does: move the object as the policy says."""
        with self._lock:
            tracked = self._tracked.get(object_id)
            if tracked is None or tracked.done:
                return
            if self.policy == "per_poll":
                self._step(tracked)
            elif self.policy == "clock":
                now = self.clock.now()
                while not tracked.done and now >= tracked.next_at:
                    self._step(tracked)
                    tracked.next_at += self.step_seconds

    def set_path(self, object_id: str, path: Sequence[str]) -> None:
        """Replace the statuses still ahead (a run that must now wait for tool outputs)."""
        with self._lock:
            self._require(object_id).path = list(path)

    # -- explicit control ------------------------------------------------------------------

    def advance(self, object_id: str, to: str | None = None) -> str:
        """Move one step, or until the object reaches ``to``. Returns the new status."""
        with self._lock:
            tracked = self._require(object_id)
            if to is None:
                if tracked.done:
                    raise ValueError(f"{object_id} is already {tracked.status}: no step left")
                self._step(tracked)
                return tracked.status
            if to not in tracked.path and to != tracked.status:
                raise ValueError(
                    f"{object_id} is {tracked.status} and cannot reach {to!r}; "
                    f"its next statuses are {tracked.path}"
                )
            while tracked.status != to:
                self._step(tracked)
            return tracked.status

    def complete(self, object_id: str) -> str:
        """Move to the end of the path."""
        with self._lock:
            tracked = self._require(object_id)
            while not tracked.done:
                self._step(tracked)
            return tracked.status

    def fail(
        self, object_id: str, code: str = "server_error", message: str = "The job failed."
    ) -> None:
        with self._lock:
            tracked = self._require(object_id)
            if tracked.on_fail is None:
                raise ValueError(f"{object_id} cannot fail")
            tracked.path = []
            tracked.status = "failed"
            tracked.history.append("failed")
            tracked.on_fail(code, message)

    def cancel(self, object_id: str, waiting: Collection[str] = ()) -> None:
        """Cancel an object on its way; ``waiting``: statuses at the end of its path in which
        it still may be cancelled (a run waiting for tool outputs)."""
        with self._lock:
            tracked = self._require(object_id)
            ended = tracked.done and tracked.status not in waiting
            if tracked.on_cancel is None or ended:
                raise invalid_request(f"Cannot cancel an object that is {tracked.status}.")
            tracked.path = []
            tracked.on_cancel()

    def _step(self, tracked: Tracked) -> None:
        status = tracked.path.pop(0)
        tracked.status = status
        tracked.history.append(status)
        tracked.enter(status)

    def _require(self, object_id: str) -> Tracked:
        tracked = self._tracked.get(object_id)
        if tracked is None:
            raise not_found(f"No object with id '{object_id}' moves through a lifecycle.")
        return tracked

    def clear(self) -> None:
        with self._lock:
            self._tracked.clear()
