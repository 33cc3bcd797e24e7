"""One valid, minimal request for any operation of the bundle, built from its schemas.

Used to sweep every operation (of the fake, or of a real backend) and as the seed example of the
contract strategies.

>>> from oai_mock.contracts.examples import example_request
>>> from oai_mock.spec import load_bundle
>>> request = example_request(load_bundle().operation("retrieveModel"))
>>> (request.method, request.url)
('GET', '/models/gpt-4o-mini')
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlencode

import orjson

from oai_mock.client._files import form_text
from oai_mock.mockserver.clock import Clock
from oai_mock.mockserver.ids import PREFIX_BY_FIELD, IdFactory
from oai_mock.mockserver.synthesis import Context, Synthesizer
from oai_mock.spec import Operation, load_bundle

BOUNDARY = "oai-mock-boundary-7MA4YWxkTrZu0gW"
PATH_VALUES = {"model": "gpt-4o-mini", "fine_tuned_model_checkpoint": "ft:gpt-4o-mini:org::ckpt"}


@dataclass(frozen=True)
class ExampleRequest:
    method: str
    url: str
    """Path and query, relative to the API base (``/chat/completions``)."""
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    json: Any = None


def example_request(op: Operation, overrides: Mapping[str, Any] | None = None) -> ExampleRequest:
    """A request that the spec says is valid: required parameters and body fields only, plus
    ``overrides`` merged into a JSON body (or multipart fields)."""
    bundle = load_bundle()
    synth = Synthesizer(bundle, IdFactory(0), Clock())
    context = Context(echo=False, key=op.id)
    path = op.path_template
    for param in op.params_in("path"):
        value = PATH_VALUES.get(param.name) or PREFIX_BY_FIELD.get(param.name, "") + "mock123"
        path = path.replace("{" + param.name + "}", quote(value, safe=""))
    query: list[tuple[str, str]] = list(op.literal_query)
    for param in op.params_in("query"):
        if param.required:
            value = synth.build(param.schema, context)
            values = value if isinstance(value, list) else [value]
            query.extend((param.name, form_text(v)) for v in values)
    headers: dict[str, str] = {}
    if op.beta_header:
        headers["openai-beta"] = op.beta_header
    url = path + ("?" + urlencode(query) if query else "")
    if op.body is None:
        return ExampleRequest(op.method, url, headers)
    media = op.body.content_types[0]
    if media not in ("application/json", "multipart/form-data"):
        headers["content-type"] = media
        text = "v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n"
        return ExampleRequest(op.method, url, headers, text.encode(), text)
    body_value = synth.build(op.body.schemas[media], context)
    if isinstance(body_value, dict) and overrides:
        body_value.update(overrides)
    if media == "multipart/form-data":
        schema = bundle.refs.resolve(op.body.schemas[media])
        headers["content-type"] = f"multipart/form-data; boundary={BOUNDARY}"
        return ExampleRequest(op.method, url, headers, multipart(body_value, schema), body_value)
    headers["content-type"] = "application/json"
    return ExampleRequest(op.method, url, headers, orjson.dumps(body_value), body_value)


def multipart(fields: Mapping[str, Any], schema: Mapping[str, Any]) -> bytes:
    """Encode fields as multipart/form-data; fields the schema marks ``format: binary`` are
    sent as files."""
    bundle = load_bundle()
    props: Mapping[str, Any] = schema.get("properties", {})
    parts: list[bytes] = []
    for name, value in fields.items():
        prop = bundle.refs.resolve(props.get(name, {}))
        is_file = _is_binary(prop) or _is_binary(bundle.refs.resolve(prop.get("items", {})))
        values = value if isinstance(value, list) else [value]
        field_name = f"{name}[]" if isinstance(value, list) and not is_file else name
        for item in values:
            if is_file:
                head = (
                    f'Content-Disposition: form-data; name="{name}"; filename="{name}.bin"\r\n'
                    "Content-Type: application/octet-stream\r\n\r\n"
                )
                data = b"mock file content\n"
            else:
                head = f'Content-Disposition: form-data; name="{field_name}"\r\n\r\n'
                data = form_text(item).encode()
            parts.append(f"--{BOUNDARY}\r\n".encode() + head.encode() + data + b"\r\n")
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def _is_binary(schema: Mapping[str, Any]) -> bool:
    if schema.get("format") == "binary":
        return True
    return any(_is_binary(load_bundle().refs.resolve(b)) for b in schema.get("anyOf", []))
