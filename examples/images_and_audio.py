"""Images and audio with the reference client: generated PNGs of the requested size, speech as
real audio files, and a transcription in several formats.

    python examples/images_and_audio.py                            # in-process fake
    python examples/images_and_audio.py http://127.0.0.1:8000/v1   # `oai-mock serve`
"""

from __future__ import annotations

import base64
import io
import struct
import sys
import wave

from oai_mock import OpenAIMock
from oai_mock.client import OpenAIClient


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    width, height = struct.unpack(">II", png[16:24])  # the IHDR chunk comes first
    return width, height


def main(client: OpenAIClient) -> None:
    by_url = client.images.create_image(
        model="dall-e-3", prompt="A cute baby sea otter", size="1024x1024"
    )
    print("image url:", by_url.data[0].url)

    inline = client.images.create_image(
        model="dall-e-2", prompt="A lighthouse", size="256x256", response_format="b64_json", n=2
    )
    sizes = [png_size(base64.b64decode(item.b64_json)) for item in inline.data]
    assert sizes == [(256, 256), (256, 256)]
    print("inline images:", sizes)

    speech = client.audio.create_speech(
        model="gpt-4o-mini-tts", voice="alloy", input="Hello there", response_format="wav"
    )
    with wave.open(io.BytesIO(speech.content)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    print(f"speech: {speech.media_type}, {len(speech.content)} bytes, {seconds:.2f} s of WAV")
    mp3 = client.audio.create_speech(model="tts-1", voice="nova", input="Hello there")
    print("speech as mp3:", mp3.media_type, mp3.content[:3])

    transcript = client.audio.create_transcription(
        file=("hello.wav", speech.content), model="whisper-1"
    )
    print("transcription:", transcript.text)
    subtitles = client.audio.create_transcription(
        file=("hello.wav", speech.content), model="whisper-1", response_format="srt"
    )
    print("as srt:", subtitles.text.splitlines()[:3])


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(OpenAIClient(api_key="sk-anything", base_url=sys.argv[1]))
    else:
        main(OpenAIMock().client())
