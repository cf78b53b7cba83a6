"""A document's text and its syntax tree, kept in step edit by edit.

Typing changes a few characters; re-parsing a large file from scratch on every
keystroke would not keep up. Each edit is told to the old tree (`Tree.edit`) and the
new text is parsed with the old tree, so tree-sitter reuses every untouched subtree.
The rows each edit touched, and those `Tree.changed_ranges` reports after the parse,
are kept until the functions are next extracted, so only those rows are walked again.

The parsed bytes are `encode_source(text)`, where a lone \r is a \n: a document with
\r line ends is edited in those bytes as any other.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from dataclasses import dataclass

from siyada.code.functions import Extraction, FunctionUnit, RowChange, update_functions
from siyada.code.languages import (
    LanguageSpec,
    Tree,
    count_syntax_errors,
    count_tree_errors,
    encode_source,
)


@dataclass(frozen=True)
class TextEdit:
    """Replace text[start:end] (code point offsets) with `new_text`."""

    start: int
    end: int
    new_text: str

    def applied_to(self, text: str) -> str:
        return text[: self.start] + self.new_text + text[self.end :]


def edit_between(old: str, new: str) -> TextEdit:
    """The one edit that turns `old` into `new`: what lies between their common start
    and common end. A client that sends the whole document on every change then
    costs an incremental parse, not a full one."""
    prefix = _common_prefix_length(old, new)
    limit = min(len(old), len(new)) - prefix
    suffix = _common_prefix_length(old[::-1][:limit], new[::-1][:limit])
    return TextEdit(prefix, len(old) - suffix, new[prefix : len(new) - suffix])


def _common_prefix_length(first: str, second: str) -> int:
    """Compared in doubling, then halving, windows: a few comparisons in C."""
    known, limit = 0, min(len(first), len(second))
    step = 64
    while known < limit and first.startswith(second[known : known + step], known):
        known = min(limit, known + step)
        step *= 2
    while step > 1 and known < limit:
        step //= 2
        if first.startswith(second[known : known + step], known):
            known = min(limit, known + step)
    return known


class ParsedSource:
    """Text and tree. Edits are applied to the text and told to the tree at once; the
    re-parse waits until the tree is next read, so a burst of keystrokes costs one
    parse. `tree` is None while parsing is off (a document too large to review)."""

    def __init__(self, spec: LanguageSpec, text: str, *, parse: bool = True) -> None:
        self.spec = spec
        self.text = text
        self._source = b""
        self._tree: Tree | None = None
        self._parsing = False
        self._needs_parse = False  # edits told to the tree, not parsed yet
        self._needs_full_parse = False  # text changed in a way the tree cannot follow
        self.incremental_parses = 0
        self._extraction: Extraction | None = None
        self._parses = 0  # parses made by reading `tree`
        # While `parse_in_slices` runs: the tree edits made meanwhile, replayed on its tree.
        self._replay: list[_TreeEdit] | None = None
        # Rows changed since the last extraction; None: all of them.
        self._changes: list[RowChange] | None = None
        if parse:
            self.replace_all(text)

    @property
    def tree(self) -> Tree | None:
        if not self._parsing:
            return None
        if self._needs_full_parse or self._tree is None:
            self._source = encode_source(self.text)
            self._tree = self.spec.parse(self._source)
            self._changes = None
            self._parses += 1
        elif self._needs_parse:
            old_tree = self._tree
            self._tree = self.spec.parse(self._source, old_tree=old_tree)
            self._note_parse(old_tree, self._tree)
            self._parses += 1
        self._needs_parse = self._needs_full_parse = False
        return self._tree

    @property
    def parse_pending(self) -> bool:
        """Edits wait for an incremental parse (which `parse_in_slices` can make)."""
        return self._parsing and self._needs_parse and not self._needs_full_parse

    async def parse_in_slices(self) -> None:
        """Bring a tree with pending edits up to date as `tree` would, giving the event
        loop a turn now and then. Edits made meanwhile are replayed on the new tree
        (`parse_pending` then stays true); a parse made meanwhile by reading `tree` wins."""
        if not self._needs_parse or self._needs_full_parse or self._tree is None:
            return
        old_tree, parses = self._tree.copy(), self._parses
        changes_at = None if self._changes is None else len(self._changes)
        self._replay = []
        try:
            tree = await self.spec.parse_in_slices(self._source, old_tree)
            replay = self._replay
        finally:
            self._replay = None
        if parses != self._parses or self._needs_full_parse or not self._parsing:
            return
        self._note_parse(old_tree, tree, changes_at)
        for edit in replay:
            edit.tell(tree)
        self._tree, self._needs_parse = tree, bool(replay)

    def _note_parse(self, old_tree: Tree, tree: Tree, at: int | None = None) -> None:
        self.incremental_parses += 1
        if self._changes is None:
            return
        changed = [
            (changed.start_point.row, changed.end_point.row, changed.end_point.row)
            for changed in old_tree.changed_ranges(tree)
        ]
        position = len(self._changes) if at is None else at
        self._changes[position:position] = changed

    def replace_all(self, text: str) -> None:
        self.text = text
        self._parsing = True
        self._needs_full_parse = True

    def stop_parsing(self) -> None:
        self._source, self._tree, self._parsing = b"", None, False
        self._extraction, self._changes = None, None

    def functions(self, lines: list[str] | None = None) -> list[FunctionUnit]:
        """The functions of the text (whose `split_lines` are `lines`, when the caller
        has them), walking again only what changed since last time."""
        tree = self.tree
        if tree is None:
            self.replace_all(self.text)
            tree = self.tree
            assert tree is not None
        self._extraction = update_functions(
            self.spec, self.text, tree, self._extraction, self._changes, lines
        )
        self._changes = []
        return self._extraction.units

    def apply(self, edits: Sequence[TextEdit]) -> None:
        """Apply edits in order, each against the text the previous one left."""
        if not self._parsing or self._needs_full_parse or self._tree is None:
            for edit in edits:
                self.text = edit.applied_to(self.text)
            self._needs_full_parse = self._parsing
            return
        for index, edit in enumerate(edits):
            if not self._edit_tree(edit):
                self._needs_full_parse = True
                for rest in edits[index + 1 :]:
                    self.text = rest.applied_to(self.text)
                return
        self._needs_parse = True

    def syntax_errors(self) -> int:
        tree = self.tree
        if tree is None:
            return count_syntax_errors(self.spec, self.text)
        return count_tree_errors(tree)

    def syntax_errors_after(self, edit: TextEdit) -> int:
        """Errors the document would have with `edit` applied; the document is unchanged.
        An incremental parse of a copy keeps this fast on large files."""
        tree = self.tree
        if tree is None:
            return count_syntax_errors(self.spec, edit.applied_to(self.text))
        trial = copy.copy(self)
        trial._tree = tree.copy()
        trial._changes = trial._replay = None  # the trial's edits are not the document's
        trial.apply([edit])
        trial_tree = trial.tree
        assert trial_tree is not None
        return count_tree_errors(trial_tree)

    def _edit_tree(self, edit: TextEdit) -> bool:
        """Apply `edit` to the text, the parsed bytes and the tree; False (the text
        edited, the tree not) when the bytes cannot be matched up."""
        assert self._tree is not None
        old_source = self._source
        new_text = edit.applied_to(self.text)
        if "\r" in self.text or "\r" in edit.new_text:
            span = _changed_span(old_source, encode_source(new_text), self.text, edit)
        else:
            span = _plain_span(old_source, self.text, edit)
        self.text = new_text
        if span is None:
            return False
        new_source, start_byte, old_end_byte, new_end_byte = span
        start_point = _point(old_source, start_byte)
        old_end_point = _point(old_source, old_end_byte)
        new_end_point = _point(new_source, new_end_byte)
        tree_edit = _TreeEdit(
            start_byte, old_end_byte, new_end_byte, start_point, old_end_point, new_end_point
        )
        tree_edit.tell(self._tree)
        if self._replay is not None:
            self._replay.append(tree_edit)
        self._source = new_source
        if self._changes is not None:
            self._changes.append((start_point[0], old_end_point[0], new_end_point[0]))
        return True


@dataclass(frozen=True, slots=True)
class _TreeEdit:
    """An edit in the parsed bytes, as `Tree.edit` takes it."""

    start_byte: int
    old_end_byte: int
    new_end_byte: int
    start_point: tuple[int, int]
    old_end_point: tuple[int, int]
    new_end_point: tuple[int, int]

    def tell(self, tree: Tree) -> None:
        tree.edit(
            start_byte=self.start_byte,
            old_end_byte=self.old_end_byte,
            new_end_byte=self.new_end_byte,
            start_point=self.start_point,
            old_end_point=self.old_end_point,
            new_end_point=self.new_end_point,
        )


# The bytes after an edit, where it starts, and where it ends before and after.
_Span = tuple[bytes, int, int, int]


def _plain_span(old_source: bytes, text: str, edit: TextEdit) -> _Span:
    """Without \r the parsed bytes are the UTF-8 text: offsets convert directly."""
    start_byte = _byte_length(text[: edit.start])
    old_end_byte = start_byte + _byte_length(text[edit.start : edit.end])
    inserted = edit.new_text.encode("utf-8", "surrogatepass")
    new_source = old_source[:start_byte] + inserted + old_source[old_end_byte:]
    return new_source, start_byte, old_end_byte, start_byte + len(inserted)


def _changed_span(old_source: bytes, new_source: bytes, text: str, edit: TextEdit) -> _Span | None:
    """With \r, a line break may join or split at the edges of the edit (`\r` typed
    before a `\n`): start from the edit's offsets and widen until the bytes before and
    after are the same in both sources."""
    start_byte = len(encode_source(text[: edit.start]))
    suffix = len(old_source) - len(encode_source(text[: edit.end]))
    for margin in (0, 1, 2):
        start = max(0, start_byte - margin)
        tail = max(0, suffix - margin)
        old_end, new_end = len(old_source) - tail, len(new_source) - tail
        if (
            start <= old_end
            and start <= new_end
            and old_source[:start] == new_source[:start]
            and old_source[old_end:] == new_source[new_end:]
        ):
            return new_source, start, old_end, new_end
    return None


def _byte_length(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))


def _point(source: bytes, offset: int) -> tuple[int, int]:
    """(row, byte column) of a byte offset, as tree-sitter counts them."""
    row = source.count(b"\n", 0, offset)
    line_start = source.rfind(b"\n", 0, offset) + 1
    return row, offset - line_start
