"""Which wheels a target needs, which of them a folder (or a .vsix) holds, and fetching
the missing ones into a cache outside the repository with `pip download`."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from packaging.tags import Tag
from packaging.utils import InvalidWheelFilename, NormalizedName, parse_wheel_filename

from release.lock import Pin
from release.resolve import platform_options
from release.targets import Target, supported_tags


@dataclass(frozen=True)
class Wheel:
    file: str  # the file name, as in a folder or a zip
    name: NormalizedName
    version: str
    tags: frozenset[Tag]


@dataclass(frozen=True)
class MissingWheel:
    """No wheel of `pin` that CPython `python` on `target` can install."""

    target: str
    python: str
    pin: Pin

    def __str__(self) -> str:
        return f"{self.target}: no wheel of {self.pin} for Python {self.python}"


def parse_wheels(paths: Iterable[str]) -> tuple[Wheel, ...]:
    """The wheels among `paths` (file names or zip entries); other files are ignored."""
    wheels: list[Wheel] = []
    for path in paths:
        file = PurePosixPath(path.replace("\\", "/")).name
        if not file.endswith(".whl"):
            continue
        try:
            name, version, _, tags = parse_wheel_filename(file)
        except InvalidWheelFilename:
            continue
        wheels.append(Wheel(file, name, str(version), frozenset(tags)))
    return tuple(wheels)


def pick(wheels: Iterable[Wheel], pin: Pin, target: Target, python: str) -> Wheel | None:
    """The wheel of `pin` that CPython `python` on `target` would install, if any."""
    accepted = supported_tags(target, python)
    for wheel in wheels:
        if wheel.name == pin.name and wheel.version == pin.version and wheel.tags & accepted:
            return wheel
    return None


def missing_wheels(
    wheels: Sequence[Wheel], pins: Iterable[Pin], target: Target, pythons: Iterable[str]
) -> list[MissingWheel]:
    """Every (pin, Python version) pair `wheels` has no installable wheel for."""
    return [
        MissingWheel(target.name, python, pin)
        for python in pythons
        for pin in pins
        if pick(wheels, pin, target, python) is None
    ]


def wheels_for(
    wheels: Sequence[Wheel], pins: Iterable[Pin], target: Target, pythons: Iterable[str]
) -> tuple[Wheel, ...]:
    """The wheels of `pins` needed on `target` for each of `pythons`, each file once."""
    chosen = {
        found.file: found
        for python in pythons
        for pin in pins
        if (found := pick(wheels, pin, target, python)) is not None
    }
    return tuple(chosen[file] for file in sorted(chosen))


def cache_folder() -> Path:
    """Where downloaded wheels are kept between builds: outside the repository, so a
    second build needs no network."""
    explicit = os.environ.get("SIYADA_WHEEL_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "siyada-wheels"


def download(pins: Sequence[Pin], target: Target, python: str, folder: Path) -> str:
    """`pip download` of exactly `pins` for `target` and `python` into `folder`; pip's
    error output when it fails (typically: no wheel for that platform on the index)."""
    folder.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
        "--dest", str(folder), *platform_options(target, python), *(str(pin) for pin in pins),
    ]  # fmt: skip
    completed = subprocess.run(command, capture_output=True, text=True, check=False)
    return "" if completed.returncode == 0 else completed.stderr.strip()


def fetch(pins: Sequence[Pin], target: Target, pythons: Sequence[str], folder: Path) -> list[str]:
    """Makes `folder` hold a wheel of every pin for every Python version, downloading only
    what is not there yet; the problems pip reported, if any. One folder serves every
    target: wheel file names differ by platform, and pure wheels are fetched once."""
    problems: list[str] = []
    for python in pythons:
        present = parse_wheels(os.listdir(folder)) if folder.is_dir() else ()
        absent = [pin for pin in pins if pick(present, pin, target, python) is None]
        if not absent or not download(absent, target, python, folder):
            continue
        # One request failed: ask for each pin alone, to name the ones the index lacks.
        for pin in absent:
            error = download([pin], target, python, folder)
            if error:
                problems.append(f"{target.name}: pip download {pin} for Python {python}: {error}")
    return problems
