"""The Responses API: create (stored by default), retrieve, delete, cancel, input items, token
counts, ``previous_response_id`` chaining, conversations, background responses that move
``queued -> in_progress -> completed`` on the mock's lifecycles (one step per retrieve by
default), and the real event stream."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import orjson

from oai_mock.mockserver import streams
from oai_mock.mockserver.behaviours import text
from oai_mock.mockserver.behaviours.instances import instance_or_error
from oai_mock.mockserver.behaviours.models import require_model
from oai_mock.mockserver.errors import invalid_request, not_found
from oai_mock.mockserver.generic import stream_response
from oai_mock.mockserver.messages import MockResponse
from oai_mock.mockserver.requests import Call
from oai_mock.mockserver.response_stream import response_events
from oai_mock.mockserver.scenario import ToolCall
from oai_mock.mockserver.state import paginate_query

if TYPE_CHECKING:
    from oai_mock.mockserver.context import Behaviour, BehaviourContext

JSON = dict[str, Any]
RESPONSE = "response"
CONVERSATION = "conversation"
BACKGROUND_STEPS = ("queued", "in_progress", "completed")


# -- input and context ---------------------------------------------------------------------


def input_items(value: Any, mock: BehaviourContext) -> list[JSON]:
    """The request's ``input`` as stored items, each with an id."""
    if isinstance(value, str):
        value = [{"role": "user", "content": value}]
    items = []
    for raw in value or []:
        if not isinstance(raw, dict):
            continue
        item = copy.deepcopy(raw)
        if "role" in item and item.get("type", "message") == "message":
            item["type"] = "message"
            content = item.get("content")
            if isinstance(content, str):
                kind = "output_text" if item["role"] == "assistant" else "input_text"
                item["content"] = [{"type": kind, "text": content}]
            item.setdefault("status", "completed")
            item.setdefault("id", mock.ids.next("msg_"))
        elif item.get("type") == "function_call_output":
            item.setdefault("id", mock.ids.next("fco_"))
            item.setdefault("status", "completed")
        items.append(item)
    return items


def item_text(item: JSON) -> str:
    content = item.get("content")
    if isinstance(content, list):
        return " ".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    if item.get("type") == "function_call_output":
        return str(item.get("output", ""))
    return str(content or "")


def _function_output(item: JSON) -> str | None:
    return item_text(item) if item.get("type") == "function_call_output" else None


def context_turns(call: Call, mock: BehaviourContext) -> list[JSON]:
    """Earlier turns the request builds on: a previous response's chain or a conversation."""
    body = call.json
    previous = body.get("previous_response_id")
    if previous and _conversation_id(body):  # the API reference: not both
        raise invalid_request(
            "Mutually exclusive parameters: Ensure you are only providing one of: "
            "'previous_response_id' or 'conversation'.",
            "previous_response_id",
        )
    if previous:
        stored = mock.state.get(RESPONSE, previous)
        if stored is None:
            raise not_found(
                f"Previous response with id '{previous}' not found.", "previous_response_id"
            )
        return [*stored["context"], *stored["input"], *stored["response"]["output"]]
    conversation = _conversation_id(body)
    if conversation:
        found = mock.state.require(
            CONVERSATION,
            conversation,
            f"Conversation with id '{conversation}' not found.",
            "conversation",
        )
        return list(found["items"])
    return []


def _conversation_id(body: JSON) -> str | None:
    value = body.get("conversation")
    if isinstance(value, dict):
        value = value.get("id")
    return str(value) if value else None


# -- building a response ---------------------------------------------------------------------


