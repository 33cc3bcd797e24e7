"""Tests of support_bot.py with the oai_mock fixture: no key, no network, no cost.

    pytest examples/pytest

The fixture gives each test a fresh fake and routes every openai.OpenAI() / AsyncOpenAI() the
code builds to it, so the application code runs unchanged.
"""

from __future__ import annotations

import openai
import pytest
from support_bot import SupportBot, answer_many

ORDERS = {"A-17": "shipped on Monday"}


def make_bot() -> SupportBot:
    return SupportBot(openai.OpenAI(max_retries=2), lookup_order=lambda order_id: ORDERS[order_id])


def test_a_plain_question_gets_the_model_reply(oai_mock):
    oai_mock.on("chat", contains="opening hours").reply("We open at 9.")
    assert make_bot().answer("What are your opening hours?") == "We open at 9."
    sent = oai_mock.journal.last("chat")
    assert sent.system_prompt.startswith("You are the support desk")
    assert sent.tool_names == ["lookup_order"]


def test_an_order_question_goes_through_the_tool(oai_mock):
    oai_mock.on("chat").call_tools(("lookup_order", {"order_id": "A-17"}))
    oai_mock.on("chat", contains="shipped on Monday").reply("Your order shipped on Monday.")
    assert make_bot().answer("Where is order A-17?") == "Your order shipped on Monday."
    tool_message = oai_mock.journal.calls("chat")[1].messages[-1]
    assert tool_message["role"] == "tool" and tool_message["content"] == "shipped on Monday"


def test_flagged_messages_never_reach_the_model(oai_mock):
    # The fake's moderation classifier is a documented keyword list: "kill" is violence.
    assert make_bot().answer("I will kill the courier") == "Sorry, I cannot help with that."
    assert oai_mock.journal.calls("chat") == []


def test_rate_limits_are_retried(oai_mock):
    oai_mock.on("chat", times=2).fail(429, retry_after_ms=5)
    oai_mock.on("chat").reply("Back online.")
    assert make_bot().answer("Hello?") == "Back online."
    assert [call.status for call in oai_mock.journal.calls("chat")] == [429, 429, 200]


def test_a_loop_that_never_ends_is_stopped(oai_mock):
    oai_mock.on("chat", times=None).call_tools(("lookup_order", {"order_id": "A-17"}))
    with pytest.raises(RuntimeError, match="no answer after 5 turns"):
        make_bot().answer("Where is order A-17?")


def test_streamed_answers_arrive_in_pieces(oai_mock):
    oai_mock.on("chat").stream("Thanks for waiting, here it is.", chunk_delay=0.001)
    pieces = make_bot().stream_answer("Any news?")
    assert len(pieces) > 1 and "".join(pieces) == "Thanks for waiting, here it is."


@pytest.mark.oai_mock(api_key="sk-the-right-one")
def test_a_wrong_key_is_refused_as_openai_refuses_it(oai_mock):
    bot = SupportBot(openai.OpenAI(api_key="sk-wrong"), lookup_order=ORDERS.get)
    with pytest.raises(openai.AuthenticationError, match="Incorrect API key"):
        bot.answer("Hi")


@pytest.mark.asyncio
async def test_questions_are_answered_concurrently(oai_mock):
    answers = await answer_many(openai.AsyncOpenAI(), ["one?", "two?", "three?"])
    assert [a.split('"')[1] for a in answers] == ["one?", "two?", "three?"]
    assert len(oai_mock.journal.calls("chat")) == 3
