"""Where the browser tests find Debian's chromium, and the flags it needs on a machine without
network: without the background-networking flags chromium keeps trying to reach its services."""

from __future__ import annotations

import os

CHROMIUM = os.environ.get("OAI_MOCK_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
