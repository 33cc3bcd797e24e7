"""Contract runs against a backend given as an httpx transport (the fake, changed to deviate)."""

from __future__ import annotations

from typing import Any

import httpx

from oai_mock.contracts.runner import ContractRun, Results


def run_over(transport: httpx.BaseTransport, only: list[str] | None, **options: Any) -> Results:
    """The checks ``only`` names (None: all) against ``transport``, model ``gpt-4o-mini``."""
    return ContractRun(
        "http://backend.test/v1",
        model="gpt-4o-mini",
        only=only,
        http_client=lambda: httpx.Client(transport=transport),
        **options,
    ).execute()
