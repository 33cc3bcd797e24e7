"""What a check is, how it says what it found, and the helpers every check reads answers with.

A check ends in one of four ways: it returns (passed), raises :class:`CheckFailed` (the backend
deviates; the exchange and the shrunk example go to the report), :class:`CheckUnsupported` (the
backend does not offer the operation: 404, 405 or 501 before anything in the check succeeded)
or :class:`CheckSkipped` (the check cannot run here: no key given, a reply too short).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from oai_mock.contracts.probe import Exchange, Probe

Severity = Literal["required", "recommended", "extension"]
SEVERITIES: tuple[Severity, ...] = ("required", "recommended", "extension")
REFERENCE = "OpenAI API reference"
WIRE = "OpenAI's wire format (as the official SDKs parse it)"
UNSUPPORTED_STATUSES = (404, 405, 501)


class CheckFailed(AssertionError):
    def __init__(self, message: str, exchange: Exchange | None = None, example: Any = None) -> None:
        super().__init__(message)
        self.exchange = exchange
        self.example = example


class CheckSkipped(Exception):
    pass


class CheckUnsupported(Exception):
    """The backend does not offer the operation the check needs."""

    def __init__(self, message: str, exchange: Exchange | None = None) -> None:
        super().__init__(message)
        self.exchange = exchange


@dataclass(frozen=True)
class Check:
    id: str
    area: str
    description: str
    severity: Severity
    source: str
    """The spec or documentation line the rule rests on."""
    run: Callable[[Probe, int], None]
    expensive: bool = False


CATALOGUE: list[Check] = []


def check(
    id: str,
    description: str,
    severity: Severity = "required",
    source: str = REFERENCE,
    expensive: bool = False,
) -> Callable[[Callable[[Probe, int], None]], Callable[[Probe, int], None]]:
    """Register a check in :data:`CATALOGUE`; its area is the id's first part."""

    def register(function: Callable[[Probe, int], None]) -> Callable[[Probe, int], None]:
        if any(c.id == id for c in CATALOGUE):
            raise ValueError(f"two checks named {id!r}")
        CATALOGUE.append(
            Check(id, id.split(".")[0], description, severity, source, function, expensive)
        )
        return function

    return register


def expect(condition: bool, message: str, exchange: Exchange | None = None) -> None:
    if not condition:
        raise CheckFailed(message, exchange)


def unsupported(exchange: Exchange) -> bool:
    """Whether the answer says the backend does not offer the operation: a 404, 405 or 501
    before anything else of the check succeeded, and not a 404 for an unknown model."""
    if exchange.status not in UNSUPPORTED_STATUSES or exchange.after_success:
        return False
    body = exchange.json
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    return code != "model_not_found"


def offered(exchange: Exchange) -> None:
    """Raise :class:`CheckUnsupported` when the answer says the operation is not offered."""
    if unsupported(exchange):
        raise CheckUnsupported(
            f"{exchange.method} {exchange.path} answered {exchange.status}: "
            "the backend does not offer it",
            exchange,
        )


def ok_json(exchange: Exchange) -> dict[str, Any]:
    """The JSON object of a 2xx answer; anything else fails the check with the answer as its
    evidence (or marks the operation unsupported)."""
    expect(exchange.error is None, f"no complete answer: {exchange.error}", exchange)
    offered(exchange)
    expect(200 <= exchange.status < 300, f"expected a 2xx, got {exchange.summary()}", exchange)
    value = exchange.json
    expect(value is not None, f"the body is not JSON: {exchange.summary(120)}", exchange)
    expect(
        isinstance(value, dict),
        f"the body is a JSON {type(value).__name__}, not an object: {exchange.summary(120)}",
        exchange,
    )
    result: dict[str, Any] = value
    return result


def error_envelope(exchange: Exchange, status: int | tuple[int, ...]) -> dict[str, Any]:
    """The ``error`` object of an error answer with one of the expected statuses."""
    expected = (status,) if isinstance(status, int) else status
    expect(exchange.error is None, f"no complete answer: {exchange.error}", exchange)
    if exchange.status not in expected:
        offered(exchange)
    expect(
        exchange.status in expected,
        f"expected {' or '.join(map(str, expected))}, got {exchange.summary()}",
        exchange,
    )
    body = exchange.json
    expect(
        isinstance(body, dict) and isinstance(body.get("error"), dict),
        f"the error is not in OpenAI's envelope: {exchange.summary()}",
        exchange,
    )
    error: dict[str, Any] = body["error"]
    expect(isinstance(error.get("message"), str), "error.message is not a string", exchange)
    expect({"type", "param", "code"} <= set(error), "error lacks type, param or code", exchange)
    return error
