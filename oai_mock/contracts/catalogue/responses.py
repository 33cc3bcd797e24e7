"""The Responses API: answers, streams, storage (retrieve, input items, delete)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from hypothesis import strategies as st

from oai_mock.contracts import strategies
from oai_mock.contracts.answers import answer, schema_problems, timestamp_problems
from oai_mock.contracts.core import CheckFailed, check, error_envelope, expect, offered
from oai_mock.contracts.probe import Exchange, Probe
from oai_mock.contracts.properties import prop, with_fixed

JSON = dict[str, Any]
RESPONSES = "OpenAI API reference, Responses (POST /responses, GET/DELETE /responses/{id})"
RESPONSE_STREAMING = "OpenAI API reference, Responses streaming events"


def _bodies(probe: Probe, **fixed: Any) -> st.SearchStrategy[JSON]:
    return with_fixed(strategies.responses_body(probe.model), fixed)


def create(probe: Probe, body: JSON) -> tuple[Exchange, JSON]:
    exchange = probe.post("/responses", body)
    return exchange, answer(probe, "createResponse", exchange, body)


def delete_response(probe: Probe, response_id: str) -> None:
    probe.delete(f"/responses/{response_id}")


@contextmanager
def stored(probe: Probe, body: JSON) -> Iterator[JSON]:
    """A response created for the check and deleted when it ends, however it ends."""
    _, created = create(probe, body)
    try:
        yield created
    finally:
        delete_response(probe, created["id"])


def output_text(value: JSON) -> str:
    return "".join(
        str(part.get("text") or "")
        for item in value.get("output") or []
        if isinstance(item, dict) and item.get("type") == "message"
        for part in item.get("content") or []
        if isinstance(part, dict) and part.get("type") == "output_text"
    )


@check(
    "responses.schema",
    "Responses conform to the response schema; usage adds up; timestamps in seconds",
    "extension",
    RESPONSES,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        _, value = create(probe, body)
        if isinstance(value.get("id"), str):
            delete_response(probe, value["id"])

    prop(probe, examples, _bodies(probe, store=False), test)


@check(
    "responses.output-text",
    "a completed response holds an assistant message with output_text",
    "extension",
    RESPONSES,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, value = create(probe, body)
        if value.get("status") == "completed":
            expect(bool(output_text(value)), "a completed response without output_text", exchange)

    prop(probe, examples, _bodies(probe, store=False), test)


@check("responses.echo", "instructions and max_output_tokens are echoed", "extension", RESPONSES)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, value = create(probe, body)
        expect(
            value.get("instructions") == body["instructions"],
            f"instructions {value.get('instructions')!r}",
            exchange,
        )
        expect(
            value.get("max_output_tokens") == body["max_output_tokens"],
            f"max_output_tokens {value.get('max_output_tokens')!r}",
            exchange,
        )

    prop(
        probe,
        examples,
        _bodies(
            probe, store=False, instructions=st.sampled_from(["Be terse.", "Answer in French."])
        ),
        test,
    )


@check(
    "responses.retrieve",
    "a stored response is retrievable by id, equal to the one created",
    "extension",
    RESPONSES,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        with stored(probe, body) as created:
            exchange = probe.get(f"/responses/{created['id']}")
            retrieved = answer(probe, "getResponse", exchange)
            for key in ("id", "created_at", "output", "usage", "status"):
                expect(
                    retrieved.get(key) == created.get(key),
                    f"{key} differs between create and retrieve",
                    exchange,
                )

    prop(probe, examples, _bodies(probe, store=True), test)


@check(
    "responses.input-items",
    "a stored response lists its input as input items",
    "extension",
    RESPONSES,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        with stored(probe, body) as created:
            exchange = probe.get(f"/responses/{created['id']}/input_items")
            items = answer(probe, "listInputItems", exchange)
            wanted = 1 if isinstance(body["input"], str) else len(body["input"])
            expect(
                len(items.get("data") or []) == wanted,
                f"{len(items.get('data') or [])} input items for {wanted} inputs",
                exchange,
            )

    prop(probe, examples, _bodies(probe, store=True), test)


@check(
    "responses.delete",
    "a deleted response is gone: retrieving it gets a 404",
    "extension",
    RESPONSES,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        _, created = create(probe, body)
        deleted = probe.delete(f"/responses/{created['id']}")
        offered(deleted)
        expect(200 <= deleted.status < 300, f"delete answered {deleted.summary()}", deleted)
        error_envelope(probe.get(f"/responses/{created['id']}"), 404)

    prop(probe, examples, _bodies(probe, store=True), test)


def _stream(probe: Probe, body: JSON) -> tuple[Exchange, list[JSON]]:
    exchange = probe.post("/responses", {**body, "stream": True})
    expect(exchange.error is None, f"the stream broke off: {exchange.error}", exchange)
    offered(exchange)
    expect(exchange.status == 200, f"the stream failed: {exchange.summary()}", exchange)
    events = [e for e in exchange.events if e.data]
    payloads = []
    for event in events:
        try:
            payload = orjson.loads(event.data)
        except orjson.JSONDecodeError:
            raise CheckFailed(
                f"a stream event is not JSON: {event.data[:200]!r}", exchange
            ) from None
        expect(
            isinstance(payload, dict), f"an event is not an object: {event.data[:120]!r}", exchange
        )
        expect(
            event.event == payload.get("type"),
            f"event name {event.event!r} differs from its type {payload.get('type')!r}",
            exchange,
        )
        payloads.append(payload)
    expect(bool(payloads), "the stream carried no event", exchange)
    return exchange, payloads


@check(
    "responses.stream",
    "Responses streams: event names match type, sequence_number counts up, created first, completed last",
    "extension",
    RESPONSE_STREAMING,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, payloads = _stream(probe, body)
        numbers = [p.get("sequence_number") for p in payloads]
        expect(
            all(isinstance(n, int) for n in numbers) and numbers == sorted(set(numbers)),  # type: ignore[type-var]
            "sequence_number does not increase",
            exchange,
        )
        expect(
            payloads[0].get("type") == "response.created",
            "the first event is not response.created",
            exchange,
        )
        expect(
            payloads[-1].get("type") in ("response.completed", "response.incomplete"),
            "the last event is not response.completed",
            exchange,
        )

    prop(probe, examples, _bodies(probe, store=False), test)


@check(
    "responses.stream-events",
    "every Responses stream event conforms to its event schema",
    "extension",
    RESPONSE_STREAMING,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, payloads = _stream(probe, body)
        for payload in payloads:
            problems = schema_problems(
                probe, "createResponse", payload, stream=True
            ) + timestamp_problems(payload)
            expect(not problems, f"{payload.get('type')}: " + "; ".join(problems[:3]), exchange)

    prop(probe, examples, _bodies(probe, store=False), test)


@check(
    "responses.stream-deltas",
    "output_text deltas concatenate to the final response's text",
    "extension",
    RESPONSE_STREAMING,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, payloads = _stream(probe, body)
        text = "".join(
            str(p.get("delta") or "")
            for p in payloads
            if p.get("type") == "response.output_text.delta"
        )
        final = payloads[-1].get("response") or {}
        expect(text == output_text(final), "the deltas differ from the final text", exchange)

    prop(probe, examples, _bodies(probe, store=False), test)


@check(
    "responses.final-equals-retrieved",
    "the streamed final response equals the one retrieved afterwards",
    "extension",
    RESPONSE_STREAMING,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, payloads = _stream(probe, body)
        final = payloads[-1].get("response") or {}
        expect(isinstance(final.get("id"), str), "the last event carries no response", exchange)
        try:
            retrieved = answer(probe, "getResponse", probe.get(f"/responses/{final['id']}"))
            expect(
                retrieved.get("output") == final.get("output"),
                "the retrieved response differs from the streamed one",
                exchange,
            )
        finally:
            delete_response(probe, final["id"])

    prop(probe, examples, _bodies(probe, store=True), test)
