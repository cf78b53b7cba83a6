"""Pure conversions between the engine's findings and LSP types (no server state)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from siyada.review.engine import PlacedFinding

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
        if not isinstance(data, dict):
            return None
        try:
            replacement = data.get("replacement")
            return cls(
                version=_optional_int(data.get("version")),
                start_line=int(data["startLine"]),
                end_line=int(data["endLine"]),
                evidence_lines=tuple(str(line) for line in data["evidenceLines"]),
                category=str(data["category"]),
                replacement=replacement if isinstance(replacement, str) else None,
            )
        except (KeyError, TypeError, ValueError):
            return None


def _optional_int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def line_range(lines: Sequence[str], start: int, end: int, codec: PositionCodec) -> types.Range:
    """Whole lines start..end (inclusive), the end measured in the client's units."""
    last = lines[end] if end < len(lines) else ""
    return types.Range(
        start=types.Position(line=start, character=0),
        end=types.Position(line=end, character=codec.client_num_units(last)),
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
