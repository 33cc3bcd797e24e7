"""Run the check catalogue against a backend and collect results.

>>> from oai_mock.contracts.runner import ContractRun
>>> run = ContractRun("http://127.0.0.1:8000/v1", model="gpt-4o-mini")   # doctest: +SKIP
>>> results = run.execute()                                               # doctest: +SKIP
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx
import orjson

from oai_mock.contracts.checks import Check, CheckFailed, CheckSkipped, select
from oai_mock.contracts.probe import Budget, BudgetExhausted, Probe
from oai_mock.spec import Profile

Outcome = Literal["passed", "failed", "skipped"]


@dataclass
class Result:
    check: Check
    outcome: Outcome
    message: str = ""
    seconds: float = 0.0
    request: str | None = None
    """A curl line that reproduces the failing request."""
    response: str | None = None
    example: Any = None
    """The shrunk generated input of a property that failed."""

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
        }


@dataclass
class Results:
    base_url: str
    model: str
    profile: Profile
    results: list[Result] = field(default_factory=list)
    requests: int = 0
    seconds: float = 0.0

    def count(self, outcome: Outcome) -> int:
        return sum(r.outcome == outcome for r in self.results)

    @property
    def failed_required(self) -> int:
        return sum(r.outcome == "failed" and r.check.severity == "required" for r in self.results)

    def to_dict(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "model": self.model,
            "profile": self.profile,
            "requests": self.requests,
            "seconds": round(self.seconds, 3),
            "passed": self.count("passed"),
            "failed": self.count("failed"),
            "skipped": self.count("skipped"),
            "results": [r.to_dict() for r in self.results],
        }

    def to_json(self) -> bytes:
        return orjson.dumps(self.to_dict(), option=orjson.OPT_INDENT_2)


class BackendUnreachable(Exception):
    """The backend gives no HTTP answer at all (refused, unresolvable, timed out)."""


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
        max_examples: int = 5,
        timeout: float = 60.0,
        budget: int = 500,
        concurrency: int = 1,
        include_expensive: bool = False,
        http_client: Callable[[], httpx.Client] | None = None,
        seed: int = 0,
    ) -> None:
        self.seed = seed
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

    def _probe(self, model: str, budget: int | Budget) -> Probe:
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
        )

    def pick_model(self) -> str:
        """The model to test: the one given, or the first chat-like model the backend lists.

        Raises :class:`BackendUnreachable` when ``/models`` gets no HTTP answer at all: every
        check would then fail with the same connection error.
        """
        probe = self._probe("", 1)
        try:
            answer = probe.get("/models")
        finally:
            probe.close()
        if answer.error:
            raise BackendUnreachable(f"cannot reach {self.base_url}: {answer.error}")
        if self.model:
            return self.model
        listed = answer.json or {}
        names = [m.get("id") for m in listed.get("data") or [] if isinstance(m, dict)]
        chat_like = [
            n
            for n in names
            if isinstance(n, str) and "embed" not in n and "whisper" not in n and "tts" not in n
        ]
        return chat_like[0] if chat_like else "gpt-4o-mini"

    def execute(self, progress: Callable[[Result], None] | None = None) -> Results:
        started = time.perf_counter()
        model = self.pick_model()
        results = Results(self.base_url, model, self.profile)
        budget = Budget(self.budget)
        spent: list[int] = []

        def run_one(check: Check) -> Result:
            probe = self._probe(model, budget)
            begun = time.perf_counter()
            try:
                check.run(probe, self.max_examples)
                result = Result(check, "passed")
            except CheckFailed as failure:
                exchange = failure.exchange or (probe.exchanges[-1] if probe.exchanges else None)
                result = Result(
                    check,
                    "failed",
                    str(failure),
                    request=exchange.curl() if exchange else None,
                    response=exchange.summary() if exchange else None,
                    example=failure.example,
                )
            except CheckSkipped as skip:
                result = Result(check, "skipped", str(skip))
            except BudgetExhausted as exhausted:
                result = Result(check, "skipped", str(exhausted))
            except Exception as error:  # a backend so broken the check itself cannot proceed
                exchange = probe.exchanges[-1] if probe.exchanges else None
                result = Result(
                    check,
                    "failed",
                    f"{type(error).__name__}: {error}",
                    request=exchange.curl() if exchange else None,
                    response=exchange.summary() if exchange else None,
                )
            finally:
                spent.append(probe.sent)
                probe.close()
            result.seconds = time.perf_counter() - begun
            if progress is not None:
                progress(result)
            return result

        if self.concurrency == 1:
            results.results = [run_one(c) for c in self.checks]
        else:
            with ThreadPoolExecutor(self.concurrency) as pool:
                results.results = list(pool.map(run_one, self.checks))
        results.requests = sum(spent)
        results.seconds = time.perf_counter() - started
        return results
