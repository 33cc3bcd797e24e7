"""The control API of `oai-mock serve`, driven over a real socket as a test in any language
would drive it: health, reset, rules, journal, clock, lifecycles, stored objects, its OpenAPI
document, its key, and its refusals."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from served import ServedFake

from oai_mock import __version__
from oai_mock.mockserver.control.api import ENDPOINTS

KEY = "sk-control-test-0123456789"
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hello"}]}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServedFake]:
    log = tmp_path_factory.mktemp("control") / "serve.log"
    fake = ServedFake(log, "--api-key", KEY, "--clock", "frozen", "--lifecycle", "manual")
    yield fake
    assert fake.stop() == 0


@pytest.fixture
def api(served: ServedFake) -> Iterator[httpx.Client]:
    """A client of the fake's OpenAI API, with the key."""
    with httpx.Client(
        base_url=served.url, headers={"authorization": f"Bearer {KEY}"}, timeout=10
    ) as client:
        yield client


@pytest.fixture
def control(served: ServedFake) -> Iterator[httpx.Client]:
    """A client of the control API; everything is reset before each test."""
    base = served.url.removesuffix("/v1") + "/__oai_mock"
    with httpx.Client(
        base_url=base, headers={"authorization": f"Bearer {KEY}"}, timeout=10
    ) as client:
        assert client.post("/reset").status_code == 200
        yield client


def error_of(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert set(error) == {"message", "type", "param", "code"}
    return dict(error)


def test_health_and_version(control: httpx.Client) -> None:
    assert control.get("/health").json() == {"status": "ok", "version": __version__}
    version = control.get("/version").json()
    assert version["version"] == __version__ and version["spec"]["sha256"]


def test_the_control_api_needs_the_servers_key_and_never_echoes_it(
    served: ServedFake, control: httpx.Client
) -> None:
    base = str(control.base_url).rstrip("/")
    missing = httpx.get(base + "/rules", timeout=10)
    assert "Bearer" in error_of(missing, 401)["message"]
    wrong = httpx.get(base + "/rules", headers={"authorization": "Bearer sk-wrong-key-42"})
    assert "sk-wrong-key-42" not in wrong.text
    assert error_of(wrong, 401)["code"] == "invalid_api_key"
    assert httpx.get(base + "/rules", headers={"api-key": KEY}).status_code == 200


def test_rules_added_in_the_scenario_grammar_answer_and_count_their_uses(
    control: httpx.Client, api: httpx.Client
) -> None:
    added = control.post(
        "/rules",
        json={
            "rules": [
                {"operation": "chat", "reply": {"content": "Scripted hello"}, "times": None},
                {"operation": "embeddings", "fault": {"status": 429}, "name": "busy"},
            ]
        },
    )
    assert added.status_code == 201
    chat_rule, embedding_rule = added.json()["data"]
    assert chat_rule["operation"] == ["createChatCompletion"] and chat_rule["used"] == 0
    for _ in range(2):
        assert api.post("/chat/completions", json=CHAT).json()["choices"][0]["message"][
            "content"
        ] == ("Scripted hello")
    assert api.post("/embeddings", json={"model": "m", "input": "x"}).status_code == 429
    assert api.post("/embeddings", json={"model": "m", "input": "x"}).status_code == 200
    listed = {r["id"]: r for r in control.get("/rules").json()["data"]}
    assert listed[chat_rule["id"]]["used"] == 2
    assert (
        listed[embedding_rule["id"]] | {"used": 1, "exhausted": True}
        == listed[embedding_rule["id"]]
    )
    assert listed[embedding_rule["id"]]["name"] == "busy"

    assert control.delete(f"/rules/{chat_rule['id']}").json() == {
        "id": chat_rule["id"],
        "deleted": True,
    }
    assert [r["id"] for r in control.get("/rules").json()["data"]] == [embedding_rule["id"]]
    assert "Scripted" not in api.post("/chat/completions", json=CHAT).text
    error_of(control.delete(f"/rules/{chat_rule['id']}"), 404)
    assert control.delete("/rules").json() == {"deleted": 1}
    assert control.get("/rules").json()["data"] == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({"operation": "chta", "reply": {"content": "x"}}, "did you mean 'chat'?"),
        ({"operation": "chat", "fault": {"status": "abc"}}, 'fault.status: "abc" is not of type'),
        ({"operation": "chat", "reply": {"content": "x"}, "tims": 2}, "did you mean 'times'?"),
        ({"operation": "chat", "fault": {"drop": True, "status": 500}}, "'drop' sends no answer"),
        ({"operation": "chat", "fault": {"message": "x"}}, "give its 'status' too"),
    ],
)
def test_a_bad_rule_is_refused_and_nothing_is_added(
    control: httpx.Client, body: dict[str, Any], reason: str
) -> None:
    batch = {"rules": [{"operation": "chat", "reply": {"content": "fine"}}, body]}
    for sent in (body, batch):
        error = error_of(control.post("/rules", json=sent), 400)
        assert reason in error["message"]
    assert control.get("/rules").json()["data"] == []


