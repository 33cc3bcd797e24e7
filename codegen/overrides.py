"""Corrections and missing hints for OpenAI's OpenAPI document.

The spec file is never edited. Everything the generator needs that the spec gets wrong or does
not say lives here, one entry per fact, each with the reason it exists.
"""

from __future__ import annotations

from typing import Any

# operationId -> friendly snake_case name, where mechanical splitting cannot find the words.
NAMES: dict[str, tuple[str, str]] = {
    "submitToolOuputsToRun": ("submit_tool_outputs_to_run", "the operationId misspells 'Outputs'"),
    "Getinputtokencounts": ("get_input_token_counts", "operationId written without word breaks"),
    "beta_Getinputtokencounts": ("beta_get_input_token_counts", "no word breaks in the id"),
    "Compactconversation": ("compact_conversation", "operationId written without word breaks"),
    "beta_Compactconversation": ("beta_compact_conversation", "no word breaks in the id"),
    "Getorganizationspendlimit": ("get_organization_spend_limit", "no word breaks in the id"),
    "Updateorganizationspendlimit": ("update_organization_spend_limit", "no word breaks"),
    "Deleteorganizationspendlimit": ("delete_organization_spend_limit", "no word breaks"),
    "Getprojectspendlimit": ("get_project_spend_limit", "operationId written without word breaks"),
    "Updateprojectspendlimit": ("update_project_spend_limit", "no word breaks in the id"),
    "Deleteprojectspendlimit": ("delete_project_spend_limit", "no word breaks in the id"),
    "CreateanAPIkeyforaserviceaccount": (
        "create_service_account_api_key",
        "operationId is a sentence without word breaks",
    ),
    "Createcontentprovenancecheck": ("create_content_provenance_check", "no word breaks"),
}

# operationId -> streaming kind, for operations that stream without declaring
# text/event-stream (or declare it without a `stream` switch the generator can see).
STREAMING: dict[str, tuple[str, str, str]] = {
    # op id: (kind, event schema, reason)
    "createCompletion": (
        "chat",
        "CreateCompletionResponse",
        "legacy completions stream `data:` chunks shaped like the response, ending in [DONE]",
    ),
    "createRun": (
        "assistants",
        "AssistantStreamEvent",
        "runs stream `event: thread.*` events when stream=true; the spec declares only JSON",
    ),
    "createThreadAndRun": (
        "assistants",
        "AssistantStreamEvent",
        "like createRun: streams thread.* events when stream=true",
    ),
    "submitToolOuputsToRun": (
        "assistants",
        "AssistantStreamEvent",
        "like createRun: streams thread.* events when stream=true",
    ),
    "getResponse": (
        "responses",
        "ResponseStreamEvent",
        "retrieving a background response with ?stream=true replays its event stream",
    ),
    "beta_getResponse": (
        "responses",
        "ResponseStreamEvent",
        "beta twin of getResponse: ?stream=true replays the event stream",
    ),
}

# The `object` value OpenAI sends for schemas whose spec leaves `object` a free string. Kept as a
# hint in the bundle (validation still accepts any string): the fake writes these values.
OBJECT_NAMES: dict[str, tuple[str, str]] = {
    "ContainerFileResource": (
        "container.file",
        "the spec leaves object a free string; OpenAI sends 'container.file'",
    ),
    "ContainerResource": (
        "container",
        "the spec leaves object a free string; OpenAI sends 'container'",
    ),
    "DeleteModelResponse": ("model", "the spec leaves object a free string; OpenAI sends 'model'"),
    "DeletedRoleAssignmentResource": (
        "group.role.deleted",
        "the spec leaves object a free string; OpenAI sends 'group.role.deleted'",
    ),
    "ListAssistantsResponse": ("list", "the spec leaves object a free string; OpenAI sends 'list'"),
    "ListFilesResponse": ("list", "the spec leaves object a free string; OpenAI sends 'list'"),
    "ListMessagesResponse": ("list", "the spec leaves object a free string; OpenAI sends 'list'"),
    "ListRunStepsResponse": ("list", "the spec leaves object a free string; OpenAI sends 'list'"),
    "ListRunsResponse": ("list", "the spec leaves object a free string; OpenAI sends 'list'"),
    "ListVectorStoreFilesResponse": (
        "list",
        "the spec leaves object a free string; OpenAI sends 'list'",
    ),
    "ListVectorStoresResponse": (
        "list",
        "the spec leaves object a free string; OpenAI sends 'list'",
    ),
    "ProjectUserListResponse": (
        "list",
        "the spec leaves object a free string; OpenAI sends 'list'",
    ),
    "RealtimeSessionCreateResponse": (
        "realtime.session",
        "the spec leaves object a free string; OpenAI sends 'realtime.session'",
    ),
    "RealtimeTranscriptionSessionCreateResponseGA": (
        "realtime.transcription_session",
        "the spec leaves object a free string; OpenAI sends 'realtime.transcription_session'",
    ),
}

# Operations whose body is raw bytes although the spec says JSON or says nothing.
BINARY: dict[str, tuple[str, str]] = {
    "downloadFile": (
        "application/octet-stream",
        "file content is the uploaded bytes; the spec labels it a JSON string",
    ),
    "RetrieveContainerFileContent": (
        "application/octet-stream",
        "container file content is raw bytes; the spec declares no content at all",
    ),
}

