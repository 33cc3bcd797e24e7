"""The OpenAPI document of the control API, served at ``/__oai_mock/openapi.json``.

Built from the same route table the server answers from, and from the same rule schema the
scenario-file loader checks with, so the document cannot drift from what the server does.
"""

from __future__ import annotations

from typing import Any

from oai_mock import __version__
from oai_mock.mockserver.control.api import ENDPOINTS, JOURNAL_FILTERS, PREFIX, RESET_PARTS
from oai_mock.mockserver.scenario_file import RULE_SCHEMA

_OBJECT: dict[str, Any] = {"type": "object"}
_DESCRIPTIONS: dict[tuple[str, str], tuple[str, dict[str, Any] | None]] = {
    ("GET", "/health"): ("The server answers; its version.", None),
    ("GET", "/version"): ("The version of oai-mock and of the OpenAPI spec it serves.", None),
    ("POST", "/reset"): (
        "Forget stored objects, the journal, scripted rules (back to the scenario file's) and "
        "the clock's moves; a body of booleans picks some (all by default).",
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {part: {"type": "boolean"} for part in RESET_PARTS},
        },
    ),
    ("GET", "/rules"): ("Every rule in matching order, with its use count.", None),
    ("POST", "/rules"): (
        "Add one rule, or several as {rules: [...]}, in the scenario-file grammar; all or none.",
        {
            "oneOf": [
                {"$ref": "#/components/schemas/Rule"},
                {
                    "type": "object",
                    "required": ["rules"],
                    "properties": {
                        "rules": {"type": "array", "items": {"$ref": "#/components/schemas/Rule"}}
                    },
                },
            ]
        },
    ),
    ("DELETE", "/rules"): ("Delete every rule.", None),
    ("DELETE", "/rules/{rule_id}"): ("Delete one rule.", None),
    ("GET", "/journal"): ("Exchanges, oldest first, filtered by the query.", None),
    ("DELETE", "/journal"): ("Forget every exchange.", None),
    ("GET", "/journal/{exchange_id}"): (
        "One exchange in full: request, response or stream events with their times, the rule.",
        None,
    ),
    ("GET", "/clock"): ("The clock's mode, speed and time (seconds since the epoch).", None),
    ("POST", "/clock"): (
        "Set the clock's mode (and an accelerated clock's speed), keeping the current time.",
        {
            "type": "object",
            "required": ["mode"],
            "additionalProperties": False,
            "properties": {
                "mode": {"enum": ["frozen", "real", "accelerated"]},
                "speed": {"type": "number", "exclusiveMinimum": 0},
            },
        },
    ),
    ("POST", "/clock/advance"): (
        "Move the clock forward.",
        {
            "type": "object",
            "required": ["seconds"],
            "additionalProperties": False,
            "properties": {"seconds": {"type": "number", "minimum": 0}},
        },
    ),
    ("GET", "/lifecycles"): ("Objects that move through statuses, and their next ones.", None),
    ("GET", "/lifecycles/{object_id}"): ("One object's status, next statuses and history.", None),
    ("POST", "/lifecycles/{object_id}/{action}"): (
        "advance (one step, or {to: status}), complete, fail ({code, message}) or cancel.",
        {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "to": {"type": "string"},
                "code": {"type": "string"},
                "message": {"type": "string"},
            },
        },
    ),
    ("GET", "/objects"): ("Stored objects per kind: count and the latest ids.", None),
}
_ERROR = {
    "description": "OpenAI's error envelope",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


_EVENTS: dict[str, Any] = {
    "operationId": "events",
    "summary": "A server-sent event stream of what happens: each exchange as it starts and "
    "ends, and a note when the rules, the stored objects or the clock change (the inspector "
    "page reads it).",
    "responses": {
        "200": {
            "description": "server-sent events, one JSON object per event's data",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        },
        "401": {"description": "the key is missing or wrong"},
    },
}


def control_openapi() -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for method, path, handler in ENDPOINTS:
        summary, body = _DESCRIPTIONS[(method, path)]
        operation: dict[str, Any] = {
            "operationId": handler.__name__,
            "summary": summary,
            "responses": {
                "200" if (method, path) != ("POST", "/rules") else "201": {
                    "description": "JSON",
                    "content": {"application/json": {"schema": _OBJECT}},
                },
                "400": _ERROR,
                "401": _ERROR,
                "404": _ERROR,
            },
        }
        names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
        parameters = [
            {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
            for name in names
        ]
        if (method, path) == ("GET", "/journal"):
            parameters += [
                {"name": name, "in": "query", "required": False, "schema": {"type": "string"}}
                for name in JOURNAL_FILTERS
            ]
        if parameters:
            operation["parameters"] = parameters
        if body is not None:
            operation["requestBody"] = {
                "required": (method, path)
                in (("POST", "/rules"), ("POST", "/clock"), ("POST", "/clock/advance")),
                "content": {"application/json": {"schema": body}},
            }
        paths.setdefault(PREFIX + path, {})[method.lower()] = operation
    paths[PREFIX + "/events"] = {"get": _EVENTS}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "oai-mock control API",
            "version": __version__,
            "description": "Script, inspect and reset a running `oai-mock serve`. With --api-key "
            "set, every endpoint needs that key as a bearer token.",
        },
        "paths": paths,
        "components": {
            "securitySchemes": {"key": {"type": "http", "scheme": "bearer"}},
            "schemas": {
                "Rule": RULE_SCHEMA,
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "properties": {
                                "message": {"type": "string"},
                                "type": {"type": "string"},
                                "param": {"type": ["string", "null"]},
                                "code": {"type": ["string", "null"]},
                            },
                        }
                    },
                },
            },
        },
    }
