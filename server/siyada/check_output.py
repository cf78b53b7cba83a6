"""What `siyada check` prints: the findings as text, JSON or SARIF, on stdout or in a
file, and whether they fail the run (`--fail-on`)."""

from __future__ import annotations

import contextlib
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from siyada.i18n import ngettext
from siyada.review.bidi import isolate_line, isolate_lines
from siyada.review.findings import severity_rank
from siyada.review.placement import PlacedFinding
from siyada.review.sanitize import safe_text, safe_title
from siyada.sarif import SarifFinding, sarif_log


class CannotWrite(Exception):
    """The report could not be written; the message says where and why."""


@dataclass(frozen=True)
class Reported:
    path: Path
    placed: PlacedFinding
    # The document's text of the flagged lines, and its line break (for SARIF).
    lines: tuple[str, ...] = ()
    line_break: str = "\n"

    def to_json(self) -> dict[str, Any]:
        finding = self.placed.finding
        entry: dict[str, Any] = {
            "path": str(self.path),
            "line": self.placed.start_line + 1,
            "end_line": self.placed.end_line + 1,
            "category": finding.category,
            "severity": finding.severity,
            "title": safe_title(finding.title),
            "explanation": safe_text(finding.explanation),
            "function": safe_title(self.placed.unit.name),
        }
        if finding.replacement is not None:
            entry["replacement"] = finding.replacement
        return entry

    def to_text(self) -> str:
        # Findings were cleaned when the answer was read; cleaning again here keeps a
        # terminal safe whatever the answer's path to it. A terminal that lays out
        # bidi text needs right-to-left words isolated from the path and the code.
        finding = self.placed.finding
        title, name = isolate_line(safe_title(finding.title)), safe_title(self.placed.unit.name)
        explanation = isolate_lines(safe_text(finding.explanation))
        return (
            f"{self.path}:{self.placed.start_line + 1}: {finding.severity} "
            f"[{finding.category}] {title} (in {name})\n    {explanation}"
        )

    def to_sarif(self) -> SarifFinding:
        finding = self.placed.finding
        return SarifFinding(
            path=self.path,
            category=finding.category,
            severity=finding.severity,
            title=finding.title,
            explanation=finding.explanation,
            function=self.placed.unit.name,
            start_line=self.placed.start_line + 1,
            end_line=self.placed.end_line + 1,
            lines=self.lines,
            replacement=finding.replacement,
            line_break=self.line_break,
            evidence=finding.evidence,
        )


def fails(reported: Sequence[Reported], fail_on: str) -> bool:
    """Whether a finding at least as severe as `fail_on` was reported."""
    threshold = severity_rank(fail_on)
    return any(severity_rank(r.placed.finding.severity) <= threshold for r in reported)


def render(reported: Sequence[Reported], output_format: str, root: Path) -> str:
    """The report's text; empty for text output without findings."""
    if output_format == "json":
        return json.dumps([r.to_json() for r in reported], indent=2, ensure_ascii=False) + "\n"
    if output_format == "sarif":
        log = sarif_log([r.to_sarif() for r in reported], root)
        return json.dumps(log, indent=2, ensure_ascii=False) + "\n"
    return "".join(entry.to_text() + "\n" for entry in reported)


def write_report(
    reported: Sequence[Reported], output_format: str, out: Path | None, root: Path
) -> None:
    """The report on stdout, or in `out` (written whole, then moved into place, so a
    failed run never leaves half a file where a CI step expects a report)."""
    text = render(reported, output_format, root)
    if out is None:
        sys.stdout.write(text)
    else:
        _write_file(out, text)
    if output_format == "text":
        count = len(reported)
        print(ngettext("{count} finding.", "{count} findings.", count), file=sys.stderr)


def _write_file(out: Path, text: str) -> None:
    partial = out.with_name(f".{out.name}.partial")
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, out)
    except OSError as error:
        with contextlib.suppress(OSError):
            partial.unlink()
        raise CannotWrite(f"cannot write {out}: {error.strerror or error}") from error
