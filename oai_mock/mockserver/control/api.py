"""The control API of ``oai-mock serve``, under ``/__oai_mock/``: what the Python API does to a
mock (reset, rules, journal, clock, lifecycles), over HTTP for tests in any language.

Every answer is JSON; every refusal is OpenAI's error envelope. A request is checked whole
before anything changes, so a malformed one changes nothing. ``openapi.json`` describes it all.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from oai_mock import __version__
from oai_mock.mockserver.control.exchanges import Exchange, ExchangeLog
from oai_mock.mockserver.engine import ANY_KEY, OpenAIMock
from oai_mock.mockserver.errors import APIError, invalid_request, not_found
from oai_mock.mockserver.scenario import Rule
from oai_mock.mockserver.scenario_file import (
    ScenarioError,
    parse_rules,
    resolve_operation,
    rule_as_data,
)

PREFIX = "/__oai_mock"
RESET_PARTS = ("state", "journal", "rules", "clock")
CLOCK_MODES = ("frozen", "real", "accelerated")


@dataclasses.dataclass
class ControlContext:
    """What the control API acts on."""

    mock: OpenAIMock
    exchanges: ExchangeLog
    key: str | None = None
    """The key the control API requires (None: none)."""
    file_rules: Callable[[], Sequence[Rule]] = lambda: ()
    """The scenario file's last good rules, put back by a reset of the rules."""

    def changed(self, what: str) -> None:
        self.exchanges.notify(what)


Handler = Callable[[Request, ControlContext], Awaitable[Any]]


def json_response(value: Any, status: int = 200) -> Response:
    return Response(orjson.dumps(value), status, media_type="application/json")


def error_response(error: APIError) -> Response:
    answer = error.to_response()
    return Response(
        answer.body, answer.status, headers=dict(answer.headers[1:]), media_type="application/json"
    )


def authorize(request: Request, key: str | None) -> None:
    """The same key the API requires: as a bearer token or in ``api-key``."""
    if key is None:
        return
    auth = request.headers.get("authorization", "")
    given = auth[7:].strip() if auth.lower().startswith("bearer ") else ""
    given = given or request.headers.get("api-key", "").strip()
    if not given:
        raise APIError(
            401, "The oai-mock control API needs the server's key (Authorization: Bearer KEY)."
        )
    if key != ANY_KEY and given != key:
        raise APIError(401, "Incorrect key for the oai-mock control API.", code="invalid_api_key")


async def read_json(request: Request, *, required: bool = True) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        if required:
            raise invalid_request("This endpoint needs a JSON body.")
        return {}
    try:
        data = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise invalid_request("The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise invalid_request("The body must be a JSON object.")
    return data


def _only_keys(data: dict[str, Any], known: Sequence[str]) -> None:
    unknown = sorted(set(data) - set(known))
    if unknown:
        raise invalid_request(
            f"Unknown field(s) {unknown}; this endpoint takes {sorted(known)}.", param=unknown[0]
        )


def _number(data: dict[str, Any], name: str, *, minimum: float = 0.0) -> float:
    value = data.get(name)
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value < minimum
    ):
        raise invalid_request(
            f"'{name}' must be a finite number of at least {minimum:g}.", param=name
        )
    return float(value)


def _text(data: dict[str, Any], name: str, default: str | None = None) -> str | None:
    value = data.get(name, default)
    if value is not None and not isinstance(value, str):
        raise invalid_request(f"'{name}' must be a string.", param=name)
    return value


# -- health and version ----------------------------------------------------------------------


async def health(request: Request, context: ControlContext) -> Any:
    return {"status": "ok", "version": __version__}


async def version(request: Request, context: ControlContext) -> Any:
    return {"name": "oai-mock", "version": __version__, "spec": context.mock.bundle.source}


# -- reset -----------------------------------------------------------------------------------


async def reset(request: Request, context: ControlContext) -> Any:
    data = await read_json(request, required=False)
    _only_keys(data, RESET_PARTS)
    for name, value in data.items():
        if not isinstance(value, bool):
            raise invalid_request(f"'{name}' must be true or false.", param=name)
    parts = [name for name in RESET_PARTS if data.get(name, True)]
    mock = context.mock
    if "state" in parts:
        mock.reset_state()
    if "journal" in parts:
        mock.journal.clear()
        context.exchanges.clear()
    if "rules" in parts:
        mock.scenario.clear()
        mock.scenario.add_all(
            [dataclasses.replace(rule, used=0, id="") for rule in context.file_rules()]
        )
    if "clock" in parts:
        mock.clock.reset()
    context.changed("reset")
    return {"reset": parts}


# -- rules -----------------------------------------------------------------------------------


