"""How checks draw requests: ``prop`` runs a test on generated inputs and reports the shrunk
failing one; ``chat`` and ``stream`` send a chat body and read the answer whole."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema_rs
import orjson
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st

from oai_mock.contracts import strategies
from oai_mock.contracts.answers import answer, schema_problems, timestamp_problems
from oai_mock.contracts.core import CheckFailed, CheckUnsupported, expect, unsupported
from oai_mock.contracts.probe import BudgetExhausted, Exchange, Probe

JSON = dict[str, Any]
# A prompt whose honest answer is long, so that a small max_tokens must cut it.
LONG_REPLY_WANTED = [{"role": "user", "content": "Write a long story about the sea."}]
# Fields a semantic check fixes away from the drawn body (None leaves a field out).
PLAIN: dict[str, Any] = {
    "tools": None,
    "tool_choice": None,
    "parallel_tool_calls": None,
    "response_format": None,
}


class ShrinkingDone(BaseException):
    """Stops Hypothesis once shrinking one failure has spent its requests. A BaseException,
    so that Hypothesis lets it through instead of taking it for another failure."""


def prop(
    probe: Probe, examples: int, strategy: st.SearchStrategy[Any], test: Callable[[Any], object]
) -> None:
    """Run ``test`` on ``examples`` generated inputs; report the shrunk failing one.

    Shrinking one failure may send at most ``probe.shrink_requests`` requests, and never more
    than the check's share of the run's budget: then the smallest failure found so far is
    reported, and the checks after this one still get their share.
    """
    seen: dict[str, Any] = {}

    @hypothesis_seed(probe.seed)
    @settings(
        max_examples=max(1, examples),
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        phases=[Phase.generate, Phase.shrink],
        report_multiple_bugs=False,  # one failure reported: the smallest of the first kind
    )
    @given(strategy)
    def run(value: Any) -> None:
        if "unsupported" in seen:
            return  # the operation is not offered: no other example can tell more
        if "last" in seen and (
            probe.sent - seen["failed_at"] >= probe.shrink_requests or seen["unanswered"]
        ):
            raise ShrinkingDone
        try:
            test(value)
        except BudgetExhausted:
            if "last" in seen:
                raise ShrinkingDone from None  # else Hypothesis would shrink this one too
            raise
        except CheckUnsupported as missing:
            seen["unsupported"] = missing
        except CheckFailed as failure:
            failure.example = value
            seen["last"] = failure
            seen.setdefault("failed_at", probe.sent)
            # No answer, or one that stopped coming (a hang before or after the head, a
            # refused connection): a smaller request tells nothing more, and every try would
            # wait out the timeout again.
            exchange = failure.exchange
            seen["unanswered"] = exchange is not None and (
                exchange.status == 0 or exchange.timed_out
            )
            raise

    try:
        run()
    except CheckFailed as failure:
        raise seen.get("last", failure) from None
    except (ShrinkingDone, BudgetExhausted):
        last = seen.get("last")
        if last is None:
            raise
        raise last from None  # shrinking reached its bound: report the smallest failure found
    except Exception:
        # A backend that answers the same request differently (Hypothesis calls the test
        # flaky) or fails in several ways: the last failure seen is the report.
        last = seen.get("last")
        if last is None:
            raise
        raise last from None
    if "unsupported" in seen and "last" not in seen:
        raise seen["unsupported"]


def parsed_json(text: str, exchange: Exchange, what: str = "the content") -> Any:
    """``text`` decoded, or the check fails saying it is not JSON."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        raise CheckFailed(f"{what} is not JSON: {text[:200]!r}", exchange) from None


def expect_valid(value: Any, schema: JSON, exchange: Exchange, what: str) -> None:
    """``value`` satisfies ``schema`` (a schema the request carried), or the check fails."""
    shown = orjson.dumps(value).decode()[:200]
    expect(
        bool(jsonschema_rs.validator_for(schema).is_valid(value)),
        f"{shown} breaks the schema ({what})",
        exchange,
    )


def with_fixed(strategy: st.SearchStrategy[JSON], fixed: dict[str, Any]) -> st.SearchStrategy[JSON]:
    """Bodies of ``strategy`` with ``fixed`` fields (values, or strategies drawn) put in."""
    return st.tuples(strategy, strategies.fixed_fields(fixed)).map(
        lambda parts: {**parts[0], **parts[1]}
    )


def chat_strategy(probe: Probe, **fixed: Any) -> st.SearchStrategy[JSON]:
    return strategies.chat_body(probe.model, **fixed)


def chat(probe: Probe, **body: Any) -> Exchange:
    """One fixed chat request (for the checks whose point is one exact body)."""
    payload = {
        "model": probe.model,
        "messages": [{"role": "user", "content": "Say hello in three words."}],
        "max_tokens": 32,
    }
    payload.update(body)
    return probe.post("/chat/completions", payload)


def chat_answer(probe: Probe, body: JSON) -> tuple[Exchange, JSON]:
    """Send a chat body; its answer, checked whole."""
    exchange = probe.post("/chat/completions", body)
    return exchange, answer(probe, "createChatCompletion", exchange, body)


def first_choice(value: JSON) -> JSON:
    choices = value.get("choices") or [{}]
    choice: JSON = choices[0] if isinstance(choices[0], dict) else {}
    return choice


def message_text(value: JSON) -> str:
    return str((first_choice(value).get("message") or {}).get("content") or "")


def stream_chunks(probe: Probe, body: JSON, *, schema: bool = True) -> tuple[Exchange, list[JSON]]:
    """Send a streamed chat body; its chunks, each checked against the chunk schema and for
    timestamps (``schema=False``: only that each is a JSON object, for the checks of the
    stream's framing and media type, which a schema deviation must not hide)."""
    exchange = probe.post("/chat/completions", body)
    expect(exchange.error is None, f"the stream broke off: {exchange.error}", exchange)
    if unsupported(exchange):
        raise CheckUnsupported(f"POST /chat/completions answered {exchange.status}", exchange)
    expect(exchange.status == 200, f"the stream failed: {exchange.summary()}", exchange)
    chunks: list[JSON] = []
    for event in exchange.events:
        if event.is_done:
            continue
        try:
            chunk = orjson.loads(event.data)
        except orjson.JSONDecodeError:
            raise CheckFailed(
                f"a stream event is not JSON: {event.data[:200]!r}", exchange
            ) from None
        expect(
            isinstance(chunk, dict),
            f"a stream event is not an object: {event.data[:200]!r}",
            exchange,
        )
        if "error" in chunk and "choices" not in chunk:
            raise CheckFailed(f"the stream carried an error: {event.data[:300]}", exchange)
        if schema:
            problems = schema_problems(probe, "createChatCompletion", chunk, stream=True)
            problems += timestamp_problems(chunk)
            expect(not problems, f"chunk {len(chunks)}: " + "; ".join(problems[:3]), exchange)
        chunks.append(chunk)
    expect(bool(chunks), "the stream carried no chunk", exchange)
    return exchange, chunks


def deltas(chunks: list[JSON], index: int = 0) -> list[JSON]:
    """The deltas of one choice, in order."""
    return [
        ch.get("delta") or {}
        for c in chunks
        for ch in c.get("choices") or []
        if isinstance(ch, dict) and ch.get("index") == index
    ]


def streamed_text(chunks: list[JSON], index: int = 0) -> str:
    return "".join(str(d.get("content") or "") for d in deltas(chunks, index))
