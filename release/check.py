"""Checks of what a build produced: a staged wheel set is closed under the target's
markers, and each .vsix carries every required wheel within its size budget."""

from __future__ import annotations

import io
import tarfile
import zipfile
from collections.abc import Iterable, Sequence
from email.parser import HeaderParser
from pathlib import Path, PurePosixPath

from packaging.requirements import Requirement

from release.lock import Pin, unmet_requirements
from release.targets import Target, marker_environment
from release.wheels import missing_wheels, parse_wheels

MB = 1024 * 1024

# Measured sizes (docs/packaging.md) plus headroom for new releases of the wheels: a
# .vsix carries one tree-sitter core wheel per Python version and the abi3 grammars.
VSIX_BUDGET_BYTES = 8 * MB
WHEELHOUSE_BUDGET_BYTES = 8 * MB

VSIX_SERVER_FOLDER = "extension/dist/server/"
WHEELHOUSE_MANIFEST = "wheelhouse.json"


def size_problem(label: str, size: int, budget: int) -> str | None:
    if size <= budget:
        return None
    return f"{label} is {size / MB:.1f} MB, over its budget of {budget / MB:.1f} MB"


def requires_of(wheel_bytes: bytes) -> tuple[Requirement, ...]:
    """The Requires-Dist lines of a wheel's METADATA."""
    with zipfile.ZipFile(io.BytesIO(wheel_bytes)) as wheel:
        names = [name for name in wheel.namelist() if name.endswith(".dist-info/METADATA")]
        if len(names) != 1:
            raise ValueError(f"a wheel has {len(names)} METADATA files")
        text = wheel.read(names[0]).decode("utf-8")
    headers = HeaderParser().parsestr(text)
    return tuple(Requirement(line) for line in headers.get_all("Requires-Dist") or ())


def closure_problems(
    requirements: Iterable[Requirement], pins: Sequence[Pin], target: Target, python: str
) -> list[str]:
    """The dependencies of the shipped wheels that CPython `python` on `target` needs
    and the lock does not provide, so an offline install would fail on them."""
    environment = marker_environment(target, python)
    return [
        f"{target.name} / Python {python}: {problem}"
        for problem in unmet_requirements(requirements, pins, [environment])
    ]


def contents_problems(
    label: str,
    entries: Sequence[str],
    pins: Sequence[Pin],
    target: Target,
    pythons: Sequence[str],
) -> list[str]:
    """What a package's wheels lack: one of each pin for each Python version, and the
    server's own wheel."""
    wheels = parse_wheels(entries)
    missing = missing_wheels(wheels, pins, target, pythons)
    problems = [f"{label}: {item}" for item in missing]
    if not any(wheel.name == "siyada" for wheel in wheels):
        problems.append(f"{label}: the server's own wheel (siyada-*.whl) is missing")
    return problems


def vsix_problems(
    vsix: Path, pins: Sequence[Pin], target: Target, pythons: Sequence[str], budget: int
) -> list[str]:
    """What the .vsix lacks (the wheels, the manifest its installer reads) and whether it
    is over its size budget."""
    with zipfile.ZipFile(vsix) as archive:
        entries = [name for name in archive.namelist() if name.startswith(VSIX_SERVER_FOLDER)]
    problems = contents_problems(vsix.name, entries, pins, target, pythons)
    if VSIX_SERVER_FOLDER + WHEELHOUSE_MANIFEST not in entries:
        problems.append(f"{vsix.name}: {WHEELHOUSE_MANIFEST} is missing")
    too_big = size_problem(vsix.name, vsix.stat().st_size, budget)
    return [*problems, *([too_big] if too_big else [])]


def wheelhouse_problems(
    archive: Path, pins: Sequence[Pin], target: Target, pythons: Sequence[str], budget: int
) -> list[str]:
    """What the wheelhouse archive (.tar.gz, or .zip for Windows) lacks: the wheels
    under wheels/ and the install script; and whether it is over its size budget."""
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as opened:
            names = opened.namelist()
    else:
        with tarfile.open(archive) as opened:
            names = opened.getnames()
    wheels = [name for name in names if PurePosixPath(name).parent.name == "wheels"]
    problems = contents_problems(archive.name, wheels, pins, target, pythons)
    script = "install.ps1" if target.windows else "install.sh"
    if not any(PurePosixPath(name).name == script for name in names):
        problems.append(f"{archive.name}: {script} is missing")
    too_big = size_problem(archive.name, archive.stat().st_size, budget)
    return [*problems, *([too_big] if too_big else [])]


def missing_platforms_message(problems_by_target: dict[str, list[str]]) -> str | None:
    """One message naming every platform whose wheels the index lacks, with what is
    missing; None when none is."""
    lacking = {target: problems for target, problems in problems_by_target.items() if problems}
    if not lacking:
        return None
    lines = [f"The package index lacks wheels for: {', '.join(lacking)}."]
    lines += [f"  {problem}" for problems in lacking.values() for problem in problems]
    lines.append("These platforms' packages were not built; the others were.")
    return "\n".join(lines)
