"""Talk to a running `oai-mock serve` with the official openai package: no key, no network.

python examples/quickstart.py [BASE_URL]     # default http://127.0.0.1:8000/v1
"""

from __future__ import annotations

import sys

import openai


def main(base_url: str) -> None:
    client = openai.OpenAI(api_key="sk-anything", base_url=base_url)

    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hello"}]
    )
    print("chat:", reply.choices[0].message.content)

    print("stream:", end=" ")
    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hello"}], stream=True
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            print(chunk.choices[0].delta.content, end="", flush=True)
    print()

    print("models:", [m.id for m in client.models.list().data][:5])
    embedding = client.embeddings.create(model="text-embedding-3-small", input="hello")
    print("embedding dimensions:", len(embedding.data[0].embedding))


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000/v1")
