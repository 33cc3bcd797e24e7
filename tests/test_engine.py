"""The engine: routing, validation like the real API, errors in OpenAI's envelope, determinism."""

from __future__ import annotations

import json
from typing import Any

import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oai_mock import ANY_KEY, OpenAIMock
from oai_mock.mockserver import MockRequest, MockResponse

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hello"}]}


def error_of(response: MockResponse) -> dict[str, Any]:
    assert response.header("content-type") == "application/json"
    body = orjson.loads(response.body)
    assert set(body) == {"error"}
    assert set(body["error"]) == {"message", "type", "param", "code"}
    error: dict[str, Any] = body["error"]
    return error


def post(
    mock: OpenAIMock, path: str, body: bytes, content_type: str = "application/json"
) -> MockResponse:
    return mock.handle(MockRequest.from_url("POST", path, {"content-type": content_type}, body))


def test_routes_with_and_without_the_v1_prefix() -> None:
    mock = OpenAIMock()
    assert mock.request("GET", "/v1/models").status == 200
    assert mock.request("GET", "/models").status == 200
    assert mock.journal[0].operation_id == "listModels"


def test_path_parameters_bind_and_literal_segments_win() -> None:
    mock = OpenAIMock(behaviours={})  # generic answers echo the path's ids
    run = mock.request("GET", "/v1/threads/thread_1/runs/run_9")
    assert run.status == 200
    assert orjson.loads(run.body)["id"] == "run_9"
    assert orjson.loads(run.body)["thread_id"] == "thread_1"
    compact = mock.request("POST", "/v1/responses/compact", json={"model": "gpt-4o"})
    assert mock.journal[-1].operation_id == "Compactconversation", compact.body


def test_literal_beta_query_selects_the_beta_operation() -> None:
    mock = OpenAIMock()
    mock.request("GET", "/v1/responses/resp_1/input_items?beta=true")
    mock.request("GET", "/v1/responses/resp_1/input_items")
    assert [e.operation_id for e in mock.journal] == ["beta_listInputItems", "listInputItems"]


def test_azure_deployment_urls_route_and_name_the_model() -> None:
    mock = OpenAIMock()
    response = mock.request(
        "POST",
        "/openai/deployments/my-gpt/chat/completions?api-version=2024-10-21",
        json={"messages": CHAT["messages"], "model": "my-gpt"},
    )
    assert response.status == 200
    assert orjson.loads(response.body)["model"] == "my-gpt"


def test_unknown_path_is_a_404_in_openai_shape() -> None:
    error = error_of(OpenAIMock().request("GET", "/v1/no/such/thing"))
    assert error["type"] == "invalid_request_error"
    assert error["message"] == "Invalid URL (GET /v1/no/such/thing)"


def test_wrong_method_is_a_405_naming_the_allowed_ones() -> None:
    response = OpenAIMock().request("PUT", "/v1/chat/completions")
    assert response.status == 405
    assert response.header("allow") == "GET, POST"
    assert "PUT /v1/chat/completions" in error_of(response)["message"]


def test_missing_required_field_names_the_param() -> None:
    response = OpenAIMock().request("POST", "/v1/chat/completions", json={"model": "gpt-4o"})
    assert response.status == 400
    error = error_of(response)
    assert error == {
        "message": "Missing required parameter: 'messages'.",
        "type": "invalid_request_error",
        "param": "messages",
        "code": "missing_required_parameter",
    }


def test_wrong_type_and_bad_enum_and_range_errors() -> None:
    mock = OpenAIMock()
    error = error_of(mock.request("POST", "/v1/chat/completions", json={**CHAT, "messages": "hi"}))
    assert error["param"] == "messages" and error["code"] == "invalid_type"
    assert "expected an array, but got a string" in error["message"]
    error = error_of(mock.request("POST", "/v1/chat/completions", json={**CHAT, "n": 0}))
    assert error["param"] == "n" and error["code"] == "integer_below_min_value"
    error = error_of(mock.request("POST", "/v1/chat/completions", json={**CHAT, "temperature": 3}))
    assert error["param"] == "temperature" and error["code"] == "decimal_above_max_value"
    error = error_of(
        mock.request(
            "POST", "/v1/embeddings", json={"model": "m", "input": "x", "encoding_format": "hex"}
        )
    )
    assert error["param"] == "encoding_format" and error["code"] == "invalid_value"
    assert "'float', 'base64'" in error["message"]


