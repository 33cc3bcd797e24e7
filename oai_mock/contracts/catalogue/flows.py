"""Stateful flows: files, vector stores, threads, assistants runs, chained responses and
batches. Each flow deletes what it created and then proves it by listing; whatever could not
be deleted fails the check, named."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import orjson
from hypothesis import strategies as st

from oai_mock.contracts import strategies
from oai_mock.contracts.answers import answer
from oai_mock.contracts.core import CheckFailed, check, error_envelope, expect, ok_json
from oai_mock.contracts.probe import Exchange, Probe
from oai_mock.contracts.properties import prop

JSON = dict[str, Any]
BETA = {"OpenAI-Beta": "assistants=v2"}
FILES = "OpenAI API reference, Files (POST/GET/DELETE /files)"
ASSISTANTS = "OpenAI API reference, Assistants, threads and runs (beta)"
VECTOR_STORES = "OpenAI API reference, Vector stores"
BATCH = "OpenAI API reference, Batch"


@dataclass
class Created:
    """What a flow created: deleted in reverse order, then looked for in its list."""

    probe: Probe
    objects: list[tuple[str, str, str | None, dict[str, str]]] = field(default_factory=list)
    """(id, delete path, list path or None, headers)"""

    def add(
        self,
        object_id: str,
        delete: str,
        listed: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> str:
        self.objects.append((object_id, delete, listed, headers or {}))
        return object_id

    def clean(self) -> list[str]:
        """Delete everything; what is left behind, each with the reason."""
        left = []
        for object_id, delete, listed, headers in reversed(self.objects):
            exchange = self.probe.delete(delete, headers=headers)
            if exchange.error or not (200 <= exchange.status < 300 or exchange.status == 404):
                left.append(f"{object_id} (DELETE {delete}: {exchange.error or exchange.status})")
                continue
            if listed is not None:
                still = self._listed(listed, object_id, headers)
                if still:
                    left.append(f"{object_id} (still listed by GET {listed} after its delete)")
        return left

    def _listed(self, path: str, object_id: str, headers: dict[str, str]) -> bool:
        after: str | None = None
        for _ in range(20):  # bounded: a list that never ends is not walked forever
            query = "?limit=100" + (f"&after={after}" if after else "")
            exchange = self.probe.get(path + query, headers=headers)
            value = exchange.json if exchange.status == 200 else None
            if not isinstance(value, dict):
                return False
            ids = [item.get("id") for item in value.get("data") or [] if isinstance(item, dict)]
            if object_id in ids:
                return True
            if not value.get("has_more") or not ids:
                return False
            after = ids[-1]
        return False


@contextmanager
def cleaned(probe: Probe) -> Iterator[Created]:
    """Objects registered inside are deleted at the end; leftovers fail the check (unless
    the check already failed for another reason, which then stays the reported one)."""
    created = Created(probe)
    try:
        yield created
    except BaseException:
        created.clean()
        raise
    left = created.clean()
    expect(not left, "left behind: " + "; ".join(left), None)


def upload(
    probe: Probe, created: Created, name: str, data: bytes, purpose: str
) -> tuple[Exchange, JSON]:
    exchange = probe.upload(name, data, purpose)
    value = answer(probe, "createFile", exchange)
    expect(isinstance(value.get("id"), str), "the upload answered no id", exchange)
    created.add(value["id"], f"/files/{value['id']}", "/files")
    return exchange, value


def poll(
    probe: Probe,
    path: str,
    done: set[str],
    attempts: int = 30,
    headers: dict[str, str] | None = None,
) -> tuple[Exchange, JSON]:
    exchange = probe.get(path, headers=headers)
    value = ok_json(exchange)
    for _ in range(attempts):
        if value.get("status") in done:
            break
        exchange = probe.get(path, headers=headers)
        value = ok_json(exchange)
    return exchange, value


@check(
    "files.lifecycle",
    "upload -> retrieve -> content -> delete -> 404, the bytes kept exactly",
    "extension",
    FILES,
)
def _(probe: Probe, examples: int) -> None:
    def test(file: tuple[str, bytes]) -> None:
        name, data = file
        with cleaned(probe) as created:
            exchange, value = upload(probe, created, name, data, "assistants")
            expect(
                value.get("bytes") == len(data),
                f"bytes {value.get('bytes')!r} for {len(data)} bytes",
                exchange,
            )
            expect(value.get("filename") == name, f"filename {value.get('filename')!r}", exchange)
            retrieved = probe.get(f"/files/{value['id']}")
            expect(
                answer(probe, "retrieveFile", retrieved) == value,
                "retrieve answers another object than the upload",
                retrieved,
            )
            content = probe.get(f"/files/{value['id']}/content")
            expect(content.content == data, "the content differs from the bytes uploaded", content)
            deleted = answer(probe, "deleteFile", probe.delete(f"/files/{value['id']}"))
            expect(
                deleted.get("deleted") is True and deleted.get("id") == value["id"],
                f"the delete answered {deleted}",
                None,
            )
            error_envelope(probe.get(f"/files/{value['id']}"), 404)

    prop(probe, examples, strategies.upload_file(), test)


@check(
    "files.listed",
    "an uploaded file is listed with the same id, bytes and filename",
    "extension",
    FILES,
)
def _(probe: Probe, examples: int) -> None:
    def test(file: tuple[str, bytes]) -> None:
        name, data = file
        with cleaned(probe) as created:
            _, value = upload(probe, created, name, data, "assistants")
            exchange = probe.get("/files?limit=100")
            listed = answer(probe, "listFiles", exchange)
            found = [f for f in listed.get("data") or [] if f.get("id") == value["id"]]
            expect(bool(found), "the uploaded file is not listed", exchange)
            for key in ("bytes", "filename", "created_at", "purpose"):
                expect(
                    found[0].get(key) == value.get(key),
                    f"{key} differs between upload and list",
                    exchange,
                )

    prop(probe, examples, strategies.upload_file(), test)


@check(
    "flows.previous-response",
    "previous_response_id chains a second turn onto the first",
    "extension",
    "OpenAI API reference, Responses (previous_response_id)",
)
def _(probe: Probe, examples: int) -> None:
    def test(words: str) -> None:
        with cleaned(probe) as created:
            first = answer(
                probe,
                "createResponse",
                probe.post(
                    "/responses",
                    {
                        "model": probe.model,
                        "input": f"My name is {words}.",
                        "max_output_tokens": 32,
                    },
                ),
            )
            created.add(first["id"], f"/responses/{first['id']}")
            exchange = probe.post(
                "/responses",
                {
                    "model": probe.model,
                    "input": "What is my name?",
                    "previous_response_id": first["id"],
                    "max_output_tokens": 32,
                },
            )
            second = answer(probe, "createResponse", exchange)
            created.add(second["id"], f"/responses/{second['id']}")
            expect(
                second.get("previous_response_id") == first["id"],
                "previous_response_id is not echoed",
                exchange,
            )
            expect(
                (second.get("usage") or {}).get("input_tokens", 0)
                > (first.get("usage") or {}).get("input_tokens", 0),
                "the second turn's input does not include the first",
                exchange,
            )

    prop(probe, examples, strategies.TEXT, test)


@check(
    "flows.vector-store",
    "a file attached to a vector store reaches completed and is counted",
    "extension",
    VECTOR_STORES,
)
def _(probe: Probe, examples: int) -> None:
    with cleaned(probe) as created:
        _, file = upload(
            probe, created, "contract.txt", b"oai-mock contract vector store text", "assistants"
        )
        store = answer(
            probe,
            "createVectorStore",
            probe.post("/vector_stores", {"name": "oai-mock-contract"}, headers=BETA),
        )
        created.add(store["id"], f"/vector_stores/{store['id']}", "/vector_stores", BETA)
        probe.post(f"/vector_stores/{store['id']}/files", {"file_id": file["id"]}, headers=BETA)
        exchange, attached = poll(
            probe,
            f"/vector_stores/{store['id']}/files/{file['id']}",
            {"completed", "failed", "cancelled"},
            headers=BETA,
        )
        expect(
            attached.get("status") == "completed",
            f"the file is {attached.get('status')!r}",
            exchange,
        )
        counted = probe.get(f"/vector_stores/{store['id']}", headers=BETA)
        expect(
            (ok_json(counted).get("file_counts") or {}).get("completed") == 1,
            "file_counts.completed is not 1",
            counted,
        )


@check(
    "flows.threads",
    "a thread keeps its messages in order; deleted, it is gone",
    "extension",
    ASSISTANTS,
)
def _(probe: Probe, examples: int) -> None:
    def test(texts: list[str]) -> None:
        with cleaned(probe) as created:
            thread = answer(probe, "createThread", probe.post("/threads", {}, headers=BETA))
            created.add(thread["id"], f"/threads/{thread['id']}", None, BETA)
            for text in texts:
                answer(
                    probe,
                    "createMessage",
                    probe.post(
                        f"/threads/{thread['id']}/messages",
                        {"role": "user", "content": text},
                        headers=BETA,
                    ),
                )
            exchange = probe.get(f"/threads/{thread['id']}/messages?order=asc", headers=BETA)
            listed = answer(probe, "listMessages", exchange)
            got = [
                ((m.get("content") or [{}])[0].get("text") or {}).get("value")
                for m in listed.get("data") or []
            ]
            expect(got == texts, f"messages {got} for {texts}", exchange)
            answer(probe, "deleteThread", probe.delete(f"/threads/{thread['id']}", headers=BETA))
            error_envelope(probe.get(f"/threads/{thread['id']}", headers=BETA), 404)

    prop(probe, examples, st.lists(strategies.TEXT, min_size=1, max_size=3), test)


@check(
    "flows.assistants-run",
    "an assistants run with a function tool asks for it, takes the output and completes",
    "extension",
    ASSISTANTS,
)
def _(probe: Probe, examples: int) -> None:
    tool = {
        "type": "function",
        "function": {
            "name": "lookup",
            "parameters": {
                "type": "object",
                "properties": {"q": {"type": "string"}},
                "required": ["q"],
            },
        },
    }
    with cleaned(probe) as created:
        assistant = answer(
            probe,
            "createAssistant",
            probe.post("/assistants", {"model": probe.model, "tools": [tool]}, headers=BETA),
        )
        created.add(assistant["id"], f"/assistants/{assistant['id']}", "/assistants", BETA)
        thread = answer(
            probe,
            "createThread",
            probe.post(
                "/threads", {"messages": [{"role": "user", "content": "Look up x."}]}, headers=BETA
            ),
        )
        created.add(thread["id"], f"/threads/{thread['id']}", None, BETA)
        run = ok_json(
            probe.post(
                f"/threads/{thread['id']}/runs",
                {
                    "assistant_id": assistant["id"],
                    "tool_choice": {"type": "function", "function": {"name": "lookup"}},
                },
                headers=BETA,
            )
        )
        path = f"/threads/{thread['id']}/runs/{run['id']}"
        ends = {"completed", "failed", "cancelled", "expired", "incomplete"}
        exchange, run = poll(probe, path, {"requires_action", *ends}, headers=BETA)
        expect(
            run.get("status") == "requires_action",
            f"the run is {run.get('status')!r}, not requires_action",
            exchange,
        )
        calls = ((run.get("required_action") or {}).get("submit_tool_outputs") or {}).get(
            "tool_calls"
        ) or []
        expect(bool(calls), "requires_action without tool calls", exchange)
        outputs = [{"tool_call_id": c["id"], "output": "42"} for c in calls]
        probe.post(f"{path}/submit_tool_outputs", {"tool_outputs": outputs}, headers=BETA)
        exchange, run = poll(probe, path, ends, headers=BETA)
        expect(
            run.get("status") == "completed",
            f"after the outputs the run is {run.get('status')!r}",
            exchange,
        )


@check(
    "flows.batch",
    "a batch of chat lines completes with one output line per request",
    "extension",
    BATCH,
    expensive=True,
)
def _(probe: Probe, examples: int) -> None:
    line = {
        "method": "POST",
        "url": "/v1/chat/completions",
        "body": {
            "model": probe.model,
            "messages": [{"role": "user", "content": "hi"}],
            "max_tokens": 8,
        },
    }
    data = b"".join(orjson.dumps({**line, "custom_id": f"c{i}"}) + b"\n" for i in range(2))
    with cleaned(probe) as created:
        _, file = upload(probe, created, "contract.jsonl", data, "batch")
        batch = ok_json(
            probe.post(
                "/batches",
                {
                    "input_file_id": file["id"],
                    "endpoint": "/v1/chat/completions",
                    "completion_window": "24h",
                },
            )
        )
        exchange, batch = poll(
            probe,
            f"/batches/{batch['id']}",
            {"completed", "failed", "expired", "cancelled"},
            attempts=60,
        )
        for key in ("output_file_id", "error_file_id"):
            if isinstance(batch.get(key), str):
                created.add(batch[key], f"/files/{batch[key]}", "/files")
        expect(
            batch.get("status") == "completed", f"the batch is {batch.get('status')!r}", exchange
        )
        output = probe.get(f"/files/{batch['output_file_id']}/content")
        lines = output.content.strip().splitlines()
        expect(len(lines) == 2, "the output file does not hold one line per request", output)
        try:
            ids = sorted(orjson.loads(x).get("custom_id") for x in lines)
        except (orjson.JSONDecodeError, AttributeError):
            raise CheckFailed("an output line is not a JSON object", output) from None
        expect(ids == ["c0", "c1"], f"custom_ids {ids}", output)
