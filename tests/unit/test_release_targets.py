"""Which wheels each per-platform package accepts: the wheel tags of its platform, for
each supported CPython version."""

from __future__ import annotations

import pytest
from packaging.utils import parse_wheel_filename

from release.targets import (
    PYTHON_VERSIONS,
    TARGETS,
    marker_environment,
    supported_tags,
    target_named,
)


def accepts(target: str, python: str, wheel: str) -> bool:
    _, _, _, tags = parse_wheel_filename(wheel)
    return bool(tags & supported_tags(target_named(target), python))


CORE_312_LINUX = "tree_sitter-0.26.1-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"
GRAMMAR_LINUX = "tree_sitter_python-0.25.0-cp310-abi3-manylinux1_x86_64.manylinux_2_28_x86_64.whl"
PURE = "httpx-0.28.1-py3-none-any.whl"


def test_the_five_vsce_targets_are_built() -> None:
    assert [t.name for t in TARGETS] == [
        "linux-x64",
        "linux-arm64",
        "darwin-x64",
        "darwin-arm64",
        "win32-x64",
    ]


def test_python_versions_start_at_pyprojects_floor() -> None:
    assert PYTHON_VERSIONS[0] == "3.11"
    assert list(PYTHON_VERSIONS) == sorted(PYTHON_VERSIONS, key=lambda v: int(v.split(".")[1]))


def test_linux_x64_takes_manylinux_x86_64_wheels_of_its_own_python() -> None:
    assert accepts("linux-x64", "3.12", CORE_312_LINUX)
    assert not accepts("linux-x64", "3.11", CORE_312_LINUX)
    assert not accepts("linux-x64", "3.13", CORE_312_LINUX)


@pytest.mark.parametrize("python", PYTHON_VERSIONS)
def test_abi3_grammars_and_pure_wheels_serve_every_python(python: str) -> None:
    assert accepts("linux-x64", python, GRAMMAR_LINUX)
    for target in TARGETS:
        assert accepts(target.name, python, PURE)


def test_linux_rejects_other_architectures_musl_and_a_newer_glibc() -> None:
    assert not accepts("linux-x64", "3.12", "x-1.0-cp312-cp312-manylinux_2_17_aarch64.whl")
    assert not accepts("linux-x64", "3.12", "x-1.0-cp312-cp312-musllinux_1_2_x86_64.whl")
    assert not accepts("linux-x64", "3.12", "x-1.0-cp312-cp312-manylinux_2_34_x86_64.whl")
    assert not accepts("linux-x64", "3.12", "x-1.0-cp312-cp312-linux_x86_64.whl")


def test_linux_arm64_takes_aarch64_wheels() -> None:
    assert accepts("linux-arm64", "3.13", "x-1.0-cp313-cp313-manylinux2014_aarch64.whl")
    assert not accepts("linux-arm64", "3.13", "x-1.0-cp313-cp313-manylinux2014_x86_64.whl")


def test_macos_targets_take_their_architecture_or_universal2_from_macos_11() -> None:
    assert accepts("darwin-arm64", "3.12", "x-1.0-cp312-cp312-macosx_11_0_arm64.whl")
    assert accepts("darwin-arm64", "3.12", "x-1.0-cp312-cp312-macosx_10_9_universal2.whl")
    assert not accepts("darwin-arm64", "3.12", "x-1.0-cp312-cp312-macosx_10_9_x86_64.whl")
    assert accepts("darwin-x64", "3.12", "x-1.0-cp312-cp312-macosx_10_9_x86_64.whl")
    assert not accepts("darwin-x64", "3.12", "x-1.0-cp312-cp312-macosx_11_0_arm64.whl")
    assert not accepts("darwin-x64", "3.12", "x-1.0-cp312-cp312-macosx_14_0_x86_64.whl")


def test_windows_takes_win_amd64_only() -> None:
    assert accepts("win32-x64", "3.14", "x-1.0-cp314-cp314-win_amd64.whl")
    assert not accepts("win32-x64", "3.14", "x-1.0-cp314-cp314-win32.whl")
    assert not accepts("win32-x64", "3.14", "x-1.0-cp314-cp314-win_arm64.whl")


def test_marker_values_are_the_targets_not_this_machines() -> None:
    windows = marker_environment(target_named("win32-x64"), "3.13")
    assert windows["sys_platform"] == "win32"
    assert windows["platform_system"] == "Windows"
    assert windows["os_name"] == "nt"
    assert windows["python_version"] == "3.13"
    assert marker_environment(target_named("darwin-arm64"), "3.11")["platform_machine"] == "arm64"


def test_an_unknown_target_is_named_with_the_known_ones() -> None:
    with pytest.raises(ValueError, match=r"unknown target 'linux-x86'.*linux-x64, linux-arm64"):
        target_named("linux-x86")
