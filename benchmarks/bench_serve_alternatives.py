"""`oai-mock serve` against other servers of the same spec, each in its own process, in one run.

    .venv/bin/python benchmarks/bench_serve_alternatives.py [--requests 500]

Servers (each started from nothing, on 127.0.0.1):

- a bare Starlette route under uvicorn returning fixed chat-completion bytes (the baseline: the
  cost of HTTP alone);
- `oai-mock serve`;
- Prism (`@stainless-api/prism-cli`, the OpenAPI mock server the official SDKs' own test suites
  run), on the same openapi.json, when installed:
  `npm install --prefix .tools @stainless-api/prism-cli@5.16.1`;
- Steady is measured under load by ``scripts/bench-throughput`` (npm ``@stdy/cli``), not here.

For each: seconds from spawn to the first answer, sequential non-streaming chat completions per
second with one keep-alive httpx client (best of 3 rounds, ratio to the baseline), resident
memory after the run, and what the answers are: strictly valid against the spec, a 400 for a
request without ``messages``, and a ``text/event-stream`` answer to ``stream: true``.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import orjson
from bench_throughput import BARE_STARLETTE, free_port  # the same baseline, same settings

from oai_mock import OpenAIMock
from oai_mock.spec import SchemaChecker, load_bundle

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT.parent / "shared" / "openapi" / "openapi.json"
CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Say hello"}]}
HEADERS = {"authorization": "Bearer sk-bench", "content-type": "application/json"}


@dataclass
class Server:
    name: str
    command: list[str]
    base_url: str


def rss_mib(pid: int) -> float:
    """Resident memory of the process and its children (npm wrappers start node as a child)."""
    total = 0
    pids = [pid]
    try:
        children = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True
        ).stdout.split()
        pids += [int(child) for child in children]
    except OSError:
        pass
    for each in pids:
        try:
            for line in Path(f"/proc/{each}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            continue
    return total / 1024


def measure(server: Server, requests: int, checker: SchemaChecker) -> dict[str, object]:
    started = time.perf_counter()
    process = subprocess.Popen(
        server.command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT
    )
    url = server.base_url + "/chat/completions"
    try:
        with httpx.Client(timeout=10) as client:
            for _ in range(1200):  # up to 120 s to start
                try:
                    if client.post(url, json=CHAT, headers=HEADERS).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if process.poll() is not None:
                    raise RuntimeError(f"{server.name} exited with {process.returncode}")
                time.sleep(0.1)
            else:
                raise RuntimeError(f"{server.name} did not answer in 120 s")
            startup = time.perf_counter() - started
            for _ in range(50):
                client.post(url, json=CHAT, headers=HEADERS)
            best = 0.0
            for _ in range(3):
                begun = time.perf_counter()
                for _ in range(requests):
                    client.post(url, json=CHAT, headers=HEADERS)
                best = max(best, requests / (time.perf_counter() - begun))
            answer = client.post(url, json=CHAT, headers=HEADERS)
            schema = {"$ref": "#/$defs/CreateChatCompletionResponse"}
            valid = checker.check(orjson.loads(answer.content), schema, "strict").ok
            missing = client.post(url, json={"model": "gpt-4o-mini"}, headers=HEADERS)
            streamed = client.post(url, json={**CHAT, "stream": True}, headers=HEADERS)
            memory = rss_mib(process.pid)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
    return {
        "startup": startup,
        "rate": best,
        "memory": memory,
        "valid": valid,
        "missing": missing.status_code,
        "stream": streamed.headers.get("content-type", "").split(";")[0],
        "content": orjson.loads(answer.content)["choices"][0]["message"].get("content"),
    }


def find_prism(given: str | None) -> str | None:
    for candidate in (given, str(ROOT / ".tools/node_modules/.bin/prism"), shutil.which("prism")):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--prism", help="path to the prism command")
    args = parser.parse_args()

    fixed = ROOT / ".benchmarks" / "chat-completion.json"
    fixed.parent.mkdir(exist_ok=True)
    fixed.write_bytes(OpenAIMock().request("POST", "/v1/chat/completions", json=CHAT).body)

    servers = []
    port = free_port()
    servers.append(
        Server(
            "bare Starlette route (baseline)",
            [sys.executable, "-c", BARE_STARLETTE, str(port), str(fixed)],
            f"http://127.0.0.1:{port}/v1",
        )
    )
    port = free_port()
    servers.append(
        Server(
            "oai-mock serve",
            [sys.executable, "-m", "oai_mock.cli", "serve", "--port", str(port), "--quiet"],
            f"http://127.0.0.1:{port}/v1",
        )
    )
    prism = find_prism(args.prism)
    if prism:
        port = free_port()
        version = subprocess.run([prism, "--version"], capture_output=True, text=True).stdout
        servers.append(
            Server(
                f"Prism {version.strip()} (prism mock openapi.json)",
                [prism, "mock", str(SPEC), "-h", "127.0.0.1", "-p", str(port)],
                f"http://127.0.0.1:{port}",
            )
        )
    else:
        print("Prism: not installed (npm install --prefix .tools @stainless-api/prism-cli@5.16.1)")

    checker = SchemaChecker(load_bundle())
    results = [(server, measure(server, args.requests, checker)) for server in servers]
    baseline = float(results[0][1]["rate"])  # type: ignore[arg-type]
    print(f"{args.requests} sequential chat completions per round, best of 3, httpx keep-alive")
    print(
        f"{'server':<46}{'start s':>8}{'req/s':>8}{'ratio':>7}{'RSS MiB':>9}"
        f"{'valid':>7}{'no msgs':>9}  stream"
    )
    for server, r in results:
        print(
            f"{server.name:<46}{r['startup']:>8.2f}{r['rate']:>8.0f}"
            f"{float(r['rate']) / baseline:>7.2f}{r['memory']:>9.0f}{'yes' if r['valid'] else 'no':>7}"  # type: ignore[arg-type]
            f"{r['missing']:>9}  {r['stream']}"
        )
    for server, r in results:
        print(f"{server.name}: content {str(r['content'])[:70]!r}")


if __name__ == "__main__":
    main()
