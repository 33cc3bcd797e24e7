"""Contracts: ask a backend the questions the OpenAI API answers, and report where it deviates.

    python examples/contracts.py                            # a faithful fake, then a quirky one
    python examples/contracts.py http://127.0.0.1:8000/v1   # any OpenAI-compatible server

(`oai-mock serve` accepts any model name unless started with --strict-models, so against it
the recommended check errors.unknown-model fails; the exit code counts required checks only.)

With no argument, two fakes run in this process: the faithful one passes; the other behaves like
a server with two known deviations (`oai-mock quirks` lists them all), and the report names the
checks that catch them, with a curl line to reproduce each. `oai-mock contract --base-url URL`
is the same run from the command line, with JSON, JUnit, Markdown and HTML reports.
"""

from __future__ import annotations

import sys
from collections.abc import Callable

import httpx

from oai_mock import OpenAIMock
from oai_mock.contracts.reports import markdown, terminal
from oai_mock.contracts.runner import ContractRun, Results

# A quick run: chat, streams and errors; leave `only` out for the whole catalogue.
AREAS = ["chat", "stream", "errors"]


def run_contracts(base_url: str, http_client: Callable[[], httpx.Client] | None = None) -> Results:
    run = ContractRun(base_url, only=AREAS, max_examples=3, seed=1, http_client=http_client)
    results = run.execute()
    print(terminal(results))
    print()
    return results


if __name__ == "__main__":
    if len(sys.argv) > 1:
        results = run_contracts(sys.argv[1])
        sys.exit(1 if results.failed_required else 0)

    faithful = OpenAIMock(strict_models=True)  # unknown models get OpenAI's 404
    results = run_contracts(faithful.base_url, faithful.httpx_client)
    assert results.count("failed") == 0

    quirky = OpenAIMock(strict_models=True, quirks=["no-done", "finish-reason-missing"])
    results = run_contracts(quirky.base_url, quirky.httpx_client)
    failed = {r.check.id: r.message for r in results.results if r.outcome == "failed"}
    print("the quirky server fails:", sorted(failed))
    assert "[DONE]" in failed["stream.framing"]  # no-done
    assert "finish_reason" in failed["chat.finish-reason"]  # finish-reason-missing
    # The same results as a Markdown table for a pull request or a wiki page:
    print("\n".join(markdown(results).splitlines()[:6]))
