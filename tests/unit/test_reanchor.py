"""Findings carried over an edit are re-anchored in the unit's review text, and only
onto the unit's own lines (issue 8, case 2)."""

from __future__ import annotations

from siyada.code.functions import extract_functions
from siyada.code.languages import language_for
from siyada.review.findings import Finding
from siyada.review.open_document import reanchored

NESTED = """def outer(a):
    x = a + 1
    def inner(b):
        return b / 0
    return inner(x) / 0
"""


def _quoting(evidence: str) -> Finding:
    return Finding(
        category="bug",
        severity="warning",
        title="Division by zero",
        explanation="...",
        evidence=evidence,
        replacement=None,
        confidence=0.9,
        start_line=0,
        end_line=0,
    )


def test_case2_carried_findings_are_reanchored_only_on_the_units_own_lines() -> None:
    spec = language_for("python")
    assert spec is not None
    outer, inner = extract_functions(spec, "# moved down\n" + NESTED)
    moved = reanchored(_quoting("    return inner(x) / 0"), outer)
    assert moved is not None and (moved.start_line, moved.end_line) == (4, 4)
    assert outer.document_range(4, 4) == (5, 5)
    # inner's signature is shown in outer's text as context: not outer's to report.
    assert reanchored(_quoting("    def inner(b):"), outer) is None
    assert reanchored(_quoting("body of inner: reviewed on its own"), outer) is None
    on_inner = reanchored(_quoting("        return b / 0"), inner)
    assert on_inner is not None and inner.document_range(on_inner.start_line, on_inner.end_line)
