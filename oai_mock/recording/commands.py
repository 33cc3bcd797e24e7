"""The command-line side: ``oai-mock record`` and the replay options of ``oai-mock serve``."""

from __future__ import annotations

import argparse
import datetime
import sys
from pathlib import Path
from typing import Any

from oai_mock import __version__

PACES = {"recorded": 1.0, "fast": 0.0}


MAX_PACE = 1000.0
"""The slowest replay: a thousand times the recorded pauses (inf would hang every answer)."""


def parse_pace(value: str) -> float:
    """``recorded`` (1.0), ``fast`` (0: at once) or a factor applied to the recorded times."""
    if value in PACES:
        return PACES[value]
    try:
        factor = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{value!r}: 'recorded', 'fast' or a factor such as 0.5"
        ) from None
    if not 0 <= factor <= MAX_PACE:  # NaN fails this too
        raise argparse.ArgumentTypeError(
            f"the pace factor must be a number from 0 to {MAX_PACE:g}, not {value!r}"
        )
    return factor


def split_names(values: list[str]) -> list[str]:
    return [name.strip() for value in values for name in value.split(",") if name.strip()]


def add_record_command(commands: Any) -> None:
    record = commands.add_parser(
        "record",
        help="a proxy that forwards to a real OpenAI-compatible API and records a cassette",
    )
    record.add_argument(
        "--upstream",
        required=True,
        metavar="URL",
        help="the API to record, e.g. https://api.openai.com/v1 or an Azure resource URL",
    )
    record.add_argument(
        "--cassette",
        default="cassettes",
        metavar="PATH",
        help="a folder (one new cassette per run, the default: cassettes/) or a .yaml file "
        "(recorded exchanges are added to it)",
    )
    record.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    record.add_argument("--port", type=int, default=8001, help="port (default 8001; 0 picks one)")
    record.add_argument(
        "--scrub",
        action="append",
        default=[],
        metavar="REGEX",
        help="also replace what this pattern matches, anywhere, before writing (repeatable)",
    )
    record.add_argument(
        "--upstream-key",
        default=None,
        metavar="KEY",
        help="send this key to the upstream instead of the client's (never written)",
    )
    record.add_argument("--timeout", type=float, default=600.0, help="seconds per upstream answer")
    record.add_argument("--quiet", action="store_true", help="do not log one line per exchange")


def add_serve_options(serve: argparse.ArgumentParser) -> None:
    """``serve``'s replay and timing options."""
    serve.add_argument(
        "--timing",
        action="append",
        default=[],
        metavar="PROFILE",
        help="pace answers like a model: first_token=0.4,tokens_per_second=50,jitter=0.2 for "
        "every model, or MODEL:tps=80 for one (repeatable; also a scenario file's timing key)",
    )
    serve.add_argument(
        "--replay",
        metavar="PATH",
        default=None,
        help="answer from a cassette file or a folder of cassettes (see the README)",
    )
    serve.add_argument(
        "--replay-strict",
        action="store_true",
        help="refuse requests the cassette has no answer for, naming the closest recorded one "
        "(by default the fake answers them)",
    )
    serve.add_argument(
        "--pace",
        type=parse_pace,
        default=1.0,
        metavar="PACE",
        help="replayed timing: recorded (default), fast, or a factor such as 0.5",
    )
    serve.add_argument(
        "--match-ignore",
        action="append",
        default=[],
        metavar="FIELDS",
        help="body fields (a.b for nested ones) or query parameters left out of matching, "
        "e.g. user,metadata,stream_options",
    )


