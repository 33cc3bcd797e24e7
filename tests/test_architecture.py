"""The engine's boundary, held by tests: the engine needs no HTTP library, and the package's
modules (the fake's, the client's, the contracts') import each other in one direction only,
type-only imports included."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "oai_mock"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, modules: set[str]) -> set[str]:
    """The package's modules a file imports, wherever the import stands (under TYPE_CHECKING
    and inside functions too)."""
    found: set[str] = set()
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        for name in names:
            if name in modules:
                found.add(name)
    return found


def import_graph(folder: Path) -> dict[str, set[str]]:
    files = {module_name(path): path for path in folder.rglob("*.py")}
    modules = set(files)
    return {name: imports_of(path, modules) - {name} for name, path in files.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def without_packages(graph: dict[str, set[str]]) -> dict[str, set[str]]:
    # A package's __init__ importing its own modules (and they importing a sibling through
    # the package) is how a package exposes its parts, not a dependency between them.
    packages = {name for name in graph if (ROOT / name.replace(".", "/") / "__init__.py").exists()}
    return {
        name: {t for t in targets if t not in packages}
        for name, targets in graph.items()
        if name not in packages
    }


def test_the_package_has_no_import_cycle() -> None:
    # The whole package, not only the fake: the client's resources, for one, describe the
    # client they are given (a Protocol) instead of importing it.
    graph = without_packages(import_graph(PACKAGE))
    assert "oai_mock.client._resource" in graph and "oai_mock.mockserver.engine" in graph
    assert cycles(graph) == []


def test_no_behaviour_imports_the_engine() -> None:
    graph = import_graph(PACKAGE / "mockserver")
    importers = sorted(
        name for name, targets in graph.items() if "oai_mock.mockserver.engine" in targets
    )
    below_engine = [
        name
        for name in importers
        if name.startswith("oai_mock.mockserver.behaviours")
        or name.split(".")[-1]
        in ("generic", "lifecycle", "scripting", "scenario", "requests", "context")
    ]
    assert below_engine == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def test_the_engine_answers_without_importing_an_http_library() -> None:
    script = (
        "import sys\n"
        "from oai_mock.mockserver.engine import OpenAIMock\n"
        "mock = OpenAIMock()\n"
        "assert mock.request('POST', '/v1/chat/completions',"
        " json={'model': 'gpt-4o-mini', 'messages': [{'role': 'user', 'content': 'Hi'}]}).status == 200\n"
        "loaded = {'httpx', 'httpx2', 'starlette', 'uvicorn', 'respx'} & set(sys.modules)\n"
        "print(sorted(loaded))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "[]"


def test_behaviours_receive_a_context_not_the_engine() -> None:
    from typing import Any

    from oai_mock import OpenAIMock
    from oai_mock.mockserver.context import FakeContext
    from oai_mock.mockserver.requests import Call

    seen: list[Any] = []

    def models(call: Call, fake: Any) -> dict[str, Any]:
        seen.append(fake)
        return {"object": "list", "data": []}

    mock = OpenAIMock(behaviours={"listModels": models}, seed=4)
    mock.request("GET", "/v1/models")
    fake = seen[0]
    assert isinstance(fake, FakeContext) and fake is mock.context
    for engine_part in ("handle", "journal", "scenario", "on", "routes", "behaviours"):
        assert not hasattr(fake, engine_part), engine_part
    assert fake.state is mock.state and fake.lifecycles is mock.lifecycles
    # Settings changed on the built mock reach the behaviours.
    mock.seed, mock.strict_models, mock.max_file_bytes = 9, True, 10
    assert (fake.seed, fake.strict_models, fake.max_file_bytes) == (9, True, 10)


def test_the_spec_mock_mode_receives_the_context_not_the_engine() -> None:
    from typing import Any

    from oai_mock import OpenAIMock
    from oai_mock.mockserver.context import FakeContext
    from oai_mock.mockserver.messages import MockResponse
    from oai_mock.mockserver.requests import Call

    mock = OpenAIMock(unknown_ids="synthesize")
    given: list[Any] = []
    answer = mock.phantoms.answer

    def recording(call: Call, fake: Any) -> MockResponse:
        given.append(fake)
        return answer(call, fake)

    mock.phantoms.answer = recording  # type: ignore[method-assign]
    assert mock.request("GET", "/v1/threads/thread_unknown").status == 200  # a behaviour's 404
    assert mock.request("GET", "/v1/evals/eval_unknown").status == 200  # no behaviour at all
    assert "getThread" in mock.behaviours and "getEval" not in mock.behaviours
    assert len(given) == 2 and all(fake is mock.context for fake in given)
    assert all(isinstance(fake, FakeContext) for fake in given)
