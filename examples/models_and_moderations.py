"""Models and moderations with the reference client: the catalogue, one model, and the
moderation classifier's categories and scores.

    python examples/models_and_moderations.py                            # in-process fake
    python examples/models_and_moderations.py http://127.0.0.1:8000/v1   # `oai-mock serve`
"""

from __future__ import annotations

import sys

from oai_mock import OpenAIMock
from oai_mock.client import OpenAIClient, PermissionDeniedError


def main(client: OpenAIClient) -> None:
    models = list(client.models.list_models().data)
    print(f"{len(models)} models, e.g.", ", ".join(model.id for model in models[:4]))
    model = client.models.retrieve_model("gpt-4o-mini")
    print("model:", model.id, "owned by", model.owned_by)

    try:
        client.models.delete_model("gpt-4o")  # only fine-tuned models can be deleted
    except PermissionDeniedError as error:
        print("delete gpt-4o:", error.status_code, error.message)

    verdicts = client.moderations.create_moderation(
        model="omni-moderation-latest",
        input=["I want to kill them.", "I would like a cup of tea."],
    )
    for text, result in zip(["kill", "tea"], verdicts.results, strict=True):
        flagged = sorted(name for name, on in result.categories.raw.items() if on)
        print(f"moderation ({text}): flagged={result.flagged} categories={flagged}")
    assert [result.flagged for result in verdicts.results] == [True, False]


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(OpenAIClient(api_key="sk-anything", base_url=sys.argv[1]))
    else:
        main(OpenAIMock().client())
