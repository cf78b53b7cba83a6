"""Findings kept on their evidence lines while the user edits their function: moved
while those lines are unchanged, dropped when they changed, remembered by name across
half-typed states, and only ever on the unit's own lines."""

from __future__ import annotations

from siyada.code.functions import FunctionUnit, extract_functions
from siyada.code.languages import language_for
from siyada.review.carry_over import CarryOver, carried_over, line_moves
from siyada.review.findings import Finding

NESTED = """def outer(a):
    x = a + 1
    def inner(b):
        return b / 0
    return inner(x) / 0
"""
# outer edited: a line added above its evidence.
NESTED_EDITED = NESTED.replace("    x = a + 1\n", "    x = a + 1\n    y = 2\n")
JS = "function load(path) {\n  const name = path.trim();\n  const f = open(name);\n}\n"


def _quoting(evidence: str, line: int) -> Finding:
    return Finding(
        category="bug",
        severity="warning",
        title="Division by zero",
        explanation="...",
        evidence=evidence,
        replacement=None,
        confidence=0.9,
        start_line=line,
        end_line=line,
    )


def _units(text: str, language: str = "python") -> list[FunctionUnit]:
    spec = language_for(language)
    assert spec is not None
    return extract_functions(spec, text)


def test_line_moves_maps_the_unchanged_lines_only() -> None:
    assert line_moves("a\nb\nc", "a\nnew\nb\nc") == {0: 0, 1: 2, 2: 3}
    assert line_moves("a\nb\nc", "a\nB\nc") == {0: 0, 2: 2}
    assert line_moves("a\nb", "b") == {1: 0}


def test_carried_findings_move_only_onto_the_units_own_lines() -> None:
    (outer, _), (edited, edited_inner) = _units(NESTED), _units(NESTED_EDITED)
    moves = line_moves(outer.text, edited.text)
    moved = carried_over(_quoting("    return inner(x) / 0", 4), moves, edited)
    assert moved is not None and (moved.start_line, moved.end_line) == (5, 5)
    assert moved.title == "Division by zero"  # the rest unchanged
    assert edited.document_range(5, 5) == (5, 5)
    # inner's signature is shown in outer's text as context: not outer's to report.
    assert carried_over(_quoting("    def inner(b):", 2), moves, edited) is None
    assert carried_over(_quoting("body of inner: reviewed on its own", 3), moves, edited) is None
    (_, inner) = _units(NESTED)
    on_inner = carried_over(
        _quoting("        return b / 0", 1), line_moves(inner.text, edited_inner.text), edited_inner
    )
    assert on_inner is not None and edited_inner.document_range(1, 1) == (4, 4)


def test_a_finding_whose_lines_changed_is_dropped_and_one_over_several_lines_stays_whole() -> None:
    before, after = "f(\n  a,\n  b)\nz", "f(\n  a,\n  c)\nz"
    (unit,) = _units("def g():\n    return 1\n")
    spanning = Finding(**{**_quoting("f(", 0).__dict__, "end_line": 2})
    assert carried_over(spanning, line_moves(before, after), unit) is None
    split = "f(\n  a,\n  new,\n  b)\nz"
    assert carried_over(spanning, line_moves(before, split), unit) is None  # torn apart


def test_findings_come_back_after_a_half_typed_state_that_renamed_the_function() -> None:
    carry = CarryOver()
    (load,) = _units(JS, "javascript")
    finding = _quoting("  const f = open(name);", 2)
    carry.remember([load], {load.hash: (finding,)})
    # `if (x) {` without its `}`: the function reads as something else for a moment.
    half = JS.replace("path.trim();\n", "path.trim();\n  if (x) {\n")
    assert all(u.name != "load" for u in _units(half, "javascript"))
    half_units = _units(half, "javascript")
    carry.remember(half_units, {u.hash: None for u in half_units})
    typed = JS.replace("path.trim();\n", "path.trim();\n  if (x) {\n  }\n")
    (again,) = _units(typed, "javascript")
    carried = carry.carry([again])[again.hash]
    assert [(f.evidence, f.start_line) for f in carried] == [("  const f = open(name);", 4)]


def test_an_answer_without_findings_is_remembered_as_nothing_to_carry() -> None:
    carry = CarryOver()
    (load,) = _units(JS, "javascript")
    carry.remember([load], {load.hash: (_quoting("  const f = open(name);", 2),)})
    carry.remember([load], {load.hash: ()})
    (edited,) = _units(JS.replace("path.trim()", "path.trim().toLowerCase()"), "javascript")
    assert carry.carry([edited]) == {}


def test_functions_gone_from_a_clean_parse_are_forgotten() -> None:
    carry = CarryOver()
    (load,) = _units(JS, "javascript")
    carry.remember([load], {load.hash: (_quoting("  const f = open(name);", 2),)})
    carry.forget_all_but(["other"])
    assert carry.carry([load]) == {}
