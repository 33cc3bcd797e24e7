"""One mock driven from 16 threads through every stateful area for a bounded time, with a
watchdog: no deadlock, no 5xx, nothing lost, counts exact."""

from __future__ import annotations

import faulthandler
import json
import sys
import threading
import time
from collections.abc import Callable
from typing import Any, ClassVar

import httpx

from oai_mock import OpenAIMock

THREADS = 16
RUN_SECONDS = 4.0  # each thread starts new rounds for this long, then finishes its round
WATCHDOG_SECONDS = 120.0  # only a deadlock keeps a thread past it
MODEL = "gpt-4o-mini"


class Area:
    """One kind of work, repeated in rounds by one thread; it counts what it made."""

    def __init__(self, http: httpx.Client) -> None:
        self.http = http
        self.rounds = 0

    def call(self, method: str, url: str, **kwargs: Any) -> Any:
        answer = self.http.request(method, url, **kwargs)
        assert answer.status_code < 500, f"{method} {url}: {answer.status_code} {answer.text}"
        assert answer.status_code < 400, f"{method} {url}: {answer.status_code} {answer.text}"
        if answer.headers.get("content-type", "").startswith("application/json"):
            return answer.json()
        return answer.content

    def poll(self, url: str, done: Callable[[Any], bool]) -> Any:
        for _ in range(200):
            found = self.call("GET", url)
            if done(found):
                return found
        raise AssertionError(f"{url} never finished")

    def upload(self, content: bytes, purpose: str = "assistants", name: str = "a.txt") -> str:
        answer = self.call(
            "POST", "/files", files={"file": (name, content)}, data={"purpose": purpose}
        )
        return str(answer["id"])

    def round(self) -> None:
        raise NotImplementedError

    def check(self) -> None:
        """After every thread stopped: what this area made is all there, counts exact."""


class Files(Area):
    def __init__(self, http: httpx.Client) -> None:
        super().__init__(http)
        self.kept: list[str] = []

    def round(self) -> None:
        kept = self.upload(f"kept {self.rounds}".encode())
        dropped = self.upload(b"deleted")
        self.call("DELETE", f"/files/{dropped}")
        assert self.call("GET", f"/files/{kept}/content") == f"kept {self.rounds}".encode()
        self.kept.append(kept)

    def check(self) -> None:
        listed = {f["id"] for f in self.call("GET", "/files?limit=10000")["data"]}
        assert set(self.kept) <= listed
        for file_id in self.kept:
            assert self.http.get(f"/files/{file_id}").status_code == 200


class Uploads(Area):
    def round(self) -> None:
        parts = [b"a" * 10, b"b" * 5]
        upload = self.call(
            "POST",
            "/uploads",
            json={
                "filename": "u.txt",
                "purpose": "assistants",
                "bytes": 15,
                "mime_type": "text/plain",
            },
        )
        ids = [
            self.call("POST", f"/uploads/{upload['id']}/parts", files={"data": ("p", part)})["id"]
            for part in parts
        ]
        done = self.call("POST", f"/uploads/{upload['id']}/complete", json={"part_ids": ids})
        file_id = done["file"]["id"]
        assert self.call("GET", f"/files/{file_id}/content") == b"a" * 10 + b"b" * 5


class Batches(Area):
    def round(self) -> None:
        lines = [
            {"custom_id": f"r{i}", "method": "POST", "url": "/v1/chat/completions",
             "body": {"model": MODEL, "messages": [{"role": "user", "content": f"q{i}"}]}}
            for i in range(3)
        ]  # fmt: skip
        content = "\n".join(json.dumps(line) for line in lines).encode()
        input_id = self.upload(content, purpose="batch", name="b.jsonl")
        batch = self.call(
            "POST",
            "/batches",
            json={
                "input_file_id": input_id,
                "endpoint": "/v1/chat/completions",
                "completion_window": "24h",
            },
        )
        done = self.poll(f"/batches/{batch['id']}", lambda b: b["status"] == "completed")
        assert done["request_counts"] == {"total": 3, "completed": 3, "failed": 0}
        output = self.call("GET", f"/files/{done['output_file_id']}/content")
        assert len(output.splitlines()) == 3


class FineTuning(Area):
    def round(self) -> None:
        line = {
            "messages": [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "yo"}]
        }
        training = self.upload(json.dumps(line).encode(), purpose="fine-tune", name="t.jsonl")
        job = self.call(
            "POST", "/fine_tuning/jobs", json={"model": MODEL, "training_file": training}
        )
        self.poll(f"/fine_tuning/jobs/{job['id']}", lambda j: j["status"] == "succeeded")
        assert self.call("GET", f"/fine_tuning/jobs/{job['id']}/events")["data"]


