"""Resolves pyproject.toml's ranges for every target and Python version with pip's
resolver (`pip install --dry-run --report`), and merges the results into one lock.

pip evaluates dependency markers against the machine it runs on, not the target, so the
closure is checked again here with each target's own marker values; a dependency that
only another platform needs is added and that target resolved again."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from packaging.requirements import Requirement
from packaging.utils import NormalizedName, canonicalize_name

from release.lock import Pin, unmet_requirements
from release.targets import PYTHON_VERSIONS, TARGETS, Target, marker_environment

_MAX_ROUNDS = 4


@dataclass(frozen=True)
class Resolved:
    """What pip chose for one target and Python: each package's version and its
    declared dependencies."""

    target: Target
    python: str
    versions: dict[NormalizedName, str]
    requires: tuple[Requirement, ...]


class ResolveError(RuntimeError):
    pass


def platform_options(target: Target, python: str) -> list[str]:
    """pip options that make it choose wheels for `target` under CPython `python`."""
    options = ["--only-binary", ":all:", "--implementation", "cp", "--python-version", python]
    for platform in target.platforms:
        options += ["--platform", platform]
    return options


def resolve_one(target: Target, python: str, requirements: Iterable[Requirement]) -> Resolved:
    with tempfile.TemporaryDirectory(prefix="siyada-resolve-") as scratch:
        report = Path(scratch) / "report.json"
        command = [
            sys.executable, "-m", "pip", "install", "--quiet", "--dry-run",
            "--ignore-installed", "--target", str(Path(scratch) / "target"),
            "--report", str(report), *platform_options(target, python),
            *(str(requirement) for requirement in requirements),
        ]  # fmt: skip
        completed = subprocess.run(command, capture_output=True, text=True, check=False)
        if completed.returncode != 0:
            raise ResolveError(
                f"resolving for {target.name} / Python {python} failed:\n{completed.stderr}"
            )
        return _parse_report(target, python, json.loads(report.read_text(encoding="utf-8")))


def _parse_report(target: Target, python: str, report: dict[str, Any]) -> Resolved:
    """pip's installation report (its `install` list, each with core `metadata`)."""
    versions: dict[NormalizedName, str] = {}
    requires: list[Requirement] = []
    for item in report["install"]:
        metadata = item["metadata"]
        versions[canonicalize_name(metadata["name"])] = metadata["version"]
        requires.extend(Requirement(line) for line in metadata.get("requires_dist") or ())
    return Resolved(target, python, versions, tuple(requires))


def resolve_all(requirements: tuple[Requirement, ...]) -> tuple[Pin, ...]:
    """One version per package across every target and Python version, checked to be a
    closed set under each target's markers."""
    results = [
        resolve_closed(target, python, requirements)
        for target in TARGETS
        for python in PYTHON_VERSIONS
    ]
    return merge(results)


def resolve_closed(target: Target, python: str, requirements: tuple[Requirement, ...]) -> Resolved:
    """pip's resolution, with each dependency the target's markers call for and pip left
    out (it read the markers for this machine) added until none is missing."""
    wanted = list(requirements)
    environment = marker_environment(target, python)
    for _ in range(_MAX_ROUNDS):
        resolved = resolve_one(target, python, wanted)
        pins = [Pin(name, version) for name, version in resolved.versions.items()]
        gaps = [
            requirement
            for requirement in resolved.requires
            if unmet_requirements([requirement], pins, [environment])
        ]
        if not gaps:
            return resolved
        wanted += [_unmarked(gap) for gap in gaps]
    raise ResolveError(f"{target.name} / Python {python}: the closure does not settle: {gaps}")


def _unmarked(requirement: Requirement) -> Requirement:
    """The requirement without its marker, which already holds on the target: pip would
    evaluate it for this machine and drop it again."""
    bare = Requirement(str(requirement))
    bare.marker = None
    return bare


def merge(results: Iterable[Resolved]) -> tuple[Pin, ...]:
    """The union of every resolution; a package resolved to two versions is an error
    naming where each was chosen, since the lock keeps one version per package."""
    chosen: dict[NormalizedName, tuple[str, str]] = {}
    conflicts: list[str] = []
    for result in results:
        where = f"{result.target.name} / Python {result.python}"
        for name, version in result.versions.items():
            first = chosen.setdefault(name, (version, where))
            if first[0] != version:
                conflicts.append(f"{name}: {first[0]} on {first[1]}, {version} on {where}")
    if conflicts:
        raise ResolveError("targets resolved to different versions:\n" + "\n".join(conflicts))
    return tuple(Pin(name, version) for name, (version, _) in chosen.items())
