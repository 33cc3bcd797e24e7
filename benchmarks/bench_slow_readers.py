"""Memory of `oai-mock serve` while clients ask for a large file and read none of it.

    .venv/bin/python benchmarks/bench_slow_readers.py [--clients 8] [--mib 24] [--http h11]

Starts `oai-mock serve`, uploads a file of ``--mib`` MiB, opens ``--clients`` connections that
each ask for its content and never read, and reports how much the server's resident memory
grew a second later, beside the bytes those answers hold in all (what the server would keep if
it handed each whole answer to its connection at once). `--compare <checkout>` measures that
checkout's serve the same way, in the same run.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from served import ServedFake  # the test suite's helper that starts serve


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def growth_mib(clients: int, mib: int, http: str, log: Path) -> float:
    served = ServedFake(log, "--quiet", "--http", http)
    held: list[socket.socket] = []
    try:
        api = httpx.Client(base_url=served.url, timeout=60)
        content = bytes(range(256)) * (mib * 4096)
        uploaded = api.post(
            "/files", files={"file": ("big.bin", content)}, data={"purpose": "assistants"}
        ).json()
        host, port = served.url.split("//")[1].split("/")[0].split(":")
        request = f"GET /v1/files/{uploaded['id']}/content HTTP/1.1\r\nHost: {host}\r\n\r\n"
        time.sleep(0.5)
        before = rss_kib(served.process.pid)
        for _ in range(clients):
            conn = socket.create_connection((host, int(port)))
            conn.sendall(request.encode())
            held.append(conn)
        time.sleep(1.0)
        grown = rss_kib(served.process.pid) - before
        api.close()
    finally:
        for conn in held:
            conn.close()
        served.stop()
    return grown / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--mib", type=int, default=24)
    parser.add_argument("--http", default="h11", choices=["h11", "httptools"])
    parser.add_argument("--compare", type=Path, help="another checkout's serve, measured too")
    args = parser.parse_args()
    log = Path("/tmp") / "oai-mock-bench-slow-readers.log"
    payload = args.clients * args.mib
    print(
        f"{args.clients} clients asking for a {args.mib} MiB file and reading nothing "
        f"({payload} MiB of answers in all), {args.http}"
    )
    rows = [("oai-mock serve", growth_mib(args.clients, args.mib, args.http, log))]
    if args.compare is not None:
        import os

        # `python -m` puts the working folder first: the other checkout's package is found.
        here = Path.cwd()
        os.chdir(args.compare.resolve())
        try:
            grown = growth_mib(args.clients, args.mib, args.http, log)
        finally:
            os.chdir(here)
        rows.append((f"oai-mock serve ({args.compare.name})", grown))
    for label, grown in rows:
        print(
            f"{label:<40} RSS grew {grown:7.1f} MiB   {grown / payload:5.2f} of the answers' bytes"
        )


if __name__ == "__main__":
    main()