def test_nested_errors_name_the_path_like_openai() -> None:
    body = {**CHAT, "messages": [{"role": "user", "content": "hi"}, {"role": "user"}]}
    error = error_of(OpenAIMock().request("POST", "/v1/chat/completions", json=body))
    assert error["param"] is not None and error["param"].startswith("messages[1]")


def test_unrecognized_argument_is_rejected() -> None:
    error = error_of(OpenAIMock().request("POST", "/v1/chat/completions", json={**CHAT, "foo": 1}))
    assert error["message"] == "Unrecognized request argument supplied: foo"


def test_malformed_json_empty_body_and_wrong_content_type() -> None:
    mock = OpenAIMock()
    bad = post(mock, "/v1/chat/completions", b'{"model": ')
    assert bad.status == 400 and "could not parse the JSON body" in error_of(bad)["message"]
    empty = post(mock, "/v1/chat/completions", b"")
    assert empty.status == 400 and error_of(empty)["code"] == "missing_required_parameter"
    text = post(mock, "/v1/chat/completions", b"hello", "text/plain")
    assert (
        text.status == 415 and "Unsupported content type: 'text/plain'" in error_of(text)["message"]
    )
    array = post(mock, "/v1/chat/completions", b"[1, 2]")
    assert array.status == 400 and error_of(array)["code"] == "invalid_type"


def test_oversized_body_is_a_413() -> None:
    mock = OpenAIMock(max_body_bytes=1000)
    body = orjson.dumps({**CHAT, "messages": [{"role": "user", "content": "x" * 2000}]})
    response = post(mock, "/v1/chat/completions", body)
    assert response.status == 413
    assert "limit is 1000 bytes" in error_of(response)["message"]


def test_query_parameters_are_typed_and_validated() -> None:
    mock = OpenAIMock()
    assert mock.request("GET", "/v1/files?limit=5&order=asc").status == 200
    error = error_of(mock.request("GET", "/v1/files?limit=lots"))
    assert error["param"] == "limit" and error["code"] == "invalid_type"
    error = error_of(mock.request("GET", "/v1/files?order=sideways"))
    assert error["param"] == "order" and error["code"] == "invalid_value"


def test_a_value_no_union_branch_accepts_lists_every_branch_choice() -> None:
    # messages[0] is one of six message shapes told apart by role: the error lists all six
    # roles, not only those of the branch that came closest.
    body = {"model": "gpt-4o-mini", "messages": [{"role": "wizard", "content": "hi"}]}
    error = error_of(post(OpenAIMock(), "/v1/chat/completions", orjson.dumps(body)))
    assert error["param"] == "messages[0].role" and error["code"] == "invalid_value"
    for role in ("developer", "system", "user", "assistant", "tool", "function"):
        assert f"'{role}'" in error["message"]
    # A valid role with a missing field still names that field.
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user"}]}
    error = error_of(post(OpenAIMock(), "/v1/chat/completions", orjson.dumps(body)))
    assert error["code"] == "missing_required_parameter" and error["param"] == "messages[0].content"


def test_multipart_bodies_are_parsed_and_validated() -> None:
    mock = OpenAIMock()
    boundary = "XyZ"
    ok = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="purpose"\r\n\r\nbatch\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.jsonl"\r\n'
        "Content-Type: application/jsonl\r\n\r\n{}\n\r\n"
        f"--{boundary}--\r\n"
    ).encode()
    response = post(mock, "/v1/files", ok, f"multipart/form-data; boundary={boundary}")
    assert response.status == 200, response.body
    entry = mock.journal[-1]
    assert entry.body["purpose"] == "batch"
    assert entry.files["file"][0].data == b"{}\n"
    missing = ok.replace(b'name="purpose"\r\n\r\nbatch', b'name="purpose"\r\n\r\nnot-a-purpose')
    error = error_of(post(mock, "/v1/files", missing, f"multipart/form-data; boundary={boundary}"))
    assert error["param"] == "purpose"
    broken = post(mock, "/v1/files", b"garbage", "multipart/form-data; boundary=XyZ")
    assert broken.status == 400 and "multipart" in error_of(broken)["message"]


