"""Contract outcomes: unsupported operations, waited-out rate limits, answers of any shape,
severity thresholds, waivers, the nulls the spec's examples show, and the command's catalogue,
matrix and curl lines."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest
from contract_runs import run_over

from oai_mock import OpenAIMock
from oai_mock.contracts.checks import CATALOGUE
from oai_mock.contracts.nullability import nulls_in_examples
from oai_mock.contracts.probe import Exchange
from oai_mock.contracts.runner import Results
from oai_mock.contracts.waivers import find_waiver, load_waivers
from oai_mock.mockserver.transports import MockTransport

SPEC = Path(__file__).resolve().parents[1].parent / "shared" / "openapi" / "openapi.json"
Edit = Callable[[httpx.Request, httpx.Response], httpx.Response]


class Wrapped(httpx.BaseTransport):
    """The faithful fake, with its answers changed by ``edit`` (a deviating backend)."""

    def __init__(self, edit: Edit, mock: OpenAIMock | None = None) -> None:
        self.inner = MockTransport(mock or OpenAIMock(strict_models=True))
        self.edit = edit

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        response.read()
        return self.edit(request, response)


def run_with(edit: Edit, only: list[str], **options: Any) -> Results:
    """The checks ``only`` names against the faithful fake with its answers changed by ``edit``."""
    return run_over(Wrapped(edit), only, **{"max_examples": 1, **options})


def outcomes(results: Results) -> dict[str, str]:
    return {r.check.id: r.outcome for r in results.results}


def replace(status: int, content: bytes, media: str = "application/json") -> Edit:
    def edit(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path.endswith("/models"):
            return response
        return httpx.Response(status, content=content, headers={"content-type": media})

    return edit


def test_a_missing_operation_is_unsupported_not_failed() -> None:
    def no_embeddings(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path.endswith("/embeddings"):
            return httpx.Response(404, json={"detail": "Not Found"})
        return response

    results = run_with(no_embeddings, ["embeddings", "models.list"])
    found = outcomes(results)
    assert found["models.list"] == "passed"
    assert {found[c.id] for c in CATALOGUE if c.area == "embeddings"} == {"unsupported"}
    assert results.count("unsupported") == 5 and results.exit_code() == 0
    missing = next(r for r in results.results if r.outcome == "unsupported")
    assert "POST /embeddings answered 404" in missing.message and missing.response


@pytest.mark.parametrize(
    ("status", "content", "media", "shown"),
    [
        (200, b"[1, 2, 3]", "application/json", "a JSON list, not an object"),
        (200, b"<html><body>Bad gateway</body></html>", "text/html", "not JSON"),
        (200, b"", "application/json", "not JSON"),
        (200, b'{"id": "chatcmpl-1", "choices": [', "application/json", "not JSON"),
        (502, b"<html>upstream down</html>", "text/html", "expected a 2xx"),
    ],
)
def test_any_answer_becomes_a_failure_with_its_evidence(
    status: int, content: bytes, media: str, shown: str
) -> None:
    results = run_with(replace(status, content, media), ["chat.schema", "chat.n", "chat.fields"])
    assert results.count("failed") == 3, [r.message for r in results.results]
    for result in results.results:
        assert shown in result.message, result.message
        assert result.request is not None and result.request.startswith("curl -X POST")
        assert result.response is not None and result.response.startswith(str(status))


def test_an_answer_of_an_unforeseen_shape_is_a_failure_not_a_traceback() -> None:
    def list_chunks(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if b'"stream":true' in request.content:
            body = b'data: [1, 2]\n\ndata: {"choices": 5}\n\ndata: [DONE]\n\n'
            return httpx.Response(200, content=body, headers={"content-type": "text/event-stream"})
        return response

    results = run_with(list_chunks, ["stream"])
    assert results.count("failed") == len([c for c in CATALOGUE if c.area == "stream"])
    assert all(r.response and "data: [1, 2]" in r.response for r in results.results)


def test_a_truncated_stream_fails_with_what_arrived() -> None:
    class Truncating(httpx.SyncByteStream):
        def __iter__(self) -> Iterator[bytes]:
            yield b'data: {"id": "chatcmpl-1", "object": "chat.completion.chunk"'
            raise httpx.RemoteProtocolError(
                "peer closed connection without sending complete message body"
            )

    def cut(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if b'"stream":true' in request.content:
            return httpx.Response(
                200, stream=Truncating(), headers={"content-type": "text/event-stream"}
            )
        return response

    results = run_with(cut, ["stream.framing", "stream.chunk-schema"])
    for result in results.results:
        assert result.outcome == "failed"
        assert "RemoteProtocolError" in result.message and "chatcmpl-1" in (result.response or "")


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A server on 127.0.0.1 that accepts connections and never answers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(listener.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}/v1"
    stop.set()
    thread.join(5)
    for connection in held:
        connection.close()
    listener.close()


def test_a_hanging_backend_times_out_into_one_clear_error(silent_server: str) -> None:
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "oai_mock.cli",
            "contract",
            "--base-url",
            silent_server,
            "--timeout",
            "1",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2 and "ReadTimeout" in result.stderr, result.stderr


def test_a_backend_that_hangs_on_one_operation_fails_that_check(silent_server: str) -> None:
    mock = OpenAIMock(strict_models=True)
    inner = MockTransport(mock)

    class HangingChat(httpx.BaseTransport):
        def handle_request(self, request: httpx.Request) -> httpx.Response:
            if request.url.path.endswith("/chat/completions"):
                raise httpx.ReadTimeout("timed out", request=request)
            return inner.handle_request(request)

    results = run_over(HangingChat(), ["chat.schema", "models.list"], max_examples=1)
    found = {r.check.id: r for r in results.results}
    assert found["models.list"].outcome == "passed"
    assert found["chat.schema"].outcome == "failed"
    assert "ReadTimeout" in found["chat.schema"].message


def test_rate_limits_are_waited_out_honouring_retry_after() -> None:
    waits: list[float] = []
    refused = {"count": 0}

    def limited(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path.endswith("/chat/completions") and refused["count"] < 2:
            refused["count"] += 1
            headers = {"retry-after-ms": "250"} if refused["count"] == 1 else {"retry-after": "2"}
            return httpx.Response(
                429 if refused["count"] == 1 else 503, json={"error": {}}, headers=headers
            )
        return response

    results = run_with(limited, ["chat.fields"], sleep=waits.append)
    assert outcomes(results) == {"chat.fields": "passed"}
    assert waits == [0.25, 2.0]
    assert results.retries == 2
    assert results.results[0].retries == [
        "429 on POST /chat/completions: waited 0.2 s (retry-after-ms)",
        "503 on POST /chat/completions: waited 2.0 s (retry-after)",
    ]


def test_retries_are_bounded() -> None:
    waits: list[float] = []
    results = run_with(
        replace(429, b'{"error": {"message": "slow down"}}'),
        ["chat.fields"],
        sleep=waits.append,
        retries=2,
    )
    assert outcomes(results) == {"chat.fields": "failed"} and len(waits) == 2
    assert "429" in results.results[0].message
    too_long = run_with(
        lambda q, r: (
            httpx.Response(429, headers={"retry-after": "3600"}) if "chat" in q.url.path else r
        ),
        ["chat.fields"],
        sleep=waits.append,
    )
    assert outcomes(too_long) == {"chat.fields": "failed"} and len(waits) == 2  # not waited


def test_the_exit_code_follows_the_severity_threshold() -> None:
    def no_request_id(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        headers = {k: v for k, v in response.headers.items() if k.lower() != "x-request-id"}
        return httpx.Response(response.status_code, content=response.content, headers=headers)

    results = run_with(no_request_id, ["chat.request-id", "chat.fields"])
    assert outcomes(results) == {"chat.request-id": "failed", "chat.fields": "passed"}
    assert results.exit_code("required") == 0
    assert results.exit_code("recommended") == 1 and results.exit_code("extension") == 1


def test_waived_failures_are_shown_but_do_not_fail_the_run(tmp_path: Path) -> None:
    profile = tmp_path / "gateway.json"
    profile.write_text(
        json.dumps(
            {
                "name": "gateway",
                "backend": "a gateway that strips x-request-id",
                "deviations": [
                    {
                        "check": "chat.request-*",
                        "reason": "stripped by the gateway",
                        "link": "https://example.com/issue/1",
                    }
                ],
            }
        )
    )
    waivers = load_waivers(str(profile))
    assert (
        find_waiver(waivers, "chat.request-id") is not None
        and find_waiver(waivers, "chat.n") is None
    )

    def no_request_id(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        headers = {k: v for k, v in response.headers.items() if k.lower() != "x-request-id"}
        return httpx.Response(response.status_code, content=response.content, headers=headers)

    results = run_with(no_request_id, ["chat.request-id", "chat.fields"], waivers=waivers)
    assert outcomes(results) == {"chat.request-id": "waived", "chat.fields": "passed"}
    waived = next(r for r in results.results if r.check.id == "chat.request-id")
    assert waived.waiver is not None and waived.waiver.reason == "stripped by the gateway"
    assert waived.message and results.exit_code() == 0


def test_a_null_the_spec_examples_show_is_accepted_and_noted() -> None:
    def user_null(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path.endswith("/responses") and response.status_code == 200:
            value = orjson.loads(response.content)
            value["user"] = None
            return httpx.Response(200, json=value)
        return response

    results = run_with(user_null, ["responses.schema"])
    assert outcomes(results) == {"responses.schema": "passed"}
    assert results.notes == ["createResponse: /user is null, as the spec's example answers show"]

    def model_null(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path.endswith("/responses") and response.status_code == 200:
            value = orjson.loads(response.content)
            value["model"] = None  # no example answer shows a null model
            return httpx.Response(200, json=value)
        return response

    assert outcomes(run_with(model_null, ["responses.schema"])) == {"responses.schema": "failed"}


@pytest.mark.skipif(not SPEC.is_file(), reason="the OpenAPI document is not beside the project")
def test_the_example_nulls_are_in_step_with_the_spec() -> None:
    table = nulls_in_examples(json.loads(SPEC.read_text()))
    shipped = json.loads(
        (Path(__file__).parents[1] / "oai_mock/contracts/data/example_nulls.json").read_text()
    )
    assert table == shipped
    assert "createResponse" in table["user"]


def test_curl_lines_read_the_key_from_the_environment_in_double_quotes() -> None:
    exchange = Exchange(
        "POST",
        "http://127.0.0.1:8000/v1/chat/completions",
        {"Content-Type": "application/json", "Authorization": "Bearer sk-secret"},
        {"model": "m", "messages": [{"role": "user", "content": "it's"}]},
    )
    line = exchange.curl()
    assert '-H "Authorization: Bearer $OPENAI_API_KEY"' in line and "sk-secret" not in line
    assert '-d \'{"model":"m","messages":[{"role":"user","content":"it\'"\'"\'s"}]}\'' in line


def test_the_command_lists_the_catalogue() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "oai_mock.cli", "contract", "--list"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0
    assert f"{len(CATALOGUE)} checks" in result.stdout
    assert all(c.id in result.stdout for c in CATALOGUE)


def test_the_matrix_page_puts_runs_side_by_side(tmp_path: Path) -> None:
    good = run_with(lambda q, r: r, ["chat.fields", "chat.request-id"])
    bad = run_with(
        lambda q, r: httpx.Response(
            r.status_code, content=r.content, headers={"content-type": r.headers["content-type"]}
        ),
        ["chat.fields", "chat.request-id"],
    )
    (tmp_path / "fake.json").write_bytes(good.to_json())
    (tmp_path / "gateway.json").write_bytes(bad.to_json())
    page = tmp_path / "matrix.html"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "oai_mock.cli",
            "contract",
            "matrix",
            str(tmp_path / "fake.json"),
            str(tmp_path / "gateway.json"),
            "-o",
            str(page),
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    html = page.read_text()
    assert "<th>fake" in html and "<th>gateway" in html
    row = html[html.index("<code>chat.request-id</code>") :].split("</tr>")[0]
    assert row.count("badge") == 2 and "PASS" in row and "FAIL" in row


def test_examples_of_bytes_reach_every_report() -> None:
    from oai_mock.contracts.html import html_report
    from oai_mock.contracts.reports import junit, markdown, terminal

    results = run_with(
        replace(500, b"Internal Server Error", "text/plain"),
        ["errors.malformed-json", "files.listed"],
    )
    assert results.count("failed") == 2
    examples = {r.check.id: r.example for r in results.results}
    assert isinstance(examples["errors.malformed-json"], str)
    assert isinstance(examples["files.listed"], list) and isinstance(
        examples["files.listed"][1], str
    )
    for report in (terminal(results), markdown(results), html_report(results)):
        assert "shrunk request" in report or "Shrunk request" in report
    assert json.loads(results.to_json())["failed"] == 2 and junit(results)


def test_a_backend_answering_the_same_request_differently_gets_one_plain_failure() -> None:
    count = {"n": 0}

    def alternating(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path.endswith("/chat/completions"):
            count["n"] += 1
            if count["n"] % 2:
                return httpx.Response(500, text="Internal Server Error")
        return response

    results = run_with(alternating, ["chat.schema", "chat.fields"], max_examples=3)
    for result in results.results:
        assert result.outcome == "failed"
        assert result.message.startswith("expected a 2xx, got 500"), result.message


def test_an_accepted_out_of_range_value_fails_only_the_check_about_it() -> None:
    """A backend that takes temperature 5 deviates once (errors.out-of-range); the check of
    the error answers' media type still finds an error answer to read."""

    def lenient(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.url.path.endswith("/chat/completions") and b'"temperature":5' in request.content:
            body = orjson.loads(request.content)
            del body["temperature"]
            request = httpx.Request("POST", request.url, json=body, headers=request.headers)
            answer = MockTransport(OpenAIMock()).handle_request(request)
            answer.read()
            return answer
        return response

    found = outcomes(run_with(lenient, ["errors.json-content-type", "errors.out-of-range"]))
    assert found == {"errors.json-content-type": "passed", "errors.out-of-range": "failed"}


def test_a_backend_without_models_has_the_unknown_model_check_unsupported() -> None:
    def no_models(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if "/models" in request.url.path:
            return httpx.Response(404, json={"detail": "Not Found"})
        return response

    found = outcomes(run_with(no_models, ["models.list", "models.unknown"]))
    assert found == {"models.list": "unsupported", "models.unknown": "unsupported"}
    # With the models offered, the same bare 404 for an unknown one is a deviation.
    fastapi = OpenAIMock(strict_models=True, quirks={"fastapi-errors"})
    transport = Wrapped(lambda request, response: response, fastapi)
    results = run_over(transport, ["models.unknown"], max_examples=1)
    assert outcomes(results) == {"models.unknown": "failed"}


def test_flows_report_what_they_could_not_delete() -> None:
    def refuses_store_deletes(request: httpx.Request, response: httpx.Response) -> httpx.Response:
        if request.method == "DELETE" and "/vector_stores/" in request.url.path:
            return httpx.Response(500, text="Internal Server Error")
        return response

    (result,) = run_with(refuses_store_deletes, ["flows.vector-store"]).results
    assert result.outcome == "failed", result.message
    assert result.message.startswith("left behind: vs_") and "(DELETE /vector_stores/" in (
        result.message
    )
    assert ": 500)" in result.message

    inner = MockTransport(OpenAIMock(strict_models=True))

    class PretendsToDeleteFiles(httpx.BaseTransport):
        """Says a file is deleted and keeps it (the request never reaches the fake)."""

        def handle_request(self, request: httpx.Request) -> httpx.Response:
            path = request.url.path
            if request.method == "DELETE" and path.startswith("/v1/files/"):
                file_id = path.rsplit("/", 1)[-1]
                return httpx.Response(200, json={"id": file_id, "object": "file", "deleted": True})
            return inner.handle_request(request)

    (result,) = run_over(PretendsToDeleteFiles(), ["flows.vector-store"], max_examples=1).results
    assert result.outcome == "failed"
    assert "still listed by GET /files after its delete" in result.message, result.message
