"""Where a served request's engine work runs: on the event loop when it is known to be quick,
else in a worker thread.

A hop to a worker thread costs more than the engine needs for most answers (a chat completion,
a model list), but running a slow answer (a thousand embeddings, a large upload) on the event
loop would hold up every other connection while it runs. So each operation is learnt:

- its first request runs in a worker thread, and its CPU time is measured (as every later one;
  an answer that spends more than ``WAITED`` seconds of wall-clock time, waiting rather than
  computing, costs its wall time);
- a request runs on the loop only when its operation has answered within ``budget`` CPU seconds,
  its body is no larger than twice the largest such body (plus 1 KiB, at most ``max_body``),
  and no request that is not known to be quick is running in a worker thread (so it never
  waits on the loop for a lock such a request holds);
- an operation whose answers exceed the budget ``strikes`` times at sizes it would have run on
  the loop runs in worker threads from then on; every ``forgive`` quick answers after a strike
  take one strike back, so that a rare slow answer of a quick operation (a garbage collection,
  the machine busy with other work) does not send it to threads for good, while an operation
  slow more often than that still gets there.

A slow request can thus hold up the loop at most ``strikes`` times per operation in a row, and
at most once per ``forgive`` quick answers after that, each time for the time of one answer that
a smaller request of its kind answered quickly.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import anyio
import anyio.to_thread

from oai_mock.mockserver.messages import MockRequest, MockResponse

BUDGET = 0.002
"""CPU seconds an answer may take and still run on the event loop next time."""
WAITED = 0.02
"""Wall-clock seconds past which an answer counts as waiting, not computing: its wall time is
its cost (well above what a quick answer takes while other threads share the interpreter)."""
MAX_INLINE_BODY = 64 * 1024
STRIKES = 3
FORGIVE = 32
"""Quick answers after a strike that take it back."""
Handle = Callable[[MockRequest], MockResponse]


@dataclass
class _Learnt:
    fits: int = -1
    """The largest body (bytes) that may run on the loop; -1: none."""
    strikes: int = 0
    quick: int = 0
    """Quick answers since the last strike was given or taken back."""


class Offload:
    def __init__(
        self,
        workers: anyio.CapacityLimiter,
        budget: float = BUDGET,
        max_body: int = MAX_INLINE_BODY,
        strikes: int = STRIKES,
        forgive: int = FORGIVE,
        timed: Callable[[Handle, MockRequest], tuple[MockResponse, float]] | None = None,
    ) -> None:
        """``timed``: runs a handler and measures its CPU seconds (a test can stand in)."""
        self.workers = workers
        self.timed = timed or _timed
        self.budget = budget
        self.max_body = max_body
        self.strikes = strikes
        self.forgive = forgive
        self._learnt: dict[str | None, _Learnt] = {}
        self._unknown = 0
        """Requests in worker threads not known to be quick (they may hold a lock long)."""

    def fits(self, operation: str | None, size: int) -> bool:
        """Whether a request of ``operation`` with a body of ``size`` bytes is known to be
        quick to answer."""
        learnt = self._learnt.get(operation)
        return learnt is not None and size <= learnt.fits

    async def run(
        self,
        handle: Handle,
        request: MockRequest,
        operation: str | None,
    ) -> MockResponse:
        """``handle(request)``, on the loop or in a worker thread (see the module's rules)."""
        size = len(request.body)
        if not self.fits(operation, size):
            self._unknown += 1
            try:
                answer, cpu = await anyio.to_thread.run_sync(
                    self.timed, handle, request, limiter=self.workers
                )
            finally:
                self._unknown -= 1
        elif self._unknown:  # it could wait on the loop for a lock that work holds
            answer, cpu = await anyio.to_thread.run_sync(
                self.timed, handle, request, limiter=self.workers
            )
        else:
            answer, cpu = self.timed(handle, request)
        self.learn(operation, size, cpu)
        return answer

    def learn(self, operation: str | None, size: int, cpu: float) -> None:
        learnt = self._learnt.setdefault(operation, _Learnt())
        if learnt.strikes >= self.strikes:
            return
        if cpu <= self.budget:
            learnt.fits = max(learnt.fits, min(self.max_body, 2 * size + 1024))
            if learnt.strikes:
                learnt.quick += 1
                if learnt.quick >= self.forgive:
                    learnt.strikes -= 1
                    learnt.quick = 0
        elif size <= learnt.fits:
            learnt.strikes += 1
            learnt.quick = 0
            if learnt.strikes >= self.strikes:
                learnt.fits = -1


def _timed(handle: Handle, request: MockRequest) -> tuple[MockResponse, float]:
    """The answer and what it cost: its CPU seconds, or its wall-clock seconds when those are
    far beyond the budget. A handler that waits (a user's behaviour that sleeps or does I/O)
    uses next to no CPU, yet would hold the event loop for its whole wait."""
    started, started_cpu = time.perf_counter(), time.thread_time()
    answer = handle(request)
    cpu = time.thread_time() - started_cpu
    wall = time.perf_counter() - started
    return answer, wall if wall > WAITED else cpu
