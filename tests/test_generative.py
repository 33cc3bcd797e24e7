"""Generative endpoints answer what the request asks for, checked through the official SDK."""

from __future__ import annotations

import base64
import io
import json
import math
import struct
import wave
from typing import Any

import httpx
import jsonschema_rs
import openai
import pytest
from pydantic import BaseModel

from oai_mock import OpenAIMock
from oai_mock.mockserver.behaviours import text
from oai_mock.mockserver.scenario import Reply, Rule, ToolCall
from oai_mock.mockserver.sdk import openai_client
from oai_mock.mockserver.transports import MockTransport

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string", "minLength": 2},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "days": {"type": "integer", "minimum": 1, "maximum": 7},
            },
            "required": ["city", "unit", "days"],
            "additionalProperties": False,
        },
        "strict": True,
    },
}
TIME_TOOL = {
    "type": "function",
    "function": {
        "name": "get_time",
        "parameters": {"type": "object", "properties": {"zone": {"type": "string"}}},
    },
}


def user(content: Any) -> list[dict[str, Any]]:
    return [{"role": "user", "content": content}]


@pytest.fixture
def mock() -> OpenAIMock:
    return OpenAIMock(seed=11)


@pytest.fixture
def client(mock: OpenAIMock) -> Any:
    return openai_client(mock, _strict_response_validation=True, max_retries=0)


# -- chat ----------------------------------------------------------------------------------------


def test_default_reply_is_derived_from_the_conversation(client: Any) -> None:
    first = client.chat.completions.create(model="gpt-4o", messages=user("Tell me a joke"))
    again = client.chat.completions.create(model="gpt-4o", messages=user("Tell me a joke"))
    other = client.chat.completions.create(model="gpt-4o", messages=user("Tell me a story"))
    assert first.choices[0].message.content == again.choices[0].message.content
    assert first.choices[0].message.content != other.choices[0].message.content
    assert first.choices[0].message.content.startswith('Mock reply to "Tell me a joke": ')


