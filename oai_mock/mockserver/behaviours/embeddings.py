"""Embeddings: deterministic unit vectors.

Each vector is a hashed bag of the input's words (texts that share words point in similar
directions) plus a small component derived from the whole input (so different texts never get
the same vector), normalised to length 1. ``dimensions`` keeps the first N components and
normalises again, as OpenAI's shortened embeddings do; ``encoding_format: "base64"`` sends the
little-endian float32 bytes.
"""

from __future__ import annotations

import base64
import math
import random
import re
import struct
from array import array
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from oai_mock.mockserver import limits
from oai_mock.mockserver.behaviours import text
from oai_mock.mockserver.behaviours.models import require_model
from oai_mock.mockserver.errors import invalid_request
from oai_mock.mockserver.requests import Call

if TYPE_CHECKING:
    from oai_mock.mockserver.context import Behaviour, BehaviourContext

MODEL_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
SHORTENABLE = ("text-embedding-3-small", "text-embedding-3-large")
WORD = re.compile(r"\w+")


MAX_INPUT_TOKENS = 8192
"""The most tokens one input may have (OpenAI's embedding models' context)."""


def create_embedding(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    body = call.json
    require_model(mock, body.get("model"))
    model = str(body.get("model"))
    full = MODEL_DIMENSIONS.get(model, 1536)
    dimensions = body.get("dimensions")
    if dimensions is not None:
        if model in MODEL_DIMENSIONS and model not in SHORTENABLE:
            raise invalid_request(
                "This model does not support specifying dimensions.", "dimensions", "invalid_value"
            )
        if dimensions > full:
            raise invalid_request(
                f"Invalid 'dimensions': {model} has {full} dimensions; ask for at most {full}.",
                "dimensions",
                "invalid_value",
            )
    inputs = inputs_of(body.get("input"))
    if any(item == "" for item in inputs):  # the API reference: "cannot be an empty string"
        raise invalid_request(
            "'$.input' is invalid. Please check the API reference: "
            "https://platform.openai.com/docs/api-reference.",
            "input",
        )
    counts = [text.count_tokens(item) for item in inputs]
    for count in counts:  # each input within the model's context (8,192 tokens)
        if count > MAX_INPUT_TOKENS:
            raise invalid_request(
                f"This model's maximum context length is {MAX_INPUT_TOKENS} tokens, however you "
                f"requested {count} tokens ({count} in your prompt; 0 for the completion). "
                "Please reduce your prompt; or completion length.",
                "input",
            )
    tokens = sum(counts)
    limits.check_embedding_tokens(tokens)
    data = []
    for index, item in enumerate(inputs):
        vector = embed(item, full, dimensions or full)
        encoded: Any = vector
        if body.get("encoding_format") == "base64":
            encoded = base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
        data.append({"object": "embedding", "index": index, "embedding": encoded})
    return {
        "object": "list",
        "data": data,
        "model": model,
        "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
    }


def inputs_of(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list) and value and all(isinstance(v, int) for v in value):
        return [" ".join(f"t{v}" for v in value)]
    if isinstance(value, list):
        return [v if isinstance(v, str) else " ".join(f"t{t}" for t in v) for v in value]
    return [""]


EMBEDDING_CACHE_SIZE = 512
"""Vectors kept for inputs seen recently (a test embeds the same texts again and again); as
packed doubles, 512 of the largest (3,072 dimensions) hold 12 MiB at most."""


def embed(item: str, full: int, dimensions: int) -> list[float]:
    return _embed(item, full, dimensions).tolist()


@lru_cache(maxsize=EMBEDDING_CACHE_SIZE)
def _embed(item: str, full: int, dimensions: int) -> array[float]:
    vector = [0.0] * full
    for word in WORD.findall(item.lower()):
        rng = random.Random(f"word:{word}")
        for _ in range(8):
            vector[rng.randrange(full)] += 1.0 if rng.random() < 0.5 else -1.0
    # A small component of the whole text: uniform noise with a standard deviation of 0.05,
    # drawn as bytes in one call (a draw per component made long inputs slow).
    noise = struct.unpack(f"<{full}h", random.Random(f"text:{item}").randbytes(2 * full))
    scale = 0.05 * math.sqrt(3) / 32768
    vector = [v + n * scale for v, n in zip(vector[:dimensions], noise, strict=False)]
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return array("d", [round(v / norm, 8) for v in vector])


OPERATIONS: dict[str, Behaviour] = {
    "createEmbedding": create_embedding,
}
