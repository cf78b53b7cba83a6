"""SETTINGS is the one list of settings: the manifest and the README are made from it."""

from __future__ import annotations

import dataclasses
import json
import re
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
from siyada.review.settings_table import LIMITS_SECTION, SETTINGS, Setting

ROOT = Path(__file__).resolve().parents[2]
PACKAGE_JSON = ROOT / "package.json"
PACKAGE_NLS = ROOT / "package.nls.json"
README = ROOT / "README.md"


def resolved(value: Any, words: dict[str, str]) -> Any:
    """`value` with every `%key%` string replaced by its text, as VS Code shows it."""
    if isinstance(value, dict):
        return {key: resolved(item, words) for key, item in value.items()}
    if isinstance(value, list):
        return [resolved(item, words) for item in value]
    match = re.fullmatch(r"%([\w.-]+)%", value) if isinstance(value, str) else None
    return words[match[1]] if match else value


def english_manifest() -> dict[str, Any]:
    """package.json as VS Code shows it in English: references resolved by package.nls.json."""
    manifest = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))
    words = json.loads(PACKAGE_NLS.read_text(encoding="utf-8"))
    result: dict[str, Any] = resolved(manifest, words)
    return result


def manifest_properties() -> dict[str, Any]:
    return settings_docs.manifest_properties(english_manifest())


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
    assert properties["siyada.cacheDir"] | {"markdownDescription": "", "order": 0} == {
        "title": "Cache folder",
        "order": 0,
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
    assert sorted(declared) == sorted([s.key for s in SETTINGS] + [s.key for s in EDITOR_ONLY])
    assert len(declared) == len(set(declared))
    assert declared[-3:] == ["server.path", "interpreter", "trace.server"]
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
        title="Organization key variable",
        section=LIMITS_SECTION,
        kind=Text(lambda value: value, "environment variable name"),
        default="",
        description="Variable holding the key; see `#siyada.endpoint#`.",
    )
    monkeypatch.setattr(settings_docs, "SETTINGS", (*SETTINGS, new))
    words: dict[str, str] = {}
    sections: Any = resolved(configuration(words), words)
    limits = next(section for section in sections if section["title"] == "Limits and cache")
    properties = settings_docs.manifest_properties({"contributes": {"configuration": sections}})
    assert properties["siyada.organizationEnv"] == {
        "title": "Organization key variable",
        "type": "string",
        "default": "",
        "markdownDescription": "Variable holding the key; see `#siyada.endpoint#`.",
        "order": len(SETTINGS) + 1,  # after every setting of the sections before
    }
    assert list(limits["properties"])[-1] == "siyada.organizationEnv"
    assert (
        "| `organizationEnv` | environment variable name | empty "
        "| Variable holding the key; see `endpoint`. |" in readme_table()
    )
    assert new.attribute == "organization_env"


def copy_repository_files(tmp_path: Path) -> Path:
    for source in (PACKAGE_JSON, PACKAGE_NLS, README):
        shutil.copy(source, tmp_path / source.name)
    return tmp_path


def test_case14_check_mode_names_stale_files_and_write_mode_fixes_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_repository_files(tmp_path)
    package = root / "package.json"
    manifest = json.loads(package.read_text(encoding="utf-8"))
    for section in manifest["contributes"]["configuration"]:
        section["properties"].pop("siyada.maxFileKb", None)
    package.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")

    assert main(["--root", str(root)]) == 1
    assert f"out of date (run with --write): {package}" in capsys.readouterr().err
    assert main(["--root", str(root), "--write"]) == 0
    assert package.read_text(encoding="utf-8") == PACKAGE_JSON.read_text(encoding="utf-8")
    assert main(["--root", str(root)]) == 0


def _shown_texts(schema: Any) -> list[Any]:
    """The values VS Code shows as words, at any depth of a manifest's settings."""
    if isinstance(schema, list):
        return [text for item in schema for text in _shown_texts(item)]
    if not isinstance(schema, dict):
        return []
    texts = [schema[field] for field in settings_docs.WORD_FIELDS if field in schema]
    texts += schema.get("enumDescriptions", [])
    return texts + [text for value in schema.values() for text in _shown_texts(value)]


def test_the_manifest_settings_hold_references_whose_english_is_generated() -> None:
    sections = json.loads(PACKAGE_JSON.read_text(encoding="utf-8"))["contributes"]["configuration"]
    texts = _shown_texts(sections)
    assert len(texts) == len(settings_docs.english_words())
    assert [text for text in texts if not re.fullmatch(r"%[\w.-]+%", text)] == []
    words = json.loads(PACKAGE_NLS.read_text(encoding="utf-8"))
    assert words["setting.triggers.onType.description"].startswith("Review the edited functions")
    assert words["setting.provider.enum.openai"].startswith("Any OpenAI-compatible server")
    assert words["section.whenToReview"] == "When to review"


