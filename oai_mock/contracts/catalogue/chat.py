"""Chat completions: every answer checked whole, every check drawing its requests from the
chat strategy (messages of every role and content kind, tools, tool_choice forms,
response_format, stop, n, logprobs, seed, token limits), with the fields its point needs
fixed."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from oai_mock.contracts import strategies
from oai_mock.contracts.core import check, expect
from oai_mock.contracts.probe import Exchange, Probe
from oai_mock.contracts.properties import (
    LONG_REPLY_WANTED,
    PLAIN,
    chat_answer,
    chat_strategy,
    expect_valid,
    first_choice,
    message_text,
    parsed_json,
    prop,
)

JSON = dict[str, Any]
CHAT = "OpenAI API reference, Create chat completion (POST /chat/completions)"
CHAT_OBJECT = "OpenAI API reference, The chat completion object"


def _whole(probe: Probe, examples: int, **fixed: Any) -> None:
    prop(probe, examples, chat_strategy(probe, **fixed), lambda body: chat_answer(probe, body))


@check(
    "chat.schema",
    "any documented request gets an answer valid against the response schema",
    source=CHAT_OBJECT,
)
def _(probe: Probe, examples: int) -> None:
    _whole(probe, examples)


@check(
    "chat.content-parts",
    "user content parts of every kind (text, image_url, input_audio, file) are accepted",
    "extension",
    CHAT,
)
def _(probe: Probe, examples: int) -> None:
    parts = st.lists(
        st.sampled_from(["text", "image_url", "input_audio", "file"]),
        min_size=1,
        max_size=4,
        unique=True,
    ).map(lambda kinds: [_part(kind) for kind in kinds])
    _whole(
        probe,
        examples,
        messages=parts.map(lambda content: [{"role": "user", "content": content}]),
        **PLAIN,
    )


def _part(kind: str) -> JSON:
    if kind == "text":
        return {"type": "text", "text": "Describe this."}
    if kind == "image_url":
        return {"type": "image_url", "image_url": {"url": strategies.PNG_DATA_URL}}
    if kind == "input_audio":
        return {
            "type": "input_audio",
            "input_audio": {"data": strategies.WAV_BASE64, "format": "wav"},
        }
    return strategies._file_part("The sky is blue.")


@check(
    "chat.roles",
    "conversations with system, developer, assistant and tool messages are accepted",
    source=CHAT,
)
def _(probe: Probe, examples: int) -> None:
    _whole(probe, examples, **PLAIN)


@check(
    "chat.fields",
    "id, object 'chat.completion', created (seconds) and model are present",
    source=CHAT_OBJECT,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, value = chat_answer(probe, body)
        expect(
            isinstance(value.get("id"), str) and value["id"] != "",
            "id is missing or empty",
            exchange,
        )
        expect(
            value.get("object") == "chat.completion", f"object is {value.get('object')!r}", exchange
        )
        expect(
            isinstance(value.get("created"), int), f"created is {value.get('created')!r}", exchange
        )
        expect(
            isinstance(value.get("model"), str) and value["model"] != "",
            "model is missing",
            exchange,
        )

    prop(probe, examples, chat_strategy(probe), test)


@check("chat.assistant-role", "every choice's message has role 'assistant'", source=CHAT_OBJECT)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, value = chat_answer(probe, body)
        roles = [(c.get("message") or {}).get("role") for c in value.get("choices") or []]
        expect(all(r == "assistant" for r in roles), f"message roles {roles}", exchange)

    prop(probe, examples, chat_strategy(probe), test)


@check("chat.content-type", "answers are application/json", source=CHAT)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, _ = chat_answer(probe, body)
        expect(
            exchange.media_type == "application/json",
            f"content-type {exchange.media_type!r}",
            exchange,
        )

    prop(probe, examples, chat_strategy(probe), test)


@check(
    "chat.request-id",
    "answers carry an x-request-id header",
    "recommended",
    "OpenAI API reference, Debugging requests (x-request-id)",
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, _ = chat_answer(probe, body)
        expect(
            bool(exchange.response_headers.get("x-request-id")), "no x-request-id header", exchange
        )

    prop(probe, examples, chat_strategy(probe), test)


@check("chat.n", "n choices come back, indexed 0..n-1 in order", source=CHAT)
def _(probe: Probe, examples: int) -> None:
    _whole(probe, examples, n=st.integers(2, 3), max_tokens=8, max_completion_tokens=None)


@check(
    "chat.finish-reason",
    "finish_reason is 'length' when max_tokens cuts the reply",
    source=CHAT_OBJECT,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, value = chat_answer(probe, body)
        reasons = [c.get("finish_reason") for c in value.get("choices") or []]
        expect(
            all(r == "length" for r in reasons),
            f"max_tokens=1 gave finish_reason {reasons}",
            exchange,
        )

    limit = st.sampled_from(
        [
            {"max_tokens": 1, "max_completion_tokens": None},
            {"max_completion_tokens": 1, "max_tokens": None},
        ]
    )
    strategy = chat_strategy(probe, messages=LONG_REPLY_WANTED, stop=None, **PLAIN).flatmap(
        lambda body: limit.map(
            lambda chosen: {k: v for k, v in {**body, **chosen}.items() if v is not None}
        )
    )
    prop(probe, examples, strategy, test)


@check("chat.max-tokens", "max_tokens bounds usage.completion_tokens", source=CHAT)
def _(probe: Probe, examples: int) -> None:
    _whole(
        probe,
        examples,
        messages=LONG_REPLY_WANTED,
        max_tokens=st.integers(1, 5),
        max_completion_tokens=None,
        **PLAIN,
    )


@check(
    "chat.max-completion-tokens",
    "max_completion_tokens bounds usage.completion_tokens",
    source=CHAT,
)
def _(probe: Probe, examples: int) -> None:
    _whole(
        probe,
        examples,
        messages=LONG_REPLY_WANTED,
        max_completion_tokens=st.integers(1, 5),
        max_tokens=None,
        **PLAIN,
    )


@check(
    "chat.usage",
    "usage adds up: total = prompt + completion, details within their totals",
    source=CHAT_OBJECT,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, value = chat_answer(probe, body)
        usage = value.get("usage")
        expect(
            isinstance(usage, dict) and isinstance(usage.get("total_tokens"), int),
            f"no usage.total_tokens: {usage!r}",
            exchange,
        )

    prop(probe, examples, chat_strategy(probe), test)


def _stop_test(probe: Probe, body: JSON, as_list: bool) -> None:
    _, first = chat_answer(probe, body)
    words = message_text(first).split()
    if len(words) < 3:
        return  # too short a reply to cut: nothing to learn from this example
    stop = words[2]
    exchange, value = chat_answer(probe, {**body, "stop": [stop] if as_list else stop})
    text = message_text(value)
    expect(
        stop not in text,
        f"the reply still contains the stop sequence {stop!r}: {text[:120]!r}",
        exchange,
    )


def _seeded(probe: Probe) -> st.SearchStrategy[JSON]:
    return chat_strategy(
        probe,
        seed=st.integers(0, 1000),
        temperature=0,
        n=1,
        stop=None,
        max_tokens=32,
        max_completion_tokens=None,
        logprobs=None,
        top_logprobs=None,
        **PLAIN,
    )


@check("chat.stop", "a stop string ends the reply before it", source=CHAT)
def _(probe: Probe, examples: int) -> None:
    prop(probe, examples, _seeded(probe), lambda body: _stop_test(probe, body, as_list=False))


@check("chat.stop-list", "a list of stop sequences ends the reply before them", source=CHAT)
def _(probe: Probe, examples: int) -> None:
    prop(probe, examples, _seeded(probe), lambda body: _stop_test(probe, body, as_list=True))


@check("chat.seed", "the same seed and temperature 0 give the same answer", "recommended", CHAT)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        _, first = chat_answer(probe, body)
        exchange, second = chat_answer(probe, body)
        expect(
            message_text(first) == message_text(second),
            "two seeded requests answered differently",
            exchange,
        )

    prop(probe, examples, _seeded(probe), test)


def tool_calls(value: JSON) -> list[JSON]:
    calls = (first_choice(value).get("message") or {}).get("tool_calls") or []
    return [c for c in calls if isinstance(c, dict)]


def arguments_of(call: JSON, exchange: Exchange) -> Any:
    arguments = (call.get("function") or {}).get("arguments")
    expect(
        isinstance(arguments, str),
        f"arguments is a {type(arguments).__name__}, not a JSON string",
        exchange,
    )
    return parsed_json(str(arguments), exchange, "the arguments")


def valid_calls(value: JSON, tools: list[JSON], exchange: Exchange) -> list[JSON]:
    """The tool calls of the first choice, each naming a tool of the request with arguments
    valid against that tool's parameters."""
    schemas = {t["function"]["name"]: t["function"].get("parameters") or {} for t in tools}
    calls = tool_calls(value)
    for call in calls:
        name = (call.get("function") or {}).get("name")
        expect(name in schemas, f"a call of {name!r}, which the request did not offer", exchange)
        expect(
            call.get("type") == "function", f"a tool call of type {call.get('type')!r}", exchange
        )
        parsed = arguments_of(call, exchange)
        expect_valid(parsed, schemas[name], exchange, f"the arguments of {name}")
    ids = [c.get("id") for c in calls]
    expect(
        len(set(ids)) == len(ids) and all(isinstance(i, str) and i for i in ids),
        f"tool call ids {ids}",
        exchange,
    )
    return calls


