"""Event sequences in each streaming family's shape.

A behaviour (or the generic synthesis) decides *what* happens; these functions give it the
events OpenAI's servers send, as values (an adapter encodes them, see
:mod:`oai_mock.mockserver.wire`).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from typing import Any

from oai_mock.mockserver.wire import Event
from oai_mock.sse import DONE

JSON = dict[str, Any]


def chat_stream(chunks: Iterable[JSON]) -> Iterator[Event]:
    """``data: {chunk}`` events, then ``data: [DONE]``."""
    for chunk in chunks:
        yield Event(chunk)
    yield Event(DONE)


def typed_stream(events: Iterable[JSON], event_lines: bool) -> Iterator[Event]:
    """Events whose ``type`` names them; with ``event_lines`` an ``event:`` line repeats it."""
    for event in events:
        yield Event(event, event["type"] if event_lines else None)


def responses_stream(events: Iterable[JSON], starting_after: int = -1) -> Iterator[Event]:
    """``event: <type>`` + ``data:`` with ``sequence_number`` counting from 0; only the events
    after ``starting_after`` (a stream resumed where the client lost it)."""
    for number, event in enumerate(events):
        if number <= starting_after:
            continue
        payload = {"type": event["type"], "sequence_number": number}
        payload.update((k, v) for k, v in event.items() if k not in payload)
        yield Event(payload, event["type"])


def assistants_stream(events: Iterable[tuple[str, JSON]]) -> Iterator[Event]:
    """``event: thread.*`` + ``data: {object}``, ending with ``event: done`` / ``data: [DONE]``."""
    for name, data in events:
        yield Event(data, name)
    yield Event(DONE, "done")


def chat_chunks_from_completion(completion: JSON, include_usage: bool) -> list[JSON]:
    """Split a chat completion into the chunks OpenAI streams for it: the role, content deltas,
    tool-call deltas, one chunk per choice with its ``finish_reason``, then the usage chunk."""
    base = {
        "id": completion["id"],
        "object": "chat.completion.chunk",
        "created": completion["created"],
        "model": completion["model"],
        "system_fingerprint": completion.get("system_fingerprint"),
    }
    if "service_tier" in completion:
        base["service_tier"] = completion["service_tier"]
    usage_field = {"usage": None} if include_usage else {}
    chunks: list[JSON] = []

    def chunk(index: int, delta: JSON, finish: str | None = None, logprobs: Any = None) -> JSON:
        choice = {"index": index, "delta": delta, "logprobs": logprobs, "finish_reason": finish}
        return {**base, "choices": [choice], **usage_field}

    for choice in completion["choices"]:
        index = choice["index"]
        message = choice.get("message") or {}
        chunks.append(chunk(index, {"role": "assistant", "content": "", "refusal": None}))
        content = message.get("content")
        if content:
            token_logprobs = (choice.get("logprobs") or {}).get("content")
            tokens = [e.get("token", "") for e in token_logprobs or []]
            # With logprobs, each delta is one token, so that a chunk's content and its
            # logprobs name the same text (word-sized pieces would not match the tokens).
            pieces = tokens if tokens and "".join(tokens) == content else split_text(content)
            for number, piece in enumerate(pieces):
                logprobs = None
                if token_logprobs is not None:
                    logprobs = {"content": token_logprobs[number : number + 1], "refusal": None}
                chunks.append(chunk(index, {"content": piece}, logprobs=logprobs))
        if message.get("refusal"):
            for piece in split_text(message["refusal"]):
                chunks.append(chunk(index, {"refusal": piece}))
        for position, call in enumerate(message.get("tool_calls") or []):
            function = call.get("function", {})
            head = {
                "index": position,
                "id": call["id"],
                "type": call.get("type", "function"),
                "function": {"name": function.get("name", ""), "arguments": ""},
            }
            chunks.append(chunk(index, {"tool_calls": [head]}))
            for piece in split_text(function.get("arguments", ""), size=16):
                delta = {"tool_calls": [{"index": position, "function": {"arguments": piece}}]}
                chunks.append(chunk(index, delta))
        chunks.append(chunk(index, {}, finish=choice.get("finish_reason")))
    if include_usage:
        chunks.append({**base, "choices": [], "usage": copy.deepcopy(completion.get("usage"))})
    return chunks


def completion_chunks(completion: JSON) -> list[JSON]:
    """Legacy completions: one chunk per text piece, the last carrying ``finish_reason``."""
    chunks: list[JSON] = []
    base: JSON = {k: completion[k] for k in ("id", "object", "created", "model") if k in completion}
    if "system_fingerprint" in completion:
        base["system_fingerprint"] = completion["system_fingerprint"]
    for choice in completion["choices"]:
        pieces = split_text(choice.get("text", "")) or [""]
        for number, piece in enumerate(pieces):
            last = number == len(pieces) - 1
            chunks.append(
                {
                    **base,
                    "choices": [
                        {
                            "index": choice["index"],
                            "text": piece,
                            "logprobs": None,
                            "finish_reason": choice.get("finish_reason") if last else None,
                        }
                    ],
                }
            )
    return chunks


def split_text(text: str, size: int = 0) -> list[str]:
    """Pieces the way a tokenizer streams them: a word with its leading space, or fixed-size
    slices when ``size`` is given."""
    if not text:
        return []
    if size:
        return [text[i : i + size] for i in range(0, len(text), size)]
    pieces: list[str] = []
    current = ""
    for char in text:
        if char == " " and current.strip():
            pieces.append(current)
            current = ""
        current += char
    if current:
        pieces.append(current)
    return pieces
