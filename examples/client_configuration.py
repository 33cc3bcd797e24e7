"""Configuring the reference client: key, organization and project; a custom base URL, default
headers and query parameters; per-call extras for OpenAI-compatible servers; your own
httpx.Client; errors that name the bad field; and pages that iterate themselves.

    python examples/client_configuration.py                            # in-process fake
    python examples/client_configuration.py http://127.0.0.1:8000/v1   # `oai-mock serve`
"""

from __future__ import annotations

import sys

import httpx

from oai_mock import OpenAIMock
from oai_mock.client import BadRequestError, OpenAIClient


def show(request: httpx.Request) -> None:
    setup = request.method == "POST" and request.url.path.endswith("/files")
    if setup or request.method == "DELETE":
        return  # the set-up and clean-up of the pagination part
    sent = {k: v for k, v in request.headers.items() if k.startswith(("openai-", "x-"))}
    print(f"  -> {request.method} {request.url} {sent}")


def main(base_url: str, transport: httpx.BaseTransport | None = None) -> None:
    client = OpenAIClient(
        api_key="sk-anything",
        organization="org-example",
        project="proj_example",
        base_url=base_url,
        default_headers={"X-Team": "search"},
        default_query={"trace": "1"},
        timeout=10.0,
        max_retries=2,
        http_client=httpx.Client(transport=transport, event_hooks={"request": [show]}),
    )

    print("per-call extra headers and query parameters:")
    answer = client.chat.create_chat_completion(
        model="gpt-4o-mini",
        messages=[{"role": "user", "content": "Hi"}],
        extra_headers={"X-Request-Source": "docs"},
        extra_query={"tenant": "a"},
    )
    # Fields the spec does not declare (a compatible server's reasoning_content, say) stay
    # readable with .get() and in .raw.
    print("  reasoning_content:", answer.choices[0].message.get("reasoning_content"))

    print("errors name the field, as OpenAI's do:")
    try:  # extra_body sends provider options; OpenAI (and so the fake) refuses unknown ones
        client.chat.create_chat_completion(
            model="gpt-4o-mini",
            messages=[{"role": "user", "content": "Hi"}],
            extra_body={"top_k": 20},
        )
    except BadRequestError as error:
        print(f"  {error.status_code} {error.code}: {error.message}")
    try:
        client.chat.create_chat_completion(
            model="gpt-4o-mini", messages=[{"role": "wizard", "content": "Hi"}]
        )
    except BadRequestError as error:
        print(f"  {error.status_code} {error.code} param={error.param}: {error.message}")

    print("pages iterate themselves:")
    created = [
        client.files.create_file(file=(f"note-{n}.txt", b"note"), purpose="assistants").id
        for n in range(5)
    ]
    page = client.files.list_files(limit=2)
    seen = [file.id for file in page]  # follows the cursor past the first page
    assert set(created) <= set(seen)
    print(f"  first page held {len(page.data)}, iteration saw {len(seen)} files")
    for file_id in created:
        client.files.delete_file(file_id)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        from oai_mock.mockserver.transports import MockTransport

        main("http://oai-mock.local/v1", MockTransport(OpenAIMock()))
