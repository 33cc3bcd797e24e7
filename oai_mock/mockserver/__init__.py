"""The fake OpenAI server: a transport-agnostic engine and the adapters that serve it."""

from oai_mock.mockserver.clock import Clock
from oai_mock.mockserver.engine import ANY_KEY, OpenAIMock
from oai_mock.mockserver.errors import APIError
from oai_mock.mockserver.journal import Journal, JournalEntry
from oai_mock.mockserver.messages import Disconnect, Event, MockRequest, MockResponse, Pause

__all__ = [
    "ANY_KEY",
    "APIError",
    "Clock",
    "Disconnect",
    "Event",
    "Journal",
    "JournalEntry",
    "MockRequest",
    "MockResponse",
    "OpenAIMock",
    "Pause",
]
