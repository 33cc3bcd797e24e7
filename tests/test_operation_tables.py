"""Every hand-kept table that names operations (or schemas) names ones the bundle has.

A misspelled operationId in such a table fails silently: the behaviour, alias or override is
never used and the operation falls back to the generic answer. These tests make it loud.
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Iterable
from pathlib import Path

import pytest

from codegen import overrides
from oai_mock.mockserver.behaviours import default_behaviours
from oai_mock.mockserver.scripting import ALIASES
from oai_mock.spec import load_bundle

ROOT = Path(__file__).resolve().parents[1]
BUNDLE = load_bundle()
OPERATION_IDS = frozenset(op.id for op in BUNDLE.operations)
SCHEMA_NAMES = frozenset(BUNDLE.schemas)


def unknown(names: Iterable[str], known: frozenset[str]) -> list[str]:
    return sorted(
        f"{name} (closest: {difflib.get_close_matches(name, known, n=1, cutoff=0)[0]})"
        for name in set(names) - known
    )


def test_behaviours_answer_operations_of_the_bundle() -> None:
    assert unknown(default_behaviours(), OPERATION_IDS) == []


def test_no_operation_has_two_behaviours() -> None:
    import importlib
    import pkgutil

    from oai_mock.mockserver import behaviours

    registered: dict[str, list[str]] = {}
    for info in pkgutil.iter_modules(behaviours.__path__):
        module = importlib.import_module(f"oai_mock.mockserver.behaviours.{info.name}")
        for op in getattr(module, "OPERATIONS", {}):
            registered.setdefault(op, []).append(info.name)
    assert {op: where for op, where in registered.items() if len(where) > 1} == {}
    assert set(registered) == set(default_behaviours())


def test_scripting_aliases_name_operations_of_the_bundle() -> None:
    named = [op for operations in ALIASES.values() for op in operations]
    assert unknown(named, OPERATION_IDS) == []


@pytest.mark.parametrize("table", ["NAMES", "STREAMING", "BINARY", "PAGINATION"])
def test_codegen_overrides_name_operations_of_the_bundle(table: str) -> None:
    assert unknown(getattr(overrides, table), OPERATION_IDS) == []


def test_codegen_overrides_name_schemas_of_the_bundle() -> None:
    named = [*overrides.OBJECT_NAMES, *(waiver[0] for waiver in overrides.WAIVERS)]
    assert unknown(named, SCHEMA_NAMES) == []


def string_constants(path: Path) -> Iterable[str]:
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.value


IDENTIFIER = re.compile(r"[A-Za-z_]{5,60}")


def test_no_string_in_the_kit_is_a_near_miss_of_an_operation_id() -> None:
    """Beyond the tables: an operationId written anywhere in the kit's code (a special case, a
    contract check's schema lookup) that differs from a real one by a letter or two."""
    sources = [
        path
        for folder in ("oai_mock", "codegen")
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "_generated" not in path.parts
    ]
    near_misses = []
    for path in sources:
        for value in set(string_constants(path)):
            if value in OPERATION_IDS or not IDENTIFIER.fullmatch(value):
                continue
            if not any(c.isupper() for c in value[1:]):  # operationIds are camel case
                continue
            close = difflib.get_close_matches(value, OPERATION_IDS, n=1, cutoff=0.88)
            if close:
                near_misses.append(f"{path.relative_to(ROOT)}: {value!r} (meant {close[0]!r}?)")
    assert near_misses == []


def test_the_near_miss_check_catches_a_misspelling() -> None:
    assert difflib.get_close_matches("createChatCompletoin", OPERATION_IDS, n=1, cutoff=0.88) == [
        "createChatCompletion"
    ]
    assert unknown(["createChatCompletoin"], OPERATION_IDS) == [
        "createChatCompletoin (closest: createChatCompletion)"
    ]


def test_generated_client_endpoints_are_the_bundles_operations() -> None:
    """The client's methods carry their endpoint written out by the generator: each one says
    what the bundle says about its operation, and every operation has one."""
    import importlib

    from oai_mock.client._endpoint import Endpoint
    from oai_mock.client._generated.resources import GROUPS

    endpoints: dict[str, Endpoint] = {}
    for group in GROUPS:
        module = importlib.import_module(f"oai_mock.client._generated.resources.{group}")
        for value in vars(module).values():
            if isinstance(value, Endpoint):
                endpoints[value.id] = value
    assert set(endpoints) == OPERATION_IDS
    for op in BUNDLE.operations:
        endpoint = endpoints[op.id]
        assert (endpoint.method, endpoint.path_template, endpoint.literal_query) == (
            op.method,
            op.path_template,
            op.literal_query,
        )
        assert (endpoint.auth, endpoint.beta_header) == (op.auth, op.beta_header)
        assert endpoint.body_types == (op.body.content_types if op.body else None)
