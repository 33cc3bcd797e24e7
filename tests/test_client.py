"""The reference client: every operation, configuration, proxies, Azure, compatible servers'
quirks, streams, retries and errors."""

from __future__ import annotations

import asyncio
import email.utils
import inspect
import io
import json
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from oai_mock import OpenAIMock
from oai_mock.client import (
    APIConnectionError,
    APITimeoutError,
    AsyncOpenAIClient,
    AsyncPage,
    AzureOpenAIClient,
    BadRequestError,
    BinaryResponse,
    InternalServerError,
    MissingAPIKeyError,
    Model,
    NotFoundError,
    OpenAIClient,
    Page,
    RateLimitError,
    StreamError,
    accumulate_chat,
)
from oai_mock.client._generated import GROUPS
from oai_mock.client._generated import models as m
from oai_mock.client._resource import NOT_GIVEN
from oai_mock.contracts.examples import example_request
from oai_mock.mockserver.live import LiveServer
from oai_mock.spec import load_bundle

BUNDLE = load_bundle()
MESSAGES = [{"role": "user", "content": "Hello"}]


def client_for(mock: OpenAIMock, **options: Any) -> OpenAIClient:
    return OpenAIClient(api_key="sk-test", http_client=mock.httpx_client(), **options)


def recording(
    handler: Callable[[httpx.Request], httpx.Response],
) -> tuple[httpx.Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    return httpx.Client(transport=httpx.MockTransport(record)), seen


def ok_json(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(status, json=body, headers=headers)


# -- every operation ---------------------------------------------------------------------------


def _method_calls() -> Iterator[tuple[str, str, str]]:
    for op in BUNDLE.operations:
        yield op.group, op.name, op.id


def _arguments(op_id: str, method: Callable[..., Any]) -> tuple[list[Any], dict[str, Any]]:
    """Arguments for a method, taken from the example request the spec allows."""
    op = BUNDLE.operation(op_id)
    example = example_request(op)
    path_values = []
    template = op.path_template.strip("/").split("/")
    actual = example.url.split("?")[0].strip("/").split("/")
    for part, value in zip(template, actual, strict=True):
        if part.startswith("{"):
            path_values.append(value)
    kwargs: dict[str, Any] = {}
    signature = inspect.signature(method)
    query = dict(
        pair.split("=", 1)
        for pair in (example.url.split("?", 1)[1].split("&") if "?" in example.url else [])
        if "=" in pair
    )
    for name, param in signature.parameters.items():
        if param.kind is not inspect.Parameter.KEYWORD_ONLY or name.startswith("extra_"):
            continue
        if isinstance(example.json, dict) and name.rstrip("_") in example.json:
            value = example.json[name.rstrip("_")]
            schema = BUNDLE.resolve(
                (op.body.schemas.get("multipart/form-data") or {}) if op.body else {}
            )
            prop = BUNDLE.resolve(schema.get("properties", {}).get(name.rstrip("_"), {}))
            if prop.get("format") == "binary" or (
                "anyOf" in prop
                and any(BUNDLE.resolve(b).get("format") == "binary" for b in prop["anyOf"])
            ):
                value = ("upload.bin", b"data")
            kwargs[name] = value
        elif name in query:
            kwargs[name] = query[name]
    if (
        "body" in signature.parameters
        and example.json is not None
        and not isinstance(example.json, dict)
    ):
        path_values.append(example.body)
    elif "body" in signature.parameters:
        path_values.append(example.json if isinstance(example.json, dict) else example.body)
    return path_values, kwargs


def _check_result(op_id: str, result: Any) -> None:
    op = BUNDLE.operation(op_id)
    if op.response_kind == "binary":
        assert isinstance(result, BinaryResponse) and result.content, op_id
    elif op.response_kind == "empty" or op.success_schema is None:
        assert result is None, op_id
    elif op.pagination and isinstance(result, Page | AsyncPage):
        assert isinstance(result.data, list), op_id
    else:
        assert result is not None, op_id
        if isinstance(result, Model):
            assert isinstance(result.raw, dict), op_id


def test_all_288_methods_sync(figure: Any) -> None:
    client = client_for(OpenAIMock(behaviours={}))
    called = 0
    for group, name, op_id in _method_calls():
        method = getattr(getattr(client, group), name)
        args, kwargs = _arguments(op_id, method)
        _check_result(op_id, method(*args, **kwargs))
        called += 1
    figure(f"{called} of {len(BUNDLE.operations)} reference client methods called (sync)")
    assert called == 288


def test_all_288_methods_async(figure: Any) -> None:
    async def run() -> int:
        mock = OpenAIMock(behaviours={})
        client = AsyncOpenAIClient(api_key="sk-test", http_client=mock.async_httpx_client())
        called = 0
        for group, name, op_id in _method_calls():
            method = getattr(getattr(client, group), name)
            args, kwargs = _arguments(op_id, method)
            result = method(*args, **kwargs)
            if isinstance(result, AsyncPage) or inspect.isawaitable(result):
                result = await result
            _check_result(op_id, result)
            called += 1
        await client.close()
        return called

    called = asyncio.run(run())
    figure(f"{called} of {len(BUNDLE.operations)} reference client methods called (async)")
    assert called == 288


def test_methods_are_grouped_and_documented() -> None:
    assert set(GROUPS) == {op.group for op in BUNDLE.operations}
    method = OpenAIClient(api_key="x").chat.create_chat_completion
    assert method.__doc__ is not None and "POST /chat/completions" in method.__doc__
    assert "createChatCompletion" in method.__doc__


def test_a_misspelled_field_is_a_type_error(tmp_path: Path) -> None:
    snippet = tmp_path / "typo.py"
    snippet.write_text(
        "from oai_mock.client import OpenAIClient\n"
        "client = OpenAIClient(api_key='x')\n"
        "client.chat.create_chat_completion(model='m', messages=[], temprature=0.5)\n"
        "client.chat.create_chat_completion(model='m', messages=[{'role': 'user', 'contnt': 'x'}])\n"
        "reply = client.chat.create_chat_completion(model='m', messages=[])\n"
        "reply.choices[0].mesage\n"
    )
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--no-error-summary",
            "--follow-imports=silent",
            str(snippet),
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert 'Unexpected keyword argument "temprature"' in result.stdout, result.stdout
    assert "typo.py:4: error: List item 0 has incompatible type" in result.stdout  # nested typo
    assert 'has no attribute "mesage"' in result.stdout


# -- typed and tolerant decoding ----------------------------------------------------------------


def test_typed_attribute_access_and_raw_json() -> None:
    client = client_for(OpenAIMock())
    reply = client.chat.create_chat_completion(model="gpt-4o-mini", messages=MESSAGES)
    assert reply.choices[0].message.role == "assistant"
    assert (
        reply.usage is not None and reply.usage.total_tokens == reply.raw["usage"]["total_tokens"]
    )
    assert reply.to_dict()["object"] == "chat.completion"


def test_decoding_tolerates_quirks_of_compatible_servers() -> None:
    body = {
        "choices": [
            {
                "index": 0,
                "finish_reason": "eos",
                "message": {"role": "assistant", "content": "hi", "reasoning_content": "thinking"},
            }
        ],
        "model": "llama",
        "x_provider": {"latency_ms": 12},
    }
    http, _ = recording(ok_json(body))
    reply = OpenAIClient(
        api_key="x", base_url="http://local/v1", http_client=http
    ).chat.create_chat_completion(model="llama", messages=MESSAGES)
    assert reply.id is None and reply.created is None and reply.object is None  # missing: None
    assert reply.choices[0].finish_reason == "eos"  # unknown enum value kept
    assert reply.choices[0].message.get("reasoning_content") == "thinking"
    assert reply.raw["x_provider"] == {"latency_ms": 12}


# -- configuration -----------------------------------------------------------------------------


def test_auth_organization_project_headers_and_query() -> None:
    http, seen = recording(ok_json({"object": "list", "data": []}))
    client = OpenAIClient(
        api_key="sk-key",
        organization="org-1",
        project="proj_2",
        base_url="https://gateway.example/v1/",
        default_headers={"X-Team": "search"},
        default_query={"api-version": "2024-10-21"},
        http_client=http,
    )
    client.models.list_models(extra_headers={"X-Call": "1"}, extra_query={"trace": "on"})
    request = seen[0]
    assert str(request.url) == "https://gateway.example/v1/models?api-version=2024-10-21&trace=on"
    assert request.headers["authorization"] == "Bearer sk-key"
    assert request.headers["openai-organization"] == "org-1"
    assert request.headers["openai-project"] == "proj_2"
    assert request.headers["x-team"] == "search" and request.headers["x-call"] == "1"


def test_environment_variables_are_the_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-env")
    monkeypatch.setenv("OPENAI_BASE_URL", "http://env.example/v1")
    monkeypatch.setenv("OPENAI_ORG_ID", "org-env")
    monkeypatch.setenv("OPENAI_PROJECT_ID", "proj-env")
    http, seen = recording(ok_json({"object": "list", "data": []}))
    OpenAIClient(http_client=http).models.list_models()
    assert str(seen[0].url) == "http://env.example/v1/models"
    assert seen[0].headers["authorization"] == "Bearer sk-env"
    assert seen[0].headers["openai-organization"] == "org-env"
    assert seen[0].headers["openai-project"] == "proj-env"


def test_missing_key_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    client = OpenAIClient(http_client=httpx.Client(transport=httpx.MockTransport(ok_json({}))))
    with pytest.raises(MissingAPIKeyError, match="OPENAI_API_KEY"):
        client.models.list_models()


def test_per_call_extra_body_and_beta_header() -> None:
    http, seen = recording(ok_json({"id": "asst_1", "object": "assistant"}))
    client = OpenAIClient(api_key="x", base_url="http://local/v1", http_client=http)
    client.assistants.create_assistant(model="m", extra_body={"top_k": 5})
    assert json.loads(seen[0].content) == {"model": "m", "top_k": 5}
    assert seen[0].headers["openai-beta"] == "assistants=v2"


# -- proxies ---------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def live() -> Iterator[LiveServer]:
    with LiveServer(OpenAIMock()) as server:
        yield server


@pytest.mark.parametrize("scheme", ["http", "socks5"])
def test_proxies_carry_the_traffic(scheme: str, live: LiveServer) -> None:
    port = _free_port()
    # pproxy switches to uvloop whenever it can import it, then asks for the current event
    # loop, which uvloop's policy refuses: it runs here with uvloop hidden from it.
    no_uvloop = "import sys; sys.modules['uvloop'] = None; from pproxy.server import main; main()"
    proxy = subprocess.Popen(
        [sys.executable, "-c", no_uvloop, "-l", f"{scheme}://127.0.0.1:{port}", "-v"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        http = httpx.Client(proxy=f"{scheme}://127.0.0.1:{port}")
        client = OpenAIClient(api_key="x", base_url=live.url, http_client=http, max_retries=0)
        assert client.models.retrieve_model("gpt-4o").id == "gpt-4o"
        http.close()
    finally:
        proxy.terminate()
        output, _ = proxy.communicate(timeout=10)
    assert f"-> 127.0.0.1:{live.port}" in output, output
    closed = OpenAIClient(
        api_key="x",
        base_url=live.url,
        http_client=httpx.Client(proxy=f"{scheme}://127.0.0.1:{port}"),
        max_retries=0,
    )
    with pytest.raises(APIConnectionError):
        closed.models.retrieve_model("gpt-4o")  # the proxy is gone: no way around it


# -- Azure --------------------------------------------------------------------------------------


def test_azure_deployment_urls_api_version_and_api_key() -> None:
    http, seen = recording(ok_json({"id": "x", "object": "chat.completion", "choices": []}))
    client = AzureOpenAIClient(
        endpoint="https://res.openai.azure.com/",
        api_key="azure-key",
        api_version="2024-10-21",
        http_client=http,
    )
    client.chat.create_chat_completion(model="my-gpt", messages=MESSAGES)
    client.files.list_files()
    assert (
        str(seen[0].url)
        == "https://res.openai.azure.com/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21"
    )
    assert seen[0].headers["api-key"] == "azure-key" and "authorization" not in seen[0].headers
    assert str(seen[1].url) == "https://res.openai.azure.com/openai/files?api-version=2024-10-21"


def test_azure_token_provider_is_called_per_request_and_v1_shape() -> None:
    tokens = iter(["t1", "t2"])
    http, seen = recording(ok_json({"object": "list", "data": []}))
    client = AzureOpenAIClient(
        endpoint="https://res.openai.azure.com",
        azure_ad_token_provider=lambda: next(tokens),
        api_version="v1",
        http_client=http,
    )
    client.models.list_models()
    client.models.list_models()
    assert [r.headers["authorization"] for r in seen] == ["Bearer t1", "Bearer t2"]
    assert str(seen[0].url) == "https://res.openai.azure.com/openai/v1/models"


def test_azure_client_against_the_mock() -> None:
    mock = OpenAIMock()
    client = AzureOpenAIClient(
        endpoint="http://oai-mock.local",
        api_key="k",
        api_version="2024-10-21",
        deployment="gpt4o-prod",
        http_client=mock.httpx_client(),
    )
    reply = client.chat.create_chat_completion(model="ignored", messages=MESSAGES)
    assert reply.model == "ignored"
    assert mock.journal[0].path == "/openai/deployments/gpt4o-prod/chat/completions"
    assert ("api-version", "2024-10-21") in mock.journal[0].query


# -- streams -----------------------------------------------------------------------------------


def _sse(
    *events: bytes, media: str = "text/event-stream"
) -> Callable[[httpx.Request], httpx.Response]:
    return lambda request: httpx.Response(
        200, headers={"content-type": media}, content=b"".join(events)
    )


def test_stream_of_typed_chunks_and_accumulation() -> None:
    client = client_for(OpenAIMock())
    chunks = list(
        client.chat.create_chat_completion_stream(
            model="gpt-4o", messages=MESSAGES, stream_options={"include_usage": True}
        )
    )
    assert type(chunks[0]).__name__ == "CreateChatCompletionStreamResponse"
    whole = client.chat.create_chat_completion(model="gpt-4o", messages=MESSAGES)
    folded = accumulate_chat(chunks)
    assert folded["choices"][0]["message"]["content"] == whole.choices[0].message.content
    assert folded["usage"]["total_tokens"] == whole.usage.total_tokens


def test_stream_decoder_handles_other_servers_framing() -> None:
    wire = (
        b": keep-alive\r\n\r\n"
        b'data:{"id":"1","choices":[{"delta":{"role":"assistant","content":"H"}}]}\r\n\r\n'
        b'data: {"id":"1","choices":[{"delta":{"tool_calls":[{"id":"c1","function":{"name":"f","arguments":"{\\"a\\""}}]}}]}\n\n'
        b'data: {"id":"1","choices":[{"delta":{"tool_calls":[{"function":{"arguments":": 1}"}}]},"finish_reason":"tool_calls"}]}\n\n'
        b'data: {"id":"1","choices":null,"usage":{"total_tokens":3}}\n\n'
        b"data: [DONE]\n\n"
    )
    http, _ = recording(_sse(wire))
    client = OpenAIClient(api_key="x", base_url="http://local/v1", http_client=http)
    folded = accumulate_chat(
        client.chat.create_chat_completion_stream(model="m", messages=MESSAGES)
    )
    message = folded["choices"][0]["message"]
    assert message["content"] == "H"
    assert message["tool_calls"][0]["function"] == {"name": "f", "arguments": '{"a": 1}'}
    assert folded["usage"] == {"total_tokens": 3}


def test_errors_inside_a_200_stream_raise() -> None:
    wire = b'data: {"choices":[]}\n\ndata: {"error": {"message": "overloaded", "type": "server_error"}}\n\n'
    http, _ = recording(_sse(wire))
    client = OpenAIClient(api_key="x", base_url="http://local/v1", http_client=http)
    with pytest.raises(StreamError, match="overloaded"):
        list(client.chat.create_chat_completion_stream(model="m", messages=MESSAGES))


def test_closing_a_stream_closes_the_connection() -> None:
    mock = OpenAIMock()
    client = client_for(mock)
    stream = client.chat.create_chat_completion_stream(model="gpt-4o", messages=MESSAGES)
    next(iter(stream))
    stream.close()
    assert stream.response.is_closed


def test_async_stream_and_responses_events() -> None:
    async def run() -> list[str]:
        mock = OpenAIMock()
        client = AsyncOpenAIClient(api_key="x", http_client=mock.async_httpx_client())
        stream = await client.responses.create_response_stream(model="gpt-4o", input="hi")
        types = [event.type async for event in stream]
        await client.close()
        return types

    types = asyncio.run(run())
    assert types[0] == "response.created" and types[-1] == "response.completed"


# -- retries, timeouts and errors -----------------------------------------------------------------


def _sequence(*responses: httpx.Response | Exception) -> tuple[httpx.Client, list[httpx.Request]]:
    queue = list(responses)

    def answer(request: httpx.Request) -> httpx.Response:
        item = queue.pop(0)
        if isinstance(item, Exception):
            raise item
        return item

    return recording(answer)


def _error(
    status: int, code: str | None = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    body = {"error": {"message": f"status {status}", "type": "x", "param": None, "code": code}}
    return httpx.Response(status, json=body, headers={"x-request-id": "req_1", **(headers or {})})


MODELS = httpx.Response(200, json={"object": "list", "data": []})


@pytest.mark.parametrize("status", [408, 409, 429, 500, 503])
def test_retryable_statuses_are_retried_twice(status: int) -> None:
    http, seen = _sequence(
        _error(status, headers={"retry-after-ms": "1"}),
        _error(status, headers={"retry-after-ms": "1"}),
        MODELS,
    )
    OpenAIClient(api_key="x", http_client=http).models.list_models()
    assert len(seen) == 3


def test_connection_errors_and_timeouts_are_retried_then_raised() -> None:
    http, seen = _sequence(httpx.ConnectError("refused"), MODELS)
    client = OpenAIClient(api_key="x", http_client=http)
    client._retry_delay = lambda response, attempt: 0.0  # type: ignore[method-assign]
    client.models.list_models()
    assert len(seen) == 2
    http, _ = _sequence(
        httpx.ReadTimeout("slow"), httpx.ReadTimeout("slow"), httpx.ReadTimeout("slow")
    )
    client = OpenAIClient(api_key="x", http_client=http)
    client._retry_delay = lambda response, attempt: 0.0  # type: ignore[method-assign]
    with pytest.raises(APITimeoutError):
        client.models.list_models()


def test_should_retry_header_and_quota_errors_are_final() -> None:
    http, seen = _sequence(_error(503, headers={"x-should-retry": "false"}))
    with pytest.raises(InternalServerError):
        OpenAIClient(api_key="x", http_client=http).models.list_models()
    assert len(seen) == 1
    http, seen = _sequence(_error(429, code="insufficient_quota"))
    with pytest.raises(RateLimitError) as caught:
        OpenAIClient(api_key="x", http_client=http).models.list_models()
    assert len(seen) == 1 and caught.value.code == "insufficient_quota"
    http, seen = _sequence(_error(400, headers={"x-should-retry": "true"}), MODELS)
    OpenAIClient(api_key="x", http_client=http).models.list_models()
    assert len(seen) == 2


def test_retry_delays_follow_the_headers_then_backoff() -> None:
    delay = OpenAIClient._retry_delay
    assert (
        delay(httpx.Response(429, headers={"retry-after-ms": "250", "retry-after": "9"}), 0) == 0.25
    )
    assert delay(httpx.Response(429, headers={"retry-after": "2"}), 0) == 2.0
    when = email.utils.formatdate(time.time() + 3, usegmt=True)
    assert 1.0 < delay(httpx.Response(429, headers={"retry-after": when}), 0) <= 3.0
    backoffs = [delay(httpx.Response(500), attempt) for attempt in range(6)]
    assert 0.375 <= backoffs[0] <= 0.5 and 6.0 <= backoffs[5] <= 8.0


def test_errors_carry_openai_fields_and_request_id() -> None:
    client = client_for(OpenAIMock())
    with pytest.raises(BadRequestError) as caught:
        client.chat.create_chat_completion(model="m", messages="hi")  # type: ignore[arg-type]
    error = caught.value
    assert error.status_code == 400 and error.param == "messages" and error.code == "invalid_type"
    assert error.type == "invalid_request_error" and error.request_id is not None
    with pytest.raises(NotFoundError):
        client.models.retrieve_model("nope")


def test_timeouts_per_client_and_per_call(live: LiveServer) -> None:
    mock = live.mock
    mock.on("chat", times=None).delay(1.0)
    slow = OpenAIClient(api_key="x", base_url=live.url, timeout=0.1, max_retries=0)
    with pytest.raises(APITimeoutError):
        slow.chat.create_chat_completion(model="m", messages=MESSAGES)
    patient = OpenAIClient(api_key="x", base_url=live.url, timeout=0.1, max_retries=0)
    assert patient.chat.create_chat_completion(model="m", messages=MESSAGES, timeout=5).choices
    mock.scenario.clear()


# -- pagination, uploads, downloads --------------------------------------------------------------


def test_auto_pagination_walks_every_page() -> None:
    mock = OpenAIMock()
    client = client_for(mock)
    made = [
        client.files.create_file(file=(f"{i}.txt", b"x"), purpose="assistants").id for i in range(7)
    ]
    page = client.files.list_files(limit=3, order="asc")
    assert [f.id for f in page.data] == made[:3] and page.has_more
    assert [f.id for f in page] == made
    assert len(mock.journal.calls("listFiles")) == 3


def test_async_auto_pagination() -> None:
    async def run() -> list[str]:
        mock = OpenAIMock()
        client = AsyncOpenAIClient(api_key="x", http_client=mock.async_httpx_client())
        for i in range(5):
            await client.files.create_file(file=(f"{i}.txt", b"x"), purpose="assistants")
        ids = [f.id async for f in client.files.list_files(limit=2)]
        first = await client.files.list_files(limit=2)
        assert len(first.data) == 2
        await client.close()
        return ids

    assert len(set(asyncio.run(run()))) == 5


def test_the_model_list_iterates_its_models_sync_and_async() -> None:
    mock = OpenAIMock()
    client = client_for(mock)
    page = client.models.list_models()
    models = list(page)
    assert models and all(isinstance(model, m.ModelObject) for model in models)
    assert [model.id for model in models] == [model.id for model in page.data]
    assert not page.has_more and page.next_page() is None
    assert len(mock.journal.calls("listModels")) == 1  # one answer, no cursor to follow

    async def run() -> list[str]:
        client = AsyncOpenAIClient(api_key="x", http_client=mock.async_httpx_client())
        ids = [model.id async for model in client.models.list_models()]
        first = await client.models.list_models()
        assert [model.id for model in first.data] == ids
        await client.close()
        return ids

    assert asyncio.run(run()) == [model.id for model in models]


def test_none_query_arguments_are_left_out() -> None:
    mock = OpenAIMock()
    client = OpenAIClient(
        api_key="x",
        http_client=mock.httpx_client(),
        default_query={"dropped": None, "kept": "yes"},
    )
    client.files.list_files(after=None, limit=5, extra_query={"tags": ["a", None]})
    query = mock.journal.last("listFiles").query
    assert ("after", "null") not in query and ("dropped", "null") not in query
    assert dict(query)["limit"] == "5" and ("kept", "yes") in query
    assert [value for name, value in query if name == "tags"] == ["a"]


def test_uploads_from_bytes_paths_and_file_objects(tmp_path: Path) -> None:
    client = client_for(OpenAIMock())
    path = tmp_path / "notes.txt"
    path.write_bytes(b"from a path")
    sources: list[Any] = [
        b"raw bytes",
        path,
        io.BytesIO(b"from a file object"),
        ("named.txt", b"named"),
    ]
    for source in sources:
        uploaded = client.files.create_file(file=source, purpose="assistants")
        content = client.files.download_file(uploaded.id).content
        expected = {bytes: b"raw bytes", type(path): b"from a path"}.get(type(source))
        if expected is not None:
            assert content == expected
    assert client.files.retrieve_file(uploaded.id).filename == "named.txt"


def test_binary_downloads_whole_and_streamed() -> None:
    client = client_for(OpenAIMock())
    uploaded = client.files.create_file(
        file=("a.bin", bytes(range(256)) * 100), purpose="assistants"
    )
    assert client.files.download_file(uploaded.id).content == bytes(range(256)) * 100
    with client.files.download_file_streaming(uploaded.id) as body:
        assert b"".join(body.iter_bytes(1000)) == bytes(range(256)) * 100
    speech = client.audio.create_speech(
        model="tts-1", voice="alloy", input="hi", response_format="wav"
    )
    assert speech.content[:4] == b"RIFF" and speech.media_type == "audio/wav"


def test_not_given_is_not_sent_but_none_is() -> None:
    http, seen = recording(ok_json({"id": "x", "object": "chat.completion", "choices": []}))
    client = OpenAIClient(api_key="x", base_url="http://local/v1", http_client=http)
    client.chat.create_chat_completion(
        model="m", messages=MESSAGES, temperature=NOT_GIVEN, stop=None
    )
    assert json.loads(seen[0].content) == {"model": "m", "messages": MESSAGES, "stop": None}


def test_responses_stream_accumulates_to_the_stored_response() -> None:
    from oai_mock.client import accumulate_response

    client = client_for(OpenAIMock())
    events = list(client.responses.create_response_stream(model="gpt-4o", input="stream this"))
    final = accumulate_response(events)
    stored = client.responses.get_response(final["id"])
    assert final["status"] == "completed"
    assert final["output"] == [dict(item.raw) for item in stored.output]


def test_output_text_is_computed_as_the_sdks_compute_it() -> None:
    # The spec marks Response.output_text "SDK-only": servers never send it.
    client = OpenAIMock().client()
    response = client.responses.create_response(model="gpt-4o-mini", input="Hi")
    assert "output_text" not in response.raw
    parts = [
        part["text"]
        for item in response.raw["output"]
        if item["type"] == "message"
        for part in item["content"]
        if part["type"] == "output_text"
    ]
    assert parts and response.output_text == "".join(parts)
    sent = m.Response({"output_text": "from the server", "output": []})
    assert sent.output_text == "from the server"  # a value that is sent wins
    assert m.Response({"output": [{"type": "function_call"}]}).output_text == ""


@pytest.mark.parametrize("response_format", ["text", "srt", "vtt"])
def test_plain_text_transcriptions_arrive_in_text(response_format: str) -> None:
    client = OpenAIMock().client()
    answer = client.audio.create_transcription(
        file=("a.wav", b"RIFF"), model="whisper-1", response_format=response_format
    )
    assert "Mock transcription of a.wav." in answer.text
    if response_format == "srt":
        assert answer.text.startswith("1\n00:00:00,000 --> ")
    if response_format == "vtt":
        assert answer.text.startswith("WEBVTT")
