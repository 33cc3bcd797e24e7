"""The ASGI endpoint reads requests straight from the scope: the same path, query and headers
Starlette's Request gives."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.requests import Request

from oai_mock.mockserver.asgi import plain_request


def scope(path: str, query: bytes, headers: list[tuple[bytes, bytes]]) -> dict[str, Any]:
    return {
        "type": "http",
        "method": "GET",
        "scheme": "http",
        "server": ("127.0.0.1", 8000),
        "path": path,
        "root_path": "",
        "query_string": query,
        "headers": headers,
    }


@pytest.mark.parametrize(
    ("path", "query"),
    [
        ("/v1/models", b""),
        ("/v1/files/file-1/content", b"limit=2&after=x&after=y&empty="),
        ("/v1/odd?name#part\\tail", b"q=%C3%A9t%C3%A9&plus=a+b"),
        ("/v1/caf\u00e9", b"order=asc"),
    ],
)
def test_plain_request_matches_starlettes_request(path: str, query: bytes) -> None:
    headers = [(b"authorization", b"Bearer sk-1"), (b"x-custom", b"caf\xc3\xa9"), (b"x-dup", b"1")]
    headers.append((b"x-dup", b"2"))
    given = scope(path, query, headers)
    starlette = Request(given)
    plain = plain_request(given, b"{}")
    assert plain.method == "GET"
    assert plain.path == starlette.url.path
    assert plain.query == tuple(starlette.query_params.multi_items())
    assert plain.headers == {k.lower(): v for k, v in starlette.headers.items()}
    assert plain.body == b"{}"