async def list_rules(request: Request, context: ControlContext) -> Any:
    return {"object": "list", "data": [rule_as_data(r) for r in context.mock.scenario.rules()]}


async def add_rules(request: Request, context: ControlContext) -> Any:
    data = await read_json(request)
    entries = data["rules"] if set(data) == {"rules"} else [data]
    if not isinstance(entries, list) or not entries:
        raise invalid_request("'rules' must be a non-empty list of rules.", param="rules")
    try:
        rules = parse_rules(entries, "request body", source="api", bundle=context.mock.bundle)
    except ScenarioError as error:
        raise invalid_request(str(error), code="invalid_rule") from None
    context.mock.scenario.add_all(rules)
    context.changed("rules")
    return 201, {"object": "list", "data": [rule_as_data(r) for r in rules]}


async def delete_rule(request: Request, context: ControlContext) -> Any:
    rule_id = request.path_params["rule_id"]
    if context.mock.scenario.remove(rule_id) is None:
        raise not_found(f"No rule with id '{rule_id}'.", param="rule_id")
    context.changed("rules")
    return {"id": rule_id, "deleted": True}


async def delete_rules(request: Request, context: ControlContext) -> Any:
    count = len(context.mock.scenario.rules())
    context.mock.scenario.clear()
    context.changed("rules")
    return {"deleted": count}


# -- journal ---------------------------------------------------------------------------------

JOURNAL_FILTERS = ("operation", "status", "method", "path", "model", "rule", "limit")


def _journal_filter(request: Request, context: ControlContext) -> Callable[[Exchange], bool]:
    query = request.query_params
    _only_keys(dict(query), JOURNAL_FILTERS)
    tests: list[Callable[[Exchange], bool]] = []
    if "operation" in query:
        try:
            wanted = set(resolve_operation(query["operation"], context.mock.bundle, "operation"))
        except ScenarioError as error:
            raise invalid_request(str(error), param="operation") from None
        tests.append(lambda e: e.operation in wanted)
    if "status" in query:
        if not query["status"].isdigit():
            raise invalid_request("'status' must be an HTTP status such as 429.", param="status")
        status = int(query["status"])
        tests.append(lambda e: e.status == status)
    if "method" in query:
        method = query["method"].upper()
        tests.append(lambda e: e.method == method)
    if "path" in query:
        fragment = query["path"]
        tests.append(lambda e: fragment in e.path)
    if "model" in query:
        model = query["model"]
        tests.append(lambda e: e.model == model)
    if "rule" in query:
        rule = query["rule"]
        tests.append(lambda e: e.rule_id == rule)
    return lambda e: all(test(e) for test in tests)


async def list_journal(request: Request, context: ControlContext) -> Any:
    keep = _journal_filter(request, context)
    limit_text = request.query_params.get("limit")
    if limit_text is not None and not limit_text.isdigit():
        raise invalid_request("'limit' must be a whole number.", param="limit")
    found = [e.summary() for e in context.exchanges.all() if keep(e)]
    if limit_text is not None:
        found = found[-int(limit_text) :] if int(limit_text) else []
    return {"object": "list", "data": found}


async def get_exchange(request: Request, context: ControlContext) -> Any:
    exchange_id = request.path_params["exchange_id"]
    exchange = context.exchanges.get(exchange_id)
    if exchange is None:
        raise not_found(f"No exchange with id '{exchange_id}' in the journal.", param="exchange_id")
    detail = exchange.detail()
    rule = next((r for r in context.mock.scenario.rules() if r.id == exchange.rule_id), None)
    detail["rule"] = rule_as_data(rule) if rule is not None else None
    return detail


async def clear_journal(request: Request, context: ControlContext) -> Any:
    count = len(context.exchanges.all())
    context.mock.journal.clear()
    context.exchanges.clear()
    return {"deleted": count}


# -- clock -----------------------------------------------------------------------------------


def _clock(context: ControlContext) -> dict[str, Any]:
    clock = context.mock.clock
    return {"mode": clock.mode, "speed": clock.speed, "now": clock.now()}


async def get_clock(request: Request, context: ControlContext) -> Any:
    return _clock(context)


async def advance_clock(request: Request, context: ControlContext) -> Any:
    data = await read_json(request)
    _only_keys(data, ("seconds",))
    try:
        context.mock.clock.advance(_number(data, "seconds"))
    except ValueError as error:  # past the year 9999
        raise invalid_request(f"{error}.", param="seconds") from None
    context.changed("clock")
    return _clock(context)


