"""Provider profiles: the fake reproduces each shipped profile, and a contract run against it,
waiving that profile's deviations, has no failure left and a waived failure for every
deviation listed."""

from __future__ import annotations

import json
import subprocess
import sys
from fnmatch import fnmatchcase
from pathlib import Path

import httpx
import pytest
from served import ServedFake

from oai_mock import OpenAIMock
from oai_mock.contracts.checks import CATALOGUE
from oai_mock.contracts.runner import ContractRun
from oai_mock.contracts.waivers import load_waivers
from oai_mock.mockserver.live import LiveServer
from oai_mock.profiles import ProfileError, load_profile, shipped


def test_profiles_ship_with_their_sources() -> None:
    assert {"litellm-proxy", "mockllm", "ai-mock"} <= set(shipped())
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
    reproduced = [d for d in load_profile(name).deviations if d.quirk]
    assert reproduced
    for deviation in reproduced:  # the others the fake does not reproduce, and says so
        assert deviation.quirk in mock.quirks, deviation
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


def test_serve_reproduces_a_shipped_profile(tmp_path: Path) -> None:
    served = ServedFake(tmp_path / "serve.log", "--profile", "mockllm")
    try:
        answer = httpx.post(
            f"{served.url}/chat/completions",
            json={"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]},
            timeout=30,
        ).json()
        unknown = httpx.get(f"{served.url}/no-such-path", timeout=30)
    finally:
        served.stop()
    choice = answer["choices"][0]
    assert "refusal" not in choice["message"] and "logprobs" not in choice  # its two omissions
    assert unknown.status_code == 404 and "detail" in unknown.json()  # FastAPI's errors


@pytest.mark.oai_mock(profile="ai-mock")
def test_the_marker_turns_a_measured_profile_on(oai_mock: OpenAIMock) -> None:
    assert set(load_profile("ai-mock").quirks) == oai_mock.quirks


def test_the_command_lists_the_shipped_profiles() -> None:
    listed = subprocess.run(
        [sys.executable, "-m", "oai_mock.cli", "profiles"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert listed.returncode == 0
    for name in shipped():
        assert f"\n{name} " in f"\n{listed.stdout}", listed.stdout
    assert "mockllm 0.0.8" in listed.stdout and "deviations, " in listed.stdout


def test_a_documented_profile_says_so_and_links_its_source() -> None:
    profile = load_profile("groq")
    assert "documented, not measured" in profile.backend
    assert {d.link for d in profile.deviations} == {"https://console.groq.com/docs/openai"}


def test_serve_reproduces_a_documented_profile(tmp_path: Path) -> None:
    served = ServedFake(tmp_path / "serve.log", "--profile", "groq")
    chat = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]}
    try:
        two = httpx.post(f"{served.url}/chat/completions", json={**chat, "n": 2}, timeout=30)
        bias = httpx.post(
            f"{served.url}/chat/completions", json={**chat, "logit_bias": {"1": 5}}, timeout=30
        )
        plain = httpx.post(f"{served.url}/chat/completions", json=chat, timeout=30)
    finally:
        served.stop()
    assert (two.status_code, two.json()["error"]["param"]) == (400, "n")
    assert (bias.status_code, bias.json()["error"]["param"]) == (400, "logit_bias")
    assert plain.status_code == 200
