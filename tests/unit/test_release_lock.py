"""requirements.lock: exact versions that satisfy pyproject.toml's ranges on every
target and Python version."""

from __future__ import annotations

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from release import resolve as resolve_module
from release.lock import (
    Pin,
    format_lock,
    parse_lock,
    project_metadata,
    read_lock,
    unmet_requirements,
)
from release.resolve import Resolved, ResolveError, merge
from release.targets import PYTHON_VERSIONS, TARGETS, marker_environment, target_named

ALL_ENVIRONMENTS = [marker_environment(t, p) for t in TARGETS for p in PYTHON_VERSIONS]
WINDOWS = marker_environment(target_named("win32-x64"), "3.12")
LINUX = marker_environment(target_named("linux-x64"), "3.12")


def pin(name: str, version: str) -> Pin:
    return Pin(canonicalize_name(name), version)


def test_the_committed_lock_satisfies_pyprojects_ranges_everywhere() -> None:
    _, requirements = project_metadata()
    pins = read_lock()
    assert unmet_requirements(requirements, pins, ALL_ENVIRONMENTS) == []


def test_the_committed_lock_pins_each_package_once_with_an_exact_version() -> None:
    pins = read_lock()
    names = [p.name for p in pins]
    assert len(names) == len(set(names))
    assert {"tree-sitter", "pygls", "httpx", "httpcore", "anyio", "cattrs"} <= set(names)


def test_the_lock_round_trips_through_its_text() -> None:
    pins = (pin("b", "2.0"), pin("a", "1.0"))
    text = format_lock(pins)
    assert text.startswith("# ")
    assert parse_lock(text) == (pin("a", "1.0"), pin("b", "2.0"))


@pytest.mark.parametrize("line", ["httpx>=0.28", "httpx==", "==1.0"])
def test_a_line_that_is_not_an_exact_pin_is_an_error_naming_it(line: str) -> None:
    with pytest.raises(ValueError, match=r"line 2: .* is not name==version"):
        parse_lock(f"# header\n{line}\n")


def test_a_missing_or_out_of_range_pin_is_reported() -> None:
    requirements = [Requirement("httpx>=0.28,<0.29"), Requirement("pygls>=2.1,<3")]
    problems = unmet_requirements(requirements, [pin("httpx", "0.27.2")], [LINUX])
    assert problems == [
        "httpx<0.29,>=0.28 is required but httpx==0.27.2 is locked",
        "pygls<3,>=2.1 is required but not locked",
    ]


def test_a_windows_only_dependency_must_be_locked_when_windows_is_a_target() -> None:
    requirement = Requirement('colorama>=0.4; sys_platform == "win32"')
    assert unmet_requirements([requirement], [], [LINUX]) == []
    assert unmet_requirements([requirement], [], [LINUX, WINDOWS]) == [
        'colorama>=0.4; sys_platform == "win32" is required but not locked'
    ]


def test_requirements_of_an_extra_are_never_required() -> None:
    requirement = Requirement('h2<5,>=3; extra == "http2"')
    assert unmet_requirements([requirement], [], ALL_ENVIRONMENTS) == []


def resolved(target: str, python: str, **versions: str) -> Resolved:
    chosen = {canonicalize_name(name): version for name, version in versions.items()}
    return Resolved(target_named(target), python, chosen, ())


def test_merging_resolutions_unites_their_packages() -> None:
    pins = merge(
        [
            resolved("linux-x64", "3.11", httpx="0.28.1", typing_extensions="4.16.0"),
            resolved("win32-x64", "3.14", httpx="0.28.1", colorama="0.4.6"),
        ]
    )
    assert set(pins) == {
        pin("httpx", "0.28.1"),
        pin("typing-extensions", "4.16.0"),
        pin("colorama", "0.4.6"),
    }


def test_two_versions_of_one_package_is_an_error_naming_where() -> None:
    with pytest.raises(ResolveError, match=r"tree-sitter: 0.26.1 on linux-x64 / Python 3.11, "):
        merge(
            [
                resolved("linux-x64", "3.11", tree_sitter="0.26.1"),
                resolved("win32-x64", "3.14", tree_sitter="0.25.2"),
            ]
        )


def test_a_dependency_pip_dropped_for_this_machine_is_resolved_for_windows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """pip reads markers for the machine it runs on; the closure is completed with the
    target's markers, and the requirement is passed without its marker."""
    requests: list[list[str]] = []

    def resolve_one(target: object, python: str, wanted: list[Requirement]) -> Resolved:
        requests.append([str(r) for r in wanted])
        versions = {"click": "8.3.0"}
        if any(r.name == "colorama" for r in wanted):
            versions["colorama"] = "0.4.6"
        chosen = {canonicalize_name(n): v for n, v in versions.items()}
        marked = Requirement('colorama; platform_system == "Windows"')
        return Resolved(target_named("win32-x64"), python, chosen, (marked,))

    monkeypatch.setattr(resolve_module, "resolve_one", resolve_one)
    windows = resolve_module.resolve_closed(
        target_named("win32-x64"), "3.12", (Requirement("click"),)
    )
    assert windows.versions[canonicalize_name("colorama")] == "0.4.6"
    assert requests == [["click"], ["click", "colorama"]]
    requests.clear()
    linux = resolve_module.resolve_closed(
        target_named("linux-x64"), "3.12", (Requirement("click"),)
    )
    assert canonicalize_name("colorama") not in linux.versions
    assert requests == [["click"]]


def test_pips_report_gives_versions_and_declared_dependencies() -> None:
    report = {
        "install": [
            {"metadata": {"name": "HTTPX", "version": "0.28.1", "requires_dist": ["anyio"]}},
            {"metadata": {"name": "anyio", "version": "4.16.0"}},
        ]
    }
    resolved = resolve_module._parse_report(target_named("linux-x64"), "3.11", report)
    assert resolved.versions == {"httpx": "0.28.1", "anyio": "4.16.0"}
    assert [str(r) for r in resolved.requires] == ["anyio"]
