"""The official openai package and the reference client talking to the fake: no key, no network.

python examples/quickstart.py                            # against a fake in this process
python examples/quickstart.py http://127.0.0.1:8000/v1   # against `oai-mock serve`
"""

from __future__ import annotations

import sys

import openai

from oai_mock import OpenAIMock
from oai_mock.client import OpenAIClient


def show(line: str) -> None:
    # One write per line: under `scripts/serve` the server logs to the same terminal, and
    # print() writes the text and its newline apart, so a log line could land in between.
    sys.stdout.write(line + "\n")


def with_the_official_sdk(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hello"}]
    )
    show(f"chat: {reply.choices[0].message.content}")

    stream = client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hello"}], stream=True
    )
    pieces = [
        c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content
    ]
    show(f"stream ({len(pieces)} pieces): {''.join(pieces)}")

    show(f"models: {[m.id for m in client.models.list().data][:5]}")
    embedding = client.embeddings.create(model="text-embedding-3-small", input="hello")
    show(f"embedding dimensions: {len(embedding.data[0].embedding)}")


def with_the_reference_client(client: OpenAIClient) -> None:
    reply = client.chat.create_chat_completion(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Say hello"}]
    )
    show(f"reference client, chat: {reply.choices[0].message.content}")
    response = client.responses.create_response(model="gpt-4o-mini", input="Say hello")
    show(f"reference client, responses: {response.output_text}")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        with_the_official_sdk(openai.OpenAI(api_key="sk-anything", base_url=sys.argv[1]))
        with_the_reference_client(OpenAIClient(api_key="sk-anything", base_url=sys.argv[1]))
    else:
        mock = OpenAIMock()
        with_the_official_sdk(mock.openai())
        with_the_reference_client(mock.client())
