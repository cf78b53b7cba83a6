"""`npm run package:all`: for each target, the wheels of every locked package for every
supported Python (from the cache, else the index), staged with the server's wheel into
dist/server/ for `vsce package --target`, then a wheelhouse archive of the same wheels;
each result checked, and dist/vsix/manifest.json written for tests and release notes."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import tarfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from release.check import (
    MB,
    VSIX_BUDGET_BYTES,
    WHEELHOUSE_BUDGET_BYTES,
    WHEELHOUSE_MANIFEST,
    closure_problems,
    missing_platforms_message,
    requires_of,
    vsix_problems,
    wheelhouse_problems,
)
from release.lock import ROOT, Pin, project_metadata, read_lock, unmet_requirements
from release.targets import PYTHON_VERSIONS, TARGETS, Target, marker_environment
from release.wheels import Wheel, cache_folder, fetch, missing_wheels, parse_wheels, wheels_for

SERVER_FOLDER = ROOT / "dist" / "server"
VSIX_FOLDER = ROOT / "dist" / "vsix"
WHEELHOUSE_FOLDER = ROOT / "dist" / "wheelhouse"
INSTALL_SCRIPTS = Path(__file__).resolve().parent  # install.sh, install.ps1


class BuildError(RuntimeError):
    pass


@dataclass(frozen=True)
class Built:
    target: str
    vsix: Path
    wheelhouse: Path
    wheels: tuple[str, ...]


def vsix_path(target: Target) -> Path:
    return VSIX_FOLDER / f"siyada-{target.name}.vsix"


def wheelhouse_path(target: Target, version: str) -> Path:
    suffix = "zip" if target.windows else "tar.gz"
    return WHEELHOUSE_FOLDER / f"siyada-{version}-{target.name}-wheelhouse.{suffix}"


def server_wheel() -> Path:
    found = sorted(SERVER_FOLDER.glob("siyada-*.whl"))
    if len(found) != 1:
        raise BuildError(
            f"expected one server wheel in {SERVER_FOLDER}, found {len(found)}: "
            "run `npm run build:server-wheel` first"
        )
    return found[0]


def check_lock(pins: Sequence[Pin]) -> None:
    _, requirements = project_metadata()
    environments = [marker_environment(t, p) for t in TARGETS for p in PYTHON_VERSIONS]
    problems = unmet_requirements(requirements, pins, environments)
    if problems:
        raise BuildError(
            "release/requirements.lock does not satisfy pyproject.toml; run "
            "`python -m release lock`:\n" + "\n".join(problems)
        )


def stage(target: Target, wheels: Sequence[Wheel], cache: Path, server: Path) -> None:
    """dist/server/ holds the server's wheel, `wheels` and the manifest the extension's
    installer reads to install offline."""
    clear_stage(server)
    for wheel in wheels:
        shutil.copy2(cache / wheel.file, SERVER_FOLDER / wheel.file)
    manifest = {"target": target.name, "pythons": list(PYTHON_VERSIONS)}
    (SERVER_FOLDER / WHEELHOUSE_MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")


def clear_stage(server: Path) -> None:
    """Leaves only the server's wheel in dist/server/, as `npm run package` makes it."""
    for path in SERVER_FOLDER.iterdir():
        if path != server:
            path.unlink()


def check_closure(target: Target, files: Sequence[Path], pins: Sequence[Pin]) -> None:
    """Every dependency the shipped wheels declare, under the target's markers, is locked."""
    requirements = [req for file in files for req in requires_of(file.read_bytes())]
    problems = [
        problem
        for python in PYTHON_VERSIONS
        for problem in closure_problems(requirements, pins, target, python)
    ]
    if problems:
        raise BuildError("the shipped wheels need packages the lock lacks:\n" + "\n".join(problems))


def package_vsix(target: Target) -> Path:
    out = vsix_path(target)
    out.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(ROOT / "node_modules" / ".bin" / "vsce"), "package", "--no-dependencies",
        "--readme-path", "client/README.md", "--allow-missing-repository",
        "--target", target.name, "--out", str(out),
    ]  # fmt: skip
    completed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if completed.returncode != 0:
        raise BuildError(f"vsce package --target {target.name} failed:\n{completed.stderr}")
    return out


