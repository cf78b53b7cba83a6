"""Publishing: each finding's diagnostic is made once while it stays the same, and only
the fix data the server published for a document is accepted back."""

from __future__ import annotations

from collections.abc import Sequence

import pytest
from lsprotocol import types
from lsprotocol.converters import get_converter
from pygls.workspace.position_codec import PositionCodec

from siyada.code.functions import extract_functions
from siyada.code.languages import language_for
from siyada.code.text import split_lines
from siyada.lsp import published as published_module
from siyada.lsp.protocol import FindingData, FixData, line_range, to_diagnostic
from siyada.lsp.published import PublishedFixes
from siyada.review.findings import Finding
from siyada.review.placement import PlacedFinding

UTF16 = PositionCodec(types.PositionEncodingKind.Utf16)
TEXT = "def f(x):\n    y = eval(x)  # 👋\n    return pickle.loads(y)\n"


def _placed(line: int, title: str) -> PlacedFinding:
    spec = language_for("python")
    assert spec is not None
    (unit,) = extract_functions(spec, TEXT)
    lines = split_lines(TEXT)
    finding = Finding("bug", "warning", title, "why", lines[line], None, 0.9, line, line)
    return PlacedFinding(unit, finding, line, line)


def test_case3_a_finding_diagnostic_is_made_once_while_it_stays_the_same(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    made: list[int | None] = []

    def counting(
        placed: PlacedFinding,
        lines: Sequence[str],
        version: int | None,
        codec: PositionCodec,
        *,
        path: str,
    ) -> types.Diagnostic:
        made.append(version)
        return to_diagnostic(placed, lines, version, codec, path=path)

    monkeypatch.setattr(published_module, "to_diagnostic", counting)
    published = PublishedFixes()
    lines = split_lines(TEXT)
    findings = [_placed(1, "eval"), _placed(2, "pickle")]
    first = published.diagnostics("file:///f.py", findings, lines, 3, UTF16)
    published.diagnostics("file:///f.py", findings[1:], lines, 3, UTF16)
    later = published.diagnostics("file:///f.py", findings[1:], lines, 4, UTF16)
    assert len(made) == 2  # one per finding, not one per finding and version
    assert first[1]["data"]["version"] == 3 and later[0]["data"]["version"] == 4
    fix = FixData.from_json(later[0]["data"])
    assert fix is not None and published.includes("file:///f.py", fix)
    superseded = FixData.from_json(first[1]["data"])
    assert superseded is not None and not published.includes("file:///f.py", superseded)


def test_published_json_is_what_the_lsp_converter_makes_of_the_diagnostic() -> None:
    published = PublishedFixes()
    lines = split_lines(TEXT)
    placed = _placed(1, "eval")
    (sent,) = published.diagnostics("file:///f.py", [placed], lines, 7, UTF16)
    diagnostic = to_diagnostic(placed, lines, 7, UTF16, path="file:///f.py")
    expected = get_converter().unstructure(diagnostic)
    assert sent == expected
    assert sent["range"]["end"]["character"] == 21  # the emoji is two UTF-16 units


def test_case3_an_ascii_line_is_measured_like_any_other() -> None:
    lines = split_lines(TEXT)
    for row in (1, 2):  # a line with an emoji (two UTF-16 units), and an ASCII one
        expected = UTF16.client_num_units(lines[row])
        assert line_range(lines, row, row, UTF16).end.character == expected


def test_a_finding_is_given_back_only_for_the_exact_data_published_with_it() -> None:
    published = PublishedFixes()
    lines = split_lines(TEXT)
    placed = _placed(1, "eval")
    (sent,) = published.diagnostics("file:///f.py", [placed], lines, 5, UTF16, path="f.py")
    data = FindingData.from_json(sent["data"])
    assert data is not None and data.path == "f.py" and data.function == "f"
    assert data.function_hash == placed.unit.hash and data.evidence == placed.finding.evidence
    assert published.finding("file:///f.py", data) == placed.finding
    assert data.key.function_hash == placed.unit.hash and data.key.category == "bug"

    for forged in (
        {**sent["data"], "function": "g"},
        {**sent["data"], "functionHash": "0" * 32},
        {**sent["data"], "evidence": "os.system('x')"},
        {**sent["data"], "title": "Another"},
        {**sent["data"], "version": 6},
    ):
        other = FindingData.from_json(forged)
        assert other is not None and published.finding("file:///f.py", other) is None, forged
    assert published.finding("file:///g.py", data) is None
    for malformed in (
        {key: value for key, value in sent["data"].items() if key != "functionHash"},
        {**sent["data"], "path": ""},
        {**sent["data"], "evidence": None},
        {**sent["data"], "title": 3},
    ):
        assert FindingData.from_json(malformed) is None, malformed
