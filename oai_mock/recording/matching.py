"""When a request is "the same" as a recorded one: method, path, query and a canonical body.

The body is compared as data, not bytes: JSON with its keys sorted (so a client that orders
them differently still matches) and without the fields a test asks to ignore (``user``,
``metadata``, ``stream_options.include_usage``: dotted names reach inside objects); multipart
forms by their fields and the hashes of their files (the boundary changes every time).

>>> first = canonical_body(b'{"model": "m", "user": "u1"}', "application/json", {"user"})
>>> first == canonical_body(b'{"user": "u2","model":"m"}', "application/json", {"user"})
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import orjson

from oai_mock.mockserver.messages import MockRequest
from oai_mock.mockserver.multipart import MultipartError, parse_multipart

Key = tuple[str, str, tuple[tuple[str, str], ...], Any]


def _drop(value: Any, ignored: Iterable[tuple[str, ...]]) -> Any:
    if not isinstance(value, dict):
        return value
    out = dict(value)
    nested: dict[str, list[tuple[str, ...]]] = {}
    for path in ignored:
        if len(path) == 1:
            out.pop(path[0], None)
        else:
            nested.setdefault(path[0], []).append(path[1:])
    for name, rest in nested.items():
        if name in out:
            out[name] = _drop(out[name], rest)
    return out


def canonical_body(body: bytes, content_type: str | None, ignored: Iterable[str] = ()) -> Any:
    """A comparable, hashable form of a request body."""
    if not body:
        return None
    media = (content_type or "").split(";")[0].strip().lower()
    if media.startswith("multipart/form-data"):
        try:
            form = parse_multipart(body, content_type or "")
        except MultipartError:
            return ("bytes", hashlib.sha256(body).hexdigest())
        fields = sorted((k, v) for k, v in form.fields if k not in set(ignored))
        files = sorted(
            (name, f.filename, hashlib.sha256(f.data).hexdigest()) for name, f in form.files
        )
        return ("form", tuple(fields), tuple(files))
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError:
        return ("bytes", hashlib.sha256(body).hexdigest())
    paths = [tuple(name.split(".")) for name in ignored]
    return ("json", orjson.dumps(_drop(value, paths), option=orjson.OPT_SORT_KEYS).decode())


def request_key(request: MockRequest, ignored: Iterable[str] = ()) -> Key:
    query = tuple(sorted((k, v) for k, v in request.query if k not in set(ignored)))
    body = canonical_body(request.body, request.header("content-type"), ignored)
    return (request.method, request.path.rstrip("/"), query, body)


def differences(recorded: Key, sent: Key, limit: int = 3) -> list[str]:
    """Why a recorded request is not the one sent, in words (at most ``limit`` reasons)."""
    reasons: list[str] = []
    if recorded[0] != sent[0] or recorded[1] != sent[1]:
        reasons.append(f"recorded {recorded[0]} {recorded[1]}, sent {sent[0]} {sent[1]}")
    if recorded[2] != sent[2]:
        reasons.append(f"query: recorded {dict(recorded[2])}, sent {dict(sent[2])}")
    if recorded[3] != sent[3]:
        reasons.extend(_body_differences(recorded[3], sent[3]))
    return reasons[:limit] if len(reasons) <= limit else [*reasons[:limit], "..."]


def _body_differences(recorded: Any, sent: Any) -> list[str]:
    if isinstance(recorded, tuple) and isinstance(sent, tuple) and recorded[0] == sent[0] == "json":
        found: list[str] = []
        _walk(orjson.loads(recorded[1]), orjson.loads(sent[1]), "body", found)
        return found
    return ["the bodies differ"]


def _short(value: Any) -> str:
    text = orjson.dumps(value).decode()
    return text if len(text) <= 60 else text[:57] + "..."


def _walk(recorded: Any, sent: Any, where: str, found: list[str]) -> None:
    if len(found) > 3:
        return
    if isinstance(recorded, dict) and isinstance(sent, dict):
        for name in sorted(set(recorded) | set(sent)):
            here = f"{where}.{name}"
            if name not in sent:
                found.append(f"{here}: recorded {_short(recorded[name])}, not sent")
            elif name not in recorded:
                found.append(f"{here}: sent {_short(sent[name])}, not recorded")
            else:
                _walk(recorded[name], sent[name], here, found)
        return
    if isinstance(recorded, list) and isinstance(sent, list) and len(recorded) == len(sent):
        for index, (left, right) in enumerate(zip(recorded, sent, strict=True)):
            _walk(left, right, f"{where}[{index}]", found)
        return
    if recorded != sent:
        found.append(f"{where}: recorded {_short(recorded)}, sent {_short(sent)}")


def distance(recorded: Key, sent: Key) -> int:
    """How far apart two requests are, for choosing the closest recorded one."""
    if recorded[0] != sent[0] or recorded[1] != sent[1]:
        return 1000
    return len(differences(recorded, sent, limit=50)) + (recorded[2] != sent[2])
