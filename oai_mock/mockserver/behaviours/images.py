"""Images: generations, edits and variations answer real PNGs of the requested size, as base64
or as a URL on the mock itself (downloading it returns the PNG); gpt-image models stream
partial images when asked."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from oai_mock.mockserver import media, streams
from oai_mock.mockserver.behaviours.models import require_model
from oai_mock.mockserver.errors import invalid_request
from oai_mock.mockserver.generic import stream_response, synthesis_context
from oai_mock.mockserver.messages import MockRequest, MockResponse
from oai_mock.mockserver.requests import Call

if TYPE_CHECKING:
    from oai_mock.mockserver.context import Behaviour, BehaviourContext, OffSpecRoute

IMAGE_BLOB = "image.blob"
IMAGE_PATH = "/oai-mock/images/"
MAX_SIDE = 1792


def _size(value: Any) -> tuple[int, int]:
    if isinstance(value, str) and "x" in value:
        width, _, height = value.partition("x")
        if width.isdigit() and height.isdigit():
            return min(int(width), MAX_SIDE), min(int(height), MAX_SIDE)
    return 1024, 1024


def _answer_sizes(mock: BehaviourContext) -> list[str]:
    schema = mock.bundle.refs.resolve({"$ref": "#/$defs/ImagesResponse"})
    sizes: list[str] = schema["properties"]["size"]["enum"]
    return sizes


def _is_gpt_image(model: str) -> bool:
    return model.startswith("gpt-image") or model.startswith("chatgpt-image")


MODEL_RULES: dict[str, tuple[tuple[str, ...], int, int]] = {
    # model: the sizes it draws, its longest prompt, its most images per request (OpenAI's
    # image API reference)
    "dall-e-2": (("256x256", "512x512", "1024x1024"), 1000, 10),
    "dall-e-3": (("1024x1024", "1792x1024", "1024x1792"), 4000, 1),
}


def _check_model_rules(operation: str, model: str, body: dict[str, Any]) -> None:
    """The per-model rules of DALL-E (what the request schema cannot say): sizes, prompt
    length, ``n``, and variations for dall-e-2 only."""
    # Names the fake does not know stay accepted (as everywhere without strict_models).
    known_other = model == "dall-e-3" or model.startswith("gpt-image")
    if operation == "createImageVariation" and known_other:
        raise invalid_request(
            f"Invalid model '{model}': image variations support only dall-e-2.", "model"
        )
    rules = MODEL_RULES.get(model)
    if rules is None:
        return
    sizes, longest, most = rules
    size = body.get("size")
    if size is not None and size not in sizes:
        raise invalid_request(
            f"'{size}' is not one of {list(sizes)} - 'size'", "size", "invalid_value"
        )
    prompt = body.get("prompt")
    if isinstance(prompt, str) and len(prompt) > longest:
        raise invalid_request(
            f"Invalid 'prompt': string too long. Expected a string with maximum length "
            f"{longest}, but got a string with length {len(prompt)} instead.",
            "prompt",
            "string_above_max_length",
        )
    n = body.get("n")
    if isinstance(n, int) and n > most:
        raise invalid_request(
            f"Invalid 'n': {model} makes at most {most} image(s) per request; you asked for {n}.",
            "n",
            "invalid_value",
        )


def create_image(call: Call, mock: BehaviourContext) -> MockResponse | dict[str, Any]:
    body = call.json
    require_model(mock, body.get("model"))
    model = str(body.get("model") or "dall-e-2")
    _check_model_rules(call.operation.id, model, body)
    width, height = _size(body.get("size"))
    gpt_image = _is_gpt_image(model)
    if gpt_image and f"{width}x{height}" not in _answer_sizes(mock):
        # `auto`, or a size the request schema allows but gpt-image models do not draw:
        # the answer names its size, and only the sizes its schema lists exist.
        width, height = 1024, 1024
    png = media.png(width, height)
    n = int(body.get("n") or 1)
    now = mock.clock.timestamp()
    as_url = not gpt_image and body.get("response_format", "url") == "url"
    data = []
    for _ in range(n):
        if as_url:
            name = mock.ids.next("img-") + ".png"
            mock.state.put(IMAGE_BLOB, name, png, size=len(png))
            base = synthesis_context(call, mock).base_url.removesuffix("/v1")
            entry: dict[str, Any] = {"url": f"{base}{IMAGE_PATH}{name}{mock.keys.sign(name)}"}
        else:
            entry = {"b64_json": base64.b64encode(png).decode()}
        if model == "dall-e-3":
            entry["revised_prompt"] = str(body.get("prompt", ""))
        data.append(entry)
    answer: dict[str, Any] = {"created": now, "data": data}
    if gpt_image:
        answer.update(
            {
                "background": body.get("background") or "opaque",
                "output_format": body.get("output_format") or "png",
                "quality": body.get("quality")
                if body.get("quality") in ("low", "medium", "high")
                else "high",
                "size": f"{width}x{height}",
                "usage": _usage(body),
            }
        )
    if call.wants_stream:
        return stream_response(streams.typed_stream(_events(call, answer, png), event_lines=True))
    return answer


def _usage(body: dict[str, Any]) -> dict[str, Any]:
    prompt = len(str(body.get("prompt", "")).split())
    return {
        "total_tokens": prompt + 272,
        "input_tokens": prompt,
        "output_tokens": 272,
        "input_tokens_details": {"text_tokens": prompt, "image_tokens": 0},
    }


def _events(call: Call, answer: dict[str, Any], png: bytes) -> list[dict[str, Any]]:
    prefix = "image_edit" if call.operation.id == "createImageEdit" else "image_generation"
    b64 = base64.b64encode(png).decode()
    common = {
        "b64_json": b64,
        "background": answer.get("background", "opaque"),
        "created_at": answer["created"],
        "output_format": answer.get("output_format", "png"),
        "quality": answer.get("quality", "high"),
        "size": answer.get("size", "1024x1024"),
    }
    partials = int(call.json.get("partial_images") or 0)
    events = [
        {"type": f"{prefix}.partial_image", **common, "partial_image_index": index}
        for index in range(partials)
    ]
    events.append(
        {"type": f"{prefix}.completed", **common, "usage": answer.get("usage") or _usage(call.json)}
    )
    return events


def serve_image(mock: BehaviourContext, name: str) -> MockResponse | None:
    """The bytes behind an image URL the mock handed out, or None."""
    data = mock.state.get(IMAGE_BLOB, name)
    if data is None:
        return None
    return MockResponse(200, [("content-type", "image/png")], body=data)


def image_route(mock: BehaviourContext, request: MockRequest) -> MockResponse | None:
    """Answers ``GET`` on an image URL the fake handed out (a path outside the spec)."""
    if request.method != "GET" or not request.path.startswith(IMAGE_PATH):
        return None
    name = request.path[len(IMAGE_PATH) :]
    if not mock.keys.signed(name, dict(request.query)):  # a signed URL needs no key
        mock.keys.check(request.headers, admin=False)
    return serve_image(mock, name)


ROUTES: tuple[OffSpecRoute, ...] = (image_route,)

OPERATIONS: dict[str, Behaviour] = {
    "createImage": create_image,
    "createImageEdit": create_image,
    "createImageVariation": create_image,
}