def _forced(probe: Probe, examples: int, choice: Any) -> None:
    def test(body: JSON) -> None:
        exchange, value = chat_answer(probe, body)
        for number, choice_value in enumerate(value.get("choices") or []):
            calls = valid_calls({"choices": [choice_value]}, body["tools"], exchange)
            expect(
                bool(calls), f"choice {number} made no tool call although one was forced", exchange
            )
            reason = choice_value.get("finish_reason")
            expect(
                reason == "tool_calls",
                f"finish_reason {reason!r} after a forced tool call",
                exchange,
            )

    tools = strategies.lookup_tools()
    strategy = chat_strategy(
        probe,
        tools=tools,
        tool_choice=choice,
        response_format=None,
        stop=None,
        max_tokens=300,
        max_completion_tokens=None,
    )
    prop(probe, examples, strategy, test)


@check(
    "chat.tool-named",
    "a named tool_choice yields that call, with arguments valid against its schema",
    source=CHAT,
)
def _(probe: Probe, examples: int) -> None:
    _forced(probe, examples, {"type": "function", "function": {"name": "lookup"}})


@check(
    "chat.tool-required",
    "tool_choice 'required' yields a tool call with valid arguments",
    source=CHAT,
)
def _(probe: Probe, examples: int) -> None:
    _forced(probe, examples, "required")


