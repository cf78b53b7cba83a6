"""The review text of nested units: each document line is reviewed by one unit only.

A unit's text is its own lines; a unit nested in it appears there only as its signature
lines and a one-line placeholder (plus its closing line), so an edit inside the inner
function changes the inner unit's text alone, and text grows with the document, not
with the nesting depth.

Each line of the document belongs to the innermost unit around it; a line shared by two
siblings (`}, function () {`) belongs to the later one. A unit's text keeps, for every
line, the document line it is (`runs`), or none for a placeholder and for the lines of
another unit shown as context.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["LaidOut", "Run", "Span", "lay_out"]

# (first text line, first document line, number of lines): consecutive lines of a unit's
# text that are consecutive lines of the document, and the unit's own.
Run = tuple[int, int, int]


@dataclass(frozen=True, slots=True)
class Span:
    """Where a unit lies, in document rows, and what of it may be hidden from its outer unit."""

    start: int
    end: int
    parent: int | None  # index of the nearest enclosing unit
    # First and last rows of the body, left out of the outer unit's text; None when the
    # body has no row of its own (a one-line function).
    hidden: tuple[int, int] | None
    label: str  # the name its placeholder gives


@dataclass(frozen=True, slots=True)
class LaidOut:
    text: str
    runs: tuple[Run, ...]
    own_lines: int


def lay_out(spans: Sequence[Span], lines: Sequence[str], comment: str) -> list[LaidOut]:
    """The review text of each span (given outer before inner, in document order)."""
    # Rows are looked up relative to the first span: a caller may lay out a few
    # spans of a large document without paying for all its rows.
    base = min((span.start for span in spans), default=0)
    owner = _Owners(_owners(spans, base, len(lines)), base)
    children: list[list[int]] = [[] for _ in spans]
    for index, span in enumerate(spans):
        if span.parent is not None:
            children[span.parent].append(index)
    return [
        _text_of(index, spans, children[index], owner, lines, comment)
        for index in range(len(spans))
    ]


@dataclass(frozen=True, slots=True)
class _Owners:
    """For each row from `base` on, the index of the innermost span holding it (-1: none)."""

    rows: list[int]
    base: int

    def __getitem__(self, row: int) -> int:
        return self.rows[row - self.base]

    def count(self, first: int, last: int, index: int) -> int:
        return self.rows[first - self.base : last - self.base + 1].count(index)


def _owners(spans: Sequence[Span], base: int, row_count: int) -> list[int]:
    """For each row from `base` to the last span's end, the index of the innermost span
    holding it (-1: none), in one sweep."""
    last = min(max((span.end for span in spans), default=base - 1), row_count - 1)
    owner = [-1] * max(0, last - base + 1)
    cursor = base
    stack: list[int] = []

    def fill(index: int, last_row: int) -> None:
        nonlocal cursor
        for row in range(cursor, min(last_row, last) + 1):
            owner[row - base] = index
        cursor = max(cursor, last_row + 1)

    for index, span in enumerate(spans):
        while stack and stack[-1] != span.parent:
            done = stack.pop()
            fill(done, min(spans[done].end, span.start - 1))
        if stack:
            fill(stack[-1], span.start - 1)
        else:
            cursor = max(cursor, span.start)
        stack.append(index)
    while stack:
        done = stack.pop()
        fill(done, spans[done].end)
    return owner


class _Builder:
    def __init__(self, lines: Sequence[str], owner: _Owners, start: int) -> None:
        self.lines, self.owner = lines, owner
        self.out: list[str] = []
        self.runs: list[Run] = []
        self.own_lines = 0
        self.next_row = start

    def rows(self, first: int, last: int, owned_by: int | None = None) -> None:
        """Rows first..last not shown yet; those of `owned_by` are the unit's own lines."""
        first = max(first, self.next_row)
        self.next_row = max(self.next_row, last + 1)
        if first > last:
            return
        if owned_by is None:
            self.out.extend(self.lines[first : last + 1])
        elif self.owner.count(first, last, owned_by) == last - first + 1:
            self._own(first, last)  # the usual case: one stretch of the unit's own lines
        else:
            for row in range(first, last + 1):
                if self.owner[row] == owned_by:
                    self._own(row, row)
                else:
                    self.out.append(self.lines[row])

    def _own(self, first: int, last: int) -> None:
        at, count = len(self.out), last - first + 1
        self.out.extend(self.lines[first : last + 1])
        self.own_lines += count
        if self.runs:
            text0, doc0, before = self.runs[-1]
            if text0 + before == at and doc0 + before == first:
                self.runs[-1] = (text0, doc0, before + count)
                return
        self.runs.append((at, first, count))

    def placeholder(self, line: str) -> None:
        self.out.append(line)


def _text_of(
    index: int,
    spans: Sequence[Span],
    children: list[int],
    owner: _Owners,
    lines: Sequence[str],
    comment: str,
) -> LaidOut:
    span = spans[index]
    builder = _Builder(lines, owner, span.start)
    for child_index in children:
        child = spans[child_index]
        builder.rows(builder.next_row, child.start - 1, owned_by=index)
        if child.hidden is None:
            builder.rows(child.start, child.end)
            continue
        builder.rows(child.start, child.hidden[0] - 1)
        builder.placeholder(_placeholder(lines, child, comment))
        builder.next_row = max(builder.next_row, child.hidden[1] + 1)
        builder.rows(child.hidden[1] + 1, child.end)
    builder.rows(builder.next_row, span.end, owned_by=index)
    return LaidOut("\n".join(builder.out), tuple(builder.runs), builder.own_lines)


def _placeholder(lines: Sequence[str], child: Span, comment: str) -> str:
    assert child.hidden is not None
    first_hidden = lines[child.hidden[0]]
    if first_hidden.strip():
        indent = first_hidden[: len(first_hidden) - len(first_hidden.lstrip())]
    else:
        header = lines[child.start]
        indent = header[: len(header) - len(header.lstrip())] + "    "
    note = f"body of {child.label}: reviewed on its own"
    # Python's `...` keeps the text valid Python; elsewhere the comment says it all.
    return f"{indent}...  {comment} {note}" if comment == "#" else f"{indent}{comment} ... {note}"
