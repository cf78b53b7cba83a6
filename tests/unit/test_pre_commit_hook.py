"""`.pre-commit-hooks.yaml`: it parses, runs a real command, and selects exactly the
files Siyada reviews."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml

from siyada.cli import build_parser
from siyada.code.languages import _EXTENSIONS, language_for

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def hook() -> dict[str, Any]:
    hooks = yaml.safe_load((REPOSITORY / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    (only,) = hooks
    assert isinstance(only, dict)
    return only


def test_hook_declares_a_python_hook_that_passes_file_names(hook: dict[str, Any]) -> None:
    assert hook["id"] == "siyada"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    assert hook["name"] and hook["description"]


def test_entry_is_the_installed_command_and_accepts_file_names(hook: dict[str, Any]) -> None:
    program, *arguments = hook["entry"].split()
    scripts = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts[program] == "siyada.cli:main"
    parsed = build_parser().parse_args([*arguments, "a.py", "b.go"])
    assert parsed.command == "check" and parsed.paths == ["a.py", "b.go"]


def test_files_pattern_selects_exactly_the_reviewed_languages(hook: dict[str, Any]) -> None:
    pattern = re.compile(hook["files"])
    for extension in _EXTENSIONS:
        for name in (f"src/x{extension}", f"X{extension.upper()}"):
            assert pattern.search(name), name
    others = ["README.md", "x.pyc", "x.json", "x.py.orig", "Makefile", "x.rst", "x.cs", "x.hs"]
    for name in others:
        assert not pattern.search(name), name
        assert language_for(None, name) is None, name
