"""Waivers: the known deviations of a provider profile, matched against check ids."""

from __future__ import annotations

from collections.abc import Iterable
from fnmatch import fnmatchcase

from oai_mock.profiles import Deviation, load_profile

Waiver = Deviation


def load_waivers(name_or_path: str) -> tuple[Waiver, ...]:
    """The deviations a profile (shipped name or file path) lists."""
    return load_profile(name_or_path).deviations


def find_waiver(waivers: Iterable[Waiver], check_id: str) -> Waiver | None:
    """The first waiver whose ``check`` (an id or a glob) names this check."""
    return next((w for w in waivers if fnmatchcase(check_id, w.check)), None)