def build_response(call: Call, mock: BehaviourContext) -> tuple[JSON, list[JSON], list[JSON]]:
    body = call.json
    require_model(mock, body.get("model"))
    model = str(body.get("model") or "gpt-4o-mini")
    context = context_turns(call, mock)
    items = input_items(body.get("input"), mock)
    turns = [*context, *items]
    output, output_tokens, truncated = _output(call, mock, model, turns)
    input_tokens = text.REPLY_PRIMING_TOKENS + sum(
        text.TOKENS_PER_MESSAGE + text.count_tokens(item_text(i)) for i in turns
    )
    if body.get("instructions"):
        input_tokens += text.count_tokens(str(body["instructions"]))
    now = mock.clock.timestamp()
    status = "incomplete" if truncated else "completed"
    text_config = body.get("text") or {"format": {"type": "text"}}
    response: JSON = {
        "id": mock.ids.next("resp_"),
        "object": "response",
        "created_at": now,
        "status": status,
        "background": bool(body.get("background", False)),
        "completed_at": now if status == "completed" else None,
        "error": None,
        "incomplete_details": {"reason": "max_output_tokens"} if truncated else None,
        "instructions": body.get("instructions"),
        "max_output_tokens": body.get("max_output_tokens"),
        "model": model,
        "output": output,
        "parallel_tool_calls": body.get("parallel_tool_calls", True),
        "previous_response_id": body.get("previous_response_id"),
        "reasoning": {"effort": None, "summary": None},
        "service_tier": "default",
        "temperature": body.get("temperature", 1.0),
        "text": text_config,
        "tool_choice": body.get("tool_choice", "auto"),
        "tools": body.get("tools") or [],
        "top_p": body.get("top_p", 1.0),
        "truncation": body.get("truncation") or "disabled",
        "usage": usage(input_tokens, output_tokens),
        "metadata": body.get("metadata") or {},
    }
    if _conversation_id(body):
        response["conversation"] = {"id": _conversation_id(body)}
    return response, context, items


def usage(input_tokens: int, output_tokens: int) -> JSON:
    """A Responses usage block whose total adds up."""
    return {
        "input_tokens": input_tokens,
        "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        "output_tokens": output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": input_tokens + output_tokens,
    }


def _output(
    call: Call, mock: BehaviourContext, model: str, turns: list[JSON]
) -> tuple[list[JSON], int, bool]:
    body = call.json
    scripted = call.scripted
    calls = _function_calls(call, mock)
    if calls:
        return calls, sum(text.count_tokens(c["arguments"]) for c in calls), False
    if scripted is not None and scripted.refusal is not None:
        part: JSON = {"type": "refusal", "refusal": scripted.refusal}
        return [_message(mock, [part])], text.count_tokens(scripted.refusal), False
    if scripted is not None and scripted.json is not None:
        reply = orjson.dumps(scripted.json).decode()
    elif scripted is not None and scripted.content is not None:
        reply = scripted.content
    else:
        outputs = text.trailing_outputs(turns, _function_output)
        if outputs:
            reply = text.tool_results_reply(outputs)
        else:
            last_user = next((item_text(i) for i in reversed(turns) if i.get("role") == "user"), "")
            reply = text.default_reply(mock.seed, model, turns, last_user)
        fmt = (
            ((body.get("text") or {}).get("format") or {})
            if isinstance(body.get("text"), dict)
            else {}
        )
        if fmt.get("type") == "json_schema":
            schema = fmt.get("schema") or {"type": "object"}
            subject = f"response_format '{fmt.get('name', '')}'"
            value = instance_or_error(schema, reply, "text.format.schema", subject)
            reply = orjson.dumps(value).decode()
        elif fmt.get("type") == "json_object":
            reply = orjson.dumps({"reply": reply}).decode()
    truncated = False
    limit = body.get("max_output_tokens")
    if isinstance(limit, int):
        reply, truncated = text.truncate_tokens(reply, limit)
    content = {"type": "output_text", "text": reply, "annotations": [], "logprobs": []}
    message = _message(mock, [content])
    if truncated:
        message["status"] = "incomplete"
    return [message], text.count_tokens(reply), truncated


def _message(mock: BehaviourContext, content: list[JSON]) -> JSON:
    return {
        "type": "message",
        "id": mock.ids.next("msg_"),
        "status": "completed",
        "role": "assistant",
        "content": content,
    }


def _function_calls(call: Call, mock: BehaviourContext) -> list[JSON]:
    body = call.json
    tools = {
        str(t.get("name")): t.get("parameters") or {"type": "object", "properties": {}}
        for t in body.get("tools") or []
        if isinstance(t, dict) and t.get("type") == "function"
    }
    scripted = call.scripted
    wanted: list[ToolCall] = []
    if scripted is not None and scripted.tool_calls:
        wanted = list(scripted.tool_calls)
    else:
        choice = body.get("tool_choice")
        if isinstance(choice, dict) and choice.get("type") == "function" and choice.get("name"):
            wanted = [ToolCall(str(choice["name"]))]
        elif choice == "required" and tools:
            wanted = [ToolCall(next(iter(tools)))]
    out = []
    for position, wish in enumerate(wanted):
        arguments = wish.arguments
        if arguments is None:
            arguments = instance_or_error(
                tools.get(wish.name, {"type": "object"}),
                f"{wish.name}:{position}",
                "tools.parameters",
                f"function '{wish.name}'",
            )
        out.append(
            {
                "type": "function_call",
                "id": mock.ids.next("fc_"),
                "call_id": wish.id or mock.ids.next("call_"),
                "name": wish.name,
                "arguments": arguments
                if isinstance(arguments, str)
                else orjson.dumps(arguments).decode(),
                "status": "completed",
            }
        )
    return out


