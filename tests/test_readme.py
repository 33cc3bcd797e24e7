"""The README's examples run: each Python block of "Testing with pytest" is a test module."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytest_plugins = ["pytester"]

README = Path(__file__).resolve().parents[1] / "README.md"


def section(title: str) -> str:
    text = README.read_text()
    start = text.index(f"## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start : end if end >= 0 else None]


def python_blocks(title: str) -> list[str]:
    return re.findall(r"```python\n(.*?)```", section(title), flags=re.S)


PYTEST_EXAMPLES = python_blocks("Testing with pytest")


def test_the_pytest_section_has_every_example() -> None:
    assert len(PYTEST_EXAMPLES) == 9


@pytest.mark.parametrize("number", range(len(PYTEST_EXAMPLES)))
def test_pytest_examples_pass(pytester: pytest.Pytester, number: int) -> None:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    pytester.makepyfile(**{f"test_readme_example_{number}": PYTEST_EXAMPLES[number]})
    result = pytester.runpytest("-p", "no:cacheprovider", "-q")
    outcomes = result.parseoutcomes()
    assert (
        outcomes.get("passed", 0) >= 1 and not outcomes.get("failed") and not outcomes.get("errors")
    ), result.stdout.str()


CLIENT_EXAMPLES = python_blocks("The reference client")


def test_the_client_section_follows_the_dart_order() -> None:
    text = section("The reference client")
    order = [
        "Authentication and organization",
        "Chat, with tools",
        "Function calling",
        "Vision",
        "JSON mode, structured output and streaming",
        "Completions",
        "Fine-tuning and batch",
        "Images, models and moderations",
        "Assistants, threads, messages and runs",
        "Vector stores, their files and file batches",
        "Azure OpenAI",
        "Any OpenAI-compatible API",
        "A custom HTTP client, and HTTP or SOCKS5 proxies",
    ]
    positions = [text.index(f"**{title}") for title in order]
    assert positions == sorted(positions)


def test_client_examples_run_in_order() -> None:
    from oai_mock import OpenAIMock
    from oai_mock.fixtures.intercept import intercept

    mock = OpenAIMock()
    compatible = OpenAIMock(accept_unknown_arguments=True)  # stands for a local server
    namespace: dict[str, object] = {}
    with (
        intercept(mock, hosts=("api.openai.com", "my-resource.openai.azure.com")),
        intercept(compatible, hosts=("localhost",)),
    ):
        for number, block in enumerate(CLIENT_EXAMPLES):
            exec(compile(block, f"README client example {number + 1}", "exec"), namespace)
    assert compatible.journal.last("chat").json["top_k"] == 20
    # The custom http client's own headers reach the server, the client's on top.
    assert mock.journal.last("listModels").headers["x-trace"] == "1"
    assert len(CLIENT_EXAMPLES) == 13
    used = {entry.operation_id for entry in mock.journal}
    assert {"createChatCompletion", "createRun", "searchVectorStore", "createBatch"} <= used


@pytest.mark.parametrize("title", ["The fake OpenAI server", "The spec bundle"])
def test_the_other_python_blocks_run(title: str) -> None:
    # Each block runs on its own; the ones that assert, assert. A block that points clients at
    # `oai-mock serve` (127.0.0.1:8000) gets a served fake's address instead, and both of its
    # clients must then get an answer from it.
    from oai_mock import OpenAIMock
    from oai_mock.mockserver.live import LiveServer

    blocks = python_blocks(title)
    assert blocks
    for block in blocks:
        if "127.0.0.1:8000" not in block:
            exec(compile(block, f"README: {title}", "exec"), {})
            continue
        mock = OpenAIMock()
        with LiveServer(mock) as server:
            names: dict[str, Any] = {}
            exec(
                compile(block.replace("http://127.0.0.1:8000/v1", server.url), title, "exec"), names
            )
            assert names["client"].models.list().data
            assert names["reference"].models.list_models().data
        assert [entry.path for entry in mock.journal] == ["/v1/models", "/v1/models"]


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = heading.strip().lower().replace("`", "")
    return re.sub(r"[^\w\- ]", "", text).replace(" ", "-")


@pytest.mark.parametrize("readme", ["README.md", "examples/README.md"])
def test_links_point_at_headings_and_files_that_exist(readme: str) -> None:
    path = README.parent / readme
    text = path.read_text()
    anchors = {github_slug(h) for h in re.findall(r"^#+ (.+)$", text, flags=re.M)}
    links = re.findall(r"\]\(([^)\s]+)\)", text)
    assert links
    for link in links:
        if link.startswith("#"):
            assert link[1:] in anchors, link
        elif not link.startswith(("http://", "https://")):
            assert (path.parent / link).exists(), link
