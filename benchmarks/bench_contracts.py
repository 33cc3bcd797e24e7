"""Valid chat request bodies generated per second, in one run: the kit's strategy against
Hypothesis's own floor (one fixed valid body with a drawn ``seed``, through the same ``@given``
loop and the same validation: about what any strategy costs at least) and against hypothesis-jsonschema's
``from_schema`` on the same (normalized) request schema.

Then the generic strategy (``operation_body``, the schema walk over any operation's request
schema) for a few operations, in CPU time; with ``--baseline REV`` the strategies module of
that git revision is loaded beside the current one and both are run in turns, so that the
ratio compares two versions under the same load.

    .venv/bin/python benchmarks/bench_contracts.py [--examples N] [--baseline REV]
"""

from __future__ import annotations

import argparse
import statistics
import time
import traceback
from types import ModuleType
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from revision import module_at

from oai_mock.contracts import strategies
from oai_mock.contracts.strategies import chat_body
from oai_mock.spec import SchemaChecker, load_bundle

GENERIC_OPERATIONS = (
    "createEmbedding",
    "createChatCompletion",
    "createResponse",
    "createMessage",
    "createEval",
    "createFineTuningJob",
)


def counted(
    strategy: st.SearchStrategy[Any], examples: int, valid: Any, clock: Any = time.perf_counter
) -> tuple[int, int, float]:
    """Values drawn through a ``@given`` loop: how many were valid, how many in all, and the
    time they took on ``clock``."""
    count = {"valid": 0, "all": 0}

    @settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(strategy)
    def draw(value: Any) -> None:
        count["all"] += 1
        count["valid"] += bool(valid(value))

    started = clock()
    draw()
    return count["valid"], count["all"], clock() - started


def rate(strategy: st.SearchStrategy[Any], examples: int, valid: Any) -> tuple[float, int]:
    good, drawn, elapsed = counted(strategy, examples, valid)
    return good / elapsed, drawn


def cpu_rate(strategy: st.SearchStrategy[Any], examples: int, valid: Any) -> tuple[float, float]:
    """Valid values and all values drawn per CPU second (CPU time: other processes' load
    counts less)."""
    good, drawn, elapsed = counted(strategy, examples, valid, time.process_time)
    return good / elapsed, drawn / elapsed


def generic_rows(examples: int, checker: SchemaChecker, baseline: str | None) -> None:
    bundle = load_bundle()
    versions: list[tuple[str, ModuleType]] = [("current", strategies)]
    if baseline is not None:
        versions.append((baseline, module_at(baseline, "oai_mock/contracts/strategies.py")))
    rates: dict[tuple[str, str], list[tuple[float, float]]] = {}
    for turn in range(3):
        for op_id in GENERIC_OPERATIONS:
            schema = bundle.operation(op_id).body.schemas["application/json"]  # type: ignore[union-attr]
            for label, module in versions if turn % 2 else versions[::-1]:
                found = cpu_rate(
                    module.operation_body(op_id),
                    examples,
                    lambda body, schema=schema: checker.is_valid(body, schema),
                )
                rates.setdefault((op_id, label), []).append(found)
    print(f"\noperation_body: bodies per CPU second, median of 3 (valid / drawn){'':>8}", end="")
    print(f"{'current':>13}" + (f"{baseline:>13}{'ratio':>13}" if baseline else ""))
    for op_id in GENERIC_OPERATIONS:
        ours = [statistics.median(r[i] for r in rates[(op_id, "current")]) for i in (0, 1)]
        line = f"{op_id:<72}{ours[0]:>6.0f} /{ours[1]:>5.0f}"
        if baseline is not None:
            theirs = [statistics.median(r[i] for r in rates[(op_id, baseline)]) for i in (0, 1)]
            line += f"{theirs[0]:>6.0f} /{theirs[1]:>5.0f}"
            line += f"{ours[0] / theirs[0]:>6.2f} /{ours[1] / theirs[1]:>5.2f}"
        print(line)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=300)
    parser.add_argument("--baseline", help="a git revision whose generic strategy runs beside")
    arguments = parser.parse_args()
    examples = arguments.examples
    bundle = load_bundle()
    checker = SchemaChecker(bundle)
    schema = dict(bundle.operation("createChatCompletion").body.schemas["application/json"])  # type: ignore[union-attr]

    def valid(body: Any) -> bool:
        return checker.is_valid(body, schema)

    fixed = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    # Distinct values (st.just would stop after one): a fixed body with a drawn seed.
    floor, _ = rate(
        st.integers(0, 2**31).map(lambda seed: {**fixed, "seed": seed}), examples, valid
    )
    ours, drawn = rate(chat_body("gpt-4o-mini"), examples, valid)
    print(f"{'strategy':<48}{'valid bodies/s':>15}{'ratio':>7}")
    print(f"{'fixed body + drawn seed (Hypothesis floor)':<48}{floor:>15.0f}{1:>7.2f}")
    print(f"{f'oai-mock chat_body ({drawn} drawn)':<48}{ours:>15.0f}{ours / floor:>7.2f}")
    try:
        from hypothesis_jsonschema import from_schema

        resolved = {**bundle.resolve(schema), "$defs": dict(bundle.schemas)}
        theirs, drawn = rate(from_schema(resolved), min(examples, 50), valid)
        print(
            f"hypothesis-jsonschema from_schema: {theirs:.1f} valid bodies/s ({drawn} drawn); ratio {ours / max(theirs, 1e-9):.0f}x"
        )
    except Exception as error:  # its current release fails on current Hypothesis: report how
        print(
            f"hypothesis-jsonschema from_schema: failed ({type(error).__name__}: {str(error)[:200]})"
        )
        traceback.print_exc(limit=1)
    generic_rows(min(examples, 150), checker, arguments.baseline)


if __name__ == "__main__":
    main()
