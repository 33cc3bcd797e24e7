"""The answer of any operation that no behaviour refines: synthesized from its response schema,
streamed in its family's framing when the request asks for a stream."""

from __future__ import annotations

import copy
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

import orjson

from oai_mock.mockserver import media, streams
from oai_mock.mockserver.messages import Event, MockResponse
from oai_mock.mockserver.requests import Call
from oai_mock.mockserver.response_stream import response_events
from oai_mock.mockserver.synthesis import Context, subject_id

if TYPE_CHECKING:
    from oai_mock.mockserver.context import BehaviourContext

JSON = dict[str, Any]


def synthesis_context(call: Call, mock: BehaviourContext) -> Context:
    body = call.json
    model = body.get("model") or call.query.get("model") or call.deployment
    host = call.request.header("host") or "127.0.0.1:8000"
    return Context(
        body=body,
        path_params=call.path_params,
        subject_id=subject_id(call.operation.path_template, call.path_params),
        model=model if isinstance(model, str) and model else "gpt-4o-mini",
        base_url=f"http://{host}/v1",
        key=request_key(call, mock.seed),
    )


def request_key(call: Call, seed: int) -> str:
    """What makes two requests "the same" for deterministic answers: the operation and the
    body, less the fields that only change how the answer is delivered (streaming)."""
    body = call.body
    if isinstance(body, dict):
        body = {k: v for k, v in body.items() if k not in ("stream", "stream_options")}
        text = orjson.dumps(body, option=orjson.OPT_SORT_KEYS).decode()
    else:
        text = call.request.body.decode("utf-8", "replace")
    return f"{seed}:{call.operation.id}:{call.path_params}:{text}"


def generic_answer(call: Call, mock: BehaviourContext) -> MockResponse:
    op = call.operation
    if call.wants_stream:
        return stream_response(generic_events(call, mock))
    if op.response_kind == "binary":
        data = media.for_media_type(op.binary_media_type or "application/octet-stream")
        return MockResponse(
            op.success_status, [("content-type", op.binary_media_type or "")], body=data
        )
    if op.response_kind == "empty" or op.success_schema is None:
        return MockResponse(op.success_status, [("content-type", "application/json")])
    return json_response(synthesize(op.success_schema, call, mock), op.success_status)


def synthesize(schema: Mapping[str, Any], call: Call, mock: BehaviourContext) -> Any:
    """A value for ``schema`` built for this call, in one pass: a request field is echoed only
    where the response schema admits its value (a request field can be wider than the
    response's), so the answer is valid without a second build."""
    context = synthesis_context(call, mock)
    context.admits = mock.checker.is_valid
    return mock.synthesizer.build(schema, context)


def json_response(value: Any, status: int = 200) -> MockResponse:
    """A JSON answer, kept as its value (an adapter encodes it)."""
    return MockResponse(status, [("content-type", "application/json")], value=value)


def stream_response(events: Iterator[Event]) -> MockResponse:
    return MockResponse(
        200,
        [("content-type", "text/event-stream; charset=utf-8"), ("cache-control", "no-cache")],
        stream=iter(events),
    )


def generic_events(call: Call, mock: BehaviourContext) -> Iterator[Event]:
    op = call.operation
    streaming = op.streaming
    assert streaming is not None
    if streaming.kind == "chat":
        schema = op.success_schema or streaming.event_schema
        answer = synthesize(schema, call, mock)
        if answer.get("object") == "text_completion":
            return streams.chat_stream(streams.completion_chunks(answer))
        options = call.json.get("stream_options") or {}
        include_usage = bool(options.get("include_usage"))
        return streams.chat_stream(streams.chat_chunks_from_completion(answer, include_usage))
    if streaming.kind == "responses":
        response = synthesize({"$ref": "#/$defs/Response"}, call, mock)
        response["status"] = "completed"  # the answer of a stream that ran to its end
        return streams.responses_stream(response_events(response))
    if streaming.kind == "assistants":
        return streams.assistants_stream(run_lifecycle_events(call, mock))
    return streams.typed_stream(typed_events(call, mock), streaming.event_lines)


def run_lifecycle_events(call: Call, mock: BehaviourContext) -> list[tuple[str, JSON]]:
    events: list[tuple[str, JSON]] = []
    run = synthesize({"$ref": "#/$defs/RunObject"}, call, mock)
    if call.operation.id == "createThreadAndRun":
        thread = synthesize({"$ref": "#/$defs/ThreadObject"}, call, mock)
        thread["id"] = run["thread_id"]
        events.append(("thread.created", thread))
    for status in ("queued", "in_progress", "completed"):
        state = copy.deepcopy(run)
        state["status"] = status
        if status == "queued":
            events.append(("thread.run.created", copy.deepcopy(state)))
        events.append((f"thread.run.{status}", state))
    return events


def typed_events(call: Call, mock: BehaviourContext) -> list[JSON]:
    """One terminal event (``*.completed`` / ``*.done``) of the operation's event union."""
    streaming = call.operation.streaming
    assert streaming is not None
    union = mock.bundle.refs.resolve(streaming.event_schema)
    mapping: Mapping[str, str] = (union.get("discriminator") or {}).get("mapping", {})
    terminal = [t for t in mapping if t.endswith((".completed", ".done"))] or list(mapping)
    if not terminal:
        return [synthesize(streaming.event_schema, call, mock)]
    target = mapping[terminal[0]]
    schema = {"$ref": target} if target.startswith("#/$defs/") else streaming.event_schema
    event = synthesize(schema, call, mock)
    event["type"] = terminal[0]
    return [event]
