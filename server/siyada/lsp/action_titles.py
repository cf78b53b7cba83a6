"""The titles of Siyada's code actions, in sentence case, each naming what it does.

A quick fix is named by its change, not by the problem: the model's `fix_title` when it
gave one ("Use an argument list instead of shell=True"), else what the edit visibly
does when that is one short change ("Replace “shell=True” with “shell=False”"), else
the problem it fixes ("Fix “File handle is never closed”"). An import the fix needs
and the file lacks is said after it.

The words Siyada adds are in the user's language (siyada.i18n), translated when a title
is made; the model's `fix_title` is its own text, already in the explanation language.
Everything after "Siyada: " is one filled-in value, so in a right-to-left language it
is one isolate: the title reads right to left after the Latin "Siyada: " in a
left-to-right menu, its quotation marks and parentheses in their places.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from siyada.i18n import _

__all__ = [
    "ask_title",
    "fix_title",
    "ignore_action",
    "ignore_file_action",
    "ignore_file_title",
    "ignore_title",
    "sentence_case",
]

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


def _titled(action: str) -> str:
    """A code action's title: Siyada's name, then what the action does."""
    return _("Siyada: {action}", action=action)


def ignore_action(category: str) -> str:
    """What the action that ignores one finding does, as the hover quotes it too."""
    return _("Ignore this {category} finding", category=category)


def ignore_file_action() -> str:
    return _("Ignore in this file")


def ask_title() -> str:
    """The action that opens a conversation about the finding (`siyada.ask`)."""
    return _titled(_("Ask about this finding"))


def ignore_title(category: str) -> str:
    return _titled(ignore_action(category))


def ignore_file_title() -> str:
    return _titled(ignore_file_action())


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
    named = model_title or _change_title(old_lines, new_lines)
    action = sentence_case(named) if named else _("Fix “{problem}”", problem=problem_title)
    if needed_imports:
        action = _(
            "{action} (needs import {modules})", action=action, modules=", ".join(needed_imports)
        )
    return _titled(action)


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
        return _("Replace “{old}” with “{new}”", old=removed, new=added)
    # An argument added or removed reads better without the comma that separates it.
    if removed:
        return _("Remove “{old}”", old=removed.strip(_SEPARATORS))
    if added:
        return _("Add “{new}”", new=added.strip(_SEPARATORS))
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
