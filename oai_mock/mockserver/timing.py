"""Answer at a real model's pace: a timing profile per model, or one for every model.

A profile has a time to first token (``first_token``, seconds), a generation speed
(``tokens_per_second``) and ``jitter`` (each wait varies by up to that fraction, the same way
for the same seed). A stream waits ``first_token`` before its first event and one token's time
before each later event (the fake streams about a token per event); an answer that is not
streamed arrives after ``first_token`` plus its completion tokens (from its ``usage``) at that
speed.

>>> from oai_mock import OpenAIMock
>>> mock = OpenAIMock()
>>> mock.timing = Timing.parse(["first_token=0.3,tokens_per_second=50", "gpt-4o:tps=90"])
>>> mock.timing.profile_for("gpt-4o").tokens_per_second
90.0
"""

from __future__ import annotations

import random
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from oai_mock.mockserver.messages import MockResponse, Pause, StreamItem, is_event
from oai_mock.mockserver.requests import Call

# Short names a command line takes, and the profile's own names.
FIELDS = {
    "first_token": "first_token",
    "ttft": "first_token",
    "tokens_per_second": "tokens_per_second",
    "tps": "tokens_per_second",
    "jitter": "jitter",
}


class TimingError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class TimingProfile:
    first_token: float = 0.0
    tokens_per_second: float | None = None
    """None: tokens come as fast as the fake makes them."""
    jitter: float = 0.0

    def __post_init__(self) -> None:
        if self.first_token < 0:
            raise TimingError("first_token must be 0 seconds or more")
        if self.tokens_per_second is not None and self.tokens_per_second <= 0:
            raise TimingError("tokens_per_second must be positive")
        if not 0 <= self.jitter <= 1:
            raise TimingError("jitter is a fraction between 0 and 1")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any], where: str = "timing") -> TimingProfile:
        options: dict[str, float] = {}
        for name, value in values.items():
            field = FIELDS.get(str(name))
            if field is None:
                raise TimingError(f"{where}: unknown field {name!r}; one of {sorted(FIELDS)}")
            try:
                options[field] = float(value)
            except (TypeError, ValueError):
                raise TimingError(f"{where}: {name} must be a number, not {value!r}") from None
        try:
            return cls(**options)
        except TimingError as error:
            raise TimingError(f"{where}: {error}") from None


class Timing:
    """Profiles by model (an exact id, or a prefix ending in ``*``), and a default."""

    def __init__(
        self,
        default: TimingProfile | None = None,
        models: Mapping[str, TimingProfile] | None = None,
        *,
        seed: int = 0,
    ) -> None:
        self.default = default
        self.models = dict(models or {})
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    @classmethod
    def parse(cls, specs: Iterable[str], seed: int = 0) -> Timing:
        """From ``--timing`` values: ``first_token=0.3,tps=50,jitter=0.1`` for every model,
        ``MODEL:tps=80`` for one."""
        default: TimingProfile | None = None
        models: dict[str, TimingProfile] = {}
        for spec in specs:
            model, _, fields = spec.rpartition(":") if "=" in spec else ("", "", spec)
            values: dict[str, str] = {}
            for part in filter(None, (p.strip() for p in fields.split(","))):
                name, equals, value = part.partition("=")
                if not equals:
                    raise TimingError(f"--timing {spec!r}: expected name=value, got {part!r}")
                values[name.strip()] = value.strip()
            profile = TimingProfile.from_mapping(values, f"--timing {spec!r}")
            if model:
                models[model] = profile
            else:
                default = profile
        return cls(default, models, seed=seed)

    @classmethod
    def from_value(cls, value: Any, where: str = "timing", seed: int = 0) -> Timing:
        """From a scenario file's or a marker's ``timing``: a profile's fields, or
        ``{"default": {...}, "models": {"gpt-4o": {...}}}``."""
        if isinstance(value, Timing):
            return value
        if not isinstance(value, Mapping):
            raise TimingError(f"{where}: expected a mapping of timing fields")
        if "default" in value or "models" in value:
            unknown = set(value) - {"default", "models"}
            if unknown:
                raise TimingError(f"{where}: unknown key(s) {sorted(unknown)}")
            default = value.get("default")
            models = value.get("models") or {}
            if not isinstance(models, Mapping):
                raise TimingError(f"{where}.models: expected a mapping of model to profile")
            return cls(
                TimingProfile.from_mapping(default, f"{where}.default") if default else None,
                {
                    str(model): TimingProfile.from_mapping(fields, f"{where}.models.{model}")
                    for model, fields in models.items()
                },
                seed=seed,
            )
        return cls(TimingProfile.from_mapping(value, where), seed=seed)

    def profile_for(self, model: str | None) -> TimingProfile | None:
        if model:
            if model in self.models:
                return self.models[model]
            for pattern, profile in self.models.items():
                if pattern.endswith("*") and model.startswith(pattern[:-1]):
                    return profile
        return self.default

    def _vary(self, seconds: float, jitter: float) -> float:
        if not jitter or not seconds:
            return seconds
        with self._lock:
            factor = 1 + self._random.uniform(-jitter, jitter)
        return seconds * factor

    def __call__(self, call: Call, response: MockResponse) -> MockResponse:
        """``response`` paced by the profile of the model the request names."""
        model = call.json.get("model") or call.deployment
        profile = self.profile_for(model if isinstance(model, str) else None)
        if profile is None or response.status >= 400:
            return response
        token = 1 / profile.tokens_per_second if profile.tokens_per_second else 0.0
        if response.events is not None:
            response.events = self._paced(response.events, profile, token)
            return response
        response.delay += self._vary(
            profile.first_token + token * _completion_tokens(response), profile.jitter
        )
        return response

    def _paced(
        self, items: Iterator[StreamItem], profile: TimingProfile, token: float
    ) -> Iterator[StreamItem]:
        first = True
        for item in items:
            if is_event(item):
                wait = profile.first_token if first else token
                first = False
                if wait:
                    yield Pause(self._vary(wait, profile.jitter))
            yield item


def _completion_tokens(response: MockResponse) -> int:
    if not response.holds_value and not response.body.startswith(b"{"):
        return 0
    value = response.value
    usage = value.get("usage") if isinstance(value, dict) else None
    if not isinstance(usage, dict):
        return 0
    count = usage.get("completion_tokens", usage.get("output_tokens", 0))
    return count if isinstance(count, int) else 0
