"""The titles of Siyada's code actions, in sentence case, each naming what it does.

A quick fix is named by its change, not by the problem: the model's `fix_title` when it
gave one ("Use an argument list instead of shell=True"), else what the edit visibly
does when that is one short change ("Replace “shell=True” with “shell=False”"), else
the problem it fixes ("Fix “File handle is never closed”"). An import the fix needs
and the file lacks is said after it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

__all__ = [
    "IGNORE_FILE_TITLE",
    "fix_title",
    "ignore_title",
    "sentence_case",
]

PREFIX: Final = "Siyada: "
IGNORE_FILE_TITLE: Final = PREFIX + "Ignore in this file"
# A changed part longer than this is no readable title.
_MAX_SNIPPET: Final = 40
_TOKEN: Final = re.compile(r"\w+|\S")
_PLAIN_WORD: Final = re.compile(r"[a-z]+(?=\s|$)")
_SEPARATORS: Final = ",; "
_CODE_SPAN: Final = re.compile(r"`([^`]+)`")


def sentence_case(text: str) -> str:
    """`text` with its first word capitalised when that word is a plain lower-case word;
    code (`shlex.split`, `os_path`) and words already cased are left as they are."""
    if _PLAIN_WORD.match(text):
        return text[0].upper() + text[1:]
    return text


def ignore_title(category: str) -> str:
    return f"{PREFIX}Ignore this {category} finding"


def fix_title(
    *,
    model_title: str | None,
    problem_title: str,
    old_lines: Sequence[str],
    new_lines: Sequence[str],
    needed_imports: Sequence[str] = (),
) -> str:
    """The quick fix's title: what it changes, then any import it needs."""
    # Titles are plain text: the model's Markdown code spans would show their backticks.
    model_title = _CODE_SPAN.sub(r"\1", model_title) if model_title else None
    named = model_title or _change_title(old_lines, new_lines) or f"Fix “{problem_title}”"
    title = PREFIX + sentence_case(named)
    if needed_imports:
        title += f" (needs import {', '.join(needed_imports)})"
    return title


def _change_title(old_lines: Sequence[str], new_lines: Sequence[str]) -> str | None:
    """ "Replace “a” with “b”", "Remove “a”" or "Add “b”" when the edit changes one short
    run of tokens; None when it changes more."""
    old, new = _Tokens(old_lines), _Tokens(new_lines)
    prefix = 0
    while prefix < min(len(old.words), len(new.words)) and old.words[prefix] == new.words[prefix]:
        prefix += 1
    suffix = 0
    while (
        suffix < min(len(old.words), len(new.words)) - prefix
        and old.words[-1 - suffix] == new.words[-1 - suffix]
    ):
        suffix += 1
    removed = old.text_of(prefix, len(old.words) - suffix)
    added = new.text_of(prefix, len(new.words) - suffix)
    if not (_readable(removed) and _readable(added)):
        return None
    if removed and added:
        return f"Replace “{removed}” with “{added}”"
    # An argument added or removed reads better without the comma that separates it.
    if removed:
        return f"Remove “{removed.strip(_SEPARATORS)}”"
    if added:
        return f"Add “{added.strip(_SEPARATORS)}”"
    return None


def _readable(snippet: str) -> bool:
    """Short, and whole: a snippet that opens a bracket or a string it does not close
    (the edge of a change that moved code) names nothing."""
    if len(snippet) > _MAX_SNIPPET:
        return False
    pairs = ("()", "[]", "{}")
    balanced = all(snippet.count(pair[0]) == snippet.count(pair[1]) for pair in pairs)
    return balanced and all(snippet.count(quote) % 2 == 0 for quote in "'\"`")


class _Tokens:
    """The tokens of some lines, and the text between any two of them."""

    def __init__(self, lines: Sequence[str]) -> None:
        self.text = "\n".join(lines)
        matches = list(_TOKEN.finditer(self.text))
        self.words = [match.group(0) for match in matches]
        self.spans = [match.span() for match in matches]

    def text_of(self, first: int, end: int) -> str:
        """Tokens first..end (exclusive) as written, whitespace runs made one space."""
        if first >= end:
            return ""
        return " ".join(self.text[self.spans[first][0] : self.spans[end - 1][1]].split())
