"""oai-mock: a fake OpenAI server generated from OpenAI's OpenAPI spec, a reference client,
pytest fixtures and property-based contract tests for OpenAI-compatible backends.

>>> from oai_mock import OpenAIMock
>>> mock = OpenAIMock()
>>> mock.request("GET", "/v1/models").status
200
"""

from oai_mock.mockserver import ANY_KEY, Clock, OpenAIMock

__version__ = "0.1.0"
__all__ = ["ANY_KEY", "Clock", "OpenAIMock", "__version__"]
