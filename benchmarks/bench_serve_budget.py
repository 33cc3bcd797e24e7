"""Where ``oai-mock serve``'s CPU goes under wrk, beside the bare Starlette route, in one run.

    .venv/bin/python benchmarks/bench_serve_budget.py [--seconds 3] [--rounds 6]

(wrk from Debian: ``scripts/bench-throughput`` installs it.)

Four servers under the same load as ``bench_throughput.py`` (``wrk -t1 -c16``, the same chat
completion POST, uvicorn with h11), measured in turns, each by its CPU time per answered request:

- the bare Starlette route returning fixed chat-completion bytes (the baseline);
- ``oai-mock serve`` as it ships;
- serve sending only the content type and length of each answer: what the eleven headers OpenAI
  sends with every answer (request id, version, organization, rate limits) cost uvicorn and h11;
- serve with the engine's answer replaced by the same fixed bytes and no extra headers: what
  serve's ASGI layers alone cost (the endpoint, the offload rule, the exchange recorder, the dev
  server wrapper).

The differences between them split serve's cost above the bare route into the ASGI layers, the
response headers and the engine. Steady (npm ``@stdy/cli``) runs beside them when installed,
for how far serve answering fixed bytes gets against it. The variants are measurement stand-ins
made by patching ``oai_mock`` inside their own process; nothing here changes how ``serve``
answers.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from dataclasses import dataclass

from bench_throughput import (
    Server,
    bare_route,
    find_tool,
    fixed_chat_answer,
    free_port,
    measure_in_turns,
    steady_server,
)

SERVE_VARIANT = """
import sys
variant, port = sys.argv[1], sys.argv[2]
from oai_mock.mockserver import asgi, engine
from oai_mock.mockserver.messages import MockResponse
if variant in ("plain-head", "fixed-answer"):
    kept = (b"content-length", b"content-type")
    full_head = asgi.raw_head
    asgi.raw_head = lambda answer: [h for h in full_head(answer) if h[0] in kept]
if variant == "fixed-answer":
    body = open(sys.argv[3], "rb").read()
    def handle(self, request, **options):
        return MockResponse(status=200, headers=[("content-type", "application/json")], body=body)
    engine.OpenAIMock.handle = handle
from oai_mock.cli import main
sys.exit(main(["serve", "--quiet", "--http", "h11", "--port", port]))
"""

VARIANTS = {
    "serve": "oai-mock serve",
    "plain-head": "serve, content type and length only",
    "fixed-answer": "serve, fixed bytes instead of the engine",
}


@dataclass
class Budget:
    bare: float
    serve: float
    plain_head: float
    fixed_answer: float
    """CPU seconds per request of each server."""


def measure(wrk: str, seconds: float, rounds: int) -> tuple[list[Server], Budget]:
    fixed = fixed_chat_answer()
    servers = [bare_route(fixed)]
    for variant, name in VARIANTS.items():
        port = free_port()
        servers.append(
            Server(
                name,
                [sys.executable, "-c", SERVE_VARIANT, variant, str(port), str(fixed)],
                f"http://127.0.0.1:{port}/v1/chat/completions",
            )
        )
    steady = steady_server()
    if steady is not None:
        servers.append(steady)
    measure_in_turns(wrk, servers, rounds, seconds)
    bare, serve, plain, answer = (s.cpu_per_request for s in servers[:4])
    return servers, Budget(bare, serve, plain, answer)


def report(servers: list[Server], budget: Budget, rounds: int, seconds: float) -> None:
    print(
        f"wrk -t1 -c16, chat completion POST, {rounds} rounds of {seconds:g} s each; uvicorn with "
        "h11; CPU time of each server's process per answered request"
    )
    print(f"{'server':<44}{'CPU us/req':>11}{'CPU vs bare':>12}{'best req/s':>11}")
    for server in servers:
        print(
            f"{server.name:<44}{server.cpu_per_request * 1e6:>11.0f}"
            f"{budget.bare / server.cpu_per_request:>12.2f}{max(server.rates):>11.0f}"
        )
        for failure in server.failures:
            print(f"  {server.name}: {failure}")
    us = 1e6
    layers = budget.fixed_answer - budget.bare
    headers = budget.serve - budget.plain_head
    engine = budget.plain_head - budget.fixed_answer
    allowed = budget.bare / 0.7 - budget.bare
    print()
    print(f"serve's CPU above the bare route: {(budget.serve - budget.bare) * us:.0f} us")
    print(f"  ASGI layers (fixed answer - bare route)            {layers * us:>5.0f} us")
    print(f"  response headers (serve - content type and length) {headers * us:>5.0f} us")
    print(f"  the engine (content type and length - fixed answer) {engine * us:>4.0f} us")
    print(
        f"0.7 of the bare route leaves {allowed * us:.0f} us above it; the ASGI layers and the "
        f"headers alone take {(layers + headers) * us:.0f} us, leaving the engine "
        f"{(allowed - layers - headers) * us:.0f} us"
    )
    steady = next((s for s in servers if s.name.startswith("Steady")), None)
    if steady is not None:
        best_steady = max(steady.rates)
        print(
            f"against {steady.name} (best round {best_steady:.0f} req/s, 1.2x: "
            f"{1.2 * best_steady:.0f}):"
        )
        for server in servers[1:4]:
            print(
                f"  {server.name:<42} {max(server.rates) / best_steady:.2f} by best round, "
                f"{steady.cpu_per_request / server.cpu_per_request:.2f} by CPU per request"
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one wrk round")
    parser.add_argument("--rounds", type=int, default=6, help="wrk rounds per server")
    parser.add_argument("--wrk", help="path to wrk (default: on PATH)")
    args = parser.parse_args()
    wrk = find_tool(args.wrk, shutil.which("wrk"))
    if wrk is None:
        sys.exit("wrk is not installed: scripts/bench-throughput installs it (apt-get install wrk)")
    servers, budget = measure(wrk, args.seconds, args.rounds)
    report(servers, budget, args.rounds, args.seconds)


if __name__ == "__main__":
    main()
