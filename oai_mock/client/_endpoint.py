"""What a generated client method knows about its operation, written into the method by the
generator: the client needs no spec bundle at run time."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One operation as the client sends it: ``POST /embeddings`` is
    ``Endpoint("createEmbedding", "POST", "/embeddings", body_types=("application/json",))``."""

    id: str
    method: str
    path_template: str
    """The path with ``{placeholders}`` and without the literal query."""
    literal_query: tuple[tuple[str, str], ...] = ()
    """Query pairs the spec writes into the path itself (``?beta=true``)."""
    auth: Literal["api_key", "admin_key"] = "api_key"
    beta_header: str | None = None
    """The ``OpenAI-Beta`` header the operation needs, if any."""
    body_types: tuple[str, ...] | None = None
    """The media types of the request body, preferred first; None for no body."""
