"""Pure conversions between the engine's findings and LSP types (no server state)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeGuard

from lsprotocol import types
from pygls.workspace.position_codec import PositionCodec

from siyada.feedback.fingerprint import FindingKey, finding_key
from siyada.lsp.category_pages import category_page_uri
from siyada.lsp.finding_text import diagnostic_message
from siyada.review.anchor import evidence_columns
from siyada.review.placement import PlacedFinding

SOURCE = "siyada"

# A model's `hint` is published as Information: VS Code lists no Hint diagnostic in
# Problems, and every finding that passes the user's filters must be listed there. The
# message (and the hover) still say "hint" in words.
SEVERITY_TO_LSP = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
    "hint": types.DiagnosticSeverity.Information,
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


@dataclass(frozen=True)
class FindingData:
    """All of a diagnostic's `data`: the fix data, and where the finding is (path,
    function, the function's hash) and what it says (title, raw evidence), so a
    dismissal or a feedback event is built without recomputing. Its shape only: the
    caller accepts it when the server published exactly this data."""

    fix: FixData
    title: str
    function: str
    function_hash: str
    path: str
    evidence: str

    @property
    def key(self) -> FindingKey:
        return finding_key(
            path=self.path,
            function=self.function,
            function_hash=self.function_hash,
            category=self.fix.category,
            evidence=self.evidence,
        )

    def to_json(self) -> dict[str, Any]:
        return {
            **self.fix.to_json(),
            "title": self.title,
            "function": self.function,
            "functionHash": self.function_hash,
            "path": self.path,
            "evidence": self.evidence,
        }

    @classmethod
    def from_json(cls, data: object) -> FindingData | None:
        """None unless `data` has the shape `to_json` gives."""
        fix = FixData.from_json(data)
        if fix is None or not isinstance(data, dict):
            return None
        names = ("title", "function", "functionHash", "path")
        texts = [text for name in names if isinstance(text := data.get(name), str) and text]
        evidence = data.get("evidence")
        if len(texts) != len(names) or not isinstance(evidence, str):
            return None
        title, function, function_hash, path = texts
        return cls(fix, title, function, function_hash, path, evidence)


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


def evidence_range(
    lines: Sequence[str], start: int, end: int, evidence: str, codec: PositionCodec
) -> types.Range:
    """Lines start..end (inclusive) from the evidence's first non-blank character to its
    last one, or just the quoted fragment of a line (`evidence_columns`), in the
    client's units."""
    quoted = [lines[row] if row < len(lines) else "" for row in range(start, end + 1)]
    first, last = evidence_columns(evidence, quoted)
    return types.Range(
        start=types.Position(line=start, character=_units(quoted[0][:first], codec)),
        end=types.Position(line=end, character=_units(quoted[-1][:last], codec)),
    )


def _units(text: str, codec: PositionCodec) -> int:
    # An ASCII character is one unit in every encoding.
    return len(text) if text.isascii() else codec.client_num_units(text)


def to_diagnostic(
    placed: PlacedFinding,
    lines: Sequence[str],
    version: int | None,
    codec: PositionCodec,
    *,
    path: str,
) -> types.Diagnostic:
    """The diagnostic of `placed`; `path` is the document's as findings are keyed by
    (`feedback_path`)."""
    finding = placed.finding
    fix = FixData(
        version=version,
        start_line=placed.start_line,
        end_line=placed.end_line,
        evidence_lines=tuple(lines[placed.start_line : placed.end_line + 1]),
        category=finding.category,
        replacement=finding.replacement,
    )
    data = FindingData(
        fix=fix,
        title=finding.title,
        function=placed.unit.name,
        function_hash=placed.unit.hash,
        path=path,
        evidence=finding.evidence,
    )
    page = category_page_uri(finding.category)
    return types.Diagnostic(
        range=evidence_range(lines, placed.start_line, placed.end_line, finding.evidence, codec),
        message=diagnostic_message(finding),
        severity=SEVERITY_TO_LSP[finding.severity],
        source=SOURCE,
        code=finding.category,
        code_description=None if page is None else types.CodeDescription(href=page),
        data=data.to_json(),
    )
