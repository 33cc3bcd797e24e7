"""What a behaviour may use of the fake: the narrow side of the engine.

A behaviour is ``behaviour(call, fake) -> answer``: ``call`` is the parsed request and ``fake``
gives the state the answer reads and changes (stored objects, ids, the clock, lifecycles, the
synthesizer) and nothing of the engine's machinery (routing, the journal, scripting, adapters).
The engine hands its behaviours a :class:`FakeContext` (``mock.context``); a test can call a
behaviour with one built from stand-ins.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from oai_mock.mockserver.clock import Clock
from oai_mock.mockserver.ids import IdFactory
from oai_mock.mockserver.keys import Keys
from oai_mock.mockserver.lifecycle import Lifecycles
from oai_mock.mockserver.messages import MockRequest, MockResponse
from oai_mock.mockserver.requests import Call
from oai_mock.mockserver.state import Store
from oai_mock.mockserver.synthesis import Synthesizer
from oai_mock.spec import Bundle, SchemaChecker


@dataclass(slots=True, kw_only=True, eq=False, repr=False)  # repr: the bundle is large
class FakeContext:
    """The context the engine hands its behaviours: the fake's state and services, and a way to
    answer a call, without the engine itself (routing, the journal, scripting, adapters).

    It owns the settings a user may change on a built mock (``seed``, ``strict_models``,
    ``max_file_bytes``): the mock's attributes of those names read and write these, so a change
    reaches the behaviours at once.
    """

    seed: int
    """The seed every generated answer derives from."""
    bundle: Bundle
    checker: SchemaChecker
    state: Store
    """Stored objects (files, vector stores, assistants, responses, ...), by kind and id."""
    ids: IdFactory
    clock: Clock
    lifecycles: Lifecycles
    """Objects that move through statuses (runs, batches, fine-tuning jobs, ...)."""
    synthesizer: Synthesizer
    max_file_bytes: int
    strict_models: bool
    keys: Keys
    """The configured keys (image URLs are signed with them)."""
    dispatch: Callable[[str, str, Any], MockResponse]
    """``dispatch(method, url, body)``: answers a call with a JSON body given as a value, as a
    request would be answered (a batch answers its lines through it)."""


BehaviourContext = FakeContext
"""What behaviours are typed against: the fake's :class:`FakeContext`."""


Answer = MockResponse | Mapping[str, Any] | list[Any]
"""What a behaviour returns: a full response, or the JSON value of a success answer."""

Behaviour = Callable[[Call, BehaviourContext], Answer]
"""Answers one operation: ``behaviour(call, fake) -> answer``."""

OffSpecRoute = Callable[[BehaviourContext, MockRequest], "MockResponse | None"]
"""Answers a request outside the spec's paths that a behaviour serves itself (the image URLs
it hands out), before routing and authentication; None leaves the request to the engine."""
