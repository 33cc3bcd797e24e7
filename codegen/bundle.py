"""Assemble the spec bundle: every operation and every normalized schema, one JSON document."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import orjson

from codegen.normalize import normalize_schemas
from codegen.operations import read_operations
from codegen.overrides import OBJECT_NAMES, reason_table

BUNDLE_FORMAT = 1


def build_bundle(spec_path: Path) -> dict[str, Any]:
    raw = spec_path.read_bytes()
    spec = orjson.loads(raw)
    schemas = normalize_schemas(spec["components"]["schemas"])
    operations = read_operations(spec, schemas)
    return {
        "format": BUNDLE_FORMAT,
        "source": {
            "file": "openapi.json",
            "sha256": hashlib.sha256(raw).hexdigest(),
            "openapi": spec["openapi"],
            "version": spec["info"]["version"],
            "server": spec["servers"][0]["url"],
        },
        "overrides": reason_table(),
        "object_names": {name: value for name, (value, _) in sorted(OBJECT_NAMES.items())},
        "operations": operations,
        "schemas": schemas,
    }


def render_bundle(bundle: dict[str, Any]) -> bytes:
    # Sorted keys and a trailing newline: byte-identical output from run to run.
    return orjson.dumps(bundle, option=orjson.OPT_SORT_KEYS) + b"\n"
