"""Publishing: each finding's diagnostic is made once per document version, and only
the fix data the server published for a document is accepted back."""

from __future__ import annotations

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from siyada.code.functions import extract_functions
from siyada.code.languages import language_for
from siyada.code.text import split_lines
from siyada.lsp.protocol import FixData, line_range
from siyada.lsp.published import PublishedFixes
from siyada.review.engine import PlacedFinding
from siyada.review.findings import Finding

UTF16 = PositionCodec(types.PositionEncodingKind.Utf16)
TEXT = "def f(x):\n    y = eval(x)  # 👋\n    return pickle.loads(y)\n"


def _placed(line: int, title: str) -> PlacedFinding:
    spec = language_for("python")
    assert spec is not None
    (unit,) = extract_functions(spec, TEXT)
    lines = split_lines(TEXT)
    finding = Finding("bug", "warning", title, "why", lines[line], None, 0.9, line, line)
    return PlacedFinding(unit, finding, line, line)


def test_case3_a_finding_diagnostic_is_made_once_per_version() -> None:
    published = PublishedFixes()
    lines = split_lines(TEXT)
    findings = [_placed(1, "eval"), _placed(2, "pickle")]
    first = published.diagnostics("file:///f.py", findings, lines, 3, UTF16)
    again = published.diagnostics("file:///f.py", findings[1:], lines, 3, UTF16)
    later = published.diagnostics("file:///f.py", findings[1:], lines, 4, UTF16)
    assert again[0] is first[1]  # reused within the version
    assert later[0] is not first[1] and later[0].data["version"] == 4
    fix = FixData.from_json(later[0].data)
    assert fix is not None and published.includes("file:///f.py", fix)
    superseded = FixData.from_json(first[1].data)
    assert superseded is not None and not published.includes("file:///f.py", superseded)


def test_case3_an_ascii_line_is_measured_like_any_other() -> None:
    lines = split_lines(TEXT)
    for row in (1, 2):  # a line with an emoji (two UTF-16 units), and an ASCII one
        expected = UTF16.client_num_units(lines[row])
        assert line_range(lines, row, row, UTF16).end.character == expected
