"""``oai-mock contract``: its options, and running it.

``oai-mock contract --base-url URL [...]`` runs the catalogue; ``--list`` prints it;
``oai-mock contract matrix a.json b.json -o matrix.html`` builds the matrix page from the
``--json`` results of several runs.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import orjson

from oai_mock.contracts.core import SEVERITIES


def add_arguments(contract: argparse.ArgumentParser) -> None:
    contract.add_argument(
        "--base-url", help="the backend's API base, e.g. http://127.0.0.1:8000/v1"
    )
    contract.add_argument(
        "--api-key",
        default=None,
        help="the key to send (also checks the 401 for a missing key); never read from the "
        "environment, so a real OpenAI key is not sent to another backend",
    )
    contract.add_argument(
        "--model", default=None, help="chat model to use (default: the first the backend lists)"
    )
    contract.add_argument("--embedding-model", default="text-embedding-3-small")
    contract.add_argument(
        "--only",
        default=None,
        help="comma-separated areas or check ids: errors,auth,chat,stream,embeddings,models,"
        "completions,moderations,responses,files,flows (`--list` shows every id)",
    )
    contract.add_argument(
        "--profile", choices=["strict", "lenient"], default="strict", help="schema profile"
    )
    contract.add_argument(
        "--max-examples", type=int, default=3, help="generated requests per check (default 3)"
    )
    contract.add_argument("--seed", type=int, default=0, help="seed of the generated requests")
    contract.add_argument(
        "--timeout", type=float, default=60.0, help="seconds an answer may take, whole"
    )
    contract.add_argument(
        "--budget", type=int, default=800, help="most requests the run may send (default 800)"
    )
    contract.add_argument(
        "--shrink-requests",
        type=int,
        default=12,
        help="most requests spent shrinking one failure (default 12)",
    )
    contract.add_argument(
        "--run-timeout",
        type=float,
        default=1800.0,
        help="seconds the whole run may take; checks not done by then are skipped (default 1800)",
    )
    contract.add_argument("--concurrency", type=int, default=1, help="checks run at once")
    contract.add_argument(
        "--expensive", action="store_true", help="also run costly checks (images, speech, batches)"
    )
    contract.add_argument(
        "--fail-on",
        choices=SEVERITIES,
        default="extension",
        help="the least severity whose failure fails the run (default extension: any failure)",
    )
    contract.add_argument(
        "--waive",
        metavar="FILE",
        help="a provider profile (shipped name or JSON file) whose known deviations are shown as waived",
    )
    contract.add_argument(
        "--retries", type=int, default=3, help="times a 429 or 503 is waited out (default 3)"
    )
    contract.add_argument(
        "--max-wait", type=float, default=30.0, help="longest retry-after waited out, in seconds"
    )
    contract.add_argument("--list", action="store_true", help="print the check catalogue and exit")
    contract.add_argument("--json", dest="json_path", metavar="PATH")
    contract.add_argument("--junit", metavar="PATH")
    contract.add_argument("--markdown", metavar="PATH")
    contract.add_argument("--html", metavar="PATH")
    contract.add_argument("--quiet", action="store_true", help="no progress lines")


def add_matrix(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    matrix = commands.add_parser(
        "matrix", help="build the compatibility matrix page from --json results"
    )
    matrix.add_argument("results", nargs="+", metavar="RESULT.json")
    matrix.add_argument(
        "-o", "--output", required=True, metavar="PATH", help="the HTML page to write"
    )


def print_catalogue() -> int:
    from oai_mock.contracts.checks import CATALOGUE

    width = max(len(c.id) for c in CATALOGUE) + 2
    for c in CATALOGUE:
        cost = " (costly: --expensive)" if c.expensive else ""
        print(f"{c.id:<{width}}{c.severity:<13}{c.description}{cost}")
        print(f"{'':<{width}}{'':<13}source: {c.source}")
    print(f"{len(CATALOGUE)} checks")
    return 0


def _results_problem(value: object) -> str | None:
    """Why ``value`` is not what ``oai-mock contract --json`` writes, or None."""
    if not isinstance(value, dict):
        return "not a results file of `oai-mock contract --json` (not a JSON object)"
    results = value.get("results")
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        return "not a results file of `oai-mock contract --json` (no list of results)"
    return None


def matrix(args: argparse.Namespace) -> int:
    from oai_mock.contracts.html import matrix_html

    problem = writable_problem(args.output)
    if problem is not None:
        print(f"oai-mock: {problem}", file=sys.stderr)
        return 2
    runs = []
    for name in args.results:
        try:
            run = orjson.loads(Path(name).read_bytes())
        except (OSError, orjson.JSONDecodeError) as error:
            print(f"oai-mock: cannot read {name}: {error}", file=sys.stderr)
            return 2
        problem = _results_problem(run)
        if problem is not None:
            print(f"oai-mock: {name} is {problem}", file=sys.stderr)
            return 2
        runs.append(run)
    names = [Path(n).stem for n in args.results]
    Path(args.output).write_text(matrix_html(runs, names), encoding="utf-8")
    print(f"matrix of {len(runs)} runs written to {args.output}")
    return 0


def writable_problem(path: str) -> str | None:
    """Why a report cannot be written at ``path``, or None: checked before a run, so a long
    run does not end in a traceback and lose the other reports."""
    target = Path(path)
    if target.is_dir():
        return f"cannot write a report to {path}: it is a directory"
    folder = target.parent
    if not folder.is_dir():
        return f"cannot write a report to {path}: no folder {folder}"
    # Asked, not tried: no empty file is left behind when the run then stops on another option.
    if not os.access(target if target.exists() else folder, os.W_OK):
        return f"cannot write a report to {path}: permission denied"
    return None


def option_problem(args: argparse.Namespace) -> str | None:
    """An option out of its range, in one line, or None."""
    at_least = {
        "--budget": (args.budget, 1),
        "--max-examples": (args.max_examples, 1),
        "--concurrency": (args.concurrency, 1),
        "--shrink-requests": (args.shrink_requests, 0),
        "--retries": (args.retries, 0),
    }
    for name, (value, low) in at_least.items():
        if value < low:
            return f"{name} must be {low} or more, not {value}"
    for name, value in (("--timeout", args.timeout), ("--run-timeout", args.run_timeout)):
        if not value > 0:
            return f"{name} must be a number of seconds above 0, not {value:g}"
    if not args.max_wait >= 0:
        return f"--max-wait must be 0 or more seconds, not {args.max_wait:g}"
    for path in (args.json_path, args.junit, args.markdown, args.html):
        if path:
            problem = writable_problem(path)
            if problem is not None:
                return problem
    return None


def run(args: argparse.Namespace) -> int:
    if getattr(args, "contract_command", None) == "matrix":
        return matrix(args)
    if args.list:
        return print_catalogue()
    if not args.base_url:
        print(
            "oai-mock: contract needs --base-url (or --list, or the matrix subcommand)",
            file=sys.stderr,
        )
        return 2
    problem = option_problem(args)
    if problem is not None:
        print(f"oai-mock: {problem}", file=sys.stderr)
        return 2
    from oai_mock.contracts.html import html_report
    from oai_mock.contracts.progress import Progress
    from oai_mock.contracts.reports import junit, markdown, terminal
    from oai_mock.contracts.runner import ContractRun
    from oai_mock.contracts.waivers import load_waivers
    from oai_mock.profiles import Deviation, ProfileError

    waivers: tuple[Deviation, ...] = ()
    if args.waive:
        try:
            waivers = load_waivers(args.waive)
        except ProfileError as error:
            print(f"oai-mock: {error}", file=sys.stderr)
            return 2
        from fnmatch import fnmatchcase

        from oai_mock.contracts.checks import CATALOGUE

        ids = [check.id for check in CATALOGUE]
        unknown = [w.check for w in waivers if not any(fnmatchcase(i, w.check) for i in ids)]
        if unknown:
            print(
                f"oai-mock: {args.waive} waives checks that do not exist: {', '.join(unknown)} "
                "(`oai-mock contract --list` shows every id)",
                file=sys.stderr,
            )
            return 2
    selected = [a.strip() for a in args.only.split(",")] if args.only else None
    contract_run = ContractRun(
        args.base_url,
        api_key=args.api_key,
        model=args.model,
        embedding_model=args.embedding_model,
        only=selected,
        profile=args.profile,
        max_examples=args.max_examples,
        timeout=args.timeout,
        budget=args.budget,
        concurrency=args.concurrency,
        include_expensive=args.expensive,
        seed=args.seed,
        waivers=waivers,
        waivers_name=args.waive,
        retries=args.retries,
        max_wait=args.max_wait,
        shrink_requests=args.shrink_requests,
        run_timeout=args.run_timeout,
    )
    if not contract_run.checks:
        print(
            f"oai-mock: no check in {selected} (`oai-mock contract --list` shows them)",
            file=sys.stderr,
        )
        return 2
    results = contract_run.execute(None if args.quiet else Progress())
    if not results.unreachable:  # else one line says it, not a table of identical skips
        print(terminal(results))
    outputs = {
        args.json_path: results.to_json(),
        args.junit: junit(results),
        args.markdown: markdown(results).encode(),
        args.html: html_report(results).encode(),
    }
    for path, content in outputs.items():
        if path:
            Path(path).write_bytes(content)
    if results.unreachable:
        print(f"oai-mock: {results.unreachable}", file=sys.stderr)
        return 2  # nothing was tested: not a pass
    code = results.exit_code(args.fail_on)
    if results.cut_short:
        print(
            f"oai-mock: --run-timeout ({args.run_timeout:g} s) passed before "
            f"{results.cut_short} of {len(results.results)} checks ran to their end",
            file=sys.stderr,
        )
        return code or 2  # an incomplete run is not a pass either
    return code
