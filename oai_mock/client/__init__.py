"""The reference client for the whole OpenAI API, generated from the same spec as the fake.

>>> from oai_mock import OpenAIMock
>>> from oai_mock.client import OpenAIClient
>>> client = OpenAIClient(api_key="sk-test", http_client=OpenAIMock().httpx_client())
>>> reply = client.chat.create_chat_completion(
...     model="gpt-4o-mini", messages=[{"role": "user", "content": "Hello"}]
... )
>>> reply.choices[0].message.role
'assistant'
"""

from oai_mock.client._client import AsyncOpenAIClient, OpenAIClient
from oai_mock.client._errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    InternalServerError,
    MissingAPIKeyError,
    NotFoundError,
    OpenAIError,
    PermissionDeniedError,
    RateLimitError,
    StreamError,
    UnprocessableEntityError,
)
from oai_mock.client._models import Model
from oai_mock.client._pagination import AsyncPage, Page
from oai_mock.client._resource import NOT_GIVEN, NotGiven
from oai_mock.client._responses import BinaryResponse, BinaryStream
from oai_mock.client._streaming import AsyncStream, Stream, accumulate_chat, accumulate_response
from oai_mock.client.azure import AsyncAzureOpenAIClient, AzureOpenAIClient

__all__ = [
    "NOT_GIVEN",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AsyncAzureOpenAIClient",
    "AsyncOpenAIClient",
    "AsyncPage",
    "AsyncStream",
    "AuthenticationError",
    "AzureOpenAIClient",
    "BadRequestError",
    "BinaryResponse",
    "BinaryStream",
    "ConflictError",
    "InternalServerError",
    "MissingAPIKeyError",
    "Model",
    "NotFoundError",
    "NotGiven",
    "OpenAIClient",
    "OpenAIError",
    "Page",
    "PermissionDeniedError",
    "RateLimitError",
    "Stream",
    "StreamError",
    "UnprocessableEntityError",
    "accumulate_chat",
    "accumulate_response",
]
