"""Throughput under load: `oai-mock serve` beside a bare Starlette route and Steady, in one run.

    scripts/bench-throughput            # installs wrk and Steady into .tools/, then runs this
    .venv/bin/python benchmarks/bench_throughput.py [--seconds 3] [--rounds 5]

Servers, each its own process on 127.0.0.1, all started before the first round:

- a bare Starlette route under uvicorn returning fixed chat-completion bytes (the baseline: what
  HTTP alone costs in Python, with the same uvicorn settings ``oai-mock serve`` uses);
- Steady (npm ``@stdy/cli``, a native OpenAPI mock server) on the same openapi.json;
- ``oai-mock serve --quiet``.

Both with uvicorn's pure-Python h11 parser (serve's default), then again with httptools (``serve
--http httptools``, the ``fast`` extra) when it is installed: each block with its own bare route
under the same configuration.

Load: ``wrk -t1 -c16`` (one thread, 16 keep-alive connections) POSTing the same chat completion
request for ``--seconds``; the rounds go round the servers in turn and each server keeps its best
round (the least disturbed one on a shared machine). A run whose answers were not all 200 is
reported as such.

Beside the rates, each server's CPU time per answered request (user + system seconds of its
process over all its rounds, divided by the requests wrk counted): on a machine other work
shares, this moves far less than requests per second, so it is the figure to compare two
versions of the server by. Its ratio (the bare route's CPU per request over the server's) is
the rate the server would reach if CPU were all that limited it.

Then through the official SDK (openai 3.x), sequential chat completions in alternating pairs of
short rounds (``bench_engine.paired_rates``): over loopback to ``oai-mock serve`` against the same
SDK to the bare route, and in-process against the SDK's floor, a static transport returning fixed
bytes (the setups of ``bench_engine.py``). Each ratio is the median of the pairs' ratios: a slow
spell of the machine falls on both rounds of a pair, where best-of-rounds taken one setup after
the other moved by two times between runs.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import orjson

from oai_mock import OpenAIMock

if TYPE_CHECKING:
    from bench_engine import Paired

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT.parent / "shared" / "openapi" / "openapi.json"
TOOLS = ROOT / ".tools"
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello"}]}
HEADERS = {"authorization": "Bearer sk-bench", "content-type": "application/json"}
BARE = "bare Starlette route (baseline)"
SERVE = "oai-mock serve"
TARGETS = {"serve/bare": 0.7, "serve/Steady": 1.2, "loopback/bare": 0.85, "in-process/floor": 0.85}
"""The ratios oai-mock aims at (see the README's performance section)."""

# The same uvicorn configuration as `oai-mock serve` (its protocol, timeouts and limits), so the
# ratio is what the fake costs beyond serving HTTP.
BARE_STARLETTE = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
from oai_mock.mockserver.serving import DEFAULT_LIMITS, server_config
body = open(sys.argv[2], "rb").read()
async def chat(request):
    await request.body()
    return Response(body, media_type="application/json")
app = Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])
config = server_config(app, "127.0.0.1", int(sys.argv[1]), DEFAULT_LIMITS, sys.argv[3])
uvicorn.Server(config).run()
"""


@dataclass
class Server:
    name: str
    command: list[str]
    chat_url: str
    process: subprocess.Popen[bytes] | None = None
    rates: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    cwd: Path = ROOT
    requests: int = 0
    cpu_seconds: float = 0.0

    @property
    def cpu_per_request(self) -> float:
        """Seconds of server CPU per answered request over every round."""
        return self.cpu_seconds / self.requests if self.requests else float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process (all its threads) has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    # After the command name: state is field 3, utime field 14, stime field 15 (proc(5)).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def find_tool(*candidates: Path | str | None) -> str | None:
    for candidate in candidates:
        if candidate and os.access(candidate, os.X_OK):
            return str(candidate)
    return None


def steady_server() -> Server | None:
    """Steady on the same spec, when installed (``scripts/bench-throughput`` installs it)."""
    steady_path = find_tool(
        TOOLS / "node_modules/@stdy/cli-linux-x64/bin/steady",
        TOOLS / "node_modules/.bin/steady",
        shutil.which("steady"),
    )
    if steady_path is None:
        print("Steady: not installed (scripts/bench-throughput installs it); not measured")
        return None
    version = subprocess.run([steady_path, "--version"], capture_output=True, text=True)
    port = free_port()
    return Server(
        f"Steady {version.stdout.strip().removeprefix('steady ')}",
        [steady_path, "-q", "--host", "127.0.0.1", "-p", str(port), str(SPEC)],
        # Steady serves the spec's paths at its root, without the /v1 of the server URL.
        f"http://127.0.0.1:{port}/chat/completions",
    )


def start(server: Server) -> None:
    server.process = subprocess.Popen(
        server.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=server.cwd
    )
    with httpx.Client(timeout=10) as client:
        for _ in range(1200):  # up to 120 s to start
            try:
                if client.post(server.chat_url, json=CHAT, headers=HEADERS).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if server.process.poll() is not None:
                raise RuntimeError(f"{server.name} exited with {server.process.returncode}")
            time.sleep(0.1)
    raise RuntimeError(f"{server.name} did not answer in 120 s")


def stop(server: Server) -> None:
    if server.process is None:
        return
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()
        server.process.wait()


def wrk_script(path: Path) -> Path:
    """A wrk Lua script sending the chat request as a POST with its headers."""
    lines = [
        'wrk.method = "POST"',
        f"wrk.body = {orjson.dumps(orjson.dumps(CHAT).decode()).decode()}",
    ]
    lines += [f'wrk.headers["{name}"] = "{value}"' for name, value in HEADERS.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def run_wrk(wrk: str, script: Path, url: str, seconds: float) -> tuple[float, int, str | None]:
    """Requests per second of one wrk run, the requests it completed, and what went wrong if
    any answer was not a 200."""
    output = subprocess.run(
        [wrk, "-t1", "-c16", f"-d{seconds:g}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    count = re.search(r"(\d+) requests in", output)
    if not found or not count:
        raise RuntimeError(f"wrk printed no rate:\n{output}")
    problems = [
        line.strip() for line in output.splitlines() if "Non-2xx" in line or "Socket errors" in line
    ]
    return float(found.group(1)), int(count.group(1)), "; ".join(problems) or None


def fixed_chat_answer() -> Path:
    """The fake's answer to the benchmark's chat request, written once for the servers that
    return fixed bytes."""
    fixed = ROOT / ".benchmarks" / "chat-completion.json"
    fixed.parent.mkdir(exist_ok=True)
    fixed.write_bytes(OpenAIMock().request("POST", "/v1/chat/completions", json=CHAT).body)
    return fixed


def bare_route(fixed: Path, http: str = "h11") -> Server:
    port = free_port()
    return Server(
        BARE,
        [sys.executable, "-c", BARE_STARLETTE, str(port), str(fixed), http],
        f"http://127.0.0.1:{port}/v1/chat/completions",
    )


def measure_in_turns(wrk: str, servers: list[Server], rounds: int, seconds: float) -> None:
    """Start every server, then ``rounds`` wrk rounds that go round them in turn, adding each
    round's rate, requests and CPU time to its server; every server is stopped at the end."""
    script = wrk_script(ROOT / ".benchmarks" / "chat.lua")
    try:
        for server in servers:
            start(server)
            run_wrk(wrk, script, server.chat_url, 1)  # warm up
        for _ in range(rounds):
            for server in servers:
                assert server.process is not None
                cpu_before = cpu_seconds(server.process.pid)
                rate, count, problem = run_wrk(wrk, script, server.chat_url, seconds)
                server.cpu_seconds += cpu_seconds(server.process.pid) - cpu_before
                server.requests += count
                server.rates.append(rate)
                if problem:
                    server.failures.append(problem)
    finally:
        for server in servers:
            stop(server)


