"""Moderations: a keyword classifier, documented so that tests can aim at a category.

A category is flagged when the input contains one of its keywords (case-insensitive, whole
words); its score is then 0.9 plus a little, otherwise a small deterministic number below 0.01.
``flagged`` is true when any category is. Image inputs apply only to the categories OpenAI scores
images for.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from oai_mock.mockserver.behaviours.models import require_model
from oai_mock.mockserver.behaviours.text import digest
from oai_mock.mockserver.requests import Call

if TYPE_CHECKING:
    from oai_mock.mockserver.context import Behaviour, BehaviourContext

KEYWORDS: dict[str, tuple[str, ...]] = {
    "harassment": ("idiot", "loser", "stupid"),
    "harassment/threatening": ("i will hurt you", "watch your back"),
    "hate": ("hateful slur",),
    "hate/threatening": ("exterminate them",),
    "illicit": ("buy drugs", "counterfeit"),
    "illicit/violent": ("build a bomb", "make a weapon"),
    "self-harm": ("self-harm", "hurt myself"),
    "self-harm/intent": ("i want to hurt myself",),
    "self-harm/instructions": ("how to self-harm",),
    "sexual": ("explicit sex",),
    "sexual/minors": ("sexual minor",),
    "violence": ("kill", "murder", "attack"),
    "violence/graphic": ("gore", "dismember"),
}
IMAGE_CATEGORIES = frozenset(
    {
        "self-harm",
        "self-harm/intent",
        "self-harm/instructions",
        "sexual",
        "violence",
        "violence/graphic",
    }
)


def create_moderation(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    body = call.json
    require_model(mock, body.get("model"))
    raw = body.get("input")
    results = []
    if isinstance(raw, list) and raw and all(isinstance(p, dict) for p in raw):
        texts = " ".join(str(p.get("text", "")) for p in raw if p.get("type") == "text")
        has_image = any(p.get("type") == "image_url" for p in raw)
        results.append(classify(texts, has_image))
    else:
        for item in raw if isinstance(raw, list) else [raw or ""]:
            results.append(classify(str(item), False))
    return {
        "id": mock.ids.next("modr-"),
        "model": str(body.get("model") or "omni-moderation-latest"),
        "results": results,
    }


def classify(content: str, has_image: bool) -> dict[str, Any]:
    lowered = content.lower()
    categories: dict[str, bool] = {}
    scores: dict[str, float] = {}
    applied: dict[str, list[str]] = {}
    for category, words in KEYWORDS.items():
        hit = any(re.search(rf"\b{re.escape(w)}\b", lowered) for w in words)
        noise = digest(category, content)[0] / 255
        categories[category] = hit
        scores[category] = round(0.9 + noise * 0.09 if hit else noise * 0.009, 6)
        applied[category] = (
            ["text", "image"] if has_image and category in IMAGE_CATEGORIES else ["text"]
        )
    return {
        "flagged": any(categories.values()),
        "categories": categories,
        "category_scores": scores,
        "category_applied_input_types": applied,
    }


OPERATIONS: dict[str, Behaviour] = {
    "createModeration": create_moderation,
}