@check(
    "chat.tool-allowed",
    "tool_choice allowed_tools (mode required) calls an allowed tool",
    "extension",
    CHAT,
)
def _(probe: Probe, examples: int) -> None:
    _forced(
        probe,
        examples,
        {
            "type": "allowed_tools",
            "allowed_tools": {
                "mode": "required",
                "tools": [{"type": "function", "function": {"name": "lookup"}}],
            },
        },
    )


@check("chat.tool-none", "tool_choice 'none' yields text, no tool call", source=CHAT)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, value = chat_answer(probe, body)
        expect(not tool_calls(value), "a tool call although tool_choice was 'none'", exchange)

    prop(
        probe,
        examples,
        chat_strategy(probe, tools=_TOOLS, tool_choice="none", response_format=None),
        test,
    )


_TOOLS = strategies.PARAMETERS.map(strategies.lookup_tool)


@check(
    "chat.tool-auto",
    "with tool_choice 'auto' any call names an offered tool, with valid arguments",
    source=CHAT,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, value = chat_answer(probe, body)
        valid_calls(value, body["tools"], exchange)

    prop(
        probe,
        examples,
        chat_strategy(probe, tools=_TOOLS, tool_choice="auto", response_format=None),
        test,
    )


@check(
    "chat.tool-finish",
    "finish_reason is 'tool_calls' exactly when the message calls tools",
    "recommended",
    CHAT_OBJECT,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, value = chat_answer(probe, body)
        for choice in value.get("choices") or []:
            called = bool((choice.get("message") or {}).get("tool_calls"))
            reason = choice.get("finish_reason")
            if reason in ("tool_calls", "stop"):
                expect(
                    called == (reason == "tool_calls"),
                    f"finish_reason {reason!r} with tool calls: {called}",
                    exchange,
                )

    prop(
        probe,
        examples,
        chat_strategy(
            probe,
            tools=_TOOLS,
            tool_choice=st.sampled_from(["auto", "required"]),
            response_format=None,
            stop=None,
            max_tokens=200,
            max_completion_tokens=None,
        ),
        test,
    )


@check(
    "chat.parallel-tool-calls",
    "parallel_tool_calls false yields at most one call",
    "recommended",
    CHAT,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, value = chat_answer(probe, body)
        expect(
            len(tool_calls(value)) <= 1,
            f"{len(tool_calls(value))} calls with parallel_tool_calls false",
            exchange,
        )

    tools = st.just(
        [
            {
                "type": "function",
                "function": {"name": n, "parameters": {"type": "object", "properties": {}}},
            }
            for n in ("lookup", "search")
        ]
    )
    prop(
        probe,
        examples,
        chat_strategy(
            probe,
            tools=tools,
            tool_choice="required",
            parallel_tool_calls=False,
            response_format=None,
            max_tokens=200,
            max_completion_tokens=None,
        ),
        test,
    )


@check("chat.json-object", "response_format json_object answers a JSON object", source=CHAT)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, value = chat_answer(probe, body)
        for choice in value.get("choices") or []:
            if choice.get("finish_reason") == "length":
                continue  # cut short: not expected to parse
            content = str((choice.get("message") or {}).get("content") or "")
            parsed = parsed_json(content, exchange, "the content")
            expect(isinstance(parsed, dict), "the content is JSON but not an object", exchange)

    strategy = chat_strategy(
        probe,
        response_format={"type": "json_object"},
        tools=None,
        tool_choice=None,
        max_tokens=300,
        max_completion_tokens=None,
    )
    prop(probe, examples, strategy.map(_say_json), test)


def _say_json(body: JSON) -> JSON:
    return {
        **body,
        "messages": [{"role": "system", "content": "Answer in JSON."}, *body["messages"]],
    }


@check(
    "chat.json-schema",
    "response_format json_schema answers JSON valid against the schema",
    source=CHAT,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, value = chat_answer(probe, body)
        schema = body["response_format"]["json_schema"]["schema"]
        for choice in value.get("choices") or []:
            if choice.get("finish_reason") == "length":
                continue
            content = str((choice.get("message") or {}).get("content") or "")
            parsed = parsed_json(content, exchange, "the content")
            expect_valid(parsed, schema, exchange, "the answer")

    formats = strategies.json_schema_formats()
    prop(
        probe,
        examples,
        chat_strategy(
            probe,
            response_format=formats,
            tools=None,
            tool_choice=None,
            max_tokens=400,
            max_completion_tokens=None,
        ),
        test,
    )


@check(
    "chat.logprobs",
    "logprobs: top_logprobs counted, values <= 0, tokens concatenate to the content",
    source=CHAT_OBJECT,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, value = chat_answer(probe, body)
        for choice in value.get("choices") or []:
            content = str((choice.get("message") or {}).get("content") or "")
            entries: Any = (choice.get("logprobs") or {}).get("content")
            expect(
                isinstance(entries, list),
                "no logprobs.content although logprobs was asked for",
                exchange,
            )
            expect(all(e.get("logprob", 1) <= 0 for e in entries), "a logprob above 0", exchange)
            wanted = body["top_logprobs"]
            counts = {len(e.get("top_logprobs") or []) for e in entries}
            expect(
                counts <= {wanted},
                f"top_logprobs hold {sorted(counts)} entries, not {wanted}",
                exchange,
            )
            expect(
                "".join(e.get("token", "") for e in entries) == content,
                "the tokens do not concatenate to the content",
                exchange,
            )

    prop(
        probe,
        examples,
        chat_strategy(probe, logprobs=True, top_logprobs=st.integers(0, 3), **PLAIN),
        test,
    )


@check(
    "chat.no-logprobs-unasked",
    "without logprobs, choices carry logprobs null",
    "recommended",
    CHAT_OBJECT,
)
def _(probe: Probe, examples: int) -> None:
    def test(body: JSON) -> None:
        exchange, value = chat_answer(probe, body)
        found = [c.get("logprobs") for c in value.get("choices") or [] if c.get("logprobs")]
        expect(not found, "logprobs although they were not asked for", exchange)

    prop(probe, examples, chat_strategy(probe, logprobs=None, top_logprobs=None), test)


@check(
    "chat.timestamps", "created is a Unix time in seconds, not in the future", source=CHAT_OBJECT
)
def _(probe: Probe, examples: int) -> None:
    _whole(probe, examples)
