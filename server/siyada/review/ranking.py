"""Which function to review first: where the user is looking and what they just edited.

A rank is a tuple that sorts sooner-first: the document's place, then the function's
place within it, then its distance in lines from the cursor. The `PriorityGate` in
`priority.py` compares ranks again each time a slot frees, so the order follows the
user as they move.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import IntEnum

from siyada.code.functions import FunctionUnit
from siyada.review.priority import Rank


class DocumentPlace(IntEnum):
    """Where a function's document stands, most urgent first."""

    IN_FOCUS = 0  # the document the user looks at (or, without focus, last changed)
    ELSEWHERE = 1  # another open document
    CLOSED = 2  # closed while its review waited: last of all


class FunctionPlace(IntEnum):
    """Where a function stands within its document, most urgent first."""

    AT_CURSOR = 0  # holds the cursor, or the line last edited
    VISIBLE = 1  # on screen
    RECENTLY_EDITED = 2  # among the document's latest edits
    ELSEWHERE = 3


NOT_OPEN: Rank = (DocumentPlace.CLOSED,)


@dataclass(frozen=True)
class Focus:
    """Where the user is looking, as the client tells: a cursor line and the visible
    line ranges (inclusive) of one document."""

    uri: str
    line: int | None = None
    visible: tuple[tuple[int, int], ...] = ()


class Attention:
    """What the user attends to across documents: the focus the client told last,
    and the document changed last (which stands in for focus until a client tells)."""

    def __init__(self) -> None:
        self.focus: Focus | None = None
        self.last_changed: str | None = None

    def rank(
        self,
        unit: FunctionUnit,
        *,
        uri: str,
        edited_line: int | None,
        recent_edits: Sequence[str],
    ) -> Rank:
        """The rank of `unit` in document `uri`, whose last edited line and most
        recently edited function names are given."""
        focus = self.focus if self.focus is not None and self.focus.uri == uri else None
        in_focus = focus is not None or (self.focus is None and uri == self.last_changed)
        line = edited_line if focus is None or focus.line is None else focus.line
        document = DocumentPlace.IN_FOCUS if in_focus else DocumentPlace.ELSEWHERE
        place = _function_place(unit, line, focus, recent_edits)
        return (document, place, _distance(unit, line))


def _function_place(
    unit: FunctionUnit, line: int | None, focus: Focus | None, recent_edits: Sequence[str]
) -> FunctionPlace:
    if line is not None and unit.start_line <= line <= unit.end_line:
        return FunctionPlace.AT_CURSOR
    if focus is not None and any(
        unit.start_line <= end and start <= unit.end_line for start, end in focus.visible
    ):
        return FunctionPlace.VISIBLE
    if unit.name in recent_edits:
        return FunctionPlace.RECENTLY_EDITED
    return FunctionPlace.ELSEWHERE


def _distance(unit: FunctionUnit, line: int | None) -> int:
    """Lines between the function and `line` (0 when there is no line to measure from)."""
    if line is None:
        return 0
    return min(abs(unit.start_line - line), abs(unit.end_line - line))
