"""The log of ``oai-mock serve``: one line per exchange, written when the exchange ends.

A line says what the client got: method, path, status, operation, how long the whole exchange
took (a delayed or streamed answer included), the rule that answered, how it ended when not
normally, and for an error the message the client read. ``--log-format json`` writes the same
as one JSON object a line; ``--log-bodies`` adds the bodies, secrets masked.
"""

from __future__ import annotations

import logging
import re
import sys
from typing import IO, Any, Literal

import orjson

from oai_mock.mockserver.control.exchanges import Exchange

LogFormat = Literal["text", "json"]
logger = logging.getLogger("oai_mock.serve.exchanges")

# Keys whose values are secrets wherever they appear in a body, and values that look like keys.
_SECRET_KEYS = re.compile(
    r"^(api[_-]?key|key|secret|client_secret|password|token|access_token|refresh_token|authorization)$",
    re.I,
)
_SECRET_VALUE = re.compile(r"\b(sk-[A-Za-z0-9_\-]{4})[A-Za-z0-9_\-]+")


def mask_secrets(value: Any) -> Any:
    """``value`` (parsed JSON or text) with keys, tokens and passwords masked."""
    if isinstance(value, dict):
        return {
            k: ("***" if isinstance(k, str) and _SECRET_KEYS.match(k) and v else mask_secrets(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [mask_secrets(item) for item in value]
    if isinstance(value, str):
        return _SECRET_VALUE.sub(r"\1***", value)
    return value


class ExchangeLogger:
    def __init__(
        self, log_format: LogFormat = "text", bodies: bool = False, stream: IO[str] | None = None
    ) -> None:
        self.log_format = log_format
        self.bodies = bodies
        # Its own handler: a JSON line must be JSON alone, with no time stamp before it.
        handler = logging.StreamHandler(stream or sys.stdout)
        handler.setFormatter(
            logging.Formatter("%(message)s" if log_format == "json" else "%(asctime)s %(message)s")
        )
        logger.handlers = [handler]
        logger.setLevel(logging.INFO)
        logger.propagate = False

    def __call__(self, exchange: Exchange) -> None:
        logger.info(self.line(exchange))

    def line(self, exchange: Exchange) -> str:
        fields = self.fields(exchange)
        if self.log_format == "json":
            return orjson.dumps(fields).decode()
        status = "---" if exchange.status is None else str(exchange.status)
        text = (
            f"{exchange.method} {exchange.path} -> {status} {exchange.operation or '-'} "
            f"({fields['duration_ms']:.1f} ms)"
        )
        if exchange.rule_id:
            text += f" [{exchange.rule_id}]"
        if exchange.outcome != "answered":
            text += f" {exchange.outcome}"
        if fields["error"]:
            text += f": {fields['error']}"
        if self.bodies:
            text += " request=" + _compact(fields["request_body"])
            if exchange.streamed:
                text += f" events={_compact(fields['events'])}"
            else:
                text += " response=" + _compact(fields["response_body"])
        return text

    def fields(self, exchange: Exchange) -> dict[str, Any]:
        # The summary, not the detail: decoding and masking the headers and bodies of every
        # exchange is work a line without --log-bodies never shows.
        summary = exchange.summary()
        fields: dict[str, Any] = {
            key: summary[key] for key in ("time", "method", "path", "status", "operation", "model")
        }
        fields["duration_ms"] = exchange.duration_ms or 0.0
        fields.update(rule=exchange.rule_id, outcome=exchange.outcome, error=summary["error"])
        if self.bodies:
            detail = exchange.detail()
            fields["request_body"] = mask_secrets(detail["request"]["body"])
            if exchange.streamed:
                fields["events"] = [mask_secrets(e["data"]) for e in detail["response"]["events"]]
            else:
                fields["response_body"] = mask_secrets(detail["response"]["body"])
        return fields


def _compact(value: Any) -> str:
    return orjson.dumps(value).decode()
