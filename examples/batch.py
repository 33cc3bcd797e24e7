"""The Batch API with the reference client: upload a JSONL file of requests, create a batch,
poll it to the end, and read the output file (each line is answered by the fake itself).

    python examples/batch.py                            # against a fake in this process
    python examples/batch.py http://127.0.0.1:8000/v1   # against `oai-mock serve`
"""

from __future__ import annotations

import json
import sys

from oai_mock import OpenAIMock
from oai_mock.client import OpenAIClient

QUESTIONS = ["What is 2 + 2?", "Name a prime number", "Say hello in French"]


def main(client: OpenAIClient) -> None:
    lines = [
        {
            "custom_id": f"question-{number}",
            "method": "POST",
            "url": "/v1/chat/completions",
            "body": {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": text}]},
        }
        for number, text in enumerate(QUESTIONS)
    ]
    # One line forgets its messages: OpenAI answers it with a 400 in the error file.
    lines.append({**lines[0], "custom_id": "broken", "body": {"model": "gpt-4o-mini"}})
    jsonl = "".join(json.dumps(line) + "\n" for line in lines).encode()
    source = client.files.create_file(file=("requests.jsonl", jsonl), purpose="batch")

    batch = client.batch.create_batch(
        input_file_id=source.id, endpoint="/v1/chat/completions", completion_window="24h"
    )
    seen = [batch.status]
    for _ in range(20):  # each retrieve moves the batch one step (lifecycle="per_poll")
        if batch.status in ("completed", "failed", "expired", "cancelled"):
            break
        batch = client.batch.retrieve_batch(batch.id)
        seen.append(batch.status)
    print("batch:", " -> ".join(dict.fromkeys(seen)))
    counts = batch.request_counts
    print(f"requests: {counts.completed} completed, {counts.failed} failed of {counts.total}")

    for line in client.files.download_file(batch.output_file_id).text.splitlines():
        result = json.loads(line)
        answer = result["response"]["body"]["choices"][0]["message"]["content"]
        print(f"  {result['custom_id']}: {answer}")
    for line in client.files.download_file(batch.error_file_id).text.splitlines():
        result = json.loads(line)
        print(f"  {result['custom_id']}: {result['response']['status_code']}", end=" ")
        print(result["response"]["body"]["error"]["message"])
    assert counts.completed == len(QUESTIONS) and counts.failed == 1


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(OpenAIClient(api_key="sk-anything", base_url=sys.argv[1]))
    else:
        main(OpenAIMock().client())
