"""Azure OpenAI with the reference client: deployment URLs with api-version and the api-key
header, an Entra ID token provider called for every request, the newer /openai/v1 shape, and
the async client. The fake answers Azure's URL shapes as well as OpenAI's.

    python examples/azure_openai.py                            # against a fake in this process
    python examples/azure_openai.py http://127.0.0.1:8000/v1   # against `oai-mock serve`
"""

from __future__ import annotations

import asyncio
import sys

import httpx

from oai_mock import OpenAIMock
from oai_mock.client import AsyncAzureOpenAIClient, AzureOpenAIClient

HELLO = [{"role": "user", "content": "Hello"}]


def show(request: httpx.Request) -> None:
    auth = "api-key" if "api-key" in request.headers else request.headers.get("authorization", "")
    query = f"?{request.url.query.decode()}" if request.url.query else ""
    print(f"  -> {request.method} {request.url.path}{query} [{auth[:14]}]")


def main(endpoint: str, transport: httpx.BaseTransport | None = None) -> None:
    def http_client() -> httpx.Client:
        return httpx.Client(transport=transport, event_hooks={"request": [show]})

    print("deployment URL + api-key:")
    azure = AzureOpenAIClient(
        endpoint=endpoint, api_key="azure-key", api_version="2024-10-21", http_client=http_client()
    )
    reply = azure.chat.create_chat_completion(model="my-gpt-4o-deployment", messages=HELLO)
    print("  " + reply.choices[0].message.content)

    print("Entra ID token provider:")
    tokens = iter(f"token-{n}" for n in range(1, 100))
    with_token = AzureOpenAIClient(
        endpoint=endpoint,
        azure_ad_token_provider=lambda: next(tokens),
        api_version="2024-10-21",
        deployment="embedder",
        http_client=http_client(),
    )
    for text in ("first", "second"):  # a fresh token for each request
        with_token.embeddings.create_embedding(model="text-embedding-3-small", input=text)

    print("/openai/v1:")
    v1 = AzureOpenAIClient(
        endpoint=endpoint, api_key="azure-key", api_version="v1", http_client=http_client()
    )
    print("  " + v1.responses.create_response(model="gpt-4o-mini", input="Hi").output_text)


async def main_async(endpoint: str, transport: httpx.AsyncBaseTransport | None = None) -> None:
    print("async, three deployments at once:")
    async with httpx.AsyncClient(transport=transport) as http:
        azure = AsyncAzureOpenAIClient(
            endpoint=endpoint, api_key="azure-key", api_version="2024-10-21", http_client=http
        )
        replies = await asyncio.gather(
            *(
                azure.chat.create_chat_completion(model=deployment, messages=HELLO)
                for deployment in ("east", "west", "north")
            )
        )
    print("  " + str([reply.model for reply in replies]))


if __name__ == "__main__":
    if len(sys.argv) > 1:
        server = sys.argv[1].removesuffix("/v1")  # Azure clients take the resource's endpoint
        main(server)
        asyncio.run(main_async(server))
    else:
        from oai_mock.mockserver.transports import AsyncMockTransport, MockTransport

        mock = OpenAIMock()
        main("http://oai-mock.local", MockTransport(mock))
        asyncio.run(main_async("http://oai-mock.local", AsyncMockTransport(mock)))
