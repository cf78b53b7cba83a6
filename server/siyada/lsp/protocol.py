"""Pure conversions between the engine's findings and LSP types (no server state)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from siyada.review.placement import PlacedFinding

SOURCE = "siyada"

SEVERITY_TO_LSP = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Hint,
}


@dataclass(frozen=True)
class FixData:
    """What a code action needs, carried on the diagnostic so nothing is recomputed."""

    version: int | None
    start_line: int
    end_line: int
    evidence_lines: tuple[str, ...]
    category: str
    replacement: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "startLine": self.start_line,
            "endLine": self.end_line,
            "evidenceLines": list(self.evidence_lines),
            "category": self.category,
            "replacement": self.replacement,
        }

    @classmethod
    def from_json(cls, data: object) -> FixData | None:
        """The data of a diagnostic as the client sent it back; None unless it has the
        shape `to_json` gives: whole numbers, a line range in order, one evidence line
        per line of the range. Whether it fits the document is the caller's check."""
        if not isinstance(data, dict):
            return None
        start, end = data.get("startLine"), data.get("endLine")
        evidence, category = data.get("evidenceLines"), data.get("category")
        version, replacement = data.get("version"), data.get("replacement")
        if not (_is_line(start) and _is_line(end) and start <= end):
            return None
        if not (isinstance(evidence, list) and all(isinstance(line, str) for line in evidence)):
            return None
        if len(evidence) != end - start + 1 or not isinstance(category, str):
            return None
        if not (version is None or _is_whole(version)):
            return None
        if not (replacement is None or isinstance(replacement, str)):
            return None
        return cls(version, start, end, tuple(evidence), category, replacement)


def _is_whole(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_line(value: object) -> TypeGuard[int]:
    return _is_whole(value) and value >= 0


def line_range(lines: Sequence[str], start: int, end: int, codec: PositionCodec) -> types.Range:
    """Whole lines start..end (inclusive), the end measured in the client's units."""
    last = lines[end] if end < len(lines) else ""
    # An ASCII character is one unit in every encoding; counting them one by one is
    # most of the cost of publishing many diagnostics.
    width = len(last) if last.isascii() else codec.client_num_units(last)
    return types.Range(
        start=types.Position(line=start, character=0),
        end=types.Position(line=end, character=width),
    )


def to_diagnostic(
    placed: PlacedFinding, lines: Sequence[str], version: int | None, codec: PositionCodec
) -> types.Diagnostic:
    finding = placed.finding
    fix = FixData(
        version=version,
        start_line=placed.start_line,
        end_line=placed.end_line,
        evidence_lines=tuple(lines[placed.start_line : placed.end_line + 1]),
        category=finding.category,
        replacement=finding.replacement,
    )
    return types.Diagnostic(
        range=line_range(lines, placed.start_line, placed.end_line, codec),
        message=f"{finding.title}\n\n{finding.explanation}",
        severity=SEVERITY_TO_LSP[finding.severity],
        source=SOURCE,
        code=finding.category,
        data=fix.to_json(),
    )
