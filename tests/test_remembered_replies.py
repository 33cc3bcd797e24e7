"""A default reply's words are remembered per conversation: a remembered reply is the reply the
hash gives, and values that differ only in type never share one."""

from __future__ import annotations

from typing import Any

import pytest

from oai_mock.mockserver.behaviours import text


def hashed_words(*parts: Any) -> str:
    """The words as the hash picks them, without remembering."""
    return " ".join(text.VOCABULARY[b % len(text.VOCABULARY)] for b in text.digest(*parts)[:8])


CONVERSATIONS: list[Any] = [
    [{"role": "user", "content": "Say hello"}],
    [{"role": "user", "content": [{"type": "text", "text": "Say hello"}]}],
    [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hello"}],
    [{"role": "user", "content": "héllo wörld ✓"}],
    [],
]


@pytest.mark.parametrize("conversation", CONVERSATIONS)
def test_a_remembered_reply_is_the_hashed_reply(conversation: Any) -> None:
    text._remembered.clear()
    first = text.default_reply(0, "gpt-4o-mini", conversation, "Say hello")
    again = text.default_reply(0, "gpt-4o-mini", conversation, "Say hello")
    assert first == again
    assert first.endswith(f": {hashed_words(0, 'gpt-4o-mini', conversation, 0)}.")
    assert len(text._remembered) == 1


# Pairs whose JSON is alike but whose repr differs: each must get its own hashed words.
LOOK_ALIKES = [
    ([{"n": 1}], [{"n": 1.0}]),
    ([{"n": 1}], [{"n": True}]),
    ([{"n": 0.0}], [{"n": -0.0}]),
    ([["a", "b"]], [("a", "b")]),
    ([{"a": 1, "b": 2}], [{"b": 2, "a": 1}]),
    # marshal writes a set's items sorted and every byte buffer as bytes: never remembered.
    ([{1, 9}], [{9, 1}]),
    ([frozenset({1, 9})], [frozenset({9, 1})]),
    ([b"ab"], [bytearray(b"ab")]),
    ([{"n": float("nan")}], [{"n": None}]),
]


@pytest.mark.parametrize(("one", "other"), LOOK_ALIKES)
def test_conversations_that_differ_in_type_or_order_never_share_words(one: Any, other: Any) -> None:
    text._remembered.clear()
    for conversation in (one, other, one, other):
        words = text.default_reply(7, "m", conversation, "x").split(": ", 1)[1].rstrip(".")
        assert words == hashed_words(7, "m", conversation, 0)


def test_seed_model_and_index_are_part_of_what_is_remembered() -> None:
    text._remembered.clear()
    conversation = CONVERSATIONS[0]
    replies = {
        text.default_reply(seed, model, conversation, "Say hello", index)
        for seed in (0, 1)
        for model in ("gpt-4o", "gpt-4o-mini")
        for index in (0, 1)
    }
    assert len(replies) == 8


def test_what_cannot_be_remembered_is_hashed_each_time() -> None:
    class Content(str):
        """A str subclass: marshal cannot write it, repr can."""

    text._remembered.clear()
    conversation = [{"role": "user", "content": Content("Say hello")}]
    reply = text.default_reply(0, "m", conversation, "Say hello")
    assert reply.endswith(f": {hashed_words(0, 'm', conversation, 0)}.")
    assert text._remembered == {}


def test_long_conversations_are_not_remembered_and_the_memory_is_bounded() -> None:
    text._remembered.clear()
    long = [{"role": "user", "content": "x" * (text.REMEMBERED_KEY + 1)}]
    text.default_reply(0, "m", long, "x")
    assert text._remembered == {}
    for n in range(text.REMEMBERED_REPLIES + 10):
        text.default_reply(0, "m", [{"role": "user", "content": str(n)}], str(n))
    assert 0 < len(text._remembered) <= text.REMEMBERED_REPLIES
