"""Run openai-python's own generated test suite (``tests/api_resources``) against the fake.

The official SDK's tests are generated from OpenAI's spec and run against a spec mock
(``TEST_API_BASE_URL``); here the mock is ``oai-mock serve --unknown-ids synthesize``. For each
version: download the sdist from PyPI, build its environment with uv, start the fake, run the
suite, and print passed / failed / skipped, with the failures that are not the fake's defects
counted apart, each with its reason (see ``APART``: the SDK's spec is newer than the pinned
one; the suite sends a value OpenAI refuses; the SDK's strict mode refuses what it asked for).

Usage: scripts/sdk-suite [VERSION ...] [-- PYTEST ARGS]  (default: 3.3.1 and the newest 3.x)
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tarfile
import time
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = Path(os.environ.get("OAI_MOCK_SDK_SUITE_DIR", ROOT / ".sdk-suite"))
PINNED = "3.3.1"
# Failures counted apart, each with its reason: (kind, pattern found in the failure, reason).
# Only these belong here; anything else is a defect of the fake.
# - "newer spec": a 400 the fake's validation gives for an argument or value the pinned spec
#   does not have (the SDK's spec is newer).
# - "OpenAI refuses": the suite sends a value OpenAI documents as out of range and answers 400
#   to (``limit=0`` on a list documented as 1-100, ``max_tokens=0``); the spec's schema states
#   no bound, so a spec mock accepts it, while the fake answers as OpenAI does.
# - "SDK strict mode": the SDK asks for embeddings as base64 unless told otherwise and decodes
#   the string after validating it; in strict mode the validation refuses the string (typed as
#   a list of floats) before decoding, so the same test fails against OpenAI.
APART = [
    (
        "newer spec",
        re.compile(r"Unrecognized request argument supplied: (\w+)"),
        "the SDK sends an argument the pinned spec does not define: {0}",
    ),
    (
        "newer spec",
        re.compile(r"Missing required parameter: '(files|file_ids)'"),
        "the pinned spec requires '{0}' (or its alternative) where the SDK's makes it optional",
    ),
    (
        "newer spec",
        re.compile(r"Invalid value: '([^']*)'\. Supported values are"),
        "the SDK sends a value the pinned spec's enum lacks: {0}",
    ),
    (
        # The fake routes every operation of the pinned spec: a path it does not know, or a
        # method it does not allow on a known path, is an endpoint the SDK's newer spec added.
        "newer spec",
        re.compile(r"Invalid (?:URL|method for URL) \(\w+ /v1/([\w.-]+)"),
        "the SDK calls endpoints the pinned spec does not have, under /v1/{0}",
    ),
    (
        "newer spec",
        re.compile(
            r"validation error for Voice\s+(?:E\s+)?type\s+(?:E\s+)?Field required"
            r"|assert_matches_type\(Voice, [\s\S]*assert None in \('audio_sample', 'prompt'\)"
        ),
        "the SDK's Voice requires 'type', which the pinned spec's voice does not define (and "
        "it allows no other property)",
    ),
    (
        "OpenAI refuses",
        re.compile(
            r"Invalid '(\w+)': integer below minimum value\. Expected a value >= (\d+), "
            r"but got (-?\d+) instead"
        ),
        "the suite sends {0}={2}; OpenAI refuses values below {1} (documented, not in the "
        "spec's schema)",
    ),
    (
        "SDK strict mode",
        re.compile(
            # pytest prefixes each line of the error with "E" in its traceback.
            r"validation error for CreateEmbeddingResponse\s+(?:E\s+)?data\.\d+\.embedding"
            r"\s+(?:E\s+)?Input should be a valid list \[type=list_type, input_value='[A-Za-z0-9+/=.]*', "
            r"input_type=str\]"
        ),
        "strict validation refuses the base64 embedding the SDK asked for before decoding it "
        "(as against OpenAI)",
    ),
]


@dataclass
class Outcome:
    version: str
    passed: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)
    apart: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    """Failures counted apart: (kind, reason) -> the tests."""
    skipped: int = 0
    seconds: float = 0.0
    all_params: list[bool] = field(default_factory=list)
    """Per "with all params" test (the SDK's call with every argument): passed or not."""


def run(command: list[str], **options: object) -> None:
    subprocess.run(command, check=True, **options)  # type: ignore[call-overload]


def bootstrap_uv() -> Path:
    """uv from PyPI, in a virtualenv of its own."""
    venv = WORK / "uv"
    uv = venv / "bin" / "uv"
    if not uv.exists():
        run([sys.executable, "-m", "venv", str(venv)])
        run([str(venv / "bin" / "pip"), "install", "-q", "uv"])
    return uv


def newest_3x() -> str:
    WORK.mkdir(parents=True, exist_ok=True)
    found = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", "openai"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    versions = re.search(r"Available versions: (.*)", found)
    if versions is None:
        raise SystemExit(f"could not read openai's versions from pip: {found!r}")
    majors = [v.strip() for v in versions.group(1).split(",") if v.strip().startswith("3.")]
    return majors[0]


def prepare(version: str, uv: Path) -> Path:
    """The sdist unpacked, with a virtualenv holding the SDK and its test dependencies."""
    source = WORK / f"openai-{version}"
    if not (source / ".venv" / "bin" / "python").exists():
        archive = WORK / f"openai-{version}.tar.gz"
        if not archive.exists():
            run(
                [
                    sys.executable,
                    "-m",
                    "pip",
                    "download",
                    "-q",
                    "--no-deps",
                    "--no-binary",
                    ":all:",
                    f"openai=={version}",
                    "-d",
                    str(WORK),
                ]
            )
        shutil.rmtree(source, ignore_errors=True)
        with tarfile.open(archive) as sdist:
            sdist.extractall(WORK, filter="data")
        run([str(uv), "venv", "-q", str(source / ".venv")])
        run(
            [
                str(uv),
                "pip",
                "install",
                "-q",
                "-p",
                str(source / ".venv" / "bin" / "python"),
                "-e",
                f"{source}[aiohttp]",
                "pytest",
                "pytest-asyncio",
                "pytest-xdist",
                "inline-snapshot",
                "respx",
                "dirty-equals",
                "trio",
            ]
        )
    return source


def start_fake() -> tuple[subprocess.Popen[str], str]:
    command = [
        sys.executable,
        "-m",
        "oai_mock.cli",
        "serve",
        "--port",
        "0",
        "--quiet",
        "--unknown-ids",
        "synthesize",
        "--journal-limit",
        "0",
    ]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert server.stdout is not None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        line = server.stdout.readline()
        found = re.search(r"(http://127\.0\.0\.1:\d+/v1)", line)
        if found:
            return server, found.group(1)
        if not line and server.poll() is not None:
            break
    server.kill()
    raise SystemExit("oai-mock serve did not start")


def run_suite(version: str, source: Path, pytest_args: list[str]) -> Outcome:
    server, url = start_fake()
    report = WORK / f"report-{version}.xml"
    started = time.monotonic()
    try:
        env = {**os.environ, "TEST_API_BASE_URL": url}
        subprocess.run(
            [
                str(source / ".venv" / "bin" / "python"),
                "-m",
                "pytest",
                "tests/api_resources",
                "-q",
                "-p",
                "no:cacheprovider",
                "-n",
                os.environ.get("SDK_SUITE_WORKERS", "2"),
                f"--junitxml={report}",
                *pytest_args,
            ],
            cwd=source,
            env=env,
            check=False,
            stdout=subprocess.DEVNULL,
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    outcome = read_report(version, report)
    outcome.seconds = time.monotonic() - started
    return outcome


def read_report(version: str, report: Path) -> Outcome:
    outcome = Outcome(version)
    for case in ET.parse(report).iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        failure = case.find("failure")
        if failure is None:
            failure = case.find("error")
        if "with_all_params" in name and case.find("skipped") is None:
            outcome.all_params.append(failure is None)
        if case.find("skipped") is not None:
            outcome.skipped += 1
        elif failure is None:
            outcome.passed += 1
        else:
            text = f"{failure.get('message', '')}\n{failure.text or ''}"
            reason = reason_apart(text)
            if reason is None:
                outcome.failed.append((name, first_line(failure.get("message") or text)))
            else:
                outcome.apart.setdefault(reason, []).append(name)
    return outcome


def reason_apart(text: str) -> tuple[str, str] | None:
    for kind, pattern, reason in APART:
        found = pattern.search(text)
        if found:
            return kind, reason.format(*found.groups())
    return None


def first_line(text: str) -> str:
    return text.strip().splitlines()[0][:200] if text.strip() else ""


def print_outcome(outcome: Outcome) -> None:
    kinds: dict[str, int] = {}
    for (kind, _), names in outcome.apart.items():
        kinds[kind] = kinds.get(kind, 0) + len(names)
    apart = sum(kinds.values())
    total = outcome.passed + len(outcome.failed) + apart + outcome.skipped
    counted = ", ".join(f"{n} {kind}" for kind, n in sorted(kinds.items())) or "none"
    print(
        f"openai {outcome.version}: {total} tests: {outcome.passed} passed, "
        f"{len(outcome.failed)} failed, {apart} counted apart ({counted}), "
        f"{outcome.skipped} skipped by the suite ({outcome.seconds:.0f} s)"
    )
    print(
        f"  calls with every argument (the suite's with_all_params tests): "
        f"{sum(outcome.all_params)} of {len(outcome.all_params)} answered and strictly valid"
    )
    for (kind, reason), names in sorted(outcome.apart.items()):
        print(f"  {kind} ({len(names)}): {reason}")
    for name, message in outcome.failed[:40]:
        print(f"  FAILED {name}: {message}")
    if len(outcome.failed) > 40:
        print(f"  ... and {len(outcome.failed) - 40} more failures")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("versions", nargs="*", help="openai versions (default: 3.3.1, newest 3.x)")
    argv = sys.argv[1:]
    pytest_args: list[str] = []
    if "--" in argv:
        pytest_args = argv[argv.index("--") + 1 :]
        argv = argv[: argv.index("--")]
    args = parser.parse_args(argv)
    versions = args.versions or [PINNED, newest_3x()]
    WORK.mkdir(parents=True, exist_ok=True)
    uv = bootstrap_uv()
    outcomes = []
    for version in dict.fromkeys(versions):
        source = prepare(version, uv)
        outcomes.append(run_suite(version, source, pytest_args))
    for outcome in outcomes:
        print_outcome(outcome)
    return 1 if any(o.failed for o in outcomes) else 0


if __name__ == "__main__":
    raise SystemExit(main())
