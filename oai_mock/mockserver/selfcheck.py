"""Self-check: validate the mock's own answers against the spec (strict profile).

Turned on with ``OpenAIMock(self_check=True)`` or the ``OAI_MOCK_SELF_CHECK=1`` environment
variable (the project's test suite sets it). An answer that breaks the spec becomes a 500 that
names the problem, so a test that touches it fails; streams are checked event by event.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson

from oai_mock.mockserver.errors import APIError
from oai_mock.mockserver.messages import MockResponse, StreamItem
from oai_mock.spec import Operation, SchemaChecker
from oai_mock.sse import decode_sse


class SelfCheckError(AssertionError):
    pass


def check_answer(op: Operation, response: MockResponse, checker: SchemaChecker) -> MockResponse:
    if response.status >= 400:
        return response
    if response.stream is not None:
        if op.streaming is not None:
            response.stream = _checked_stream(op, response.stream, checker)
        return response
    schema = op.success_schema
    if schema is None or op.response_kind != "json" or not response.body:
        return response
    media = response.header("content-type") or ""
    if not media.startswith("application/json"):
        return response
    report = checker.check(orjson.loads(response.body), schema)
    if report.ok:
        return response
    return APIError(
        500,
        f"oai-mock self-check: the answer to {op.id} breaks the spec: {report.summary(3)[:600]}",
        type="server_error",
        code="self_check_failed",
    ).to_response()


def _checked_stream(
    op: Operation, items: Iterator[StreamItem], checker: SchemaChecker
) -> Iterator[StreamItem]:
    assert op.streaming is not None
    for item in items:
        if isinstance(item, bytes):
            for event in decode_sse([item]):
                if event.is_done or event.event == "done":
                    continue
                data: Any = event.json()
                if op.streaming.kind == "assistants":
                    data = {"event": event.event, "data": data}
                report = checker.check(data, op.streaming.event_schema)
                if not report.ok:
                    raise SelfCheckError(
                        f"oai-mock self-check: a {op.id} stream event ({event.event or 'data'}) "
                        f"breaks the spec: {report.summary(3)[:600]}"
                    )
        yield item
