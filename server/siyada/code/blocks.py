"""Blocks: the top-level nodes of the tree that share rows (or an attribute and what it
decorates), with the units found in them, kept from one extraction to the next.

A block's units depend on its rows alone, so a change elsewhere leaves them as they
are, moved by the rows added or removed above.
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import NamedTuple

from siyada.code.layout import Run
from siyada.code.units import FunctionUnit

__all__ = ["Block", "LocalUnit", "RowChange", "kept_blocks", "moved_runs"]


# A change of the document since the last extraction, in rows: (first row, its last row
# before the change, its last row after). Rows after it moved by the difference.
RowChange = tuple[int, int, int]


class LocalUnit(NamedTuple):
    """A unit of one block before its name is made unique; rows relative to the block.
    (A named tuple: one is made per function on every full extraction.)"""

    name: str
    kind: str
    start: int
    end: int
    text: str
    hash: str
    runs: tuple[tuple[int, int, int], ...]
    own_lines: int


class Block:
    """One block: rows `first`..`last` (up to the next block) and the units in them,
    with the function units last built from them."""

    __slots__ = ("_built", "_built_first", "_built_names", "first", "last", "units")

    def __init__(self, first: int, last: int, units: tuple[LocalUnit, ...]) -> None:
        self.first, self.last, self.units = first, last, units
        self._built: list[FunctionUnit] = []
        self._built_first = -1
        self._built_names: Sequence[str] = ()

    def moved(self, rows: int) -> Block:
        return self if rows == 0 else Block(self.first + rows, self.last + rows, self.units)

    def function_units(self, language_id: str, names: Sequence[str]) -> list[FunctionUnit]:
        """Its units, named `names` (one per unit), reused while rows and names hold."""
        if self._built_first == self.first and self._built_names == names:
            return self._built
        shift = self.first
        units = [
            FunctionUnit(
                name,
                local.kind,
                local.start + shift,
                local.end + shift,
                local.text,
                local.hash,
                moved_runs(local.runs, shift),
            )
            for local, name in zip(self.units, names, strict=True)
            # A unit whose every line belongs to units inside it has nothing to review.
            if local.own_lines
        ]
        # Decorators can move a start line earlier than an outer unit's start on the
        # same line; a stable sort keeps the outer unit first.
        units.sort(key=lambda unit: unit.start_line)
        self._built, self._built_first, self._built_names = units, self.first, names
        return units


def kept_blocks(blocks: Sequence[Block], changes: Sequence[RowChange]) -> list[Block]:
    """The blocks no change touched (nor a row next to them), at their rows now."""
    firsts = [block.first for block in blocks]
    lasts = [block.last for block in blocks]
    kept = list(blocks)
    for first, old_last, new_last in changes:
        low = bisect.bisect_left(lasts, first - 1)
        high = bisect.bisect_right(firsts, old_last + 1)
        del firsts[low:high], lasts[low:high], kept[low:high]
        if (moved := new_last - old_last) != 0:
            for index in range(low, len(firsts)):
                firsts[index] += moved
                lasts[index] += moved
    return [block.moved(first - block.first) for block, first in zip(kept, firsts, strict=True)]


def moved_runs(runs: tuple[Run, ...], rows: int) -> tuple[Run, ...]:
    if len(runs) == 1:
        text0, doc0, count = runs[0]
        return ((text0, doc0 + rows, count),)
    return tuple((text0, doc0 + rows, count) for text0, doc0, count in runs)
