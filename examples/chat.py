"""Chat completions with the reference client: a reply, tools and the function-calling loop,
vision input, JSON mode, structured outputs and streaming.

    python examples/chat.py                            # against a fake in this process
    python examples/chat.py http://127.0.0.1:8000/v1   # against `oai-mock serve`
"""

from __future__ import annotations

import json
import sys

from oai_mock import OpenAIMock
from oai_mock.client import OpenAIClient, accumulate_chat

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_current_weather",
        "description": "The current weather in a city",
        "parameters": {
            "type": "object",
            "properties": {
                "location": {"type": "string"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
            },
            "required": ["location"],
            "additionalProperties": False,
        },
    },
}


def main(client: OpenAIClient) -> None:
    question = {"role": "user", "content": "What's the weather like in Boston?"}

    reply = client.chat.create_chat_completion(model="gpt-4o-mini", messages=[question])
    print("reply:", reply.choices[0].message.content)
    print(
        "usage:", reply.usage.prompt_tokens, "prompt +", reply.usage.completion_tokens, "completion"
    )

    # Tools: a forced call carries arguments valid against the tool's schema.
    asked = client.chat.create_chat_completion(
        model="gpt-4o",
        messages=[question],
        tools=[WEATHER_TOOL],
        tool_choice={"type": "function", "function": {"name": "get_current_weather"}},
    )
    call = asked.choices[0].message.tool_calls[0]
    arguments = json.loads(call.function.arguments)
    assert isinstance(arguments["location"], str)
    print("tool call:", call.function.name, arguments)

    # Function calling: send the tool's result back and get the final answer.
    answered = client.chat.create_chat_completion(
        model="gpt-4o",
        messages=[
            question,
            asked.choices[0].message.raw,
            {"role": "tool", "tool_call_id": call.id, "content": '{"temperature": 22}'},
        ],
        tools=[WEATHER_TOOL],
    )
    print("after the tool:", answered.choices[0].message.content)

    # Vision: image parts in a user message.
    seen = client.chat.create_chat_completion(
        model="gpt-4o",
        messages=[
            {
                "role": "user",
                "content": [
                    {"type": "text", "text": "What is in this image?"},
                    {"type": "image_url", "image_url": {"url": "https://example.com/cat.png"}},
                ],
            }
        ],
    )
    print("vision:", seen.choices[0].message.content)

    # JSON mode: the content parses as a JSON object.
    as_json = client.chat.create_chat_completion(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Three fruits as JSON"}],
        response_format={"type": "json_object"},
    )
    print("json mode:", json.loads(as_json.choices[0].message.content))

    # Structured outputs: the content is valid against the schema.
    product_schema = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "price": {"type": "number"}},
        "required": ["name", "price"],
        "additionalProperties": False,
    }
    structured = client.chat.create_chat_completion(
        model="gpt-4o",
        messages=[{"role": "user", "content": "Describe a product"}],
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "product", "schema": product_schema, "strict": True},
        },
    )
    product = json.loads(structured.choices[0].message.content)
    assert set(product) == {"name", "price"}
    print("structured:", product)

    # Streaming: chunks accumulate into the same message the unstreamed call returns.
    chunks = list(
        client.chat.create_chat_completion_stream(
            model="gpt-4o-mini", messages=[question], stream_options={"include_usage": True}
        )
    )
    streamed = accumulate_chat(chunks)
    assert streamed["choices"][0]["message"]["content"] == reply.choices[0].message.content
    print(f"stream: {len(chunks)} chunks, usage {streamed['usage']['total_tokens']} tokens")


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(OpenAIClient(api_key="sk-anything", base_url=sys.argv[1]))
    else:
        main(OpenAIMock().client())
