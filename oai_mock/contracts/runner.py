"""Run the check catalogue against a backend and collect results.

>>> from oai_mock.contracts.runner import ContractRun
>>> run = ContractRun("http://127.0.0.1:8000/v1", model="gpt-4o-mini")   # doctest: +SKIP
>>> results = run.execute()                                               # doctest: +SKIP
>>> results.exit_code("required")                                         # doctest: +SKIP
0
"""

from __future__ import annotations

import datetime
import threading
import time
import traceback
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import orjson

from oai_mock import __version__
from oai_mock.contracts.causes import Cause, causes
from oai_mock.contracts.checks import (
    SEVERITIES,
    Check,
    CheckFailed,
    CheckSkipped,
    CheckUnsupported,
    Severity,
    select,
)
from oai_mock.contracts.probe import (
    TIME_LIMIT_PASSED,
    Allowance,
    Budget,
    BudgetExhausted,
    Exchange,
    Probe,
)
from oai_mock.contracts.waivers import Waiver, find_waiver
from oai_mock.spec import Profile, load_bundle

Outcome = Literal["passed", "failed", "waived", "unsupported", "skipped"]
OUTCOMES: tuple[Outcome, ...] = ("passed", "failed", "waived", "unsupported", "skipped")


@dataclass
class Result:
    check: Check
    outcome: Outcome
    message: str = ""
    seconds: float = 0.0
    request: str | None = None
    """A curl line that reproduces the failing request."""
    response: str | None = None
    """The answer that showed the failure (status, content type, the start of the body)."""
    example: Any = None
    """The shrunk generated input of a property that failed."""
    retries: list[str] = field(default_factory=list)
    """The 429 and 503 answers that were waited out."""
    waiver: Waiver | None = None
    requests: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.check.id,
            "area": self.check.area,
            "severity": self.check.severity,
            "description": self.check.description,
            "source": self.check.source,
            "outcome": self.outcome,
            "message": self.message,
            "seconds": round(self.seconds, 3),
            "request": self.request,
            "response": self.response,
            "example": self.example,
            "retries": self.retries,
            "waiver": self.waiver.to_dict() if self.waiver else None,
        }


@dataclass
class Results:
    base_url: str
    model: str
    profile: Profile
    results: list[Result] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0
    started: str = ""
    """When the run began (ISO 8601, UTC)."""
    kit_version: str = __version__
    spec_version: str = ""
    notes: list[str] = field(default_factory=list)
    """What the run tolerated and says so (nulls the spec's examples show)."""
    waivers: str | None = None
    """The waiver file the run applied."""
    unreachable: str | None = None
    """Why no check could run: the backend gave no HTTP answer at all, or refused to answer
    without a key (401)."""

    def count(self, outcome: Outcome) -> int:
        return sum(r.outcome == outcome for r in self.results)

    @property
    def model_shown(self) -> str:
        """The model, as the reports name it (none was chosen when nothing could run)."""
        return self.model or "none chosen (nothing could run)"

    @property
    def retries(self) -> int:
        return sum(len(r.retries) for r in self.results)

    @property
    def failed_required(self) -> int:
        return sum(r.outcome == "failed" and r.check.severity == "required" for r in self.results)

    def failures_at(self, fail_on: Severity) -> list[Result]:
        """The failures at ``fail_on`` or above (required > recommended > extension)."""
        worst = SEVERITIES.index(fail_on)
        return [
            r
            for r in self.results
            if r.outcome == "failed" and SEVERITIES.index(r.check.severity) <= worst
        ]

    def exit_code(self, fail_on: Severity = "extension") -> int:
        """1 when a check at ``fail_on`` or a severer level failed, else 0. Waived failures,
        unsupported operations and skipped checks never fail the run."""
        return 1 if self.failures_at(fail_on) else 0

    @property
    def cut_short(self) -> int:
        """Checks the run's time limit skipped (all or part of them not run)."""
        return sum(r.outcome == "skipped" and r.message == TIME_LIMIT_PASSED for r in self.results)

    def causes(self) -> list[Cause]:
        """The problems behind the failed checks (waived ones apart), the most widespread
        first: one deviation of the backend often fails many checks."""
        return causes((r.check.id, r.message) for r in self.results if r.outcome == "failed")

    def summary(self) -> str:
        counts = ", ".join(f"{self.count(o)} {o}" for o in OUTCOMES)
        waited = f", {self.retries} answers waited out (429/503)" if self.retries else ""
        return f"{counts} ({self.requests} requests, {self.seconds:.1f} s{waited})"

    def to_dict(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "model": self.model,
            "profile": self.profile,
            "started": self.started,
            "kit_version": self.kit_version,
            "spec_version": self.spec_version,
            "waivers": self.waivers,
            "unreachable": self.unreachable,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            **{o: self.count(o) for o in OUTCOMES},
            "retries": self.retries,
            "notes": self.notes,
            "causes": [cause.to_dict() for cause in self.causes()],
            "results": [r.to_dict() for r in self.results],
        }

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict(), option=orjson.OPT_INDENT_2)


