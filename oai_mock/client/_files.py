"""File inputs for multipart uploads: bytes, a path, a file object, or ``(name, content)``."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import IO, Any, TypeAlias

import orjson

FileContent: TypeAlias = "bytes | IO[bytes] | os.PathLike[str]"
FileInput: TypeAlias = "FileContent | tuple[str, FileContent] | tuple[str, FileContent, str]"
"""``b"..."``, ``Path("a.jsonl")``, ``open("a.jsonl", "rb")``, ``("a.jsonl", b"...")`` or
``("a.jsonl", b"...", "application/jsonl")``."""


def to_httpx_file(value: Any) -> tuple[str, bytes, str]:
    """(filename, bytes, media type) for httpx's ``files=``."""
    media = "application/octet-stream"
    name = "upload"
    content = value
    if isinstance(value, tuple):
        name, content = value[0], value[1]
        if len(value) > 2:
            media = value[2]
    if isinstance(content, os.PathLike | str) and not isinstance(content, bytes):
        path = Path(content)
        return (name if isinstance(value, tuple) else path.name), path.read_bytes(), media
    if isinstance(content, bytes | bytearray):
        return name, bytes(content), media
    if isinstance(content, io.IOBase) or hasattr(content, "read"):
        data = content.read()
        file_name = getattr(content, "name", None)
        if not isinstance(value, tuple) and isinstance(file_name, str):
            name = os.path.basename(file_name)
        return name, data if isinstance(data, bytes) else str(data).encode(), media
    raise TypeError(f"cannot upload {type(content).__name__}: give bytes, a path or a file object")


def paths_as_files(body: dict[str, Any], file_fields: tuple[str, ...]) -> dict[str, Any]:
    """``file="data.jsonl"`` uploads that file, as the official SDKs' path inputs do: in the
    fields that carry a file (``format: binary``) a ``str`` is a path, not text."""
    out = dict(body)
    for name in set(file_fields) & out.keys():
        value = out[name]
        if isinstance(value, str):
            out[name] = Path(value)
        elif isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            out[name] = [Path(v) for v in value]
    return out


def form_text(value: Any) -> str:
    """A value as a query parameter or form field writes it: booleans as ``true``/``false``,
    numbers and strings as they are, anything else as JSON."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        return str(value)
    return orjson.dumps(value).decode()


def is_file_input(value: Any) -> bool:
    if isinstance(value, bytes | bytearray | os.PathLike) or hasattr(value, "read"):
        return True
    return isinstance(value, tuple) and len(value) in (2, 3) and isinstance(value[0], str)
