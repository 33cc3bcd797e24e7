"""Failures grouped by the problem behind them.

One deviation of a backend fails every check whose answer shows it: a ``refusal`` missing from
every chat answer fails the schema check, the usage check, the tool checks and the rest, since
each check validates its whole answer. A report that lists the same line twenty times hides
that there is one thing to fix. Here each failure message is split into its problems (a schema
error names one problem per JSON pointer), the numbers and ids in them are set aside
(``/choices/0`` and ``/choices/1`` are the same problem; a 400 and a 500 are not), and the
checks are grouped under each problem.

>>> found = causes([
...     ("chat.schema", 'chat answer: /choices/0/message: "refusal" is a required property'),
...     ("chat.usage", 'chat answer: /choices/1/message: "refusal" is a required property'),
...     ("auth.wrong-key", "expected 401, got 400"),
... ])
>>> [(cause.problem, cause.checks) for cause in found]  # doctest: +NORMALIZE_WHITESPACE
[('chat answer: /choices/0/message: "refusal" is a required property',
  ('chat.schema', 'chat.usage')),
 ('expected 401, got 400', ('auth.wrong-key',))]
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

PROBLEM_LENGTH = 300
"""Characters of a problem that tell it apart (the start of an answer body is enough)."""
_WITH_DIGIT = re.compile(r"[A-Za-z0-9_.-]*\d[A-Za-z0-9_.-]*")
_STATUS_NAMED_BY = ("got ", "expected ", "status ", "answered ", " or ", "on a ")
_POINTER_PREFIX = re.compile(r"^(.*?): (?=/)")
"""What a schema error says before its first JSON pointer (``createChatCompletion answer``)."""


@dataclass(frozen=True)
class Cause:
    """One problem and the checks that failed on it."""

    problem: str
    """The problem as the first of its checks reported it."""
    checks: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"problem": self.problem, "checks": list(self.checks)}


def problems(message: str) -> list[str]:
    """The separate problems of one failure message: its first line; when that is a schema
    error (``what: /pointer: ...``), split at ``; `` (how the checks join the problems of one
    answer), each JSON pointer keeping what its answer was. Other messages stay whole: they may
    quote an answer's body, whose own ``; `` parts no problems."""
    lines = message.strip().splitlines()
    if not lines or not lines[0].strip():
        return []
    first = lines[0].strip()
    prefix = _POINTER_PREFIX.match(first)
    if prefix is None:
        return [first]
    parts = [part.strip() for part in first.split("; ") if part.strip()]
    found = [parts[0]]
    for part in parts[1:]:
        found.append(f"{prefix.group(1)}: {part}" if part.startswith("/") else part)
    return found


def key(problem: str) -> str:
    """What two reports of the same problem share: the text with every word that holds a digit
    set aside (indexes, counts, ids, multipart boundaries), except HTTP statuses where the text
    names one (``got 500``, ``expected 400 or 404``): a 400 and a 500 are different problems."""
    return _WITH_DIGIT.sub(_set_aside, problem[:PROBLEM_LENGTH])


def _set_aside(word: re.Match[str]) -> str:
    text = word.group()
    before = word.string[max(0, word.start() - 10) : word.start()]
    is_status = len(text) == 3 and text.isdigit() and 100 <= int(text) <= 599
    return text if is_status and before.endswith(_STATUS_NAMED_BY) else "#"


def causes(failures: Iterable[tuple[str, str]]) -> list[Cause]:
    """The problems behind ``failures`` (check id, message), the most widespread first (then in
    the order met); a check counts once per problem."""
    shown: dict[str, str] = {}
    checks: dict[str, list[str]] = {}
    for check, message in failures:
        for problem in problems(message):
            k = key(problem)
            shown.setdefault(k, problem)
            named = checks.setdefault(k, [])
            if check not in named:
                named.append(check)
    order = sorted(checks, key=lambda k: -len(checks[k]))  # stable: ties keep their order
    return [Cause(shown[k], tuple(checks[k])) for k in order]