DEFAULT_MODEL = "gpt-4o-mini"
"""The chat model checked when none is given and the backend lists none."""


class BackendUnreachable(Exception):
    """The backend gives no HTTP answer at all (refused, unresolvable, timed out)."""


def spec_version() -> str:
    source = load_bundle().source
    return str(source.get("version") or source.get("info_version") or source.get("sha256", ""))[:40]


def jsonable(value: Any) -> Any:
    """A generated example as JSON can hold it (raw bodies and uploaded files are bytes)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list | tuple):
        return [jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(key): jsonable(item) for key, item in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return repr(value)


def evidence(exchange: Exchange | None) -> tuple[str | None, str | None]:
    return (exchange.curl(), exchange.summary()) if exchange is not None else (None, None)


class FairShares:
    """Each check's share of the run's budget: what is left, less a reserve for every check not
    yet started (an even split of the whole budget). A check may use what the checks before it
    left over, but never what the checks after it are owed, so a backend that fails every
    check (each failure shrinking) still gets every check run and reported. A share is taken
    when its check starts: with ``concurrency`` above 1 the checks running beside it have not
    spent theirs yet, so the split is approximate."""

    def __init__(self, budget: Budget, checks: int, deadline: float | None = None) -> None:
        self.budget = budget
        self.deadline = deadline
        self.waiting = checks
        self.reserve = max(1, budget.total // max(1, checks))
        self._lock = threading.Lock()

    def next(self) -> Allowance:
        with self._lock:
            self.waiting -= 1
            owed = self.reserve * max(0, self.waiting)
            limit = max(self.reserve, self.budget.left - owed)
            return Allowance(self.budget, limit, self.deadline)


class ContractRun:
    def __init__(
        self,
        base_url: str,
        *,
        api_key: str | None = None,
        model: str | None = None,
        embedding_model: str = "text-embedding-3-small",
        only: Iterable[str] | None = None,
        profile: Profile = "strict",
        max_examples: int = 3,
        timeout: float = 60.0,
        budget: int = 800,
        concurrency: int = 1,
        include_expensive: bool = False,
        http_client: Callable[[], httpx.Client] | None = None,
        seed: int = 0,
        waivers: Iterable[Waiver] = (),
        waivers_name: str | None = None,
        retries: int = 3,
        max_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        shrink_requests: int = 12,
        run_timeout: float | None = None,
    ) -> None:
        self.seed = seed
        self.run_timeout = run_timeout
        """Seconds the whole run may take: no request is sent after it, and the checks not
        finished by then are reported as skipped."""
        self.shrink_requests = shrink_requests
        self.base_url = base_url
        self.api_key = api_key
        self.model = model
        self.embedding_model = embedding_model
        self.checks = select(set(only) if only else None, include_expensive)
        self.profile = profile
        self.max_examples = max_examples
        self.timeout = timeout
        self.budget = budget
        self.concurrency = max(1, concurrency)
        self.http_client = http_client
        self.waivers = tuple(waivers)
        self.waivers_name = waivers_name
        self.retries = retries
        self.max_wait = max_wait
        self.sleep = sleep

    def _probe(self, model: str, budget: int | Budget | Allowance) -> Probe:
        client = self.http_client() if self.http_client else None
        return Probe(
            self.base_url,
            self.api_key,
            model=model,
            embedding_model=self.embedding_model,
            profile=self.profile,
            timeout=self.timeout,
            budget=budget,
            http_client=client,
            seed=self.seed,
            retries=self.retries,
            max_wait=self.max_wait,
            sleep=self.sleep,
            shrink_requests=self.shrink_requests,
        )

    def pick_model(self, notes: list[str] | None = None) -> str:
        """The model to test: the one given, or the first chat-like model the backend lists.
        ``notes`` receives what the report must say: the waits, and a default model taken
        because the backend listed none.

        Raises :class:`BackendUnreachable` when ``/models`` gets no HTTP answer at all, or a
        401 (no key, or a key refused): every check would then fail the same way.
        """
        notes = notes if notes is not None else []
        probe = self._probe("", 1 + self.retries)
        try:
            answer = probe.get("/models")
        finally:
            probe.close()
        notes.extend(f"choosing the model: {retry}" for retry in probe.retries)
        notes.extend(probe.notes)
        if answer.error and not answer.status:
            raise BackendUnreachable(f"cannot reach {self.base_url}: {answer.error}")
        if answer.status == 401:
            if self.api_key:
                why = "refused the key given with --api-key"
            else:
                why = "needs a key: give it with --api-key"
            raise BackendUnreachable(
                f"{self.base_url} {why} (GET /models answered 401); nothing was tested"
            )
        if self.model:
            return self.model
        listed = answer.json if isinstance(answer.json, dict) else {}
        names = [m.get("id") for m in listed.get("data") or [] if isinstance(m, dict)]
        chat_like = [
            n
            for n in names
            if isinstance(n, str) and "embed" not in n and "whisper" not in n and "tts" not in n
        ]
        if chat_like:
            return chat_like[0]
        why = (
            f"answered {answer.status}"
            if not 200 <= answer.status < 300
            else "listed no chat model"
        )
        notes.append(
            f"GET /models {why}: the checks use {DEFAULT_MODEL}, the default "
            "(give --model to choose the model)"
        )
        return DEFAULT_MODEL

    def run_one(
        self, check: Check, model: str, budget: Budget | Allowance, notes: list[str]
    ) -> Result:
        """Run one check; whatever the backend answers, a result (never an exception)."""
        probe = self._probe(model, budget)
        begun = time.perf_counter()
        try:
            check.run(probe, self.max_examples)
            result = Result(check, "passed")
        except CheckFailed as failure:
            exchange = failure.exchange or (probe.exchanges[-1] if probe.exchanges else None)
            request, response = evidence(exchange)
            result = Result(
                check,
                "failed",
                str(failure),
                request=request,
                response=response,
                example=jsonable(failure.example),
            )
        except CheckUnsupported as missing:
            request, response = evidence(missing.exchange)
            result = Result(check, "unsupported", str(missing), request=request, response=response)
        except CheckSkipped as skip:
            result = Result(check, "skipped", str(skip))
        except BudgetExhausted as exhausted:
            result = Result(check, "skipped", str(exhausted))
        except Exception as error:  # an answer of a shape no check foresaw: still a result
            exchange = probe.exchanges[-1] if probe.exchanges else None
            request, response = evidence(exchange)
            where = traceback.extract_tb(error.__traceback__)[-1]
            result = Result(
                check,
                "failed",
                f"the answer has a shape the check cannot read ({type(error).__name__}: {error}, "
                f"at {where.name} line {where.lineno})",
                request=request,
                response=response,
            )
        finally:
            probe.close()
        result.seconds = time.perf_counter() - begun
        result.retries = [str(r) for r in probe.retries]
        result.requests = probe.sent
        notes.extend(n for n in probe.notes if n not in notes)
        if result.outcome == "failed":
            waiver = find_waiver(self.waivers, check.id)
            if waiver is not None:
                result.outcome, result.waiver = "waived", waiver
        return result

    def execute(self, progress: Callable[[Result, int, int], None] | None = None) -> Results:
        """Run every selected check; ``progress(result, done, total)`` after each.

        Whatever the backend does, the answer is a result per check: a backend that gives no
        HTTP answer at all gets every check skipped with the reason (and
        :attr:`Results.unreachable` set), and once ``run_timeout`` has passed the checks not
        yet done are skipped."""
        started = time.perf_counter()
        deadline = None if self.run_timeout is None else time.monotonic() + self.run_timeout
        results = Results(
            self.base_url,
            self.model or "",
            self.profile,
            started=datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            spec_version=spec_version(),
            waivers=self.waivers_name,
        )
        total = len(self.checks)
        done: list[Result] = []
        try:
            model = results.model = self.pick_model(results.notes)
        except BackendUnreachable as error:
            results.unreachable = str(error)
            results.results = [Result(c, "skipped", f"not run: {error}") for c in self.checks]
            results.seconds = time.perf_counter() - started
            return results
        shares = FairShares(Budget(self.budget), total, deadline)

        def one(check: Check) -> Result:
            allowance = shares.next()
            if deadline is not None and time.monotonic() > deadline:
                result = Result(check, "skipped", TIME_LIMIT_PASSED)
            else:
                result = self.run_one(check, model, allowance, results.notes)
            done.append(result)
            if progress is not None:
                progress(result, len(done), total)
            return result

        if self.concurrency == 1:
            results.results = [one(c) for c in self.checks]
        else:
            with ThreadPoolExecutor(self.concurrency) as pool:
                results.results = list(pool.map(one, self.checks))
        results.requests = sum(r.requests for r in results.results)
        results.seconds = time.perf_counter() - started
        return results
