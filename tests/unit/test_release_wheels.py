"""Which wheels a per-platform package needs, which of them a folder or a .vsix holds,
and the messages when some are missing or a package is over its size budget."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from release import wheels as wheels_module
from release.check import (
    MB,
    closure_problems,
    missing_platforms_message,
    requires_of,
    size_problem,
    vsix_problems,
    wheelhouse_problems,
)
from release.lock import Pin
from release.targets import target_named
from release.wheels import fetch, missing_wheels, parse_wheels, wheels_for

LINUX = target_named("linux-x64")
WINDOWS = target_named("win32-x64")
PYTHONS = ("3.11", "3.12")
PINS = (Pin(canonicalize_name("tree-sitter"), "0.26.1"), Pin(canonicalize_name("httpx"), "0.28.1"))

LINUX_FILES = [
    "tree_sitter-0.26.1-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
    "tree_sitter-0.26.1-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
    "httpx-0.28.1-py3-none-any.whl",
]


def test_a_complete_folder_misses_nothing_and_ships_each_file_once() -> None:
    found = parse_wheels(["README.txt", *LINUX_FILES])
    assert missing_wheels(found, PINS, LINUX, PYTHONS) == []
    assert [w.file for w in wheels_for(found, PINS, LINUX, PYTHONS)] == sorted(LINUX_FILES)


def test_a_missing_core_wheel_is_named_with_its_python_version() -> None:
    found = parse_wheels(LINUX_FILES[1:])
    missing = missing_wheels(found, PINS, LINUX, PYTHONS)
    assert [str(m) for m in missing] == [
        "linux-x64: no wheel of tree-sitter==0.26.1 for Python 3.11"
    ]


def test_another_version_or_platform_does_not_count() -> None:
    found = parse_wheels(
        [
            "tree_sitter-0.25.2-cp311-cp311-manylinux2014_x86_64.whl",
            "tree_sitter-0.26.1-cp311-cp311-win_amd64.whl",
            "httpx-0.28.1-py3-none-any.whl",
        ]
    )
    missing = missing_wheels(found, PINS, LINUX, ("3.11",))
    assert [m.pin.name for m in missing] == ["tree-sitter"]


def test_zip_entries_are_read_by_their_file_name() -> None:
    found = parse_wheels(["extension/dist/server/httpx-0.28.1-py3-none-any.whl", "not-a.whl"])
    assert [(w.name, w.version) for w in found] == [("httpx", "0.28.1")]


def test_fetch_downloads_only_what_the_cache_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for file in LINUX_FILES[1:]:
        (tmp_path / file).write_bytes(b"")
    requests: list[tuple[list[str], str]] = []

    def download(pins: list[Pin], target: object, python: str, folder: Path) -> str:
        requests.append(([str(p) for p in pins], python))
        (folder / LINUX_FILES[0]).write_bytes(b"")
        return ""

    monkeypatch.setattr(wheels_module, "download", download)
    assert fetch(PINS, LINUX, PYTHONS, tmp_path) == []
    assert requests == [(["tree-sitter==0.26.1"], "3.11")]
    assert fetch(PINS, LINUX, PYTHONS, tmp_path) == []
    assert len(requests) == 1


def test_fetch_names_each_pin_the_index_lacks(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def download(pins: list[Pin], target: object, python: str, folder: Path) -> str:
        lacking = [p for p in pins if p.name == "tree-sitter"]
        return "ERROR: No matching distribution found for tree-sitter==0.26.1" if lacking else ""

    monkeypatch.setattr(wheels_module, "download", download)
    problems = fetch(PINS, WINDOWS, ("3.14",), tmp_path)
    assert problems == [
        "win32-x64: pip download tree-sitter==0.26.1 for Python 3.14: "
        "ERROR: No matching distribution found for tree-sitter==0.26.1"
    ]


def test_the_missing_platforms_message_names_each_platform_and_what_it_lacks() -> None:
    message = missing_platforms_message(
        {
            "linux-x64": [],
            "linux-arm64": ["linux-arm64: no wheel of tree-sitter==0.26.1 for Python 3.14"],
            "win32-x64": ["win32-x64: no wheel of tree-sitter==0.26.1 for Python 3.11"],
        }
    )
    assert message == (
        "The package index lacks wheels for: linux-arm64, win32-x64.\n"
        "  linux-arm64: no wheel of tree-sitter==0.26.1 for Python 3.14\n"
        "  win32-x64: no wheel of tree-sitter==0.26.1 for Python 3.11\n"
        "These platforms' packages were not built; the others were."
    )
    assert missing_platforms_message({"linux-x64": []}) is None


def test_the_size_budget() -> None:
    assert size_problem("siyada-linux-x64.vsix", 8 * MB, 8 * MB) is None
    assert size_problem("siyada-linux-x64.vsix", 9 * MB, 8 * MB) == (
        "siyada-linux-x64.vsix is 9.0 MB, over its budget of 8.0 MB"
    )


def wheel_bytes(requires: list[str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as wheel:
        lines = "".join(f"Requires-Dist: {line}\n" for line in requires)
        wheel.writestr("x-1.0.dist-info/METADATA", f"Metadata-Version: 2.1\nName: x\n{lines}")
    return buffer.getvalue()


def test_a_wheels_requirements_are_read_from_its_metadata() -> None:
    found = requires_of(wheel_bytes(["anyio", 'colorama; sys_platform == "win32"']))
    assert [str(r) for r in found] == ["anyio", 'colorama; sys_platform == "win32"']


def test_a_dependency_only_windows_needs_is_a_closure_problem_there_only() -> None:
    requirements = [Requirement('colorama; sys_platform == "win32"')]
    assert closure_problems(requirements, PINS, LINUX, "3.12") == []
    assert closure_problems(requirements, PINS, WINDOWS, "3.12") == [
        'win32-x64 / Python 3.12: colorama; sys_platform == "win32" is required but not locked'
    ]


def write_vsix(path: Path, files: list[str], padding: int = 0) -> Path:
    with zipfile.ZipFile(path, "w") as vsix:
        vsix.writestr("extension/package.json", "{}")
        for file in files:
            vsix.writestr(f"extension/dist/server/{file}", b"")
        if padding:
            vsix.writestr("extension/padding", bytes(padding), compress_type=zipfile.ZIP_STORED)
    return path


COMPLETE = ["siyada-0.1.0-py3-none-any.whl", "wheelhouse.json", *LINUX_FILES]


def test_a_complete_vsix_within_budget_passes(tmp_path: Path) -> None:
    vsix = write_vsix(tmp_path / "siyada-linux-x64.vsix", COMPLETE)
    assert vsix_problems(vsix, PINS, LINUX, PYTHONS, MB) == []


def test_a_vsix_lacking_wheels_the_server_or_the_manifest_says_so(tmp_path: Path) -> None:
    vsix = write_vsix(tmp_path / "siyada-linux-x64.vsix", LINUX_FILES[1:])
    assert vsix_problems(vsix, PINS, LINUX, PYTHONS, MB) == [
        "siyada-linux-x64.vsix: linux-x64: no wheel of tree-sitter==0.26.1 for Python 3.11",
        "siyada-linux-x64.vsix: the server's own wheel (siyada-*.whl) is missing",
        "siyada-linux-x64.vsix: wheelhouse.json is missing",
    ]


def test_a_vsix_over_its_budget_says_so(tmp_path: Path) -> None:
    vsix = write_vsix(tmp_path / "siyada-linux-x64.vsix", COMPLETE, padding=2 * MB)
    problems = vsix_problems(vsix, PINS, LINUX, PYTHONS, MB)
    assert len(problems) == 1
    assert problems[0].startswith("siyada-linux-x64.vsix is 2.0 MB, over its budget of 1.0 MB")


def write_tarball(path: Path, names: list[str]) -> Path:
    with tarfile.open(path, "w:gz") as archive:
        for name in names:
            archive.addfile(tarfile.TarInfo(name), io.BytesIO(b""))
    return path


def test_a_complete_wheelhouse_passes(tmp_path: Path) -> None:
    names = ["s/install.sh", *(f"s/wheels/{f}" for f in COMPLETE if f.endswith(".whl"))]
    archive = write_tarball(tmp_path / "siyada-0.1.0-linux-x64-wheelhouse.tar.gz", names)
    assert wheelhouse_problems(archive, PINS, LINUX, PYTHONS, MB) == []


def test_a_wheelhouse_without_its_install_script_or_a_wheel_says_so(tmp_path: Path) -> None:
    names = ["s/install.sh", "s/wheels/siyada-0.1.0-py3-none-any.whl", *LINUX_FILES]
    archive = write_tarball(tmp_path / "w.tar.gz", names)
    # Wheels outside wheels/ are not installed by the script, so they do not count.
    assert wheelhouse_problems(archive, PINS, LINUX, ("3.11",), MB) == [
        "w.tar.gz: linux-x64: no wheel of tree-sitter==0.26.1 for Python 3.11",
        "w.tar.gz: linux-x64: no wheel of httpx==0.28.1 for Python 3.11",
    ]


def test_the_windows_wheelhouse_is_a_zip_with_a_powershell_script(tmp_path: Path) -> None:
    archive = tmp_path / "w.zip"
    with zipfile.ZipFile(archive, "w") as opened:
        opened.writestr("s/install.sh", "")
        opened.writestr("s/wheels/siyada-0.1.0-py3-none-any.whl", "")
        opened.writestr("s/wheels/httpx-0.28.1-py3-none-any.whl", "")
        opened.writestr("s/wheels/tree_sitter-0.26.1-cp312-cp312-win_amd64.whl", "")
    assert wheelhouse_problems(archive, PINS, WINDOWS, ("3.12",), MB) == [
        "w.zip: install.ps1 is missing"
    ]
