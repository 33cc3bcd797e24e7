"""Timing profiles pace the fake's answers like a model; recorded pacing scales."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
import pytest

from oai_mock import OpenAIMock
from oai_mock.mockserver.messages import MockRequest, MockResponse, Pause
from oai_mock.mockserver.timing import Timing, TimingError, TimingProfile
from oai_mock.recording.exchange import Exchange, RecordedResponse, StreamEvent
from oai_mock.recording.replay import ReplaySource

CHAT = {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "Tell me more"}]}


def _pauses(response: MockResponse) -> list[float]:
    assert response.stream is not None
    return [item.seconds for item in response.stream if isinstance(item, Pause)]


def _events(response: MockResponse) -> int:
    assert response.stream is not None
    return sum(isinstance(item, bytes) for item in response.stream)


def test_a_stream_waits_for_the_first_token_then_a_token_per_event() -> None:
    mock = OpenAIMock()
    events = _events(mock.request("POST", "/v1/chat/completions", json=CHAT | {"stream": True}))
    mock.timing = Timing(TimingProfile(first_token=0.5, tokens_per_second=20))
    pauses = _pauses(mock.request("POST", "/v1/chat/completions", json=CHAT | {"stream": True}))
    assert pauses == [0.5] + [0.05] * (events - 1)


def test_an_answer_that_is_not_streamed_arrives_after_its_tokens() -> None:
    mock = OpenAIMock()
    mock.timing = Timing(TimingProfile(first_token=0.25, tokens_per_second=100))
    answer = mock.request("POST", "/v1/chat/completions", json=CHAT)
    tokens = orjson.loads(answer.body)["usage"]["completion_tokens"]
    assert tokens > 0
    assert answer.delay == pytest.approx(0.25 + tokens / 100)
    # Errors are not paced.
    assert mock.request("POST", "/v1/chat/completions", json={"model": "m"}).delay == 0


def test_jitter_stays_within_its_fraction_and_repeats_with_the_seed() -> None:
    def pauses(seed: int) -> list[float]:
        mock = OpenAIMock()
        mock.timing = Timing(
            TimingProfile(first_token=1.0, tokens_per_second=10, jitter=0.2), seed=seed
        )
        return _pauses(mock.request("POST", "/v1/chat/completions", json=CHAT | {"stream": True}))

    first = pauses(1)
    assert 0.8 <= first[0] <= 1.2
    assert all(0.08 <= p <= 0.12 for p in first[1:])
    assert len(set(first[1:])) > 1
    assert pauses(1) == first
    assert pauses(2) != first


def test_profiles_by_model_exact_then_prefix_then_default() -> None:
    timing = Timing.parse(["ttft=1", "gpt-4o*:ttft=2", "gpt-4o-mini:ttft=3,tps=9,jitter=0"])
    assert timing.profile_for("gpt-4o-mini") == TimingProfile(3.0, 9.0, 0.0)
    assert timing.profile_for("gpt-4o-2024") == TimingProfile(2.0)
    assert timing.profile_for("o3") == TimingProfile(1.0)
    assert Timing.parse(["gpt-4o:tps=5"]).profile_for("o3") is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (["ttft"], "expected name=value"),
        (["speed=3"], "unknown field 'speed'"),
        (["tps=0"], "tokens_per_second must be positive"),
        (["jitter=2"], "jitter is a fraction"),
        (["ttft=soon"], "ttft must be a number"),
    ],
)
def test_bad_profiles_are_explained(value: list[str], message: str) -> None:
    with pytest.raises(TimingError, match=message):
        Timing.parse(value)


def test_a_scenario_style_mapping() -> None:
    timing = Timing.from_value(
        {"default": {"first_token": 0.1}, "models": {"gpt-4o": {"tokens_per_second": 40}}}
    )
    assert timing.profile_for("gpt-4o") == TimingProfile(tokens_per_second=40.0)
    assert timing.profile_for("x") == TimingProfile(first_token=0.1)
    with pytest.raises(TimingError, match="unknown key"):
        Timing.from_value({"default": {}, "extra": 1})


@pytest.mark.oai_mock(timing={"first_token": 0.2, "tokens_per_second": 1000})
def test_the_marker_sets_a_profile(oai_mock: OpenAIMock) -> None:
    answer = oai_mock.request("POST", "/v1/chat/completions", json=CHAT)
    assert answer.delay > 0.2


def test_recorded_pacing_replays_scaled() -> None:
    exchange = Exchange(
        MockRequest("POST", "/v1/chat/completions", body=orjson.dumps(CHAT)),
        RecordedResponse(
            200,
            [("content-type", "text/event-stream")],
            events=[StreamEvent(0.1, b"data: 1\n\n"), StreamEvent(0.3, b"data: 2\n\n")],
            after=0.5,
        ),
    )
    for pace, expected in ((1.0, [0.1, 0.2]), (2.0, [0.2, 0.4]), (0.0, [])):
        mock = OpenAIMock()
        mock.replay = ReplaySource([exchange], pace=pace)
        answer = mock.request("POST", "/v1/chat/completions", json=CHAT)
        assert _pauses(answer) == pytest.approx(expected)
        assert answer.delay == pytest.approx(0.5 * pace)


def test_serve_takes_timing_from_a_flag_or_the_scenario_file(tmp_path: Path) -> None:
    from oai_mock.cli import main

    assert main(["serve", "--timing", "ttft=soon", "--port", "0"]) == 2
    bad = tmp_path / "s.yaml"
    bad.write_text("rules: []\ntiming: {default: {speed: 1}}\n")
    assert main(["serve", "--scenario", str(bad), "--port", "0"]) == 2


def test_serve_reads_a_scenario_timing(tmp_path: Path, monkeypatch: Any) -> None:
    import argparse

    from oai_mock.recording.commands import configure_serve

    scenario = tmp_path / "s.yaml"
    scenario.write_text("rules: []\ntiming:\n  models:\n    gpt-4o-mini: {ttft: 0.7}\n")
    mock = OpenAIMock()
    args = argparse.Namespace(timing=[], scenario=str(scenario), seed=0, replay=None)
    assert configure_serve(mock, args) is None
    assert isinstance(mock.timing, Timing)
    assert mock.timing.profile_for("gpt-4o-mini") == TimingProfile(first_token=0.7)
