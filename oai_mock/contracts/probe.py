"""The contract runner's connection to the backend under test: raw HTTP, so that framing,
headers and bodies are checked as they arrive, with a request budget and a record of every
exchange for the report."""

from __future__ import annotations

import shlex
import threading
from dataclasses import dataclass, field
from typing import Any

import httpx
import orjson

from oai_mock.spec import Profile, SchemaChecker, load_bundle
from oai_mock.sse import ServerSentEvent, decode_sse


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
        """A command that reproduces the request (the key left out)."""
        parts = ["curl", "-X", self.method, self.url]
        for name, value in self.headers.items():
            if name.lower() == "authorization":
                value = "Bearer $OPENAI_API_KEY"
            parts += ["-H", f"{name}: {value}"]
        if self.body is not None:
            data = self.body if isinstance(self.body, str) else orjson.dumps(self.body).decode()
            parts += ["-d", data]
        return " ".join(shlex.quote(p) for p in parts)

    def summary(self, limit: int = 400) -> str:
        text = self.content[:limit].decode("utf-8", "replace")
        return f"{self.status} {self.media_type}: {text}"


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
        budget: int | Budget = 500,
        http_client: httpx.Client | None = None,
        seed: int = 0,
    ) -> None:
        self.seed = seed
        """Seeds the generated examples: the same seed sends the same requests."""
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.model = model
        self.embedding_model = embedding_model
        self.profile = profile
        self.budget = budget if isinstance(budget, Budget) else Budget(budget)
        self.sent = 0
        self.http = http_client or httpx.Client(timeout=timeout)
        self.bundle = load_bundle()
        self.checker = SchemaChecker(self.bundle)
        self.exchanges: list[Exchange] = []

    def send(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        raw: bytes | None = None,
        headers: dict[str, str] | None = None,
        authenticate: bool = True,
    ) -> Exchange:
        self.budget.take()
        self.sent += 1
        all_headers = (
            {"Content-Type": "application/json"} if (body is not None or raw is not None) else {}
        )
        if authenticate and self.api_key:
            all_headers["Authorization"] = f"Bearer {self.api_key}"
        all_headers.update(headers or {})
        exchange = Exchange(
            method,
            self.base_url + path,
            all_headers,
            body if raw is None else raw.decode("utf-8", "replace"),
        )
        content = raw if raw is not None else (orjson.dumps(body) if body is not None else None)
        try:
            response = self.http.request(method, exchange.url, headers=all_headers, content=content)
            exchange.status = response.status_code
            exchange.response_headers = {k.lower(): v for k, v in response.headers.items()}
            exchange.content = response.content
        except httpx.HTTPError as error:
            exchange.error = f"{type(error).__name__}: {error}"
        self.exchanges.append(exchange)
        return exchange

    def post(self, path: str, body: Any, **options: Any) -> Exchange:
        return self.send("POST", path, body, **options)

    def get(self, path: str, **options: Any) -> Exchange:
        return self.send("GET", path, **options)

    def validate(self, value: Any, schema: dict[str, Any]) -> list[str]:
        """Problems of ``value`` under the run's profile (empty when it conforms)."""
        report = self.checker.check(value, schema, self.profile)
        return [str(p) for p in report.errors]

    def close(self) -> None:
        self.http.close()
