"""Models: the list, and ids stable across the list and retrieve."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import strategies as st

from oai_mock.contracts.answers import answer
from oai_mock.contracts.core import check, error_envelope, expect, offered
from oai_mock.contracts.probe import Probe
from oai_mock.contracts.properties import prop

MODELS = "OpenAI API reference, Models (GET /models, GET /models/{model})"


@check(
    "models.list",
    "GET /models lists models (id, object, created in seconds, owned_by), each once",
    source=MODELS,
)
def _(probe: Probe, examples: int) -> None:
    answer(probe, "listModels", probe.get("/models"))


@check(
    "models.retrieve",
    "each listed model is retrievable, with the same id, created and owned_by",
    "recommended",
    MODELS,
)
def _(probe: Probe, examples: int) -> None:
    listed = answer(probe, "listModels", probe.get("/models"))
    models = [
        m for m in listed.get("data") or [] if isinstance(m, dict) and isinstance(m.get("id"), str)
    ]
    expect(bool(models), "the backend lists no model", None)

    def test(model: dict[str, object]) -> None:
        exchange = probe.get(f"/models/{quote(str(model['id']), safe='')}")
        retrieved = answer(probe, "retrieveModel", exchange)
        for key in ("id", "created", "owned_by"):
            expect(
                retrieved.get(key) == model.get(key),
                f"{key} is {retrieved.get(key)!r} retrieved, {model.get(key)!r} listed",
                exchange,
            )

    prop(probe, examples, st.sampled_from(models), test)


@check(
    "models.unknown",
    "retrieving a model that does not exist gets a 404 in OpenAI's envelope",
    "recommended",
    MODELS,
)
def _(probe: Probe, examples: int) -> None:
    exchange = probe.get("/models/oai-contract-no-such-model")
    body = exchange.json
    if exchange.status == 404 and not (isinstance(body, dict) and "error" in body):
        # A bare 404 may only say that the backend offers no models at all: ask the list.
        offered(probe.get("/models"))
    error_envelope(exchange, 404)
