"""The reference client: configuration, requests, retries and errors like the official SDKs."""

from __future__ import annotations

import email.utils
import os
import random
import time
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx
import orjson

from oai_mock import __version__
from oai_mock.client._endpoint import Endpoint
from oai_mock.client._errors import (
    MissingAPIKeyError,
    connection_error,
    status_error,
)
from oai_mock.client._files import form_text, is_file_input, paths_as_files, to_httpx_file
from oai_mock.client._generated import AsyncResources, SyncResources
from oai_mock.client._resource import NOT_GIVEN, AsyncSender, NotGiven, SyncSender

DEFAULT_BASE_URL = "https://api.openai.com/v1"
DEFAULT_TIMEOUT = httpx.Timeout(600.0, connect=5.0)
DEFAULT_MAX_RETRIES = 2
MAX_RETRY_DELAY = 8.0
INITIAL_RETRY_DELAY = 0.5
RETRYABLE_STATUSES = frozenset({408, 409, 429})


def _is_given(value: Any) -> bool:
    return not isinstance(value, NotGiven)


class BaseClient:
    """Everything but the sending: configuration, URLs, headers, bodies, retry decisions.

    Requests are built by the HTTP client (``build_request``), so that a user-supplied
    ``httpx.Client`` keeps its headers, query params, cookies and timeout, the client's own
    headers going on top; sending through it keeps its auth, event hooks and transport.
    """

    http_client: httpx.Client | httpx.AsyncClient

    def __init__(
        self,
        *,
        api_key: str | None = None,
        organization: str | None = None,
        project: str | None = None,
        base_url: str | None = None,
        default_headers: Mapping[str, str] | None = None,
        default_query: Mapping[str, object] | None = None,
        timeout: float | httpx.Timeout | NotGiven | None = NOT_GIVEN,
        max_retries: int = DEFAULT_MAX_RETRIES,
        admin_api_key: str | None = None,
    ) -> None:
        self.api_key = api_key if api_key is not None else os.environ.get("OPENAI_API_KEY")
        self.admin_api_key = (
            admin_api_key if admin_api_key is not None else os.environ.get("OPENAI_ADMIN_KEY")
        )
        self.organization = (
            organization if organization is not None else os.environ.get("OPENAI_ORG_ID")
        )
        self.project = project if project is not None else os.environ.get("OPENAI_PROJECT_ID")
        self.base_url = (base_url or os.environ.get("OPENAI_BASE_URL") or DEFAULT_BASE_URL).rstrip(
            "/"
        )
        self.default_headers = dict(default_headers or {})
        self.default_query = dict(default_query or {})
        # Not given: the HTTP client's timeout when one is supplied, DEFAULT_TIMEOUT otherwise.
        self._timeout_given = _is_given(timeout)
        self.timeout: float | httpx.Timeout | None = (
            timeout if not isinstance(timeout, NotGiven) else DEFAULT_TIMEOUT
        )
        self.max_retries = max_retries

    # -- building requests -------------------------------------------------------------------

    def _url(self, op: Endpoint, path: str, body: Mapping[str, Any]) -> str:
        return self.base_url + path

    def _auth_headers(self, op: Endpoint) -> dict[str, str]:
        key = self.admin_api_key if op.auth == "admin_key" and self.admin_api_key else self.api_key
        if not key:
            raise MissingAPIKeyError(
                "No API key: pass api_key=... to the client or set the OPENAI_API_KEY environment variable."
            )
        return {"Authorization": f"Bearer {key}"}

    def _build(
        self,
        op: Endpoint,
        args: Mapping[str, Any],
        extra_headers: Mapping[str, str] | None,
        extra_query: Mapping[str, object] | None,
        extra_body: Mapping[str, object] | None,
        timeout: Any,
        stream_switch: str | None = None,
    ) -> httpx.Request:
        path = op.path_template
        query: list[tuple[str, str | int | float | bool | None]] = list(op.literal_query)
        body: dict[str, Any] = {}
        raw_body: Any = NOT_GIVEN
        for where, value in args.items():
            if not _is_given(value):
                continue
            location, _, name = where.partition(":")
            if location == "path":
                path = path.replace("{" + name + "}", quote(str(value), safe=""))
            elif location == "query":
                query.extend(_query_pairs(name, value))
            elif name == "*":
                raw_body = value
            else:
                body[name] = value
        if stream_switch == "body":
            body["stream"] = True
        elif stream_switch == "stream_format":
            body["stream_format"] = "sse"
        elif stream_switch == "query":
            query.append(("stream", "true"))
        for name, value in {**self.default_query, **(extra_query or {})}.items():
            query.extend(_query_pairs(name, value))
        headers = {"Accept": "application/json", **self._auth_headers(op)}
        if self.http_client.headers.get("user-agent", "").startswith("python-httpx/"):
            headers["User-Agent"] = f"oai-mock-client/{__version__}"  # a user's own one stays
        if self.organization:
            headers["OpenAI-Organization"] = self.organization
        if self.project:
            headers["OpenAI-Project"] = self.project
        if op.beta_header:
            headers["OpenAI-Beta"] = op.beta_header
        headers.update(self.default_headers)
        headers.update(extra_headers or {})
        if extra_body:
            body.update(extra_body)
        request_timeout = self.timeout if not _is_given(timeout) else timeout
        build = self.http_client.build_request
        url = self._url(op, path, body)
        if op.body_types is None:
            return build(op.method, url, params=query, headers=headers, timeout=request_timeout)
        media = op.body_types[0]
        body = paths_as_files(body, op.file_fields)
        if _is_given(raw_body):
            if isinstance(raw_body, bytes | str):
                headers["Content-Type"] = media
                return build(
                    op.method,
                    url,
                    params=query,
                    headers=headers,
                    content=raw_body,
                    timeout=request_timeout,
                )
            body = {**dict(raw_body), **body}
        if media == "multipart/form-data" or (
            "multipart/form-data" in op.body_types and any(_has_file(v) for v in body.values())
        ):
            data, files = _multipart(body)
            return build(
                op.method,
                url,
                params=query,
                headers=headers,
                data=data,
                files=files,
                timeout=request_timeout,
            )
        headers["Content-Type"] = "application/json"
        return build(
            op.method,
            url,
            params=query,
            headers=headers,
            content=orjson.dumps(body),
            timeout=request_timeout,
        )

    # -- retry decisions --------------------------------------------------------------------------

    def _retry_or_raise(
        self,
        attempt: int,
        request: httpx.Request,
        *,
        response: httpx.Response | None = None,
        error: httpx.RequestError | None = None,
    ) -> float:
        """The seconds to wait before attempt ``attempt + 1``, or the error the caller gets."""
        if error is not None:
            if attempt < self.max_retries and isinstance(error, httpx.TransportError):
                return self._retry_delay(None, attempt)
            raise connection_error(error, request) from error
        assert response is not None
        if attempt < self.max_retries and self._should_retry(response):
            return self._retry_delay(response, attempt)
        raise status_error(response, _json_or_text(response))

    @staticmethod
    def _should_retry(response: httpx.Response) -> bool:
        hint = response.headers.get("x-should-retry")
        if hint == "true":
            return True
        if hint == "false":
            return False
        if response.status_code == 429 and b"insufficient_quota" in response.content:
            return False  # out of quota: retrying cannot help
        return response.status_code in RETRYABLE_STATUSES or response.status_code >= 500

    @staticmethod
    def _retry_delay(response: httpx.Response | None, attempt: int) -> float:
        if response is not None:
            header_ms = response.headers.get("retry-after-ms")
            if header_ms is not None:
                try:
                    return max(0.0, float(header_ms) / 1000.0)
                except ValueError:
                    pass
            header = response.headers.get("retry-after")
            if header is not None:
                try:
                    seconds = float(header)
                except ValueError:
                    try:
                        parsed = email.utils.parsedate_to_datetime(header)
                        seconds = parsed.timestamp() - time.time()
                    except (TypeError, ValueError):
                        seconds = -1.0
                if 0 <= seconds <= 60:
                    return seconds
        delay: float = min(INITIAL_RETRY_DELAY * 2.0**attempt, MAX_RETRY_DELAY)
        return delay * (1.0 - 0.25 * random.random())


