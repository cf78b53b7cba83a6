"""`siyada check --format sarif`: the findings as a SARIF 2.1.0 log for code-scanning
services.

One rule per category, with its help text; one result per finding, with the region the
editor underlines, the replacement (over whole lines) as a `fix`, and a partial fingerprint
that does not depend on line numbers, so a service recognises the same finding after
lines are inserted above it or in a later run.
"""

from __future__ import annotations

import hashlib
import os
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from siyada import __version__
from siyada.review.anchor import evidence_columns
from siyada.review.bidi import isolate_line, isolate_lines
from siyada.review.sanitize import safe_text, safe_title

SARIF_VERSION: Final = "2.1.0"
# The schema's identifier, which editors and validators recognise; nothing fetches it.
SARIF_SCHEMA: Final = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/os/schemas/sarif-schema-2.1.0.json"
)
SOURCE_ROOT: Final = "%SRCROOT%"
# The key names the fingerprint's recipe; a new recipe gets a new version.
FINGERPRINT_KEY: Final = "siyadaFindingHash/v1"

LEVELS: Final = {"error": "error", "warning": "warning", "info": "note", "hint": "note"}


@dataclass(frozen=True)
class Rule:
    category: str
    name: str
    short: str
    full: str
    level: str


RULES: Final = (
    Rule(
        "bug",
        "PossibleBug",
        "Code that does not do what it appears to intend.",
        "The model found code that misbehaves: a wrong result, a crash, a resource that is "
        "never released, an error that is swallowed, an edge case that is missed.",
        "warning",
    ),
    Rule(
        "security",
        "SecurityWeakness",
        "Code that an attacker could exploit.",
        "The model found a weakness such as injection (SQL, shell, path), unsafe "
        "deserialization, secrets in code or missing validation of untrusted input.",
        "warning",
    ),
    Rule(
        "performance",
        "WastefulCode",
        "Code that does far more work than it needs to.",
        "The model found work that grows faster than it should: repeated queries or reads "
        "in a loop, quadratic searches, needless copies of large data.",
        "warning",
    ),
    Rule(
        "maintainability",
        "MaintenanceTrap",
        "Code that is a trap for the next change.",
        "The model found a serious maintainability problem, such as a pattern that will "
        "cause bugs when the code is changed.",
        "note",
    ),
)


@dataclass(frozen=True)
class SarifFinding:
    """What the log needs of one finding. Lines are 1-based and inclusive; `lines` are
    the document's text of lines start_line..end_line."""

    path: Path
    category: str
    severity: str
    title: str
    explanation: str
    function: str
    start_line: int
    end_line: int
    lines: tuple[str, ...]
    replacement: str | None = None
    line_break: str = "\n"
    evidence: str = ""


def sarif_log(findings: Sequence[SarifFinding], root: Path) -> dict[str, Any]:
    """The SARIF log of `findings`, paths relative to `root` (the source root)."""
    base = root.resolve()
    fingerprints = _fingerprints(findings, base)
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [
            {
                "tool": {"driver": _driver()},
                "originalUriBaseIds": {SOURCE_ROOT: {"uri": base.as_uri() + "/"}},
                "columnKind": "utf16CodeUnits",
                "results": [
                    _result(finding, base, fingerprint)
                    for finding, fingerprint in zip(findings, fingerprints, strict=True)
                ],
            }
        ],
    }


def _driver() -> dict[str, Any]:
    return {
        "name": "Siyada",
        "version": __version__,
        "semanticVersion": __version__,
        "rules": [_rule(rule) for rule in RULES],
    }


def _rule(rule: Rule) -> dict[str, Any]:
    help_text = (
        f"{rule.full} Siyada's findings come from a language model that runs on your "
        "own machine: read the explanation, and apply the fix only when it is right. "
        f"To silence one, add `siyada: ignore[{rule.category}]` in a comment on its line "
        "or the line above."
    )
    return {
        "id": rule.category,
        "name": rule.name,
        "shortDescription": {"text": rule.short},
        "fullDescription": {"text": rule.full},
        "help": {"text": help_text, "markdown": f"**{rule.short}** {help_text}"},
        "defaultConfiguration": {"level": rule.level},
        "properties": {"tags": [rule.category]},
    }