def test_malformed_control_requests_get_the_error_envelope(control: httpx.Client) -> None:
    error_of(control.post("/rules", content=b"{not json"), 400)
    error_of(control.post("/rules", json=[1, 2]), 400)
    assert "non-empty list" in error_of(control.post("/rules", json={"rules": []}), 400)["message"]
    error_of(control.post("/clock/advance"), 400)
    error_of(control.get("/no-such-endpoint"), 404)
    assert error_of(control.put("/rules"), 405)["message"].endswith("Allowed: DELETE, GET, POST.")
    error_of(control.get("/journal", params={"colour": "red"}), 400)
    error_of(control.get("/journal", params={"status": "abc"}), 400)


def test_the_journal_lists_filters_and_opens_an_exchange_with_its_stream_timing(
    control: httpx.Client, api: httpx.Client
) -> None:
    rule = control.post(
        "/rules",
        json={"operation": "chat", "reply": {"content": "a b c d", "chunk_delay": 0.05}},
    ).json()["data"][0]
    with api.stream("POST", "/chat/completions", json={**CHAT, "stream": True}) as stream:
        assert stream.read()
    api.post("/chat/completions", json={"model": "gpt-4o"})  # 400: no messages
    api.post("/embeddings", json={"model": "text-embedding-3-small", "input": "x"})

    everything = control.get("/journal").json()["data"]
    assert [e["operation"] for e in everything] == [
        "createChatCompletion",
        "createChatCompletion",
        "createEmbedding",
    ]
    refused = control.get("/journal", params={"status": "400"}).json()["data"]
    assert [e["error"] for e in refused] == ["Missing required parameter: 'messages'."]
    assert len(control.get("/journal", params={"operation": "chat"}).json()["data"]) == 2
    assert len(control.get("/journal", params={"model": "gpt-4o"}).json()["data"]) == 1
    assert len(control.get("/journal", params={"limit": "1"}).json()["data"]) == 1
    assert control.get("/journal", params={"rule": rule["id"]}).json()["data"][0]["streamed"]

    exchange = control.get(f"/journal/{everything[0]['id']}").json()
    assert exchange["request"]["body"]["stream"] is True
    assert exchange["request"]["headers"]["authorization"] != f"Bearer {KEY}"
    assert KEY not in str(exchange)
    assert exchange["rule"]["id"] == rule["id"] and exchange["rule"]["used"] == 1
    events = exchange["response"]["events"]
    assert events[-1]["data"].strip() == "data: [DONE]"
    times = [e["at_ms"] for e in events]
    assert times == sorted(times) and times[-1] - times[0] >= 50  # the scripted pacing
    assert exchange["outcome"] == "answered" and exchange["duration_ms"] >= times[-1]

    plain = control.get(f"/journal/{everything[2]['id']}").json()
    assert plain["response"]["body"]["object"] == "list" and plain["rule"] is None
    error_of(control.get("/journal/ex_999999"), 404)
    assert control.delete("/journal").json() == {"deleted": 3}
    assert control.get("/journal").json()["data"] == []


