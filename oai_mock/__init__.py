"""oai-mock: a fake OpenAI server generated from OpenAI's OpenAPI spec, a reference client,
pytest fixtures and property-based contract tests for OpenAI-compatible backends.

>>> from oai_mock import OpenAIMock
>>> mock = OpenAIMock()
>>> mock.request("GET", "/v1/models").status
200
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"
__all__ = ["ANY_KEY", "Clock", "OpenAIMock", "__version__"]

if TYPE_CHECKING:
    from oai_mock.mockserver import ANY_KEY, Clock, OpenAIMock


def __getattr__(name: str) -> Any:
    # Imported on first use, so that `import oai_mock.spec` stays light.
    if name in ("ANY_KEY", "Clock", "OpenAIMock"):
        from oai_mock import mockserver

        return getattr(mockserver, name)
    raise AttributeError(f"module 'oai_mock' has no attribute {name!r}")
