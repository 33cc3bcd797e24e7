"""Deviations that OpenAI-compatible servers are documented or reported to show, reproduced on
demand: ``OpenAIMock(quirks={"no-done", "finish-reason-eos"})``, ``oai-mock serve --quirk
NAME`` or ``@pytest.mark.oai_mock(quirks=[...])``.

The faithful mock shows none of them. Each quirk changes the request the behaviour sees (a
parameter ignored), the JSON answer, the stream, or the errors, and nothing else, so a contract
run against the mock with one quirk on must report that quirk and only that.
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import orjson

from oai_mock.mockserver.errors import INVALID_JSON_MESSAGE, APIError
from oai_mock.mockserver.messages import Event, Framing, MockResponse, StreamItem
from oai_mock.mockserver.requests import Call
from oai_mock.mockserver.wire import OPENAI_FRAMING
from oai_mock.sse import DONE

JSON = dict[str, Any]


@dataclass(frozen=True)
class Quirk:
    name: str
    description: str
    seen_in: str
    """Where servers are reported to do it."""


CATALOGUE: tuple[Quirk, ...] = (
    Quirk(
        "no-done",
        "chat streams end without the data: [DONE] event",
        "early llama.cpp and TGI streams",
    ),
    Quirk(
        "data-no-space",
        "SSE lines written data:{json}, without the space",
        "several Go and Rust servers",
    ),
    Quirk("crlf-lines", "SSE lines end with CRLF", "servers behind Windows proxies"),
    Quirk(
        "tool-delta-no-index",
        "streamed tool-call deltas carry no index",
        "Ollama and vLLM tool parsers",
    ),
    Quirk(
        "tool-arguments-object",
        "tool-call arguments sent as a JSON object, not a string",
        "Ollama's native format leaking through",
    ),
    Quirk(
        "usage-chunk-unasked",
        "the usage chunk is sent without stream_options.include_usage",
        "vLLM (continuous usage stats)",
    ),
    Quirk(
        "choices-null-usage-chunk",
        "the usage chunk has choices: null instead of []",
        "Azure content-filter chunks, LiteLLM",
    ),
    Quirk(
        "include-usage-ignored",
        "stream_options.include_usage is ignored: no usage chunk",
        "many gateways",
    ),
    Quirk("finish-reason-eos", "finish_reason is 'eos' instead of 'stop'", "TGI"),
    Quirk(
        "finish-reason-stop-for-tools",
        "finish_reason is 'stop' when tool calls were made",
        "vLLM and llama.cpp tool parsers",
    ),
    Quirk("finish-reason-missing", "the final choice has no finish_reason", "minimal servers"),
    Quirk("missing-object", "answers omit the object field", "minimal servers"),
    Quirk("missing-id", "answers omit the id field", "minimal servers"),
    Quirk("missing-created", "answers omit the created field", "minimal servers"),
    Quirk("created-zero", "created is 0", "servers without a clock in the response path"),
    Quirk(
        "usage-wrong-total",
        "usage.total_tokens is not prompt + completion",
        "servers that count cached tokens twice",
    ),
    Quirk(
        "fastapi-errors",
        "errors are FastAPI's {'detail': ...} instead of OpenAI's envelope",
        "FastAPI-based servers",
    ),
    Quirk("plain-text-errors", "errors are plain text", "reverse proxies in front of a server"),
    Quirk(
        "500-on-bad-json",
        "malformed JSON bodies get a 500 instead of a 400",
        "servers without request validation",
    ),
    Quirk("n-ignored", "n is ignored: one choice", "llama.cpp, most local servers"),
    Quirk("max-tokens-ignored", "max_tokens is ignored", "some gateways"),
    Quirk("logprobs-ignored", "logprobs is ignored: logprobs null", "many local servers"),
    Quirk("stop-ignored", "stop sequences are ignored", "some gateways"),
    Quirk(
        "stream-content-type",
        "streams are sent as application/json instead of text/event-stream",
        "misconfigured proxies",
    ),
    Quirk(
        "changing-chunk-id",
        "the chunk id changes from chunk to chunk",
        "servers that id each chunk",
    ),
    Quirk(
        "unknown-arguments-accepted",
        "unknown body arguments are accepted silently",
        "most compatible servers",
    ),
    Quirk(
        "json-schema-ignored",
        "response_format json_schema is ignored: plain text",
        "servers without guided decoding",
    ),
    Quirk(
        "tool-choice-ignored",
        "a forced tool_choice is ignored: plain text",
        "servers with weak tool support",
    ),
    Quirk("dimensions-ignored", "embeddings ignore dimensions", "self-hosted embedding servers"),
    Quirk(
        "base64-ignored",
        "embeddings ignore encoding_format base64",
        "self-hosted embedding servers",
    ),
    Quirk(
        "auth-error-500",
        "a request without a valid key gets a 500 text/plain 'Internal Server Error'",
        "LiteLLM's proxy (measured, see its provider profile)",
    ),
    Quirk(
        "chunk-finish-reason-omitted",
        "stream chunks omit finish_reason until the last (the spec requires it, null)",
        "LiteLLM's proxy (measured)",
    ),
    Quirk(
        "usage-chunk-with-choice",
        'the usage chunk carries choices: [{"index": 0, "delta": {}}] instead of []',
        "LiteLLM's proxy (measured)",
    ),
    Quirk(
        "refusal-omitted",
        "messages lack refusal (the spec requires it, null when there is none)",
        "mockllm 0.0.8 and ai-mock 0.3.1 (measured, see their provider profiles)",
    ),
    Quirk(
        "logprobs-omitted",
        "choices lack logprobs (the spec requires it, null when not asked for)",
        "mockllm 0.0.8 (measured)",
    ),
    Quirk(
        "delta-role-null",
        'stream deltas after the first carry "role": null instead of leaving role out',
        "mockllm 0.0.8 (measured)",
    ),
    Quirk(
        "unknown-model-400",
        'an unknown model gets a 400 whose code is the string "400", not a 404 model_not_found',
        "LiteLLM's proxy (measured)",
    ),
    Quirk(
        "n-above-one-400",
        "a chat request whose n is not 1 gets a 400",
        "Groq (documented, see its provider profile)",
    ),
    Quirk(
        "logprobs-400",
        "a chat request carrying logprobs, top_logprobs or logit_bias gets a 400",
        "Groq (documented)",
    ),
)
NAMES = frozenset(q.name for q in CATALOGUE)


def check_names(names: set[str] | frozenset[str]) -> frozenset[str]:
    unknown = sorted(set(names) - NAMES)
    if unknown:
        raise ValueError(f"unknown quirk(s) {unknown}; the catalogue: {sorted(NAMES)}")
    return frozenset(names)


# -- requests: parameters a quirky server ignores --------------------------------------------


IGNORED_PARAMETERS = {
    "n-ignored": ("n",),
    "max-tokens-ignored": ("max_tokens", "max_completion_tokens"),
    "logprobs-ignored": ("logprobs", "top_logprobs"),
    "stop-ignored": ("stop",),
    "json-schema-ignored": ("response_format",),
    "tool-choice-ignored": ("tool_choice",),
    "dimensions-ignored": ("dimensions",),
    "base64-ignored": ("encoding_format",),
}


# Chat fields a quirky server refuses with a 400 when they are present at all (whatever their
# value), as its documentation states; the message is ours, only the status is documented.
REFUSED_CHAT_FIELDS = {"logprobs-400": ("logprobs", "top_logprobs", "logit_bias")}


def _refuse_chat_fields(quirks: frozenset[str], body: JSON) -> None:
    if "n-above-one-400" in quirks and body.get("n", 1) != 1:
        raise APIError(400, "n must be 1", param="n")
    for quirk, names in REFUSED_CHAT_FIELDS.items():
        present = [name for name in names if name in body] if quirk in quirks else []
        if present:
            raise APIError(400, f"'{present[0]}' is not supported", param=present[0])


def adjust_request(quirks: frozenset[str], call: Call) -> None:
    if not isinstance(call.body, dict):
        return
    if call.operation.id == "createChatCompletion":
        _refuse_chat_fields(quirks, call.body)
    for quirk, names in IGNORED_PARAMETERS.items():
        if quirk in quirks:
            for name in names:
                call.body.pop(name, None)
    if "include-usage-ignored" in quirks and isinstance(call.body.get("stream_options"), dict):
        call.body["stream_options"] = {
            k: v for k, v in call.body["stream_options"].items() if k != "include_usage"
        }
    if "usage-chunk-unasked" in quirks and call.body.get("stream"):
        call.body["stream_options"] = {
            **(call.body.get("stream_options") or {}),
            "include_usage": True,
        }


# -- answers -------------------------------------------------------------------------------------


def _choice_edits(quirks: frozenset[str], choice: JSON) -> None:
    if choice.get("finish_reason") == "stop" and "finish-reason-eos" in quirks:
        choice["finish_reason"] = "eos"
    if choice.get("finish_reason") == "tool_calls" and "finish-reason-stop-for-tools" in quirks:
        choice["finish_reason"] = "stop"
    if "finish-reason-missing" in quirks and choice.get("finish_reason") is not None:
        del choice["finish_reason"]
    if (
        "chunk-finish-reason-omitted" in quirks
        and "delta" in choice
        and choice.get("finish_reason", "") is None
    ):
        del choice["finish_reason"]
    message = choice.get("message")
    if "refusal-omitted" in quirks and isinstance(message, dict):
        message.pop("refusal", None)
    if "logprobs-omitted" in quirks and "message" in choice and choice.get("logprobs") is None:
        choice.pop("logprobs", None)
    delta = choice.get("delta")
    if "delta-role-null" in quirks and isinstance(delta, dict) and "role" not in delta:
        delta["role"] = None
    carrier = choice.get("message") or choice.get("delta") or {}
    for call in carrier.get("tool_calls") or []:
        if "tool-arguments-object" in quirks and isinstance(
            call.get("function", {}).get("arguments"), str
        ):
            # A fragment of a streamed argument string is not JSON: it stays as it is.
            with contextlib.suppress(orjson.JSONDecodeError):
                call["function"]["arguments"] = orjson.loads(call["function"]["arguments"])
        if "tool-delta-no-index" in quirks and "delta" in choice:
            call.pop("index", None)


OBJECT_QUIRKS = frozenset(
    {
        "finish-reason-eos",
        "finish-reason-stop-for-tools",
        "finish-reason-missing",
        "chunk-finish-reason-omitted",
        "refusal-omitted",
        "logprobs-omitted",
        "delta-role-null",
        "tool-arguments-object",
        "tool-delta-no-index",
        "missing-object",
        "missing-id",
        "missing-created",
        "created-zero",
        "usage-wrong-total",
        "choices-null-usage-chunk",
        "usage-chunk-with-choice",
        "changing-chunk-id",
    }
)
"""The quirks :func:`edit_object` acts on: with none of them, a JSON answer is left alone
(tests/test_quirks.py checks the list against what ``edit_object`` changes)."""


def edit_object(quirks: frozenset[str], value: JSON, chunk_number: int = 0) -> JSON:
    for choice in value.get("choices") or []:
        if isinstance(choice, dict):
            _choice_edits(quirks, choice)
    if "missing-object" in quirks:
        value.pop("object", None)
    if "missing-id" in quirks:
        value.pop("id", None)
    if "missing-created" in quirks:
        value.pop("created", None)
    if "created-zero" in quirks and "created" in value:
        value["created"] = 0
    usage = value.get("usage")
    if "usage-wrong-total" in quirks and isinstance(usage, dict) and "total_tokens" in usage:
        usage["total_tokens"] += 7
    if "choices-null-usage-chunk" in quirks and value.get("choices") == [] and value.get("usage"):
        value["choices"] = None
    if "usage-chunk-with-choice" in quirks and value.get("choices") == [] and value.get("usage"):
        value["choices"] = [{"index": 0, "delta": {}}]
    if "changing-chunk-id" in quirks and chunk_number and isinstance(value.get("id"), str):
        value["id"] = f"{value['id']}-{chunk_number}"
    return value


def _framing(quirks: frozenset[str]) -> Framing | None:
    """The stream framing the quirks ask for; None for OpenAI's."""
    framing = Framing(
        data_prefix="data:" if "data-no-space" in quirks else "data: ",
        line_end="\r\n" if "crlf-lines" in quirks else "\n",
    )
    return None if framing == OPENAI_FRAMING else framing