def test_the_clock_reads_advances_and_changes_mode(control: httpx.Client) -> None:
    clock = control.get("/clock").json()
    assert clock["mode"] == "frozen"
    moved = control.post("/clock/advance", json={"seconds": 90}).json()
    assert moved["now"] == clock["now"] + 90
    error_of(control.post("/clock/advance", json={"seconds": -5}), 400)
    error_of(control.post("/clock", json={"mode": "sideways"}), 400)
    assert control.get("/clock").json()["now"] == moved["now"]  # refused: nothing moved
    fast = control.post("/clock", json={"mode": "accelerated", "speed": 3600}).json()
    assert fast["mode"] == "accelerated" and fast["speed"] == 3600
    assert fast["now"] >= moved["now"]
    control.post("/clock", json={"mode": "frozen"})
    control.post("/reset", json={"state": False, "journal": False, "rules": False})
    assert control.get("/clock").json()["now"] == clock["now"]


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/clock/advance", {"seconds": 1e20}),  # past the year 9999
        ("/clock", {"mode": "accelerated", "speed": 1e308}),
        ("/clock/advance", {"seconds": float("inf")}),
    ],
)
def test_a_clock_change_that_would_break_every_answer_is_refused(
    control: httpx.Client, api: httpx.Client, path: str, body: dict[str, Any]
) -> None:
    before = control.get("/clock").json()
    content = (
        b'{"seconds": Infinity}' if body.get("seconds") == float("inf") else None
    )  # JSON has no Infinity: sent raw, as a careless client would
    sent = control.post(path, content=content) if content else control.post(path, json=body)
    assert sent.status_code == 400 and "error" in sent.json()
    assert control.get("/clock").json()["mode"] == before["mode"]
    assert api.post("/chat/completions", json=CHAT).status_code == 200


def test_a_reset_gives_the_clock_back_its_mode_and_speed(tmp_path: Path) -> None:
    served = ServedFake(tmp_path / "serve.log", "--quiet", "--clock", "real")
    try:
        control = httpx.Client(base_url=served.url.removesuffix("/v1") + "/__oai_mock")
        control.post("/clock", json={"mode": "accelerated", "speed": 600})
        control.post("/reset", json={})
        clock = control.get("/clock").json()
        assert clock["mode"] == "real" and clock["speed"] == 1
        control.close()
    finally:
        served.stop()


def _fine_tuning_job(api: httpx.Client) -> str:
    training = api.post(
        "/files",
        files={"file": ("train.jsonl", b'{"messages": []}\n')},
        data={"purpose": "fine-tune"},
    ).json()
    job = api.post(
        "/fine_tuning/jobs", json={"model": "gpt-4o-mini", "training_file": training["id"]}
    )
    return str(job.json()["id"])


def test_lifecycles_advance_complete_fail_and_cancel_objects_by_id(
    control: httpx.Client, api: httpx.Client
) -> None:
    first, second, third = (_fine_tuning_job(api) for _ in range(3))
    listed = control.get("/lifecycles").json()
    assert listed["policy"] == "manual" and {t["id"] for t in listed["data"]} == {
        first,
        second,
        third,
    }
    assert api.get(f"/fine_tuning/jobs/{first}").json()["status"] == "validating_files"
    stepped = control.post(f"/lifecycles/{first}/advance").json()
    assert stepped["status"] == "queued"
    assert api.get(f"/fine_tuning/jobs/{first}").json()["status"] == "queued"
    assert control.post(f"/lifecycles/{first}/complete").json()["status"] == "succeeded"
    assert api.get(f"/fine_tuning/jobs/{first}").json()["status"] == "succeeded"
    error_of(control.post(f"/lifecycles/{first}/advance"), 400)  # nothing left to do

    failed = control.post(
        f"/lifecycles/{second}/fail", json={"code": "invalid_file", "message": "Bad line 3."}
    ).json()
    assert failed["status"] == "failed"
    job = api.get(f"/fine_tuning/jobs/{second}").json()
    assert job["status"] == "failed" and job["error"]["message"] == "Bad line 3."

    error_of(control.post(f"/lifecycles/{third}/advance", json={"to": "flying"}), 400)
    assert control.get(f"/lifecycles/{third}").json()["status"] == "validating_files"
    assert control.post(f"/lifecycles/{third}/cancel").json()["id"] == third
    assert api.get(f"/fine_tuning/jobs/{third}").json()["status"] == "cancelled"
    error_of(control.post("/lifecycles/ftjob-nope/complete"), 404)
    error_of(control.post(f"/lifecycles/{third}/explode"), 404)


