"""The event sequence OpenAI streams for a Responses answer, built in one place for the Responses
behaviour and for the schema-synthesized answer.

The order is the documented one: ``response.created``, ``response.in_progress``, then for each
output item ``response.output_item.added``, its content (for a message: each part's
``content_part.added``, text or refusal deltas, their ``.done`` and ``content_part.done``; for a
function call: the argument deltas and ``function_call_arguments.done``) and
``response.output_item.done``; last ``response.completed`` (``response.incomplete`` or
``response.failed`` for such a response). Other output items (tool calls the model made,
reasoning) are added and done whole.
"""

from __future__ import annotations

import copy
from typing import Any

from oai_mock.mockserver.streams import split_text

JSON = dict[str, Any]

FINAL_EVENT = {"incomplete": "response.incomplete", "failed": "response.failed"}
"""The closing event by the response's status; every other status closes with
``response.completed``."""


def response_events(response: JSON) -> list[JSON]:
    """The events for a finished ``response`` (without ``sequence_number``, which the framing
    adds)."""
    started = copy.deepcopy({**response, "output": []})  # the output comes item by item
    started["status"] = "in_progress"
    if "completed_at" in started:
        started["completed_at"] = None
    started.pop("usage", None)  # no usage until the response is done
    events: list[JSON] = [
        {"type": "response.created", "response": started},
        {"type": "response.in_progress", "response": copy.deepcopy(started)},
    ]
    for index, item in enumerate(response.get("output") or []):
        if item.get("type") == "message":
            events.extend(_message_events(index, item))
        elif item.get("type") == "function_call":
            events.extend(_function_call_events(index, item))
        else:
            events.extend(_whole_item_events(index, item))
    final_type = FINAL_EVENT.get(response.get("status", ""), "response.completed")
    events.append({"type": final_type, "response": response})
    return events


def _message_events(index: int, item: JSON) -> list[JSON]:
    opened = {**item, "status": "in_progress", "content": []}
    events: list[JSON] = [
        {"type": "response.output_item.added", "output_index": index, "item": opened}
    ]
    for part_index, part in enumerate(item.get("content") or []):
        where = {"item_id": item["id"], "output_index": index, "content_index": part_index}
        if part["type"] == "refusal":
            events.append(
                {
                    "type": "response.content_part.added",
                    **where,
                    "part": {"type": "refusal", "refusal": ""},
                }
            )
            for piece in split_text(part["refusal"]):
                events.append({"type": "response.refusal.delta", **where, "delta": piece})
            events.append({"type": "response.refusal.done", **where, "refusal": part["refusal"]})
        else:
            empty = {"type": "output_text", "text": "", "annotations": [], "logprobs": []}
            events.append({"type": "response.content_part.added", **where, "part": empty})
            for piece in split_text(part["text"]):
                events.append(
                    {"type": "response.output_text.delta", **where, "delta": piece, "logprobs": []}
                )
            events.append(
                {"type": "response.output_text.done", **where, "text": part["text"], "logprobs": []}
            )
        events.append({"type": "response.content_part.done", **where, "part": part})
    events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    return events


def _function_call_events(index: int, item: JSON) -> list[JSON]:
    opened = {**item, "arguments": "", "status": "in_progress"}
    events: list[JSON] = [
        {"type": "response.output_item.added", "output_index": index, "item": opened}
    ]
    where = {"item_id": item.get("id", ""), "output_index": index}
    for piece in split_text(item["arguments"], size=16):
        events.append({"type": "response.function_call_arguments.delta", **where, "delta": piece})
    events.append(
        {
            "type": "response.function_call_arguments.done",
            **where,
            "arguments": item["arguments"],
            "name": item["name"],
        }
    )
    events.append({"type": "response.output_item.done", "output_index": index, "item": item})
    return events


def _whole_item_events(index: int, item: JSON) -> list[JSON]:
    opened = item
    # An item the model produces opens in progress; a tool's output (``*_output``) is given
    # whole and keeps its status.
    if "status" in item and not str(item.get("type", "")).endswith("_output"):
        opened = {**item, "status": "in_progress"}
    return [
        {"type": "response.output_item.added", "output_index": index, "item": opened},
        {"type": "response.output_item.done", "output_index": index, "item": item},
    ]
