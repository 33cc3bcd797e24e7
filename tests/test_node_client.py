"""Another language drives `oai-mock serve` end to end: a JavaScript test scripts the fake through
the control API with fetch and talks to it with Node's official `openai` package (installed with
npm into .tools/node, once)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from served import ServedFake

ROOT = Path(__file__).resolve().parents[1]
NODE_TOOLS = ROOT / ".tools" / "node"
OPENAI_PACKAGE = "openai@6"  # openai 7 needs Node 22; Debian's Node is 20
KEY = "sk-node-client-0123456789"


@pytest.fixture(scope="module")
def node_openai() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("NODE AND NPM ARE MISSING: the JavaScript client test did not run")
    if not (NODE_TOOLS / "node_modules" / "openai" / "package.json").exists():
        NODE_TOOLS.mkdir(parents=True, exist_ok=True)
        result = subprocess.run(
            [
                "npm",
                "install",
                "--prefix",
                str(NODE_TOOLS),
                "--no-audit",
                "--no-fund",
                OPENAI_PACKAGE,
            ],
            capture_output=True,
            text=True,
            timeout=300,
        )
        if result.returncode != 0:
            pytest.skip(
                "NPM COULD NOT INSTALL THE openai PACKAGE: the JavaScript client test did not "
                "run\n" + result.stderr[-2000:]
            )
    return NODE_TOOLS / "node_modules"


def test_a_javascript_test_scripts_drives_and_inspects_the_server(
    tmp_path: Path, node_openai: Path
) -> None:
    # An ES module finds packages from its own folder up: run a copy beside node_modules.
    script = node_openai.parent / "control_scenario.mjs"
    shutil.copyfile(ROOT / "tests" / "node" / "control_scenario.mjs", script)
    fake = ServedFake(tmp_path / "serve.log", "--api-key", KEY, "--clock", "frozen")
    try:
        result = subprocess.run(
            ["node", str(script)],
            capture_output=True,
            text=True,
            timeout=120,
            env={
                **os.environ,
                "OAI_MOCK_URL": fake.url.removesuffix("/v1"),
                "OAI_MOCK_KEY": KEY,
            },
        )
    finally:
        assert fake.stop() == 0
    assert result.returncode == 0, result.stderr
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert found["health"] == "ok" and found["added"] == 201
    assert found["refusedStatus"] == 400 and "did you mean 'chat'?" in found["refusedMessage"]
    assert found["chat"] == "Sunny in Paris"
    assert found["streamed"] == "Sunny in Paris"
    assert found["embeddingLength"] > 0
    assert found["embeddingStatuses"] == [429, 200]  # the SDK retried after the scripted 429
    assert found["firstEmbeddingRule"] == "rule_2"
    assert found["rulesUsed"] == [2, 1]
    assert found["clockMode"] == "frozen"
    assert found["userAgent"].startswith("OpenAI/JS")
