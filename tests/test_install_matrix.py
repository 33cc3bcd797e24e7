"""Any install is safe: in a fresh environment with only the base package and pytest, with each
extra alone and with ``[all]``, pytest starts, a test that does not use the fixture is
untouched, ``oai_mock`` answers in-process, and what needs a missing extra fails with one line
naming it.

The environments are real installs of a wheel built from this tree (by ``uv``, from the test
extra). They are kept in ``.venv-matrix/<hash of pyproject.toml>/`` between runs: only the
package itself is reinstalled each time, so a warm run costs seconds.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MATRIX = ROOT / ".venv-matrix"
UV = shutil.which("uv", path=str(Path(sys.executable).parent)) or shutil.which("uv")

# extra -> what a test needing each feature should see: "works" or the extra to install.
COMBINATIONS = {
    "base": {"server": "server", "contracts": "contracts", "respx": "respx"},
    "server": {"server": "works", "contracts": "contracts", "respx": "respx"},
    "pytest": {"server": "server", "contracts": "contracts", "respx": "respx"},
    "contracts": {"server": "server", "contracts": "works", "respx": "respx"},
    "all": {"server": "works", "contracts": "works", "respx": "works"},
}

INNER_TESTS = """
import sys

import httpx
import pytest



def test_untouched():
    # pytest started with the plugin loaded, and the plugin did not load the kit.
    assert "oai_mock.fixtures.plugin" in sys.modules
    assert "oai_mock.mockserver.engine" not in sys.modules


def test_in_process(oai_mock):
    oai_mock.on("chat").reply("in-process")
    body = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Hi"}]}
    answer = httpx.post("https://api.openai.com/v1/chat/completions", json=body)
    assert answer.json()["choices"][0]["message"]["content"] == "in-process"


def test_server(oai_mock_server):
    assert httpx.get(oai_mock_server.url + "/models").status_code == 200


def test_contracts():
    import oai_mock.contracts.checks


def test_respx():
    from oai_mock.mockserver.respx_routes import route_to_mock
"""


LOAD_PLUGIN = (
    "import sys, oai_mock.fixtures.plugin; "
    "print(sorted(m for m in sys.modules if m.split('.')[0] in "
    "('uvicorn', 'starlette', 'respx', 'hypothesis', 'jsonschema_rs') "
    "or m.startswith('oai_mock.mockserver')))"
)


def _run(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args], cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    if UV is None:
        pytest.fail("uv is missing: the test extra installs it (scripts/setup)")
    # Build from a copy of the tree, so that the build leaves nothing in the working tree.
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, source / name)
    shutil.copytree(
        ROOT / "oai_mock", source / "oai_mock", ignore=shutil.ignore_patterns("__pycache__")
    )
    out = tmp_path_factory.mktemp("dist")
    built = _run(UV, "build", "--wheel", "--out-dir", out, source)
    assert built.returncode == 0, built.stderr
    (found,) = out.glob("oai_mock-*.whl")
    with zipfile.ZipFile(found) as archive:
        names = set(archive.namelist())
        # The bundle ships with the license of the spec it is derived from.
        assert {"oai_mock/spec/bundle.json", "oai_mock/spec/LICENSE"} <= names
        assert b"Copyright (c) OpenAI" in archive.read("oai_mock/spec/LICENSE")
    return found


def _environment(extra: str, wheel: Path) -> Path:
    """A venv with the wheel installed with ``extra`` (and pytest): its dependencies are cached
    per pyproject hash, the package itself is reinstalled from this run's wheel."""
    key = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:16]
    venv = MATRIX / key / extra
    python = venv / "bin" / "python"
    requirement = f"{wheel}[{extra}]" if extra != "base" else str(wheel)
    if not (venv / ".ready").is_file():
        shutil.rmtree(venv, ignore_errors=True)
        made = _run(UV, "venv", "--quiet", "--python", sys.executable, venv)
        assert made.returncode == 0, made.stderr
        installed = _run(UV, "pip", "install", "--quiet", "--python", python, requirement, "pytest")
        assert installed.returncode == 0, installed.stderr
        (venv / ".ready").write_text(requirement)
    else:
        again = _run(
            UV, "pip", "install", "--quiet", "--python", python, "--no-deps", "--reinstall", wheel
        )
        assert again.returncode == 0, again.stderr
    return python


@pytest.fixture(scope="module", params=sorted(COMBINATIONS))
def installed(request: pytest.FixtureRequest, wheel: Path) -> Iterator[tuple[str, Path]]:
    yield request.param, _environment(request.param, wheel)


def test_pytest_starts_and_the_fixture_works_on_every_install(
    installed: tuple[str, Path], tmp_path: Path
) -> None:
    extra, python = installed
    (tmp_path / "test_inner.py").write_text(INNER_TESTS)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST", "OPENAI"))}
    result = subprocess.run(
        [str(python), "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", "test_inner.py"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=env,
    )
    out = result.stdout
    assert "PASSED test_inner.py::test_untouched" in out, out
    assert "PASSED test_inner.py::test_in_process" in out, out
    expected = COMBINATIONS[extra]
    for feature, outcome in expected.items():
        if outcome == "works":
            assert f"PASSED test_inner.py::test_{feature}" in out, out
        else:
            # One line naming the extra, and no traceback from inside the kit for the fixture.
            assert f'pip install "oai-mock[{outcome}]"' in out, out
            assert f"FAILED test_inner.py::test_{feature}" in out or (
                f"ERROR test_inner.py::test_{feature}" in out
            ), out
    # Loading the plugin imports none of the optional dependencies, even where installed (respx
    # and Hypothesis register pytest plugins of their own, so this is checked outside pytest).
    loaded = subprocess.run(
        [str(python), "-c", LOAD_PLUGIN], capture_output=True, text=True, timeout=120, check=False
    )
    assert loaded.stdout.strip() == "[]", loaded.stdout + loaded.stderr
    if expected["server"] != "works":
        assert "oai_mock/mockserver/live.py" not in out.split("short test summary")[0], out
