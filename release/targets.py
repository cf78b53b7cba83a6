"""The platforms Siyada ships for, the Python versions each carries wheels for, and the
wheel tags each accepts."""

from __future__ import annotations

from dataclasses import dataclass

from packaging.tags import Tag, compatible_tags, cpython_tags, mac_platforms

# tree-sitter's core wheels are built per CPython version (the grammars are abi3), so
# every target carries one core wheel per version listed here. 3.11 is pyproject's
# floor; 3.14 is the newest CPython with tree-sitter wheels on the index.
PYTHON_VERSIONS: tuple[str, ...] = ("3.11", "3.12", "3.13", "3.14")

# The oldest systems VS Code itself still runs on: glibc 2.28 and macOS 11.
_GLIBC_MINOR = 28
_MACOS = (11, 0)


@dataclass(frozen=True)
class Target:
    """One `vsce package --target` platform and what pip must fetch for it."""

    name: str
    platforms: tuple[str, ...]  # wheel platform tags, the most specific first
    sys_platform: str
    platform_system: str
    os_name: str
    platform_machine: str

    @property
    def windows(self) -> bool:
        return self.sys_platform == "win32"


def _manylinux(arch: str) -> tuple[str, ...]:
    """Every manylinux tag a glibc 2.28 system accepts, with the legacy aliases."""
    tags = [f"manylinux_2_{minor}_{arch}" for minor in range(_GLIBC_MINOR, 4, -1)]
    legacy = {"manylinux2014": 17, "manylinux2010": 12, "manylinux1": 5}
    tags += [
        f"{alias}_{arch}" for alias, minor in legacy.items() if arch == "x86_64" or minor == 17
    ]
    return tuple(tags)


def _macos(arch: str) -> tuple[str, ...]:
    return tuple(mac_platforms(_MACOS, arch))


TARGETS: tuple[Target, ...] = (
    Target("linux-x64", _manylinux("x86_64"), "linux", "Linux", "posix", "x86_64"),
    Target("linux-arm64", _manylinux("aarch64"), "linux", "Linux", "posix", "aarch64"),
    Target("darwin-x64", _macos("x86_64"), "darwin", "Darwin", "posix", "x86_64"),
    Target("darwin-arm64", _macos("arm64"), "darwin", "Darwin", "posix", "arm64"),
    Target("win32-x64", ("win_amd64",), "win32", "Windows", "nt", "AMD64"),
)


def target_named(name: str) -> Target:
    for target in TARGETS:
        if target.name == name:
            return target
    known = ", ".join(target.name for target in TARGETS)
    raise ValueError(f"unknown target {name!r}; the targets are {known}")


def _version_tuple(python: str) -> tuple[int, int]:
    major, minor = python.split(".")
    return int(major), int(minor)


def supported_tags(target: Target, python: str) -> frozenset[Tag]:
    """The wheel tags CPython `python` on `target` installs."""
    version = _version_tuple(python)
    platforms = list(target.platforms)
    interpreter = f"cp{version[0]}{version[1]}"
    tags = set(cpython_tags(version, platforms=platforms))
    tags.update(compatible_tags(version, interpreter, platforms))
    return frozenset(tags)


def marker_environment(target: Target, python: str) -> dict[str, str]:
    """The values of PEP 508 markers on `target` under CPython `python`, so a dependency
    needed only there (such as one marked `sys_platform == "win32"`) is found here."""
    return {
        "implementation_name": "cpython",
        "platform_python_implementation": "CPython",
        "python_version": python,
        "python_full_version": f"{python}.0",
        "implementation_version": f"{python}.0",
        "sys_platform": target.sys_platform,
        "platform_system": target.platform_system,
        "os_name": target.os_name,
        "platform_machine": target.platform_machine,
        "platform_release": "",
        "platform_version": "",
    }
