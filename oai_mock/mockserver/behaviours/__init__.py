"""Behaviours: hand-written refinements of the generic answer where the real API has semantics.

Each module serves one API area; :func:`default_behaviours` maps operationIds to them. An
operation without a behaviour gets the answer synthesized from its response schema.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from oai_mock.mockserver.context import Behaviour, BehaviourContext, OffSpecRoute


def default_behaviours() -> dict[str, Behaviour]:
    from oai_mock.mockserver.behaviours import (
        assistants,
        audio,
        batches,
        chat,
        completions,
        embeddings,
        files,
        fine_tuning,
        images,
        models,
        moderations,
        responses,
        vector_stores,
    )

    return {
        **responses.OPERATIONS,
        **images.OPERATIONS,
        **audio.OPERATIONS,
        **files.OPERATIONS,
        **batches.OPERATIONS,
        **fine_tuning.OPERATIONS,
        **vector_stores.OPERATIONS,
        **assistants.OPERATIONS,
        "createChatCompletion": chat.create_chat_completion,
        "createCompletion": completions.create_completion,
        "createEmbedding": embeddings.create_embedding,
        "createModeration": moderations.create_moderation,
        "listModels": models.list_models,
        "retrieveModel": models.retrieve_model,
        "deleteModel": models.delete_model,
    }


def default_routes() -> tuple[OffSpecRoute, ...]:
    """The paths outside the spec that behaviours answer themselves."""
    from oai_mock.mockserver.behaviours import images

    return (*images.ROUTES,)


def set_up(fake: BehaviourContext, models: tuple[str, ...]) -> None:
    """What behaviours put in a new (or reset) fake: the model catalogue, with ``models``."""
    from oai_mock.mockserver.behaviours import models as model_behaviours

    model_behaviours.seed_catalogue(fake, models)
