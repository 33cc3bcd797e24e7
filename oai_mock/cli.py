"""The ``oai-mock`` command: ``oai-mock serve`` runs the fake OpenAI server."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from typing import Any

from oai_mock import __version__
from oai_mock.mockserver.serve_options import add_dev_server_options
from oai_mock.recording.commands import add_record_command, add_serve_options, configure_serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="oai-mock", description="A fake OpenAI API for tests.")
    parser.add_argument("--version", action="version", version=f"oai-mock {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="serve the fake OpenAI API over HTTP")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8000, help="port (default 8000; 0 picks one)")
    serve.add_argument("--seed", type=int, default=0, help="seed of every generated answer")
    serve.add_argument(
        "--api-key",
        default=None,
        help="require this key ('*' accepts any non-empty key); by default no key is needed",
    )
    serve.add_argument(
        "--clock",
        choices=["real", "frozen", "accelerated"],
        default="real",
        help="how the fake's time moves (default real)",
    )
    serve.add_argument("--speed", type=float, default=60.0, help="speed of an accelerated clock")
    serve.add_argument("--quiet", action="store_true", help="do not log one line per request")
    serve.add_argument(
        "--scenario",
        metavar="FILE",
        help="YAML or JSON file of scripted replies and faults (see the README)",
    )
    serve.add_argument(
        "--model",
        action="append",
        default=[],
        metavar="ID",
        help="add a model id to the catalogue /v1/models lists (repeatable)",
    )
    serve.add_argument(
        "--journal-limit",
        type=int,
        default=1000,
        metavar="N",
        help="requests kept in memory (default 1000; a long-running server must not "
        "hold every upload it received)",
    )
    serve.add_argument(
        "--strict-models",
        action="store_true",
        help="answer 404 model_not_found for models outside the catalogue, as OpenAI does "
        "(by default any model name is accepted)",
    )
    serve.add_argument(
        "--unknown-ids",
        choices=["404", "synthesize"],
        default="404",
        help="an id nothing created: 404 as OpenAI answers (default), or synthesize an object "
        "of that id that then exists for the run (a spec mock for generated SDK test suites)",
    )
    serve.add_argument(
        "--lifecycle",
        choices=["per_poll", "clock", "manual"],
        default="per_poll",
        help="how batches, fine-tuning jobs and runs move (default per_poll)",
    )
    serve.add_argument(
        "--quirk",
        action="append",
        default=[],
        metavar="NAME",
        help="behave like a deviating compatible server (repeatable; `oai-mock quirks` lists them)",
    )
    serve.add_argument(
        "--profile",
        metavar="NAME",
        help="behave like a provider profile (shipped name or JSON file): its known deviations",
    )
    serve.add_argument(
        "--step-seconds",
        type=float,
        default=1.0,
        help="with --lifecycle clock: seconds of the mock's clock per step",
    )

    _add_safety_options(serve)
    add_serve_options(serve)
    add_dev_server_options(serve)

    commands.add_parser("quirks", help="list the deviations `serve --quirk` can reproduce")
    commands.add_parser("profiles", help="list the provider profiles the kit ships")
    add_record_command(commands)

    contract = commands.add_parser(
        "contract", help="check an OpenAI-compatible backend against the spec"
    )
    from oai_mock.contracts.command import add_arguments, add_matrix

    add_arguments(contract)
    add_matrix(contract.add_subparsers(dest="contract_command"))

    args = parser.parse_args(argv)
    try:
        return _dispatch(args)
    except BrokenPipeError:
        # The reader went away (`oai-mock quirks | head`): not a failure. Point stdout at
        # devnull so that the interpreter's final flush does not raise again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "serve":
        return _serve(args)
    if args.command == "contract":
        return _contract(args)
    if args.command == "record":
        from oai_mock.recording.commands import record

        return record(args)
    if args.command == "quirks":
        from oai_mock.mockserver.quirks import CATALOGUE

        for quirk in CATALOGUE:
            print(f"{quirk.name:<30} {quirk.description} (seen in: {quirk.seen_in})")
        return 0
    if args.command == "profiles":
        from oai_mock.profiles import print_shipped

        return print_shipped()
    return 2  # pragma: no cover - argparse rejects unknown commands first


def _contract(args: argparse.Namespace) -> int:
    from oai_mock.contracts.command import run

    return run(args)


def _serve(args: argparse.Namespace) -> int:
    from oai_mock.mockserver.clock import Clock
    from oai_mock.mockserver.engine import OpenAIMock

    if args.speed <= 0:
        print("oai-mock: --speed must be positive", file=sys.stderr)
        return 2
    if args.journal_limit < 0:
        print("oai-mock: --journal-limit must be 0 or more", file=sys.stderr)
        return 2
    from oai_mock.mockserver.serving import ServeLimits

    problem = _check_safety_options(args)
    if problem:
        print(f"oai-mock: {problem}", file=sys.stderr)
        return 2
    from oai_mock.mockserver.scenario_file import ScenarioError, load_scenario

    rules: list[Any] = []
    scenario_timing: Any = None
    if args.scenario:
        try:
            rules, scenario_timing = load_scenario(args.scenario)
        except ScenarioError as error:
            print(f"oai-mock: {error}", file=sys.stderr)
            return 2
    from oai_mock.mockserver.quirks import NAMES

    unknown = sorted(set(args.quirk) - NAMES)
    if unknown:
        print(
            f"oai-mock: unknown quirk(s) {unknown}; `oai-mock quirks` lists them", file=sys.stderr
        )
        return 2
    from oai_mock.profiles import ProfileError, load_profile

    if args.profile:
        try:
            load_profile(args.profile)
        except ProfileError as error:
            print(f"oai-mock: {error}", file=sys.stderr)
            return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", stream=sys.stdout)
    mock = OpenAIMock(
        admin_key=args.admin_key,
        max_objects=args.max_objects,
        max_stored_bytes=args.max_stored_bytes,
        journal_bytes=args.journal_bytes,
        quirks=args.quirk,
        profile=args.profile,
        seed=args.seed,
        api_key=args.api_key,
        clock=Clock(args.clock, speed=args.speed),
        models=tuple(args.model),
        lifecycle=args.lifecycle,
        step_seconds=args.step_seconds,
        strict_models=args.strict_models,
        unknown_ids=args.unknown_ids,
        journal_limit=args.journal_limit,
    )
    mock.scenario.add_all(rules)
    serve_error = configure_serve(mock, args, scenario_timing)
    if serve_error is not None:
        return serve_error
    args.serve_limits = ServeLimits(
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
        keep_alive=args.keep_alive,
        max_connections=args.max_connections,
        send_timeout=args.send_timeout,
    )
    from oai_mock.mockserver import devserver

    return devserver.run(mock, args, rules, key=args.admin_key or args.api_key)


def _add_safety_options(serve: argparse.ArgumentParser) -> None:
    """Keys, origins, stored-state bounds and connection timeouts (README: Limits and safety)."""
    from oai_mock.mockserver.serving import DEFAULT_LIMITS
    from oai_mock.mockserver.state import DEFAULT_MAX_BYTES, DEFAULT_MAX_OBJECTS

    group = serve.add_argument_group("limits and safety")
    group.add_argument(
        "--admin-key", help="the key the admin operations (/organization/...) require"
    )
    group.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a browser origin (http://localhost:3000, or *) that may call the fake, with CORS "
        "(repeatable; by default browsers on other origins are refused)",
    )
    group.add_argument(
        "--max-objects",
        type=int,
        default=DEFAULT_MAX_OBJECTS,
        metavar="N",
        help="stored objects kept; the oldest are evicted first (default %(default)s)",
    )
    group.add_argument(
        "--max-stored-bytes",
        type=int,
        default=DEFAULT_MAX_BYTES,
        metavar="N",
        help="bytes of stored file contents and images (default %(default)s)",
    )
    group.add_argument(
        "--journal-bytes",
        type=int,
        default=64 * 1024 * 1024,
        metavar="N",
        help="bytes of request bodies the journal keeps (default %(default)s)",
    )
    group.add_argument(
        "--header-timeout",
        type=float,
        default=DEFAULT_LIMITS.header_timeout,
        metavar="S",
        help="seconds a request head may take (default %(default)s)",
    )
    group.add_argument(
        "--body-timeout",
        type=float,
        default=DEFAULT_LIMITS.body_timeout,
        metavar="S",
        help="seconds a request body may take (default %(default)s)",
    )
    group.add_argument(
        "--send-timeout",
        type=float,
        default=DEFAULT_LIMITS.send_timeout,
        metavar="S",
        help="seconds a client may leave an answer unread before it is cut off "
        "(default %(default)s)",
    )
    group.add_argument(
        "--keep-alive",
        type=float,
        default=DEFAULT_LIMITS.keep_alive,
        metavar="S",
        help="seconds an idle connection is kept (default %(default)s)",
    )
    group.add_argument("--max-connections", type=int, default=DEFAULT_LIMITS.max_connections,
                       metavar="N", help="open connections served at once (default %(default)s)")  # fmt: skip


def _check_safety_options(args: argparse.Namespace) -> str | None:
    for name in ("max_objects", "max_connections"):
        if getattr(args, name) < 1:
            return f"--{name.replace('_', '-')} must be 1 or more"
    for name in ("max_stored_bytes", "journal_bytes"):
        if getattr(args, name) < 0:
            return f"--{name.replace('_', '-')} must be 0 or more"
    for name in ("header_timeout", "body_timeout", "keep_alive", "send_timeout"):
        if not getattr(args, name) > 0:  # NaN too
            return f"--{name.replace('_', '-')} must be positive"
    return None


if __name__ == "__main__":
    sys.exit(main())