def _edit_events(quirks: frozenset[str], items: Iterator[StreamItem]) -> Iterator[StreamItem]:
    number = 0
    for item in items:
        event = _as_event(item) if isinstance(item, bytes) else item
        if not isinstance(event, Event) or event.name is not None:
            yield item
            continue
        if event.data == DONE:
            if "no-done" not in quirks:
                yield item
            continue
        if isinstance(event.data, dict):
            edit_object(quirks, event.data, number)
            number += 1
            yield event
        else:
            yield item


def _as_event(frame: bytes) -> Event | None:
    """A frame that came as bytes (a recorded answer), read as the chat event it carries, so that
    a quirk edits it as it edits the fake's own events."""
    if frame == b"data: [DONE]\n\n":
        return Event(DONE)
    if not (frame.startswith(b"data: {") and frame.endswith(b"}\n\n")) or b"\n" in frame[:-2]:
        return None
    try:
        return Event(orjson.loads(frame[6:-2]))
    except orjson.JSONDecodeError:
        return None


def adjust_error(quirks: frozenset[str], error: APIError) -> None:
    """Errors raised while reading the request, as a quirky backend reports them."""
    if "500-on-bad-json" in quirks and error.message == INVALID_JSON_MESSAGE:
        error.status = 500


def adjust_response(
    quirks: frozenset[str], call: Call | None, response: MockResponse
) -> MockResponse:
    if response.status >= 400:
        return _error(quirks, response, call)
    if response.events is not None:
        if (
            call is not None
            and call.operation.streaming is not None
            and call.operation.streaming.kind == "chat"
        ):
            response.events = _edit_events(quirks, response.events)
            response.framing = _framing(quirks) or response.framing
        if "stream-content-type" in quirks:
            response.set_header("content-type", "application/json")
        return response
    if not quirks & OBJECT_QUIRKS:
        return response
    media = response.header("content-type") or ""
    if media.startswith("application/json"):
        # A value the behaviour built may also be a record it stored (a stored chat
        # completion), which must stay as the faithful fake made it: it is edited as a copy. A
        # value decoded from the answer's bytes is the answer's own.
        shared = response.holds_value
        value = response.value
        if isinstance(value, dict):
            response.value = edit_object(quirks, copy.deepcopy(value) if shared else value)
    return response


