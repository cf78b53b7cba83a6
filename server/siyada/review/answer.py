"""Read a model's answer about one function: bounded decoding, parsing, validation.

A model's answer is untrusted text: it may be wrapped in prose or code fences, break the
schema, quote code that is not in the function, or carry terminal escape sequences.
Everything here is pure. A finding that cannot be checked is dropped; an answer with no
findings structure at all raises UnusableAnswer from `read_answer` and
`findings_in_answer` (the lenient `parse_answer` and `select_findings` give [] instead).
Which findings the user sees is decided when showing them (`review.placement.is_shown`).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Sequence
from typing import Any, Final

from siyada.review.anchor import locate, useful_replacement
from siyada.review.findings import (
    CATEGORIES,
    MAX_FIX_TITLE_CHARS,
    SEVERITIES,
    Finding,
    severity_rank,
)
from siyada.review.sanitize import has_controls, safe_text, safe_title

# An answer is capped by num_predict, so anything this long is garbage; the caps keep the
# work bounded whatever the model (or a test double) sends.
MAX_ANSWER_CHARS: Final = 200_000
MAX_FINDINGS_CONSIDERED: Final = 20
_MAX_DECODE_ATTEMPTS: Final = 500
# Decoding from every start can re-read the same text; this bounds the characters read in
# total, so a pathological answer (deep unterminated nesting) costs linear time.
_DECODE_BUDGET: Final = 4 * MAX_ANSWER_CHARS
_DECODER: Final = json.JSONDecoder()

# Where a JSON object or a list of objects may start: filters out most prose brackets
# before the (comparatively costly) decoder is tried.
_JSON_START: Final = re.compile(r"\{\s*[\"}]|\[\s*[{\]]")


# --- parsing -----------------------------------------------------------------------


class UnusableAnswer(ValueError):
    """The answer holds no findings structure: prose, broken JSON, `findings` that is
    not a list, or findings none of which follows the schema. Such an answer says
    nothing about the function, so it must never be remembered as "no findings"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def parse_answer(content: str) -> list[dict[str, Any]]:
    """The raw finding objects in a model's answer; [] when there are none or it is garbage.

    The lenient form of `read_answer`, for callers that only want what can be used.
    """
    try:
        return read_answer(content)
    except UnusableAnswer:
        return []


def read_answer(content: str) -> list[dict[str, Any]]:
    """The raw finding objects in a model's answer; raises UnusableAnswer when it holds
    no findings structure at all.

    Accepts, in order of preference: the first (hence outermost) JSON object with a
    `findings` key, wherever it sits in prose or code fences; a bare list of findings;
    a single finding object on its own. `{"findings": []}` is a valid answer: nothing
    found.
    """
    if not isinstance(content, str):
        raise UnusableAnswer("the answer is not text")
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
    found = bare_list or lone
    if found is None:
        raise UnusableAnswer("it holds no JSON object with findings")
    return found


def _findings_of(value: object) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return [value]
    raise UnusableAnswer(f"its findings are {type(value).__name__}, not a list")


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
    `fix_title` is optional: one that is not text, or comes without a usable fix, is
    dropped and the finding kept.
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
    # Text shown to the user loses terminal controls and is bounded. Evidence is kept as
    # it is: it is only ever compared with the code (a finding whose evidence is not in
    # the function is dropped), never shown. A replacement carrying a control character
    # is no fix anyone should apply: it is dropped, and the finding stays.
    title, explanation = safe_title(title), safe_text(explanation)
    if not title or not explanation:
        return None
    usable_fix = replacement is not None and replacement.strip() and not has_controls(replacement)
    return {
        "category": category,
        "severity": severity,
        "title": title,
        "explanation": explanation,
        "evidence": evidence,
        "replacement": replacement if usable_fix else None,
        "fix_title": _fix_title(item.get("fix_title")) if usable_fix else None,
        "confidence": confidence,
    }


def _fix_title(value: object) -> str | None:
    """The model's name for its fix, made safe to show; None when it gave none."""
    text = _text(value)
    return (safe_title(text, MAX_FIX_TITLE_CHARS) or None) if text is not None else None


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


# --- selection ---------------------------------------------------------------------


def select_findings(content: str, function_text: str, max_findings: int = 5) -> list[Finding]:
    """`findings_in_answer`, with [] for an unusable answer instead of UnusableAnswer."""
    checked = [c for c in map(validate, parse_answer(content)) if c is not None]
    return _select(checked, function_text, max_findings)


def findings_in_answer(content: str, function_text: str, max_findings: int = 5) -> list[Finding]:
    """The findings of a complete answer that anchor in `function_text`, in the order of
    the function's lines.

    Raises UnusableAnswer when the answer holds no findings structure, or when it lists
    findings and not one of them follows the schema. Findings that validate but quote
    code not in the function are dropped: the answer itself was usable. Duplicates (same
    range and category, or same title and range) keep the most severe, then most
    confident; when more than `max_findings` remain, the most severe and confident ones
    are kept.
    """
    items = read_answer(content)
    checked = [c for c in map(validate, items) if c is not None]
    if items and not checked:
        raise UnusableAnswer("none of its findings follows the schema")
    return _select(checked, function_text, max_findings)


def _select(
    checked: Sequence[dict[str, Any]], function_text: str, max_findings: int
) -> list[Finding]:
    lines = function_text.split("\n")
    candidates = [f for f in (_anchored(item, lines) for item in checked) if f is not None]
    kept = _deduplicate(sorted(candidates, key=_importance))[: max(0, max_findings)]
    return sorted(kept, key=lambda f: (f.start_line, severity_rank(f.severity)))


def _importance(finding: Finding) -> tuple[int, float]:
    return (severity_rank(finding.severity), -finding.confidence)


def _anchored(checked: dict[str, Any], lines: Sequence[str]) -> Finding | None:
    found = locate(checked["evidence"], lines)
    if found is None:
        return None
    replacement = None
    if found.whole_lines and checked["replacement"] is not None:
        original = lines[found.start : found.end + 1]
        replacement = useful_replacement(checked["replacement"], original)
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
        fix_title=checked["fix_title"] if replacement is not None else None,
    )


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
