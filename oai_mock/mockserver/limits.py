"""Every size a request controls, bounded: the fake refuses at once, in OpenAI's 400 envelope
naming the parameter, what would make it work without end.

Where OpenAI documents a limit the fake uses it; where it does not, the limit below is the
fake's own and documented here and in the README ("Limits and safety"):

============================  ==========================  ======================================
what                          limit                       source
============================  ==========================  ======================================
``n`` (chat, completions)     1-128                       OpenAI (the spec's maximum)
embeddings ``input`` items    2,048                       OpenAI (the spec's maxItems)
embeddings tokens, total      300,000 per request         OpenAI's embeddings guide
``max_tokens`` (chat)         at least 1                  OpenAI's answer to 0 or less
list ``limit``                1-100 (files: 1-10,000)     the operations' parameter descriptions
request body                  per operation (below)       OpenAI's upload limits; 64 MiB else
legacy completions answer     32 MiB of text (prompts     the fake's own
                              x ``n``, with ``echo``)
generated array length        1,000 items                 the fake's own (``minItems``)
generated string length       100,000 characters          the fake's own (``minLength``)
one generated instance        1 MiB of JSON               the fake's own
user-schema nesting           32 levels                   the fake's own
============================  ==========================  ======================================

Recursive user schemas (``{"$ref": "#"}``, or through ``$defs``) produce finite instances:
optional recursion stops early; recursion the schema requires at every level is refused with a
400 ``invalid_schema``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from oai_mock.mockserver.errors import APIError, invalid_request

MiB = 1024 * 1024

MAX_CHOICES = 128
MAX_EMBEDDING_INPUTS = 2048
MAX_EMBEDDING_TOKENS = 300_000
MAX_COMPLETION_TEXT_BYTES = 32 * MiB
MAX_GENERATED_ITEMS = 1_000
MAX_GENERATED_STRING = 100_000
MAX_INSTANCE_BYTES = 1 * MiB
MAX_SCHEMA_DEPTH = 32

DEFAULT_MAX_BODY_BYTES = 64 * MiB
"""The largest JSON (or other) body an operation without a documented limit accepts."""
BODY_LIMITS: Mapping[str, int] = {
    # OpenAI: files up to 512 MB; an upload part up to 64 MB; audio files up to 25 MB;
    # images to edit up to 50 MB (gpt-image-1). A little room for the multipart framing.
    "createFile": 512 * MiB + MiB,
    "addUploadPart": 64 * MiB + MiB,
    "createTranscription": 25 * MiB + MiB,
    "createTranslation": 25 * MiB + MiB,
    "createImageEdit": 50 * MiB + MiB,
    "createImageVariation": 50 * MiB + MiB,
}

# Cursor lists whose parameter description says "between 1 and 100" (or 10,000) while the
# spec's schema sets no bounds: OpenAI answers 400 outside them.
LIST_LIMITS: Mapping[str, tuple[int, int]] = {
    **dict.fromkeys(
        (
            "listAssistants",
            "listBatches",
            "listMessages",
            "listRuns",
            "listRunSteps",
            "listVectorStores",
            "listVectorStoreFiles",
            "listFilesInVectorStoreBatch",
            "ListContainers",
            "ListContainerFiles",
            "list-audit-logs",
            "list-invites",
            "list-project-api-keys",
            "list-project-service-accounts",
            "list-project-users",
            "list-projects",
            "list-users",
            "listOrganizationCertificates",
            "listProjectCertificates",
            "listVoiceConsents",
        ),
        (1, 100),
    ),
    "listFiles": (1, 10_000),
    "usage-costs": (1, 180),
}
# Integer parameters OpenAI bounds more tightly than the spec's schema says.
MINIMUMS: Mapping[str, Mapping[str, int]] = {
    "createChatCompletion": {"max_tokens": 1, "max_completion_tokens": 1},
}


def body_limit(operation_id: str | None, default: int = DEFAULT_MAX_BODY_BYTES) -> int:
    """The largest body ``operation_id`` accepts (``default`` for the others)."""
    if operation_id is None:
        return default
    return max(default, BODY_LIMITS.get(operation_id, 0))


def too_large(size: int, limit: int) -> APIError:
    return APIError(
        413,
        f"Request body too large: {size} bytes; the limit is {limit} bytes.",
        code="request_too_large",
    )


def check_ranges(operation_id: str, query: Mapping[str, Any], body: Any) -> None:
    """OpenAI's documented ranges the spec's schemas leave out: ``limit`` of cursor lists,
    ``max_tokens`` of chat."""
    bounds = LIST_LIMITS.get(operation_id)
    if bounds is not None and isinstance(query.get("limit"), int):
        low, high = bounds
        value = query["limit"]
        if value < low:
            raise _range_error("limit", value, low, below=True)
        if value > high:
            raise _range_error("limit", value, high, below=False)
    minimums = MINIMUMS.get(operation_id)
    if minimums and isinstance(body, dict):
        for name, low in minimums.items():
            value = body.get(name)
            if isinstance(value, int) and not isinstance(value, bool) and value < low:
                raise _range_error(name, value, low, below=True)


def _range_error(name: str, value: int, limit: int, *, below: bool) -> APIError:
    relation = ">=" if below else "<="
    where = "below minimum" if below else "above maximum"
    return invalid_request(
        f"Invalid '{name}': integer {where} value. Expected a value {relation} {limit}, "
        f"but got {value} instead.",
        name,
        f"integer_{'below_min' if below else 'above_max'}_value",
    )


def check_completion_size(prompts: Sequence[str], n: int, echo: bool) -> None:
    """Refuse a legacy completion whose answer (every prompt times ``n``, echoed) would be
    larger than ``MAX_COMPLETION_TEXT_BYTES``."""
    echoed = sum(len(p) for p in prompts) if echo else 0
    estimate = n * (echoed + 256 * len(prompts))
    if estimate > MAX_COMPLETION_TEXT_BYTES:
        param = "n" if n > 1 else "prompt"
        raise invalid_request(
            f"Invalid '{param}': the answer to {len(prompts)} prompt(s) x n={n}"
            f"{' with echo' if echo else ''} would hold about {estimate} bytes of text; oai-mock "
            f"answers at most {MAX_COMPLETION_TEXT_BYTES}.",
            param,
            "invalid_value",
        )


def check_embedding_tokens(tokens: int) -> None:
    if tokens > MAX_EMBEDDING_TOKENS:
        raise invalid_request(
            f"Requested {tokens} tokens, max {MAX_EMBEDDING_TOKENS} tokens per request",
            "input",
            "max_tokens_per_request",
        )


class InstanceBudget:
    """What building one instance of a user's schema may still spend (bytes of JSON,
    roughly), so that no ``minItems`` x ``minLength`` product runs away."""

    __slots__ = ("left",)

    def __init__(self, total: int = MAX_INSTANCE_BYTES) -> None:
        self.left = total

    def spend(self, size: int) -> bool:
        """Count ``size`` bytes; False once the budget is exhausted."""
        self.left -= size
        return self.left >= 0