def install_script(target: Target, version: str) -> tuple[str, str]:
    """The install script's name and text, with the shipped versions filled in."""
    name = "install.ps1" if target.windows else "install.sh"
    text = (INSTALL_SCRIPTS / name).read_text(encoding="utf-8")
    return name, text.replace("@PYTHONS@", " ".join(PYTHON_VERSIONS)).replace("@VERSION@", version)


def write_wheelhouse(target: Target, version: str, files: Sequence[Path]) -> Path:
    """An archive with one folder: wheels/ and the install script."""
    out = wheelhouse_path(target, version)
    out.parent.mkdir(parents=True, exist_ok=True)
    top = f"siyada-{version}-{target.name}"
    script_name, script = install_script(target, version)
    if target.windows:
        with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr(f"{top}/{script_name}", script)
            for file in files:
                archive.write(file, f"{top}/wheels/{file.name}")
        return out
    with tarfile.open(out, "w:gz") as archive:
        data = script.encode("utf-8")
        info = tarfile.TarInfo(f"{top}/{script_name}")
        info.size, info.mode = len(data), 0o755
        archive.addfile(info, io.BytesIO(data))
        for file in files:
            archive.add(file, f"{top}/wheels/{file.name}")
    return out


def build_target(
    target: Target, version: str, pins: Sequence[Pin], cache: Path
) -> tuple[Built, list[str]]:
    """The target's .vsix and wheelhouse; the problems their checks found."""
    server = server_wheel()
    wheels = wheels_for(
        parse_wheels(p.name for p in cache.iterdir()), pins, target, PYTHON_VERSIONS
    )
    files = [server, *(cache / wheel.file for wheel in wheels)]
    check_closure(target, files, pins)
    stage(target, wheels, cache, server)
    try:
        vsix = package_vsix(target)
    finally:
        clear_stage(server)
    wheelhouse = write_wheelhouse(target, version, files)
    problems = vsix_problems(vsix, pins, target, PYTHON_VERSIONS, VSIX_BUDGET_BYTES)
    problems += wheelhouse_problems(
        wheelhouse, pins, target, PYTHON_VERSIONS, WHEELHOUSE_BUDGET_BYTES
    )
    names = (server.name, *(wheel.file for wheel in wheels))
    return Built(target.name, vsix, wheelhouse, names), problems


def describe(item: Built) -> str:
    def size(path: Path) -> str:
        return f"{path.relative_to(ROOT)} ({path.stat().st_size / MB:.1f} MB)"

    return f"{item.target}: {size(item.vsix)}, {size(item.wheelhouse)}"


def manifest(version: str, built: Sequence[Built]) -> dict[str, object]:
    def entry(item: Built) -> dict[str, object]:
        return {
            "file": item.vsix.name,
            "size": item.vsix.stat().st_size,
            "wheels": list(item.wheels),
            "wheelhouse": {
                "file": item.wheelhouse.name,
                "size": item.wheelhouse.stat().st_size,
            },
        }

    return {
        "version": version,
        "pythons": list(PYTHON_VERSIONS),
        "vsix_budget": VSIX_BUDGET_BYTES,
        "wheelhouse_budget": WHEELHOUSE_BUDGET_BYTES,
        "targets": {item.target: entry(item) for item in built},
    }


def build(targets: Sequence[Target]) -> int:
    version, _ = project_metadata()
    pins = read_lock()
    check_lock(pins)
    cache = cache_folder()
    cache.mkdir(parents=True, exist_ok=True)
    lacking: dict[str, list[str]] = {}
    built: list[Built] = []
    failures: list[str] = []
    for target in targets:
        # A target that fails leaves no package of an earlier build to be taken for its own.
        vsix_path(target).unlink(missing_ok=True)
        wheelhouse_path(target, version).unlink(missing_ok=True)
        pip_errors = fetch(pins, target, PYTHON_VERSIONS, cache)
        missing = missing_wheels(
            parse_wheels(p.name for p in cache.iterdir()), pins, target, PYTHON_VERSIONS
        )
        lacking[target.name] = [str(item) for item in missing]
        if missing:
            failures += pip_errors
            continue
        item, problems = build_target(target, version, pins, cache)
        built.append(item)
        failures += problems
        print(describe(item))
    VSIX_FOLDER.mkdir(parents=True, exist_ok=True)
    (VSIX_FOLDER / "manifest.json").write_text(
        json.dumps(manifest(version, built), indent=2) + "\n"
    )
    message = missing_platforms_message(lacking)
    for line in [*failures, *([message] if message else [])]:
        print(line, file=sys.stderr)
    return 1 if failures or message else 0
