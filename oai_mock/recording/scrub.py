"""Secrets out of a recording before it touches disk.

Header values that carry credentials are replaced whole; the values themselves (an API key sent
as ``Authorization: Bearer sk-...``) and every configured pattern are then removed from every
other byte of the exchange too, so that a key an upstream echoes in an error message or a body
that quotes one is not written either.

>>> scrubber = Scrubber([r"acct_[0-9]+"])
>>> scrubber.headers({"authorization": "Bearer sk-abc123", "content-type": "application/json"})
{'authorization': '<scrubbed>', 'content-type': 'application/json'}
>>> scrubber.text(b"key sk-abc123 for acct_42")
b'key <scrubbed> for <scrubbed>'
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Mapping

from oai_mock.mockserver import secrets

SCRUBBED = "<scrubbed>"

SECRET_HEADERS = secrets.SECRET_HEADERS | {"openai-organization", "openai-project"}
"""Headers whose whole value is replaced: the credentials the journal and logs mask too
(``oai_mock.mockserver.secrets``), and the organization and project ids, which name an account
and have no place in a file that gets committed. A gateway that passes its upstream's headers on
under a prefix (LiteLLM's ``llm_provider-openai-organization``) is covered too."""

SECRET_QUERY = secrets.SECRET_QUERY
"""Query parameters whose value is replaced (Azure's ``?api-key=``, signed URLs)."""


def is_secret_header(name: str) -> bool:
    lowered = name.lower()
    return any(
        lowered == secret or lowered.endswith(("-" + secret, "_" + secret))
        for secret in SECRET_HEADERS
    )


DEFAULT_PATTERNS = (
    # OpenAI-style secret keys (sk-..., sk-proj-..., sk-svcacct-...) anywhere in a body.
    r"sk-[A-Za-z0-9_\-]{16,}",
)


class Scrubber:
    """Replaces secrets with ``<scrubbed>``: secret headers by name, then every value seen in
    them and every pattern anywhere in the bytes of a request or response."""

    def __init__(self, patterns: Iterable[str] = (), *, defaults: bool = True) -> None:
        sources = [*(DEFAULT_PATTERNS if defaults else ()), *patterns]
        for source in sources:
            try:
                re.compile(source)
            except re.error as error:
                raise ValueError(f"--scrub {source!r} is not a valid pattern: {error}") from None
        self._patterns = [re.compile(source.encode()) for source in sources]
        self._secrets: set[bytes] = set()
        self._lock = threading.Lock()

    def learn(self, headers: Mapping[str, str]) -> None:
        """Remember the secret values of these (request) headers, to remove them anywhere."""
        found: set[bytes] = set()
        for name, value in headers.items():
            if not is_secret_header(name) or not value:
                continue
            found.add(value.encode())
            # "Bearer sk-..." -> the key alone too, wherever it is quoted without its scheme.
            scheme, _, credential = value.partition(" ")
            if credential and scheme.lower() in ("bearer", "basic", "token"):
                found.add(credential.strip().encode())
        with self._lock:
            self._secrets |= {secret for secret in found if len(secret) >= 4}

    def headers(self, headers: Mapping[str, str]) -> dict[str, str]:
        out = {}
        for name, value in headers.items():
            if is_secret_header(name):
                out[name] = SCRUBBED
            else:
                out[name] = self.text(value.encode()).decode("utf-8", errors="replace")
        return out

    def query(self, pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
        """Query pairs with credential parameters replaced and the rest scrubbed as text."""
        return tuple(
            (name, SCRUBBED)
            if name.lower() in SECRET_QUERY
            else (name, self.text(value.encode()).decode("utf-8", errors="replace"))
            for name, value in pairs
        )

    def text(self, data: bytes) -> bytes:
        """``data`` with every learnt secret and every pattern replaced."""
        with self._lock:
            secrets = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            data = data.replace(secret, SCRUBBED.encode())
        for pattern in self._patterns:
            data = pattern.sub(SCRUBBED.encode(), data)
        return data
