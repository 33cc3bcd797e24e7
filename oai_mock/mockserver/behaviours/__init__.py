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

    modules = (
        responses,
        images,
        audio,
        files,
        batches,
        fine_tuning,
        vector_stores,
        assistants,
        chat,
        completions,
        embeddings,
        moderations,
        models,
    )
    # Each module registers its own operations; no operation is registered by two modules
    # (tests/test_operation_tables.py), so the order above decides nothing.
    return {op: behaviour for module in modules for op, behaviour in module.OPERATIONS.items()}


def default_routes() -> tuple[OffSpecRoute, ...]:
    """The paths outside the spec that behaviours answer themselves."""
    from oai_mock.mockserver.behaviours import images

    return (*images.ROUTES,)


def set_up(fake: BehaviourContext, models: tuple[str, ...]) -> None:
    """What behaviours put in a new (or reset) fake: the model catalogue, with ``models``."""
    from oai_mock.mockserver.behaviours import models as model_behaviours

    model_behaviours.seed_catalogue(fake, models)
