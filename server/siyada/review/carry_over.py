"""Findings kept on screen while the user edits their function.

An edited function has a new hash and no answer until its review lands. Meanwhile the
findings last shown for a function of that name stay, moved to where their evidence
lines are now, as long as those lines are unchanged in the new text (a line diff of the
two texts says which lines are). A finding whose lines were edited or deleted goes at
once. The findings last shown are remembered by name across the half-typed states in
between (`if (x) {` without its `}` can turn a function into `<anonymous>` for one
keystroke), so they come back when the function does.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from siyada.code.functions import FunctionUnit
from siyada.review.findings import Finding

Findings = tuple[Finding, ...]


def line_moves(before: str, after: str) -> dict[int, int]:
    """Each line of `before` that is unchanged in `after`, mapped to its line there."""
    old, new = before.split("\n"), after.split("\n")
    moves: dict[int, int] = {}
    matcher = difflib.SequenceMatcher(None, old, new, autojunk=False)
    for tag, old_start, old_end, new_start, _ in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(old_end - old_start):
                moves[old_start + offset] = new_start + offset
    return moves


def carried_over(finding: Finding, moves: Mapping[int, int], after: FunctionUnit) -> Finding | None:
    """`finding` moved by `moves` (from `line_moves`) into `after`, or None when one of
    its lines changed, they are no longer together, or they now stand on a nested
    unit's placeholder or signature (no longer this unit's to report)."""
    start, end = moves.get(finding.start_line), moves.get(finding.end_line)
    if start is None or end is None or end - start != finding.end_line - finding.start_line:
        return None
    if any(line not in moves for line in range(finding.start_line, finding.end_line + 1)):
        return None
    if after.document_range(start, end) is None:
        return None
    return dataclasses.replace(finding, start_line=start, end_line=end)


@dataclass(frozen=True)
class _Shown:
    unit: FunctionUnit
    findings: Findings


class CarryOver:
    """The findings last shown for each function name, and their carrying over."""

    def __init__(self) -> None:
        self._shown: dict[str, _Shown] = {}

    def remember(self, units: Iterable[FunctionUnit], shown: Mapping[str, Findings | None]) -> None:
        """What was on screen for `units`, by hash: findings (kept), an answer without
        findings (forgotten), or nothing known yet (the earlier memory stays)."""
        for unit in units:
            findings = shown.get(unit.hash)
            if findings:
                self._shown[unit.name] = _Shown(unit, findings)
            elif findings is not None:
                self._shown.pop(unit.name, None)

    def forget_all_but(self, names: Iterable[str]) -> None:
        """Functions not in `names` are gone for good (the text parses cleanly)."""
        keep = set(names)
        for name in [n for n in self._shown if n not in keep]:
            del self._shown[name]

    def carry(self, new_units: Sequence[FunctionUnit]) -> dict[str, Findings]:
        """The findings each of `new_units` shows until its own answer lands, by hash."""
        carried: dict[str, Findings] = {}
        for unit in new_units:
            shown = self._shown.get(unit.name)
            if shown is None:
                continue
            moves = line_moves(shown.unit.text, unit.text)
            moved = (carried_over(f, moves, unit) for f in shown.findings)
            kept = tuple(f for f in moved if f is not None)
            if kept:
                carried[unit.hash] = kept
        return carried
