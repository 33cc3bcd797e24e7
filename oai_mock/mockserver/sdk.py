"""Official ``openai`` clients wired to a mock in-process (no socket, no key, no network).

>>> from oai_mock import OpenAIMock
>>> from oai_mock.mockserver.sdk import openai_client
>>> client = openai_client(OpenAIMock())
>>> client.models.retrieve("gpt-4o-mini").id
'gpt-4o-mini'
"""

from __future__ import annotations

from typing import Any

import httpx

from oai_mock.mockserver.messages import Handler
from oai_mock.mockserver.transports import HTTPX, TransportFamily, httpx2_transports

MOCK_BASE_URL = "http://oai-mock.local/v1"


def openai_major_version() -> int:
    import openai

    return int(openai.__version__.split(".")[0])


def transports_for_openai() -> TransportFamily:
    """openai 3.x sends through httpx2; 2.x (and 1.x) through httpx."""
    return httpx2_transports() if openai_major_version() >= 3 else HTTPX


def openai_client(
    mock: Handler,
    *,
    asynchronous: bool = False,
    api_key: str = "sk-oai-mock",
    base_url: str = MOCK_BASE_URL,
    **kwargs: Any,
) -> Any:
    """An ``openai.OpenAI`` (or ``AsyncOpenAI``) whose every request goes to ``mock``."""
    import openai

    family = transports_for_openai()
    module = family.module
    if asynchronous:
        http_client = module.AsyncClient(transport=family.asynchronous(mock))
        return openai.AsyncOpenAI(
            api_key=api_key, base_url=base_url, http_client=http_client, **kwargs
        )
    http_client = module.Client(transport=family.sync(mock))
    return openai.OpenAI(api_key=api_key, base_url=base_url, http_client=http_client, **kwargs)


def httpx_client(mock: Handler, base_url: str = MOCK_BASE_URL) -> httpx.Client:
    """A plain ``httpx.Client`` whose requests go to ``mock``."""
    return httpx.Client(transport=HTTPX.sync(mock), base_url=base_url)


def async_httpx_client(mock: Handler, base_url: str = MOCK_BASE_URL) -> httpx.AsyncClient:
    """A plain ``httpx.AsyncClient`` whose requests go to ``mock``."""
    return httpx.AsyncClient(transport=HTTPX.asynchronous(mock), base_url=base_url)
