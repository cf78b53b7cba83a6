"""`npm run package:all` when the index lacks a platform's wheels: that platform is
named, no package of it is left behind, and the build exits non-zero."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from release import build as build_module
from release.lock import Pin, read_lock
from release.targets import Target, target_named


def test_a_platform_without_wheels_is_named_and_fails_the_build(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SIYADA_WHEEL_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(build_module, "VSIX_FOLDER", tmp_path / "vsix")
    monkeypatch.setattr(build_module, "WHEELHOUSE_FOLDER", tmp_path / "wheelhouse")
    windows = target_named("win32-x64")
    stale = build_module.vsix_path(windows)
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"an earlier build")

    def fetch(pins: list[Pin], target: Target, pythons: object, folder: Path) -> list[str]:
        return [f"{target.name}: pip download {pins[0]}: No matching distribution"]

    def never(*args: object) -> None:
        raise AssertionError("nothing is packaged for a platform that lacks wheels")

    monkeypatch.setattr(build_module, "fetch", fetch)
    monkeypatch.setattr(build_module, "build_target", never)

    assert build_module.build([windows]) == 1
    err = capsys.readouterr().err
    assert "The package index lacks wheels for: win32-x64." in err
    pins = read_lock()
    (core,) = [pin for pin in pins if pin.name == "tree-sitter"]
    assert f"  win32-x64: no wheel of {core} for Python 3.11" in err
    assert f"win32-x64: pip download {pins[0]}: No matching distribution" in err
    assert not stale.exists()
    manifest = json.loads((tmp_path / "vsix" / "manifest.json").read_text())
    assert manifest["targets"] == {}


@pytest.mark.parametrize(
    ("target", "script"), [("linux-x64", "install.sh"), ("win32-x64", "install.ps1")]
)
def test_the_install_script_names_the_shipped_pythons_and_installs_offline(
    target: str, script: str
) -> None:
    name, text = build_module.install_script(target_named(target), "9.8.7")
    assert name == script
    assert "@" not in text.replace("@{", "")
    assert "3.11 3.12 3.13 3.14" in text
    assert "--no-index --find-links" in text.replace("`\n  ", "")
    assert "--isolated" in text
    assert "siyada==9.8.7" in text