def test_api_key_enforcement() -> None:
    open_mock = OpenAIMock()
    assert open_mock.request("GET", "/v1/models").status == 200
    any_key = OpenAIMock(api_key=ANY_KEY)
    missing = any_key.request("GET", "/v1/models")
    assert missing.status == 401 and "didn't provide an API key" in error_of(missing)["message"]
    assert any_key.request("GET", "/v1/models", headers={"authorization": "Bearer x"}).status == 200
    exact = OpenAIMock(api_key="sk-right-key-1234")
    wrong = exact.request(
        "GET", "/v1/models", headers={"authorization": "Bearer sk-wrong-key-9999"}
    )
    error = error_of(wrong)
    assert wrong.status == 401 and error["code"] == "invalid_api_key"
    assert "sk-wrong-key-9999" not in error["message"] and error["message"].endswith("api-keys.")
    assert (
        exact.request(
            "GET", "/v1/models", headers={"authorization": "Bearer sk-right-key-1234"}
        ).status
        == 200
    )
    assert (
        exact.request("GET", "/v1/models", headers={"api-key": "sk-right-key-1234"}).status == 200
    )


def test_organization_and_project_headers_are_recorded_and_keys_scrubbed() -> None:
    mock = OpenAIMock()
    headers = {
        "authorization": "Bearer sk-secret-value-abcdef",
        "openai-organization": "org-1",
        "openai-project": "proj_2",
    }
    response = mock.request("GET", "/v1/models", headers=headers)
    assert response.header("openai-organization") == "org-1"
    recorded = mock.journal[0].headers
    assert recorded["openai-project"] == "proj_2"
    assert "secret" not in recorded["authorization"]


def test_responses_carry_openai_headers() -> None:
    response = OpenAIMock().request("GET", "/v1/models")
    request_id = response.header("x-request-id")
    assert request_id is not None and request_id.startswith("req_")
    assert response.header("x-ratelimit-remaining-requests") is not None


def test_same_seed_same_requests_give_identical_bytes() -> None:
    def run(seed: int) -> list[bytes]:
        mock = OpenAIMock(seed=seed)
        out = []
        for path, body in [
            ("/v1/chat/completions", CHAT),
            ("/v1/assistants", {"model": "gpt-4o"}),
            (
                "/v1/batches",
                {
                    "input_file_id": "file-1",
                    "endpoint": "/v1/chat/completions",
                    "completion_window": "24h",
                },
            ),
        ]:
            response = mock.request("POST", path, json=body)
            out.append(response.body + repr(response.headers).encode())
        return out

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_generic_answers_are_plausible() -> None:
    mock = OpenAIMock(behaviours={})  # the schema-synthesized answers alone
    chat = orjson.loads(mock.request("POST", "/v1/chat/completions", json=CHAT).body)
    assert chat["id"].startswith("chatcmpl-")
    assert chat["object"] == "chat.completion"
    assert chat["model"] == "gpt-4o-mini"
    assert chat["created"] == int(mock.clock.now())
    batch = orjson.loads(
        mock.request(
            "POST",
            "/v1/batches",
            json={
                "input_file_id": "file-abc",
                "endpoint": "/v1/chat/completions",
                "completion_window": "24h",
            },
        ).body
    )
    assert batch["id"].startswith("batch_") and batch["input_file_id"] == "file-abc"
    files = orjson.loads(mock.request("GET", "/v1/files").body)
    assert files["first_id"] == files["data"][0]["id"] == files["last_id"]
    assert files["has_more"] is False
    assistant = orjson.loads(
        mock.request("POST", "/v1/assistants", json={"model": "gpt-4o", "name": "Bob"}).body
    )
    assert assistant["id"].startswith("asst_") and assistant["name"] == "Bob"


