"""Deterministic, realistic ids: the right prefix for each kind of object, and characters
derived from the seed and a per-prefix counter (the same seed gives the same ids)."""

from __future__ import annotations

import hashlib
import itertools
import threading
from collections import defaultdict
from collections.abc import Iterator

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# The prefix OpenAI uses for the id of each `object` type.
PREFIX_BY_OBJECT = {
    "assistant": "asst_",
    "batch": "batch_",
    "chat.completion": "chatcmpl-",
    "chat.completion.chunk": "chatcmpl-",
    "chat.completion.message": "chatcmpl-",
    "container": "cntr_",
    "container.file": "cfile_",
    "conversation": "conv_",
    "eval": "eval_",
    "eval.run": "evalrun_",
    "eval.run.output_item": "outputitem_",
    "file": "file-",
    "fine_tuning.job": "ftjob-",
    "fine_tuning.job.checkpoint": "ftckpt_",
    "fine_tuning.job.event": "ftevent-",
    "checkpoint.permission": "cp_",
    "organization.admin_api_key": "key_",
    "organization.certificate": "cert_",
    "organization.invite": "invite-",
    "organization.project": "proj_",
    "organization.project.api_key": "key_",
    "organization.project.service_account": "svc_acct_",
    "organization.user": "user-",
    "group": "group_",
    "role": "role_",
    "realtime.session": "sess_",
    "response": "resp_",
    "skill": "skill_",
    "text_completion": "cmpl-",
    "thread": "thread_",
    "thread.message": "msg_",
    "thread.run": "run_",
    "thread.run.step": "step_",
    "upload": "upload_",
    "upload.part": "part_",
    "vector_store": "vs_",
    "vector_store.file": "file-",
    "vector_store.files_batch": "vsfb_",
    "video": "video_",
}

# The prefix for fields named `<thing>_id`.
PREFIX_BY_FIELD = {
    "assistant_id": "asst_",
    "batch_id": "batch_",
    "call_id": "call_",
    "completion_id": "chatcmpl-",
    "container_id": "cntr_",
    "conversation_id": "conv_",
    "eval_id": "eval_",
    "file_id": "file-",
    "fine_tuning_job_id": "ftjob-",
    "input_file_id": "file-",
    "output_file_id": "file-",
    "error_file_id": "file-",
    "message_id": "msg_",
    "previous_response_id": "resp_",
    "project_id": "proj_",
    "response_id": "resp_",
    "run_id": "run_",
    "step_id": "step_",
    "thread_id": "thread_",
    "tool_call_id": "call_",
    "upload_id": "upload_",
    "user_id": "user-",
    "vector_store_id": "vs_",
    "video_id": "video_",
    "item_id": "msg_",
}


class IdFactory:
    """Thread-safe id source: ``next("chatcmpl-")`` -> ``chatcmpl-3kT9...``."""

    def __init__(self, seed: int = 0) -> None:
        self.seed = seed
        self._counters: defaultdict[str, Iterator[int]] = defaultdict(itertools.count)
        self._lock = threading.Lock()

    def next(self, prefix: str, length: int = 24) -> str:
        with self._lock:
            n = next(self._counters[prefix])
        return prefix + token(f"{self.seed}:{prefix}:{n}", length)

    def reset(self) -> None:
        with self._lock:
            self._counters.clear()


# Byte -> base62 character: one `bytes.translate` turns a digest into an id (this runs twice
# for every request the mock serves: the object's id and the x-request-id).
_BASE62 = bytes(ord(ALPHABET[b % 62]) for b in range(256))


def token(key: str, length: int = 24) -> str:
    """A base62 string of ``length`` (at most 64) characters derived from ``key``."""
    digest = hashlib.blake2b(key.encode(), digest_size=length).digest()
    return digest.translate(_BASE62).decode("ascii")
