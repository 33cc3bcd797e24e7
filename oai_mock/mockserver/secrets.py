"""Secrets out of everything the fake keeps or shows: one masking function for the journal, the
logs, the inspector and recordings, and constant-time key comparison.

>>> mask_headers({"Authorization": "Bearer sk-proj-abcdef123456", "Accept": "*/*"})
{'authorization': 'Bearer sk-...56', 'accept': '*/*'}
>>> mask_query([("api-key", "abcdef123456"), ("limit", "2")])
(('api-key', 'abc...56'), ('limit', '2'))
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "api-key",
        "x-api-key",
        "openai-admin-key",
        "cookie",
        "set-cookie",
    }
)
"""Headers that carry credentials (OpenAI's bearer key, Azure's api-key, other gateways'
x-api-key, cookies). ``OpenAI-Organization`` and ``OpenAI-Project`` are ids, not secrets."""
SECRET_QUERY = frozenset({"api-key", "api_key", "key", "access_token", "token", "sig", "signature"})
"""Query parameters that carry credentials (Azure's ``?api-key=``, signed URLs)."""
_SCHEMES = ("bearer ", "basic ")


def mask(value: str) -> str:
    """A secret shown as much as a person needs to tell keys apart: ``sk-...56``; short
    secrets entirely hidden. A ``Bearer``/``Basic`` prefix stays readable."""
    prefix = ""
    for scheme in _SCHEMES:
        if value.lower().startswith(scheme):
            prefix, value = value[: len(scheme)], value[len(scheme) :]
            break
    shown = f"{value[:3]}...{value[-2:]}" if len(value) > 8 else "***"
    return prefix + shown


def mask_headers(headers: Mapping[str, str]) -> dict[str, str]:
    """Headers with lower-case names and every secret-bearing value masked."""
    return {
        name.lower(): mask(value) if name.lower() in SECRET_HEADERS else value
        for name, value in headers.items()
    }


def mask_query(pairs: Iterable[tuple[str, str]]) -> tuple[tuple[str, str], ...]:
    """Query pairs with every secret-bearing value masked."""
    return tuple((k, mask(v) if k.lower() in SECRET_QUERY else v) for k, v in pairs)


def mask_query_string(query: str) -> str:
    """A raw query string (``a=1&api-key=...``) whose secret parameters are masked."""
    pairs = parse_qsl(query, keep_blank_values=True)
    if not any(k.lower() in SECRET_QUERY for k, _ in pairs):
        return query
    return urlencode(mask_query(pairs), safe="*.")


def mask_url(url: str) -> str:
    """A URL whose secret query parameters are masked."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    return urlunsplit(parts._replace(query=mask_query_string(parts.query)))


def same_secret(given: str, expected: str) -> bool:
    """Compare keys in constant time (no timing tells how much of a guess was right)."""
    return hmac.compare_digest(given.encode(), expected.encode())
