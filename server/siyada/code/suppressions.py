"""In-source suppression comments.

`siyada: ignore` silences every finding whose evidence starts on that line or the line
below; `siyada: ignore[security,performance]` only those categories;
`siyada: ignore-file`, anywhere, silences the whole file. Like `# noqa`, the marker is
matched in the line's text without deciding whether it sits in a comment.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from siyada.code.languages import LanguageSpec

__all__ = [
    "FILE_SUPPRESS_RE",
    "SUPPRESS_RE",
    "file_is_suppressed",
    "ignore_comment",
    "is_suppressed",
    "suppressed_categories",
]

# Group "categories" is None for a bare ignore. The lookahead keeps `ignore-file` (and
# any longer word) from counting as a line ignore.
SUPPRESS_RE = re.compile(r"siyada:\s*ignore(?![-\w])(?:\s*\[(?P<categories>[^\]]*)\])?")
FILE_SUPPRESS_RE = re.compile(r"siyada:\s*ignore-file(?![-\w])")


def suppressed_categories(line: str) -> frozenset[str] | None:
    """Categories ignored on `line`: None for none, an empty set for all of them."""
    found: set[str] = set()
    any_marker = False
    for match in SUPPRESS_RE.finditer(line):
        any_marker = True
        listed = match.group("categories")
        names = {name.strip().lower() for name in (listed or "").split(",")} - {""}
        if not names:
            return frozenset()  # a bare ignore, or empty brackets, covers everything
        found |= names
    return frozenset(found) if any_marker else None


def is_suppressed(lines: Sequence[str], line: int, category: str) -> bool:
    """True when `lines[line]` or the line above ignores `category` (or everything)."""
    for index in (line, line - 1):
        if 0 <= index < len(lines):
            categories = suppressed_categories(lines[index])
            if categories is not None and (not categories or category.lower() in categories):
                return True
    return False


def file_is_suppressed(text: str) -> bool:
    """True when `siyada: ignore-file` appears anywhere in `text`."""
    return FILE_SUPPRESS_RE.search(text) is not None


def ignore_comment(spec: LanguageSpec, category: str) -> str:
    """The comment that ignores `category`, in the language's line-comment syntax."""
    return f"{spec.line_comment} siyada: ignore[{category}]"
