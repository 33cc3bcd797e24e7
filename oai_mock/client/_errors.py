"""Errors of the reference client: every one carries what OpenAI said and the request id."""

from __future__ import annotations

from typing import Any

import httpx


class OpenAIError(Exception):
    """Base of every error the client raises."""


class APIConnectionError(OpenAIError):
    """The request did not get an answer: refused connection, dropped connection, DNS."""

    def __init__(
        self, message: str = "Connection error.", *, request: httpx.Request | None = None
    ) -> None:
        super().__init__(message)
        self.request = request


class APITimeoutError(APIConnectionError):
    def __init__(self, request: httpx.Request | None = None) -> None:
        super().__init__("Request timed out.", request=request)


def connection_error(error: httpx.RequestError, request: httpx.Request) -> APIConnectionError:
    """The client's error for a transport-level failure of ``request``: refused or dropped
    connections, protocol errors, timeouts (before the answer or mid-stream), undecodable
    bodies, too many redirects."""
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(request)
    return APIConnectionError(str(error) or type(error).__name__, request=request)


class APIStatusError(OpenAIError):
    """An answer with an error status, with OpenAI's error fields when the body has them."""

    def __init__(self, response: httpx.Response, body: Any) -> None:
        error = body.get("error") if isinstance(body, dict) else None
        error = error if isinstance(error, dict) else {}
        message = error.get("message") if isinstance(error.get("message"), str) else None
        if message is None and isinstance(body, dict) and "detail" in body:
            message = str(body["detail"])  # FastAPI-style servers
        if message is None:
            message = response.text[:500] or response.reason_phrase
        super().__init__(f"Error code: {response.status_code} - {message}")
        self.response = response
        self.status_code = response.status_code
        self.body = body
        self.message = message
        self.type: str | None = error.get("type")
        self.code: str | None = error.get("code")
        self.param: str | None = error.get("param")
        self.request_id: str | None = response.headers.get("x-request-id")


class BadRequestError(APIStatusError): ...


class AuthenticationError(APIStatusError): ...


class PermissionDeniedError(APIStatusError): ...


class NotFoundError(APIStatusError): ...


class ConflictError(APIStatusError): ...


class UnprocessableEntityError(APIStatusError): ...


class RateLimitError(APIStatusError): ...


class InternalServerError(APIStatusError): ...


class StreamError(OpenAIError):
    """An error sent inside a 200 event stream."""

    def __init__(self, error: Any) -> None:
        details = error if isinstance(error, dict) else {"message": str(error)}
        super().__init__(str(details.get("message") or details))
        self.error = details
        self.type: str | None = details.get("type")
        self.code: str | None = details.get("code")


class MissingAPIKeyError(OpenAIError):
    """No API key was given nor found in OPENAI_API_KEY."""


STATUS_ERRORS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def status_error(response: httpx.Response, body: Any) -> APIStatusError:
    cls = STATUS_ERRORS.get(response.status_code)
    if cls is None:
        cls = InternalServerError if response.status_code >= 500 else APIStatusError
    return cls(response, body)
