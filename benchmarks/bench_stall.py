"""Does one heavy request stall everyone else? Latency of a light request (`GET /v1/models`) on
`oai-mock serve`, on an idle server (the baseline) and while heavy embeddings requests run on
other connections. The engine answers off the event loop, so the second figure should stay near
the first; when the engine ran on the loop, a light request waited for the whole heavy answer.

    .venv/bin/python benchmarks/bench_stall.py
    .venv/bin/python benchmarks/bench_stall.py --light 400 --heavy-inputs 300

Reports the median and 95th percentile of each, the ratio of the two medians, and how long one
heavy request takes alone (what a stalled light request would have waited).
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def start_serve(port: int) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "oai_mock.cli", "serve", "--port", str(port), "--quiet"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/v1/models", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("oai-mock serve did not start within 30 s")


def light_latencies(client: httpx.Client, url: str, count: int) -> list[float]:
    times = []
    for _ in range(count):
        started = time.perf_counter()
        client.get(url).raise_for_status()
        times.append((time.perf_counter() - started) * 1000)
    return times


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--light", type=int, default=300, help="light requests per phase")
    parser.add_argument("--heavy-inputs", type=int, default=200, help="inputs per heavy request")
    args = parser.parse_args()

    port = free_port()
    base = f"http://127.0.0.1:{port}/v1"
    server = start_serve(port)
    heavy_body = {
        "model": "text-embedding-3-large",
        "input": [f"w{i} " * 50 for i in range(args.heavy_inputs)],
    }
    try:
        with httpx.Client(timeout=120) as client:
            light_latencies(client, base + "/models", 20)  # warm up
            idle = light_latencies(client, base + "/models", args.light)

            started = time.perf_counter()
            client.post(base + "/embeddings", json=heavy_body).raise_for_status()
            heavy_alone = (time.perf_counter() - started) * 1000

            stop = threading.Event()
            heavy_done = [0]

            def keep_heavy_running() -> None:
                with httpx.Client(timeout=120) as heavy_client:
                    while not stop.is_set():
                        heavy_client.post(base + "/embeddings", json=heavy_body).raise_for_status()
                        heavy_done[0] += 1

            worker = threading.Thread(target=keep_heavy_running, daemon=True)
            worker.start()
            time.sleep(0.2)  # let the first heavy request reach the engine
            loaded = light_latencies(client, base + "/models", args.light)
            stop.set()
            worker.join(120)
    finally:
        server.terminate()
        server.wait(10)

    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    print(f"one heavy embeddings request alone ({args.heavy_inputs} inputs): {heavy_alone:.0f} ms")
    print(
        f"GET /v1/models on an idle server:      median {statistics.median(idle):.2f} ms,"
        f" p95 {p95(idle):.2f} ms ({len(idle)} requests)"
    )
    print(
        f"GET /v1/models while heavy ones run:   median {statistics.median(loaded):.2f} ms,"
        f" p95 {p95(loaded):.2f} ms ({len(loaded)} requests, {heavy_done[0]} heavy answered)"
    )
    ratio = statistics.median(loaded) / statistics.median(idle)
    print(f"median ratio, loaded / idle: {ratio:.2f}")
    print(f"p95 while loaded / one heavy request alone: {p95(loaded) / heavy_alone:.3f}")


if __name__ == "__main__":
    main()
