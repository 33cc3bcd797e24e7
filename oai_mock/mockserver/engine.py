"""The fake OpenAI server's engine: a plain request in, a plain response out.

It routes every operation of the spec bundle, validates the request like the real API, and
answers from a behaviour when one refines the operation, or from the response schema otherwise.
Adapters (ASGI, httpx and httpx2 transports, respx routes, a live server) put it behind a URL.

>>> from oai_mock import OpenAIMock
>>> from oai_mock.mockserver import MockRequest
>>> mock = OpenAIMock(seed=1)
>>> response = mock.handle(MockRequest.from_url("GET", "/v1/models/gpt-4o-mini"))
>>> response.status
200
"""

from __future__ import annotations

import dataclasses
import os
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

import orjson

from oai_mock.mockserver import keys as keys_module
from oai_mock.mockserver import limits
from oai_mock.mockserver import quirks as quirks_module
from oai_mock.mockserver import unknown_ids as unknown_ids_module
from oai_mock.mockserver.behaviours import default_behaviours, default_routes, set_up
from oai_mock.mockserver.behaviours.files import DEFAULT_MAX_FILE_BYTES
from oai_mock.mockserver.clock import Clock, ClockMode
from oai_mock.mockserver.context import Behaviour as Behaviour  # re-exported: its old home
from oai_mock.mockserver.context import FakeContext
from oai_mock.mockserver.errors import APIError, predicate_failed, unexpected_error
from oai_mock.mockserver.faults import apply_fault, paced
from oai_mock.mockserver.generic import generic_answer, json_response
from oai_mock.mockserver.ids import IdFactory, token
from oai_mock.mockserver.journal import Journal
from oai_mock.mockserver.keys import Keys
from oai_mock.mockserver.lifecycle import Lifecycles, Policy
from oai_mock.mockserver.messages import MockRequest, MockResponse
from oai_mock.mockserver.requests import UNPARSED, Call, parse_call
from oai_mock.mockserver.routing import Router
from oai_mock.mockserver.scenario import Fault, PredicateError, Reply, Scenario
from oai_mock.mockserver.scripting import RuleBuilder, on
from oai_mock.mockserver.selfcheck import check_answer
from oai_mock.mockserver.state import DEFAULT_MAX_BYTES, DEFAULT_MAX_OBJECTS, Store
from oai_mock.mockserver.synthesis import Synthesizer
from oai_mock.mockserver.unknown_ids import UnknownIds
from oai_mock.profiles import load_profile
from oai_mock.spec import Bundle, SchemaChecker, load_bundle

if TYPE_CHECKING:
    import httpx

    from oai_mock.client import AsyncOpenAIClient, OpenAIClient

ANY_KEY = keys_module.ANY_KEY
"""Pass as ``api_key`` to accept any non-empty key but reject requests without one."""
DEFAULT_MAX_BODY_BYTES = limits.DEFAULT_MAX_BODY_BYTES

VERSION_HEADERS = (("openai-version", "2020-10-01"), ("openai-processing-ms", "1"))
RATE_LIMIT_HEADERS = (
    ("x-ratelimit-limit-requests", "10000"),
    ("x-ratelimit-limit-tokens", "30000000"),
    ("x-ratelimit-remaining-requests", "9999"),
    ("x-ratelimit-remaining-tokens", "29999000"),
    ("x-ratelimit-reset-requests", "6ms"),
    ("x-ratelimit-reset-tokens", "2ms"),
)
DECORATION = frozenset(
    {
        "x-request-id",
        "openai-organization",
        "openai-poll-after-ms",
        *(name for name, _ in VERSION_HEADERS + RATE_LIMIT_HEADERS),
    }
)
"""The headers every answer gets (as OpenAI's carry them), unless it has its own."""
STATELESS_BEHAVIOURS = frozenset(
    f"oai_mock.mockserver.behaviours.{name}"
    for name in ("chat", "completions", "embeddings", "moderations", "audio")
)
"""Modules whose behaviours compute an answer without reading and changing records: they run
without the state lock, so that a heavy one never holds up the others."""


