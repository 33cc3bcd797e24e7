"""The README's "Record and replay" section: its cassette is a valid cassette, its pytest
example passes against it, and its timing profiles parse."""

from __future__ import annotations

import re

import pytest
import yaml
from test_readme import section

from oai_mock.mockserver.timing import Timing, TimingProfile
from oai_mock.recording.cassette import parse_cassette

pytest_plugins = ["pytester"]

TEXT = section("Record and replay")


def _blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", TEXT, flags=re.S)


CASSETTE = next(block for block in _blocks("yaml") if block.startswith("oai_mock_cassette"))


def test_the_documented_cassette_loads() -> None:
    chat, stream = parse_cassette(CASSETTE, "README")
    assert chat.request.headers["authorization"] == "<scrubbed>"
    assert chat.response.body.startswith(b'{\n  "id": "chatcmpl-')
    assert stream.response.events is not None
    assert [event.raw[-8:] for event in stream.response.events][-1] == b"[DONE]\n\n"
    assert [event.at for event in stream.response.events] == [0.31, 0.36, 0.37]


def test_the_pytest_example_replays_the_documented_cassette(pytester: pytest.Pytester) -> None:
    (example,) = _blocks("python")
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    (pytester.path / "cassettes").mkdir()
    (pytester.path / "cassettes" / "test_greeting.yaml").write_text(CASSETTE)
    pytester.makepyfile(test_greeting=example)
    pytester.runpytest("-p", "no:cacheprovider").assert_outcomes(passed=1)


def test_the_documented_timing_profiles_parse() -> None:
    command = next(line for line in _blocks("bash")[-1].splitlines() if "--timing" in line)
    specs = [spec.strip("'") for spec in re.findall(r"--timing (\S+)", command)]
    timing = Timing.parse(specs)
    assert timing.profile_for("gpt-4o-2024") == TimingProfile(tokens_per_second=90.0)
    assert timing.profile_for("o3") == TimingProfile(0.4, 60.0, 0.2)
    scenario = next(block for block in _blocks("yaml") if block.startswith("# in a scenario"))
    from_file = Timing.from_value(yaml.safe_load(scenario)["timing"])
    assert from_file.profile_for("gpt-4o-mini") == TimingProfile(0.2, 120.0)
