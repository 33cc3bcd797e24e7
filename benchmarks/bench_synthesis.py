"""The generic answer's cost: every JSON response schema of the spec synthesized, in CPU time.
With ``--baseline REV`` the synthesizer of that git revision runs beside the current one, in
turns, so that the ratio compares two versions under the same load.

    .venv/bin/python benchmarks/bench_synthesis.py [--rounds N] [--baseline REV]
"""

from __future__ import annotations

import argparse
import statistics
import time
from types import ModuleType
from typing import Any

from revision import module_at

from oai_mock.mockserver import synthesis
from oai_mock.mockserver.clock import Clock
from oai_mock.mockserver.ids import IdFactory
from oai_mock.spec import load_bundle


def cost(module: ModuleType, schemas: list[Any], repeat: int) -> float:
    """CPU seconds to synthesize every schema ``repeat`` times."""
    bundle = load_bundle()
    synthesizer = module.Synthesizer(bundle, IdFactory(0), Clock())
    context = module.Context(body={"model": "gpt-4o-mini"}, key="bench")
    started = time.process_time()
    for _ in range(repeat):
        for schema in schemas:
            synthesizer.build(schema, context)
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--baseline", help="a git revision whose synthesizer runs beside")
    arguments = parser.parse_args()
    bundle = load_bundle()
    schemas = [s for op in bundle.operations for m in op.responses.values() for s in m.values()]
    versions: list[tuple[str, ModuleType]] = [("current", synthesis)]
    if arguments.baseline:
        path = "oai_mock/mockserver/synthesis.py"
        versions.append((arguments.baseline, module_at(arguments.baseline, path)))
    times: dict[str, list[float]] = {label: [] for label, _ in versions}
    for turn in range(arguments.rounds):
        for label, module in versions if turn % 2 else versions[::-1]:
            times[label].append(cost(module, schemas, 3))
    answers = len(schemas) * 3
    current = statistics.median(times["current"])
    print(f"{answers} answers from {len(schemas)} response schemas, median of {arguments.rounds}")
    print(f"current: {current * 1e6 / answers:.1f} us per answer (CPU)")
    if arguments.baseline:
        theirs = statistics.median(times[arguments.baseline])
        print(
            f"{arguments.baseline}: {theirs * 1e6 / answers:.1f} us per answer; "
            f"current / baseline: {current / theirs:.2f}"
        )


if __name__ == "__main__":
    main()