_shared: dict[str, Any] = {}
_shared_lock = threading.Lock()


def _shared_parts(bundle: Bundle) -> tuple[Router, SchemaChecker]:
    """Routes and compiled validators depend only on the bundle: every mock shares them, so a
    new mock costs almost nothing to build."""
    key = bundle.source["sha256"]
    with _shared_lock:
        found = _shared.get(key)
        if found is None or found[0] is not bundle:
            found = (bundle, Router(bundle.operations), SchemaChecker(bundle))
            _shared[key] = found
    return found[1], found[2]


def _as_response(answer: Any, call: Call) -> MockResponse:
    if isinstance(answer, MockResponse):
        return answer
    return json_response(answer, call.operation.success_status)


class OpenAIMock:
    """A fake OpenAI: every operation of the spec answers, deterministically from ``seed``.

    ``api_key``: ``None`` accepts any request; ``ANY_KEY`` (``"*"``) requires some key; any
    other string requires that exact key. ``clock``: ``"frozen"`` (the default: reproducible
    timestamps, moved with ``mock.clock.advance``), ``"real"`` or ``"accelerated"``.
    ``behaviours``: operationId -> handler, replacing the built-in ones (``{}`` leaves every
    operation to the generic, schema-synthesized answer). ``models``: model ids added to the
    catalogue that ``/v1/models`` lists. ``journal_limit``: keep only that many of the most
    recent requests in ``mock.journal`` (``None``, the default, keeps every one), and
    ``journal_bytes`` at most that many bytes of their bodies. ``max_objects`` and
    ``max_stored_bytes`` bound the stored objects (the oldest are evicted first; an evicted id
    answers 404). ``admin_key``: when keys are configured, the key the spec's admin operations
    require (``api_key`` no longer opens them).
    ``unknown_ids``: ``"404"`` (the default) answers an id nothing created with OpenAI's 404;
    ``"synthesize"`` answers it with an object of that id, which then exists for the run (a
    spec mock for generated SDK test suites).
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        api_key: str | None = None,
        clock: Clock | ClockMode = "frozen",
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        bundle: Bundle | None = None,
        behaviours: Mapping[str, Behaviour] | None = None,
        models: tuple[str, ...] = (),
        lifecycle: Policy = "per_poll",
        step_seconds: float = 1.0,
        max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
        max_objects: int = DEFAULT_MAX_OBJECTS,
        max_stored_bytes: int = DEFAULT_MAX_BYTES,
        poll_after_ms: int = 5,
        self_check: bool | None = None,
        accept_unknown_arguments: bool = False,
        quirks: Iterable[str] = (),
        profile: str | None = None,
        strict_models: bool = False,
        journal_limit: int | None = None,
        journal_bytes: int | None = None,
        admin_key: str | None = None,
        unknown_ids: UnknownIds = "404",
    ) -> None:
        self.bundle = bundle or load_bundle()
        self.router, self.checker = _shared_parts(self.bundle)
        self.keys = Keys(api_key, admin_key)
        self.clock = clock if isinstance(clock, Clock) else Clock(clock)
        self.max_body_bytes = max_body_bytes
        self.ids = IdFactory(seed)
        self.synthesizer = Synthesizer(self.bundle, self.ids, self.clock)
        self.journal = Journal(journal_limit, journal_bytes)
        self.scenario = Scenario()
        self.state = Store(max_objects, max_stored_bytes)
        self.poll_after_ms = poll_after_ms
        if self_check is None:
            self_check = os.environ.get("OAI_MOCK_SELF_CHECK", "") not in ("", "0")
        self.self_check = self_check
        if profile is not None:  # a provider profile's deviations, as quirks
            quirks = {*quirks, *load_profile(profile).quirks}
        self.quirks = quirks_module.check_names(set(quirks))
        self.unknown_ids = unknown_ids_module.check_mode(unknown_ids)
        self.phantoms = unknown_ids_module.Phantoms()
        self.accept_unknown_arguments = (
            accept_unknown_arguments or "unknown-arguments-accepted" in self.quirks
        )
        self.lifecycles = Lifecycles(self.clock, lifecycle, step_seconds, self.state)
        self.context = FakeContext(
            seed=seed,
            bundle=self.bundle,
            checker=self.checker,
            state=self.state,
            ids=self.ids,
            clock=self.clock,
            lifecycles=self.lifecycles,
            synthesizer=self.synthesizer,
            max_file_bytes=max_file_bytes,
            strict_models=strict_models,
            keys=self.keys,
            dispatch=self.dispatch,
        )
        """What behaviours receive: the fake's state and services, not the engine."""
        self.behaviours: dict[str, Behaviour] = dict(
            default_behaviours() if behaviours is None else behaviours
        )
        self.extra_models = models
        self.routes = default_routes()
        set_up(self.context, models)
        self._request_counter = 0
        self._counter_lock = threading.Lock()
        self.replay: Callable[[Call], MockResponse | None] | None = None
        """Recorded answers consulted before the behaviours (``oai_mock.recording``); None
        from it lets the fake answer."""
        self.timing: Callable[[Call, MockResponse], MockResponse] | None = None
        """Paces the fake's answers like a model (:class:`~oai_mock.mockserver.timing.Timing`)."""

    # The settings behaviours read live in their context; these read and write them there.

    @property
    def seed(self) -> int:
        """The seed every generated answer derives from."""
        return self.context.seed

    @seed.setter
    def seed(self, value: int) -> None:
        self.context.seed = value

    @property
    def strict_models(self) -> bool:
        return self.context.strict_models

    @strict_models.setter
    def strict_models(self, value: bool) -> None:
        self.context.strict_models = value

    @property
    def max_file_bytes(self) -> int:
        return self.context.max_file_bytes

    @max_file_bytes.setter
    def max_file_bytes(self, value: int) -> None:
        self.context.max_file_bytes = value

    @property
    def api_key(self) -> str | None:
        return self.keys.api_key

    @api_key.setter
    def api_key(self, value: str | None) -> None:
        self.keys.api_key = value

    # -- the engine ----------------------------------------------------------------------------

    def handle(
        self, request: MockRequest, *, record: bool = True, authenticate: bool = True
    ) -> MockResponse:
        """Answer one request. Never raises: every failure is an answer in OpenAI's shape.
        ``record=False`` keeps the request out of the journal and ``authenticate=False`` skips
        the key check."""
        return self._respond(request, record, authenticate, UNPARSED)

    def dispatch(self, method: str, url: str, body: Any) -> MockResponse:
        """Answer a call the fake makes itself (a batch's line): routed, validated and answered
        as a request with this JSON body would be, the body taken as the value it is; neither
        authenticated nor journaled."""
        request = MockRequest.from_url(method, url, {"content-type": "application/json"})
        return self._respond(request, False, False, body)

    def _respond(
        self, request: MockRequest, record: bool, authenticate: bool, json_body: Any
    ) -> MockResponse:
        call: Call | None = None
        request_id = self._next_request_id()
        head = request.method == "HEAD"
        if head:  # answered as GET is, without the body (as HTTP servers do)
            request = dataclasses.replace(request, method="GET")
        routed: str | None = None  # the operation, known even when the request is refused
        try:
            for route in self.routes:
                served = route(self.context, request)
                if served is not None:
                    return served
            match = self.router.match(request.method, request.path, request.query)
            routed = match.operation.id
            if authenticate:
                self.keys.check(request.headers, admin=match.operation.auth == "admin_key")
            call = parse_call(
                match,
                request,
                self.checker,
                self.max_body_bytes,
                self.accept_unknown_arguments,
                json_body,
            )
            unknown_ids_module.refuse_malformed_ids(call)
            if self.quirks:
                quirks_module.adjust_request(self.quirks, call)
            response = self._scripted_answer(call)
        except APIError as error:
            if self.quirks:
                quirks_module.adjust_error(self.quirks, error)
            response = error.to_response()
        except PredicateError as error:  # the test's predicate failed, not the fake
            response = predicate_failed(error)
        except Exception as error:  # a bug in the fake: say so, in OpenAI's shape, and log it
            response = unexpected_error(error, request, request_id)
        if self.quirks:
            response = quirks_module.adjust_response(self.quirks, call, response)
        self._decorate(request, response, request_id)
        if head:
            response.body, response.stream = b"", None
        response.operation_id = routed
        if call is not None:
            response.operation_id = call.operation.id
            response.rule_id = call.rule_id
        if record:
            self.journal.record(request, call, response)
        return response

    def operation_at(self, method: str, path: str) -> str | None:
        """The operation at ``method path``, None for none: what an adapter knows of a request
        before it reads the body (its size limit, whether it answers quickly)."""
        try:
            return self.router.match(method, path).operation.id
        except APIError:
            return None

    def refuse(self, request: MockRequest, error: APIError) -> MockResponse:
        """Answer ``error`` to a request an adapter refused before reading it whole (its body
        too large): decorated and journaled like any other answer."""
        response = error.to_response()
        self._decorate(request, response, self._next_request_id())
        self.journal.record(request, None, response)
        return response

    def _scripted_answer(self, call: Call) -> MockResponse:
        rule = self.scenario.take(call)
        if rule is None:
            replayed = self.replay(call) if self.replay is not None else None
            return replayed if replayed is not None else self._answer(call)
        call.rule_used = True
        call.rule_id = rule.id
        if isinstance(rule.action, Fault):
            fault = rule.action
            return apply_fault(fault, lambda: self._answer(call))
        call.scripted = rule.action
        response = self._answer(call)
        if (
            isinstance(rule.action, Reply)
            and rule.action.chunk_delay
            and response.events is not None
        ):
            response.events = paced(response.events, rule.action.chunk_delay)
        return response

    def _answer(self, call: Call) -> MockResponse:
        if self.unknown_ids == "synthesize":
            behaviour = self._behaviour_answer if call.operation.id in self.behaviours else None
            response = unknown_ids_module.answer_or_refuse(
                call, self.context, self.phantoms, behaviour
            )
        else:
            response = self._behaviour_answer(call)
        if self.self_check:
            response = check_answer(call.operation, response, self.checker)
        if self.timing is not None:
            response = self.timing(call, response)
        return response

    def _behaviour_answer(self, call: Call) -> MockResponse:
        behaviour = self.behaviours.get(call.operation.id)
        if behaviour is None:
            return generic_answer(call, self.context)
        if getattr(behaviour, "__module__", None) in STATELESS_BEHAVIOURS:
            answer = behaviour(call, self.context)
            return _as_response(answer, call)
        with self.state.lock:  # one read-modify-write step (see the state module)
            response = _as_response(behaviour(call, self.context), call)
            # The value may share parts with stored records that later requests change: its
            # bytes are taken while the lock holds them still.
            response.freeze()
        return response

    def _next_request_id(self) -> str:
        with self._counter_lock:
            self._request_counter += 1
            number = self._request_counter
        return "req_" + token(f"{self.seed}:request:{number}", 32)

    def _decorate(self, request: MockRequest, response: MockResponse, request_id: str) -> None:
        headers = [
            ("x-request-id", request_id),
            *VERSION_HEADERS,
            ("openai-organization", request.headers.get("openai-organization") or "user-oai-mock"),
            *RATE_LIMIT_HEADERS,
            # The SDKs' polling helpers wait this long between polls (1 s without it).
            ("openai-poll-after-ms", str(self.poll_after_ms)),
        ]
        present = {name.lower() for name, _ in response.headers}
        if present.isdisjoint(DECORATION):
            response.headers.extend(headers)
        else:  # a replayed answer keeps the headers it was recorded with
            response.headers.extend(header for header in headers if header[0] not in present)

    # -- conveniences --------------------------------------------------------------------------

    def on(
        self,
        operation: str | None = None,
        *,
        model: str | None = None,
        contains: str | None = None,
        where: Callable[[Call], bool] | None = None,
        times: int | None = 1,
    ) -> RuleBuilder:
        """Script what the next matching request gets: ``mock.on("chat").reply("Hi")``.

        ``operation`` is an alias (``chat``, ``completions``, ``embeddings``, ``responses``,
        ``runs``, ``images``, ``speech``, ``transcriptions``, ...), an operationId or a
        snake_case operation name; None matches every request. ``model`` and ``contains``
        (text anywhere in the messages, input or prompt) narrow the match, ``where`` takes any
        predicate over the parsed request. Each rule answers ``times`` requests (None: all).
        """
        return on(self, operation, model=model, contains=contains, where=where, times=times)

    base_url = "http://oai-mock.local/v1"
    """The base URL of this mock for in-process clients (the ``oai_mock`` fixture also
    routes ``api.openai.com`` to it)."""

    def client(self, **options: Any) -> OpenAIClient:
        """The project's reference client, wired to this mock in-process."""
        from oai_mock.client import OpenAIClient

        options.setdefault("api_key", "sk-oai-mock")
        return OpenAIClient(
            http_client=self.httpx_client(self.base_url), base_url=self.base_url, **options
        )

    def async_client(self, **options: Any) -> AsyncOpenAIClient:
        """The asynchronous reference client, wired to this mock in-process."""
        from oai_mock.client import AsyncOpenAIClient

        options.setdefault("api_key", "sk-oai-mock")
        return AsyncOpenAIClient(
            http_client=self.async_httpx_client(self.base_url), base_url=self.base_url, **options
        )

    def openai(self, **kwargs: Any) -> Any:
        """An official ``openai.OpenAI`` client wired to this mock in-process."""
        from oai_mock.mockserver.sdk import openai_client

        return openai_client(self, **kwargs)

    def httpx_client(self, base_url: str = "http://oai-mock.local/v1") -> httpx.Client:
        """An ``httpx.Client`` whose requests go to this mock in-process."""
        from oai_mock.mockserver.sdk import httpx_client

        return httpx_client(self, base_url)

    def async_httpx_client(self, base_url: str = "http://oai-mock.local/v1") -> httpx.AsyncClient:
        """An ``httpx.AsyncClient`` whose requests go to this mock in-process."""
        from oai_mock.mockserver.sdk import async_httpx_client

        return async_httpx_client(self, base_url)

    def async_openai(self, **kwargs: Any) -> Any:
        """An official ``openai.AsyncOpenAI`` client wired to this mock in-process."""
        from oai_mock.mockserver.sdk import openai_client

        return openai_client(self, asynchronous=True, **kwargs)

    def request(
        self,
        method: str,
        url: str,
        *,
        json: Any = None,
        headers: Mapping[str, str] | None = None,
    ) -> MockResponse:
        """Send a request straight to the engine, without HTTP:
        ``mock.request("GET", "/v1/models")``."""
        all_headers = dict(headers or {})
        body = b""
        if json is not None:
            body = orjson.dumps(json)
            all_headers.setdefault("content-type", "application/json")
        return self.handle(MockRequest.from_url(method, url, all_headers, body))

    def reset(self) -> None:
        """Forget every request and object; ids and the request counter start again."""
        self.reset_state()
        self.journal.clear()
        self.scenario.clear()
        with self._counter_lock:
            self._request_counter = 0

    def reset_state(self) -> None:
        """Forget every stored object (those made up for unknown ids too) and every lifecycle;
        ids start again and the model catalogue is as a new mock's."""
        self.ids.reset()
        self.state.clear()
        self.phantoms.clear()
        self.lifecycles.clear()
        set_up(self.context, self.extra_models)
