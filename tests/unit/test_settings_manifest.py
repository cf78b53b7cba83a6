"""SETTINGS is the one list of settings: the manifest and the README are made from it."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from siyada.review import settings_docs
from siyada.review.setting_kinds import Integer, Number, SettingError, Text
from siyada.review.settings import Settings, parse_settings
from siyada.review.settings_docs import (
    EDITOR_ONLY,
    README_BEGIN,
    README_END,
    configuration,
    main,
    readme_table,
    render_package_json,
    render_readme,
)
from siyada.review.settings_table import SETTINGS, Setting

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_JSON = ROOT / "package.json"
README = ROOT / "README.md"


def manifest_properties() -> dict[str, Any]:
    manifest = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    properties: dict[str, Any] = manifest["contributes"]["configuration"]["properties"]
    return properties


def test_case14_committed_package_json_is_the_generated_one() -> None:
    committed = PACKAGE_JSON.read_text(encoding="utf-8")
    assert render_package_json(committed) == committed, (
        "package.json's settings differ from SETTINGS: run "
        "`python -m siyada.review.settings_docs --write`"
    )


def test_case14_committed_readme_table_is_the_generated_one() -> None:
    committed = README.read_text(encoding="utf-8")
    assert render_readme(committed) == committed, (
        "README.md's settings table differs from SETTINGS: run "
        "`python -m siyada.review.settings_docs --write`"
    )
    assert readme_table() in committed


def test_case14_settings_once_only_on_the_server_are_declared_to_vs_code() -> None:
    properties = manifest_properties()
    assert properties["siyada.cacheDir"] | {"markdownDescription": ""} == {
        "type": "string",
        "default": "",
        "markdownDescription": "",
        "scope": "machine",
    }
    for key, default in (("maxFileKb", 512), ("maxFunctionsPerFile", 500)):
        schema = properties[f"siyada.{key}"]
        assert (schema["type"], schema["default"]) == ("integer", default)
        assert (schema["minimum"], schema["maximum"]) == (1, 100_000)
        assert schema["markdownDescription"]


def test_case14_the_manifest_declares_exactly_the_server_settings_and_the_editors() -> None:
    declared = [name.removeprefix("siyada.") for name in manifest_properties()]
    assert declared == [s.key for s in SETTINGS] + [s.key for s in EDITOR_ONLY]
    assert [s.key for s in EDITOR_ONLY] == ["server.path", "interpreter", "trace.server"]


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: s.key)
def test_case14_manifest_bounds_are_the_bounds_the_server_enforces(setting: Setting) -> None:
    schema = manifest_properties()[f"siyada.{setting.key}"]
    if not isinstance(setting.kind, Integer | Number):
        assert "minimum" not in schema and "maximum" not in schema
        return
    low, high = schema["minimum"], schema["maximum"]
    assert setting.parse(low) == low and setting.parse(high) == high
    step = 1 if isinstance(setting.kind, Integer) else 1e-6
    for outside in (low - step, high + step):
        with pytest.raises(SettingError, match=f"from {low:g} to {high:g}"):
            setting.parse(outside)


def test_case14_max_concurrent_requests_is_capped_at_16_everywhere() -> None:
    schema = manifest_properties()["siyada.maxConcurrentRequests"]
    assert (schema["minimum"], schema["maximum"]) == (1, 16)
    assert "integer, 1 to 16" in README.read_text(encoding="utf-8")
    _, problems = parse_settings({"maxConcurrentRequests": 17})
    assert problems == [
        "siyada.maxConcurrentRequests must be a whole number from 1 to 16 (got 17); "
        "using the default."
    ]


def test_case14_settings_has_one_attribute_per_key_with_the_declared_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OLLAMA_HOST", raising=False)
    attributes = [f.name for f in dataclasses.fields(Settings)]
    assert attributes == [s.attribute for s in SETTINGS]
    defaults = Settings()
    for setting in SETTINGS:
        assert getattr(defaults, setting.attribute) == setting.parse(setting.default), setting.key


def test_case14_manifest_defaults_are_values_the_server_accepts() -> None:
    for name, schema in manifest_properties().items():
        setting = next(s for s in (*SETTINGS, *EDITOR_ONLY) if f"siyada.{s.key}" == name)
        setting.parse(schema["default"])
        if "enum" in schema:
            assert schema["default"] in schema["enum"]


def test_case14_a_changed_table_makes_the_committed_files_stale(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    changed = tuple(
        dataclasses.replace(s, kind=Integer(1, 8)) if s.key == "maxConcurrentRequests" else s
        for s in SETTINGS
    )
    monkeypatch.setattr(settings_docs, "SETTINGS", changed)
    package_text = PACKAGE_JSON.read_text(encoding="utf-8")
    readme_text = README.read_text(encoding="utf-8")
    assert render_package_json(package_text) != package_text
    assert render_readme(readme_text) != readme_text
    assert "integer, 1 to 8" in render_readme(readme_text)


def test_case14_a_new_setting_is_one_entry_in_the_table(monkeypatch: pytest.MonkeyPatch) -> None:
    new = Setting(
        key="organizationEnv",
        kind=Text(lambda value: value, "environment variable name"),
        default="",
        description="Variable holding the key; see `#siyada.endpoint#`.",
    )
    monkeypatch.setattr(settings_docs, "SETTINGS", (*SETTINGS, new))
    properties: Any = configuration()["properties"]
    assert properties["siyada.organizationEnv"] == {
        "type": "string",
        "default": "",
        "markdownDescription": "Variable holding the key; see `#siyada.endpoint#`.",
    }
    assert list(properties)[len(SETTINGS)] == "siyada.organizationEnv"
    assert (
        "| `organizationEnv` | environment variable name | empty "
        "| Variable holding the key; see `endpoint`. |" in readme_table()
    )
    assert new.attribute == "organization_env"


def copy_repository_files(tmp_path: Path) -> Path:
    for source in (PACKAGE_JSON, README):
        shutil.copy(source, tmp_path / source.name)
    return tmp_path


def test_case14_check_mode_names_stale_files_and_write_mode_fixes_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_repository_files(tmp_path)
    package = root / "package.json"
    manifest = json.loads(package.read_text(encoding="utf-8"))
    del manifest["contributes"]["configuration"]["properties"]["siyada.maxFileKb"]
    package.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")

    assert main(["--root", str(root)]) == 1
    assert f"out of date (run with --write): {package}" in capsys.readouterr().err
    assert main(["--root", str(root), "--write"]) == 0
    assert package.read_text(encoding="utf-8") == PACKAGE_JSON.read_text(encoding="utf-8")
    assert main(["--root", str(root)]) == 0


def test_case14_a_readme_without_markers_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_repository_files(tmp_path)
    readme = root / "README.md"
    text = readme.read_text(encoding="utf-8")
    readme.write_text(text.replace(README_END, ""), encoding="utf-8")

    assert main(["--root", str(root), "--write"]) == 2
    error = capsys.readouterr().err
    assert README_BEGIN in error and README_END in error
    assert readme.read_text(encoding="utf-8") == text.replace(README_END, "")
