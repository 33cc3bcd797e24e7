"""Files, uploads in parts, vector stores, their files and file batches, and search, with the
reference client.

    python examples/files_and_vector_stores.py                            # in-process fake
    python examples/files_and_vector_stores.py http://127.0.0.1:8000/v1   # `oai-mock serve`
"""

from __future__ import annotations

import sys

from oai_mock import OpenAIMock
from oai_mock.client import NotFoundError, OpenAIClient


def main(client: OpenAIClient) -> None:
    refunds = client.files.create_file(
        file=("refunds.txt", b"Refunds are accepted within 30 days of delivery."),
        purpose="assistants",
    )
    print("file:", refunds.id, refunds.filename, refunds.bytes, "bytes")
    assert client.files.download_file(refunds.id).content.startswith(b"Refunds")

    # A large file goes up in parts: create the upload, add parts, complete it into a file.
    chunks = [b"Shipping takes five working days ", b"by post."]
    upload = client.uploads.create_upload(
        filename="shipping.txt",
        purpose="assistants",
        bytes=sum(map(len, chunks)),  # the fake refuses parts that do not add up, as OpenAI does
        mime_type="text/plain",
    )
    parts = [client.uploads.add_upload_part(upload.id, data=("part", chunk)) for chunk in chunks]
    done = client.uploads.complete_upload(upload.id, part_ids=[part.id for part in parts])
    shipping = done.file
    print("upload:", done.status, "->", shipping.id, shipping.bytes, "bytes")

    store = client.vector_stores.create_vector_store(name="Support FAQ")
    client.vector_stores.create_vector_store_file(store.id, file_id=refunds.id)
    batch = client.vector_stores.create_vector_store_file_batch(store.id, file_ids=[shipping.id])
    for _ in range(20):  # each retrieve moves the batch one step (lifecycle="per_poll")
        batch = client.vector_stores.get_vector_store_file_batch(store.id, batch.id)
        if batch.status != "in_progress":
            break
    print("file batch:", batch.status, batch.file_counts.completed, "completed")
    for _ in range(20):
        store = client.vector_stores.get_vector_store(store.id)
        if store.file_counts.in_progress == 0:
            break
    print("store:", store.name, store.file_counts.completed, "files ready")

    found = client.vector_stores.search_vector_store(store.id, query="refund within days")
    best = found.data[0]
    print(f"search: {best.filename} (score {best.score:.2f}): {best.content[0].text}")
    assert best.file_id == refunds.id

    listed = [file.id for file in client.vector_stores.list_vector_store_files(store.id)]
    assert sorted(listed) == sorted([refunds.id, shipping.id])

    client.vector_stores.delete_vector_store(store.id)
    for file_id in (refunds.id, shipping.id):
        client.files.delete_file(file_id)
    try:
        client.files.retrieve_file(refunds.id)
    except NotFoundError as error:
        print("after delete:", error.status_code, error.message)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(OpenAIClient(api_key="sk-anything", base_url=sys.argv[1]))
    else:
        main(OpenAIMock().client())
