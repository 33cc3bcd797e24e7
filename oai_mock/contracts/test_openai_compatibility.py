"""The contract catalogue as pytest tests, one per check:

    pytest --pyargs oai_mock.contracts.test_openai_compatibility \\
        --oai-contract-url http://127.0.0.1:8000/v1 [--oai-contract-key K] [--oai-contract-model M]

Without ``--oai-contract-url`` every test is skipped with that reason.
"""

from __future__ import annotations

import pytest

from oai_mock.contracts.checks import CATALOGUE, Check, CheckFailed, CheckSkipped, CheckUnsupported
from oai_mock.contracts.probe import Probe


@pytest.fixture(scope="module")
def contract_probe(request: pytest.FixtureRequest) -> Probe:
    url = request.config.getoption("--oai-contract-url")
    if not url:
        pytest.skip("no --oai-contract-url given: nothing to check")
    probe = Probe(
        url,
        request.config.getoption("--oai-contract-key"),
        model=request.config.getoption("--oai-contract-model"),
        embedding_model=request.config.getoption("--oai-contract-embedding-model"),
        profile=request.config.getoption("--oai-contract-profile"),
        budget=100_000,
    )
    answer = probe.get("/models")
    if answer.error:  # once, not one identical connection error per check
        pytest.fail(f"cannot reach {url}: {answer.error}", pytrace=False)
    return probe


@pytest.mark.parametrize("check", [c for c in CATALOGUE if not c.expensive], ids=lambda c: c.id)
def test_contract(check: Check, contract_probe: Probe, request: pytest.FixtureRequest) -> None:
    """{check.description}"""
    examples = int(request.config.getoption("--oai-contract-examples"))
    failed: str | None = None
    try:
        check.run(contract_probe, examples)
    except CheckSkipped as skip:
        pytest.skip(str(skip))
    except CheckUnsupported as missing:
        pytest.skip(f"unsupported: {missing}")
    except CheckFailed as failure:
        lines = [f"[{check.severity}] {failure}"]
        if failure.example is not None:
            lines.append(f"shrunk example: {failure.example!r}")
        if failure.exchange is not None:
            lines += [
                f"reproduce: {failure.exchange.curl()}",
                f"answer: {failure.exchange.summary()}",
            ]
        failed = "\n".join(lines)
    if failed is not None:  # failed here, not in the except: the report shows it once
        pytest.fail(failed, pytrace=False)
