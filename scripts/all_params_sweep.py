"""The all-params sweep of every operation through the official SDK, whole, with its figure.

Usage: scripts/sdk-sweep
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

import openai
from sdk_sweep import NO_SDK_METHOD, Sweep, sweep_client


def main() -> int:
    client = sweep_client()
    outcome = Sweep.of(client).run(client)
    print(outcome.summary(openai.__version__))
    for op_id, reason in sorted(NO_SDK_METHOD.items()):
        print(f"  without an SDK method: {op_id}: {reason}")
    for failure in outcome.failures:
        print(f"  FAILED {failure}")
    return 1 if outcome.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
