"""In-source suppression comments.

`siyada: ignore` silences every finding whose evidence starts on that line or the line
below; `siyada: ignore[security,performance]` only those categories;
`siyada: ignore-file`, anywhere, silences the whole file. Like `# noqa`, the marker is
matched in the line's text without deciding whether it sits in a comment.

`ignore_file_edit` says where the "Ignore in this file" action puts its comment: at the
top, after what must stay first (a shebang, Python's encoding line, Go's build
constraints).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from siyada.code.languages import LanguageSpec

__all__ = [
    "FILE_SUPPRESS_RE",
    "SUPPRESS_RE",
    "FileCommentInsertion",
    "file_is_suppressed",
    "ignore_comment",
    "ignore_file_insertion",
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


@dataclass(frozen=True)
class FileCommentInsertion:
    """Lines to insert before document line `line` (0-based) to ignore the whole file."""

    line: int
    lines: tuple[str, ...]


# PEP 263: the encoding declaration on the first or second line.
_PYTHON_ENCODING: Final = re.compile(r"^[ \t\f]*#.*?coding[:=][ \t]*[-\w.]+")
# Go build constraints: `//go:build` and the older `// +build`.
_GO_BUILD: Final = re.compile(r"^//(go:build|\s*\+build)(\s|$)")


def ignore_file_insertion(spec: LanguageSpec, lines: Sequence[str]) -> FileCommentInsertion:
    """Where and what to insert so that `siyada: ignore-file` silences the file.

    The comment goes at the top, after a shebang (which must stay the first line; a
    Rust `#![attribute]` is no shebang), Python's encoding line (which must stay on line
    1 or 2) and Go's build constraints with the blank line that ends them. In Go the
    comment is followed by a blank line, so it never becomes the package's doc comment.
    """
    comment = f"{spec.line_comment} siyada: ignore-file"
    line = 0
    if lines and lines[0].startswith("#!") and not lines[0].startswith("#!["):
        line = 1
    if spec.id == "python":
        while line < min(2, len(lines)) and _PYTHON_ENCODING.match(lines[line]):
            line += 1
    if spec.id == "go":
        return FileCommentInsertion(_after_build_constraints(lines, line), (comment, ""))
    return FileCommentInsertion(line, (comment,))


def _after_build_constraints(lines: Sequence[str], first: int) -> int:
    """The line after Go's build constraint lines (and the blank line after them) that
    start at `first`; `first` when there are none. Never past the document's last line."""
    line = first
    while line < len(lines) - 1 and _GO_BUILD.match(lines[line]):
        line += 1
    if line == first:
        return first
    while line < len(lines) - 1 and not lines[line].strip():
        line += 1
    return line
