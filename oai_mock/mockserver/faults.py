"""Apply a scripted :class:`~oai_mock.mockserver.scenario.Fault` to an answer."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from oai_mock.mockserver.messages import Disconnect, MockResponse, Pause, StreamItem, is_event
from oai_mock.mockserver.scenario import Fault

# What OpenAI says for each status when the script does not say otherwise.
DEFAULT_ERRORS: dict[int, tuple[str, str, str | None]] = {
    400: ("Invalid request.", "invalid_request_error", None),
    401: ("Incorrect API key provided.", "invalid_request_error", "invalid_api_key"),
    403: ("You are not allowed to sample from this model.", "invalid_request_error", None),
    404: (
        "The model does not exist or you do not have access to it.",
        "invalid_request_error",
        "model_not_found",
    ),
    408: ("Request timed out.", "timeout", None),
    409: (
        "Another request modified this resource. Please retry.",
        "invalid_request_error",
        "conflict",
    ),
    429: (
        "Rate limit reached for requests per min (RPM). Please try again in 1s.",
        "requests",
        "rate_limit_exceeded",
    ),
    500: (
        "The server had an error while processing your request. Sorry about that!",
        "server_error",
        None,
    ),
    502: ("Bad gateway.", "server_error", None),
    503: ("The engine is currently overloaded, please try again later.", "server_error", None),
    504: ("Gateway timeout.", "server_error", None),
}


def apply_fault(fault: Fault, answer: Callable[[], MockResponse]) -> MockResponse:
    if fault.status is not None:
        response = _error_response(fault, fault.status)
    else:
        response = answer()
        if fault.malformed_json and response.events is None:
            response.body = response.body[: max(1, len(response.body) // 2)]
    for name, value in fault.headers.items():
        response.set_header(name, value)
    response.delay = fault.delay
    response.dropped = fault.drop
    if fault.delay:
        response.delivered = "delayed"
    if fault.drop:
        response.delivered = "dropped"
    if fault.truncate_at is not None or (
        fault.cut_stream_after is not None and response.events is not None
    ):
        response.delivered = "truncated"
    if fault.truncate_at is not None:
        body = response.body or b""
        response.body = b""
        parts: list[StreamItem] = [body[: fault.truncate_at], Disconnect()]
        response.events = iter(parts)
    if fault.cut_stream_after is not None and response.events is not None:
        response.events = cut_after(response.events, fault.cut_stream_after)
    return response


def _error_response(fault: Fault, status: int) -> MockResponse:
    if fault.body is not None:
        media = "application/json" if fault.body.lstrip().startswith(b"{") else "text/plain"
        return MockResponse(status, [("content-type", media)], body=fault.body)
    if fault.malformed_json:
        return MockResponse(
            status, [("content-type", "application/json")], body=b'{"error": {"message": '
        )
    message, kind, code = DEFAULT_ERRORS.get(
        status, ("Scripted error.", "invalid_request_error", None)
    )
    error = {
        "message": fault.message or message,
        "type": fault.type or kind,
        "param": fault.param,
        "code": fault.code if fault.code is not None else code,
    }
    return MockResponse(status, [("content-type", "application/json")], value={"error": error})


def cut_after(items: Iterator[StreamItem], events: int) -> Iterator[StreamItem]:
    """Pass ``events`` stream events through, then drop the connection."""
    sent = 0
    for item in items:
        if sent >= events:
            break
        yield item
        if is_event(item):
            sent += 1
    yield Disconnect()


def paced(items: Iterator[StreamItem], seconds: float) -> Iterator[StreamItem]:
    """Wait ``seconds`` before each stream event after the first."""
    first = True
    for item in items:
        if is_event(item) and not first:
            yield Pause(seconds)
        first = False
        yield item
