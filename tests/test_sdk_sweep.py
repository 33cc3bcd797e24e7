"""Every operation answers the official SDK's call with every argument, in strict mode: the
sweep that finds an answer echoing a value its schema does not allow, a form the fake does not
parse as the SDK encodes it, or an argument it refuses. In two halves, so that two workers
share it; ``scripts/sdk-sweep`` runs it whole and prints the figure for all 288."""

from __future__ import annotations

from typing import Any

import openai
import pytest
from sdk_sweep import NO_SDK_METHOD, Sweep, sweep_client

from oai_mock.contracts.examples import example_request
from oai_mock.spec import load_bundle

HALVES = 2


@pytest.mark.parametrize("half", range(HALVES))
def test_every_operation_answers_the_sdks_call_with_all_params(half: int, figure: Any) -> None:
    client = sweep_client()
    sweep = Sweep.of(client, part=half, parts=HALVES)
    assert sorted(sweep.missing) == sorted(NO_SDK_METHOD)
    outcome = sweep.run(client)
    figure(f"half {half + 1} of {HALVES}: {outcome.summary(openai.__version__)}")
    assert not outcome.failures, "\n".join(outcome.failures)
    assert len(outcome.answered) + len(outcome.newer) == len(sweep.calls) > 100


def test_the_halves_cover_every_operation() -> None:
    client = sweep_client()
    halves = [Sweep.of(client, part=h, parts=HALVES) for h in range(HALVES)]
    ids = [call.op.id for half in halves for call in half.calls]
    assert len(ids) == len(set(ids)) == 288 - len(NO_SDK_METHOD)


@pytest.mark.parametrize("op_id", sorted(NO_SDK_METHOD))
def test_operations_without_an_sdk_method_still_answer(op_id: str) -> None:
    from oai_mock import OpenAIMock

    op = load_bundle().operation(op_id)
    example = example_request(op)
    with OpenAIMock(seed=7, unknown_ids="synthesize").httpx_client() as http:
        response = http.request(
            example.method, example.url, headers=dict(example.headers), content=example.body
        )
    assert response.status_code == op.success_status, response.text
