"""The contract runner's connection to the backend under test: raw HTTP, so that framing,
headers and bodies are checked as they arrive, with a request budget and a record of every
exchange for the report."""

from __future__ import annotations

import shlex
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from oai_mock.spec import Profile, SchemaChecker, load_bundle
from oai_mock.sse import ServerSentEvent, decode_sse

TIME_LIMIT_PASSED = "the run's time limit passed"
"""Why a check was skipped when ``--run-timeout`` ended the run before it (or during it)."""


class BudgetExhausted(Exception):
    """The run reached its request budget."""


class Budget:
    """The requests a whole run may send, shared by the checks (thread-safe)."""

    def __init__(self, total: int) -> None:
        self.total = total
        self.used = 0
        self._lock = threading.Lock()

    def take(self) -> None:
        with self._lock:
            if self.used >= self.total:
                raise BudgetExhausted(f"the request budget of {self.total} is used up")
            self.used += 1

    @property
    def left(self) -> int:
        with self._lock:
            return self.total - self.used


class Allowance:
    """One check's share of the run's :class:`Budget`: at most ``limit`` requests, drawn from
    the run's budget, so that a check that fails (and shrinks) cannot starve the checks after
    it."""

    def __init__(self, budget: Budget, limit: int, deadline: float | None = None) -> None:
        self.budget = budget
        self.limit = limit
        self.used = 0
        self.deadline = deadline
        """When the run's time is up (``time.monotonic()``): no request is sent after it."""

    def take(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise BudgetExhausted(TIME_LIMIT_PASSED)
        if self.used >= self.limit:
            raise BudgetExhausted(
                f"this check's share of the request budget ({self.limit} of "
                f"{self.budget.total}) is used up"
            )
        self.budget.take()
        self.used += 1


@dataclass
class Exchange:
    """One request and what came back."""

    method: str
    url: str
    headers: dict[str, str]
    body: Any
    status: int = 0
    response_headers: dict[str, str] = field(default_factory=dict)
    content: bytes = b""
    error: str | None = None
    timed_out: bool = False
    """Whether the answer, or the rest of it, did not come in time (a hang, a trickle)."""
    path: str = ""
    """The path under the API base (``/chat/completions``)."""
    after_success: bool = False
    """Whether an earlier request of the same check got a 2xx (then a 404 is a failure, not
    an operation the backend leaves out)."""

    @property
    def json(self) -> Any:
        try:
            return orjson.loads(self.content)
        except orjson.JSONDecodeError:
            return None

    @property
    def events(self) -> list[ServerSentEvent]:
        return list(decode_sse([self.content]))

    @property
    def media_type(self) -> str:
        return self.response_headers.get("content-type", "").split(";")[0].strip()

    def curl(self) -> str:
        """A command that reproduces the request. The key is left out: the line reads it from
        ``$OPENAI_API_KEY``, in double quotes so that the shell expands it."""
        words = ["curl", "-X", self.method, shlex.quote(self.url)]
        for name, value in self.headers.items():
            if name.lower() == "authorization":
                words += ["-H", '"Authorization: Bearer $OPENAI_API_KEY"']
            else:
                words += ["-H", shlex.quote(f"{name}: {value}")]
        if self.body is not None:
            data = self.body if isinstance(self.body, str) else orjson.dumps(self.body).decode()
            words += ["-d", shlex.quote(data)]
        return " ".join(words)

    def summary(self, limit: int = 400) -> str:
        """The status, the media type and the body: whole when it is short, else its first and
        last ``limit`` bytes with how much was left out between them (a stream's end is often
        the evidence: a missing ``[DONE]``, a last chunk without ``finish_reason``)."""
        content = self.content
        if len(content) <= 2 * limit + 64:
            text = content.decode("utf-8", "replace")
        else:
            head = content[:limit].decode("utf-8", "replace")
            tail = content[-limit:].decode("utf-8", "replace")
            left_out = len(content) - 2 * limit
            text = f"{head}\n[... {left_out} bytes left out ...]\n{tail}"
        return f"{self.status} {self.media_type}: {text}"


RETRIED_STATUSES = (429, 503)
"""Answers that ask the client to come back later: waited out, within the run's bound."""


@dataclass(frozen=True)
class Retry:
    """One answer that was waited out and sent again."""

    method: str
    path: str
    status: int
    waited: float
    hint: str
    """Where the wait came from: ``retry-after``, ``retry-after-ms`` or the default back-off."""

    def __str__(self) -> str:
        return (
            f"{self.status} on {self.method} {self.path}: waited {self.waited:.1f} s ({self.hint})"
        )


def retry_delay(headers: dict[str, str], attempt: int) -> tuple[float, str]:
    """The wait an answer asks for: ``retry-after-ms``, then ``retry-after`` in seconds, else an
    exponential back-off from half a second."""
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        text = headers.get(name)
        if text is not None:
            try:
                return max(0.0, float(text) * scale), name
            except ValueError:
                pass  # an HTTP date or garbage: fall back to the back-off
    return 0.5 * 2**attempt, "back-off"


_CHECKERS: dict[int, SchemaChecker] = {}
_CHECKERS_LOCK = threading.Lock()


def shared_checker() -> SchemaChecker:
    """One checker for every probe of the process: validators compile once, not per check."""
    bundle = load_bundle()
    with _CHECKERS_LOCK:
        checker = _CHECKERS.get(id(bundle))
        if checker is None:
            checker = _CHECKERS[id(bundle)] = SchemaChecker(bundle)
        return checker


class Probe:
    def __init__(
        self,
        base_url: str,
        api_key: str | None,
        *,
        model: str,
        embedding_model: str,
        profile: Profile = "strict",
        timeout: float = 60.0,
        budget: int | Budget | Allowance = 500,
        http_client: httpx.Client | None = None,
        seed: int = 0,
        retries: int = 3,
        max_wait: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        shrink_requests: int = 12,
    ) -> None:
        self.seed = seed
        """Seeds the generated examples: the same seed sends the same requests."""
        self.shrink_requests = shrink_requests
        """The most requests shrinking one failure may send; then the smallest failure found so
        far is the report."""
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.model = model
        self.embedding_model = embedding_model
        self.profile = profile
        self.budget = budget if isinstance(budget, Budget | Allowance) else Budget(budget)
        self.sent = 0
        self.timeout = timeout
        self.http = http_client or httpx.Client(timeout=timeout)
        self.bundle = load_bundle()
        self.checker = shared_checker()
        self.exchanges: list[Exchange] = []
        self.retry_limit = retries
        self.max_wait = max_wait
        """The longest single wait a 429 or 503 may ask for; a longer one is not waited out."""
        self.retries: list[Retry] = []
        self.gave_up = False
        self.sleep = sleep
        self.notes: list[str] = []
        """What the checks tolerated and want the report to say (a null the spec's examples
        show, for instance)."""

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        authenticate: bool = True,
        files: dict[str, tuple[str, bytes, str]] | None = None,
        form: dict[str, str] | None = None,
    ) -> Exchange:
        """Send one request; a 429 or 503 is waited out (``retry-after-ms``, ``retry-after``
        or a back-off) and sent again, at most ``retries`` times, each retry counted against
        the budget and recorded in :attr:`retries`. Once a request stays refused, the probe
        stops waiting: a backend that keeps refusing fails the check quickly."""
        attempt = 0
        while True:
            exchange = self._send_once(method, path, body, raw, headers, authenticate, files, form)
            if exchange.status not in RETRIED_STATUSES or self.gave_up:
                return exchange
            wait, hint = retry_delay(exchange.response_headers, attempt)
            if attempt >= self.retry_limit or wait > self.max_wait:
                # Still refused after the retries, or asked to wait too long: the check
                # reports it, and its later requests are not waited out again.
                self.gave_up = True
                if wait > self.max_wait:
                    why = f"asked to wait {wait:g} s ({hint}), more than --max-wait {self.max_wait:g} s"
                else:
                    why = f"still {exchange.status} after {self.retry_limit} waits"
                self.notes.append(
                    f"{method} {path}: {exchange.status} not waited out: {why}; the checks "
                    "that needed it failed on the refusal, not on a deviation"
                )
                return exchange
            self.retries.append(Retry(method, path, exchange.status, wait, hint))
            self.sleep(wait)
            attempt += 1

    def _send_once(
        self,
        method: str,
        path: str,
        body: Any,
        raw: bytes | None,
        headers: dict[str, str] | None,
        authenticate: bool,
        files: dict[str, tuple[str, bytes, str]] | None,
        form: dict[str, str] | None,
    ) -> Exchange:
        self.budget.take()
        self.sent += 1
        has_json = (body is not None or raw is not None) and files is None
        all_headers = {"Content-Type": "application/json"} if has_json else {}
        if authenticate and self.api_key:
            all_headers["Authorization"] = f"Bearer {self.api_key}"
        all_headers.update(headers or {})
        shown = "multipart" if files is not None else body
        exchange = Exchange(
            method,
            self.base_url + path,
            all_headers,
            shown if raw is None else raw.decode("utf-8", "replace"),
            path=path,
            after_success=any(200 <= e.status < 300 for e in self.exchanges),
        )
        content = raw if raw is not None else (orjson.dumps(body) if has_json else None)
        deadline = time.monotonic() + self.timeout
        received = bytearray()
        try:
            request = self.http.build_request(
                method, exchange.url, headers=all_headers, content=content, files=files, data=form
            )
            response = self.http.send(request, stream=True)
            try:
                exchange.status = response.status_code
                exchange.response_headers = {k.lower(): v for k, v in response.headers.items()}
                # A server that trickles bytes never trips the per-read timeout: the whole
                # answer must arrive within the timeout too.
                for chunk in response.iter_bytes():
                    received += chunk
                    if time.monotonic() > deadline:
                        exchange.error = (
                            f"Timeout: the answer was still arriving after {self.timeout:g} s"
                        )
                        exchange.timed_out = True
                        break
            finally:
                response.close()
        except httpx.HTTPError as error:
            exchange.error = f"{type(error).__name__}: {error}"
            exchange.timed_out = isinstance(error, httpx.TimeoutException)
        exchange.content = bytes(received)  # what arrived, also of a truncated answer
        self.exchanges.append(exchange)
        return exchange

    def post(self, path: str, body: Any, **options: Any) -> Exchange:
        return self.send("POST", path, body, **options)

    def get(self, path: str, **options: Any) -> Exchange:
        return self.send("GET", path, **options)

    def delete(self, path: str, **options: Any) -> Exchange:
        return self.send("DELETE", path, **options)

    def upload(self, name: str, data: bytes, purpose: str) -> Exchange:
        """POST /files as multipart (what the flows use to create files)."""
        return self.send(
            "POST",
            "/files",
            files={"file": (name, data, "application/octet-stream")},
            form={"purpose": purpose},
        )

    def validate(self, value: Any, schema: dict[str, Any]) -> list[str]:
        """Problems of ``value`` under the run's profile (empty when it conforms)."""
        report = self.checker.check(value, schema, self.profile)
        return [str(p) for p in report.errors]

    def close(self) -> None:
        self.http.close()