# -- operations -----------------------------------------------------------------------------


def create_response(call: Call, mock: BehaviourContext) -> MockResponse | JSON:
    body = call.json
    response, context, items = build_response(call, mock)
    background = bool(body.get("background"))
    if background:
        if body.get("store") is False:
            raise invalid_request(
                "Background responses must be stored: set 'store' to true.", "store"
            )
        final = copy.deepcopy(response)
        response["status"] = "queued"
        response["completed_at"] = None
        response["output"] = []
        response.pop("usage", None)
    else:
        final = response
    conversation = _conversation_id(body)

    def add_to_conversation(output: list[JSON]) -> None:
        with mock.state.lock:
            found = mock.state.get(CONVERSATION, conversation) if conversation else None
            if found is not None:
                found["items"].extend(output)

    add_to_conversation(items)
    if body.get("store", True):
        stored = {"response": response, "final": final, "context": context, "input": items}
        mock.state.put(RESPONSE, response["id"], stored)
        if background:
            # Its output joins the conversation when it is generated: a cancelled or failed
            # response adds none.
            _track_background(stored, mock, lambda: add_to_conversation(final["output"]))
            if call.wants_stream:  # the stream shows it to its end: stored, it ends there too
                tracked = mock.lifecycles.get(response["id"])
                while tracked is not None and not tracked.done:
                    mock.lifecycles.advance(response["id"])
    if not background or not body.get("store", True):
        add_to_conversation(final["output"])
    if call.wants_stream:
        return stream_response(streams.responses_stream(response_events(final)))
    return response


def _stored(call: Call, mock: BehaviourContext) -> JSON:
    response_id = call.path_params["response_id"]
    found: JSON = mock.state.require(
        RESPONSE, response_id, f"Response with id '{response_id}' not found.", "response_id"
    )
    return found


def _track_background(
    stored: JSON, mock: BehaviourContext, on_complete: Callable[[], None] = lambda: None
) -> None:
    """A background response moves ``queued -> in_progress -> completed`` through the mock's
    lifecycles, under their policy (one step per retrieve, by the clock, or held until the test
    moves it); ``on_complete`` runs when it completes."""
    response_id = stored["response"]["id"]

    def enter(status: str) -> None:
        if status == "completed":
            stored["response"] = {**stored["final"], "status": stored["final"]["status"]}
            on_complete()
        else:
            stored["response"]["status"] = status

    def on_fail(code: str, message: str) -> None:
        stored["response"]["status"] = "failed"
        stored["response"]["error"] = {"code": code, "message": message}

    def on_cancel() -> None:
        stored["response"]["status"] = "cancelled"

    mock.lifecycles.track(
        response_id, BACKGROUND_STEPS[0], BACKGROUND_STEPS[1:], enter, on_fail, on_cancel
    )


def get_response(call: Call, mock: BehaviourContext) -> MockResponse | JSON:
    with mock.state.lock:
        stored = _stored(call, mock)
        mock.lifecycles.poll(stored["response"]["id"])
        if not call.wants_stream:
            # The engine encodes a stateful answer before it lets go of the state lock.
            response: JSON = stored["response"]
            return response
        # A stream is encoded event by event after the lock is let go: its own copy.
        final = copy.deepcopy(stored["final"])
    after = call.query.get("starting_after")
    starting_after = after if isinstance(after, int) else -1
    return stream_response(streams.responses_stream(response_events(final), starting_after))


def delete_response(call: Call, mock: BehaviourContext) -> MockResponse:
    stored = _stored(call, mock)
    mock.state.delete(RESPONSE, stored["response"]["id"])
    return MockResponse(200, [("content-type", "application/json")])


def cancel_response(call: Call, mock: BehaviourContext) -> JSON:
    with mock.state.lock:
        stored = _stored(call, mock)
        response: JSON = stored["response"]
        if not response.get("background"):
            raise invalid_request(
                "Only responses created with background=true can be cancelled.", "response_id"
            )
        if response["status"] in ("queued", "in_progress"):
            mock.lifecycles.cancel(response["id"])
        return response  # encoded by the engine under the state lock


