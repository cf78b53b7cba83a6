"""Where a finding's evidence sits in its function, and its fix indented to fit there.

The evidence is the model's quote of the code; a finding is shown only where that quote
is found exactly once. Everything here is pure.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from siyada.code.text import split_lines

# Evidence shorter than this, quoted from the middle of a line, is too likely to be a
# common fragment (`i + 1`, `None`) to point at one place with any confidence.
MIN_SUBSTRING_CHARS: Final = 8

_TAB_WIDTH: Final = 4

# "12", "line 12", "Lines 12-14", "L3, 5", "line 2 to 4": a model pointing instead of
# quoting. Such evidence is never trusted, even if a line happens to read "12".
_LINE_NUMBERS: Final = re.compile(
    r"(?:(?:lines?|ln|l)\.?\s*)?\d+(?:\s*(?:-|\u2013|:|,|to|and)\s*\d+)*",
    re.IGNORECASE,
)
_FENCE: Final = re.compile(r"^\s*(```|~~~)")


@dataclass(frozen=True)
class Anchor:
    """The lines of the function a piece of evidence quotes, 0-based and inclusive."""

    start: int
    end: int
    # False when the evidence was a fragment of one line: the range is that whole line,
    # but the model's replacement was meant for the fragment and cannot be applied.
    whole_lines: bool


# --- anchoring ---------------------------------------------------------------------


def anchor(evidence: str, function_text: str) -> tuple[int, int] | None:
    """The 0-based inclusive line range of `evidence` in `function_text`, or None.

    Tried in order: the evidence lines as an identical block of whole lines; the same
    ignoring whitespace around each line; a single-line fragment of at least
    MIN_SUBSTRING_CHARS non-space characters found in exactly one line (the range is then
    that line). Blank lines around the evidence are ignored. Evidence found in several
    places is ambiguous and gives None, as does evidence made of line numbers.
    """
    found = locate(evidence, function_text.split("\n"))
    return None if found is None else (found.start, found.end)


def locate(evidence: str, lines: Sequence[str]) -> Anchor | None:
    """`anchor` on the function's `lines`, saying whether whole lines were quoted."""
    wanted = _trim_blank_edges(split_lines(_strip_fences(evidence)))
    if not wanted or _LINE_NUMBERS.fullmatch("\n".join(wanted).strip()):
        return None
    for normalise in (_identity, str.strip):
        starts = _block_starts(
            [normalise(line) for line in lines], [normalise(line) for line in wanted]
        )
        if len(starts) > 1:
            return None
        if starts:
            return Anchor(starts[0], starts[0] + len(wanted) - 1, whole_lines=True)
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


def _fragment(wanted: Sequence[str], lines: Sequence[str]) -> Anchor | None:
    if len(wanted) != 1:
        return None
    fragment = wanted[0].strip()
    if len("".join(fragment.split())) < MIN_SUBSTRING_CHARS:
        return None
    hits = [number for number, line in enumerate(lines) if fragment in line]
    if len(hits) != 1:
        return None
    return Anchor(hits[0], hits[0], whole_lines=False)


# --- columns -----------------------------------------------------------------------


def evidence_columns(evidence: str, lines: Sequence[str]) -> tuple[int, int]:
    """Where the evidence starts on the first of `lines` and ends on the last (string
    indices, the end exclusive): `lines` are the document lines it was anchored to.

    A fragment of one line quoted exactly once there spans that fragment; otherwise the
    span runs from the first line's first non-blank character to the last line's last
    one, so a squiggle never sits in the indentation or trailing blanks. A line that is
    all blank (never an anchor's edge) spans whole.
    """
    if not lines:
        return 0, 0
    first, last = lines[0], lines[-1]
    if len(lines) == 1:
        wanted = _trim_blank_edges(split_lines(_strip_fences(evidence)))
        fragment = wanted[0].strip() if len(wanted) == 1 else ""
        if fragment and first.count(fragment) == 1:
            start = first.index(fragment)
            return start, start + len(fragment)
    start = len(first) - len(first.lstrip())
    end = len(last.rstrip())
    if start == len(first) or end == 0:
        return 0, len(last)
    return start, end


# --- replacement -------------------------------------------------------------------


def reindent(replacement: str, evidence_lines: list[str]) -> str:
    """`replacement` indented to take the place of `evidence_lines` in the code.

    Code fences around the replacement and blank lines at its edges are dropped. The
    first line gets the first non-blank evidence line's indentation; the other lines keep
    their indentation relative to it, written with the evidence's characters (tabs when
    the code is tab-indented, spaces otherwise).
    """
    lines = _trim_blank_edges(split_lines(_strip_fences(replacement)))
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


def _trim_blank_edges(lines: list[str]) -> list[str]:
    first = next((i for i, line in enumerate(lines) if line.strip()), len(lines))
    last = next((i for i in range(len(lines) - 1, -1, -1) if lines[i].strip()), -1)
    return lines[first : last + 1]


def _strip_fences(text: str) -> str:
    """The text inside a ``` or ~~~ fence when the whole text is one fenced block."""
    lines = _trim_blank_edges(split_lines(text))
    if len(lines) < 2 or not _FENCE.match(lines[0]):
        return text
    fence = lines[0].strip()[:3]
    body = lines[1:-1] if lines[-1].strip() == fence else lines[1:]
    return "\n".join(body)


def useful_replacement(replacement: str, original: Sequence[str]) -> str | None:
    """`replacement` re-indented to take the place of the `original` lines, or None when
    it would not change the code."""
    result = reindent(replacement, list(original))
    if not result.strip():
        return None
    unchanged = [line.rstrip() for line in split_lines(result)] == [
        line.rstrip() for line in original
    ]
    return None if unchanged else result