async def set_clock(request: Request, context: ControlContext) -> Any:
    data = await read_json(request)
    _only_keys(data, ("mode", "speed"))
    mode = data.get("mode")
    if mode not in CLOCK_MODES:
        raise invalid_request(f"'mode' must be one of {list(CLOCK_MODES)}.", param="mode")
    speed = _number(data, "speed", minimum=1e-9) if "speed" in data else None
    try:
        context.mock.clock.set_mode(mode, speed)
    except ValueError as error:  # a speed above the fastest
        raise invalid_request(f"{error}.", param="speed") from None
    context.changed("clock")
    return _clock(context)


# -- lifecycles and stored objects -----------------------------------------------------------


def _tracked(context: ControlContext, object_id: str) -> dict[str, Any]:
    tracked = context.mock.lifecycles.get(object_id)
    if tracked is None:
        raise not_found(f"No object with id '{object_id}' moves through a lifecycle.")
    return {
        "id": tracked.object_id,
        "status": tracked.status,
        "next": list(tracked.path),
        "history": list(tracked.history),
    }


async def list_lifecycles(request: Request, context: ControlContext) -> Any:
    tracked = context.mock.lifecycles.all()
    return {
        "object": "list",
        "policy": context.mock.lifecycles.policy,
        "data": [_tracked(context, t.object_id) for t in tracked],
    }


async def get_lifecycle(request: Request, context: ControlContext) -> Any:
    return _tracked(context, request.path_params["object_id"])


async def move_lifecycle(request: Request, context: ControlContext) -> Any:
    object_id = request.path_params["object_id"]
    action = request.path_params["action"]
    lifecycles = context.mock.lifecycles
    allowed = {"advance": ("to",), "complete": (), "fail": ("code", "message"), "cancel": ()}
    if action not in allowed:
        raise not_found(f"No lifecycle action '{action}'; use advance, complete, fail or cancel.")
    data = await read_json(request, required=False)
    _only_keys(data, allowed[action])
    _tracked(context, object_id)  # 404 before anything moves
    try:
        if action == "advance":
            lifecycles.advance(object_id, to=_text(data, "to"))
        elif action == "complete":
            lifecycles.complete(object_id)
        elif action == "fail":
            code = _text(data, "code", "server_error") or "server_error"
            message = _text(data, "message", "The job failed.") or "The job failed."
            lifecycles.fail(object_id, code, message)
        else:
            lifecycles.cancel(object_id)
    except ValueError as error:
        raise invalid_request(str(error), code="invalid_lifecycle_step") from None
    context.changed("lifecycle")
    return _tracked(context, object_id)


async def list_objects(request: Request, context: ControlContext) -> Any:
    kinds = context.mock.state.ids_by_kind()
    return {
        "object": "list",
        "data": [
            {"kind": kind, "count": len(ids), "ids": ids[-50:]}
            for kind, ids in sorted(kinds.items())
        ],
    }


# -- routing ---------------------------------------------------------------------------------

ENDPOINTS: list[tuple[str, str, Handler]] = [
    ("GET", "/health", health),
    ("GET", "/version", version),
    ("POST", "/reset", reset),
    ("GET", "/rules", list_rules),
    ("POST", "/rules", add_rules),
    ("DELETE", "/rules", delete_rules),
    ("DELETE", "/rules/{rule_id}", delete_rule),
    ("GET", "/journal", list_journal),
    ("DELETE", "/journal", clear_journal),
    ("GET", "/journal/{exchange_id}", get_exchange),
    ("GET", "/clock", get_clock),
    ("POST", "/clock", set_clock),
    ("POST", "/clock/advance", advance_clock),
    ("GET", "/lifecycles", list_lifecycles),
    ("GET", "/lifecycles/{object_id}", get_lifecycle),
    ("POST", "/lifecycles/{object_id}/{action}", move_lifecycle),
    ("GET", "/objects", list_objects),
]


def control_routes(context: ControlContext) -> list[Route]:
    """One route per path, answering each method it has and refusing the others."""
    by_path: dict[str, dict[str, Handler]] = {}
    for method, path, handler in ENDPOINTS:
        by_path.setdefault(path, {})[method] = handler
    return [
        Route(
            PREFIX + path,
            _endpoint(handlers, context),
            methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
        )
        for path, handlers in by_path.items()
    ]


def _endpoint(
    handlers: dict[str, Handler], context: ControlContext
) -> Callable[[Request], Awaitable[Response]]:
    async def endpoint(request: Request) -> Response:
        try:
            authorize(request, context.key)
            handler = handlers.get(request.method)
            if handler is None:
                allowed = ", ".join(sorted(handlers))
                raise APIError(
                    405,
                    f"Invalid method for URL ({request.method} {request.url.path}). Allowed: {allowed}.",
                    headers=[("allow", allowed)],
                )
            result = await handler(request, context)
        except APIError as error:
            return error_response(error)
        status, value = result if isinstance(result, tuple) else (200, result)
        return json_response(value, status)

    return endpoint
