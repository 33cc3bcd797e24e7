"""Which checks detect each of the fake's quirks.

A test turns each quirk on and runs only the checks named here (cheap: a few checks per quirk,
not the whole catalogue); every one of them must fail, and the faithful fake passes them all.
The whole-answer validation means more checks than these fail under some quirks (a wrong usage
total fails every chat check); these are the ones whose point the quirk is.
"""

from __future__ import annotations

DETECTED_BY: dict[str, tuple[str, ...]] = {
    "no-done": ("stream.framing",),
    "data-no-space": ("stream.framing",),
    "crlf-lines": ("stream.framing",),
    "tool-delta-no-index": ("stream.tool-deltas",),
    "tool-arguments-object": ("chat.tool-named", "chat.tool-required"),
    "usage-chunk-unasked": ("stream.no-usage-unasked",),
    "choices-null-usage-chunk": ("stream.usage-chunk",),
    "include-usage-ignored": ("stream.usage-chunk",),
    "finish-reason-eos": ("chat.stop", "chat.stop-list"),
    "finish-reason-stop-for-tools": ("chat.tool-named", "chat.tool-required"),
    "finish-reason-missing": ("chat.schema", "stream.finish-once"),
    "missing-object": ("chat.fields", "stream.object"),
    "missing-id": ("chat.fields",),
    "missing-created": ("chat.fields",),
    "created-zero": ("chat.timestamps", "stream.chunk-schema"),
    "usage-wrong-total": ("chat.usage", "stream.usage-chunk"),
    "fastapi-errors": ("errors.malformed-json", "errors.wrong-type"),
    "plain-text-errors": ("errors.malformed-json", "errors.json-content-type"),
    "500-on-bad-json": ("errors.malformed-json",),
    "n-ignored": ("chat.n", "stream.n-indexes"),
    "max-tokens-ignored": ("chat.max-tokens", "chat.finish-reason", "stream.max-tokens"),
    "logprobs-ignored": ("chat.logprobs",),
    "stop-ignored": ("chat.stop", "chat.stop-list"),
    "stream-content-type": ("stream.content-type",),
    "changing-chunk-id": ("stream.constant-fields",),
    "unknown-arguments-accepted": ("errors.unknown-parameter",),
    "json-schema-ignored": ("chat.json-schema",),
    "tool-choice-ignored": ("chat.tool-named",),
    "dimensions-ignored": ("embeddings.dimensions",),
    "base64-ignored": ("embeddings.base64",),
    "auth-error-500": ("auth.missing-key",),
    "chunk-finish-reason-omitted": ("stream.chunk-schema",),
    "usage-chunk-with-choice": ("stream.usage-chunk",),
    "unknown-model-400": ("errors.unknown-model",),
    "refusal-omitted": ("chat.schema", "chat.fields"),
    "logprobs-omitted": ("chat.schema",),
    "delta-role-null": ("stream.chunk-schema",),
    "n-above-one-400": ("chat.n", "stream.n-indexes"),
    "logprobs-400": ("chat.logprobs",),
}