def under_load(
    wrk: str,
    seconds: float,
    rounds: int,
    compare: Path | None = None,
    steady: bool = True,
    http: str = "h11",
) -> list[Server]:
    """Every server measured in turn; ``compare``: another checkout of oai-mock whose ``serve``
    runs beside this one's, to compare two versions in one run."""
    servers = [bare_route(fixed_chat_answer(), http)]
    if steady:
        steady_one = steady_server()
        if steady_one is not None:
            servers.append(steady_one)
    serve = ["-m", "oai_mock.cli", "serve", "--quiet", "--http", http, "--port"]
    port = free_port()
    servers.append(
        Server(
            SERVE,
            [sys.executable, *serve, str(port)],
            f"http://127.0.0.1:{port}/v1/chat/completions",
        )
    )
    if compare is not None:
        port = free_port()
        other = Server(
            f"oai-mock serve ({compare.name})",
            # Its own environment if it has one; else this one (``-m`` puts its cwd first).
            [find_tool(compare / ".venv/bin/python") or sys.executable, *serve, str(port)],
            f"http://127.0.0.1:{port}/v1/chat/completions",
        )
        other.cwd = compare
        servers.append(other)
    measure_in_turns(wrk, servers, rounds, seconds)
    return servers


def through_sdk(requests: int) -> dict[str, Paired]:
    from bench_engine import sdk_rates  # imports the SDK: only when the SDK part runs

    return sdk_rates(requests)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one wrk round")
    parser.add_argument("--rounds", type=int, default=5, help="wrk rounds per server")
    parser.add_argument("--requests", type=int, default=1500, help="SDK requests per setup")
    parser.add_argument("--wrk", help="path to wrk (default: on PATH)")
    parser.add_argument("--skip-sdk", action="store_true", help="only the wrk part")
    parser.add_argument("--skip-steady", action="store_true", help="leave Steady out")
    parser.add_argument(
        "--http",
        choices=["h11", "httptools", "both"],
        default="both",
        help="the HTTP parser of serve and of the bare route, each in its own block (httptools: "
        "the fast extra; both: h11, then httptools when it is installed)",
    )
    parser.add_argument(
        "--compare",
        type=Path,
        help="another oai-mock checkout whose serve runs beside this one's (with its .venv if any)",
    )
    args = parser.parse_args()

    wrk = find_tool(args.wrk, shutil.which("wrk"))
    if wrk is None:
        sys.exit("wrk is not installed: scripts/bench-throughput installs it (apt-get install wrk)")
    parsers = ["h11", "httptools"] if args.http == "both" else [args.http]
    if "httptools" in parsers and importlib.util.find_spec("httptools") is None:
        print('httptools: not installed (pip install "oai-mock[fast]"); not measured')
        parsers.remove("httptools")
    for http in parsers:
        load = os.getloadavg()[0]
        servers = under_load(
            wrk, args.seconds, args.rounds, args.compare, not args.skip_steady, http
        )
        report_load(servers, args.rounds, args.seconds, load, http)
        print()
    if args.skip_sdk:
        return
    from bench_engine import print_sdk_rates

    sdk = through_sdk(args.requests)
    print_sdk_rates(args.requests, sdk)
    print()
    print("targets (SDK; the median of the pairs' ratios):")
    print_target(
        "loopback/bare", "SDK -> serve over loopback / SDK -> bare route", sdk["loopback"].ratio
    )
    print_target(
        "in-process/floor",
        "SDK -> in-process / SDK -> static transport",
        sdk["in_process"].ratio,
    )


