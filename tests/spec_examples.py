"""The spec's own ``x-oaiMeta`` examples, read from the pinned OpenAPI document."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

SPEC_PATH = Path(__file__).resolve().parents[1].parent / "shared" / "openapi" / "openapi.json"
TRAILING_COMMA = re.compile(r",(\s*[}\]])")


@dataclass(frozen=True)
class Example:
    operation_id: str
    title: str
    text: str

    def json(self, tolerate_trailing_commas: bool = False) -> Any:
        text = TRAILING_COMMA.sub(r"\1", self.text) if tolerate_trailing_commas else self.text
        return json.loads(text)

    @property
    def is_sse(self) -> bool:
        return self.text.lstrip().startswith(("event:", "data:"))


@cache
def raw_spec() -> dict[str, Any]:
    return json.loads(SPEC_PATH.read_text())


def response_examples() -> Iterator[Example]:
    for item in raw_spec()["paths"].values():
        for method, op in item.items():
            if method not in ("get", "post", "put", "patch", "delete"):
                continue
            examples = (op.get("x-oaiMeta") or {}).get("examples")
            if isinstance(examples, dict):
                examples = [examples]
            for example in examples or []:
                text = example.get("response")
                if isinstance(text, str) and text.strip():
                    yield Example(op["operationId"], example.get("title", ""), text)
