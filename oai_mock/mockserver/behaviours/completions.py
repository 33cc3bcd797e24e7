"""Legacy completions: every prompt shape, ``n``, ``max_tokens`` (16 by default, as OpenAI),
``stop``, ``echo``, integer ``logprobs`` and streaming."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from oai_mock.mockserver import limits, streams
from oai_mock.mockserver.behaviours import text
from oai_mock.mockserver.behaviours.chat import fingerprint
from oai_mock.mockserver.behaviours.models import require_model
from oai_mock.mockserver.generic import stream_response
from oai_mock.mockserver.messages import MockResponse
from oai_mock.mockserver.requests import Call

if TYPE_CHECKING:
    from oai_mock.mockserver.context import Behaviour, BehaviourContext

DEFAULT_MAX_TOKENS = 16


def prompts_of(prompt: Any) -> list[str]:
    """A string, a list of strings, a list of token ids, or a list of token-id lists."""
    if isinstance(prompt, str):
        return [prompt]
    if isinstance(prompt, list) and prompt and all(isinstance(p, int) for p in prompt):
        return [" ".join(f"t{p}" for p in prompt)]
    if isinstance(prompt, list):
        return [p if isinstance(p, str) else " ".join(f"t{t}" for t in p) for p in prompt] or [""]
    return [""]


def create_completion(call: Call, mock: BehaviourContext) -> MockResponse | dict[str, Any]:
    body = call.json
    require_model(mock, body.get("model"))
    model = str(body.get("model"))
    n = int(body.get("n") or 1)
    limit = body.get("max_tokens", DEFAULT_MAX_TOKENS)
    scripted = call.scripted
    choices = []
    prompt_total = completion_total = 0
    prompts = prompts_of(body.get("prompt"))
    limits.check_completion_size(prompts, n, bool(body.get("echo")))
    for number, prompt in enumerate(prompts):
        prompt_total += text.count_tokens(prompt)
        for i in range(n):
            index = number * n + i
            if scripted is not None and scripted.content is not None:
                completion = scripted.content
            else:
                completion = " " + text.default_reply(
                    body.get("seed", mock.seed), model, prompt, prompt, i
                )
            completion, _ = text.apply_stop(completion, body.get("stop"))
            truncated = False
            if isinstance(limit, int):
                completion, truncated = text.truncate_tokens(completion, limit)
            completion_total += text.count_tokens(completion)
            shown = prompt + completion if body.get("echo") else completion
            choice: dict[str, Any] = {
                "index": index,
                "text": shown,
                "logprobs": _logprobs(shown, body.get("logprobs")),
                "finish_reason": "length" if truncated else "stop",
            }
            choices.append(choice)
    answer = {
        "id": mock.ids.next("cmpl-"),
        "object": "text_completion",
        "created": mock.clock.timestamp(),
        "model": model,
        "system_fingerprint": fingerprint(model),
        "choices": choices,
        "usage": {
            "prompt_tokens": prompt_total,
            "completion_tokens": completion_total,
            "total_tokens": prompt_total + completion_total,
        },
    }
    if call.wants_stream:
        chunks = streams.completion_chunks(answer)
        options = body.get("stream_options") or {}
        if options.get("include_usage"):
            for chunk in chunks:
                chunk["usage"] = None
            chunks.append({**chunks[-1], "choices": [], "usage": answer["usage"]})
        return stream_response(streams.chat_stream(chunks))
    return answer


def _logprobs(shown: str, requested: Any) -> dict[str, Any] | None:
    if not isinstance(requested, int) or isinstance(requested, bool):
        return None
    entries = text.logprobs_for(shown, max(requested, 1))
    offsets = []
    position = 0
    for entry in entries:
        offsets.append(position)
        position += len(entry["token"])
    return {
        "tokens": [e["token"] for e in entries],
        "token_logprobs": [e["logprob"] for e in entries],
        "top_logprobs": [
            {t["token"]: t["logprob"] for t in e["top_logprobs"][: max(requested, 0)]}
            for e in entries
        ]
        if requested
        else None,
        "text_offset": offsets,
    }


OPERATIONS: dict[str, Behaviour] = {
    "createCompletion": create_completion,
}