class VectorStores(Area):
    """Attaches files (one by one and in file batches) while other threads list the store."""

    shared: ClassVar[dict[str, Any]] = {}
    attached = 0
    lock = threading.Lock()

    def round(self) -> None:
        store = self.shared["store"]
        one = self.upload(b"doc one")
        self.call("POST", f"/vector_stores/{store}/files", json={"file_id": one})
        more = [self.upload(f"doc {i}".encode()) for i in range(2)]
        batch = self.call("POST", f"/vector_stores/{store}/file_batches", json={"file_ids": more})
        self.poll(
            f"/vector_stores/{store}/file_batches/{batch['id']}",
            lambda b: b["status"] == "completed",
        )
        with self.lock:
            type(self).attached += 3
        self.call("GET", f"/vector_stores/{store}/files?limit=100")

    def check(self) -> None:
        store = self.call("GET", f"/vector_stores/{self.shared['store']}")
        self.poll(
            f"/vector_stores/{self.shared['store']}",
            lambda s: s["file_counts"]["in_progress"] == 0,
        )
        store = self.call("GET", f"/vector_stores/{self.shared['store']}")
        assert store["file_counts"]["total"] == self.attached


class VectorStoreReaders(Area):
    def round(self) -> None:
        store = VectorStores.shared["store"]
        for _ in range(5):
            self.call("GET", f"/vector_stores/{store}/files?limit=100")
            self.call("GET", f"/vector_stores/{store}")


class Runs(Area):
    def round(self) -> None:
        assistant = self.call("POST", "/assistants", json={"model": MODEL})
        thread = self.call("POST", "/threads", json={})
        self.call(
            "POST", f"/threads/{thread['id']}/messages", json={"role": "user", "content": "hi"}
        )
        run = self.call(
            "POST", f"/threads/{thread['id']}/runs", json={"assistant_id": assistant["id"]}
        )
        self.poll(f"/threads/{thread['id']}/runs/{run['id']}", lambda r: r["status"] == "completed")
        messages = self.call("GET", f"/threads/{thread['id']}/messages")["data"]
        assert [m["role"] for m in messages] == ["assistant", "user"]


class Responses(Area):
    def round(self) -> None:
        conversation = self.call("POST", "/conversations", json={})
        background = self.call(
            "POST",
            "/responses",
            json={
                "model": MODEL,
                "input": "hi",
                "background": True,
                "conversation": conversation["id"],
            },
        )
        self.poll(f"/responses/{background['id']}", lambda r: r["status"] == "completed")
        self.call(
            "POST",
            f"/conversations/{conversation['id']}/items",
            json={"items": [{"type": "message", "role": "user", "content": "more"}]},
        )
        items = self.call("GET", f"/conversations/{conversation['id']}/items?limit=100")["data"]
        assert len(items) >= 2


AREAS: list[type[Area]] = [
    Files, Files, Uploads, Uploads, Batches, Batches, FineTuning, FineTuning,
    VectorStores, VectorStores, VectorStoreReaders, VectorStoreReaders,
    Runs, Runs, Responses, Responses,
]  # fmt: skip


def test_one_mock_from_16_threads_loses_nothing() -> None:
    assert len(AREAS) == THREADS
    mock = OpenAIMock(journal_limit=1000)
    http = mock.httpx_client()
    VectorStores.shared["store"] = http.post("/vector_stores", json={"name": "shared"}).json()["id"]
    VectorStores.attached = 0
    areas = [kind(mock.httpx_client()) for kind in AREAS]
    failures: list[BaseException] = []
    stop_at = time.monotonic() + RUN_SECONDS

    def drive(area: Area) -> None:
        try:
            while time.monotonic() < stop_at:
                area.round()
                area.rounds += 1
        except BaseException as error:  # reported by the main thread
            failures.append(error)

    threads = [threading.Thread(target=drive, args=(a,), daemon=True) for a in areas]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + RUN_SECONDS + WATCHDOG_SECONDS
    for thread in threads:
        thread.join(max(0.0, deadline - time.monotonic()))
    stuck = [t for t in threads if t.is_alive()]
    if stuck:
        faulthandler.dump_traceback(file=sys.stderr)  # where each thread waits
        raise AssertionError(f"{len(stuck)} threads still running: deadlocked")
    assert not failures, failures[0]
    assert all(area.rounds > 0 for area in areas), [type(a).__name__ for a in areas if not a.rounds]
    for area in areas:
        area.check()
    served = [e for e in mock.journal if e.status >= 500]
    assert not served
