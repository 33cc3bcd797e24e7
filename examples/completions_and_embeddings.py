"""Legacy completions (whole and streamed) and embeddings (float and base64) with the
reference client.

    python examples/completions_and_embeddings.py                            # in-process fake
    python examples/completions_and_embeddings.py http://127.0.0.1:8000/v1   # `oai-mock serve`
"""

from __future__ import annotations

import base64
import math
import struct
import sys

from oai_mock import OpenAIMock
from oai_mock.client import OpenAIClient


def cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True)) / math.sqrt(
        sum(x * x for x in a) * sum(y * y for y in b)
    )


def main(client: OpenAIClient) -> None:
    completion = client.completions.create_completion(
        model="gpt-3.5-turbo-instruct", prompt="Say this is a test", max_tokens=7
    )
    choice = completion.choices[0]
    print("completion:", repr(choice.text), "finish_reason:", choice.finish_reason)

    print("streamed:", end=" ")
    for chunk in client.completions.create_completion_stream(
        model="gpt-3.5-turbo-instruct", prompt="Count to 3", max_tokens=12
    ):
        print(chunk.choices[0].text, end="", flush=True)
    print()

    texts = ["The cat sat on the mat", "A cat sat on a mat", "Quarterly tax filing deadlines"]
    embedded = client.embeddings.create_embedding(
        model="text-embedding-3-small", input=texts, dimensions=256
    )
    vectors = [item.embedding for item in embedded.data]
    assert all(len(vector) == 256 for vector in vectors)
    near, far = cosine(vectors[0], vectors[1]), cosine(vectors[0], vectors[2])
    assert near > far  # the fake's vectors put similar texts closer
    print(f"cosine(similar) = {near:.3f}, cosine(unrelated) = {far:.3f}")

    # base64: little-endian float32, the same vector in a quarter of the JSON.
    packed = client.embeddings.create_embedding(
        model="text-embedding-3-small", input=texts[0], dimensions=256, encoding_format="base64"
    )
    raw = base64.b64decode(packed.data[0].embedding)
    unpacked = struct.unpack(f"<{len(raw) // 4}f", raw)
    assert all(abs(a - b) < 1e-6 for a, b in zip(unpacked, vectors[0], strict=True))
    print("base64 embedding:", len(unpacked), "floats, equal to the float answer")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(OpenAIClient(api_key="sk-anything", base_url=sys.argv[1]))
    else:
        main(OpenAIMock().client())