def _query_pairs(name: str, value: Any) -> list[tuple[str, str | int | float | bool | None]]:
    """A query parameter's pairs. None is left out (a query has no null: ``after=null`` would
    read as a cursor id), as are None items of a list or a dict."""
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [(name, form_text(v)) for v in value if v is not None]
    if isinstance(value, dict):
        return [(f"{name}[{k}]", form_text(v)) for k, v in value.items() if v is not None]
    return [(name, form_text(value))]


def _has_file(value: Any) -> bool:
    return is_file_input(value) or (
        isinstance(value, list) and any(is_file_input(v) for v in value)
    )


def _multipart(body: Mapping[str, Any]) -> tuple[dict[str, Any], list[tuple[str, Any]]]:
    data: dict[str, Any] = {}
    files: list[tuple[str, Any]] = []
    for name, value in body.items():
        if value is None:
            continue
        if is_file_input(value):
            files.append((name, to_httpx_file(value)))
        elif isinstance(value, list) and value and all(is_file_input(v) for v in value):
            files.extend((f"{name}[]", to_httpx_file(v)) for v in value)
        elif isinstance(value, list):
            data[f"{name}[]"] = [form_text(v) for v in value]
        else:
            data[name] = form_text(value)
    return data, files


class OpenAIClient(BaseClient, SyncResources):
    """The synchronous reference client for the whole OpenAI API.

    >>> from oai_mock import OpenAIMock
    >>> from oai_mock.client import OpenAIClient
    >>> client = OpenAIClient(api_key="sk-test", http_client=OpenAIMock().httpx_client())
    >>> client.models.retrieve_model("gpt-4o").id
    'gpt-4o'
    """

    def __init__(self, *, http_client: httpx.Client | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.http_client: httpx.Client = http_client or httpx.Client(timeout=self.timeout)
        if http_client is not None and not self._timeout_given:
            self.timeout = http_client.timeout

    def _send(self, request: httpx.Request, stream: bool = False) -> httpx.Response:
        attempt = 0
        while True:
            try:
                response = self.http_client.send(request, stream=stream)
            except httpx.RequestError as error:  # timeouts included
                time.sleep(self._retry_or_raise(attempt, request, error=error))
                attempt += 1
                continue
            if response.status_code < 400:
                return response
            if stream:
                try:
                    response.read()
                except httpx.RequestError as error:
                    response.close()
                    raise connection_error(error, request) from error
            delay = self._retry_or_raise(attempt, request, response=response)
            response.close()
            time.sleep(delay)
            attempt += 1

    def close(self) -> None:
        self.http_client.close()

    def __enter__(self) -> OpenAIClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncOpenAIClient(BaseClient, AsyncResources):
    """The asynchronous reference client: the same methods, awaited."""

    def __init__(self, *, http_client: httpx.AsyncClient | None = None, **options: Any) -> None:
        super().__init__(**options)
        self.http_client: httpx.AsyncClient = http_client or httpx.AsyncClient(timeout=self.timeout)
        if http_client is not None and not self._timeout_given:
            self.timeout = http_client.timeout

    async def _send(self, request: httpx.Request, stream: bool = False) -> httpx.Response:
        import asyncio  # imported here: the sync client should not pay for it

        attempt = 0
        while True:
            try:
                response = await self.http_client.send(request, stream=stream)
            except httpx.RequestError as error:  # timeouts included
                await asyncio.sleep(self._retry_or_raise(attempt, request, error=error))
                attempt += 1
                continue
            if response.status_code < 400:
                return response
            if stream:
                try:
                    await response.aread()
                except httpx.RequestError as error:
                    await response.aclose()
                    raise connection_error(error, request) from error
            delay = self._retry_or_raise(attempt, request, response=response)
            await response.aclose()
            await asyncio.sleep(delay)
            attempt += 1

    async def close(self) -> None:
        await self.http_client.aclose()

    async def __aenter__(self) -> AsyncOpenAIClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _json_or_text(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return response.text


TokenProvider = Callable[[], str]

if TYPE_CHECKING:  # the clients are what their resources describe them as
    _SYNC_SENDER: type[SyncSender] = OpenAIClient
    _ASYNC_SENDER: type[AsyncSender] = AsyncOpenAIClient
