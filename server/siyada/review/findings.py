"""The findings Siyada shows: their type, the schema the model answers in, and how they
are stored.

Line numbers in a `Finding` are 0-based, inclusive and relative to the function's first
line, so a finding survives edits elsewhere in the document. Reading a model's answer is
`answer.py`; placing its evidence in the function is `anchor.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any, Final

CATEGORIES: Final = ("bug", "security", "performance", "maintainability")
SEVERITIES: Final = ("error", "warning", "info", "hint")  # most to least severe

# Bounds of the answer schema. Engines compile the schema into the decoding grammar
# (Ollama's `format`, llama.cpp's `json_schema`), so a model that degenerates (an
# evidence of "1000000..." forever) is stopped at these lengths instead of running to
# the token limit. Generous for what the prompt asks: a title of a few words, an
# explanation of one or two sentences, evidence and replacement of a few whole lines.
MAX_FINDINGS: Final = 3
MAX_TITLE_CHARS: Final = 80
MAX_EXPLANATION_CHARS: Final = 300
MAX_EVIDENCE_CHARS: Final = 400
MAX_REPLACEMENT_CHARS: Final = 600
MAX_FIX_TITLE_CHARS: Final = 80

FINDINGS_SCHEMA: Final[dict[str, Any]] = {
    "type": "object",
    "required": ["findings"],
    "properties": {
        "findings": {
            "type": "array",
            "maxItems": MAX_FINDINGS,
            "items": {
                "type": "object",
                "required": [
                    "category",
                    "severity",
                    "title",
                    "explanation",
                    "evidence",
                    "confidence",
                ],
                "properties": {
                    "category": {"type": "string", "enum": list(CATEGORIES)},
                    "severity": {"type": "string", "enum": list(SEVERITIES)},
                    "title": {"type": "string", "maxLength": MAX_TITLE_CHARS},
                    "explanation": {"type": "string", "maxLength": MAX_EXPLANATION_CHARS},
                    "evidence": {"type": "string", "maxLength": MAX_EVIDENCE_CHARS},
                    "replacement": {"type": "string", "maxLength": MAX_REPLACEMENT_CHARS},
                    "fix_title": {"type": "string", "maxLength": MAX_FIX_TITLE_CHARS},
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                },
            },
        }
    },
}

# How answers are read, checked and stored. Stored findings carry it in their cache key,
# so answers kept by a version that checked less (or stored fewer fields: 3 added
# `fix_title`) are asked for again.
FINDINGS_VERSION: Final = 3


@dataclass(frozen=True)
class Finding:
    """One checked finding, anchored to whole lines of the function."""

    category: str
    severity: str
    title: str
    explanation: str
    evidence: str
    replacement: str | None
    confidence: float
    start_line: int
    end_line: int
    # What the fix does, in a few words ("use an argument list instead of shell=True");
    # None when the model gave none, or there is no fix.
    fix_title: str | None = None


def severity_rank(severity: str) -> int:
    """0 for the most severe; raises ValueError for a word that is not a severity."""
    try:
        return SEVERITIES.index(severity.strip().lower())
    except ValueError:
        raise ValueError(f"unknown severity {severity!r}; expected one of {SEVERITIES}") from None


# --- storing -----------------------------------------------------------------------


def findings_to_json(findings: Sequence[Finding]) -> list[dict[str, Any]]:
    """Plain JSON-ready dicts, one per finding, for storing."""
    return [asdict(finding) for finding in findings]


def findings_from_json(data: Sequence[dict[str, Any]]) -> list[Finding]:
    """Findings stored by `findings_to_json`.

    Raises ValueError on any malformed entry, so a damaged cache entry is treated as a
    miss as a whole rather than half-trusted.
    """
    if not isinstance(data, list):
        raise ValueError("stored findings must be a list")
    return [_finding_from_dict(entry) for entry in data]


_FIELD_NAMES: Final = frozenset(field.name for field in fields(Finding))


def _finding_from_dict(entry: object) -> Finding:
    if not isinstance(entry, dict) or set(entry) != _FIELD_NAMES:
        raise ValueError(f"not a stored finding: {entry!r:.200}")
    texts = ("category", "severity", "title", "explanation", "evidence")
    numbers = (entry["start_line"], entry["end_line"])
    valid = (
        all(isinstance(entry[name], str) for name in texts)
        and entry["category"] in CATEGORIES
        and entry["severity"] in SEVERITIES
        and (entry["replacement"] is None or isinstance(entry["replacement"], str))
        and (entry["fix_title"] is None or isinstance(entry["fix_title"], str))
        and isinstance(entry["confidence"], int | float)
        and not isinstance(entry["confidence"], bool)
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers)
        and numbers[0] <= numbers[1]
    )
    if not valid:
        raise ValueError(f"not a stored finding: {entry!r:.200}")
    return Finding(**{**entry, "confidence": float(entry["confidence"])})
