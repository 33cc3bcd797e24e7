"""Models: a realistic catalogue (chat, reasoning, embedding, image, audio and moderation
models) that fine-tuning and ``oai-mock serve --model`` extend; retrieve; delete of fine-tuned
models only."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from oai_mock.mockserver.errors import APIError, not_found
from oai_mock.mockserver.requests import Call

if TYPE_CHECKING:
    from oai_mock.mockserver.context import Behaviour, BehaviourContext

CATALOGUE: tuple[tuple[str, str], ...] = (
    ("gpt-4o", "system"),
    ("gpt-4o-mini", "system"),
    ("gpt-4.1", "system"),
    ("gpt-4.1-mini", "system"),
    ("gpt-4.1-nano", "system"),
    ("gpt-5", "system"),
    ("gpt-5-mini", "system"),
    ("o3", "system"),
    ("o4-mini", "system"),
    ("gpt-3.5-turbo", "openai"),
    ("gpt-3.5-turbo-instruct", "system"),
    ("text-embedding-3-small", "system"),
    ("text-embedding-3-large", "system"),
    ("text-embedding-ada-002", "openai-internal"),
    ("gpt-image-1", "system"),
    ("dall-e-3", "system"),
    ("dall-e-2", "system"),
    ("tts-1", "openai-internal"),
    ("tts-1-hd", "system"),
    ("gpt-4o-mini-tts", "system"),
    ("whisper-1", "openai-internal"),
    ("gpt-4o-transcribe", "system"),
    ("gpt-4o-mini-transcribe", "system"),
    ("omni-moderation-latest", "system"),
    ("text-moderation-latest", "system"),
)
KIND = "model"


def seed_catalogue(mock: BehaviourContext, extra: tuple[str, ...] = ()) -> None:
    created = 1_700_000_000
    for number, (name, owner) in enumerate(CATALOGUE):
        add_model(mock, name, owner, created + number * 86_400)
    for name in extra:
        add_model(mock, name, "user", mock.clock.timestamp())


def add_model(
    mock: BehaviourContext, name: str, owned_by: str, created: int | None = None
) -> dict[str, Any]:
    model = {
        "id": name,
        "object": "model",
        "created": created if created is not None else mock.clock.timestamp(),
        "owned_by": owned_by,
    }
    mock.state.put(KIND, name, model)
    return model


def list_models(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    return {"object": "list", "data": mock.state.values(KIND)}


def retrieve_model(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    name = call.path_params["model"]
    found = mock.state.get(KIND, name)
    if found is None:
        raise not_found(
            f"The model '{name}' does not exist or you do not have access to it.",
            "model",
            "model_not_found",
        )
    return dict(found)


def delete_model(call: Call, mock: BehaviourContext) -> dict[str, Any]:
    name = call.path_params["model"]
    if mock.state.get(KIND, name) is None:  # unknown: 404, as retrieving it answers
        raise not_found(
            f"The model '{name}' does not exist or you do not have access to it.",
            "model",
            "model_not_found",
        )
    if not name.startswith("ft:"):
        raise APIError(
            403,
            f"You are not allowed to delete the model '{name}': only fine-tuned models your "
            "organization owns can be deleted.",
            param="model",
            code="model_not_deletable",
        )
    if not mock.state.delete(KIND, name):
        raise not_found(
            f"The model '{name}' does not exist or you do not have access to it.",
            "model",
            "model_not_found",
        )
    return {"id": name, "object": "model", "deleted": True}


def require_model(mock: BehaviourContext, model: object) -> None:
    """With ``strict_models``, a model outside the catalogue gets OpenAI's 404."""
    if mock.strict_models and isinstance(model, str) and mock.state.get(KIND, model) is None:
        raise not_found(
            f"The model `{model}` does not exist or you do not have access to it.",
            "model",
            "model_not_found",
        )


OPERATIONS: dict[str, Behaviour] = {
    "listModels": list_models,
    "retrieveModel": retrieve_model,
    "deleteModel": delete_model,
}
