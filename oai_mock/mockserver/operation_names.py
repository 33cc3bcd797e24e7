"""The names a test may give an operation, resolved to operationIds, with a suggestion on a typo.

Everywhere a name is taken (``mock.on``, ``journal.calls`` / ``last`` / ``assert_called``,
scenario files) it may be a short alias (``chat``), an operationId as the spec spells it
(``createChatCompletion``) or its snake_case name (``create_chat_completion``).

>>> from oai_mock.spec import load_bundle
>>> resolve(load_bundle(), "chat")
('createChatCompletion',)
>>> resolve(load_bundle(), "chats")
Traceback (most recent call last):
...
oai_mock.mockserver.operation_names.UnknownOperationError: no operation or alias 'chats'; did you mean 'chat'?
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oai_mock.spec import Bundle

# Short names for the operations tests script most.
ALIASES: dict[str, tuple[str, ...]] = {
    "chat": ("createChatCompletion",),
    "completions": ("createCompletion",),
    "embeddings": ("createEmbedding",),
    "moderations": ("createModeration",),
    "responses": ("createResponse", "beta_createResponse"),
    "runs": ("createRun", "createThreadAndRun", "submitToolOuputsToRun"),
    "images": ("createImage", "createImageEdit", "createImageVariation"),
    "speech": ("createSpeech",),
    "transcriptions": ("createTranscription",),
    "translations": ("createTranslation",),
    "files": ("createFile",),
    "batches": ("createBatch",),
}


class UnknownOperationError(ValueError):
    """A name that is no alias, operationId or snake_case operation name."""


def resolve(bundle: Bundle, name: str) -> tuple[str, ...]:
    """The operationIds ``name`` stands for; :class:`UnknownOperationError` with the closest
    names otherwise."""
    if not isinstance(name, str):
        raise UnknownOperationError(f"an operation name is a string, not {name!r}")
    if name in ALIASES:
        return ALIASES[name]
    try:
        return (bundle.operation(name).id,)
    except KeyError:
        raise UnknownOperationError(
            f"no operation or alias {name!r}{suggestion(bundle, name)}"
        ) from None


def suggestion(bundle: Bundle, name: str) -> str:
    """``"; did you mean 'chat'?"`` for the closest known names, or ``""``."""
    names = [*ALIASES, *(op.id for op in bundle.operations), *(op.name for op in bundle.operations)]
    close = difflib.get_close_matches(name, names, n=3)
    if not close:
        close = difflib.get_close_matches(name.lower(), [n.lower() for n in names], n=3)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def display(operations: str | Sequence[str] | None) -> str:
    """How a message names what a rule matches: ``chat``, ``createFile``, ``any operation``."""
    if operations is None:
        return "any operation"
    if isinstance(operations, str):
        return operations
    wanted = tuple(operations)
    for alias, ids in ALIASES.items():
        if ids == wanted:
            return alias
    return " or ".join(wanted)
