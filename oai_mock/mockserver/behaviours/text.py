"""The fake's language model: deterministic replies and the token rule usage counts follow.

**Token rule.** A token is a run of word characters with the whitespace before it, or a single
other character with the whitespace before it (``"Hello, world!"`` is ``Hello``, ``,``,
`` world``, ``!``: 4 tokens). A chat prompt counts 3 tokens per message plus the tokens of its
text parts (85 per image part), plus 3 for the reply's priming, the way OpenAI documents its own
counting.

**Default reply.** ``Mock reply to "<the last user text, up to 60 characters>": `` followed by
eight words chosen by a hash of the seed, the model and the whole conversation: the same
conversation always gets the same reply, a different one gets a different reply.
"""

from __future__ import annotations

import hashlib
import marshal
import math
import re
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import Any

import orjson

TOKEN = re.compile(r"\s*\w+|\s*[^\w\s]|\s+$")
VOCABULARY = (
    "answers arrive quickly while careful tests check every detail of the mock server "
    "which keeps each reply short stable and easy to read for people writing code"
).split(" ")
IMAGE_PART_TOKENS = 85
TOKENS_PER_MESSAGE = 3
REPLY_PRIMING_TOKENS = 3


def tokenize(text: str) -> list[str]:
    """Split text into tokens by the rule above; joining the tokens gives the text back."""
    tokens = TOKEN.findall(text)
    return tokens if "".join(tokens) == text else _exact(text, tokens)


def _exact(text: str, tokens: list[str]) -> list[str]:
    # Whitespace at the end that the pattern left out joins the last token.
    joined = "".join(tokens)
    return [*tokens[:-1], tokens[-1] + text[len(joined) :]] if tokens else [text]


def count_tokens(text: str) -> int:
    if len(text) <= CACHED_TEXT:
        return _count_cached(text)
    return len(tokenize(text))


CACHED_TEXT = 2048
"""Texts up to this length have their token counts remembered: the same prompt and reply come
back in every request a test or a load generator repeats."""


@lru_cache(maxsize=4096)
def _count_cached(text: str) -> int:
    return len(tokenize(text))


def message_text(content: Any) -> str:
    """The text of a message's content (a string or a list of parts)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and "text" in part
        )
    return ""


def prompt_tokens(messages: Iterable[Any]) -> int:
    total = REPLY_PRIMING_TOKENS
    for message in messages:
        if not isinstance(message, dict):
            continue
        total += TOKENS_PER_MESSAGE + count_tokens(message_text(message.get("content")))
        content = message.get("content")
        if isinstance(content, list):
            total += IMAGE_PART_TOKENS * sum(
                1 for p in content if isinstance(p, dict) and p.get("type") == "image_url"
            )
        if message.get("name"):
            total += 1
    return total


def digest(*parts: Any) -> bytes:
    return hashlib.sha256(repr(parts).encode()).digest()


def default_reply(
    seed: Any, model: str, conversation: Any, last_user_text: str, index: int = 0
) -> str:
    snippet = " ".join(last_user_text.split())
    if len(snippet) > 60:
        snippet = snippet[:57] + "..."
    return f'Mock reply to "{snippet}": {_reply_words(seed, model, conversation, index)}.'


REMEMBERED_REPLIES = 1024
"""Conversations whose reply words are remembered (each up to ``REMEMBERED_KEY`` bytes)."""
REMEMBERED_KEY = 4096
_remembered: dict[bytes, str] = {}


def _reply_words(*parts: Any) -> str:
    """The eight words a conversation's hash picks. A test or a load generator sends the same
    conversation again and again, and hashing its ``repr`` is the largest part of a default
    reply: the words are remembered under :func:`_memo_key`."""
    key = _memo_key(parts)
    found = None if key is None else _remembered.get(key)
    if found is not None:
        return found
    words = " ".join(VOCABULARY[b % len(VOCABULARY)] for b in digest(*parts)[:8])
    if key is not None:
        if len(_remembered) >= REMEMBERED_REPLIES:
            _remembered.clear()  # a new set of conversations: start again
        _remembered[key] = words
    return words


def _memo_key(parts: tuple[Any, ...]) -> bytes | None:
    """The ``marshal`` bytes of ``parts`` when they are at most ``REMEMBERED_KEY`` long and
    orjson can write them; else None (hashed every time). Equal keys then mean equal ``repr``:
    ``marshal`` refuses subclasses and tells tuples, NaN and -0.0 apart, and orjson refuses the
    two things ``marshal`` writes alike for different ``repr`` (a set's items, which it sorts;
    byte buffers, all written as bytes). A long conversation's bytes are let go here, before
    its ``repr`` is built."""
    try:
        key = marshal.dumps(parts)
    except ValueError:
        return None
    if len(key) > REMEMBERED_KEY:
        return None
    try:
        orjson.dumps(parts)
    except TypeError:  # orjson.JSONEncodeError is a TypeError
        return None
    return key


def trailing_outputs(items: list[Any], output_of: Callable[[Any], str | None]) -> list[str]:
    """The tool outputs that end a conversation, in order: ``output_of`` gives an item's output,
    or None for an item that is not one (the run of outputs stops there)."""
    outputs: list[str] = []
    for item in reversed(items):
        output = output_of(item)
        if output is None:
            break
        outputs.append(output)
    return outputs[::-1]


def tool_results_reply(outputs: list[str]) -> str:
    """The default reply once the conversation ends with tool results: it quotes them, so a
    test can see its tool's output reached the model."""
    return f"Mock reply using the tool results: {'; '.join(outputs)}"


def truncate_tokens(text: str, limit: int) -> tuple[str, bool]:
    """The first ``limit`` tokens of ``text``, and whether anything was cut."""
    tokens = tokenize(text)
    if len(tokens) <= limit:
        return text, False
    return "".join(tokens[:limit]), True


def apply_stop(text: str, stop: Any) -> tuple[str, bool]:
    """Cut ``text`` before the first stop sequence; whether one was found."""
    if not stop:
        return text, False
    sequences = [stop] if isinstance(stop, str) else [s for s in stop or [] if isinstance(s, str)]
    cut = min((text.find(s) for s in sequences if s and s in text), default=-1)
    return (text[:cut], True) if cut >= 0 else (text, False)


def token_logprob(token: str, position: int) -> float:
    """A deterministic log-probability in (-3, 0]."""
    value = int.from_bytes(digest("logprob", token, position)[:4], "big") / 2**32
    return round(-3 * value * value, 6)


def logprobs_for(text: str, top: int) -> list[dict[str, Any]]:
    """Chat ``logprobs.content`` entries whose tokens concatenate to ``text``; the first of the
    ``top`` alternatives is the chosen token itself."""
    out = []
    for position, token in enumerate(tokenize(text)):
        chosen = token_logprob(token, position)
        alternatives = [{"token": token, "logprob": chosen, "bytes": list(token.encode())}]
        for rank in range(1, top):
            other = f"{token}{rank}"
            value = chosen - rank * 0.5 - math.log(rank + 1)
            alternatives.append(
                {"token": other, "logprob": round(value, 6), "bytes": list(other.encode())}
            )
        out.append(
            {
                "token": token,
                "logprob": chosen,
                "bytes": list(token.encode()),
                "top_logprobs": alternatives[:top],
            }
        )
    return out