def test_objects_per_kind_and_a_partial_reset(control: httpx.Client, api: httpx.Client) -> None:
    api.post("/files", files={"file": ("a.txt", b"hello")}, data={"purpose": "assistants"})
    api.post("/chat/completions", json=CHAT)
    control.post("/rules", json={"operation": "chat", "reply": {"content": "x"}})
    kinds = {k["kind"]: k for k in control.get("/objects").json()["data"]}
    assert kinds["file"]["count"] == 1 and kinds["file"]["ids"][0].startswith("file-")

    error_of(control.post("/reset", json={"state": "yes"}), 400)
    error_of(control.post("/reset", json={"everything": True}), 400)
    assert len(control.get("/journal").json()["data"]) == 2  # the refused resets did nothing

    assert control.post("/reset", json={"journal": False, "rules": False}).json() == {
        "reset": ["state", "clock"]
    }
    assert "file" not in {k["kind"] for k in control.get("/objects").json()["data"]}
    assert len(control.get("/journal").json()["data"]) == 2
    assert len(control.get("/rules").json()["data"]) == 1
    assert control.post("/reset").json() == {"reset": ["state", "journal", "rules", "clock"]}
    assert control.get("/journal").json()["data"] == []
    assert control.get("/rules").json()["data"] == []


def test_the_openapi_document_describes_every_endpoint_the_server_answers(
    control: httpx.Client,
) -> None:
    document = control.get("/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    described = {
        (method.upper(), path) for path, item in document["paths"].items() for method in item
    }
    events = ("GET", "/__oai_mock/events")
    assert described == {(m, "/__oai_mock" + p) for m, p, _ in ENDPOINTS} | {events}
    with control.stream("GET", "/events") as stream:  # the inspector's event stream
        assert stream.headers["content-type"].startswith("text/event-stream")
    for method, path in described - {events}:
        concrete = path.replace("{action}", "advance")
        for name in ("{rule_id}", "{exchange_id}", "{object_id}"):
            concrete = concrete.replace(name, "unknown")
        answer = control.request(method, concrete.removeprefix("/__oai_mock"), json={})
        # Every described endpoint exists: it answers, or refuses in the envelope, never 405.
        assert answer.status_code in (200, 201, 400, 404), (method, path, answer.text)
        if answer.status_code == 404:
            assert "unknown" in answer.json()["error"]["message"]
    rule = document["components"]["schemas"]["Rule"]
    assert {"operation", "reply", "fault", "times"} <= set(rule["properties"])


def test_a_server_without_a_key_leaves_the_control_api_open(tmp_path: Path) -> None:
    fake = ServedFake(tmp_path / "serve.log", "--quiet")
    try:
        base = fake.url.removesuffix("/v1")
        assert httpx.get(base + "/__oai_mock/health", timeout=10).status_code == 200
        # Paths near the prefix are OpenAI's 404, not the control API's.
        assert httpx.get(base + "/__oai_mockery", timeout=10).status_code == 404
    finally:
        assert fake.stop() == 0


def test_a_state_reset_forgets_what_a_new_mock_would_not_have() -> None:
    # The control API's reset of "state" and OpenAIMock.reset() forget the same things: stored
    # objects, objects made up for unknown ids, lifecycles, ids; the catalogue is a new mock's.
    from starlette.testclient import TestClient

    from oai_mock import OpenAIMock
    from oai_mock.mockserver.control import ControlContext, control_app
    from oai_mock.mockserver.control.exchanges import ExchangeLog

    mock = OpenAIMock(unknown_ids="synthesize", models=("my-model",))
    context = ControlContext(mock, ExchangeLog(10), key=None, file_rules=lambda: [])
    control = TestClient(control_app(context))
    api = mock.httpx_client()
    first = api.post("/vector_stores/vs_abc123/files", json={"file_id": "file-zzz999"}).json()
    assert api.post("/files", files={"file": ("a.txt", b"x")}, data={"purpose": "assistants"})
    api.delete("/models/my-model")
    assert mock.phantoms.count() == 1

    assert control.post("/__oai_mock/reset", json={"journal": False}).status_code == 200
    assert mock.phantoms.count() == 0
    assert api.get("/files").json()["data"] == []
    assert api.get("/models/my-model").status_code == 200
    again = api.post("/vector_stores/vs_abc123/files", json={"file_id": "file-zzz999"}).json()
    assert again == first  # made up again from nothing, as by a new mock
