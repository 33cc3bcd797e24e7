"""Cassettes for the ``oai_mock`` fixture: ``@pytest.mark.oai_mock(cassette=..., record=...)``.

Record modes, as vcrpy and pytest-recording users know them:

- ``none`` (the default): replay only; a request the cassette has no answer for is refused
  (and fails the test, naming the closest recorded request).
- ``once``: record every request when the cassette file does not exist yet, else as ``none``.
- ``new``: replay what is recorded, record what is not (``new_episodes`` also accepted).
- ``all``: record every request again, replacing the cassette.

Recording sends the requests to the upstream from ``--oai-mock-record-upstream``, the
``oai_mock_record_upstream`` ini option, ``OAI_MOCK_RECORD_UPSTREAM`` or ``OPENAI_BASE_URL``
(in that order; https://api.openai.com/v1 otherwise), with the key the code under test sends
(``OPENAI_API_KEY``) unless ``OAI_MOCK_RECORD_API_KEY`` names another.

This module imports nothing heavy until a test uses a cassette.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pytest

    from oai_mock.mockserver.engine import OpenAIMock
    from oai_mock.recording.forward import Forwarder
    from oai_mock.recording.replay import ReplaySource

MODES = ("none", "once", "new", "all")
ALIASES = {"new_episodes": "new"}
DEFAULT_UPSTREAM = "https://api.openai.com/v1"
MARKER_OPTIONS = ("cassette", "record", "match_ignore", "on_miss", "pace", "scrub", "timing")
MARKER_DEFAULTS: dict[str, Any] = {
    "cassette": None,
    "record": None,
    "match_ignore": (),
    "on_miss": "refuse",
    "pace": 0.0,
    "scrub": (),
    "timing": None,
}


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("oai-mock")
    group.addoption(
        "--oai-mock-record",
        default=None,
        choices=[*MODES, *ALIASES],
        help="record mode of oai_mock cassettes: none (default), once, new or all",
    )
    group.addoption(
        "--oai-mock-record-upstream",
        default=None,
        metavar="URL",
        help="the API cassettes record from (default: OAI_MOCK_RECORD_UPSTREAM, "
        "OPENAI_BASE_URL or https://api.openai.com/v1)",
    )
    parser.addini("oai_mock_record", "record mode of oai_mock cassettes", default="none")
    parser.addini("oai_mock_record_upstream", "the API oai_mock cassettes record from", default="")


def cassette_path(request: pytest.FixtureRequest, value: Any) -> Path:
    """``cassette=True``: ``cassettes/<module>/<test>.yaml`` beside the test file; a relative
    path is taken from the test file's folder."""
    folder = Path(str(request.node.path)).parent
    if value is True:
        module = Path(str(request.node.path)).stem
        name = "".join(c if c.isalnum() or c in "-_." else "_" for c in request.node.name)
        return folder / "cassettes" / module / f"{name}.yaml"
    path = Path(str(value))
    return path if path.is_absolute() else folder / path


def _mode(request: pytest.FixtureRequest, settings: dict[str, Any]) -> str:
    config = request.config
    mode = (
        settings["record"]
        or config.getoption("--oai-mock-record")
        or config.getini("oai_mock_record")
    )
    mode = ALIASES.get(str(mode), str(mode))
    if mode not in MODES:
        import pytest

        raise pytest.UsageError(f"oai_mock record mode {mode!r}: one of {MODES}")
    return mode


def _upstream(request: pytest.FixtureRequest) -> str:
    config = request.config
    return str(
        config.getoption("--oai-mock-record-upstream")
        or config.getini("oai_mock_record_upstream")
        or os.environ.get("OAI_MOCK_RECORD_UPSTREAM")
        or os.environ.get("OPENAI_BASE_URL")
        or DEFAULT_UPSTREAM
    )


@dataclass
class CassetteUse:
    """A test's cassette, attached to its fake until the test ends."""

    path: Path
    mode: str
    source: ReplaySource
    forwarder: Forwarder | None

    def finish(self) -> list[str]:
        """Close the upstream connection; what went wrong, for the test's report."""
        if self.forwarder is not None:
            self.forwarder.close()
        if self.source.on_miss != "refuse":
            return []
        hint = f"(record it with --oai-mock-record=new; the cassette is {self.path})"
        return [f"{miss.describe()} {hint}" for miss in self.source.misses]


def attach(
    mock: OpenAIMock, settings: dict[str, Any], request: pytest.FixtureRequest
) -> CassetteUse | None:
    """Give ``mock`` the marker's timing and cassette (None when the test names none)."""
    if settings.get("timing"):
        from oai_mock.mockserver.timing import Timing, TimingError

        try:
            mock.timing = Timing.from_value(settings["timing"], "oai_mock timing", mock.seed)
        except TimingError as error:
            import pytest

            raise pytest.UsageError(str(error)) from None
    if not settings.get("cassette"):
        return None
    from oai_mock.recording.cassette import CassetteError, CassetteWriter, load_cassette
    from oai_mock.recording.forward import Forwarder
    from oai_mock.recording.recorder import Recorder, public_url
    from oai_mock.recording.replay import ReplaySource
    from oai_mock.recording.scrub import Scrubber

    path = cassette_path(request, settings["cassette"])
    mode = _mode(request, settings)
    exists = path.exists()
    try:
        recorded = load_cassette(path) if exists and mode != "all" else []
    except CassetteError as error:
        import pytest

        pytest.fail(f"oai_mock: {error}", pytrace=False)
    records = mode in ("new", "all") or (mode == "once" and not exists)
    forwarder = None
    if records:
        upstream = _upstream(request)
        writer = CassetteWriter(path, public_url(upstream), keep=recorded)
        forwarder = Forwarder(
            upstream,
            Recorder(writer, Scrubber(settings["scrub"])),
            api_key=os.environ.get("OAI_MOCK_RECORD_API_KEY"),
        )
    source = ReplaySource(
        recorded,
        ignore=settings["match_ignore"],
        on_miss=settings["on_miss"],
        pace=float(settings["pace"]),
        forwarder=forwarder,
        replay=mode != "all" and not (mode == "once" and not exists),
    )
    mock.accept_unknown_arguments = True  # what the upstream accepted is replayed as it was
    mock.replay = source
    return CassetteUse(path, mode, source, forwarder)
