"""Provider profiles: a backend's known deviations from OpenAI, as data.

A profile is a JSON file::

    {
      "name": "litellm-proxy",
      "backend": "LiteLLM's proxy (litellm[proxy]) in front of an OpenAI upstream",
      "quirks": ["usage-chunk-with-choice"],
      "deviations": [
        {"check": "stream.usage-chunk", "reason": "...", "link": "https://...",
         "quirk": "usage-chunk-with-choice"}
      ]
    }

The same file serves two purposes. ``oai-mock contract --waive FILE`` shows the failures of
the listed checks (``check`` may be a glob such as ``stream.*``) as waived, without failing the
run; ``oai-mock serve --profile NAME``, ``OpenAIMock(profile=NAME)`` and the pytest marker's
``profile`` key make the fake reproduce the deviations (its ``quirks``), so that an application
can be tested offline against a provider's real behaviour. The kit ships profiles in this
package (``oai-mock profiles`` lists them); a path to a file of one's own works everywhere a name
does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any


class ProfileError(ValueError):
    """A profile that cannot be found or read."""


@dataclass(frozen=True)
class Deviation:
    check: str
    """A check id, or a glob of ids (``stream.*``)."""
    reason: str
    link: str = ""
    """Where the deviation is documented or was measured."""
    quirk: str | None = None
    """The fake's quirk that reproduces it, when there is one."""

    def to_dict(self) -> dict[str, Any]:
        return {"check": self.check, "reason": self.reason, "link": self.link, "quirk": self.quirk}


@dataclass(frozen=True)
class ProviderProfile:
    name: str
    backend: str
    quirks: tuple[str, ...]
    deviations: tuple[Deviation, ...]
    source: str = ""
    """The file it was read from."""


def shipped() -> list[str]:
    """The names of the profiles the kit ships."""
    folder = resources.files("oai_mock.profiles")
    return sorted(p.name[: -len(".json")] for p in folder.iterdir() if p.name.endswith(".json"))


def load_profile(name_or_path: str) -> ProviderProfile:
    """A shipped profile by name, or a profile file by path."""
    if name_or_path in shipped():
        text = resources.files("oai_mock.profiles").joinpath(f"{name_or_path}.json").read_text()
        source = f"oai_mock/profiles/{name_or_path}.json"
    else:
        path = Path(name_or_path)
        if not path.is_file():
            raise ProfileError(
                f"no profile {name_or_path!r}: not a file, and not one of the shipped {shipped()}"
            )
        text, source = path.read_text(encoding="utf-8"), str(path)
    try:
        raw = json.loads(text)
        if not isinstance(raw, dict):
            raise ProfileError(f"{source} is not a profile: a profile is a JSON object")
        listed = raw.get("deviations", [])
        if not isinstance(listed, list):
            raise ProfileError(f"{source} is not a profile: deviations must be a list")
        for number, d in enumerate(listed, 1):
            if not isinstance(d, dict) or not all(
                isinstance(d.get(key), str) and d.get(key) for key in ("check", "reason")
            ):
                raise ProfileError(
                    f"{source}: deviation {number} needs a check id and a reason (both text), "
                    f'as {{"check": "stream.framing", "reason": "..."}}; it is {d!r}'
                )
        deviations = tuple(
            Deviation(d["check"], d["reason"], d.get("link", ""), d.get("quirk")) for d in listed
        )
        profile = ProviderProfile(
            str(raw.get("name") or Path(source).stem),
            str(raw.get("backend", "")),
            tuple(raw.get("quirks", [])),
            deviations,
            source,
        )
    except ProfileError:
        raise
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ProfileError(f"{source} is not a profile: {type(error).__name__}: {error}") from None
    from oai_mock.mockserver.quirks import NAMES  # here: the package needs no server to load

    unknown = sorted(set(profile.quirks) - NAMES)
    if unknown:
        raise ProfileError(f"{source} names unknown quirks {unknown}")
    return profile


def print_shipped() -> int:
    """``oai-mock profiles``: each shipped profile, its backend, and how many of its deviations
    the fake reproduces."""
    for name in shipped():
        profile = load_profile(name)
        reproduced = sum(d.quirk is not None for d in profile.deviations)
        print(f"{name:<16} {profile.backend}")
        print(
            f"{'':<16} {len(profile.deviations)} deviations, {reproduced} reproduced by the "
            f"fake's quirks: {', '.join(profile.quirks)}"
        )
    return 0
