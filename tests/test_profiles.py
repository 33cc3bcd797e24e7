"""Provider profiles: the fake reproduces each shipped profile, and a contract run against it,
waiving that profile's deviations, has no failure left and a waived failure for every
deviation listed."""

from __future__ import annotations

import json
import subprocess
import sys
from fnmatch import fnmatchcase
from pathlib import Path

import pytest

from oai_mock import OpenAIMock
from oai_mock.contracts.checks import CATALOGUE
from oai_mock.contracts.runner import ContractRun
from oai_mock.contracts.waivers import load_waivers
from oai_mock.mockserver.live import LiveServer
from oai_mock.profiles import ProfileError, load_profile, shipped


def test_profiles_ship_with_their_sources() -> None:
    assert "litellm-proxy" in shipped()
    for name in shipped():
        profile = load_profile(name)
        assert profile.backend and profile.deviations
        for deviation in profile.deviations:
            assert deviation.reason and deviation.link
            assert any(fnmatchcase(c.id, deviation.check) for c in CATALOGUE), deviation.check


@pytest.mark.parametrize("name", shipped())
def test_the_fake_reproduces_a_profile_and_the_waived_run_passes(name: str) -> None:
    mock = OpenAIMock(api_key="sk-contract", strict_models=True, profile=name)
    with LiveServer(mock) as server:
        results = ContractRun(
            server.url, api_key="sk-contract", max_examples=1, waivers=load_waivers(name)
        ).execute()
    failed = [f"{r.check.id}: {r.message}" for r in results.results if r.outcome == "failed"]
    assert not failed, failed
    waived = [r.check.id for r in results.results if r.outcome == "waived"]
    for deviation in load_profile(name).deviations:
        assert any(fnmatchcase(c, deviation.check) for c in waived), deviation.check
    assert results.exit_code("extension") == 0


def test_a_profile_file_of_ones_own(tmp_path: Path) -> None:
    path = tmp_path / "gateway.json"
    path.write_text(json.dumps({"backend": "a gateway", "quirks": ["no-done"], "deviations": []}))
    assert OpenAIMock(profile=str(path)).quirks == {"no-done"}
    path.write_text(json.dumps({"quirks": ["no-such-quirk"]}))
    with pytest.raises(ProfileError, match="unknown quirks"):
        load_profile(str(path))
    path.write_text("[1, 2]")
    with pytest.raises(ProfileError, match="is not a profile"):
        load_profile(str(path))


def test_serve_and_contract_refuse_an_unknown_profile() -> None:
    for command in (
        ["serve", "--profile", "nope"],
        ["contract", "--base-url", "http://127.0.0.1:9/v1", "--waive", "nope"],
    ):
        result = subprocess.run(
            [sys.executable, "-m", "oai_mock.cli", *command],
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 2 and "no profile 'nope'" in result.stderr, result.stderr


@pytest.mark.oai_mock(profile="litellm-proxy")
def test_the_marker_turns_a_profile_on(oai_mock: OpenAIMock) -> None:
    assert "usage-chunk-with-choice" in oai_mock.quirks
