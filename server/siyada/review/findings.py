"""Parse, validate and anchor the findings a model returns for one function.

A model's answer is untrusted text: it may be wrapped in prose or code fences, break the
schema, or quote code that is not in the function. Everything here is pure and never
raises on a bad answer; a finding that cannot be checked is dropped.

Line numbers in a `Finding` are 0-based, inclusive and relative to the function's first
line, so a finding survives edits elsewhere in the document.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Collection, Iterator, Sequence
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
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                },
            },
        }
    },
}

# An answer is capped by num_predict, so anything this long is garbage; the caps keep the
# work bounded whatever the model (or a test double) sends.
MAX_ANSWER_CHARS: Final = 200_000
MAX_FINDINGS_CONSIDERED: Final = 20
_MAX_DECODE_ATTEMPTS: Final = 500
# Decoding from every start can re-read the same text; this bounds the characters read in
# total, so a pathological answer (deep unterminated nesting) costs linear time.
_DECODE_BUDGET: Final = 4 * MAX_ANSWER_CHARS

# Evidence shorter than this, quoted from the middle of a line, is too likely to be a
# common fragment (`i + 1`, `None`) to point at one place with any confidence.
MIN_SUBSTRING_CHARS: Final = 8

_TAB_WIDTH: Final = 4
_DECODER: Final = json.JSONDecoder()

# Where a JSON object or a list of objects may start: filters out most prose brackets
# before the (comparatively costly) decoder is tried.
_JSON_START: Final = re.compile(r"\{\s*[\"}]|\[\s*[{\]]")
# "12", "line 12", "Lines 12-14", "L3, 5", "line 2 to 4": a model pointing instead of
# quoting. Such evidence is never trusted, even if a line happens to read "12".
_LINE_NUMBERS: Final = re.compile(
    r"(?:(?:lines?|ln|l)\.?\s*)?\d+(?:\s*(?:-|\u2013|:|,|to|and)\s*\d+)*",
    re.IGNORECASE,
)
_FENCE: Final = re.compile(r"^\s*(```|~~~)")


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


@dataclass(frozen=True)
class _Anchor:
    start: int
    end: int
    # False when the evidence was a fragment of one line: the range is that whole line,
    # but the model's replacement was meant for the fragment and cannot be applied.
    whole_lines: bool


# --- parsing -----------------------------------------------------------------------


def parse_answer(content: str) -> list[dict[str, Any]]:
    """The raw finding objects in a model's answer; [] when there are none or it is garbage.

    Accepts, in order of preference: the first (hence outermost) JSON object with a
    `findings` key, wherever it sits in prose or code fences; a bare list of findings;
    a single finding object on its own.
    """
    if not isinstance(content, str):
        return []
    items = _find_items(content[:MAX_ANSWER_CHARS])
    return [item for item in items if isinstance(item, dict)][:MAX_FINDINGS_CONSIDERED]


def _find_items(text: str) -> list[Any]:
    bare_list: list[Any] | None = None
    lone: list[Any] | None = None
    for value in _json_values(text):
        if isinstance(value, dict) and "findings" in value:
            return _findings_of(value["findings"])
        if isinstance(value, list) and bare_list is None:
            if any(isinstance(item, dict) for item in value):
                bare_list = value
        elif isinstance(value, dict) and lone is None and "evidence" in value:
            lone = [value]
    return bare_list or lone or []


def _findings_of(value: object) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    return []


def _json_values(text: str) -> Iterator[object]:
    """Every JSON object or list that decodes from a plausible start, left to right."""
    budget = _DECODE_BUDGET
    for attempt, match in enumerate(_JSON_START.finditer(text)):
        if attempt >= _MAX_DECODE_ATTEMPTS or budget <= 0:
            return
        start = match.start()
        try:
            value, end = _DECODER.raw_decode(text, start)
        except json.JSONDecodeError as error:
            budget -= error.pos - start
            continue
        except (ValueError, RecursionError):
            continue
        budget -= end - start
        yield value


# --- validation --------------------------------------------------------------------


def validate(item: object) -> dict[str, Any] | None:
    """A normalised copy of one finding object, or None if it breaks the contract.

    Category and severity are matched case-insensitively; confidence may be a number or
    a numeric string and is clamped to 0..1; a null or blank replacement means "no fix".
    """
    if not isinstance(item, dict):
        return None
    category = _enum_value(item.get("category"), CATEGORIES)
    severity = _enum_value(item.get("severity"), SEVERITIES)
    confidence = _confidence(item.get("confidence"))
    title = _text(item.get("title"))
    explanation = _text(item.get("explanation"))
    evidence = _text(item.get("evidence"))
    replacement = item.get("replacement")
    if category is None or severity is None or confidence is None:
        return None
    if title is None or explanation is None or evidence is None:
        return None
    if replacement is not None and not isinstance(replacement, str):
        return None
    return {
        "category": category,
        "severity": severity,
        "title": title.strip(),
        "explanation": explanation.strip(),
        "evidence": evidence,
        "replacement": replacement if replacement and replacement.strip() else None,
        "confidence": confidence,
    }


def _text(value: object) -> str | None:
    """`value` if it is a string with something besides whitespace in it."""
    return value if isinstance(value, str) and value.strip() else None


def _enum_value(value: object, allowed: tuple[str, ...]) -> str | None:
    if not isinstance(value, str):
        return None
    normalised = value.strip().lower()
    return normalised if normalised in allowed else None


def _confidence(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if not isinstance(value, int | float):
        return None
    number = float(value)
    if not math.isfinite(number):
        return None
    return min(1.0, max(0.0, number))


# --- anchoring ---------------------------------------------------------------------


def anchor(evidence: str, function_text: str) -> tuple[int, int] | None:
    """The 0-based inclusive line range of `evidence` in `function_text`, or None.

    Tried in order: the evidence lines as an identical block of whole lines; the same
    ignoring whitespace around each line; a single-line fragment of at least
    MIN_SUBSTRING_CHARS non-space characters found in exactly one line (the range is then
    that line). Blank lines around the evidence are ignored. Evidence found in several
    places is ambiguous and gives None, as does evidence made of line numbers.
    """
    found = _locate(evidence, function_text.split("\n"))
    return None if found is None else (found.start, found.end)


def _locate(evidence: str, lines: Sequence[str]) -> _Anchor | None:
    wanted = _trim_blank_edges(_split(_strip_fences(evidence)))
    if not wanted or _LINE_NUMBERS.fullmatch("\n".join(wanted).strip()):
        return None
    for key in (_identity, str.strip):
        starts = _block_starts([key(line) for line in lines], [key(line) for line in wanted])
        if len(starts) > 1:
            return None
        if starts:
            return _Anchor(starts[0], starts[0] + len(wanted) - 1, whole_lines=True)
    return _fragment(wanted, lines)


def _identity(line: str) -> str:
    return line


def _block_starts(haystack: Sequence[str], needle: Sequence[str]) -> list[int]:
    """Where `needle` occurs as a contiguous block; stops at two, which already means ambiguous."""
    starts: list[int] = []
    size = len(needle)
    for start in range(len(haystack) - size + 1):
        if haystack[start] == needle[0] and list(haystack[start : start + size]) == needle:
            starts.append(start)
            if len(starts) > 1:
                break
    return starts


def _fragment(wanted: Sequence[str], lines: Sequence[str]) -> _Anchor | None:
    if len(wanted) != 1:
        return None
    fragment = wanted[0].strip()
    if len("".join(fragment.split())) < MIN_SUBSTRING_CHARS:
        return None
    hits = [number for number, line in enumerate(lines) if fragment in line]
    if len(hits) != 1:
        return None
    return _Anchor(hits[0], hits[0], whole_lines=False)


# --- replacement -------------------------------------------------------------------


def reindent(replacement: str, evidence_lines: list[str]) -> str:
    """`replacement` indented to take the place of `evidence_lines` in the code.

    Code fences around the replacement and blank lines at its edges are dropped. The
    first line gets the first non-blank evidence line's indentation; the other lines keep
    their indentation relative to it, written with the evidence's characters (tabs when
    the code is tab-indented, spaces otherwise).
    """
    lines = _trim_blank_edges(_split(_strip_fences(replacement)))
    reference = next((line for line in evidence_lines if line.strip()), None)
    if not lines or reference is None:
        return "\n".join(lines)
    target = _leading_ws(reference)
    use_tabs = target.startswith("\t") or (
        not target and any(line.startswith("\t") for line in evidence_lines)
    )
    base = _columns(_leading_ws(lines[0]))
    unit = _indent_unit(lines)
    out = []
    for line in lines:
        if not line.strip():
            out.append("")
            continue
        ws = _leading_ws(line)
        shift = _columns(ws) - base
        out.append(_indentation(target, shift, use_tabs, unit) + line[len(ws) :])
    return "\n".join(out)


def _indentation(target: str, shift: int, use_tabs: bool, unit: int) -> str:
    if shift == 0:
        return target
    if use_tabs:
        tabs = len(target) - len(target.lstrip("\t"))
        return "\t" * max(0, tabs + round(shift / unit))
    return " " * max(0, _columns(target) + shift)


def _indent_unit(lines: Sequence[str]) -> int:
    """Columns per indentation level in the replacement (the gcd of its indents)."""
    columns = [_columns(_leading_ws(line)) for line in lines if line.strip()]
    lowest = min(columns)
    unit = 0
    for column in columns:
        unit = math.gcd(unit, column - lowest)
    return unit or _TAB_WIDTH


def _leading_ws(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _columns(ws: str) -> int:
    return len(ws.expandtabs(_TAB_WIDTH))


def _split(text: str) -> list[str]:
    return text.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _trim_blank_edges(lines: list[str]) -> list[str]:
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip()), -1)
    return lines[first : last + 1]


def _strip_fences(text: str) -> str:
    """The text inside a ``` or ~~~ fence when the whole text is one fenced block."""
    lines = _trim_blank_edges(_split(text))
    if len(lines) < 2 or not _FENCE.match(lines[0]):
        return text
    fence = lines[0].strip()[:3]
    body = lines[1:-1] if lines[-1].strip() == fence else lines[1:]
    return "\n".join(body)


# --- selection ---------------------------------------------------------------------


def select_findings(
    content: str,
    function_text: str,
    *,
    min_confidence: float,
    min_severity: str,
    categories: Collection[str],
    max_findings: int = 5,
) -> list[Finding]:
    """The findings of one answer worth showing, in the order of the function's lines.

    Keeps findings that validate, anchor in `function_text`, reach `min_confidence` and
    `min_severity` and are in `categories`. Duplicates (same range and category, or same
    title and range) keep the most severe, then most confident; when more than
    `max_findings` remain, the most severe and confident ones are kept.
    """
    lowest_rank = _severity_rank(min_severity)
    allowed = {category.strip().lower() for category in categories}
    lines = function_text.split("\n")
    candidates = []
    for item in parse_answer(content):
        checked = validate(item)
        if checked is None or checked["confidence"] < min_confidence:
            continue
        if _severity_rank(checked["severity"]) > lowest_rank or checked["category"] not in allowed:
            continue
        finding = _anchored(checked, lines)
        if finding is not None:
            candidates.append(finding)
    kept = _deduplicate(sorted(candidates, key=_importance))[: max(0, max_findings)]
    return sorted(kept, key=lambda f: (f.start_line, _severity_rank(f.severity)))


def _severity_rank(severity: str) -> int:
    try:
        return SEVERITIES.index(severity.strip().lower())
    except ValueError:
        raise ValueError(f"unknown severity {severity!r}; expected one of {SEVERITIES}") from None


def _importance(finding: Finding) -> tuple[int, float]:
    return (_severity_rank(finding.severity), -finding.confidence)


def _anchored(checked: dict[str, Any], lines: Sequence[str]) -> Finding | None:
    found = _locate(checked["evidence"], lines)
    if found is None:
        return None
    replacement = None
    if found.whole_lines and checked["replacement"] is not None:
        original = lines[found.start : found.end + 1]
        replacement = _useful_replacement(checked["replacement"], original)
    return Finding(
        category=checked["category"],
        severity=checked["severity"],
        title=checked["title"],
        explanation=checked["explanation"],
        evidence=checked["evidence"],
        replacement=replacement,
        confidence=checked["confidence"],
        start_line=found.start,
        end_line=found.end,
    )


def _useful_replacement(replacement: str, original: Sequence[str]) -> str | None:
    """The re-indented replacement, or None when it would not change the code."""
    result = reindent(replacement, list(original))
    if not result.strip():
        return None
    unchanged = [line.rstrip() for line in _split(result)] == [line.rstrip() for line in original]
    return None if unchanged else result


def _deduplicate(findings: Sequence[Finding]) -> list[Finding]:
    seen: set[tuple[object, ...]] = set()
    kept = []
    for finding in findings:
        span = (finding.start_line, finding.end_line)
        keys = {("category", *span, finding.category), ("title", *span, _title_key(finding))}
        if keys & seen:
            continue
        seen |= keys
        kept.append(finding)
    return kept


def _title_key(finding: Finding) -> str:
    return " ".join(finding.title.lower().split()).strip(".!:;, ")


# --- cache round-trip --------------------------------------------------------------


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
        and isinstance(entry["confidence"], int | float)
        and not isinstance(entry["confidence"], bool)
        and all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in numbers)
        and numbers[0] <= numbers[1]
    )
    if not valid:
        raise ValueError(f"not a stored finding: {entry!r:.200}")
    return Finding(**{**entry, "confidence": float(entry["confidence"])})
