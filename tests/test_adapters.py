"""Adapters: respx routes, transports for sync/async httpx and httpx2, the live server and the
`oai-mock serve` command."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
import respx
from served import ServedFake

from oai_mock import OpenAIMock
from oai_mock.mockserver.live import LiveServer
from oai_mock.mockserver.respx_routes import route_to_mock
from oai_mock.mockserver.transports import AsyncMockTransport, MockTransport, httpx2_transports

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}


def test_respx_routes_send_openai_traffic_to_the_engine() -> None:
    mock = OpenAIMock()
    with respx.mock(assert_all_called=True) as router:
        route_to_mock(router, mock)
        response = httpx.post("https://api.openai.com/v1/chat/completions", json=CHAT)
        assert response.status_code == 200
        stream = httpx.post(
            "https://api.openai.com/v1/chat/completions", json={**CHAT, "stream": True}
        )
        assert stream.text.endswith("data: [DONE]\n\n")
    assert [e.operation_id for e in mock.journal] == ["createChatCompletion"] * 2


def test_respx_leaves_other_hosts_unrouted() -> None:
    with respx.mock(assert_all_called=False) as router:
        route_to_mock(router, OpenAIMock())
        with pytest.raises(respx.models.AllMockedAssertionError):
            httpx.get("https://example.com/")


def test_async_httpx_transport_streams() -> None:
    async def run() -> str:
        async with (
            httpx.AsyncClient(
                transport=AsyncMockTransport(OpenAIMock()), base_url="http://m/v1"
            ) as client,
            client.stream("POST", "/chat/completions", json={**CHAT, "stream": True}) as response,
        ):
            return "".join([chunk async for chunk in response.aiter_text()])

    assert asyncio.run(run()).endswith("data: [DONE]\n\n")


def test_httpx2_transports_sync_and_async() -> None:
    # httpx2 (openai 3.x's HTTP client) needs Python 3.11; on 3.10 this test reports a skip.
    httpx2 = pytest.importorskip("httpx2")
    family = httpx2_transports()
    mock = OpenAIMock()
    with httpx2.Client(transport=family.sync(mock), base_url="http://m/v1") as client:
        assert client.get("/models").status_code == 200

    async def run() -> int:
        async with httpx2.AsyncClient(
            transport=family.asynchronous(mock), base_url="http://m/v1"
        ) as client:
            return (await client.post("/chat/completions", json=CHAT)).status_code

    assert asyncio.run(run()) == 200


def test_transport_reads_request_bodies_and_queries() -> None:
    mock = OpenAIMock()
    client = httpx.Client(transport=MockTransport(mock), base_url="http://m/v1")
    client.get("/files", params={"limit": 3, "purpose": "batch"})
    assert mock.journal[0].query == (("limit", "3"), ("purpose", "batch"))


def test_live_server_binds_loopback_on_a_free_port_and_stops() -> None:
    server = LiveServer(OpenAIMock())
    with server:
        assert server.host == "127.0.0.1" and server.port > 0
        assert httpx.get(server.url + "/models").status_code == 200
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url + "/models", timeout=1)


def test_serve_command_prints_url_logs_requests_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    # --journal-limit 0: the log names the operation from the answer, not from the journal.
    served = ServedFake(tmp_path / "serve.log", "--seed", "4", "--journal-limit", "0")
    try:
        assert httpx.post(served.url + "/chat/completions", json=CHAT, timeout=5).status_code == 200
        assert httpx.get(served.url + "/nope", timeout=5).status_code == 404
    finally:
        code = served.stop()
    assert code == 0
    output = served.output()
    assert "POST /v1/chat/completions -> 200 createChatCompletion" in output
    assert "GET /v1/nope -> 404" in output
    assert "oai-mock stopped" in output


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--speed", "0"], "--speed must be positive"),
        (["--port", "x"], "invalid int value"),
        (["--journal-limit", "-1"], "--journal-limit must be 0 or more"),
    ],
)
def test_serve_rejects_bad_options(options: list[str], message: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "oai_mock.cli", "serve", *options], capture_output=True, text=True
    )
    assert result.returncode == 2 and message in result.stderr


def test_mocks_share_routes_and_validators_but_not_state() -> None:
    mocks = [OpenAIMock(seed=i) for i in range(5)]
    assert len({id(m.router) for m in mocks}) == 1
    assert len({id(m.checker) for m in mocks}) == 1
    mocks[0].request("GET", "/v1/models")
    assert len(mocks[0].journal) == 1 and len(mocks[1].journal) == 0


def test_the_readme_main_command_serves_and_shows_clients_talking(tmp_path: object) -> None:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run(
        ["scripts/serve", "--demo"],
        cwd=root,
        env={**os.environ, "PORT": str(port)},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    out = result.stdout
    assert f"serving the OpenAI API at http://127.0.0.1:{port}/v1" in out
    assert '"object":"chat.completion"' in out  # curl's answer
    assert "chat: " in out and "stream (" in out  # the official SDK's answers
    assert "reference client, chat: Mock reply to" in out  # the reference client's
    assert "oai-mock stopped" in out


def test_serve_with_a_scenario_file_and_extra_models(tmp_path: Path) -> None:
    scenario = Path(__file__).resolve().parents[1] / "examples/scenarios/weather.yaml"
    served = ServedFake(
        tmp_path / "serve.log", "--quiet", "--scenario", str(scenario), "--model", "my-local-model"
    )
    url = served.url
    try:
        chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "weather today?"}]}
        reply = httpx.post(url + "/chat/completions", json=chat, timeout=5).json()
        assert reply["choices"][0]["message"]["content"] == "It is sunny and 22 degrees."
        embedding = {"model": "text-embedding-3-small", "input": "x"}
        statuses = [
            httpx.post(url + "/embeddings", json=embedding, timeout=5).status_code for _ in range(3)
        ]
        assert statuses == [429, 429, 200]
        assert httpx.get(url + "/models/my-local-model", timeout=5).status_code == 200
    finally:
        served.stop()


def test_serve_reports_a_broken_scenario_file(tmp_path: Path) -> None:
    broken = tmp_path / "bad.yaml"
    broken.write_text(
        "rules:\n  - operation: x\n    reply: {content: hi}\n    fault: {status: 500}\n"
    )
    result = subprocess.run(
        [sys.executable, "-m", "oai_mock.cli", "serve", "--scenario", str(broken)],
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert "rule 1: give exactly one of 'reply' or 'fault'" in result.stderr
