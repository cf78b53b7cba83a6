"""Findings shown in a document: placed where their function is now, filtered by the
user's settings and suppressions, with a fix only when it is provably local.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from siyada.code.fixes import fix_refusal
from siyada.code.functions import FunctionUnit
from siyada.code.languages import LanguageSpec, Tree, encode_source
from siyada.code.suppressions import file_is_suppressed, is_suppressed
from siyada.review.findings import Finding, severity_rank
from siyada.review.settings import Settings

log = logging.getLogger(__name__)


def is_shown(finding: Finding, settings: Settings) -> bool:
    """The user's filters, applied at display time."""
    return (
        finding.confidence >= settings.min_confidence
        and severity_rank(finding.severity) <= severity_rank(settings.min_severity)
        and finding.category in settings.categories
    )


@dataclass(frozen=True)
class PlacedFinding:
    """A finding placed in a document: absolute 0-based lines, inclusive."""

    unit: FunctionUnit
    finding: Finding
    start_line: int
    end_line: int


def place_findings(
    units: Sequence[FunctionUnit],
    findings_of: Mapping[str, Sequence[Finding]],
    lines: Sequence[str],
    text: str,
    settings: Settings,
    *,
    spec: LanguageSpec,
) -> list[PlacedFinding]:
    """Findings of each unit moved to where the unit is now, filtered and unsuppressed.

    A finding whose fix is not provably local (`fix_refusal`) is placed without it.
    """
    if file_is_suppressed(text):
        return []
    placed: list[PlacedFinding] = []
    seen: set[tuple[int, int, str, str]] = set()
    fixes = _FixJudge(spec, text)
    for unit in units:
        for finding in findings_of.get(unit.hash, ()):
            lines_in_document = unit.document_range(finding.start_line, finding.end_line)
            if lines_in_document is None:
                continue  # it quotes a placeholder or a nested unit's line: not this unit's
            start, end = lines_in_document
            identity = (start, end, finding.category, finding.title)
            if identity in seen or not is_shown(finding, settings):
                continue
            if is_suppressed(lines, start, finding.category):
                continue
            seen.add(identity)
            if finding.replacement is not None and not fixes.is_local(unit, finding, start, end):
                finding = replace(finding, replacement=None, fix_title=None)
            placed.append(PlacedFinding(unit, finding, start, end))
    return placed


# Verdicts on fixes, by function text and finding: the same fix of the same function
# is judged once, not on every keystroke elsewhere in the document. The code action
# judges again against the document as it is before offering the edit.
_Fix = tuple[str, str, int, int, str]
_fix_verdicts: OrderedDict[_Fix, bool] = OrderedDict()
_FIX_VERDICTS = 4096


class _FixJudge:
    """`fix_refusal` for one document, parsing it at most once."""

    def __init__(self, spec: LanguageSpec, text: str) -> None:
        self._spec, self._text = spec, text
        self._tree: Tree | None = None

    def is_local(self, unit: FunctionUnit, finding: Finding, start: int, end: int) -> bool:
        """Whether the finding's fix, at document lines start..end, is local to `unit`."""
        assert finding.replacement is not None
        fix = (self._spec.id, unit.hash, finding.start_line, finding.end_line, finding.replacement)
        verdict = _fix_verdicts.get(fix)
        if verdict is None:
            if self._tree is None:
                self._tree = self._spec.parse(encode_source(self._text))
            refusal = fix_refusal(
                self._spec, self._text, unit, start, end, finding.replacement, self._tree
            )
            if refusal is not None:
                log.info("The fix offered for %s is not shown: %s.", unit.name, refusal)
            verdict = refusal is None
        _fix_verdicts[fix] = verdict
        _fix_verdicts.move_to_end(fix)
        while len(_fix_verdicts) > _FIX_VERDICTS:
            _fix_verdicts.popitem(last=False)
        return verdict
