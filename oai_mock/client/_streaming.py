"""Streams of typed events, and accumulators that fold them into the final object."""

from __future__ import annotations

import copy
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from types import TracebackType
from typing import Any, Generic, TypeVar

import httpx
import orjson

from oai_mock.client._errors import StreamError, connection_error
from oai_mock.sse import ServerSentEvent, adecode_sse, decode_sse

T = TypeVar("T")
Decoder = Callable[[Any], Any]


def _payload(event: ServerSentEvent, kind: str) -> tuple[bool, Any]:
    """(stop, payload or None to skip) for one SSE event of a streaming family."""
    if event.is_done or event.event == "done":
        return True, None
    if not event.data.strip():
        return False, None
    try:
        data = orjson.loads(event.data)
    except orjson.JSONDecodeError:
        raise StreamError(
            {"message": f"the stream sent data that is not JSON: {event.data[:200]!r}"}
        ) from None
    if event.event == "error" or (
        isinstance(data, dict) and "error" in data and data.get("type") in (None, "error")
    ):
        raise StreamError(data.get("error", data) if isinstance(data, dict) else data)
    if kind == "assistants":
        return False, {"event": event.event, "data": data}
    return False, data


class Stream(Generic[T]):
    """Iterate typed events; closing the stream (or leaving its ``with``) closes the
    connection."""

    def __init__(self, response: httpx.Response, decoder: Decoder | None, kind: str) -> None:
        self.response = response
        self._decoder = decoder
        self._kind = kind
        self._iterator = self._events()

    def _events(self) -> Iterator[T]:
        try:
            for event in decode_sse(self.response.iter_bytes()):
                stop, payload = _payload(event, self._kind)
                if stop:
                    break
                if payload is not None:
                    yield self._decoder(payload) if self._decoder else payload
        except httpx.RequestError as error:  # cut mid-stream, timed out between events
            raise connection_error(error, self.response.request) from error
        finally:
            self.response.close()

    def __iter__(self) -> Iterator[T]:
        return self._iterator

    def __next__(self) -> T:
        return next(self._iterator)

    def close(self) -> None:
        self.response.close()

    def __enter__(self) -> Stream[T]:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


class AsyncStream(Generic[T]):
    def __init__(self, response: httpx.Response, decoder: Decoder | None, kind: str) -> None:
        self.response = response
        self._decoder = decoder
        self._kind = kind
        self._iterator = self._events()

    async def _events(self) -> AsyncIterator[T]:
        try:
            async for event in adecode_sse(self.response.aiter_bytes()):
                stop, payload = _payload(event, self._kind)
                if stop:
                    break
                if payload is not None:
                    yield self._decoder(payload) if self._decoder else payload
        except httpx.RequestError as error:  # cut mid-stream, timed out between events
            raise connection_error(error, self.response.request) from error
        finally:
            await self.response.aclose()

    def __aiter__(self) -> AsyncIterator[T]:
        return self._iterator

    async def __anext__(self) -> T:
        return await self._iterator.__anext__()

    async def close(self) -> None:
        await self.response.aclose()

    async def __aenter__(self) -> AsyncStream[T]:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


# -- accumulators ----------------------------------------------------------------------------


def _raw(event: Any) -> dict[str, Any]:
    raw = getattr(event, "raw", event)
    return dict(raw) if isinstance(raw, dict) else {}


def accumulate_chat(chunks: Iterable[Any]) -> dict[str, Any]:
    """Fold chat completion chunks into the chat completion they stream.

    Tolerates what other servers send: tool-call deltas without ``index`` (matched by id, or
    appended), ``choices`` empty or null, provider fields such as ``reasoning_content``.
    """
    completion: dict[str, Any] = {"object": "chat.completion", "choices": []}
    choices: dict[int, dict[str, Any]] = {}
    for chunk in chunks:
        raw = _raw(chunk)
        for key in ("id", "created", "model", "system_fingerprint", "service_tier"):
            if raw.get(key) is not None:
                completion[key] = raw[key]
        if raw.get("usage"):
            completion["usage"] = raw["usage"]
        for choice in raw.get("choices") or []:
            index = choice.get("index", 0)
            target = choices.setdefault(
                index,
                {
                    "index": index,
                    "message": {"role": "assistant", "content": None},
                    "finish_reason": None,
                    "logprobs": None,
                },
            )
            delta = choice.get("delta") or {}
            message = target["message"]
            for key, value in delta.items():
                if key == "tool_calls":
                    _merge_tool_calls(message, value or [])
                elif key == "role" and value:
                    message["role"] = value
                elif isinstance(value, str):
                    message[key] = (message.get(key) or "") + value
                elif value is not None:
                    message[key] = value
            if choice.get("finish_reason") is not None:
                target["finish_reason"] = choice["finish_reason"]
            logprobs = choice.get("logprobs")
            if logprobs and logprobs.get("content"):
                target.setdefault("logprobs", None)
                target["logprobs"] = target["logprobs"] or {"content": [], "refusal": None}
                target["logprobs"]["content"].extend(logprobs["content"])
    completion["choices"] = [choices[i] for i in sorted(choices)]
    return completion


def _merge_tool_calls(message: dict[str, Any], deltas: list[dict[str, Any]]) -> None:
    calls: list[dict[str, Any]] = message.setdefault("tool_calls", [])
    for delta in deltas:
        index = delta.get("index")
        target = None
        if isinstance(index, int):
            while len(calls) <= index:
                calls.append(
                    {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
                )
            target = calls[index]
        elif delta.get("id"):
            target = next((c for c in calls if c.get("id") == delta["id"]), None)
            if target is None:
                target = {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
                calls.append(target)
        elif calls:
            target = calls[-1]
        else:
            target = {"id": None, "type": "function", "function": {"name": "", "arguments": ""}}
            calls.append(target)
        if delta.get("id"):
            target["id"] = delta["id"]
        if delta.get("type"):
            target["type"] = delta["type"]
        function = delta.get("function") or {}
        if function.get("name"):
            target["function"]["name"] += function["name"]
        arguments = function.get("arguments")
        if isinstance(arguments, dict):  # some servers send an object instead of a string
            target["function"]["arguments"] = orjson.dumps(arguments).decode()
        elif arguments:
            target["function"]["arguments"] += arguments


def accumulate_response(events: Iterable[Any]) -> dict[str, Any]:
    """The final response of a Responses stream (``response.completed`` or its last state)."""
    final: dict[str, Any] = {}
    for event in events:
        raw = _raw(event)
        if isinstance(raw.get("response"), dict):
            final = copy.deepcopy(raw["response"])
    return final
