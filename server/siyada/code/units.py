"""The unit of review: one function of a document, its text and its content hash."""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["FunctionUnit", "lines_outside_units", "unit_hash"]


@dataclass(frozen=True)
class FunctionUnit:
    """One function of a document.

    `name` is qualified ("Class.method", "outer.inner") and unique in the document
    (a repeated name gets "#2", "#3"...); `start_line` and `end_line` (0-based,
    inclusive) bound the whole function, nested functions included. `text`, what is
    reviewed and hashed, is those lines except the bodies of nested units, each shown
    as its signature and a one-line placeholder. `runs` maps text lines to document
    lines: (first text line, first document line, count) for each stretch of the
    unit's own lines; None means the text is exactly lines start_line..end_line.
    """

    name: str
    kind: str
    start_line: int
    end_line: int
    text: str
    hash: str
    runs: tuple[tuple[int, int, int], ...] | None = None

    def document_line(self, text_line: int) -> int | None:
        """The document line of line `text_line` of `text`; None for a placeholder or
        a line of a nested unit shown as context (it is not this unit's to review)."""
        if self.runs is None:
            span = self.end_line - self.start_line
            return self.start_line + text_line if 0 <= text_line <= span else None
        at = bisect.bisect_right(self.runs, text_line, key=lambda run: run[0]) - 1
        if at < 0:
            return None
        text0, doc0, count = self.runs[at]
        return doc0 + text_line - text0 if text_line < text0 + count else None

    def document_range(self, first: int, last: int) -> tuple[int, int] | None:
        """Document lines of text lines first..last, when every one of them is this
        unit's own and they are consecutive in the document; else None."""
        start = self.document_line(first)
        if start is None or last < first:
            return None
        for offset in range(1, last - first + 1):
            if self.document_line(first + offset) != start + offset:
                return None
        return start, start + last - first


def unit_hash(language_id: str, text: str) -> str:
    """Content key of a unit: the same text in the same language gives the same hash."""
    data = f"{language_id}\0{text}".encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()[:32]


def lines_outside_units(units: Sequence[FunctionUnit], lines: Sequence[str]) -> int:
    """Non-blank lines of a document (`split_lines`) that belong to no unit: code the
    model never sees. Blank lines hold no code, so they are not counted."""
    covered = {row for unit in units for row in range(unit.start_line, unit.end_line + 1)}
    return sum(1 for row, line in enumerate(lines) if line.strip() and row not in covered)
