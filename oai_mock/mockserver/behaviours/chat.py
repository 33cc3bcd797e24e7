"""Chat completions: replies that honour the request, tool calls and structured outputs valid
against the schemas the request gives, logprobs, usage that adds up, and OpenAI's streams."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import orjson

from oai_mock.mockserver import streams
from oai_mock.mockserver.behaviours import text
from oai_mock.mockserver.behaviours.instances import instance_or_error
from oai_mock.mockserver.behaviours.models import require_model
from oai_mock.mockserver.generic import stream_response
from oai_mock.mockserver.messages import MockResponse
from oai_mock.mockserver.requests import Call
from oai_mock.mockserver.scenario import Reply, ToolCall

if TYPE_CHECKING:
    from oai_mock.mockserver.context import Behaviour, BehaviourContext

JSON = dict[str, Any]


def create_chat_completion(call: Call, mock: BehaviourContext) -> MockResponse | JSON:
    completion = build_completion(call, mock)
    if call.wants_stream:
        options = call.json.get("stream_options") or {}
        chunks = streams.chat_chunks_from_completion(completion, bool(options.get("include_usage")))
        return stream_response(streams.chat_stream(chunks))
    if call.json.get("store"):
        mock.state.put(
            "chat.completion", completion["id"], {"completion": completion, "request": call.json}
        )
    return completion


def build_completion(call: Call, mock: BehaviourContext) -> JSON:
    body = call.json
    require_model(mock, body.get("model"))
    model = str(body.get("model") or call.deployment or "gpt-4o-mini")
    messages: list[Any] = list(body.get("messages") or [])
    n = int(body.get("n") or 1)
    scripted = call.scripted
    choices = [_choice(call, mock, model, messages, index, scripted) for index in range(n)]
    completion_tokens = sum(c.pop("_tokens") for c in choices)
    prompt = text.prompt_tokens(messages)
    service_tier = body.get("service_tier")
    return {
        "id": mock.ids.next("chatcmpl-"),
        "object": "chat.completion",
        "created": mock.clock.timestamp(),
        "model": model,
        "choices": choices,
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt + completion_tokens,
            "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        },
        "service_tier": service_tier
        if service_tier in ("flex", "scale", "priority")
        else "default",
        "system_fingerprint": fingerprint(model),
    }


@lru_cache(maxsize=256)
def fingerprint(model: str) -> str:
    return "fp_" + hashlib.sha256(model.encode()).hexdigest()[:10]


def _choice(
    call: Call,
    mock: BehaviourContext,
    model: str,
    messages: list[Any],
    index: int,
    scripted: Reply | None,
) -> JSON:
    body = call.json
    message: JSON = {"role": "assistant", "content": None, "refusal": None, "annotations": []}
    finish = "stop"
    tokens = 0
    limit = body.get("max_completion_tokens") or body.get("max_tokens")
    tool_calls = _tool_calls(call, mock, scripted, index)
    legacy_call = _function_call(body) if not tool_calls else None
    if scripted is not None and scripted.refusal is not None:
        message["refusal"] = scripted.refusal
        tokens = text.count_tokens(scripted.refusal)
    elif tool_calls:
        message["tool_calls"] = tool_calls
        finish = "tool_calls"
        tokens, cut = _cut_arguments(tool_calls, limit if isinstance(limit, int) else None)
        if cut:  # max_tokens reached inside the arguments: OpenAI stops there too
            finish = "length"
    elif legacy_call is not None:
        message["function_call"] = legacy_call
        finish = "function_call"
        tokens = text.count_tokens(legacy_call["arguments"])
    else:
        content = _content(call, mock, model, messages, index, scripted)
        content, _ = text.apply_stop(content, body.get("stop"))
        truncated = False
        if isinstance(limit, int):
            content, truncated = text.truncate_tokens(content, limit)
        finish = "length" if truncated else "stop"
        message["content"] = content
        tokens = text.count_tokens(content)
    if scripted is not None and scripted.finish_reason:
        finish = scripted.finish_reason
    logprobs = None
    if body.get("logprobs"):
        top = int(body.get("top_logprobs") or 0)
        logprobs = {"content": text.logprobs_for(message["content"] or "", top), "refusal": None}
    return {
        "index": index,
        "message": message,
        "logprobs": logprobs,
        "finish_reason": finish,
        "_tokens": tokens,
    }


def _tool_output(message: Any) -> str | None:
    if isinstance(message, dict) and message.get("role") == "tool":
        return text.message_text(message.get("content"))
    return None


def _content(
    call: Call,
    mock: BehaviourContext,
    model: str,
    messages: list[Any],
    index: int,
    scripted: Reply | None,
) -> str:
    body = call.json
    if scripted is not None and scripted.json is not None:
        return orjson.dumps(scripted.json).decode()
    if scripted is not None and scripted.content is not None:
        return scripted.content
    outputs = text.trailing_outputs(messages, _tool_output)
    if outputs:
        reply = text.tool_results_reply(outputs)
    else:
        last_user = next(
            (
                text.message_text(m.get("content"))
                for m in reversed(messages)
                if isinstance(m, dict) and m.get("role") == "user"
            ),
            "",
        )
        reply = text.default_reply(body.get("seed", mock.seed), model, messages, last_user, index)
    response_format = body.get("response_format") or {}
    kind = response_format.get("type") if isinstance(response_format, dict) else None
    if kind == "json_schema":
        spec = response_format.get("json_schema") or {}
        schema = spec.get("schema") or {"type": "object"}
        return orjson.dumps(
            instance_or_error(
                schema,
                f"{reply}:{index}",
                "response_format",
                f"response_format '{spec.get('name', '')}'",
            )
        ).decode()
    if kind == "json_object":
        return orjson.dumps({"reply": reply}).decode()
    return reply


def function_tools(body: Mapping[str, Any]) -> dict[str, Mapping[str, Any]]:
    """The request's function tools by name, each with its parameters schema."""
    out: dict[str, Mapping[str, Any]] = {}
    for tool in body.get("tools") or []:
        if isinstance(tool, dict) and tool.get("type") == "function":
            function = tool.get("function") or {}
            out[str(function.get("name"))] = function.get("parameters") or {
                "type": "object",
                "properties": {},
            }
    return out