def list_input_items(call: Call, mock: BehaviourContext) -> JSON:
    stored = _stored(call, mock)
    return paginate_query(stored["input"], call.query)


def count_input_tokens(call: Call, mock: BehaviourContext) -> JSON:
    body = call.json
    turns = [*context_turns(call, mock), *input_items(body.get("input"), mock)]
    tokens = text.REPLY_PRIMING_TOKENS + sum(
        text.TOKENS_PER_MESSAGE + text.count_tokens(item_text(i)) for i in turns
    )
    if body.get("instructions"):
        tokens += text.count_tokens(str(body["instructions"]))
    return {"object": "response.input_tokens", "input_tokens": tokens}


# -- conversations ---------------------------------------------------------------------------


def _conversation(call: Call, mock: BehaviourContext) -> JSON:
    conversation_id = call.path_params["conversation_id"]
    found: JSON = mock.state.require(
        CONVERSATION,
        conversation_id,
        f"Conversation with id '{conversation_id}' not found.",
        "conversation_id",
    )
    return found


def _conversation_resource(found: JSON) -> JSON:
    return {k: found[k] for k in ("id", "object", "created_at", "metadata")}


def create_conversation(call: Call, mock: BehaviourContext) -> JSON:
    body = call.json
    conversation_id = mock.ids.next("conv_")
    found: JSON = {
        "id": conversation_id,
        "object": "conversation",
        "created_at": mock.clock.timestamp(),
        "metadata": body.get("metadata") or {},
        "items": input_items(body.get("items"), mock),
    }
    mock.state.put(CONVERSATION, conversation_id, found)
    return _conversation_resource(found)


def get_conversation(call: Call, mock: BehaviourContext) -> JSON:
    return _conversation_resource(_conversation(call, mock))


def update_conversation(call: Call, mock: BehaviourContext) -> JSON:
    with mock.state.lock:
        found = _conversation(call, mock)
        found["metadata"] = call.json.get("metadata") or {}
        return _conversation_resource(found)


def delete_conversation(call: Call, mock: BehaviourContext) -> JSON:
    found = _conversation(call, mock)
    mock.state.delete(CONVERSATION, found["id"])
    return {"id": found["id"], "object": "conversation.deleted", "deleted": True}


def create_conversation_items(call: Call, mock: BehaviourContext) -> JSON:
    with mock.state.lock:
        found = _conversation(call, mock)
        added = input_items(call.json.get("items"), mock)
        found["items"].extend(added)
    return {
        "object": "list",
        "data": added,
        "first_id": added[0]["id"] if added else None,
        "last_id": added[-1]["id"] if added else None,
        "has_more": False,
    }


def list_conversation_items(call: Call, mock: BehaviourContext) -> JSON:
    return paginate_query(list(_conversation(call, mock)["items"]), call.query)


def _item(call: Call, found: JSON) -> JSON:
    item_id = call.path_params["item_id"]
    for item in found["items"]:
        if item.get("id") == item_id:
            return dict(item)
    raise not_found(f"Item with id '{item_id}' not found.", "item_id")


def get_conversation_item(call: Call, mock: BehaviourContext) -> JSON:
    return _item(call, _conversation(call, mock))


def delete_conversation_item(call: Call, mock: BehaviourContext) -> JSON:
    with mock.state.lock:
        found = _conversation(call, mock)
        item = _item(call, found)
        found["items"] = [i for i in found["items"] if i.get("id") != item["id"]]
        return _conversation_resource(found)


OPERATIONS: dict[str, Behaviour] = {
    "createResponse": create_response,
    "beta_createResponse": create_response,
    "getResponse": get_response,
    "beta_getResponse": get_response,
    "deleteResponse": delete_response,
    "beta_deleteResponse": delete_response,
    "cancelResponse": cancel_response,
    "beta_cancelResponse": cancel_response,
    "listInputItems": list_input_items,
    "beta_listInputItems": list_input_items,
    "Getinputtokencounts": count_input_tokens,
    "beta_Getinputtokencounts": count_input_tokens,
    "createConversation": create_conversation,
    "getConversation": get_conversation,
    "updateConversation": update_conversation,
    "deleteConversation": delete_conversation,
    "createConversationItems": create_conversation_items,
    "listConversationItems": list_conversation_items,
    "getConversationItem": get_conversation_item,
    "deleteConversationItem": delete_conversation_item,
}
