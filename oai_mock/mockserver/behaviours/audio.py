"""Audio: speech returns a valid file in the requested format (or an SSE stream of audio
deltas); transcriptions and translations return deterministic text in every response format
(json, text, srt, vtt, verbose_json) and stream transcript deltas where the spec defines it."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from oai_mock.mockserver import media, streams
from oai_mock.mockserver.behaviours import text
from oai_mock.mockserver.behaviours.models import require_model
from oai_mock.mockserver.generic import stream_response
from oai_mock.mockserver.messages import MockResponse
from oai_mock.mockserver.requests import Call

if TYPE_CHECKING:
    from oai_mock.mockserver.context import Behaviour, BehaviourContext

SECONDS_PER_WORD = 0.4


def create_speech(call: Call, mock: BehaviourContext) -> MockResponse:
    body = call.json
    require_model(mock, body.get("model"))
    audio, media_type = media.speech(str(body.get("response_format") or "mp3"))
    if body.get("stream_format") == "sse":
        chunk = 512
        events: list[dict[str, Any]] = [
            {"type": "speech.audio.delta", "audio": base64.b64encode(audio[i : i + chunk]).decode()}
            for i in range(0, len(audio), chunk)
        ]
        tokens = text.count_tokens(str(body.get("input", "")))
        usage = {
            "input_tokens": tokens,
            "output_tokens": len(events),
            "total_tokens": tokens + len(events),
        }
        events.append({"type": "speech.audio.done", "usage": usage})
        return stream_response(streams.typed_stream(events, event_lines=False))
    return MockResponse(200, [("content-type", media_type)], body=audio)


def _heard(call: Call, verb: str) -> str:
    if call.scripted is not None and call.scripted.content is not None:
        return call.scripted.content
    uploads = call.files.get("file") or []
    name = uploads[0].filename if uploads else "audio"
    return f"Mock {verb} of {name}."


def _timestamp(seconds: float, separator: str) -> str:
    whole = int(seconds)
    millis = round((seconds - whole) * 1000)
    return f"{whole // 3600:02d}:{whole // 60 % 60:02d}:{whole % 60:02d}{separator}{millis:03d}"


def _formatted(call: Call, heard: str, task: str) -> MockResponse | dict[str, Any]:
    body = call.json
    kind = str(body.get("response_format") or "json")
    duration = round(max(1, len(heard.split())) * SECONDS_PER_WORD, 2)
    if kind == "text":
        return MockResponse(
            200, [("content-type", "text/plain; charset=utf-8")], body=(heard + "\n").encode()
        )
    if kind == "srt":
        cue = f"1\n{_timestamp(0, ',')} --> {_timestamp(duration, ',')}\n{heard}\n\n"
        return MockResponse(200, [("content-type", "text/plain; charset=utf-8")], body=cue.encode())
    if kind == "vtt":
        cue = f"WEBVTT\n\n{_timestamp(0, '.')} --> {_timestamp(duration, '.')}\n{heard}\n\n"
        return MockResponse(200, [("content-type", "text/vtt; charset=utf-8")], body=cue.encode())
    tokens = text.count_tokens(heard)
    if kind == "verbose_json":
        segment = {
            "id": 0,
            "seek": 0,
            "start": 0.0,
            "end": duration,
            "text": " " + heard,
            "tokens": list(range(50364, 50364 + tokens)),
            "temperature": 0.0,
            "avg_logprob": -0.2,
            "compression_ratio": 1.0,
            "no_speech_prob": 0.01,
        }
        answer: dict[str, Any] = {
            "task": task,
            "language": "english",
            "duration": duration,
            "text": heard,
            "segments": [segment],
        }
        if "word" in (body.get("timestamp_granularities") or []):
            step = duration / max(1, len(heard.split()))
            answer["words"] = [
                {"word": w, "start": round(i * step, 2), "end": round((i + 1) * step, 2)}
                for i, w in enumerate(heard.split())
            ]
        if task == "transcribe":
            answer["usage"] = {"type": "duration", "seconds": max(1, round(duration))}
        return answer
    answer = {"text": heard}
    if task == "transcribe":
        answer["usage"] = {
            "type": "tokens",
            "input_tokens": 40,
            "output_tokens": tokens,
            "total_tokens": 40 + tokens,
        }
    return answer


def create_transcription(call: Call, mock: BehaviourContext) -> MockResponse | dict[str, Any]:
    require_model(mock, call.json.get("model"))
    heard = _heard(call, "transcription")
    if call.wants_stream:
        events: list[dict[str, Any]] = [
            {"type": "transcript.text.delta", "delta": piece} for piece in streams.split_text(heard)
        ]
        tokens = text.count_tokens(heard)
        usage = {
            "type": "tokens",
            "input_tokens": 40,
            "output_tokens": tokens,
            "total_tokens": 40 + tokens,
        }
        events.append({"type": "transcript.text.done", "text": heard, "usage": usage})
        return stream_response(streams.typed_stream(events, event_lines=False))
    return _formatted(call, heard, "transcribe")


def create_translation(call: Call, mock: BehaviourContext) -> MockResponse | dict[str, Any]:
    require_model(mock, call.json.get("model"))
    return _formatted(call, _heard(call, "translation"), "translate")


OPERATIONS: dict[str, Behaviour] = {
    "createSpeech": create_speech,
    "createTranscription": create_transcription,
    "createTranslation": create_translation,
}
