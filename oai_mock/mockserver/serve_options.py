"""The options of ``oai-mock serve``'s development server, kept free of server imports so that
the command line loads fast and works without the ``server`` extra."""

from __future__ import annotations

import argparse

from oai_mock.extras import MissingExtraError, require


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
    serve.add_argument(
        "--http",
        choices=["h11", "httptools"],
        default="h11",
        help="HTTP/1.1 parser: h11 (default) or httptools, about twice as fast (with uvloop when "
        'installed; pip install "oai-mock[fast]")',
    )


def check_port(port: int) -> str | None:
    """Why the port cannot be used, or None."""
    if not 0 <= port <= 65535:
        return f"--port must be between 0 and 65535, not {port}"
    return None


def check_http(http: str) -> str | None:
    """Why the HTTP parser asked for cannot be used, or None."""
    if http == "httptools":
        try:
            require("httptools", "fast", "--http httptools")
        except MissingExtraError as missing:
            return str(missing)
    return None