def _result(finding: SarifFinding, base: Path, fingerprint: str) -> dict[str, Any]:
    location = _artifact_location(finding.path, base)
    region = _region(finding)
    whole_lines = _whole_lines(finding)
    title, function = safe_title(finding.title), safe_title(finding.function)
    result: dict[str, Any] = {
        "ruleId": finding.category,
        "ruleIndex": [rule.category for rule in RULES].index(finding.category),
        "level": LEVELS[finding.severity],
        # Plain text, which a viewer lays out left to right: right-to-left words isolated.
        "message": {
            "text": isolate_lines(f"{_sentence(title)} {_sentence(safe_text(finding.explanation))}")
        },
        "locations": [
            {
                "physicalLocation": {"artifactLocation": location, "region": region},
                "logicalLocations": [{"fullyQualifiedName": function, "kind": "function"}],
            }
        ],
        "partialFingerprints": {FINGERPRINT_KEY: fingerprint},
        "properties": {"severity": finding.severity, "function": function},
    }
    if finding.replacement is not None:
        inserted = finding.line_break.join(finding.replacement.split("\n"))
        result["fixes"] = [
            {
                "description": {"text": isolate_line(_sentence(title))},
                "artifactChanges": [
                    {
                        "artifactLocation": location,
                        "replacements": [
                            {"deletedRegion": whole_lines, "insertedContent": {"text": inserted}}
                        ],
                    }
                ],
            }
        ]
    return result


def _sentence(text: str) -> str:
    text = text.strip()
    return text if text.endswith((".", "!", "?", "\u061f", "\u06d4")) else text + "."


def _artifact_location(path: Path, base: Path) -> dict[str, Any]:
    """The path relative to the source root when it is inside it, else a file URI."""
    full = Path(os.path.abspath(path))
    try:
        relative = full.relative_to(base)
    except ValueError:
        resolved = full.resolve()
        if not resolved.is_relative_to(base):
            return {"uri": resolved.as_uri()}
        relative = resolved.relative_to(base)
    return {"uri": _uri_path(relative), "uriBaseId": SOURCE_ROOT}


def _uri_path(relative: Path) -> str:
    # A relative reference: each part percent-encoded the way as_uri() does it.
    return Path("/", relative).as_uri().removeprefix("file:///")


def _region(finding: SarifFinding) -> dict[str, int]:
    """What the editor underlines (`anchor.evidence_columns`): the evidence from its
    first non-blank character to its last, columns counted in UTF-16 code units."""
    start, end = evidence_columns(finding.evidence, finding.lines)
    first = finding.lines[0] if finding.lines else ""
    last = finding.lines[-1] if finding.lines else ""
    return {
        "startLine": finding.start_line,
        "startColumn": _utf16_length(first[:start]) + 1,
        "endLine": finding.end_line,
        "endColumn": _utf16_length(last[:end]) + 1,
    }


def _whole_lines(finding: SarifFinding) -> dict[str, int]:
    """The lines a fix replaces: column 1 of the first to the end of the last."""
    last = finding.lines[-1] if finding.lines else ""
    return {
        "startLine": finding.start_line,
        "startColumn": 1,
        "endLine": finding.end_line,
        "endColumn": _utf16_length(last) + 1,
    }


def _utf16_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _fingerprints(findings: Sequence[SarifFinding], base: Path) -> list[str]:
    """A hash per finding of what it is about, never where: the file, the category,
    the function's name and the flagged code with its whitespace normalized. Identical
    ones get an occurrence number, so each stays distinct."""
    seen: Counter[str] = Counter()
    prints: list[str] = []
    for finding in findings:
        digest = fingerprint(finding, base)
        seen[digest] += 1
        prints.append(f"{digest}:{seen[digest]}")
    return prints


def fingerprint(finding: SarifFinding, base: Path) -> str:
    code = "\n".join(" ".join(line.split()) for line in finding.lines if line.strip())
    where = _artifact_location(finding.path, base)["uri"]
    parts = (where, finding.category, finding.function, code)
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()[:32]
