"""Throughput under load: `oai-mock serve` beside a bare Starlette route and Steady, in one run.

    scripts/bench-throughput            # installs wrk and Steady into .tools/, then runs this
    .venv/bin/python benchmarks/bench_throughput.py [--seconds 3] [--rounds 5]

Servers, each its own process on 127.0.0.1, all started before the first round:

- a bare Starlette route under uvicorn returning fixed chat-completion bytes (the baseline: what
  HTTP alone costs in Python, with the same uvicorn settings ``oai-mock serve`` uses);
- Steady (npm ``@stdy/cli``, a native OpenAPI mock server) on the same openapi.json;
- ``oai-mock serve --quiet``.

Load: ``wrk -t1 -c16`` (one thread, 16 keep-alive connections) POSTing the same chat completion
request for ``--seconds``; the rounds go round the servers in turn and each server keeps its best
round (the least disturbed one on a shared machine). A run whose answers were not all 200 is
reported as such.

Then through the official SDK (openai 3.x), sequential chat completions, best of 3 rounds:
over loopback to ``oai-mock serve`` against the same SDK to the bare route, and in-process against
the SDK's floor, a static transport returning fixed bytes (the setups of ``bench_engine.py``).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import orjson

from oai_mock import OpenAIMock

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT.parent / "shared" / "openapi" / "openapi.json"
TOOLS = ROOT / ".tools"
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello"}]}
HEADERS = {"authorization": "Bearer sk-bench", "content-type": "application/json"}

# The same uvicorn settings as `oai-mock serve` (oai_mock/cli.py), so the ratio is the engine's.
BARE_STARLETTE = """
import sys, uvicorn
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
from oai_mock.mockserver.serving import uvicorn_options
body = open(sys.argv[2], "rb").read()
async def chat(request):
    await request.body()
    return Response(body, media_type="application/json")
app = Starlette(routes=[Route("/v1/chat/completions", chat, methods=["POST"])])
uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), **uvicorn_options())
"""


@dataclass
class Server:
    name: str
    command: list[str]
    chat_url: str
    process: subprocess.Popen[bytes] | None = None
    rates: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


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


def start(server: Server) -> None:
    server.process = subprocess.Popen(
        server.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT
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


def run_wrk(wrk: str, script: Path, url: str, seconds: float) -> tuple[float, str | None]:
    """Requests per second of one wrk run, and what went wrong if any answer was not a 200."""
    output = subprocess.run(
        [wrk, "-t1", "-c16", f"-d{seconds:g}s", "-s", str(script), url],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
        check=True,
    ).stdout
    found = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if not found:
        raise RuntimeError(f"wrk printed no rate:\n{output}")
    problems = [
        line.strip() for line in output.splitlines() if "Non-2xx" in line or "Socket errors" in line
    ]
    return float(found.group(1)), "; ".join(problems) or None


def under_load(wrk: str, seconds: float, rounds: int) -> list[Server]:
    fixed = ROOT / ".benchmarks" / "chat-completion.json"
    fixed.parent.mkdir(exist_ok=True)
    fixed.write_bytes(OpenAIMock().request("POST", "/v1/chat/completions", json=CHAT).body)
    script = wrk_script(ROOT / ".benchmarks" / "chat.lua")

    servers: list[Server] = []
    port = free_port()
    servers.append(
        Server(
            "bare Starlette route (baseline)",
            [sys.executable, "-c", BARE_STARLETTE, str(port), str(fixed)],
            f"http://127.0.0.1:{port}/v1/chat/completions",
        )
    )
    steady = find_tool(
        TOOLS / "node_modules/@stdy/cli-linux-x64/bin/steady",
        TOOLS / "node_modules/.bin/steady",
        shutil.which("steady"),
    )
    if steady:
        version = subprocess.run([steady, "--version"], capture_output=True, text=True)
        port = free_port()
        servers.append(
            Server(
                f"Steady {version.stdout.strip()}",
                [steady, "-q", "--host", "127.0.0.1", "-p", str(port), str(SPEC)],
                # Steady serves the spec's paths at its root, without the /v1 of the server URL.
                f"http://127.0.0.1:{port}/chat/completions",
            )
        )
    else:
        print("Steady: not installed (scripts/bench-throughput installs it); not measured")
    port = free_port()
    servers.append(
        Server(
            "oai-mock serve",
            [sys.executable, "-m", "oai_mock.cli", "serve", "--port", str(port), "--quiet"],
            f"http://127.0.0.1:{port}/v1/chat/completions",
        )
    )
    try:
        for server in servers:
            start(server)
            run_wrk(wrk, script, server.chat_url, 1)  # warm up
        for _ in range(rounds):
            for server in servers:
                rate, problem = run_wrk(wrk, script, server.chat_url, seconds)
                server.rates.append(rate)
                if problem:
                    server.failures.append(problem)
    finally:
        for server in servers:
            stop(server)
    return servers


def through_sdk(requests: int) -> dict[str, float]:
    sys.path.insert(0, str(Path(__file__).parent))
    import bench_engine

    return bench_engine.sdk_rates(requests)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=3.0, help="length of one wrk round")
    parser.add_argument("--rounds", type=int, default=5, help="wrk rounds per server")
    parser.add_argument("--requests", type=int, default=1500, help="SDK requests per round")
    parser.add_argument("--wrk", help="path to wrk (default: on PATH)")
    parser.add_argument("--skip-sdk", action="store_true", help="only the wrk part")
    args = parser.parse_args()

    wrk = find_tool(args.wrk, shutil.which("wrk"))
    if wrk is None:
        sys.exit("wrk is not installed: scripts/bench-throughput installs it (apt-get install wrk)")
    servers = under_load(wrk, args.seconds, args.rounds)
    best = {server.name: max(server.rates) for server in servers}
    bare = best[servers[0].name]
    steady = next((best[s.name] for s in servers if s.name.startswith("Steady")), None)
    print(
        f"wrk -t1 -c16, chat completion POST, {args.rounds} rounds of {args.seconds:g} s "
        f"each, best round per server"
    )
    print(f"{'server':<36}{'req/s':>9}{'rounds':>24}{'vs bare':>9}{'vs Steady':>11}")
    for server in servers:
        rounds = "/".join(f"{rate:.0f}" for rate in server.rates)
        versus_steady = f"{best[server.name] / steady:>11.2f}" if steady else f"{'-':>11}"
        print(
            f"{server.name:<36}{best[server.name]:>9.0f}{rounds:>24}"
            f"{best[server.name] / bare:>9.2f}{versus_steady}"
        )
        for failure in server.failures:
            print(f"  {server.name}: {failure}")
    if args.skip_sdk:
        return
    sdk = through_sdk(args.requests)
    print(f"official SDK, {args.requests} sequential chat completions per round, best of 3")
    print(f"{'setup':<52}{'req/s':>10}{'ratio':>10}")
    print(f"{'SDK -> static transport (floor)':<52}{sdk['floor']:>10.0f}{1:>10.2f}")
    print(
        f"{'SDK -> oai-mock in-process':<52}{sdk['in_process']:>10.0f}"
        f"{sdk['in_process'] / sdk['floor']:>10.2f}"
    )
    print(f"{'SDK -> bare Starlette route over loopback':<52}{sdk['bare']:>10.0f}{1:>10.2f}")
    print(
        f"{'SDK -> oai-mock serve over loopback':<52}{sdk['loopback']:>10.0f}"
        f"{sdk['loopback'] / sdk['bare']:>10.2f}"
    )


if __name__ == "__main__":
    main()
