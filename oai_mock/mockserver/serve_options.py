"""The options of ``oai-mock serve``'s development server, kept free of server imports so that
the command line loads fast and works without the ``server`` extra."""

from __future__ import annotations

import argparse


def add_dev_server_options(serve: argparse.ArgumentParser) -> None:
    """The options of the development server (the fake's own options stay in the CLI)."""
    serve.add_argument(
        "--watch",
        action="store_true",
        help="with --scenario: reload the file when it changes (state kept; a broken edit is "
        "refused and the last good rules stay)",
    )
    serve.add_argument(
        "--log-format", choices=["text", "json"], default="text", help="one line per exchange"
    )
    serve.add_argument(
        "--log-bodies", action="store_true", help="log request and response bodies (secrets masked)"
    )


def check_port(port: int) -> str | None:
    """Why the port cannot be used, or None."""
    if not 0 <= port <= 65535:
        return f"--port must be between 0 and 65535, not {port}"
    return None
