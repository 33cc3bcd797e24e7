"""Valid chat request bodies generated per second, in one run: the kit's strategy against
Hypothesis's own floor (one fixed valid body with a drawn ``seed``, through the same ``@given``
loop and the same validation: about what any strategy costs at least) and against hypothesis-jsonschema's
``from_schema`` on the same (normalized) request schema.

    .venv/bin/python benchmarks/bench_contracts.py [--examples N]
"""

from __future__ import annotations

import argparse
import time
import traceback
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from oai_mock.contracts.strategies import chat_body
from oai_mock.spec import SchemaChecker, load_bundle


def rate(strategy: st.SearchStrategy[Any], examples: int, valid: Any) -> tuple[float, int]:
    count = {"valid": 0, "all": 0}

    @settings(
        max_examples=examples, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(strategy)
    def draw(value: Any) -> None:
        count["all"] += 1
        count["valid"] += bool(valid(value))

    started = time.perf_counter()
    draw()
    elapsed = time.perf_counter() - started
    return count["valid"] / elapsed, count["all"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=300)
    examples = parser.parse_args().examples
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


if __name__ == "__main__":
    main()
