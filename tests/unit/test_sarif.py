"""The SARIF log `siyada check --format sarif` writes: rules, results, fixes and
fingerprints."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from siyada import __version__
from siyada.review.findings import CATEGORIES
from siyada.sarif import FINGERPRINT_KEY, SOURCE_ROOT, SarifFinding, fingerprint, sarif_log

ROOT = Path("/srv/project")
LOAD = SarifFinding(
    path=ROOT / "pkg" / "io.py",
    category="bug",
    severity="warning",
    title="File handle is never closed",
    explanation="The file stays open until the collector runs",
    function="Store.load",
    start_line=12,
    end_line=12,
    lines=("    f = open(path)",),
    evidence="    f = open(path)",
    replacement="    with open(path) as f:\n        return f.read()",
)


def _run(*findings: SarifFinding, root: Path = ROOT) -> dict[str, Any]:
    log = sarif_log(list(findings), root)
    assert log["version"] == "2.1.0"
    (run,) = log["runs"]
    assert isinstance(run, dict)
    return run


def _only_result(finding: SarifFinding) -> dict[str, Any]:
    (result,) = _run(finding)["results"]
    assert isinstance(result, dict)
    return result


def test_one_rule_per_category_with_help_and_default_level() -> None:
    driver = _run()["tool"]["driver"]
    assert driver["name"] == "Siyada" and driver["version"] == __version__
    rules = driver["rules"]
    assert [rule["id"] for rule in rules] == list(CATEGORIES)
    for rule in rules:
        assert rule["name"] != rule["id"]
        assert rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert f"siyada: ignore[{rule['id']}]" in rule["help"]["text"]
        assert rule["help"]["markdown"].startswith("**")
        assert rule["defaultConfiguration"]["level"] in {"error", "warning", "note"}


@pytest.mark.parametrize(
    ("severity", "level"),
    [("error", "error"), ("warning", "warning"), ("info", "note"), ("hint", "note")],
)
def test_severities_map_to_sarif_levels(severity: str, level: str) -> None:
    result = _only_result(replace(LOAD, severity=severity))
    assert result["level"] == level
    assert result["properties"]["severity"] == severity


def test_result_names_rule_message_location_and_function() -> None:
    result = _only_result(LOAD)
    assert result["ruleId"] == "bug" and result["ruleIndex"] == 0
    assert result["message"]["text"] == (
        "File handle is never closed. The file stays open until the collector runs."
    )
    (location,) = result["locations"]
    assert location["physicalLocation"] == {
        "artifactLocation": {"uri": "pkg/io.py", "uriBaseId": SOURCE_ROOT},
        "region": {"startLine": 12, "startColumn": 5, "endLine": 12, "endColumn": 19},
    }
    assert location["logicalLocations"] == [
        {"fullyQualifiedName": "Store.load", "kind": "function"}
    ]


def test_source_root_is_declared_as_a_file_uri() -> None:
    run = _run(LOAD)
    assert run["originalUriBaseIds"] == {SOURCE_ROOT: {"uri": "file:///srv/project/"}}
    assert run["columnKind"] == "utf16CodeUnits"


def test_path_outside_the_root_is_an_absolute_uri_and_odd_names_are_encoded() -> None:
    outside = _only_result(replace(LOAD, path=Path("/elsewhere/x.py")))
    spaced = _only_result(replace(LOAD, path=ROOT / "my dir" / "ü#1.py"))
    assert outside["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "file:///elsewhere/x.py"
    }
    spaced_location = spaced["locations"][0]["physicalLocation"]["artifactLocation"]
    assert spaced_location["uri"] == "my%20dir/%C3%BC%231.py"


def test_region_is_what_the_editor_underlines_in_utf16_units() -> None:
    wide = replace(
        LOAD,
        start_line=3,
        end_line=5,
        lines=("  a", "b", "x = '😀é'  "),
        evidence="  a\nb\nx = '😀é'",
    )
    region = _only_result(wide)["locations"][0]["physicalLocation"]["region"]
    # From the first non-blank character to the last: 😀 is two UTF-16 units, é one,
    # so "x = '😀é'" is 9 units and ends before column 10.
    assert region == {"startLine": 3, "startColumn": 3, "endLine": 5, "endColumn": 10}


def test_an_expression_within_a_line_is_its_own_region() -> None:
    call = replace(
        LOAD,
        lines=("    rc = subprocess.call(cmd, shell=True)  # run",),
        evidence="subprocess.call(cmd, shell=True)",
        replacement=None,
    )
    region = _only_result(call)["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 12, "startColumn": 10, "endLine": 12, "endColumn": 42}


def test_replacement_is_a_fix_over_the_whole_lines_in_the_files_line_breaks() -> None:
    result = _only_result(replace(LOAD, line_break="\r\n"))
    (fix,) = result["fixes"]
    assert fix["description"]["text"] == "File handle is never closed."
    (change,) = fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "pkg/io.py", "uriBaseId": SOURCE_ROOT}
    (replacement,) = change["replacements"]
    assert replacement["deletedRegion"] == {
        "startLine": 12,
        "startColumn": 1,
        "endLine": 12,
        "endColumn": 19,
    }
    assert replacement["insertedContent"] == {
        "text": "    with open(path) as f:\r\n        return f.read()"
    }


def test_finding_without_replacement_has_no_fix() -> None:
    assert "fixes" not in _only_result(replace(LOAD, replacement=None))


def test_model_text_is_cleaned_of_terminal_controls() -> None:
    result = _only_result(replace(LOAD, title="Bad\x1b[2J title", explanation="x\x07y"))
    assert "\x1b" not in result["message"]["text"] and "\x07" not in result["message"]["text"]


def test_right_to_left_message_isolates_code_and_each_line() -> None:
    fsi, pdi, rli = "\u2068", "\u2069", "\u2067"
    arabic = replace(
        LOAD,
        title="\u0645\u0644\u0641 \u0645\u0641\u062a\u0648\u062d \u061f",
        explanation="`open(path)` \u0644\u0627 \u064a\u063a\u0644\u0642\nUse `with`",
    )
    result = _only_result(arabic)
    # An Arabic question mark ends a sentence: no period added after it.
    assert result["message"]["text"] == (
        f"{rli}\u0645\u0644\u0641 \u0645\u0641\u062a\u0648\u062d \u061f "
        f"{fsi}`open(path)`{pdi} \u0644\u0627 \u064a\u063a\u0644\u0642{pdi}\nUse `with`."
    )
    (fix,) = result["fixes"]
    assert fix["description"]["text"] == (
        f"{rli}\u0645\u0644\u0641 \u0645\u0641\u062a\u0648\u062d \u061f{pdi}"
    )
    # English text is as before, without a format character.
    assert _only_result(LOAD)["message"]["text"] == (
        "File handle is never closed. The file stays open until the collector runs."
    )


# ----- fingerprints ---------------------------------------------------------------------


def test_fingerprint_ignores_line_numbers_and_indentation() -> None:
    moved = replace(LOAD, start_line=40, end_line=40, lines=("        f  =  open(path)",))
    assert fingerprint(moved, ROOT) == fingerprint(LOAD, ROOT)
    assert _only_result(moved)["partialFingerprints"] == _only_result(LOAD)["partialFingerprints"]


def test_fingerprint_ignores_the_models_wording() -> None:
    reworded = replace(LOAD, title="Leaked file", explanation="Other words", severity="error")
    assert fingerprint(reworded, ROOT) == fingerprint(LOAD, ROOT)


@pytest.mark.parametrize(
    "other",
    [
        replace(LOAD, category="performance"),
        replace(LOAD, function="Store.save"),
        replace(LOAD, lines=("    f = open(other)",)),
        replace(LOAD, path=ROOT / "pkg" / "other.py"),
    ],
)
def test_fingerprint_changes_with_what_the_finding_is_about(other: SarifFinding) -> None:
    assert fingerprint(other, ROOT) != fingerprint(LOAD, ROOT)


def test_fingerprint_is_relative_to_the_root() -> None:
    elsewhere = replace(LOAD, path=Path("/other/checkout/pkg/io.py"))
    assert fingerprint(elsewhere, Path("/other/checkout")) == fingerprint(LOAD, ROOT)


def test_identical_findings_get_distinct_occurrence_numbers() -> None:
    twin = replace(LOAD, start_line=30, end_line=30)
    first, second = _run(LOAD, twin)["results"]
    key_first = first["partialFingerprints"][FINGERPRINT_KEY]
    key_second = second["partialFingerprints"][FINGERPRINT_KEY]
    digest = fingerprint(LOAD, ROOT)
    assert (key_first, key_second) == (f"{digest}:1", f"{digest}:2")
