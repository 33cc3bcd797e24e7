"""Keys and secrets: masked wherever the fake keeps them, compared in constant time."""

from __future__ import annotations

from oai_mock import OpenAIMock
from oai_mock.mockserver.secrets import (
    mask,
    mask_headers,
    mask_query,
    mask_query_string,
    mask_url,
    same_secret,
)

SECRET = "sk-proj-0123456789abcdef"


def test_every_secret_bearing_header_and_query_parameter_is_masked_in_the_journal() -> None:
    mock = OpenAIMock()
    headers = {
        "Authorization": f"Bearer {SECRET}",
        "api-key": SECRET,
        "x-api-key": SECRET,
        "Cookie": f"session={SECRET}",
        "Proxy-Authorization": f"Basic {SECRET}",
        "OpenAI-Organization": "org-visible",
    }
    mock.request("GET", f"/v1/models?api-key={SECRET}&limit=2", headers=headers)
    entry = mock.journal.last()
    shown = repr(entry.headers) + repr(entry.query)
    assert SECRET not in shown and "0123456789" not in shown
    assert entry.headers["authorization"] == "Bearer sk-...ef"
    assert entry.headers["openai-organization"] == "org-visible"
    assert dict(entry.query)["limit"] == "2"


def test_the_masking_functions() -> None:
    assert mask("short") == "***"
    assert mask(f"Bearer {SECRET}") == "Bearer sk-...ef"
    assert mask_headers({"X-Api-Key": SECRET}) == {"x-api-key": "sk-...ef"}
    assert mask_query([("key", SECRET)]) == (("key", "sk-...ef"),)
    assert SECRET not in mask_url(f"http://127.0.0.1/v1/x?api-key={SECRET}&a=1")
    assert mask_query_string("limit=2&after=x") == "limit=2&after=x"
    assert mask_query_string(f"sig={SECRET}&limit=2") == "sig=sk-...ef&limit=2"
    assert same_secret(SECRET, SECRET) and not same_secret(SECRET, SECRET[:-1])