def forced_tool_names(body: Mapping[str, Any], tools: Sequence[str]) -> list[str]:
    """The tools ``tool_choice`` forces: a named function, or the first tool for ``required``
    (every tool, when ``parallel_tool_calls`` is left on and there are several)."""
    choice = body.get("tool_choice")
    if isinstance(choice, dict):
        name = (choice.get("function") or {}).get("name") or choice.get("name")
        if name is None and choice.get("type") == "allowed_tools":
            allowed = (choice.get("allowed_tools") or {}).get("tools") or []
            names = [(t.get("function") or {}).get("name") or t.get("name") for t in allowed]
            return [str(n) for n in names[:1] if n]
        return [str(name)] if name else []
    if choice == "required" and tools:
        return list(tools[:1])
    return []


def _tool_calls(
    call: Call, mock: BehaviourContext, scripted: Reply | None, index: int
) -> list[JSON]:
    body = call.json
    tools = function_tools(body)
    wanted: list[ToolCall]
    if scripted is not None and scripted.tool_calls:
        wanted = list(scripted.tool_calls)
    elif body.get("tool_choice") == "none":
        return []
    else:
        wanted = [ToolCall(name) for name in forced_tool_names(body, list(tools))]
    out = []
    for position, wish in enumerate(wanted):
        arguments = wish.arguments
        if arguments is None:
            schema = tools.get(wish.name, {"type": "object", "properties": {}})
            arguments = instance_or_error(
                schema,
                f"{wish.name}:{index}:{position}",
                f"tools[{position}].function.parameters",
                f"function '{wish.name}'",
            )
        text_arguments = (
            arguments if isinstance(arguments, str) else orjson.dumps(arguments).decode()
        )
        out.append(
            {
                "id": wish.id or mock.ids.next("call_"),
                "type": "function",
                "function": {"name": wish.name, "arguments": text_arguments},
            }
        )
    return out


def _cut_arguments(tool_calls: list[JSON], limit: int | None) -> tuple[int, bool]:
    """The tokens the calls' arguments spend, and whether ``limit`` ran out inside them: then
    the arguments are cut there and the calls after it dropped."""
    spent = 0
    for position, call in enumerate(tool_calls):
        arguments = call["function"]["arguments"]
        count = text.count_tokens(arguments)
        if limit is not None and spent + count > limit:
            call["function"]["arguments"], _ = text.truncate_tokens(arguments, limit - spent)
            del tool_calls[position + 1 :]
            return limit, True
        spent += count
    return spent, False


def _function_call(body: Mapping[str, Any]) -> JSON | None:
    """The deprecated ``functions`` / ``function_call`` form."""
    choice = body.get("function_call")
    if not isinstance(choice, dict) or "name" not in choice:
        return None
    for function in body.get("functions") or []:
        if function.get("name") == choice["name"]:
            schema = function.get("parameters") or {"type": "object", "properties": {}}
            arguments = instance_or_error(
                schema, choice["name"], "functions.parameters", f"function '{choice['name']}'"
            )
            return {"name": choice["name"], "arguments": orjson.dumps(arguments).decode()}
    return None


OPERATIONS: dict[str, Behaviour] = {
    "createChatCompletion": create_chat_completion,
}
