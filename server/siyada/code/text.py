"""Lines as LSP counts them: the one definition of a line break, for every module."""

from __future__ import annotations

import re
from typing import Final

# LSP line terminators, and only those: \x0c, \x1c-\x1e, \x85 and \u2028/\u2029 do not end
# a line for an editor's position arithmetic, although str.splitlines() splits on them.
LINE_BREAK: Final = re.compile(r"\r\n|\r|\n")


def split_lines(text: str) -> list[str]:
    """Split `text` into lines on \\r\\n, \\r and \\n, without the terminators.

    A trailing terminator yields a final empty line ("a\\n" -> ["a", ""]), so line
    numbers match the editor's, including the position just after the last newline.
    """
    return LINE_BREAK.split(text)


def line_break_of(text: str) -> str:
    """The line terminator `text` uses (its first one), "\n" when it has none: what
    an edit writes so it matches the file."""
    match = LINE_BREAK.search(text)
    return match.group(0) if match else "\n"


def with_newlines(text: str) -> str:
    """`text` with every line terminator written as \\n."""
    return LINE_BREAK.sub("\n", text)