def test_after_tool_results_the_reply_quotes_them(client: Any) -> None:
    call = {"id": "call_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
    messages = [
        {"role": "user", "content": "Weather in Oslo and Rome?"},
        {"role": "assistant", "content": None, "tool_calls": [call, {**call, "id": "call_2"}]},
        {"role": "tool", "tool_call_id": "call_1", "content": "Oslo: 3C"},
        {"role": "tool", "tool_call_id": "call_2", "content": "Rome: 18C"},
    ]
    reply = client.chat.completions.create(model="gpt-4o", messages=messages)
    assert reply.choices[0].message.content == (
        "Mock reply using the tool results: Oslo: 3C; Rome: 18C"
    )
    # Responses: function_call_output items that end the input.
    response = client.responses.create(
        model="gpt-4o",
        input=[
            {"role": "user", "content": "Weather in Oslo?"},
            {"type": "function_call", "call_id": "c1", "name": "f", "arguments": "{}"},
            {"type": "function_call_output", "call_id": "c1", "output": "Oslo: 3C"},
        ],
    )
    assert response.output_text == "Mock reply using the tool results: Oslo: 3C"
    # A user turn after the tool results: the reply answers the user again.
    messages.append({"role": "user", "content": "Thanks"})
    later = client.chat.completions.create(model="gpt-4o", messages=messages)
    assert later.choices[0].message.content.startswith('Mock reply to "Thanks": ')


def test_scripted_replies_match_on_model_and_content(mock: OpenAIMock, client: Any) -> None:
    mock.scenario.add(
        Rule(Reply(content="It is sunny."), contains="weather", model="gpt-4o", times=None)
    )
    assert (
        client.chat.completions.create(model="gpt-4o", messages=user("weather in Oslo?"))
        .choices[0]
        .message.content
        == "It is sunny."
    )
    assert (
        client.chat.completions.create(model="gpt-4o-mini", messages=user("weather?"))
        .choices[0]
        .message.content
        != "It is sunny."
    )
    assert (
        client.chat.completions.create(model="gpt-4o", messages=user("hi"))
        .choices[0]
        .message.content
        != "It is sunny."
    )


def test_n_choices_have_their_indexes(client: Any) -> None:
    reply = client.chat.completions.create(model="gpt-4o", messages=user("hi"), n=3)
    assert [c.index for c in reply.choices] == [0, 1, 2]
    assert len({c.message.content for c in reply.choices}) == 3


@pytest.mark.parametrize("field", ["max_tokens", "max_completion_tokens"])
def test_token_limits_truncate_with_finish_reason_length(client: Any, field: str) -> None:
    reply = client.chat.completions.create(model="gpt-4o", messages=user("hello"), **{field: 4})
    choice = reply.choices[0]
    assert choice.finish_reason == "length"
    assert text.count_tokens(choice.message.content) == 4
    assert reply.usage.completion_tokens == 4


def test_stop_sequences_end_the_reply_early(client: Any) -> None:
    full = (
        client.chat.completions.create(model="gpt-4o", messages=user("hello"))
        .choices[0]
        .message.content
    )
    cut = client.chat.completions.create(model="gpt-4o", messages=user("hello"), stop=[":", "zzz"])
    assert cut.choices[0].message.content == full.split(":")[0]
    assert cut.choices[0].finish_reason == "stop"


def test_seed_gives_the_same_answer_and_another_seed_another(client: Any) -> None:
    a = client.chat.completions.create(model="gpt-4o", messages=user("hello"), seed=1)
    b = client.chat.completions.create(model="gpt-4o", messages=user("hello"), seed=1)
    c = client.chat.completions.create(model="gpt-4o", messages=user("hello"), seed=2)
    assert (
        a.choices[0].message.content == b.choices[0].message.content != c.choices[0].message.content
    )


def test_logprobs_concatenate_to_the_content(client: Any) -> None:
    reply = client.chat.completions.create(
        model="gpt-4o", messages=user("hello"), logprobs=True, top_logprobs=3
    )
    entries = reply.choices[0].logprobs.content
    assert "".join(e.token for e in entries) == reply.choices[0].message.content
    assert all(e.logprob <= 0 and len(e.top_logprobs) == 3 for e in entries)
    assert all(e.top_logprobs[0].token == e.token for e in entries)
    plain = client.chat.completions.create(model="gpt-4o", messages=user("hello"))
    assert plain.choices[0].logprobs is None


def test_usage_follows_the_documented_token_rule(client: Any) -> None:
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hello, world!"},
    ]
    reply = client.chat.completions.create(model="gpt-4o", messages=messages)
    assert reply.usage.prompt_tokens == 3 + (3 + 3) + (3 + 4)  # priming, two messages
    assert reply.usage.completion_tokens == text.count_tokens(reply.choices[0].message.content)
    assert reply.usage.total_tokens == reply.usage.prompt_tokens + reply.usage.completion_tokens


def _valid(schema: dict[str, Any], arguments: str) -> bool:
    return bool(jsonschema_rs.validator_for(schema).is_valid(json.loads(arguments)))


