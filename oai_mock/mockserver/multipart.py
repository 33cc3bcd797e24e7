"""A small, exact multipart/form-data parser: file bytes come back untouched."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import Message


@dataclass(frozen=True, slots=True)
class UploadedFile:
    filename: str
    content_type: str
    data: bytes


@dataclass(frozen=True, slots=True)
class FormData:
    fields: list[tuple[str, str]]
    files: list[tuple[str, UploadedFile]]


class MultipartError(ValueError):
    pass


def boundary_of(content_type: str) -> str:
    message = Message()
    message["content-type"] = content_type
    boundary = message.get_param("boundary")
    if not isinstance(boundary, str) or not boundary:
        raise MultipartError("multipart/form-data request without a boundary")
    return boundary


def parse_multipart(body: bytes, content_type: str) -> FormData:
    delimiter = b"--" + boundary_of(content_type).encode("latin-1")
    fields: list[tuple[str, str]] = []
    files: list[tuple[str, UploadedFile]] = []
    chunks = body.split(delimiter)
    if len(chunks) < 3:
        raise MultipartError("the multipart body has no parts or no closing boundary")
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # the closing delimiter
        if chunk.startswith(b"\r\n"):
            chunk = chunk[2:]
        head, separator, content = chunk.partition(b"\r\n\r\n")
        if not separator:
            raise MultipartError("a multipart part has no blank line after its headers")
        if content.endswith(b"\r\n"):
            content = content[:-2]
        headers = _headers(head)
        disposition = Message()
        disposition["content-disposition"] = headers.get("content-disposition", "")
        name = disposition.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            raise MultipartError("a multipart part has no name")
        filename = disposition.get_param("filename", header="content-disposition")
        if isinstance(filename, str):
            media = headers.get("content-type", "application/octet-stream")
            files.append((name, UploadedFile(filename, media, content)))
        else:
            fields.append((name, content.decode("utf-8", errors="replace")))
    return FormData(fields, files)


def _headers(head: bytes) -> dict[str, str]:
    out: dict[str, str] = {}
    for line in head.decode("utf-8", errors="replace").split("\r\n"):
        name, colon, value = line.partition(":")
        if colon:
            out[name.strip().lower()] = value.strip()
    return out
