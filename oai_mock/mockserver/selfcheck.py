"""Self-check: validate the mock's own answers against the spec (strict profile).

Turned on with ``OpenAIMock(self_check=True)`` or the ``OAI_MOCK_SELF_CHECK=1`` environment
variable (the project's test suite sets it). An answer that breaks the spec becomes a 500 that
names the problem, so a test that touches it fails; streams are checked event by event.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from oai_mock.mockserver.errors import APIError
from oai_mock.mockserver.messages import Event, MockResponse, StreamItem
from oai_mock.spec import Operation, SchemaChecker
from oai_mock.sse import DONE, decode_sse


class SelfCheckError(AssertionError):
    pass


def check_answer(op: Operation, response: MockResponse, checker: SchemaChecker) -> MockResponse:
    if response.status >= 400:
        return response
    if response.events is not None:
        if op.streaming is not None:
            response.events = _checked_stream(op, response.events, checker)
        return response
    schema = op.success_schema
    if schema is None or op.response_kind != "json":
        return response
    media = response.header("content-type") or ""
    if not media.startswith("application/json") or not (response.holds_value or response.body):
        return response
    report = checker.check(response.value, schema)
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
        if isinstance(item, Event):
            _check_event(op, item, checker)
        elif isinstance(item, bytes):  # a frame given as bytes: read the events it holds
            for event in decode_sse([item]):
                _check_event(
                    op, Event(event.json() if not event.is_done else DONE, event.event), checker
                )
        yield item


def _check_event(op: Operation, event: Event, checker: SchemaChecker) -> None:
    assert op.streaming is not None
    if event.data == DONE or event.name == "done":
        return
    data: Any = event.data
    if op.streaming.kind == "assistants":
        data = {"event": event.name, "data": data}
    report = checker.check(data, op.streaming.event_schema)
    if not report.ok:
        raise SelfCheckError(
            f"oai-mock self-check: a {op.id} stream event ({event.name or 'data'}) "
            f"breaks the spec: {report.summary(3)[:600]}"
        )
