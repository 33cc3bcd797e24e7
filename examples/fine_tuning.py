"""Fine-tuning with the reference client: upload training data, create a job, follow it to the
end with its events and checkpoints, then chat with the fine-tuned model.

    python examples/fine_tuning.py                            # against a fake in this process
    python examples/fine_tuning.py http://127.0.0.1:8000/v1   # against `oai-mock serve`
"""

from __future__ import annotations

import json
import sys

from oai_mock import OpenAIMock
from oai_mock.client import OpenAIClient

EXAMPLES = [
    [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Ahoy!"}],
    [{"role": "user", "content": "Bye"}, {"role": "assistant", "content": "Fair winds!"}],
]


def main(client: OpenAIClient) -> None:
    jsonl = "".join(json.dumps({"messages": messages}) + "\n" for messages in EXAMPLES)
    training = client.files.create_file(file=("pirate.jsonl", jsonl.encode()), purpose="fine-tune")
    job = client.fine_tuning.create_fine_tuning_job(
        model="gpt-4o-mini-2024-07-18",
        training_file=training.id,
        suffix="pirate",
        hyperparameters={"n_epochs": 2},
    )
    seen = [job.status]
    for _ in range(20):  # each retrieve moves the job one step (lifecycle="per_poll")
        if job.status in ("succeeded", "failed", "cancelled"):
            break
        job = client.fine_tuning.retrieve_fine_tuning_job(job.id)
        seen.append(job.status)
    print("job:", " -> ".join(dict.fromkeys(seen)))
    print("fine-tuned model:", job.fine_tuned_model)

    events = client.fine_tuning.list_fine_tuning_events(job.id, limit=50)
    for event in reversed(events.data):  # the newest event comes first
        print("  event:", event.message)
    checkpoints = client.fine_tuning.list_fine_tuning_job_checkpoints(job.id)
    print("checkpoints:", [checkpoint.step_number for checkpoint in checkpoints.data])

    # The new model is listed and answers like any other.
    assert client.models.retrieve_model(job.fine_tuned_model).id == job.fine_tuned_model
    reply = client.chat.create_chat_completion(
        model=job.fine_tuned_model, messages=[{"role": "user", "content": "Hi"}]
    )
    print("it answers:", reply.choices[0].message.content)
    client.models.delete_model(job.fine_tuned_model)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(OpenAIClient(api_key="sk-anything", base_url=sys.argv[1]))
    else:
        main(OpenAIMock().client())
