"""Strings that match a JSON Schema ``pattern``.

A small regex-driven generator for the subset of regular expressions JSON Schema and OpenAI's
structured outputs allow: literals, ``.``, classes (``[a-z0-9_]``, ``[^,]``), the escapes ``\\d``
``\\w`` ``\\s`` (and their negations), quantifiers (``*`` ``+`` ``?`` ``{n}`` ``{n,}``
``{n,m}``, lazy or not), groups (plain, non-capturing, named), alternation and the anchors
``^`` ``$``. Lookarounds and backreferences are outside the subset: :func:`string_matching`
answers None for them, as for a pattern it cannot satisfy within the length bounds.

>>> string_matching(r"^[A-Z]{3}-\\d{4}$")
'AAA-0000'
>>> string_matching(r"^(cat|dog)s?$", salt="b")
'dog'
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

MAX_REPEAT = 64
"""An unbounded quantifier (``*``, ``+``, ``{n,}``) repeats at most this many times more than
its minimum: lengths stay small."""
DIGITS = "0123456789"
WORD = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"
SPACE = " \t\n\r\f\v"
PRINTABLE = WORD + "-. ,:;!?@#%&*+=/()[]{}<>'\"|~^$\\`" + " "


class Unsupported(ValueError):
    """The pattern uses a construct outside the generator's subset."""


@dataclass(frozen=True, slots=True)
class Chars:
    """One character from ``allowed`` (or, negated, from PRINTABLE less ``allowed``)."""

    allowed: frozenset[str]
    negated: bool = False

    def choices(self) -> str:
        if self.negated:
            return "".join(c for c in PRINTABLE if c not in self.allowed)
        return "".join(sorted(self.allowed, key=_preference))


@dataclass(frozen=True, slots=True)
class Repeat:
    node: Node
    low: int
    high: int | None


@dataclass(frozen=True, slots=True)
class Sequence:
    parts: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Either:
    options: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Anchor:
    pass


Node = Chars | Repeat | Sequence | Either | Anchor


def _preference(char: str) -> tuple[int, str]:
    """Letters first, then digits, then the rest: generated values read like words."""
    if char.isalpha():
        return (0 if char.islower() else 1, char)
    return (2 if char.isdigit() else 3, char)


