"""The spec bundle: every operation described, every schema compiles, the spec's own examples
validate, and real OpenAI payloads raise no false positives."""

from __future__ import annotations

import collections
import json
from typing import Any

import pytest
from spec_examples import SPEC_PATH, raw_spec, response_examples

from oai_mock.spec import SchemaChecker, load_bundle
from oai_mock.sse import decode_sse

BUNDLE = load_bundle()


@pytest.fixture(scope="module")
def checker() -> SchemaChecker:
    return SchemaChecker(BUNDLE)


def test_every_operation_of_the_spec_is_in_the_bundle(figure: Any) -> None:
    spec_ops = {
        (method.upper(), path)
        for path, item in raw_spec()["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }
    bundle_ops = {(op.method, op.path) for op in BUNDLE.operations}
    assert bundle_ops == spec_ops
    assert len(BUNDLE.operations) == 288
    figure(f"{len(bundle_ops)} of {len(spec_ops)} operations in the bundle")


def test_names_are_unique_snake_case_identifiers() -> None:
    names = [op.name for op in BUNDLE.operations]
    assert len(set(names)) == len(names)
    assert all(name.isidentifier() and name == name.lower() for name in names)
    assert BUNDLE.operation("submitToolOuputsToRun").name == "submit_tool_outputs_to_run"
    assert BUNDLE.operation("Getinputtokencounts").name == "get_input_token_counts"
    assert BUNDLE.operation("admin-api-keys-list").name == "admin_api_keys_list"
    assert BUNDLE.operation("create_chat_completion").id == "createChatCompletion"


def test_literal_query_paths_are_kept_as_written() -> None:
    beta = [op for op in BUNDLE.operations if "?" in op.path]
    assert len({op.path for op in beta}) == 6  # six path keys, seven operations
    assert len(beta) == 7
    for op in beta:
        assert op.literal_query == (("beta", "true"),)
        assert op.path_template == op.path.split("?")[0]
        assert op.beta_header == "responses_multi_agent=v1"


def test_auth_schemes_split_as_the_spec_says() -> None:
    counts = collections.Counter(op.auth for op in BUNDLE.operations)
    assert counts == {"api_key": 169, "admin_key": 119}
    assert BUNDLE.operation("list-projects").auth == "admin_key"


def test_assistants_operations_carry_the_beta_header() -> None:
    assert BUNDLE.operation("createRun").beta_header == "assistants=v2"
    assert BUNDLE.operation("listVectorStores").beta_header == "assistants=v2"
    assert BUNDLE.operation("createChatCompletion").beta_header is None


@pytest.mark.parametrize(
    ("op_id", "kind", "switch", "event_schema"),
    [
        ("createChatCompletion", "chat", "body", "CreateChatCompletionStreamResponse"),
        ("createCompletion", "chat", "body", "CreateCompletionResponse"),
        ("createResponse", "responses", "body", "ResponseStreamEvent"),
        ("beta_createResponse", "responses", "body", "BetaResponseStreamEvent"),
        ("getResponse", "responses", "query", "ResponseStreamEvent"),
        ("createRun", "assistants", "body", "AssistantStreamEvent"),
        ("createThreadAndRun", "assistants", "body", "AssistantStreamEvent"),
        ("submitToolOuputsToRun", "assistants", "body", "AssistantStreamEvent"),
        ("createImage", "typed", "body", "ImageGenStreamEvent"),
        ("createImageEdit", "typed", "body", "ImageEditStreamEvent"),
        ("createTranscription", "typed", "body", "CreateTranscriptionResponseStreamEvent"),
        ("createSpeech", "typed", "stream_format", "CreateSpeechResponseStreamEvent"),
    ],
)
def test_streaming_kinds(op_id: str, kind: str, switch: str, event_schema: str) -> None:
    streaming = BUNDLE.operation(op_id).streaming
    assert streaming is not None
    assert (streaming.kind, streaming.switch) == (kind, switch)
    assert streaming.event_schema == {"$ref": f"#/$defs/{event_schema}"}


def test_only_the_known_operations_stream() -> None:
    assert sum(op.streaming is not None for op in BUNDLE.operations) == 13
    assert BUNDLE.operation("createImage").streaming.event_lines  # type: ignore[union-attr]
    assert not BUNDLE.operation("createTranscription").streaming.event_lines  # type: ignore[union-attr]


@pytest.mark.parametrize(
    ("op_id", "media"),
    [
        ("createSpeech", "application/octet-stream"),
        ("downloadFile", "application/octet-stream"),
        ("RetrieveContainerFileContent", "application/octet-stream"),
        ("RetrieveVideoContent", "video/mp4"),
        ("GetSkillContent", "application/zip"),
        ("GetSkillVersionContent", "application/zip"),
    ],
)
def test_binary_responses(op_id: str, media: str) -> None:
    op = BUNDLE.operation(op_id)
    assert (op.response_kind, op.binary_media_type) == ("binary", media)


@pytest.mark.parametrize(
    ("op_id", "kind"),
    [
        ("listFiles", "cursor"),
        ("listAssistants", "cursor"),
        ("listPaginatedFineTuningJobs", "item_id"),
        ("list-groups", "next"),
        ("usage-completions", "page"),
        ("listModels", "single"),  # one answer, no cursor: a page of one
        ("createEmbedding", None),
    ],
)
def test_pagination_kinds(op_id: str, kind: str | None) -> None:
    assert BUNDLE.operation(op_id).pagination == kind


def test_multipart_bodies_are_described() -> None:
    multipart = [
        op for op in BUNDLE.operations if op.body and "multipart/form-data" in op.body.content_types
    ]
    assert len(multipart) == 18
    upload = BUNDLE.operation("createFile").body
    assert upload is not None and upload.content_types == ("multipart/form-data",)


# -- normalization -------------------------------------------------------------------------------


def _walk(node: Any) -> Any:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from _walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from _walk(value)


def test_no_openapi_3_0_or_2019_09_keywords_remain() -> None:
    for node in _walk(BUNDLE.schemas):
        assert "nullable" not in node
        assert "$recursiveRef" not in node and "$recursiveAnchor" not in node
        assert "oneOf" not in node
        assert not isinstance(node.get("exclusiveMinimum"), bool)
        ref = node.get("$ref")
        if isinstance(ref, str):
            assert ref.startswith("#/$defs/") and ref[8:] in BUNDLE.schemas


def test_every_discriminator_has_an_explicit_mapping() -> None:
    discriminators = [
        node["discriminator"] for node in _walk(BUNDLE.schemas) if "discriminator" in node
    ]
    assert len(discriminators) >= 100
    assert all(d.get("mapping") for d in discriminators)
    events = BUNDLE.schema("ChatCompletionMessageToolCalls")["items"]["discriminator"]
    assert events["mapping"]["function"] == "#/$defs/ChatCompletionMessageToolCall"


def test_nullable_becomes_a_type_union(checker: SchemaChecker) -> None:
    raw = raw_spec()["components"]["schemas"]
    nullable_props = [
        (name, prop)
        for name, schema in raw.items()
        for prop, sub in (schema.get("properties") or {}).items()
        if isinstance(sub, dict) and sub.get("nullable") is True and "type" in sub
    ]
    assert nullable_props
    for name, prop in nullable_props[:40]:
        sub = BUNDLE.schema(name)["properties"][prop]
        assert checker.is_valid(None, sub), (name, prop)


def test_required_is_deduplicated_and_merged_across_all_of() -> None:
    container = BUNDLE.schema("ContainerResource")
    assert len(container["required"]) == len(set(container["required"]))
    chat = BUNDLE.schema("CreateChatCompletionRequest")
    assert "allOf" not in chat
    assert {"model", "messages"} <= set(chat["required"])
    assert "temperature" in chat["properties"]  # from the CreateModelResponseProperties branch


def test_recursive_filters_validate_and_terminate(checker: SchemaChecker) -> None:
    leaf = {"type": "eq", "key": "a", "value": 1}
    nested: dict[str, Any] = {"type": "and", "filters": [leaf]}
    for _ in range(20):
        nested = {"type": "or", "filters": [nested, leaf]}
    assert checker.is_valid(nested, {"$ref": "#/$defs/CompoundFilter"})
    assert not checker.is_valid(
        {"type": "and", "filters": [{"type": 3}]}, {"$ref": "#/$defs/CompoundFilter"}
    )


def test_every_schema_compiles_in_both_profiles(checker: SchemaChecker, figure: Any) -> None:
    objects = 0
    for name, schema in BUNDLE.schemas.items():
        for profile in ("strict", "lenient"):
            validator = checker.validator({"$ref": f"#/$defs/{name}"}, profile)
            # Compiled and usable: an object schema refuses null in both profiles (the lenient
            # one tolerates null only for fields, never for the whole object).
            if schema.get("type") == "object":
                assert validator.is_valid(None) is False, (name, profile)
                objects += 1
    assert objects > 500
    inline = 0
    for op in BUNDLE.operations:
        schemas = [p.schema for p in op.params]
        schemas += list(op.body.schemas.values()) if op.body else []
        schemas += [s for content in op.responses.values() for s in content.values()]
        for schema in schemas:
            checker.validator(schema, "strict")
            inline += 1
    figure(
        f"{len(BUNDLE.schemas)} component schemas (both profiles) and {inline} operation schemas "
        f"compile; {objects // 2} object schemas refuse null in both profiles"
    )


def test_waivers_are_applied_with_their_sources(checker: SchemaChecker) -> None:
    waivers = [o for o in BUNDLE.overrides if o["kind"] == "waiver"]
    assert waivers and all(o["reason"] for o in waivers)
    prop = BUNDLE.schema("CreateChatCompletionResponse")["properties"]["system_fingerprint"]
    assert checker.is_valid(None, prop)


# -- the spec's own examples ------------------------------------------------------------------


def test_json_response_examples_validate_in_the_lenient_profile(
    checker: SchemaChecker, figure: Any
) -> None:
    total = strict_ok = 0
    failures = []
    deviations: collections.Counter[str] = collections.Counter()
    for example in response_examples():
        if example.is_sse:
            continue
        try:
            instance = example.json(tolerate_trailing_commas=True)
        except json.JSONDecodeError:
            continue
        schema = BUNDLE.operation(example.operation_id).success_schema
        if schema is None:
            continue
        total += 1
        report = checker.check(instance, schema, "lenient")
        if not report.ok:
            failures.append(f"{example.operation_id} {example.title}: {report.summary(2)}")
        deviations.update(p.kind or "other" for p in report.deviations)
        strict_ok += checker.is_valid(instance, schema)
    figure(f"lenient: {total - len(failures)} of {total} JSON response examples valid")
    figure(f"strict: {strict_ok} of {total} JSON response examples valid")
    figure(f"deviations tolerated by the lenient profile: {dict(sorted(deviations.items()))}")
    assert total >= 260
    assert not failures, "\n".join(failures)
    assert strict_ok < total  # the spec's examples do break its own schemas: lenient is needed


def test_sse_transcripts_validate_against_the_event_schema(
    checker: SchemaChecker, figure: Any
) -> None:
    transcripts = [e for e in response_examples() if e.is_sse]
    assert len(transcripts) == 10
    checked = 0
    malformed = []
    for example in transcripts:
        op = BUNDLE.operation(example.operation_id)
        assert op.streaming is not None, op.id
        for event in decode_sse([example.text.encode()]):
            if event.is_done or event.event == "done":
                continue
            if not event.data:
                # One transcript writes a JSON line without its `data:` field name.
                malformed.append(f"{op.id} {event.event}")
                continue
            data, end = json.JSONDecoder().raw_decode(event.data)
            if event.data[end:].strip():
                # The assistants transcripts close each run object with one brace too many.
                malformed.append(f"{op.id} {event.event}: trailing {event.data[end:].strip()!r}")
            if op.streaming.kind == "assistants":
                data = {"event": event.event, "data": data}
            elif event.event is not None:
                assert data["type"] == event.event
            report = checker.check(data, op.streaming.event_schema, "lenient")
            assert report.ok, f"{op.id} {event.event}: {report.summary()}"
            checked += 1
    figure(f"{checked} events from {len(transcripts)} SSE transcripts validate")
    figure(
        f"defects in the spec's own transcripts: {len(malformed)} ({'; '.join(malformed[:3])} ...)"
    )
    assert checked >= 60


# -- real payloads: zero false positives in the strict profile --------------------------------

REAL_CHAT_COMPLETION = {
    "id": "chatcmpl-AbC123",
    "object": "chat.completion",
    "created": 1741569952,
    "model": "gpt-4o-mini-2024-07-18",
    "choices": [
        {
            "index": 0,
            "message": {
                "role": "assistant",
                "content": "Hello! How can I help?",
                "refusal": None,
                "annotations": [],
            },
            "logprobs": None,
            "finish_reason": "stop",
        }
    ],
    "usage": {
        "prompt_tokens": 19,
        "completion_tokens": 10,
        "total_tokens": 29,
        "prompt_tokens_details": {"cached_tokens": 0, "audio_tokens": 0},
        "completion_tokens_details": {
            "reasoning_tokens": 0,
            "audio_tokens": 0,
            "accepted_prediction_tokens": 0,
            "rejected_prediction_tokens": 0,
        },
    },
    "service_tier": "default",
    "system_fingerprint": None,
}

_CHUNK = {"id": "chatcmpl-AbC123", "object": "chat.completion.chunk", "created": 1741569952}
REAL_CHUNKS = [
    {
        **_CHUNK,
        "model": "gpt-4o-mini",
        "system_fingerprint": None,
        "choices": [
            {
                "index": 0,
                "delta": {"role": "assistant", "content": "", "refusal": None},
                "logprobs": None,
                "finish_reason": None,
            }
        ],
        "usage": None,
    },
    {
        **_CHUNK,
        "model": "gpt-4o-mini",
        "system_fingerprint": None,
        "choices": [
            {"index": 0, "delta": {"content": "Hi"}, "logprobs": None, "finish_reason": None}
        ],
        "usage": None,
    },
    {
        **_CHUNK,
        "model": "gpt-4o-mini",
        "system_fingerprint": None,
        "choices": [{"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}],
        "usage": None,
    },
    {
        **_CHUNK,
        "model": "gpt-4o-mini",
        "system_fingerprint": None,
        "choices": [],
        "usage": {"prompt_tokens": 9, "completion_tokens": 1, "total_tokens": 10},
    },
]


def test_a_real_chat_completion_is_strictly_valid(checker: SchemaChecker) -> None:
    schema = BUNDLE.operation("createChatCompletion").success_schema
    assert schema is not None
    report = checker.check(REAL_CHAT_COMPLETION, schema)
    assert report.ok, report.summary()


def test_a_real_chunk_sequence_is_strictly_valid(checker: SchemaChecker) -> None:
    streaming = BUNDLE.operation("createChatCompletion").streaming
    assert streaming is not None
    for chunk in REAL_CHUNKS:
        report = checker.check(chunk, streaming.event_schema)
        assert report.ok, report.summary()


def test_strict_rejects_and_lenient_names_each_deviation(checker: SchemaChecker) -> None:
    schema = BUNDLE.operation("createChatCompletion").success_schema
    assert schema is not None
    broken = json.loads(json.dumps(REAL_CHAT_COMPLETION))
    del broken["created"]
    broken["choices"][0]["finish_reason"] = "eos"
    broken["object"] = None
    broken["x_provider_field"] = 1
    strict = checker.check(broken, schema, "strict")
    assert not strict.ok
    lenient = checker.check(broken, schema, "lenient")
    assert lenient.ok, lenient.summary()
    kinds = {(p.kind, p.path) for p in lenient.deviations}
    assert ("missing-required", "") in kinds
    assert ("unknown-enum-value", "/choices/0/finish_reason") in kinds
    broken["choices"] = "not a list"
    assert not checker.check(broken, schema, "lenient").ok


def test_the_pinned_spec_is_the_one_the_bundle_was_made_from() -> None:
    import hashlib

    assert BUNDLE.source["sha256"] == hashlib.sha256(SPEC_PATH.read_bytes()).hexdigest()


def test_object_name_hints_come_with_their_reasons() -> None:
    assert BUNDLE.object_names["ContainerResource"] == "container"
    hinted = {o["target"] for o in BUNDLE.overrides if o["kind"] == "object_name"}
    assert hinted == set(BUNDLE.object_names)
    assert all("object" in BUNDLE.schema(name)["properties"] for name in hinted)
