"""The Responses API with the reference client: a stored response, a conversation continued
with previous_response_id, a function call, structured output, and the event stream.

    python examples/responses.py                            # against a fake in this process
    python examples/responses.py http://127.0.0.1:8000/v1   # against `oai-mock serve`
"""

from __future__ import annotations

import json
import sys

from oai_mock import OpenAIMock
from oai_mock.client import NotFoundError, OpenAIClient


def main(client: OpenAIClient) -> None:
    first = client.responses.create_response(model="gpt-4o-mini", input="Name a colour")
    print("response:", first.id, first.status, repr(first.output_text))

    # Stored responses can be retrieved and continued.
    assert client.responses.get_response(first.id).id == first.id
    second = client.responses.create_response(
        model="gpt-4o-mini", input="And another one", previous_response_id=first.id
    )
    history = [item.get("role") for item in client.responses.list_input_items(second.id).data]
    print("continued:", repr(second.output_text), "input items:", history)

    # A function call, with arguments valid against the tool's parameters.
    tool = {
        "type": "function",
        "name": "lookup_order",
        "parameters": {
            "type": "object",
            "properties": {"order_id": {"type": "string"}},
            "required": ["order_id"],
            "additionalProperties": False,
        },
        "strict": True,
    }
    called = client.responses.create_response(
        model="gpt-4o", input="Where is order 42?", tools=[tool], tool_choice="required"
    )
    call = next(item for item in called.output if item.type == "function_call")
    print("function call:", call.name, json.loads(call.arguments))

    # Structured output: output_text is valid against the schema.
    schema = {
        "type": "object",
        "properties": {"city": {"type": "string"}, "population": {"type": "integer"}},
        "required": ["city", "population"],
        "additionalProperties": False,
    }
    structured = client.responses.create_response(
        model="gpt-4o",
        input="The largest city in France",
        text={"format": {"type": "json_schema", "name": "city", "schema": schema, "strict": True}},
    )
    city = json.loads(structured.output_text)
    assert set(city) == {"city", "population"}
    print("structured:", city)

    # Streaming: typed events in OpenAI's order, numbered from 0.
    events = list(client.responses.create_response_stream(model="gpt-4o-mini", input="Hi"))
    assert [event.sequence_number for event in events] == list(range(len(events)))
    text = "".join(e.delta for e in events if e.type == "response.output_text.delta")
    print("stream:", events[0].type, "...", events[-1].type, f"({len(events)} events)")
    print("streamed text:", repr(text))

    client.responses.delete_response(first.id)
    try:
        client.responses.get_response(first.id)
    except NotFoundError as error:
        print("after delete:", error.status_code, error.message)


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(OpenAIClient(api_key="sk-anything", base_url=sys.argv[1]))
    else:
        main(OpenAIMock().client())
