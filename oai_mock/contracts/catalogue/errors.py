"""Errors and authentication: statuses and OpenAI's error envelope."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oai_mock.contracts.core import CheckSkipped, check, error_envelope, expect
from oai_mock.contracts.probe import Exchange, Probe
from oai_mock.contracts.properties import chat, chat_strategy, prop

ERRORS = "OpenAI API reference, Error codes (https://platform.openai.com/docs/guides/error-codes)"


@check(
    "errors.malformed-json", "malformed JSON gets a 400 in OpenAI's error envelope", source=ERRORS
)
def _(probe: Probe, examples: int) -> None:
    truncations = st.sampled_from([b'{"model": ', b"{", b'{"model": "x",}', b"not json"])
    prop(
        probe,
        examples,
        truncations,
        lambda raw: error_envelope(probe.post("/chat/completions", None, raw=raw), 400),
    )


@check(
    "errors.missing-field",
    "a missing required field gets a 400 naming it in param",
    "recommended",
    ERRORS,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: dict[str, object]) -> None:
        del body["messages"]
        exchange = probe.post("/chat/completions", body)
        error = error_envelope(exchange, 400)
        expect(
            error.get("param") == "messages",
            f"param is {error.get('param')!r}, not 'messages'",
            exchange,
        )

    prop(probe, examples, chat_strategy(probe), test)


@check("errors.wrong-type", "a field of the wrong type gets a 400", source=ERRORS)
def _(probe: Probe, examples: int) -> None:
    wrong: st.SearchStrategy[dict[str, Any]] = st.sampled_from(
        [{"messages": "hello"}, {"max_tokens": "ten"}, {"n": 1.5}, {"stream": "yes"}]
    )
    prop(
        probe,
        examples,
        chat_strategy(probe).flatmap(lambda b: wrong.map(lambda w: {**b, **w})),
        lambda body: error_envelope(probe.post("/chat/completions", body), 400),
    )


@check(
    "errors.out-of-range",
    "an out-of-range value (temperature, top_p, n, penalties) gets a 400",
    source=ERRORS,
)
def _(probe: Probe, examples: int) -> None:
    wrong: st.SearchStrategy[dict[str, Any]] = st.sampled_from(
        [
            {"temperature": 5},
            {"top_p": 1.5},
            {"n": 0},
            {"presence_penalty": 3},
            {"top_logprobs": 50, "logprobs": True},
        ]
    )
    prop(
        probe,
        examples,
        chat_strategy(probe).flatmap(lambda b: wrong.map(lambda w: {**b, **w})),
        lambda body: error_envelope(probe.post("/chat/completions", body), 400),
    )


@check("errors.unknown-parameter", "an unknown body argument gets a 400", "recommended", ERRORS)
def _(probe: Probe, examples: int) -> None:
    prop(
        probe,
        examples,
        chat_strategy(probe, oai_contract_unknown_argument=st.sampled_from([1, "x", True])),
        lambda body: error_envelope(probe.post("/chat/completions", body), 400),
    )


@check("errors.invalid-role", "a message of an unknown role gets a 400", source=ERRORS)
def _(probe: Probe, examples: int) -> None:
    roles = st.sampled_from(["wizard", "bot", "USER"])
    prop(
        probe,
        examples,
        roles.map(
            lambda role: {
                "model": probe.model,
                "messages": [{"role": role, "content": "hi"}],
                "max_tokens": 8,
            }
        ),
        lambda body: error_envelope(probe.post("/chat/completions", body), 400),
    )


@check("errors.empty-messages", "an empty messages array gets a 400 (minItems 1)", source=ERRORS)
def _(probe: Probe, examples: int) -> None:
    error_envelope(chat(probe, messages=[]), 400)


@check(
    "errors.unknown-model", "an unknown model gets a 404 (model_not_found)", "recommended", ERRORS
)
def _(probe: Probe, examples: int) -> None:
    exchange = chat(probe, model="oai-contract-no-such-model")
    error = error_envelope(exchange, (400, 404))
    expect(
        exchange.status == 404 or error.get("code") == "model_not_found",
        f"status {exchange.status}, code {error.get('code')!r}",
        exchange,
    )


@check(
    "errors.unknown-path", "an unknown path gets a 404 in OpenAI's envelope", "recommended", ERRORS
)
def _(probe: Probe, examples: int) -> None:
    exchange = probe.get("/oai-contract-no-such-path")
    expect(exchange.status == 404, f"expected 404, got {exchange.summary()}", exchange)
    error_envelope(exchange, 404)


@check("errors.json-content-type", "error answers are application/json", "recommended", ERRORS)
def _(probe: Probe, examples: int) -> None:
    # The point is the error answer's media type, so any request every backend must refuse will
    # do; one that accepts an out-of-range value fails errors.out-of-range for it, not this.
    def malformed() -> Exchange:
        return probe.post("/chat/completions", None, raw=b'{"model": ')

    def out_of_range() -> Exchange:
        return chat(probe, temperature=5)

    for send in (malformed, out_of_range):  # the second only when the first got no error
        exchange = send()
        if exchange.error is None and exchange.status >= 400:
            expect(
                exchange.media_type == "application/json",
                f"content-type {exchange.media_type!r} on a {exchange.status}",
                exchange,
            )
            return
    raise CheckSkipped("neither malformed JSON nor temperature 5 got an error answer")


@check(
    "auth.missing-key",
    "a request without a key gets a 401 in OpenAI's envelope",
    "recommended",
    ERRORS,
)
def _(probe: Probe, examples: int) -> None:
    if not probe.api_key:
        raise CheckSkipped("no --api-key given: the backend may not require one")
    error_envelope(probe.send("GET", "/models", authenticate=False), 401)


@check(
    "auth.wrong-key",
    "a request with a key the backend does not know gets a 401",
    "recommended",
    ERRORS,
)
def _(probe: Probe, examples: int) -> None:
    if not probe.api_key:
        raise CheckSkipped("no --api-key given: the backend may not require one")
    exchange = probe.send(
        "GET",
        "/models",
        authenticate=False,
        headers={"Authorization": "Bearer sk-oai-contract-wrong"},
    )
    if exchange.status == 200:
        raise CheckSkipped("the backend accepts any key (an open server or a wildcard key)")
    error_envelope(exchange, 401)