def report_load(servers: list[Server], rounds: int, seconds: float, load: float, http: str) -> None:
    best = {server.name: max(server.rates) for server in servers}
    by_name = {server.name: server for server in servers}
    steady = next((s for s in servers if s.name.startswith("Steady")), None)
    print(
        f"wrk -t1 -c16, chat completion POST, {rounds} rounds of {seconds:g} s each, best round "
        f"per server; uvicorn with {http} for serve and the bare route; load average {load:.1f} "
        f"on {os.cpu_count()} cores at the start"
    )
    print(
        f"{'server':<36}{'req/s':>7}{'rounds':>36}{'vs bare':>9}{'vs Steady':>10}"
        f"{'CPU us/req':>11}{'CPU vs bare':>12}"
    )
    bare = by_name[BARE]
    for server in servers:
        rounds_text = "/".join(f"{rate:.0f}" for rate in server.rates)
        versus_steady = (
            f"{best[server.name] / best[steady.name]:>10.2f}" if steady else f"{'-':>10}"
        )
        print(
            f"{server.name:<36}{best[server.name]:>7.0f} {rounds_text:>35}"
            f"{best[server.name] / best[BARE]:>9.2f}{versus_steady}"
            f"{server.cpu_per_request * 1e6:>11.0f}"
            f"{bare.cpu_per_request / server.cpu_per_request:>12.2f}"
        )
        for failure in server.failures:
            print(f"  {server.name}: {failure}")
    serve = by_name[SERVE]
    print()
    print("targets (wrk; req/s ratio of best rounds, and the same ratio from CPU per request):")
    print_target(
        "serve/bare",
        "serve / bare route",
        best[SERVE] / best[BARE],
        bare.cpu_per_request / serve.cpu_per_request,
    )
    if steady is not None:
        print_target(
            "serve/Steady",
            "serve / Steady",
            best[SERVE] / best[steady.name],
            steady.cpu_per_request / serve.cpu_per_request,
        )


def print_target(key: str, label: str, ratio: float, by_cpu: float | None = None) -> None:
    target = TARGETS[key]
    cpu = "" if by_cpu is None else f"   by CPU per request {by_cpu:.2f}"
    verdict = "met" if ratio >= target else "not met"
    print(f"  {label:<48} {ratio:>5.2f}  (target >= {target:.2f}: {verdict}){cpu}")


if __name__ == "__main__":
    main()