@pytest.mark.parametrize(
    "tool_choice", ["required", {"type": "function", "function": {"name": "get_weather"}}]
)
def test_forced_tool_calls_have_schema_valid_arguments(client: Any, tool_choice: Any) -> None:
    reply = client.chat.completions.create(
        model="gpt-4o",
        messages=user("weather?"),
        tools=[WEATHER_TOOL, TIME_TOOL],
        tool_choice=tool_choice,
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "tool_calls"
    assert choice.message.content is None
    call = choice.message.tool_calls[0]
    assert call.id.startswith("call_") and call.function.name == "get_weather"
    assert _valid(WEATHER_TOOL["function"]["parameters"], call.function.arguments)


def test_max_tokens_cuts_a_forced_tool_call(client: Any) -> None:
    reply = client.chat.completions.create(
        model="gpt-4o",
        messages=user("weather?"),
        tools=[WEATHER_TOOL],
        tool_choice="required",
        max_tokens=3,
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "length" and reply.usage.completion_tokens == 3
    arguments = choice.message.tool_calls[0].function.arguments
    assert text.count_tokens(arguments) == 3  # cut where the tokens ran out, as OpenAI does


def test_tool_choice_none_and_auto_answer_text(client: Any) -> None:
    for choice in ("none", "auto"):
        reply = client.chat.completions.create(
            model="gpt-4o", messages=user("hi"), tools=[WEATHER_TOOL], tool_choice=choice
        )
        assert (
            reply.choices[0].message.tool_calls is None and reply.choices[0].finish_reason == "stop"
        )


def test_scripted_parallel_tool_calls(mock: OpenAIMock, client: Any) -> None:
    mock.scenario.add(
        Rule(Reply(tool_calls=[ToolCall("get_weather"), ToolCall("get_time", {"zone": "UTC"})]))
    )
    reply = client.chat.completions.create(
        model="gpt-4o",
        messages=user("both"),
        tools=[WEATHER_TOOL, TIME_TOOL],
        parallel_tool_calls=True,
    )
    calls = reply.choices[0].message.tool_calls
    assert [c.function.name for c in calls] == ["get_weather", "get_time"]
    assert _valid(WEATHER_TOOL["function"]["parameters"], calls[0].function.arguments)
    assert json.loads(calls[1].function.arguments) == {"zone": "UTC"}


def test_json_modes(client: Any) -> None:
    reply = client.chat.completions.create(
        model="gpt-4o", messages=user("json please"), response_format={"type": "json_object"}
    )
    assert isinstance(json.loads(reply.choices[0].message.content), dict)
    schema = {
        "type": "object",
        "properties": {
            "name": {"type": "string"},
            "tags": {"type": "array", "items": {"type": "string"}, "minItems": 2},
            "kind": {"anyOf": [{"type": "string", "enum": ["a", "b"]}, {"type": "null"}]},
            "nested": {"$ref": "#/$defs/Nested"},
        },
        "required": ["name", "tags", "kind", "nested"],
        "additionalProperties": False,
        "$defs": {
            "Nested": {
                "type": "object",
                "properties": {"score": {"type": "number", "minimum": 3}},
                "required": ["score"],
                "additionalProperties": False,
            }
        },
    }
    reply = client.chat.completions.create(
        model="gpt-4o",
        messages=user("structured"),
        response_format={
            "type": "json_schema",
            "json_schema": {"name": "thing", "schema": schema, "strict": True},
        },
    )
    assert _valid(schema, reply.choices[0].message.content)


class Event(BaseModel):
    name: str
    date: str
    participants: list[str]


def test_sdk_parse_with_a_pydantic_model(client: Any) -> None:
    completion = client.chat.completions.parse(
        model="gpt-4o", messages=user("extract"), response_format=Event
    )
    parsed = completion.choices[0].message.parsed
    assert isinstance(parsed, Event) and parsed.participants


def test_scripted_refusal(mock: OpenAIMock, client: Any) -> None:
    mock.scenario.add(Rule(Reply(refusal="I can't help with that.")))
    message = (
        client.chat.completions.create(model="gpt-4o", messages=user("bad")).choices[0].message
    )
    assert message.refusal == "I can't help with that." and message.content is None


def test_image_and_audio_input_parts_are_accepted(client: Any) -> None:
    content = [
        {"type": "text", "text": "What is in this image?"},
        {"type": "image_url", "image_url": {"url": "https://example.com/cat.png", "detail": "low"}},
        {
            "type": "input_audio",
            "input_audio": {"data": base64.b64encode(b"RIFF").decode(), "format": "wav"},
        },
    ]
    reply = client.chat.completions.create(model="gpt-4o", messages=user(content))
    assert reply.choices[0].message.content.startswith('Mock reply to "What is in this image?"')
    assert reply.usage.prompt_tokens >= text.IMAGE_PART_TOKENS


# -- chat streams ------------------------------------------------------------------------------


def test_stream_framing_and_accumulation(mock: OpenAIMock, client: Any) -> None:
    body = {"model": "gpt-4o", "messages": user("stream")}
    raw = httpx.Client(transport=MockTransport(mock)).post(
        "http://m/v1/chat/completions",
        json={**body, "stream": True, "stream_options": {"include_usage": True}},
    )
    assert raw.text.endswith("data: [DONE]\n\n")
    lines = [line for line in raw.text.split("\n\n") if line]
    chunks = [json.loads(line[6:]) for line in lines[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert all("role" not in c["choices"][0]["delta"] for c in chunks[1:-1])
    assert [c["choices"][0]["finish_reason"] for c in chunks[:-1]].count("stop") == 1
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    assert all(c["usage"] is None for c in chunks[:-1])
    assert len({(c["id"], c["created"], c["model"], c["system_fingerprint"]) for c in chunks}) == 1
    streamed = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks[:-1])
    whole = client.chat.completions.create(**body)
    assert streamed == whole.choices[0].message.content
    assert chunks[-1]["usage"] == whole.usage.model_dump(exclude_none=True)


def test_no_usage_chunk_unless_asked(client: Any) -> None:
    chunks = list(client.chat.completions.create(model="gpt-4o", messages=user("x"), stream=True))
    assert all(c.choices for c in chunks) and all(c.usage is None for c in chunks)


def test_tool_call_deltas_assemble(client: Any) -> None:
    chunks = list(
        client.chat.completions.create(
            model="gpt-4o",
            messages=user("x"),
            tools=[WEATHER_TOOL],
            tool_choice="required",
            stream=True,
        )
    )
    deltas = [tc for c in chunks for tc in (c.choices[0].delta.tool_calls or [])]
    assert all(d.index == 0 for d in deltas)
    assert deltas[0].id.startswith("call_") and deltas[0].function.name == "get_weather"
    arguments = "".join(d.function.arguments or "" for d in deltas)
    assert _valid(WEATHER_TOOL["function"]["parameters"], arguments)
    assert chunks[-1].choices[0].finish_reason == "tool_calls"


def test_sdk_stream_helper_gives_the_final_completion(client: Any) -> None:
    with client.chat.completions.stream(
        model="gpt-4o", messages=user("helper"), response_format=Event
    ) as stream:
        kinds = {event.type for event in stream}
        final = stream.get_final_completion()
    assert {"chunk", "content.delta", "content.done"} <= kinds
    assert isinstance(final.choices[0].message.parsed, Event)


# -- legacy completions ------------------------------------------------------------------------


@pytest.mark.parametrize("prompt", ["Say hi", ["a", "b"], [1, 2, 3], [[1, 2], [3]]])
def test_completion_prompt_shapes(client: Any, prompt: Any) -> None:
    reply = client.completions.create(model="gpt-3.5-turbo-instruct", prompt=prompt, n=2)
    prompts = len(prompt) if isinstance(prompt, list) and not isinstance(prompt[0], int) else 1
    assert [c.index for c in reply.choices] == list(range(prompts * 2))


def test_completion_limits_echo_and_logprobs(client: Any) -> None:
    reply = client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Say hi", max_tokens=3, echo=True, logprobs=2
    )
    choice = reply.choices[0]
    assert choice.finish_reason == "length" and choice.text.startswith("Say hi")
    assert "".join(choice.logprobs.tokens) == choice.text
    assert all(len(t) == 2 for t in choice.logprobs.top_logprobs)
    default = client.completions.create(model="gpt-3.5-turbo-instruct", prompt="Say hi")
    assert default.usage.completion_tokens <= 16
    stopped = client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Say hi", stop=":", max_tokens=100
    )
    assert ":" not in stopped.choices[0].text and stopped.choices[0].finish_reason == "stop"


def test_completion_stream(mock: OpenAIMock) -> None:
    # Chunks before the last carry finish_reason: null, as OpenAI sends them; the SDK's strict
    # validation (which types finish_reason as non-null) would reject OpenAI's stream as well.
    client = openai_client(mock)
    whole = client.completions.create(
        model="gpt-3.5-turbo-instruct", prompt="Say hi", max_tokens=50
    )
    chunks = list(
        client.completions.create(
            model="gpt-3.5-turbo-instruct", prompt="Say hi", max_tokens=50, stream=True
        )
    )
    assert "".join(c.choices[0].text for c in chunks) == whole.choices[0].text
    assert chunks[-1].choices[0].finish_reason == "stop"


# -- embeddings ------------------------------------------------------------------------------


def _cosine(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


def test_embeddings_are_deterministic_unit_vectors(client: Any) -> None:
    texts = [
        "the cat sat on the mat",
        "the cat sat on a mat",
        "quarterly revenue grew",
        "the cat sat on the mat",
    ]
    data = client.embeddings.create(
        model="text-embedding-3-small", input=texts, encoding_format="float"
    ).data
    vectors = [d.embedding for d in data]
    assert [d.index for d in data] == [0, 1, 2, 3]
    assert all(len(v) == 1536 and math.isclose(_cosine(v, v), 1, rel_tol=1e-5) for v in vectors)
    assert vectors[0] == vectors[3] and vectors[0] != vectors[1]
    assert _cosine(vectors[0], vectors[1]) > _cosine(vectors[0], vectors[2])


def test_embedding_dimensions_and_base64(client: Any) -> None:
    small = client.embeddings.create(
        model="text-embedding-3-large", input="hi", dimensions=256, encoding_format="float"
    )
    assert len(small.data[0].embedding) == 256
    assert math.isclose(_cosine(small.data[0].embedding, small.data[0].embedding), 1, rel_tol=1e-5)
    plain = openai_client(OpenAIMock())  # the SDK asks for base64 and decodes it
    decoded = plain.embeddings.create(model="text-embedding-3-large", input="hi", dimensions=256)
    assert decoded.data[0].embedding == pytest.approx(small.data[0].embedding, abs=1e-6)
    with pytest.raises(openai.BadRequestError) as caught:
        client.embeddings.create(model="text-embedding-ada-002", input="hi", dimensions=8)
    assert caught.value.param == "dimensions"


def test_embedding_token_inputs_and_usage(mock: OpenAIMock) -> None:
    response = mock.request(
        "POST",
        "/v1/embeddings",
        json={
            "model": "text-embedding-3-small",
            "input": [[1, 2, 3], [4]],
            "encoding_format": "base64",
        },
    )
    body = json.loads(response.body)
    vector = struct.unpack("<1536f", base64.b64decode(body["data"][0]["embedding"]))
    assert math.isclose(sum(v * v for v in vector), 1, rel_tol=1e-4)
    assert body["usage"]["prompt_tokens"] == body["usage"]["total_tokens"] > 0


# -- moderations and models --------------------------------------------------------------------


def test_moderation_flags_by_keyword(client: Any) -> None:
    result = client.moderations.create(input=["I will kill the process", "have a nice day"]).results
    assert result[0].flagged and result[0].categories.violence
    assert result[0].category_scores.violence > 0.9
    assert not result[1].flagged and max(result[1].category_scores.model_dump().values()) < 0.01
    multimodal = client.moderations.create(
        model="omni-moderation-latest",
        input=[
            {"type": "text", "text": "gore"},
            {"type": "image_url", "image_url": {"url": "https://x.test/a.png"}},
        ],
    ).results[0]
    applied = multimodal.category_applied_input_types
    assert multimodal.categories.violence_graphic and applied.violence_graphic == ["text", "image"]
    assert applied.hate == ["text"]


def test_models_catalogue_retrieve_and_delete(client: Any, mock: OpenAIMock) -> None:
    ids = [m.id for m in client.models.list()]
    assert {
        "gpt-4o",
        "text-embedding-3-small",
        "whisper-1",
        "dall-e-3",
        "omni-moderation-latest",
    } <= set(ids)
    assert client.models.retrieve("gpt-4o").owned_by == "system"
    with pytest.raises(openai.NotFoundError) as missing:
        client.models.retrieve("gpt-99")
    assert missing.value.code == "model_not_found"
    with pytest.raises(openai.PermissionDeniedError):
        client.models.delete("gpt-4o")
    extended = openai_client(OpenAIMock(models=("ft:gpt-4o-mini:acme::abc123",)))
    assert extended.models.delete("ft:gpt-4o-mini:acme::abc123").deleted
    with pytest.raises(openai.NotFoundError):
        extended.models.retrieve("ft:gpt-4o-mini:acme::abc123")


# -- images and audio --------------------------------------------------------------------------


def _png_size(data: bytes) -> tuple[int, int]:
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    return struct.unpack(">II", data[16:24])


def test_images_as_base64_png_of_the_requested_size(client: Any) -> None:
    result = client.images.generate(model="gpt-image-1", prompt="a cat", size="1536x1024", n=2)
    assert len(result.data) == 2
    assert _png_size(base64.b64decode(result.data[0].b64_json)) == (1536, 1024)
    assert result.usage.total_tokens > 0


def test_image_urls_point_at_the_mock(mock: OpenAIMock, client: Any) -> None:
    result = client.images.generate(
        model="dall-e-2", prompt="a dog", size="256x256", response_format="url"
    )
    url = result.data[0].url
    download = httpx.Client(transport=MockTransport(mock)).get(url)
    assert download.status_code == 200 and _png_size(download.content) == (256, 256)


def test_image_stream_sends_partial_images(client: Any) -> None:
    events = list(
        client.images.generate(model="gpt-image-1", prompt="x", stream=True, partial_images=2)
    )
    assert [e.type for e in events] == [
        "image_generation.partial_image",
        "image_generation.partial_image",
        "image_generation.completed",
    ]


def test_image_edit_multipart(client: Any) -> None:
    png = base64.b64decode(
        client.images.generate(model="gpt-image-1", prompt="x", size="1024x1024").data[0].b64_json
    )
    edited = client.images.edit(
        model="gpt-image-1", image=("in.png", png, "image/png"), prompt="hat", size="1024x1536"
    )
    assert _png_size(base64.b64decode(edited.data[0].b64_json)) == (1024, 1536)


def test_speech_formats(client: Any) -> None:
    wav = client.audio.speech.create(
        model="tts-1", voice="alloy", input="hello", response_format="wav"
    ).content
    with wave.open(io.BytesIO(wav)) as reader:
        assert reader.getnchannels() == 1 and reader.getnframes() > 0
    mp3 = client.audio.speech.create(model="tts-1", voice="alloy", input="hello").content
    assert mp3[:2] == b"\xff\xfb"


@pytest.mark.parametrize(
    ("response_format", "check"),
    [
        ("json", lambda r: r.text == "Mock transcription of talk.wav."),
        ("text", lambda r: r.strip() == "Mock transcription of talk.wav."),
        ("srt", lambda r: r.startswith("1\n00:00:00,000 --> ")),
        ("vtt", lambda r: r.startswith("WEBVTT\n\n00:00:00.000 --> ")),
        ("verbose_json", lambda r: r.segments[0].text.strip() == r.text and r.duration > 0),
    ],
)
def test_transcription_formats(client: Any, response_format: str, check: Any) -> None:
    result = client.audio.transcriptions.create(
        model="whisper-1",
        file=("talk.wav", b"RIFF....", "audio/wav"),
        response_format=response_format,
    )
    assert check(result)


def test_transcription_stream_and_translation(client: Any) -> None:
    events = list(
        client.audio.transcriptions.create(
            model="gpt-4o-transcribe", file=("a.wav", b"RIFF"), stream=True
        )
    )
    assert events[-1].type == "transcript.text.done"
    assert "".join(e.delta for e in events[:-1]) == events[-1].text
    translation = client.audio.translations.create(model="whisper-1", file=("a.wav", b"RIFF"))
    assert translation.text == "Mock translation of a.wav."


# -- Responses ---------------------------------------------------------------------------------


def test_responses_create_retrieve_delete(client: Any) -> None:
    created = client.responses.create(model="gpt-4o", input="Hello there")
    assert created.output_text.startswith('Mock reply to "Hello there"')
    assert client.responses.retrieve(created.id).output_text == created.output_text
    client.responses.delete(created.id)
    with pytest.raises(openai.NotFoundError):
        client.responses.retrieve(created.id)


def test_previous_response_id_sees_earlier_turns(client: Any) -> None:
    first = client.responses.create(model="gpt-4o", input="My name is Ada.")
    second = client.responses.create(
        model="gpt-4o", input="What is my name?", previous_response_id=first.id
    )
    alone = client.responses.create(model="gpt-4o", input="What is my name?")
    assert second.usage.input_tokens > alone.usage.input_tokens
    assert second.output_text != alone.output_text  # the context changes the reply
    items = client.responses.input_items.list(second.id).data
    assert len(items) == 1 and items[0].content[0].text == "What is my name?"


def test_responses_function_calls_and_structured_output(client: Any) -> None:
    tool = {"type": "function", **WEATHER_TOOL["function"]}
    result = client.responses.create(
        model="gpt-4o", input="weather", tools=[tool], tool_choice="required"
    )
    call = result.output[0]
    assert call.type == "function_call" and _valid(tool["parameters"], call.arguments)
    parsed = client.responses.parse(model="gpt-4o", input="extract", text_format=Event)
    assert isinstance(parsed.output_parsed, Event)


def test_background_responses_move_and_cancel(client: Any) -> None:
    queued = client.responses.create(model="gpt-4o", input="slow", background=True)
    assert queued.status == "queued"
    assert [client.responses.retrieve(queued.id).status for _ in range(3)] == [
        "in_progress",
        "completed",
        "completed",
    ]
    assert client.responses.retrieve(queued.id).output_text.startswith("Mock reply")
    other = client.responses.create(model="gpt-4o", input="slow", background=True)
    assert client.responses.cancel(other.id).status == "cancelled"
    with pytest.raises(openai.BadRequestError):
        client.responses.cancel(client.responses.create(model="gpt-4o", input="x").id)


def test_conversations_collect_items(client: Any) -> None:
    conversation = client.conversations.create(
        items=[{"type": "message", "role": "user", "content": "hi"}]
    )
    client.responses.create(model="gpt-4o", input="next", conversation=conversation.id)
    items = client.conversations.items.list(conversation.id, order="asc").data
    assert [i.role for i in items] == ["user", "user", "assistant"]
    item = client.conversations.items.retrieve(items[0].id, conversation_id=conversation.id)
    assert item.id == items[0].id
    client.conversations.items.delete(items[0].id, conversation_id=conversation.id)
    assert len(client.conversations.items.list(conversation.id).data) == 2
    assert client.conversations.update(conversation.id, metadata={"k": "v"}).metadata == {"k": "v"}
    assert client.conversations.delete(conversation.id).deleted


def test_responses_stream_order_and_final_response(client: Any) -> None:
    with client.responses.stream(model="gpt-4o", input="stream it") as stream:
        types = [event.type for event in stream]
        final = stream.get_final_response()
    assert types[:4] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.content_part.added",
    ]
    assert types[-4:] == [
        "response.output_text.done",
        "response.content_part.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert client.responses.retrieve(final.id).output_text == final.output_text


def test_input_token_counting(client: Any) -> None:
    count = client.responses.input_tokens.count(model="gpt-4o", input="Hello, world!")
    assert count.input_tokens == 3 + 3 + 4


# -- determinism -----------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_answers() -> None:
    def run() -> list[bytes]:
        mock = OpenAIMock(seed=5)
        bodies = [
            (
                "/v1/chat/completions",
                {
                    "model": "gpt-4o",
                    "messages": user("a"),
                    "tools": [WEATHER_TOOL],
                    "tool_choice": "required",
                },
            ),
            ("/v1/chat/completions", {"model": "gpt-4o", "messages": user("b"), "stream": True}),
            ("/v1/embeddings", {"model": "text-embedding-3-small", "input": "c"}),
            ("/v1/responses", {"model": "gpt-4o", "input": "d", "stream": True}),
            ("/v1/images/generations", {"model": "dall-e-2", "prompt": "e", "size": "256x256"}),
        ]
        out = []
        for path, body in bodies:
            response = mock.request("POST", path, json=body)
            out.append(
                response.body + b"".join(i for i in response.stream or [] if isinstance(i, bytes))
            )
        return out

    assert run() == run()