class _Parser:
    def __init__(self, pattern: str) -> None:
        self.text = pattern
        self.pos = 0

    def parse(self) -> Node:
        node = self.alternation()
        if self.pos != len(self.text):
            raise Unsupported(f"unbalanced ')' at {self.pos}")
        return node

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def take(self) -> str:
        char = self.peek()
        if not char:
            raise Unsupported("the pattern ends early")
        self.pos += 1
        return char

    def alternation(self) -> Node:
        options = [self.sequence()]
        while self.peek() == "|":
            self.pos += 1
            options.append(self.sequence())
        return options[0] if len(options) == 1 else Either(tuple(options))

    def sequence(self) -> Node:
        parts: list[Node] = []
        while self.peek() and self.peek() not in "|)":
            atom = self.atom()
            parts.append(self.quantified(atom))
        return Sequence(tuple(parts))

    def quantified(self, atom: Node) -> Node:
        char = self.peek()
        low: int
        high: int | None
        if char == "*":
            low, high = 0, None
        elif char == "+":
            low, high = 1, None
        elif char == "?":
            low, high = 0, 1
        elif char == "{" and re.match(r"\{\d+(,\d*)?\}", self.text[self.pos :]):
            end = self.text.index("}", self.pos)
            body = self.text[self.pos + 1 : end]
            first, comma, last = body.partition(",")
            low = int(first)
            high = low if not comma else (int(last) if last else None)
            if high is not None and high < low:
                raise Unsupported(f"{{{body}}}: the maximum is below the minimum")
            self.pos = end
        else:
            return atom
        self.pos += 1
        if self.peek() in ("?", "+"):
            self.pos += 1  # lazy or possessive: the same strings match
        if isinstance(atom, Anchor):
            return atom
        return self.quantified(Repeat(atom, low, high))

    def atom(self) -> Node:
        char = self.take()
        if char == "(":
            if self.peek() == "?":
                self.pos += 1
                kind = self.take()
                if kind == ":":
                    pass
                elif (kind == "P" and self.peek() == "<") or (
                    kind == "<" and self.peek() not in "=!"
                ):
                    if kind == "P":
                        self.pos += 1
                    self.pos = self.text.index(">", self.pos) + 1
                else:
                    raise Unsupported("lookarounds and inline flags are outside the subset")
            inner = self.alternation()
            if self.take() != ")":
                raise Unsupported("unbalanced '('")
            return inner
        if char == "[":
            return self.char_class()
        if char in "^$":
            return Anchor()
        if char == ".":
            return Chars(frozenset("\n"), negated=True)
        if char == "\\":
            return self.escape(in_class=False)
        if char in "*+?":
            raise Unsupported(f"nothing to repeat at {self.pos - 1}")
        return Chars(frozenset(char))

    def escape(self, in_class: bool) -> Chars:
        char = self.take()
        classes = {"d": DIGITS, "w": WORD, "s": SPACE}
        if char in classes:
            return Chars(frozenset(classes[char]))
        if char.lower() in classes:
            return Chars(frozenset(classes[char.lower()]), negated=True)
        controls = {"n": "\n", "t": "\t", "r": "\r", "f": "\f", "v": "\v", "0": "\0"}
        if char in controls:
            return Chars(frozenset(controls[char]))
        if char in "xu":
            size = 2 if char == "x" else 4
            digits = self.text[self.pos : self.pos + size]
            if len(digits) != size or not all(d in "0123456789abcdefABCDEF" for d in digits):
                raise Unsupported(f"\\{char} needs {size} hex digits")
            self.pos += size
            return Chars(frozenset(chr(int(digits, 16))))
        if char == "b" and in_class:
            return Chars(frozenset("\b"))
        if char.isalnum():
            raise Unsupported(f"\\{char} is outside the subset")
        return Chars(frozenset(char))

    def char_class(self) -> Chars:
        negated = self.peek() == "^"
        if negated:
            self.pos += 1
        allowed: set[str] = set()
        excluded: set[str] = set()
        first = True
        while True:
            char = self.take()
            if char == "]" and not first:
                break
            first = False
            if char == "\\":
                escaped = self.escape(in_class=True)
                if escaped.negated:
                    excluded |= escaped.allowed
                    allowed |= set(PRINTABLE) - escaped.allowed
                else:
                    allowed |= escaped.allowed
                continue
            if self.peek() == "-" and self.text[self.pos + 1 : self.pos + 2] not in ("]", ""):
                self.pos += 1
                end = self.take()
                if end == "\\":
                    end = min(self.escape(in_class=True).allowed)
                if ord(end) < ord(char):
                    raise Unsupported(f"bad range {char}-{end}")
                allowed |= {chr(c) for c in range(ord(char), min(ord(end), ord(char) + 512) + 1)}
                continue
            allowed.add(char)
        return Chars(frozenset(allowed - excluded), negated)


def parse(pattern: str) -> Node:
    """The pattern's tree; raises :class:`Unsupported` outside the subset."""
    return _Parser(pattern).parse()


class _Writer:
    """Writes one string of a tree; an empty salt always takes the first choice."""

    def __init__(self, salt: str, stretch: int) -> None:
        self.seed = hashlib.sha256(salt.encode()).digest() if salt else b""
        self.stretch = stretch
        self.counter = 0

    def pick(self, size: int) -> int:
        if size <= 1 or not self.seed:
            return 0
        self.counter += 1
        return self.seed[self.counter % len(self.seed)] % size

    def write(self, node: Node) -> str:
        if isinstance(node, Chars):
            choices = node.choices()
            if not choices:
                raise Unsupported("a character class that matches nothing")
            return choices[self.pick(len(choices))]
        if isinstance(node, Anchor):
            return ""
        if isinstance(node, Sequence):
            return "".join(self.write(part) for part in node.parts)
        if isinstance(node, Either):
            return self.write(node.options[self.pick(len(node.options))])
        high = node.low + MAX_REPEAT if node.high is None else node.high
        count = min(high, max(node.low, node.low + self.stretch))
        return "".join(self.write(node.node) for _ in range(count))


def string_matching(
    pattern: str, salt: str = "", min_length: int = 0, max_length: int | None = None
) -> str | None:
    """A string ``re.search(pattern, ...)`` accepts, within the length bounds; None when the
    pattern is outside the subset or no string of the allowed lengths was found."""
    try:
        tree = parse(pattern)
        compiled = re.compile(pattern)
    except (Unsupported, re.error, ValueError):
        return None
    for stretch in (0, 1, 2, 4, 8, 16, 32, MAX_REPEAT):
        for attempt in range(4):
            try:
                value = _Writer(f"{salt}:{attempt}" if attempt else salt, stretch).write(tree)
            except Unsupported:
                return None
            if len(value) < min_length and not pattern.endswith("$"):
                value += "x" * (min_length - len(value))  # an unanchored match may trail text
            too_long = max_length is not None and len(value) > max_length
            if len(value) >= min_length and not too_long and compiled.search(value):
                return value
    return None
