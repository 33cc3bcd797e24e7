"""``oai-mock contract``: its options, and running it.

``oai-mock contract --base-url URL [...]`` runs the catalogue; ``--list`` prints it;
``oai-mock contract matrix a.json b.json -o matrix.html`` builds the matrix page from the
``--json`` results of several runs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import orjson

from oai_mock.contracts.core import SEVERITIES


def add_arguments(contract: argparse.ArgumentParser) -> None:
    contract.add_argument(
        "--base-url", help="the backend's API base, e.g. http://127.0.0.1:8000/v1"
    )
    contract.add_argument(
        "--api-key", default=None, help="the key to send (also checks the 401 for a missing key)"
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


def matrix(args: argparse.Namespace) -> int:
    from oai_mock.contracts.html import matrix_html

    runs = []
    for name in args.results:
        try:
            runs.append(orjson.loads(Path(name).read_bytes()))
        except (OSError, orjson.JSONDecodeError) as error:
            print(f"oai-mock: cannot read {name}: {error}", file=sys.stderr)
            return 2
    names = [Path(n).stem for n in args.results]
    Path(args.output).write_text(matrix_html(runs, names), encoding="utf-8")
    print(f"matrix of {len(runs)} runs written to {args.output}")
    return 0


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
