"""The check catalogue: what an OpenAI-compatible backend must (or should) do, each with an
id, a description, a severity and the source of the rule.

Severities: ``required`` (the API reference or the wire format says so; clients break
otherwise), ``recommended`` (OpenAI does it and clients rely on it), ``extension`` (OpenAI
features a compatible server may leave out).

The checks live in :mod:`oai_mock.contracts.catalogue`, one module per API area; this module
gathers them.
"""

from __future__ import annotations

from oai_mock.contracts import catalogue  # noqa: F401 - registers every check
from oai_mock.contracts.core import (
    CATALOGUE,
    REFERENCE,
    SEVERITIES,
    WIRE,
    Check,
    CheckFailed,
    CheckSkipped,
    CheckUnsupported,
    Severity,
)

__all__ = [
    "CATALOGUE",
    "REFERENCE",
    "SEVERITIES",
    "WIRE",
    "Check",
    "CheckFailed",
    "CheckSkipped",
    "CheckUnsupported",
    "Severity",
    "select",
]


def select(only: set[str] | None = None, include_expensive: bool = False) -> list[Check]:
    """The checks of the given areas or ids (all when None); costly ones only when asked."""
    return [
        c
        for c in CATALOGUE
        if (only is None or c.area in only or c.id in only)
        and (include_expensive or not c.expensive)
    ]
