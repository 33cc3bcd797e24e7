"""Small, valid media files: what binary endpoints and image answers return."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from functools import cache


@cache
def png(width: int = 8, height: int = 8, rgb: tuple[int, int, int] = (16, 163, 127)) -> bytes:
    """A solid-colour RGB PNG that image decoders accept."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    raw = row * height
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


@cache
def wav(seconds: float = 0.25, rate: int = 24_000) -> bytes:
    """Mono 16-bit PCM silence in a RIFF/WAVE container."""
    frames = int(seconds * rate)
    data = b"\x00\x00" * frames
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * 2, 2, 16)
    body = b"WAVE" + b"fmt " + struct.pack("<I", len(fmt)) + fmt
    body += b"data" + struct.pack("<I", len(data)) + data
    return b"RIFF" + struct.pack("<I", len(body)) + body


@cache
def pcm(seconds: float = 0.25, rate: int = 24_000) -> bytes:
    """Raw 16-bit little-endian PCM silence (the API's `pcm` format)."""
    return b"\x00\x00" * int(seconds * rate)


@cache
def mp3(frames: int = 10) -> bytes:
    """MPEG-1 Layer III frames of silence (128 kbit/s, 44.1 kHz), each with a valid header."""
    header = bytes([0xFF, 0xFB, 0x90, 0x64])
    frame_length = 144 * 128_000 // 44_100  # 417 bytes
    return (header + b"\x00" * (frame_length - 4)) * frames


@cache
def ogg_opus() -> bytes:
    """An Ogg page carrying an OpusHead packet: the header players probe first."""
    head = b"OpusHead" + struct.pack("<BBHIhB", 1, 1, 312, 48_000, 0, 0)
    page = b"OggS" + struct.pack("<BBqIIIB", 0, 2, 0, 1, 0, 0, 1) + bytes([len(head)]) + head
    return page


@cache
def flac() -> bytes:
    """A FLAC stream marker and STREAMINFO block."""
    info = (
        struct.pack(">HH", 4096, 4096)
        + b"\x00" * 6
        + bytes([0x0B, 0xB8, 0x01, 0xF0])
        + b"\x00" * 24
    )
    return b"fLaC" + bytes([0x80]) + struct.pack(">I", len(info))[1:] + info


@cache
def aac() -> bytes:
    """One ADTS frame header (AAC LC, 24 kHz, mono) with an empty payload."""
    return bytes([0xFF, 0xF1, 0x58, 0x40, 0x01, 0x1F, 0xFC])


def speech(response_format: str) -> tuple[bytes, str]:
    """Audio bytes and media type for a speech request's ``response_format``."""
    table = {
        "mp3": (mp3, "audio/mpeg"),
        "wav": (wav, "audio/wav"),
        "pcm": (pcm, "audio/pcm"),
        "opus": (ogg_opus, "audio/ogg"),
        "flac": (flac, "audio/flac"),
        "aac": (aac, "audio/aac"),
    }
    make, media_type = table.get(response_format, table["mp3"])
    return make(), media_type


@cache
def zip_archive(name: str = "SKILL.md", text: str = "# Mock skill\n") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(name, text)
    return buffer.getvalue()


@cache
def mp4() -> bytes:
    """An ISO base media file with an `ftyp` box and an empty `moov` box."""
    ftyp = b"ftyp" + b"isom" + struct.pack(">I", 512) + b"isomiso2mp41"
    moov = b"moov"
    return struct.pack(">I", len(ftyp) + 4) + ftyp + struct.pack(">I", len(moov) + 4) + moov


@cache
def webp(width: int = 8, height: int = 8) -> bytes:
    """A lossless WebP header for a blank image."""
    vp8l = b"\x2f" + struct.pack("<I", (width - 1) | ((height - 1) << 14))
    chunk = b"VP8L" + struct.pack("<I", len(vp8l)) + vp8l
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def sdp_answer() -> bytes:
    return (
        b"v=0\r\no=- 0 0 IN IP4 127.0.0.1\r\ns=oai-mock\r\nt=0 0\r\n"
        b"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 127.0.0.1\r\na=rtpmap:111 opus/48000/2\r\n"
    )


def for_media_type(media_type: str) -> bytes:
    """Bytes of the right kind for a binary response's media type."""
    if media_type == "application/zip":
        return zip_archive()
    if media_type == "video/mp4":
        return mp4()
    if media_type == "image/webp":
        return webp()
    if media_type == "application/sdp":
        return sdp_answer()
    if media_type.startswith("audio/"):
        return mp3()
    return b"oai-mock binary content\n"
