"""`requirements.lock`: the exact version of every package in the server's runtime
closure, on every target and supported Python. pyproject.toml's ranges stay the source;
`python -m release lock` resolves them again and rewrites the lock."""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
LOCK_PATH = Path(__file__).resolve().parent / "requirements.lock"
PYPROJECT_PATH = ROOT / "pyproject.toml"

_HEADER = """\
# The server's runtime dependency closure with exact versions, the same on every target
# (linux, macOS, Windows) and Python version Siyada ships wheels for.
# Generated from pyproject.toml's ranges by `python -m release lock`; do not edit.
"""


@dataclass(frozen=True)
class Pin:
    name: NormalizedName
    version: str

    def __str__(self) -> str:
        return f"{self.name}=={self.version}"


def project_metadata(pyproject: Path = PYPROJECT_PATH) -> tuple[str, tuple[Requirement, ...]]:
    """The project's version and its runtime requirements, as pyproject.toml states them."""
    project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
    requirements = tuple(Requirement(line) for line in project["dependencies"])
    return str(project["version"]), requirements


def parse_lock(text: str) -> tuple[Pin, ...]:
    pins: list[Pin] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, separator, version = line.partition("==")
        if not separator or not name.strip() or not version.strip():
            raise ValueError(f"requirements.lock line {number}: {raw!r} is not name==version")
        pins.append(Pin(canonicalize_name(name.strip()), version.strip()))
    return tuple(pins)


def read_lock(path: Path = LOCK_PATH) -> tuple[Pin, ...]:
    return parse_lock(path.read_text(encoding="utf-8"))


def format_lock(pins: Iterable[Pin]) -> str:
    return _HEADER + "".join(f"{pin}\n" for pin in sorted(pins, key=lambda pin: pin.name))


def unmet_requirements(
    requirements: Iterable[Requirement],
    pins: Iterable[Pin],
    environments: Iterable[Mapping[str, str]],
) -> list[str]:
    """Each requirement that applies in one of `environments` and that no pin satisfies,
    as a sentence; empty when the pins satisfy them all."""
    by_name = {pin.name: pin for pin in pins}
    environments = list(environments)
    problems: list[str] = []
    for requirement in requirements:
        if not _applies(requirement, environments):
            continue
        pin = by_name.get(canonicalize_name(requirement.name))
        if pin is None:
            problems.append(f"{requirement} is required but not locked")
        elif not requirement.specifier.contains(pin.version, prereleases=True):
            problems.append(f"{requirement} is required but {pin} is locked")
    return problems


def _applies(requirement: Requirement, environments: list[Mapping[str, str]]) -> bool:
    if requirement.marker is None:
        return True
    # Extras are never requested by the server's closure.
    return any(requirement.marker.evaluate({**env, "extra": ""}) for env in environments)
