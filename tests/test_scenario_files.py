"""Scenario files cannot lie: every mistake is refused at start with the file, the rule and the
reason; what loads means what it says (aliases match, a delay is only latency); --watch reloads
a good edit, keeps state, and refuses a broken one while the last good rules stay."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from served import ServedFake

from oai_mock.mockserver.scenario import Fault, Reply
from oai_mock.mockserver.scenario_file import ScenarioError, load_scenario_file

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("rules:\n  - operation: chta\n    reply: {content: x}\n", "did you mean 'chat'?"),
        (
            "rules:\n  - operation: createChatCompletions\n    reply: {content: x}\n",
            "did you mean 'createChatCompletion'",
        ),
        ("rules:\n  - operation: chat\n    fault: {status: abc}\n", 'fault.status: "abc" is not'),
        ("rules:\n  - operation: chat\n    fault: {status: 200}\n", "minimum of 400"),
        ("rules:\n  - operation: chat\n    reply: {contnet: x}\n", "did you mean 'content'?"),
        ("rules:\n  - operation: chat\n    reply: {content: x}\n    time: 2\n", "'times'?"),
        ("rules:\n  - operation: chat\n    reply: {content: x}\n    times: 0\n", "times: 0"),
        ("rules:\n  - operation: chat\n    fault: {delay: soon}\n", "fault.delay"),
        ("rules:\n  - operation: chat\n    fault: {}\n", "fault: does nothing"),
        ("rules:\n  - operation: chat\n    fault: {drop: true, status: 500}\n", "'drop' sends"),
        ("rules:\n  - operation: chat\n    fault: {body: oops}\n", "give its 'status' too"),
        (
            "rules:\n  - operation: chat\n    fault: {status: 500, cut_stream_after: 2}\n",
            "no stream",
        ),
        ("rules:\n  - operation: chat\n    reply: {content: x, json: {a: 1}}\n", "one of the two"),
        ("rules:\n  - operation: chat\n", "exactly one of 'reply' or 'fault'"),
        ("rules:\n  - just a string\n", "a rule is a mapping"),
        ("rule:\n  - operation: chat\n", "unknown key 'rule'; did you mean 'rules'?"),
        ("rules: [\n", "not valid YAML"),
        (
            "rules:\n  - operation: chat\n    reply: {content: a}\nrules:\n  - operation: chat\n"
            "    reply: {content: b}\n",
            "found the key 'rules' a second time",
        ),
        (
            "rules:\n  - operation: chat\n    reply: {content: x, chunk_delay: .inf}\n",
            "reply.chunk_delay: must be a finite number",
        ),
        (
            "rules:\n  - operation: chat\n    fault: {status: 429, headers: {x-\u00e9: v}}\n",
            "is not an HTTP header name",
        ),
        (
            'rules:\n  - operation: chat\n    fault: {status: 429, headers: {x-a: "a\\nb"}}\n',
            "a value HTTP cannot carry",
        ),
        (
            "rules:\n  - operation: chat\n    fault: {status: 429, headers: {content-length: 5}}\n",
            "frames the answer",
        ),
        ("rules:\n  - operation: embeddings\n    reply: {content: x}\n", "would change nothing"),
    ],
)
def test_a_mistake_is_refused_with_the_file_the_rule_and_the_reason(
    tmp_path: Path, text: str, reason: str
) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    with pytest.raises(ScenarioError) as refused:
        load_scenario_file(path)
    message = str(refused.value)
    assert message.startswith(str(path) + ": ") and reason in message
    assert "\n" not in message
    if "rules:\n  -" in text and "[" not in text and "second time" not in reason:
        assert ": rule 1: " in message


def test_a_json_file_with_a_key_given_twice_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "scenario.json"
    path.write_text('{"rules": [], "rules": [{"operation": "chat", "reply": {"content": "x"}}]}')
    with pytest.raises(ScenarioError, match="the key 'rules' appears a second time"):
        load_scenario_file(path)


def test_the_refusal_names_the_rule_that_is_wrong(tmp_path: Path) -> None:
    path = tmp_path / "scenario.json"
    path.write_text(
        '[{"operation": "chat", "reply": {"content": "x"}}, '
        '{"operation": "embeddings", "fault": {"status": 429}}, '
        '{"operation": "embedings", "fault": {"status": 429}}]'
    )
    with pytest.raises(ScenarioError, match=r"scenario\.json: rule 3: .*'embeddings'"):
        load_scenario_file(path)


def test_every_alias_and_name_loads_and_a_delay_is_only_latency(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(
        "rules:\n"
        "  - {operation: chat, reply: {content: hi}}\n"
        "  - {operation: [runs, create_embedding], fault: {delay: 1.5}}\n"
        "  - {operation: createModeration, fault: {status: 429, headers: {retry-after-ms: 10}}}\n"
    )
    chat, slow, limited = load_scenario_file(path)
    assert chat.operation == ("createChatCompletion",) and isinstance(chat.action, Reply)
    assert slow.operation == (
        "createRun",
        "createThreadAndRun",
        "submitToolOuputsToRun",
        "createEmbedding",
    )
    assert slow.action == Fault(None, delay=1.5)
    assert isinstance(limited.action, Fault) and limited.action.headers == {"retry-after-ms": "10"}


def test_serve_refuses_a_broken_file_in_one_line_with_exit_code_2(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text("rules:\n  - operation: chat\n    fault: {status: abc}\n")
    result = subprocess.run(
        [sys.executable, "-m", "oai_mock.cli", "serve", "--port", "0", "--scenario", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f'oai-mock: {path}: rule 1: fault.status: "abc" is not of type "integer"'
    ]
    assert result.stdout == ""


def test_served_aliases_match_and_a_delay_answers_normally_later(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text(
        "rules:\n"
        "  - {operation: chat, reply: {content: From the file}, times: null}\n"
        "  - {operation: embeddings, fault: {delay: 0.4}}\n"
    )
    fake = ServedFake(tmp_path / "serve.log", "--scenario", str(path))
    try:
        reply = httpx.post(fake.url + "/chat/completions", json=CHAT, timeout=10).json()
        assert reply["choices"][0]["message"]["content"] == "From the file"
        started = time.perf_counter()
        slow = httpx.post(fake.url + "/embeddings", json={"model": "m", "input": "x"}, timeout=10)
        assert slow.status_code == 200 and slow.json()["object"] == "list"
        assert time.perf_counter() - started >= 0.4
    finally:
        assert fake.stop() == 0


def _wait_for(condition: object, what: str) -> None:
    for _ in range(100):  # up to 10 s
        if callable(condition) and condition():
            return
        time.sleep(0.1)
    raise AssertionError(f"never saw {what}")


def test_watch_reloads_a_good_edit_keeps_state_and_refuses_a_broken_one(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    path.write_text("rules:\n  - {operation: chat, reply: {content: first}, times: null}\n")
    fake = ServedFake(tmp_path / "serve.log", "--scenario", str(path), "--watch")

    def chat() -> str:
        reply = httpx.post(fake.url + "/chat/completions", json=CHAT, timeout=10).json()
        return str(reply["choices"][0]["message"]["content"])

    try:
        uploaded = httpx.post(
            fake.url + "/files",
            files={"file": ("a.txt", b"kept")},
            data={"purpose": "assistants"},
            timeout=10,
        ).json()
        assert chat() == "first"
        path.write_text("rules:\n  - {operation: chat, reply: {content: second}, times: null}\n")
        _wait_for(lambda: chat() == "second", "the edited reply")
        assert "reloaded" in fake.output()
        kept = httpx.get(fake.url + f"/files/{uploaded['id']}", timeout=10)
        assert kept.status_code == 200  # state survives a reload

        path.write_text("rules:\n  - {operation: chat, reply: {content: third}, tims: 2}\n")
        _wait_for(lambda: "keeping the last good rules" in fake.output(), "the refusal")
        assert "unknown key 'tims'; did you mean 'times'?" in fake.output()
        assert chat() == "second"
    finally:
        assert fake.stop() == 0


def test_watch_reloads_the_files_timing_and_refuses_a_broken_one(tmp_path: Path) -> None:
    path = tmp_path / "scenario.yaml"
    rules = "rules:\n  - {operation: chat, reply: {content: x}, times: null}\n"
    path.write_text(rules + "timing: {default: {first_token: 1.5}}\n")
    fake = ServedFake(tmp_path / "serve.log", "--scenario", str(path), "--watch")

    def seconds() -> float:
        started = time.perf_counter()
        httpx.post(fake.url + "/chat/completions", json=CHAT, timeout=10).raise_for_status()
        return time.perf_counter() - started

    try:
        assert seconds() >= 1.5  # the file's timing holds the first token back
        path.write_text(rules + "timing: {default: {first_token: 0}}\n")
        _wait_for(lambda: fake.output().count("reloaded") == 1, "the reload")
        assert seconds() < 1.0
        path.write_text(rules + "timing: {default: {first_tokn: 2}}\n")
        _wait_for(lambda: "keeping the last good rules and timing" in fake.output(), "refusal")
        assert "first_tokn" in fake.output()
        assert seconds() < 1.0  # the last good timing stays
    finally:
        assert fake.stop() == 0
