"""``POST /responses/compact``: a conversation compacted into one opaque compaction item.

OpenAI answers the compacted window as output items the next request can send back as input:
the opaque ``compaction`` item carries the earlier turns (encrypted). The fake's item encodes
a digest of the turns it replaces, so the same input compacts to the same item.
"""

from __future__ import annotations

import base64
import hashlib
from typing import TYPE_CHECKING, Any

import orjson

from oai_mock.mockserver.behaviours import text
from oai_mock.mockserver.behaviours.responses import context_turns, input_items, item_text, usage
from oai_mock.mockserver.requests import Call

if TYPE_CHECKING:
    from oai_mock.mockserver.context import Behaviour, BehaviourContext

COMPACTION_TOKENS = 16


def compact_response(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    body = call.json
    turns = [*context_turns(call, mock), *input_items(body.get("input"), mock)]
    # The turns' text, not their ids: the fake numbers the input items afresh on each request.
    summary = [(t.get("role"), t.get("type"), item_text(t)) for t in turns]
    digest = hashlib.sha256(orjson.dumps(summary)).digest()
    input_tokens = text.REPLY_PRIMING_TOKENS + sum(
        text.TOKENS_PER_MESSAGE + text.count_tokens(item_text(t)) for t in turns
    )
    if body.get("instructions"):
        input_tokens += text.count_tokens(str(body["instructions"]))
    item = {
        "type": "compaction",
        "id": mock.ids.next("cmp_"),
        "encrypted_content": "oai-mock:" + base64.b64encode(digest).decode(),
    }
    return {
        "id": mock.ids.next("resp_"),
        "object": "response.compaction",
        "created_at": mock.clock.timestamp(),
        "output": [item],
        "usage": usage(input_tokens, COMPACTION_TOKENS),
    }


OPERATIONS: dict[str, Behaviour] = {
    "Compactconversation": compact_response,
    "beta_Compactconversation": compact_response,
}
