"""A small application that calls OpenAI: the code the tests next to it exercise.

It answers customer questions with chat completions, looks orders up through a tool call, and
refuses to answer messages the moderation endpoint flags. Nothing here knows about oai-mock.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import openai

SYSTEM_PROMPT = "You are the support desk of a small bookshop. Answer briefly."
ORDER_TOOL = {
    "type": "function",
    "function": {
        "name": "lookup_order",
        "description": "The shipping status of an order",
        "parameters": {
            "type": "object",
            "properties": {"order_id": {"type": "string"}},
            "required": ["order_id"],
            "additionalProperties": False,
        },
    },
}


class SupportBot:
    def __init__(
        self, client: openai.OpenAI, lookup_order: Callable[[str], str], model: str = "gpt-4o-mini"
    ) -> None:
        self.client = client
        self.lookup_order = lookup_order
        self.model = model

    def answer(self, question: str, max_turns: int = 5) -> str:
        if self.client.moderations.create(input=question).results[0].flagged:
            return "Sorry, I cannot help with that."
        messages: list[dict[str, object]] = [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": question},
        ]
        for _ in range(max_turns):
            reply = self.client.chat.completions.create(
                model=self.model, messages=messages, tools=[ORDER_TOOL]
            )
            message = reply.choices[0].message
            if not message.tool_calls:
                return message.content or ""
            messages.append(message.model_dump(exclude_none=True))
            for call in message.tool_calls:
                order_id = json.loads(call.function.arguments)["order_id"]
                messages.append(
                    {
                        "role": "tool",
                        "tool_call_id": call.id,
                        "content": self.lookup_order(order_id),
                    }
                )
        raise RuntimeError(f"no answer after {max_turns} turns")

    def stream_answer(self, question: str) -> list[str]:
        """The answer's pieces as they arrive (for a chat UI)."""
        stream = self.client.chat.completions.create(
            model=self.model,
            messages=[
                {"role": "system", "content": SYSTEM_PROMPT},
                {"role": "user", "content": question},
            ],
            stream=True,
        )
        return [
            c.choices[0].delta.content for c in stream if c.choices and c.choices[0].delta.content
        ]


async def answer_many(client: openai.AsyncOpenAI, questions: list[str]) -> list[str]:
    """Answer a list of questions concurrently (for the nightly FAQ refresh)."""
    import asyncio

    async def one(question: str) -> str:
        reply = await client.chat.completions.create(
            model="gpt-4o-mini", messages=[{"role": "user", "content": question}]
        )
        return reply.choices[0].message.content or ""

    return list(await asyncio.gather(*(one(q) for q in questions)))