def test_binary_operations_answer_bytes_of_their_kind() -> None:
    mock = OpenAIMock(behaviours={})
    content = mock.request("GET", "/v1/files/file-1/content")
    assert content.status == 200 and content.header("content-type") == "application/octet-stream"
    skill = mock.request("GET", "/v1/skills/skill_1/content")
    assert skill.body.startswith(b"PK\x03\x04")
    video = mock.request("GET", "/v1/videos/video_1/content")
    assert video.body[4:8] == b"ftyp"


def test_the_clock_moves_timestamps() -> None:
    mock = OpenAIMock()
    first = orjson.loads(mock.request("POST", "/v1/chat/completions", json=CHAT).body)["created"]
    mock.clock.advance(3600)
    second = orjson.loads(mock.request("POST", "/v1/chat/completions", json=CHAT).body)["created"]
    assert second - first == 3600


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    method=st.sampled_from(["GET", "POST", "DELETE", "PUT", "PATCH", "OPTIONS"]),
    path=st.sampled_from(
        [
            "/v1/chat/completions",
            "/v1/files",
            "/v1/threads/t/runs",
            "/v1/responses",
            "/v1/embeddings",
            "/v1/x",
        ]
    )
    | st.text(max_size=40).map(lambda s: "/v1/" + s),
    body=st.binary(max_size=300)
    | st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
        ),
        max_leaves=12,
    ).map(lambda v: json.dumps(v).encode()),
    content_type=st.sampled_from(
        ["application/json", "text/plain", "multipart/form-data; boundary=x", ""]
    ),
)
def test_no_input_makes_the_engine_answer_5xx(
    method: str, path: str, body: bytes, content_type: str
) -> None:
    mock = OpenAIMock()
    response = mock.handle(MockRequest(method, path, (), {"content-type": content_type}, body))
    assert response.status < 500, response.body
    if response.status >= 400:
        error_of(response)
    if response.stream is not None:
        b"".join(item for item in response.stream if isinstance(item, bytes))


@pytest.mark.parametrize(
    "op_id", ["createChatCompletion", "createEmbedding", "createFile", "createRun"]
)
def test_each_example_request_is_accepted(op_id: str) -> None:
    from oai_mock.contracts.examples import example_request

    mock = OpenAIMock(behaviours={})
    example = example_request(mock.bundle.operation(op_id))
    response = mock.handle(
        MockRequest.from_url(example.method, "/v1" + example.url, example.headers, example.body)
    )
    assert response.status == 200, response.body


def test_a_journal_limit_keeps_the_most_recent_requests() -> None:
    mock = OpenAIMock(journal_limit=3)
    for limit in (1, 2, 3, 4, 5):
        mock.request("GET", f"/v1/files?limit={limit}")
    assert [entry.query for entry in mock.journal] == [
        (("limit", "3"),),
        (("limit", "4"),),
        (("limit", "5"),),
    ]
    assert mock.journal[-1].query == (("limit", "5"),)
    assert len(OpenAIMock().journal) == 0  # no limit by default: every request is kept
    with pytest.raises(ValueError, match="journal limit"):
        OpenAIMock(journal_limit=-1)


def test_generic_answer_is_built_once_even_when_an_echo_would_not_fit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``quality="auto"`` is a valid request but not a valid answer (the answer's enum has three
    values): the synthesizer leaves that field to the schema and echoes the rest, in one build."""
    mock = OpenAIMock(behaviours={})
    builds = []
    build = mock.synthesizer.build
    monkeypatch.setattr(mock.synthesizer, "build", lambda *a: builds.append(1) or build(*a))
    body = {"prompt": "a cat", "quality": "auto", "size": "auto", "output_format": "webp"}
    answer = mock.request("POST", "/v1/images/generations", json=body)
    assert answer.status == 200
    value = orjson.loads(answer.body)
    assert len(builds) == 1
    assert mock.checker.is_valid(value, mock.bundle.operation("createImage").success_schema or {})
    assert value["quality"] in ("low", "medium", "high")
    assert value["size"] in ("1024x1024", "1024x1536", "1536x1024")
    assert value["output_format"] == "webp"  # the fields that fit are still echoed
