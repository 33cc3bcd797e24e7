"""OpenAI's error envelope: ``{"error": {"message", "type", "param", "code"}}``."""

from __future__ import annotations

import logging
from typing import Any

from oai_mock.mockserver.messages import MockRequest, MockResponse

logger = logging.getLogger("oai_mock")

INVALID_JSON_MESSAGE = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't "
    "using your HTTP library correctly. The OpenAI API expects a JSON payload, but what was "
    "sent was not valid JSON. If you have trouble figuring out how to fix this, please contact "
    "us through our help center at help.openai.com.)"
)
MISSING_KEY_MESSAGE = (
    "You didn't provide an API key. You need to provide your API key in an Authorization "
    "header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field "
    "(with blank username) if you're accessing the API from your browser and are prompted for "
    "a username and password. You can obtain an API key from "
    "https://platform.openai.com/account/api-keys."
)


class APIError(Exception):
    """An error answered in OpenAI's envelope. Raise it anywhere in the engine or a behaviour."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str = "invalid_request_error",
        param: str | None = None,
        code: str | None = None,
        headers: list[tuple[str, str]] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.headers = headers or []

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }

    def to_response(self) -> MockResponse:
        return MockResponse(
            status=self.status,
            headers=[("content-type", "application/json"), *self.headers],
            value=self.body(),
        )


def invalid_request(message: str, param: str | None = None, code: str | None = None) -> APIError:
    return APIError(400, message, param=param, code=code)


def not_found(message: str, param: str | None = None, code: str | None = None) -> APIError:
    return APIError(404, message, param=param, code=code)


def unexpected_error(error: Exception, request: MockRequest, request_id: str) -> MockResponse:
    """A bug in the fake: its traceback logged with the request id, and a 500 in OpenAI's
    shape that carries the same id, so a report can point at the log."""
    logger.error(
        "oai-mock failed to answer %s %s (request id %s)",
        request.method,
        request.path,
        request_id,
        exc_info=error,
    )
    return APIError(
        500,
        f"oai-mock failed to answer this request ({type(error).__name__}: {error}). "
        f"This is a bug in oai-mock; please report it with the request and its request id "
        f"{request_id}.",
        type="server_error",
    ).to_response()


def predicate_failed(error: Exception) -> MockResponse:
    """A scripted rule's ``where=`` predicate raised (``scenario.PredicateError``): a 500 that
    says so, which the SDKs do not retry (the predicate would raise again)."""
    return APIError(
        500,
        f"oai-mock could not answer this request: {error}. The predicate is the test's code; "
        "fix it or catch the error inside it.",
        type="server_error",
        code="oai_mock_predicate_error",
        headers=[("x-should-retry", "false")],
    ).to_response()