def _error(
    quirks: frozenset[str], response: MockResponse, call: Call | None = None
) -> MockResponse:
    if "auth-error-500" in quirks and response.status == 401:
        response.status = 500
        response.body = b"Internal Server Error"
        response.set_header("content-type", "text/plain; charset=utf-8")
        return response
    named_in_body = call is not None and isinstance(call.body, dict) and "model" in call.body
    if "unknown-model-400" in quirks and named_in_body and response.status == 404:
        # measured on requests naming a model, not on GET /models/{id}
        error = _error_object(response)
        if error is not None and error.get("code") == "model_not_found":
            error["code"] = "400"
            response.value = {**response.value, "error": error}
            response.status = 400
        return response
    if not ({"fastapi-errors", "plain-text-errors"} & quirks):
        return response
    error = _error_object(response)
    if error is None or "message" not in error:
        return response
    message = error["message"]
    if "fastapi-errors" in quirks:
        response.value = {"detail": message}
    else:
        response.body = str(message).encode()
        response.set_header("content-type", "text/plain; charset=utf-8")
    return response


def _error_object(response: MockResponse) -> JSON | None:
    """The ``error`` object of an answer in OpenAI's envelope (None for any other answer)."""
    if not (response.header("content-type") or "").startswith("application/json"):
        return None
    value = response.value
    error = value.get("error") if isinstance(value, dict) else None
    return error if isinstance(error, dict) else None
