"""Values the spec calls "SDK-only conveniences": the server never sends them, so the client
computes them from the rest of the object (the generated models name these functions through
``codegen/overrides.py``'s DERIVED_FIELDS).

>>> output_text({"output": [{"type": "message", "content": [
...     {"type": "output_text", "text": "Hello, "}, {"type": "output_text", "text": "world"}]}]})
'Hello, world'
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def output_text(response: Mapping[str, Any]) -> str:
    """The text of every ``output_text`` part of every message in ``output``, joined ("" when
    there is none, as the official SDKs answer)."""
    parts: list[str] = []
    for item in response.get("output") or ():
        if isinstance(item, Mapping) and item.get("type") == "message":
            for part in item.get("content") or ():
                if isinstance(part, Mapping) and part.get("type") == "output_text":
                    text = part.get("text")
                    if isinstance(text, str):
                        parts.append(text)
    return "".join(parts)
