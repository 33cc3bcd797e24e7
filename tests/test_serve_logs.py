"""The log and the stop of `oai-mock serve`: one line per exchange when it ends (operation,
status, duration, the message an error carried), JSON lines, bodies with secrets masked; Ctrl-C
ends streams at once and prints no traceback; a bad port, a port in use and an unreadable
scenario file each get one line and exit code 2."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from served import ServedFake

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]}


def _control(fake: ServedFake) -> str:
    return fake.url.removesuffix("/v1") + "/__oai_mock"


def _lines(fake: ServedFake, marker: str) -> list[str]:
    return [line for line in fake.output().splitlines() if marker in line]


def test_a_line_per_exchange_names_the_operation_and_the_message_of_an_error(
    tmp_path: Path,
) -> None:
    fake = ServedFake(tmp_path / "serve.log")
    try:
        httpx.post(
            _control(fake) + "/rules",
            json={"operation": "embeddings", "fault": {"delay": 0.3}},
            timeout=10,
        )
        httpx.post(fake.url + "/chat/completions", json={"model": "gpt-4o"}, timeout=10)
        httpx.get(fake.url + "/models/nope-model", timeout=10)
        httpx.post(fake.url + "/embeddings", json={"model": "m", "input": "x"}, timeout=10)
    finally:
        assert fake.stop() == 0
    refused = _lines(fake, "-> 400")
    assert len(refused) == 1
    assert "POST /v1/chat/completions -> 400 createChatCompletion (" in refused[0]
    assert refused[0].endswith("ms): Missing required parameter: 'messages'.")
    missing = _lines(fake, "-> 404")
    assert "retrieveModel" in missing[0] and "nope-model" in missing[0]
    delayed = _lines(fake, "/v1/embeddings")[0]
    milliseconds = float(delayed.split("(")[1].split(" ms")[0])
    assert milliseconds >= 300  # logged when the delayed answer was sent, not when it arrived
    assert "[rule_1]" in delayed
    assert not _lines(fake, "/__oai_mock/rules")  # the control API's requests are not logged


def test_json_lines_with_bodies_mask_secrets(tmp_path: Path) -> None:
    fake = ServedFake(tmp_path / "serve.log", "--log-format", "json", "--log-bodies")
    secret = "sk-proj-abcdefghijklmnopqrstuvwxyz"
    try:
        httpx.post(
            fake.url + "/chat/completions",
            json={**CHAT, "metadata": {"api_key": secret}},
            headers={"authorization": f"Bearer {secret}"},
            timeout=10,
        )
        with httpx.stream(
            "POST", fake.url + "/chat/completions", json={**CHAT, "stream": True}, timeout=10
        ) as stream:
            stream.read()
    finally:
        assert fake.stop() == 0
    records = [json.loads(line) for line in _lines(fake, '{"time"')]
    assert len(records) == 2
    plain, streamed = records
    assert plain["operation"] == "createChatCompletion" and plain["status"] == 200
    assert plain["request_body"]["metadata"]["api_key"] == "***"
    assert plain["response_body"]["object"] == "chat.completion"
    assert streamed["events"][-1].strip() == "data: [DONE]"
    assert secret not in fake.output() and secret[:12] not in fake.output()


@pytest.fixture
def streaming_fake(tmp_path: Path) -> Iterator[ServedFake]:
    fake = ServedFake(tmp_path / "serve.log")
    httpx.post(
        _control(fake) + "/rules",
        json={
            "operation": "chat",
            "reply": {"content": "one two three four five six seven eight", "chunk_delay": 2},
        },
        timeout=10,
    )
    yield fake
    fake.stop()


def _stream_in_background(fake: ServedFake) -> tuple[threading.Thread, list[str]]:
    seen: list[str] = []

    def read() -> None:
        try:
            with httpx.stream(
                "POST", fake.url + "/chat/completions", json={**CHAT, "stream": True}, timeout=60
            ) as stream:
                for line in stream.iter_lines():
                    seen.append(line)
            seen.append("ended")
        except httpx.HTTPError as error:
            seen.append(f"error: {type(error).__name__}")

    thread = threading.Thread(target=read)
    thread.start()
    for _ in range(100):
        if seen:
            break
        time.sleep(0.05)
    return thread, seen


@pytest.mark.parametrize("presses", [1, 2])
def test_ctrl_c_ends_a_stream_in_flight_and_prints_no_traceback(
    streaming_fake: ServedFake, presses: int
) -> None:
    thread, seen = _stream_in_background(streaming_fake)
    assert seen, "the stream never started"
    started = time.perf_counter()
    for _ in range(presses):
        streaming_fake.process.send_signal(signal.SIGINT)
        time.sleep(0.05)
    assert streaming_fake.stop() == 0
    # The stream had 14 s of scripted pauses left; only a stop that waited for it is this slow.
    assert time.perf_counter() - started < 8
    thread.join(timeout=10)
    assert seen[-1] in ("ended", "error: RemoteProtocolError")
    output = streaming_fake.output()
    assert "Traceback" not in output and "Error" not in output
    assert "server stopped" in output and output.rstrip().endswith("oai-mock stopped")


def _free_port_in_use() -> socket.socket:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    return listener


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (["--port", "99999"], "oai-mock: --port must be between 0 and 65535, not 99999"),
        (["--port", "in-use"], "oai-mock: cannot listen on 127.0.0.1:{port}: "),
        (["--scenario", "/no/such/scenario.yaml"], "oai-mock: /no/such/scenario.yaml: cannot "),
        (["--host", "no-such-host.invalid"], "oai-mock: cannot listen on no-such-host.invalid"),
    ],
)
def test_start_failures_are_one_line_and_exit_code_2(options: list[str], message: str) -> None:
    with _free_port_in_use() as listener:
        port = str(listener.getsockname()[1])
        options = [port if o == "in-use" else o for o in options]
        result = subprocess.run(
            [sys.executable, "-m", "oai_mock.cli", "serve", *options],
            capture_output=True,
            text=True,
            timeout=120,
        )
    assert result.returncode == 2
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith(message.format(port=port))
    assert result.stdout == ""
