"""Which function is reviewed first: the named places of `ranking.py`."""

from __future__ import annotations

from siyada.code.functions import FunctionUnit, extract_functions
from siyada.code.languages import language_for
from siyada.review.ranking import (
    NOT_OPEN,
    Attention,
    DocumentPlace,
    Focus,
    FunctionPlace,
)

URI = "file:///work/p.py"
OTHER = "file:///work/q.py"
# Six two-line functions, each followed by two blank lines: f{i} spans rows 4i..4i+1.
SOURCE = "".join(f"def f{i}(x):\n    return x + {i}\n\n\n" for i in range(6))


def _units() -> list[FunctionUnit]:
    spec = language_for("python")
    assert spec is not None
    return extract_functions(spec, SOURCE)


def test_places_order_cursor_then_visible_then_recent_then_the_rest() -> None:
    units = _units()
    attention = Attention()
    attention.focus = Focus(URI, line=8, visible=((12, 17),))
    ranks = {
        u.name: attention.rank(u, uri=URI, edited_line=None, recent_edits=["f0"]) for u in units
    }
    assert ranks["f2"][:2] == (DocumentPlace.IN_FOCUS, FunctionPlace.AT_CURSOR)
    assert ranks["f3"][1] == ranks["f4"][1] == FunctionPlace.VISIBLE
    assert ranks["f0"][1] == FunctionPlace.RECENTLY_EDITED
    assert ranks["f1"][1] == ranks["f5"][1] == FunctionPlace.ELSEWHERE
    order = [u.name for u in sorted(units, key=lambda u: ranks[u.name])]
    # Within a place, nearer the cursor first: f1 ends on row 5, f5 starts on row 20.
    assert order == ["f2", "f3", "f4", "f0", "f1", "f5"]


def test_the_focus_line_wins_over_the_last_edited_line() -> None:
    units = _units()
    attention = Attention()
    attention.focus = Focus(URI, line=0)
    at_cursor = [
        u.name
        for u in units
        if attention.rank(u, uri=URI, edited_line=20, recent_edits=[])[1] == FunctionPlace.AT_CURSOR
    ]
    assert at_cursor == ["f0"]


def test_without_a_cursor_the_last_edited_line_places_the_function() -> None:
    units = _units()
    attention = Attention()
    attention.focus = Focus(URI, line=None, visible=())
    rank = attention.rank(units[5], uri=URI, edited_line=21, recent_edits=[])
    assert rank == (DocumentPlace.IN_FOCUS, FunctionPlace.AT_CURSOR, 0)
    # No line at all: no distance to measure.
    assert attention.rank(units[5], uri=URI, edited_line=None, recent_edits=[])[2] == 0


def test_the_focused_document_goes_before_others_and_closed_ones_go_last() -> None:
    unit = _units()[0]
    attention = Attention()
    attention.focus = Focus(OTHER, line=0)
    here = attention.rank(unit, uri=URI, edited_line=0, recent_edits=[])
    there = attention.rank(unit, uri=OTHER, edited_line=None, recent_edits=[])
    assert here[0] == DocumentPlace.ELSEWHERE and there[0] == DocumentPlace.IN_FOCUS
    # Another document's function at its cursor still waits for the focused document.
    assert sorted([here, NOT_OPEN, there]) == [there, here, NOT_OPEN]


def test_before_any_focus_the_last_changed_document_is_in_focus() -> None:
    unit = _units()[0]
    attention = Attention()
    assert attention.rank(unit, uri=URI, edited_line=None, recent_edits=[])[0] == (
        DocumentPlace.ELSEWHERE
    )
    attention.last_changed = URI
    assert attention.rank(unit, uri=URI, edited_line=None, recent_edits=[])[0] == (
        DocumentPlace.IN_FOCUS
    )
    # Once the client tells a focus, the last change no longer stands in for it.
    attention.focus = Focus(OTHER)
    assert attention.rank(unit, uri=URI, edited_line=None, recent_edits=[])[0] == (
        DocumentPlace.ELSEWHERE
    )
