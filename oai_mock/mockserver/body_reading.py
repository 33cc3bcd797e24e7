"""Reading a request body in an ASGI app: no further than its operation's limit, and within a
deadline.

The deadline costs next to nothing per request: instead of a timer (or an anyio cancel scope)
for every body, the reads in progress are kept in a table that one timer checks a few times per
deadline, cancelling those that outlived it. Under an event loop other than asyncio's, it falls
back to ``anyio.fail_after``.
"""

from __future__ import annotations

import asyncio
from typing import Any

import anyio
from starlette.types import Receive


class BodyTooLarge(Exception):
    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"a request body of {size} bytes, over the limit of {limit}")
        self.size, self.limit = size, limit


async def read_body(receive: Receive, declared: str, limit: int) -> bytes | None:
    """The body, read no further than ``limit`` bytes (None when the client left).
    ``declared``: the request's content-length header ("" when it has none)."""
    if declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(int(declared), limit)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(size, limit)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks)


class BodyDeadline:
    """Reads bodies with :func:`read_body`, raising ``TimeoutError`` when one takes longer than
    ``seconds`` (checked every tenth of that, at most every second: a read is cancelled at most
    that much after its deadline)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.tick = min(1.0, seconds / 10)
        self._reading: dict[asyncio.Task[Any], float] = {}
        self._expired: set[asyncio.Task[Any]] = set()
        self._timer: asyncio.TimerHandle | None = None
        self._timer_loop: asyncio.AbstractEventLoop | None = None

    async def read(self, receive: Receive, declared: str, limit: int) -> bytes | None:
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # another event loop (trio): a cancel scope of its own
            with anyio.fail_after(self.seconds):
                return await read_body(receive, declared, limit)
        task = asyncio.current_task(loop)
        assert task is not None
        self._reading[task] = loop.time() + self.seconds
        if self._timer is None or self._timer_loop is not loop:
            self._timer = loop.call_later(self.tick, self._check, loop)
            self._timer_loop = loop
        try:
            return await read_body(receive, declared, limit)
        except asyncio.CancelledError:
            if task not in self._expired:
                raise
            uncancel = getattr(task, "uncancel", None)  # Python 3.11+: the cancel was ours
            if uncancel is not None:
                uncancel()
            raise TimeoutError from None
        finally:
            del self._reading[task]
            self._expired.discard(task)

    def _check(self, loop: asyncio.AbstractEventLoop) -> None:
        now = loop.time()
        for task, deadline in list(self._reading.items()):
            if deadline <= now and task not in self._expired:
                self._expired.add(task)
                task.cancel()
        if self._reading:
            self._timer = loop.call_later(self.tick, self._check, loop)
        else:
            self._timer = self._timer_loop = None