# (model class, property) -> function in oai_mock.client._derived that computes the value when
# the JSON lacks it. The spec marks these properties "SDK-only convenience" (x-oaiSupportedSDKs):
# the server never sends them, the official SDKs compute them.
DERIVED_FIELDS: dict[tuple[str, str], tuple[str, str]] = {
    ("Response", "output_text"): (
        "output_text",
        "SDK-only: the text of every output_text part in output, joined",
    ),
    ("BetaResponse", "output_text"): (
        "output_text",
        "SDK-only: the text of every output_text part in output, joined",
    ),
}

# operationId -> pagination kind, where the shape of the list does not reveal it.
PAGINATION: dict[str, tuple[str, str]] = {
    "listModels": (
        "single",
        "the models come in one answer with no cursor; still a list to iterate, as the SDKs do",
    ),
}

# Places where OpenAI's real responses differ from its spec. Each is applied to the normalized
# schema, so both validation profiles accept what OpenAI itself sends.
# (schema name, JSON path of property names inside it, change, source). A change is
# "nullable" (null is also accepted), "also:<json type>" (that type is also accepted) or
# "enum+:<value>" (one more enum value).
# In a path, "[]" steps into an array's items.
WAIVERS: list[tuple[str, tuple[str, ...], str, str]] = [
    (
        "CreateChatCompletionResponse",
        ("system_fingerprint",),
        "nullable",
        "OpenAI sends system_fingerprint: null for many models (openai-python types it Optional)",
    ),
    (
        "CreateChatCompletionStreamResponse",
        ("system_fingerprint",),
        "nullable",
        "stream chunks carry system_fingerprint: null (openai-python types it Optional)",
    ),
    (
        "CreateChatCompletionStreamResponse",
        ("usage",),
        "nullable",
        "every chunk before the usage chunk carries usage: null when include_usage is on",
    ),
    (
        "CreateCompletionResponse",
        ("system_fingerprint",),
        "nullable",
        "legacy completions send system_fingerprint: null (openai-python types it Optional)",
    ),
    (
        "CreateCompletionResponse",
        ("choices", "[]", "finish_reason"),
        "nullable",
        "legacy completion stream chunks carry finish_reason: null until the last one",
    ),
    (
        "FineTuningJob",
        ("status",),
        "enum+:paused",
        "pauseFineTuningJob answers a job in the 'paused' state, which the status enum omits",
    ),
    (
        "Embedding",
        ("embedding",),
        "also:string",
        "with encoding_format: base64 OpenAI answers each vector as a base64 string",
    ),
    (
        "OpenAIFile",
        ("status_details",),
        "nullable",
        "OpenAI sends status_details: null for every processed file (the field is deprecated)",
    ),
    (
        "VectorStoreSearchResultsPage",
        ("search_query",),
        "also:string",
        "the spec's own searchVectorStore example answers search_query as one string",
    ),
    (
        "RunGraderResponse",
        ("metadata", "token_usage"),
        "also:object",
        "the spec's own runGrader example answers token_usage as an object of token counts",
    ),
]

# A batch reports its not-yet-reached timestamps, files and errors as null.
WAIVERS.extend(
    (
        "Batch",
        (field,),
        "nullable",
        "OpenAI sends null until the batch reaches that point "
        "(openai-python types the field Optional)",
    )
    for field in (
        "errors",
        "output_file_id",
        "error_file_id",
        "in_progress_at",
        "finalizing_at",
        "completed_at",
        "failed_at",
        "expired_at",
        "cancelling_at",
        "cancelled_at",
    )
)

# List pages: every schema with `data`, `first_id` and `last_id` gets nullable cursors.
EMPTY_PAGE_CURSORS_REASON = (
    "OpenAI answers an empty list page with first_id and last_id null "
    "(openai-python types both Optional)"
)

# Schemas whose `required` list names a property twice.
DEDUPLICATE_REQUIRED_REASON = "ContainerResource lists its required properties twice"


def reason_table() -> list[dict[str, Any]]:
    """Every override with its reason, for the bundle's provenance section."""
    rows: list[dict[str, Any]] = []
    for op, (name, why) in sorted(NAMES.items()):
        rows.append({"kind": "name", "target": op, "value": name, "reason": why})
    for op, (kind, schema, why) in sorted(STREAMING.items()):
        rows.append({"kind": "streaming", "target": op, "value": f"{kind}:{schema}", "reason": why})
    for schema, (value, why) in sorted(OBJECT_NAMES.items()):
        rows.append({"kind": "object_name", "target": schema, "value": value, "reason": why})
    for op, (media, why) in sorted(BINARY.items()):
        rows.append({"kind": "binary", "target": op, "value": media, "reason": why})
    for op, (kind, why) in sorted(PAGINATION.items()):
        rows.append({"kind": "pagination", "target": op, "value": kind, "reason": why})
    rows.append(
        {
            "kind": "waiver",
            "target": "every list page.first_id/last_id",
            "value": "nullable",
            "reason": EMPTY_PAGE_CURSORS_REASON,
        }
    )
    for schema, path, change, why in WAIVERS:
        rows.append(
            {
                "kind": "waiver",
                "target": f"{schema}.{'.'.join(path)}",
                "value": change,
                "reason": why,
            }
        )
    return rows
