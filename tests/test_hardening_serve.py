"""Hostile and careless requests thrown at a real `oai-mock serve`: each is answered (OpenAI's
400 or 413, naming the parameter) within a generous bound that only a hang or runaway work
would break, and the server still answers afterwards; a heavy request does not stall light ones;
every method and path gets OpenAI's envelope."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from served import ServedFake

HANG_BOUND = 60.0  # seconds: only a hang or a runaway answer comes near it
CHAT = "/chat/completions"


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedFake]:
    fake = ServedFake(tmp_path_factory.mktemp("serve") / "serve.log", "--quiet")
    yield fake
    fake.stop()


def _chat_schema(schema: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hi"}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "s", "schema": schema}},
    }


def _forced_tool(parameters: dict[str, Any]) -> dict[str, Any]:
    return {
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": "hi"}],
        "tools": [{"type": "function", "function": {"name": "f", "parameters": parameters}}],
        "tool_choice": {"type": "function", "function": {"name": "f"}},
    }


RECURSIVE_REQUIRED = {
    "type": "object",
    "properties": {"node": {"$ref": "#/$defs/node"}},
    "required": ["node"],
    "$defs": {
        "node": {
            "type": "object",
            "properties": {"child": {"$ref": "#/$defs/node"}},
            "required": ["child"],
        }
    },
}
RECURSIVE_OPTIONAL = {
    "type": "object",
    "properties": {"tree": {"$ref": "#/$defs/tree"}},
    "required": ["tree"],
    "$defs": {
        "tree": {
            "type": "object",
            "properties": {"children": {"type": "array", "items": {"$ref": "#/$defs/tree"}}},
            "required": ["children"],
        }
    },
}

REFUSED = [
    pytest.param(CHAT, _chat_schema({"type": "array", "minItems": 100_000_000}), 400,
                 "response_format", id="json-schema-minItems"),
    pytest.param(CHAT, _forced_tool({"type": "object", "properties": {"a": {"type": "array", "minItems": 100_000_000}}, "required": ["a"]}), 400,
                 "tools[0].function.parameters", id="tool-parameters-minItems"),
    pytest.param(CHAT, _chat_schema({"type": "string", "minLength": 500_000_000}), 400,
                 "response_format", id="minLength"),
    pytest.param(CHAT, _chat_schema({"type": "array", "minItems": 1000, "items": {"type": "array", "minItems": 1000, "items": {"type": "string", "minLength": 1000}}}), 400,
                 "response_format", id="nested-sizes-multiply"),
    pytest.param(CHAT, _chat_schema(RECURSIVE_REQUIRED), 400,
                 "response_format", id="required-recursion"),
    pytest.param("/completions", {"model": "gpt-3.5-turbo-instruct", "prompt": ["x" * 20_000] * 100, "n": 128, "echo": True}, 400,
                 "n", id="prompts-x-n-x-echo"),
    pytest.param("/embeddings", {"model": "text-embedding-3-small", "input": ["word " * 200] * 2048}, 400,
                 "input", id="embedding-tokens"),
    pytest.param("/embeddings", {"model": "text-embedding-3-small", "input": ["a"] * 2049}, 400,
                 "input", id="embedding-inputs"),
    pytest.param(CHAT, {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "n": 129}, 400,
                 "n", id="n"),
    pytest.param(CHAT, {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 0}, 400,
                 "max_tokens", id="max_tokens-0"),
]  # fmt: skip


@pytest.mark.parametrize(("path", "body", "status", "param"), REFUSED)
def test_oversized_requests_are_refused_at_once(
    served: ServedFake, path: str, body: dict[str, Any], status: int, param: str
) -> None:
    answer = httpx.post(served.url + path, json=body, timeout=HANG_BOUND)
    assert answer.status_code == status, answer.text
    error = answer.json()["error"]
    assert error["param"] == param
    assert error["type"] == "invalid_request_error"
    assert httpx.get(served.url + "/models", timeout=HANG_BOUND).status_code == 200


@pytest.mark.parametrize(
    "schema", [{"$ref": "#"}, RECURSIVE_OPTIONAL], ids=["ref-to-root", "optional-recursion"]
)
def test_recursive_schemas_give_finite_instances(
    served: ServedFake, schema: dict[str, Any]
) -> None:
    answer = httpx.post(served.url + CHAT, json=_chat_schema(schema), timeout=HANG_BOUND)
    assert answer.status_code == 200, answer.text
    assert answer.json()["choices"][0]["message"]["content"]


def test_integral_floats_reach_behaviours_as_integers(served: ServedFake) -> None:
    body = {"model": "text-embedding-3-small", "input": "hi", "dimensions": 12.0}
    answer = httpx.post(served.url + "/embeddings", json=body, timeout=HANG_BOUND)
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["data"][0]["embedding"]) == 12


def _raw(served: ServedFake, head: bytes) -> bytes:
    host, port = served.url.split("//")[1].split("/")[0].split(":")
    with socket.create_connection((host, int(port)), timeout=HANG_BOUND) as sock:
        sock.sendall(head)
        received = b""
        while b"\r\n\r\n" not in received:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
        return received


def test_a_body_over_the_limit_is_refused_before_it_is_read(served: ServedFake) -> None:
    head = (
        b"POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        b"Content-Type: application/json\r\nContent-Length: 300000000\r\n\r\n{"
    )
    answer = _raw(served, head)
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert httpx.get(served.url + "/models", timeout=HANG_BOUND).status_code == 200


def test_light_requests_answer_while_a_heavy_one_runs(served: ServedFake) -> None:
    heavy_body = {"model": "text-embedding-3-large", "input": [f"w{i} " * 50 for i in range(150)]}
    heavy: list[int] = []
    worker = threading.Thread(
        target=lambda: heavy.append(
            httpx.post(served.url + "/embeddings", json=heavy_body, timeout=HANG_BOUND).status_code
        )
    )
    worker.start()
    try:
        # Wait until the heavy request is in the server (its work takes seconds), then ask
        # for the model list on another connection: it must come back first.
        with httpx.Client(timeout=HANG_BOUND) as light:
            answered_during = 0
            for _ in range(5):
                assert light.get(served.url + "/models").status_code == 200
                if worker.is_alive():
                    answered_during += 1
        assert answered_during >= 3, "light requests waited for the heavy one"
    finally:
        worker.join(HANG_BOUND)
    assert heavy == [200]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("TRACE", "/v1/models", 405),
        ("BREW", "/v1/models", 405),
        ("GET", "/v1/models/a%2Fb/c", 404),
        ("GET", "/v1/models/%zz", 404),
        ("GET", "/nothing-here", 404),
    ],
)
def test_every_method_and_path_gets_the_error_envelope(
    served: ServedFake, method: str, path: str, status: int
) -> None:
    answer = httpx.request(method, served.url.removesuffix("/v1") + path, timeout=HANG_BOUND)
    assert answer.status_code == status
    assert set(answer.json()["error"]) == {"message", "type", "param", "code"}


def test_head_is_answered_where_get_is(served: ServedFake) -> None:
    answer = httpx.head(served.url + "/models", timeout=HANG_BOUND)
    assert answer.status_code == 200
    assert answer.content == b""


def test_host_and_origin_are_checked_against_the_bound_address(served: ServedFake) -> None:
    rebound = _raw(served, b"GET /v1/models HTTP/1.1\r\nHost: attacker.example:8000\r\n\r\n")
    assert rebound.startswith(b"HTTP/1.1 403"), rebound[:200]
    control = _raw(served, b"GET /__oai_mock/ HTTP/1.1\r\nHost: attacker.example\r\n\r\n")
    assert control.startswith(b"HTTP/1.1 403"), control[:200]  # the control API too
    page = httpx.get(
        served.url + "/models", headers={"origin": "http://attacker.example"}, timeout=HANG_BOUND
    )
    assert page.status_code == 403 and page.json()["error"]["code"] == "origin_not_allowed"
    assert "access-control-allow-origin" not in page.headers
    local = httpx.get(served.url + "/models", headers={"host": "localhost"}, timeout=HANG_BOUND)
    assert local.status_code == 200


def test_an_allowed_origin_gets_cors(tmp_path: Path) -> None:
    fake = ServedFake(tmp_path / "serve.log", "--allow-origin", "http://localhost:3000")
    try:
        origin = {"origin": "http://localhost:3000"}
        answer = httpx.get(fake.url + "/models", headers=origin, timeout=HANG_BOUND)
        assert answer.status_code == 200
        assert answer.headers["access-control-allow-origin"] == "http://localhost:3000"
        preflight = httpx.options(
            fake.url + "/chat/completions",
            headers={**origin, "access-control-request-method": "POST"},
            timeout=HANG_BOUND,
        )
        assert preflight.status_code == 204
        assert "POST" in preflight.headers["access-control-allow-methods"]
    finally:
        fake.stop()


def test_slow_clients_are_timed_out_and_a_scripted_drop_logs_one_line(tmp_path: Path) -> None:
    scenario = tmp_path / "drop.json"
    scenario.write_text('{"rules": [{"operation": "listModels", "fault": {"drop": true}}]}')
    fake = ServedFake(
        tmp_path / "serve.log", "--header-timeout", "1", "--body-timeout", "1",
        "--scenario", str(scenario),
    )  # fmt: skip
    try:
        # A head that never ends: the connection is closed.
        assert _raw(fake, b"GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ") == b""
        # A body that never comes: OpenAI's 408.
        slow = _raw(
            fake,
            b"POST /v1/embeddings HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{",
        )
        assert slow.startswith(b"HTTP/1.1 408"), slow[:200]
        # A client that leaves mid-upload: one line in the log, no traceback.
        host, port = fake.url.split("//")[1].split("/")[0].split(":")
        with socket.create_connection((host, int(port)), timeout=HANG_BOUND) as sock:
            sock.sendall(
                b"POST /v1/files HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                b"Content-Type: multipart/form-data; boundary=b\r\nContent-Length: 1000\r\n\r\n--b"
            )
        with pytest.raises(httpx.HTTPError):
            httpx.get(fake.url + "/models", timeout=HANG_BOUND).read()
        assert httpx.get(fake.url + "/models", timeout=HANG_BOUND).status_code == 200
    finally:
        fake.stop()
    log = fake.output()
    assert "dropped the connection" in log
    assert log.count("left before sending its body") == 1
    assert "Traceback" not in log


def test_ctrl_c_ends_open_streams(tmp_path: Path) -> None:
    scenario = tmp_path / "slow.json"
    scenario.write_text(
        '{"rules": [{"operation": "chat", "times": null,'
        ' "reply": {"content": "one two three four five six seven eight", "chunk_delay": 5}}]}'
    )
    fake = ServedFake(tmp_path / "serve.log", "--scenario", str(scenario))
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], "stream": True}
    with httpx.stream("POST", fake.url + "/chat/completions", json=body, timeout=HANG_BOUND) as s:
        first = next(s.iter_lines())
        assert first.startswith("data: ")
        # The stream has about 40 s to go; Ctrl-C must not wait for it (stop() kills the
        # server after 10 s without an exit, which would give -9).
        assert fake.stop() == 0


def test_an_answer_that_cannot_be_encoded_is_a_500_in_openais_shape(
    caplog: pytest.LogCaptureFixture,
) -> None:
    from oai_mock import OpenAIMock
    from oai_mock.mockserver.live import LiveServer

    def unencodable(call: Any, fake: Any) -> dict[str, Any]:
        return {"object": "list", "data": [{"id": 2**70}]}  # beyond what JSON encoders write

    mock = OpenAIMock(behaviours={"listModels": unencodable})
    with LiveServer(mock) as live:
        answer = httpx.get(live.url + "/models")
    assert answer.status_code == 500
    assert answer.headers["content-type"] == "application/json"
    error = answer.json()["error"]
    assert "bug in oai-mock" in error["message"] and error["type"] == "server_error"
    request_id = answer.headers["x-request-id"]
    assert request_id in error["message"]
    assert any(request_id in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("pace", ["nan", "inf", "-1", "1e9"])
def test_a_replay_pace_that_would_hang_or_fail_every_answer_is_refused(pace: str) -> None:
    import argparse

    from oai_mock.recording.commands import parse_pace

    with pytest.raises(argparse.ArgumentTypeError, match="from 0 to 1000"):
        parse_pace(pace)
    assert parse_pace("0.5") == 0.5 and parse_pace("fast") == 0


def _rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise AssertionError("no VmRSS")


@pytest.mark.parametrize("http", ["h11", "httptools"])
def test_clients_that_do_not_read_hold_a_part_of_an_answer_and_are_cut_off(
    tmp_path: Path, http: str
) -> None:
    served = ServedFake(tmp_path / "serve.log", "--send-timeout", "2", "--http", http)
    sockets: list[socket.socket] = []
    try:
        api = httpx.Client(base_url=served.url, timeout=30)
        content = bytes(range(256)) * (96 * 1024)  # 24 MiB: more than the kernel buffers
        uploaded = api.post(
            "/files", files={"file": ("big.bin", content)}, data={"purpose": "assistants"}
        ).json()
        path = f"/files/{uploaded['id']}/content"
        # A client that reads gets every byte, in order.
        assert api.get(path).content == content
        host, port = served.url.split("//")[1].split("/")[0].split(":")
        before = _rss_kib(served.process.pid)
        for _ in range(8):  # clients that ask and never read
            conn = socket.create_connection((host, int(port)))
            conn.sendall(f"GET /v1{path} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode())
            sockets.append(conn)
        time.sleep(1)
        grown = _rss_kib(served.process.pid) - before
        # Each holds a part of its answer in the server, not the rest of its 24 MiB (the
        # kernel holds a few MiB more per connection, outside the process).
        assert grown < 32 * 1024, f"RSS grew {grown} KiB"
        time.sleep(3)  # past the 2 s send timeout: each client is cut off
        outcomes = []
        for conn in sockets:
            conn.settimeout(5)
            try:
                while conn.recv(1 << 20):
                    pass
                outcomes.append("closed")
            except ConnectionResetError:
                outcomes.append("reset")
            except TimeoutError:
                outcomes.append("still open")
        assert "still open" not in outcomes, outcomes
        log = served.output()
        assert log.count("client too slow") == len(sockets), log
        assert api.get("/models").status_code == 200  # the server serves on
        api.close()
    finally:
        for conn in sockets:
            conn.close()
        served.stop()
    assert "Traceback" not in served.output()


@pytest.mark.parametrize("http", ["h11", "httptools"])
def test_a_connection_over_the_limit_gets_a_503_in_openais_shape(tmp_path: Path, http: str) -> None:
    served = ServedFake(tmp_path / "serve.log", "--max-connections", "2", "--http", http)
    host, port = served.url.split("//")[1].split("/")[0].split(":")
    held = [socket.create_connection((host, int(port))) for _ in range(2)]
    try:
        time.sleep(0.3)  # the server has taken both
        refused = httpx.get(served.url + "/models", timeout=10)
        assert refused.status_code == 503
        assert refused.headers["content-type"] == "application/json"
        assert refused.json()["error"]["code"] == "too_many_connections"
        assert refused.headers["retry-after"] == "1"
        for conn in held:
            conn.close()
        held.clear()
        time.sleep(0.3)
        assert httpx.get(served.url + "/models", timeout=10).status_code == 200
    finally:
        for conn in held:
            conn.close()
        served.stop()
    assert "Traceback" not in served.output()


def test_a_stream_whose_client_stops_reading_is_cut_off() -> None:
    import asyncio

    from starlette.responses import StreamingResponse

    from oai_mock.mockserver.asgi import ClientTooSlow, _timed
    from oai_mock.mockserver.serving import CUT_OFF

    async def run() -> dict[str, Any]:
        scope: dict[str, Any] = {"type": "http", "asgi": {"spec_version": "2.3"}}
        sent: list[str] = []

        async def send(message: Any) -> None:
            sent.append(message["type"])
            if len(sent) >= 3:  # the head and one chunk went out; then the client stops reading
                await asyncio.sleep(3600)

        async def receive() -> Any:
            await asyncio.sleep(3600)

        async def chunks() -> Any:
            for _ in range(10):
                yield b"data: {}\n\n"

        response = StreamingResponse(chunks(), media_type="text/event-stream")
        with pytest.raises(ClientTooSlow):
            await asyncio.wait_for(response(scope, receive, _timed(send, 0.2, scope)), 30)
        return scope

    assert asyncio.run(run())[CUT_OFF] is True