def configure_serve(mock: Any, args: argparse.Namespace, scenario_timing: Any = None) -> int | None:
    """Give ``mock`` its timing and the cassette ``--replay`` names; an exit code when either
    cannot be read. ``scenario_timing``: the scenario file's ``timing``, when it was read with
    its rules."""
    from oai_mock.mockserver.scenario_file import ScenarioError, file_timing
    from oai_mock.mockserver.timing import Timing, TimingError

    try:
        if args.timing:
            mock.timing = Timing.parse(args.timing, seed=args.seed)
        elif args.scenario:
            if scenario_timing is None:  # not read with the rules: read it now
                scenario_timing = file_timing(args.scenario)
            if scenario_timing is not None:
                where = f"{args.scenario}: timing"
                mock.timing = Timing.from_value(scenario_timing, where, seed=args.seed)
    except (TimingError, ScenarioError) as error:
        print(f"oai-mock: {error}", file=sys.stderr)
        return 2
    if not args.replay:
        return None
    from oai_mock.recording.cassette import CassetteError, load_cassettes
    from oai_mock.recording.replay import ReplaySource

    if not Path(args.replay).exists():
        print(f"oai-mock: --replay {args.replay}: no such file or folder", file=sys.stderr)
        return 2
    try:
        exchanges = load_cassettes(args.replay)
    except (OSError, CassetteError) as error:
        print(f"oai-mock: {error}", file=sys.stderr)
        return 2
    mock.accept_unknown_arguments = True  # what the upstream accepted is replayed as it was
    mock.replay = ReplaySource(
        exchanges,
        ignore=split_names(args.match_ignore),
        on_miss="refuse" if args.replay_strict else "fake",
        pace=args.pace,
    )
    print(f"oai-mock: replaying {len(exchanges)} recorded exchange(s) from {args.replay}")
    if not exchanges:
        print(
            f"oai-mock: --replay {args.replay} holds no recorded exchange: the fake answers "
            "every request (`oai-mock record` writes cassettes)",
            file=sys.stderr,
        )
    return None


def cassette_path(location: str) -> Path:
    path = Path(location)
    if path.suffix in (".yaml", ".yml"):
        return path
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    candidate = path / f"session-{stamp}.yaml"
    number = 1
    while candidate.exists():
        number += 1
        candidate = path / f"session-{stamp}-{number}.yaml"
    return candidate


def record(args: argparse.Namespace) -> int:
    import logging

    import httpx

    from oai_mock.mockserver.serving import run_until_interrupted
    from oai_mock.recording.cassette import CassetteError, CassetteWriter, load_cassette
    from oai_mock.recording.proxy import create_recording_app
    from oai_mock.recording.recorder import Recorder, public_url
    from oai_mock.recording.scrub import Scrubber

    upstream = httpx.URL(args.upstream)
    if upstream.scheme not in ("http", "https") or not upstream.host:
        print(f"oai-mock: --upstream {args.upstream!r} is not an http(s) URL", file=sys.stderr)
        return 2
    try:
        scrubber = Scrubber(args.scrub)
    except ValueError as error:
        print(f"oai-mock: {error}", file=sys.stderr)
        return 2
    path = cassette_path(args.cassette)
    kept = []
    if path.exists():
        try:
            kept = load_cassette(path)
        except CassetteError as error:
            print(f"oai-mock: will not add to it: {error}", file=sys.stderr)
            return 2
    writer = CassetteWriter(path, public_url(args.upstream), keep=kept)
    recorder = Recorder(writer, scrubber)
    logger = logging.getLogger("oai_mock.record")
    if not args.quiet:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
        logging.getLogger("httpx").setLevel(logging.WARNING)
        writer.on_write = lambda exchange: logger.info(
            "%s %s -> %d recorded (%s)",
            exchange.request.method,
            exchange.request.path,
            exchange.response.status,
            exchange.operation or "-",
        )
    client = httpx.AsyncClient(timeout=args.timeout)
    app = create_recording_app(args.upstream, recorder, api_key=args.upstream_key, client=client)
    prefix = upstream.path.rstrip("/") or "/v1"
    run_until_interrupted(
        app,
        args.host,
        args.port,
        lambda host, port: [
            f"oai-mock {__version__} recording {public_url(args.upstream)} at "
            f"http://{host}:{port}{prefix} into {path}",
            "press Ctrl-C to stop",
        ],
    )
    print(f"oai-mock stopped; {writer.count} exchange(s) in {path}", flush=True)
    return 0
