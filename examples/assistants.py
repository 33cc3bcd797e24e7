"""Assistants v2 with the reference client: an assistant with a function tool, a thread and its
messages, a run that stops at requires_action until the tool's output arrives, its steps, and
a streamed run.

    python examples/assistants.py                            # against a fake in this process
    python examples/assistants.py http://127.0.0.1:8000/v1   # against `oai-mock serve`

The fake moves a run one state per poll (``lifecycle="per_poll"``, the default), so the polling
loops below end after a few requests, without sleeping.
"""

from __future__ import annotations

import json
import sys

from oai_mock import OpenAIMock
from oai_mock.client import OpenAIClient

FINISHED = ("completed", "failed", "cancelled", "expired", "incomplete", "requires_action")


def wait(client: OpenAIClient, thread_id: str, run_id: str) -> str:
    """Poll the run until it stops moving; bounded, as every loop in a test should be."""
    for _ in range(50):
        run = client.threads.get_run(thread_id, run_id)
        if run.status in FINISHED:
            return run.status
    raise RuntimeError(f"run {run_id} still {run.status} after 50 polls")


def main(client: OpenAIClient) -> None:
    assistant = client.assistants.create_assistant(
        model="gpt-4o",
        name="Order desk",
        instructions="Answer questions about orders.",
        tools=[
            {
                "type": "function",
                "function": {
                    "name": "order_status",
                    "parameters": {
                        "type": "object",
                        "properties": {"order_id": {"type": "string"}},
                        "required": ["order_id"],
                    },
                },
            }
        ],
    )
    thread = client.threads.create_thread()
    client.threads.create_message(thread.id, role="user", content="Where is order 42?")

    run = client.threads.create_run(thread.id, assistant_id=assistant.id)
    print("run:", run.id, run.status)
    status = wait(client, thread.id, run.id)
    print("stopped at:", status)

    # The first turn calls the function tool; the run waits for its output.
    run = client.threads.get_run(thread.id, run.id)
    calls = run.required_action.submit_tool_outputs.tool_calls
    print("tool call:", calls[0].function.name, json.loads(calls[0].function.arguments))
    client.threads.submit_tool_outputs_to_run(
        thread.id,
        run.id,
        tool_outputs=[
            {"tool_call_id": call.id, "output": '{"status": "shipped"}'} for call in calls
        ],
    )
    status = wait(client, thread.id, run.id)
    assert status == "completed", status

    messages = client.threads.list_messages(thread.id, order="asc")
    for message in messages.data:
        print(f"  {message.role}: {message.content[0].text.value}")
    steps = client.threads.list_run_steps(thread.id, run.id, order="asc")
    print("steps:", [step.type for step in steps.data])

    # A streamed run: the thread.* events as they happen (the stream's closing "done" event
    # ends the iteration).
    client.threads.create_message(thread.id, role="user", content="Thanks!")
    events = [
        event.event
        for event in client.threads.create_run_stream(
            thread.id, assistant_id=assistant.id, tool_choice="none"
        )
    ]
    print("streamed run:", " -> ".join(dict.fromkeys(events)))
    assert events[-1] == "thread.run.completed"

    client.threads.delete_thread(thread.id)
    client.assistants.delete_assistant(assistant.id)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(OpenAIClient(api_key="sk-anything", base_url=sys.argv[1]))
    else:
        main(OpenAIMock().client())