def test_package_nls_keeps_the_hand_written_entries_and_regenerates_the_settings() -> None:
    text = json.dumps({"command.doctor.title": "Doctor", "setting.gone.title": "Gone"})
    rendered = json.loads(settings_docs.render_nls(text))
    assert next(iter(rendered)) == "command.doctor.title"
    assert "setting.gone.title" not in rendered
    assert rendered["setting.model.title"] == "Model"
    with pytest.raises(ValueError, match="JSON object"):
        settings_docs.render_nls("[]")


def test_check_mode_names_a_stale_package_nls(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = copy_repository_files(tmp_path)
    nls = root / "package.nls.json"
    words = json.loads(nls.read_text(encoding="utf-8"))
    words["setting.model.title"] = "Old words"
    nls.write_text(json.dumps(words, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")

    assert main(["--root", str(root)]) == 1
    assert f"out of date (run with --write): {nls}" in capsys.readouterr().err
    assert main(["--root", str(root), "--write"]) == 0
    assert nls.read_text(encoding="utf-8") == PACKAGE_NLS.read_text(encoding="utf-8")


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


def manifest_sections() -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = english_manifest()["contributes"]["configuration"]
    return sections


def test_settings_ui_shows_endpoint_model_and_triggers_first() -> None:
    properties = manifest_properties()
    by_order = sorted(properties, key=lambda name: properties[name]["order"])
    assert by_order[:3] == ["siyada.endpoint", "siyada.model", "siyada.triggers"]
    assert [properties[name]["order"] for name in by_order] == list(range(1, len(by_order) + 1))
    sections = manifest_sections()
    assert [section["order"] for section in sections] == list(range(1, len(sections) + 1))
    assert [section["title"] for section in sections[:2]] == ["Model", "When to review"]
    # Each section's settings come in one run of the overall order.
    orders = [[schema["order"] for schema in s["properties"].values()] for s in sections]
    assert [order for run in orders for order in run] == list(range(1, len(by_order) + 1))


def test_every_setting_has_a_title_in_words() -> None:
    properties = manifest_properties()
    titles = {name: schema["title"] for name, schema in properties.items()}
    assert titles["siyada.debounceMs"] == "Debounce (ms)"
    assert titles["siyada.requestTimeoutSec"] == "Request timeout (s)"
    for name, title in titles.items():
        # Words, not a key: a capital first, no camelCase, no dots.
        assert title[:1].isupper() and not re.search(r"[a-z][A-Z]|\.", title), name
    assert len(set(titles.values())) == len(titles)


def _plain_texts(schema: Any) -> list[str]:
    """Every text VS Code shows without rendering Markdown, at any depth of a schema."""
    if isinstance(schema, list):
        return [text for item in schema for text in _plain_texts(item)]
    if not isinstance(schema, dict):
        return []
    texts = [schema["description"]] if isinstance(schema.get("description"), str) else []
    texts += schema.get("enumDescriptions", [])
    for key, value in schema.items():
        if key not in ("description", "enumDescriptions", "markdownDescription"):
            texts += _plain_texts(value)
    return texts


def test_no_plain_text_description_shows_literal_backticks() -> None:
    texts = _plain_texts(manifest_properties())
    assert any("debounceMs" in text for text in texts)  # the triggers' switches are seen
    assert [text for text in texts if "`" in text] == []


def test_setting_and_command_links_name_what_exists() -> None:
    manifest = english_manifest()
    commands = {c["command"]: c["title"] for c in manifest["contributes"]["commands"]}
    properties = manifest_properties()
    markdown = " ".join(schema["markdownDescription"] for schema in properties.values())
    for key in re.findall(r"`#(siyada\.[\w.]+)#`", markdown):
        assert key in properties, key
    links = re.findall(r"\[Siyada: ([^\]]+)\]\(command:([\w.]+)\)", markdown)
    assert ("Select Model", "siyada.selectModel") in links
    assert ("Pull Model", "siyada.pullModel") in links
    for title, command in links:
        assert commands[command] == title
    model = properties["siyada.model"]["markdownDescription"]
    assert "command:siyada.selectModel" in model and "command:siyada.pullModel" in model
    # Setting links only work in backticks: no bare `#siyada.x#` outside them.
    assert re.findall(r"(?<!`)#siyada\.[\w.]+#(?!`)", markdown) == []


def test_the_readme_shows_command_titles_not_command_links() -> None:
    table = readme_table()
    assert "command:" not in table
    assert "**Siyada: Select Model** picks an installed one" in table
