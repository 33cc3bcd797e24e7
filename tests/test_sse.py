"""The SSE decoder accepts every framing quirk OpenAI-compatible servers send."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from oai_mock.sse import ServerSentEvent, adecode_sse, decode_sse, encode_event


def events(*chunks: bytes) -> list[ServerSentEvent]:
    return list(decode_sse(chunks))


def test_openai_chat_framing_round_trips() -> None:
    wire = encode_event({"a": 1}) + encode_event("[DONE]")
    assert wire == b'data: {"a":1}\n\ndata: [DONE]\n\n'
    decoded = events(wire)
    assert [e.json() for e in decoded[:1]] == [{"a": 1}]
    assert decoded[1].is_done


def test_event_lines_are_kept() -> None:
    wire = encode_event({"type": "response.created"}, event="response.created")
    assert wire.startswith(b"event: response.created\ndata: ")
    assert events(wire)[0].event == "response.created"


def test_crlf_and_cr_line_ends() -> None:
    assert [e.data for e in events(b"data: 1\r\n\r\ndata: 2\r\rdata: 3\n\n")] == ["1", "2", "3"]


def test_crlf_split_across_chunks_is_one_line_end() -> None:
    assert [e.data for e in events(b"data: 1\r", b"\n\r", b"\ndata: 2\r\n\r\n")] == ["1", "2"]


def test_data_without_space_comments_and_keepalives() -> None:
    wire = b': keep-alive\n\ndata:{"x":1}\n\n:ping\ndata: [DONE]\n\n'
    assert [e.data for e in events(wire)] == ['{"x":1}', "[DONE]"]


def test_multi_line_data_is_joined_with_newlines() -> None:
    assert events(b"data: a\ndata: b\n\n")[0].data == "a\nb"


def test_utf8_split_across_chunks() -> None:
    wire = 'data: {"t": "héllo ✓"}\n\n'.encode()
    split = wire.index("✓".encode()) + 1
    assert events(wire[:split], wire[split:])[0].json() == {"t": "héllo ✓"}


def test_id_retry_and_unterminated_last_event() -> None:
    decoded = events(b"id: 7\nretry: 1500\nevent: x\ndata: 1")
    assert decoded == [ServerSentEvent(data="1", event="x", id="7", retry=1500)]


def test_async_decoder_matches_sync() -> None:
    chunks = [b"data: 1\r\n", b"\r\nevent: e\ndata: 2\n\n"]

    async def source() -> AsyncIterator[bytes]:
        for chunk in chunks:
            yield chunk

    async def collect() -> list[ServerSentEvent]:
        return [e async for e in adecode_sse(source())]

    assert asyncio.run(collect()) == events(*chunks)
