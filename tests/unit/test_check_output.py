"""What `siyada check` prints and when it fails: the formats, `--out`, `--fail-on`, and
the summary of a `--diff` run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from siyada.check_output import CannotWrite, Reported, fails, render, write_report
from siyada.check_summary import Tally
from siyada.code.units import FunctionUnit
from siyada.review.findings import SEVERITIES, Finding
from siyada.review.placement import PlacedFinding
from siyada.review.settings import parse_settings

UNIT = FunctionUnit("load", "function", 0, 2, "def load(path): ...", "h" * 32)


def _reported(severity: str, replacement: str | None = None) -> Reported:
    finding = Finding(
        "bug", severity, "Leak", "It leaks.", "f = open(path)", replacement, 0.9, 1, 1
    )
    return Reported(Path("pkg/io.py"), PlacedFinding(UNIT, finding, 1, 1), ("    f = open(path)",))


@pytest.mark.parametrize(
    ("severities", "fail_on", "expected"),
    [
        ((), "hint", False),
        (("hint",), "hint", True),
        (("info",), "warning", False),
        (("warning", "info"), "warning", True),
        (("warning",), "error", False),
        (("error",), "error", True),
        (("hint", "hint"), "info", False),
    ],
)
def test_fails_when_a_finding_is_at_least_as_severe(
    severities: tuple[str, ...], fail_on: str, expected: bool
) -> None:
    assert fails([_reported(s) for s in severities], fail_on) is expected


def test_default_fail_on_keeps_any_finding_failing() -> None:
    # The CLI's default is the least severe level: every finding fails, as before.
    assert all(fails([_reported(s)], SEVERITIES[-1]) for s in SEVERITIES)


def test_render_json_is_the_documented_array() -> None:
    (entry,) = json.loads(render([_reported("error", "    pass")], "json", Path.cwd()))
    assert (
        entry["path"] == "pkg/io.py" and entry["line"] == 2 and entry["replacement"] == "    pass"
    )


def test_render_sarif_holds_one_result_per_finding() -> None:
    log = json.loads(render([_reported("info"), _reported("error")], "sarif", Path.cwd()))
    levels = [result["level"] for result in log["runs"][0]["results"]]
    assert levels == ["note", "error"]


def test_render_text_has_a_line_pair_per_finding() -> None:
    text = render([_reported("warning")], "text", Path.cwd())
    assert text == "pkg/io.py:2: warning [bug] Leak (in load)\n    It leaks.\n"


def test_write_report_to_a_file_leaves_stdout_empty(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "report.sarif"
    write_report([_reported("warning")], "sarif", out, tmp_path)
    assert capsys.readouterr().out == ""
    assert json.loads(out.read_text())["version"] == "2.1.0"
    assert [p.name for p in tmp_path.iterdir()] == ["report.sarif"]


def test_write_report_names_the_file_it_cannot_write(tmp_path: Path) -> None:
    with pytest.raises(CannotWrite, match=r"cannot write .*missing.*report\.json"):
        write_report([], "json", tmp_path / "missing" / "report.json", tmp_path)


def test_diff_summary_counts_what_was_unchanged() -> None:
    settings, _ = parse_settings({})
    tally = Tally(diff_ref="main", unchanged=3, unchanged_files=2)
    assert (
        tally.summary(settings)[-1] == "Unchanged since main, not reviewed: 3 functions, 2 files."
    )
    assert tally.nothing_changed()


def test_nothing_changed_only_with_diff_and_only_for_unchanged_code() -> None:
    assert not Tally(unchanged=1).nothing_changed()
    assert not Tally(diff_ref="main").nothing_changed()
    assert not Tally(diff_ref="main", unchanged=1, too_long=1).nothing_changed()


# --- issue 17: right-to-left text in the report ----------------------------------------

FSI, PDI, RLI = "\u2068", "\u2069", "\u2067"


def _arabic() -> Reported:
    finding = Finding(
        "security",
        "warning",
        "حقن أوامر عبر `shell=True`",
        "`subprocess.call` يمرر الأمر إلى الصدفة.\nPass a list.",
        "f = open(path)",
        None,
        0.9,
        1,
        1,
    )
    return Reported(Path("pkg/io.py"), PlacedFinding(UNIT, finding, 1, 1), ("    f = open(path)",))


def test_text_output_isolates_right_to_left_words_from_the_path_and_code() -> None:
    assert render([_arabic()], "text", Path.cwd()) == (
        f"pkg/io.py:2: warning [security] {RLI}حقن أوامر عبر {FSI}`shell=True`{PDI}{PDI} "
        f"(in load)\n    {RLI}{FSI}`subprocess.call`{PDI} يمرر الأمر إلى الصدفة.{PDI}\n"
        "Pass a list.\n"
    )


def test_json_output_keeps_the_models_words_without_isolates() -> None:
    # JSON is data for programs: the text as the model wrote it, no display characters.
    (entry,) = json.loads(render([_arabic()], "json", Path.cwd()))
    assert entry["title"] == "حقن أوامر عبر `shell=True`"
    assert not any(char in json.dumps(entry, ensure_ascii=False) for char in (FSI, PDI, RLI))
