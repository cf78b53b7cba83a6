from __future__ import annotations

from pathlib import Path

from siyada.code.functions import extract_functions
from siyada.code.languages import language_for
from siyada.code.text import split_lines
from siyada.review.cache import DiskCache
from siyada.review.engine import AnswerCache, CacheKey, is_shown, place_findings
from siyada.review.findings import Finding
from siyada.review.settings import Settings

PYTHON = language_for("python")
SOURCE = """# header


def a(x):
    # siyada: ignore[security]
    return eval(x)


def b(y):
    return y / 0
"""


def _finding(
    line: int, category: str = "bug", severity: str = "warning", confidence: float = 0.9
) -> Finding:
    return Finding(
        category=category,
        severity=severity,
        title=f"{category} at {line}",
        explanation="...",
        evidence="...",
        replacement=None,
        confidence=confidence,
        start_line=line,
        end_line=line,
    )


def test_findings_are_placed_relative_to_their_function() -> None:
    assert PYTHON is not None
    units = extract_functions(PYTHON, SOURCE)
    a, b = units
    placed = place_findings(
        units,
        {a.hash: [_finding(2, "security")], b.hash: [_finding(1)]},
        split_lines(SOURCE),
        SOURCE,
        Settings(),
    )
    # a's security finding is suppressed by the comment above its line; b's is moved.
    assert [(p.unit.name, p.start_line) for p in placed] == [("b", 9)]


def test_ignore_file_hides_everything() -> None:
    assert PYTHON is not None
    text = SOURCE + "# siyada: ignore-file\n"
    units = extract_functions(PYTHON, text)
    findings = {u.hash: [_finding(1)] for u in units}
    assert place_findings(units, findings, split_lines(text), text, Settings()) == []


def test_filters() -> None:
    settings = Settings(min_severity="warning", min_confidence=0.7, categories=("bug",))
    assert is_shown(_finding(0), settings)
    assert is_shown(_finding(0, severity="error"), settings)
    assert not is_shown(_finding(0, severity="info"), settings)
    assert not is_shown(_finding(0, confidence=0.6), settings)
    assert not is_shown(_finding(0, category="performance"), settings)


def test_answer_cache_is_bounded_and_keeps_the_recently_used() -> None:
    cache = AnswerCache(capacity=2)
    one, two, three = (CacheKey(h, "m", "python") for h in ("1", "2", "3"))
    cache.put(one, ())
    cache.put(two, (_finding(0),))
    assert cache.get(one) == ()
    cache.put(three, ())
    assert cache.get(two) is None
    assert cache.get(one) == () and cache.get(three) == ()
    assert cache.get(CacheKey("1", "other-model", "python")) is None
    assert cache.get(CacheKey("1", "m", "go")) is None


def test_answers_survive_in_the_disk_cache(tmp_path: Path) -> None:
    key = CacheKey("1", "m", "python")
    first = AnswerCache(DiskCache(tmp_path))
    first.put(key, (_finding(3),))
    first.close()
    second = AnswerCache(DiskCache(tmp_path))
    assert second.get(key) == (_finding(3),)
    assert second.get(CacheKey("1", "m", "python", prompt_version="other")) is None
    second.close()


NESTED = """def outer(a):
    x = a + 1
    def inner(b):
        return b / 0
    return inner(x) / 0
"""


def _spanning(first: int, last: int) -> Finding:
    return Finding(
        category="bug",
        severity="warning",
        title=f"lines {first}-{last}",
        explanation="...",
        evidence="...",
        replacement=None,
        confidence=0.9,
        start_line=first,
        end_line=last,
    )


def test_case2_findings_are_placed_through_the_unit_line_map() -> None:
    assert PYTHON is not None
    outer, inner = extract_functions(PYTHON, NESTED)
    # outer's text: def outer / x = / def inner (context) / placeholder / return inner(x)
    findings = {
        outer.hash: [_spanning(1, 1), _spanning(4, 4), _spanning(3, 3), _spanning(2, 2)],
        inner.hash: [_spanning(1, 1)],
    }
    placed = place_findings([outer, inner], findings, split_lines(NESTED), NESTED, Settings())
    assert [(p.unit.name, p.start_line, p.end_line) for p in placed] == [
        ("outer", 1, 1),
        ("outer", 4, 4),  # text line 4 is document line 4, after inner's hidden body
        ("outer.inner", 3, 3),
    ]


def test_case2_a_finding_spanning_a_placeholder_is_dropped() -> None:
    assert PYTHON is not None
    outer, _ = extract_functions(PYTHON, NESTED)
    placed = place_findings(
        [outer], {outer.hash: [_spanning(1, 4)]}, split_lines(NESTED), NESTED, Settings()
    )
    assert placed == []
