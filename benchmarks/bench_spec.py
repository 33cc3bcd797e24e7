"""Time to load the spec bundle and build what the engine needs, in fresh interpreters.

    .venv/bin/python benchmarks/bench_spec.py

Each figure is the median of 7 runs of a new interpreter, with a bare ``python -c pass`` as the
baseline measured in the same run. Validators compile lazily (once per schema, on first use);
the last line measures compiling all of them, which no request path does.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time

STEPS = {
    "bare interpreter (baseline)": "pass",
    "import oai_mock.spec + load_bundle()": "from oai_mock.spec import load_bundle; load_bundle()",
    "... + import the mock server, build its route table": (
        "from oai_mock.spec import load_bundle; from oai_mock.mockserver.routing import Router;"
        "Router(load_bundle().operations)"
    ),
    "... + first validator (chat request)": (
        "from oai_mock.spec import load_bundle, SchemaChecker; b = load_bundle();"
        "SchemaChecker(b).validator(b.operation('createChatCompletion').body.schemas['application/json'])"
    ),
    "compile every component schema (not on any request path)": (
        "from oai_mock.spec import load_bundle, SchemaChecker; b = load_bundle();"
        "c = SchemaChecker(b); [c.validator({'$ref': '#/$defs/' + n}) for n in b.schemas]"
    ),
}


def run(code: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], check=True)
    return time.perf_counter() - started


def main() -> None:
    base = statistics.median(run("pass") for _ in range(7))
    print(f"{'step':<62}{'ms':>8}{'minus baseline':>16}")
    for name, code in STEPS.items():
        value = statistics.median(run(code) for _ in range(7))
        print(f"{name:<62}{value * 1000:>8.0f}{(value - base) * 1000:>16.0f}")


if __name__ == "__main__":
    main()
